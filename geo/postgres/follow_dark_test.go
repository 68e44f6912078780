package postgres_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/demo/demotest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres"
)

// TestFollowerOutlivesAConnectionGoneDark: the connections a node follows
// its database on stop passing bytes without being reset (a host gone, a
// stalled proxy: TCP would keep trying for 15 minutes). The node reads the
// changes on new connections once its reads on the dark ones run out of
// time, applies an edit made meanwhile, and says it is not ready while it
// cannot read them (a ninth attacker: the follower hung holding the
// index's lock, and the node stayed ready, answering from its old version).
func TestFollowerOutlivesAConnectionGoneDark(t *testing.T) {
	db := demotest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	relay := newRelay(t, db.Pool.Config().ConnConfig.Host, db.Pool.Config().ConnConfig.Port)
	cc := db.Pool.Config().ConnConfig
	node, err := postgres.Open(ctx, fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", cc.User, cc.Password, relay.addr, cc.Database), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	defer relay.shut() // first: the node's dark connections would hold its Close
	svc := geo.NewService(node, node)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	go svc.Follow(ctx, geo.FollowOptions{Poll: 20 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	v := moveEnclave(t, db, 0.01)
	waitFor(t, "the node applies the first move", func() bool { return svc.Version() >= v })

	relay.darken() // the connections open now pass nothing more; new ones do
	// A request's read on a dark connection of the request pool ends with
	// its deadline (api/deadline.go), as unavailable: a 503, not a hang.
	read, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	start := time.Now()
	_, err = node.GetUnit(read, "120104", time.Time{}) // on the request pool's one connection, dark
	stop()
	if geo.ErrorCodeOf(err) != geo.EUNAVAILABLE || time.Since(start) > 5*time.Second {
		t.Errorf("a read on a dark connection: %v after %v, want unavailable at its deadline", err, time.Since(start))
	}
	v = moveEnclave(t, db, 0.01)
	took := waitFor(t, "the node applies the move made while its connections were dark", func() bool { return svc.Version() >= v })
	t.Logf("applied %v after the connections went dark", took)
	assertEnclaveAnswers(t, db, svc)
	if err := svc.Ready(); err != nil {
		t.Errorf("ready once it reads the changes again: %v", err)
	}
}

// relay passes TCP connections to a database; darken makes the ones open
// at that moment pass nothing more, without closing them.
type relay struct {
	addr  string
	mu    sync.Mutex
	open  []*darkable
	conns []net.Conn
}

// darkable is one relayed connection: it copies while dark is false.
type darkable struct {
	mu   sync.Mutex
	dark bool
}

func newRelay(t *testing.T, host string, port uint16) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &relay{addr: ln.Addr().String()}
	target := net.JoinHostPort(host, fmt.Sprint(port))
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			d := &darkable{}
			r.mu.Lock()
			r.open = append(r.open, d)
			r.conns = append(r.conns, client, server)
			r.mu.Unlock()
			go d.copy(server, client)
			go d.copy(client, server)
		}
	}()
	return r
}

// shut closes every relayed connection.
func (r *relay) shut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

func (r *relay) darken() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.open {
		d.mu.Lock()
		d.dark = true
		d.mu.Unlock()
	}
	r.open = nil
}

// copy passes src to dst in small reads until the connection darkens:
// then it holds what it read and reads nothing more.
func (d *darkable) copy(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		d.mu.Lock()
		dark := d.dark
		d.mu.Unlock()
		if dark {
			return // the bytes go nowhere; the connection stays open
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
