package api

import (
	"encoding/json"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/geo/postgres/pgtest"
)

// BenchmarkEventLatency measures commit → event: reports are posted to one
// node (four writers at once) while clients of another node of the primary
// and of a node of the hot standby follow /v1/events; each event's delay is
// the time from the write's answer to its arrival. It reports the
// percentiles (ms), the throughput and the allocations per event.
//
//	go test ./api/ -run '^$' -bench EventLatency -benchtime 400x
func BenchmarkEventLatency(b *testing.B) {
	db, _ := openPrimaryDemoService(b)
	sdb := pgtest.OpenStandby(b, db.URL(), 4)
	a := newEventNode(b, db, 4096, access.ExposeNone)
	nodes := map[string]*eventNode{"primary": newEventNode(b, db, 4096, access.ExposeNone),
		"standby": newEventNode(b, sdb, 4096, access.ExposeNone)}
	token := createToken(b, db, access.RoleReporter, "", "基准测试员", time.Now().Add(time.Hour))
	var mu sync.Mutex
	answered := map[string]time.Time{}
	arrived := map[string]map[string]time.Time{} // node → report → when its event came
	var wg sync.WaitGroup
	for name, n := range nodes {
		<-n.hub.Ready()
		events, _ := stream(b, n.srv.URL+"/v1/events?kinds=report.created")
		arrived[name] = map[string]time.Time{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := time.After(2 * time.Minute)
			for len(arrived[name]) < b.N {
				select {
				case e, ok := <-events:
					if !ok {
						return
					}
					if e.msg.Kind != geo.EventReportCreated { // a heartbeat
						continue
					}
					mu.Lock()
					arrived[name][reportIDOf(e)] = e.at
					mu.Unlock()
				case <-timeout:
					return
				}
			}
		}()
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	start := time.Now()
	var posts sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		posts.Add(1)
		go func() {
			defer posts.Done()
			for range next {
				id, at := postHazard(b, a.srv.URL, token)
				mu.Lock()
				answered[id] = at
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		next <- i
	}
	close(next)
	posts.Wait()
	wg.Wait()
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/event")
	for name, got := range arrived {
		var ds []time.Duration
		for id, at := range answered {
			if e, ok := got[id]; ok {
				ds = append(ds, max(e.Sub(at), 0)) // an event may beat the answer to the client
			}
		}
		if len(ds) < len(answered) {
			b.Errorf("%s: %d of %d events arrived", name, len(ds), len(answered))
			continue
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / 1e6 }
		b.ReportMetric(q(0.5), name+"-p50-ms")
		b.ReportMetric(q(0.99), name+"-p99-ms")
		b.ReportMetric(q(1), name+"-max-ms")
	}
}

// reportIDOf is the report id of a report event ("" for others).
func reportIDOf(e sse) string {
	var d struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(e.msg.Data, &d)
	return d.ID
}
