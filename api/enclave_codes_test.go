package api

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/demo"
	"github.com/jackc/pgx/v5"
)

// TestLegacyEnclaveCodesCanBeRetired (defect 5): an enclave stored with a
// code the create rule now refuses ("a/b", 5,000 characters) can still be
// read, revised and retired by an admin, and stops winning resolution.
func TestLegacyEnclaveCodesCanBeRetired(t *testing.T) {
	s := newEditServer(t, nil)
	admin := s.token(t, access.RoleAdmin, "", "管理员")
	for name, code := range map[string]string{"a slash": "a/b", "5,000 characters": strings.Repeat("E", 5000)} {
		t.Run(name, func(t *testing.T) {
			err := pgx.BeginFunc(context.Background(), s.db.Pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(context.Background(), `SELECT set_config('gridmap.actor', 'legacy', true)`); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), `INSERT INTO enclave (code, name, managing_code, status, reason, geom, properties, version, valid_from, created_by)
				SELECT $1, '旧飞地', $2, 'custodial', '', ST_Multi(ST_Expand(ST_PointOnSurface(geom), 0.0005)), '{}', 1, now(), 'legacy'
				FROM unit WHERE code = $2 AND valid_to IS NULL`, code, demo.BaihechuntianCode)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			path := "/v1/enclaves/" + url.PathEscape(code)
			f, tag := s.getFeature(t, path, admin)
			if r := s.req(t, "PUT", path, admin, mustJSON(t, f), "If-Match", tag); r.status != 200 {
				t.Fatalf("revise: %d %s", r.status, r.body)
			}
			_, tag = s.getFeature(t, path, admin)
			if r := s.req(t, "DELETE", path, admin, nil, "If-Match", tag); r.status != 200 {
				t.Fatalf("retire: %d %s", r.status, r.body)
			}
			if r := s.req(t, "GET", path, "", nil); r.status != 404 {
				t.Errorf("after retiring: %d", r.status)
			}
		})
	}
}
