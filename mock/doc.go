// Package mock holds in-memory fakes of gridmap's domain interfaces: the
// boundary store and editor, the resolver, tokens, reports and patrols,
// photos, imports and the coverage audit. They let a caller — the HTTP API
// above all — be tested for its contract (parameters, status codes, problem
// bodies, access control, versions and If-Match) with no database.
//
// The fakes keep the stores' contracts by using the domain's own rules
// (geo.CheckVersion, Unit.PrepareEdit, casework's workflow and
// idempotency), and answer with the same error codes. They do not
// reproduce PostGIS: no topology, no audit, no warnings; what depends on
// the database is tested against a real one (geo/postgres/pgtest). Set Err
// on a fake to make every call fail with it: how a caller answers a store
// that is down is part of its contract too.
package mock
