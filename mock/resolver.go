package mock

import (
	"context"

	"github.com/paulmach/orb"

	"github.com/gridmap-dev/gridmap/geo"
)

var _ geo.Resolver = (*Resolver)(nil)

// The chain the default resolver answers with: a grid of 长虹街道, 南开区.
const (
	District  = "120104"
	Street    = "120104001"
	Community = "120104001001"
	Grid      = "120104001001001"
)

// Box is where the default resolver finds Grid: central Tianjin.
var Box = orb.Bound{Min: orb.Point{117.0, 39.0}, Max: orb.Point{117.5, 39.5}}

// Resolver is a geo.Resolver that needs no index. By default a point in
// Box (in WGS-84, after converting from its CRS) is managed by Grid and its
// ancestors, and any other point lies outside every district.
type Resolver struct {
	// Err, if set, is returned for every point.
	Err error
	// Answer, if set, decides every point instead of the default rule.
	Answer func(geo.ResolveQuery) (geo.Resolution, error)
}

// ResolveNow answers as Resolve does, when Resolve gives no error: the
// API's path for answers a resolver can give at once. It keeps no memos.
func (r *Resolver) ResolveNow(q geo.ResolveQuery) (geo.Resolution, *geo.Memo, bool) {
	res, err := r.Resolve(context.Background(), q)
	return res, nil, err == nil
}

// Resolve implements geo.Resolver.
func (r *Resolver) Resolve(_ context.Context, q geo.ResolveQuery) (geo.Resolution, error) {
	switch {
	case r.Err != nil:
		return geo.Resolution{}, r.Err
	case r.Answer != nil:
		return r.Answer(q)
	}
	if err := geo.ValidatePoint("point", q.Point); err != nil {
		return geo.Resolution{}, err
	}
	crs, err := geo.ParseCRS(string(q.CRS))
	if err != nil {
		return geo.Resolution{}, err
	}
	p := geo.ToWGS84(q.Point, crs)
	res := geo.Resolution{Status: geo.StatusOutside, Point: p, Conflicts: []geo.LevelRef{}, IndexVersion: 1}
	if !Box.Contains(p) {
		return res, nil
	}
	chain := geo.Chain{Grid: &geo.Ref{Code: Grid, Name: "第1网格"}, Community: &geo.Ref{Code: Community, Name: "光明路社区"},
		Street: &geo.Ref{Code: Street, Name: "长虹街道"}, District: &geo.Ref{Code: District, Name: "南开区"}}
	res.Status, res.Chain, res.Geographic = geo.StatusManaged, chain, chain
	res.Responsible = &geo.LevelRef{Level: geo.Grid, Code: Grid, Name: chain.Grid.Name}
	return res, nil
}

// ResolveMany implements geo.Resolver: each query on its own.
func (r *Resolver) ResolveMany(ctx context.Context, qs []geo.ResolveQuery) ([]geo.Resolution, []error) {
	res, errs := make([]geo.Resolution, len(qs)), make([]error, len(qs))
	for i, q := range qs {
		res[i], errs[i] = r.Resolve(ctx, q)
	}
	return res, errs
}

// ResolveEach implements geo.Resolver: each query on its own, in order.
func (r *Resolver) ResolveEach(ctx context.Context, n int, query func(i int) geo.ResolveQuery, emit func(i int, res *geo.Resolution, err error) error) error {
	for i := 0; i < n; i++ {
		res, err := r.Resolve(ctx, query(i))
		if e := emit(i, &res, err); e != nil {
			return e
		}
	}
	return nil
}
