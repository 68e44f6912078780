package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/demo/demotest"
)

// TestRoleIsAskedPerRequest: a node's role follows its database's (a
// standby promoted, a primary rejoined as a standby) without a restart —
// writes are refused while it is a standby and taken once it is not, and
// /readyz names the role of the moment.
func TestRoleIsAskedPerRequest(t *testing.T) {
	db := demotest.Open(t)
	svc, _ := loadedService(t, db)
	var standby atomic.Bool
	standby.Store(true)
	h := New(Deps{Units: db, Resolver: svc, Index: svc, Tokens: db, Auth: unlimitedAuth(), Editor: db, Versions: db,
		Reports: db, Patrols: db, Policy: casework.DefaultPolicy(), ReadOnly: standby.Load})
	n := &node{svc: svc, srv: httptest.NewServer(h)}
	t.Cleanup(n.srv.Close)
	admin := createToken(t, db, access.RoleAdmin, "", "admin", time.Now().Add(time.Hour))
	enclave := squareEnclave("ROLE01", [2]float64{117.2, 39.13})
	steps := []struct {
		name       string
		standby    bool
		role       string
		writeState int
	}{
		{"a standby refuses writes", true, `"role":"standby"`, http.StatusServiceUnavailable},
		{"promoted: it takes them", false, `"role":"primary"`, http.StatusCreated},
		{"a standby again: refused", true, `"role":"standby"`, http.StatusServiceUnavailable},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			standby.Store(s.standby)
			if r := n.send(t, "GET", "/readyz", "", nil); !strings.Contains(string(r.body), s.role) {
				t.Errorf("readyz: %d %s, want %s", r.status, r.body, s.role)
			}
			r := n.send(t, "POST", "/v1/enclaves", admin, enclave)
			if r.status != s.writeState {
				t.Errorf("POST /v1/enclaves: %d %s, want %d", r.status, r.body, s.writeState)
			}
			if s.standby && !strings.Contains(string(r.body), `"code":"read_only"`) {
				t.Errorf("a write on a standby: %s, want the read_only problem", r.body)
			}
		})
	}
}
