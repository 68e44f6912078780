package api

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gridmap-dev/gridmap/geo"
)

// cityAnswers returns the answers of n grids of a city, each with refs of
// its own, as one snapshot's resolutions are (its grid's, and the shared
// community's, street's and district's), in a random order of the points.
func cityAnswers(n int) []geo.Resolution {
	var district, street, community *geo.Ref
	answers := make([]geo.Resolution, n)
	for i := range answers {
		if i%4000 == 0 {
			district = &geo.Ref{Code: fmt.Sprintf("12%04d", i/4000+1), Name: fmt.Sprintf("第%d区", i/4000+1)}
		}
		if i%300 == 0 {
			street = &geo.Ref{Code: fmt.Sprintf("%s%03d", district.Code, i/300%100+1), Name: fmt.Sprintf("新华路街道%d", i/300)}
		}
		if i%9 == 0 {
			community = &geo.Ref{Code: fmt.Sprintf("%s%03d", street.Code, i/9%1000+1), Name: fmt.Sprintf("幸福里社区%d", i/9)}
		}
		code := fmt.Sprintf("%s%03d", community.Code, i%9+1)
		grid := &geo.Ref{Code: code, Name: fmt.Sprintf("第%d网格", i%9+1)}
		chain := geo.Chain{Grid: grid, Community: community, Street: street, District: district}
		answers[i] = geo.Resolution{Status: geo.StatusManaged, Point: [2]float64{117.1 + float64(i)*1e-5, 39.1},
			Responsible: &geo.LevelRef{Level: geo.Grid, Code: code, Name: grid.Name},
			Chain:       chain, Geographic: chain, IndexVersion: 42}
	}
	return answers
}

// BenchmarkAnswerJSON measures writing full answers as JSON at city scale:
// random points of 55,000 grids, whose encodings do not fit in cache.
func BenchmarkAnswerJSON(b *testing.B) {
	answers := cityAnswers(55000)
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(answers))
	var f resultFields
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	bytes := 0
	for i := 0; b.Loop(); i++ {
		buf = f.appendResult(buf[:0], &answers[order[i%len(order)]], nil)
		bytes += len(buf)
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/answer")
}
