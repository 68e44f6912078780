package postgres

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// Retries of topology edits (geo.RetryKey, migration 014). The record is
// read and written in the edit's own transaction, under the topology lock:
// two attempts with one client id never both plan, and an edit's record
// commits exactly when its versions do. A replay reads the versions the
// record names by code and version — a stored version never changes but
// for its closing — so it answers the same boundaries as the first attempt,
// and writes nothing, so the data version stays where it was.

// The statements of retries.
const (
	recordedEditSQL = `SELECT actor, kind, fingerprint, at, units, enclaves, retired, unchanged, warnings
FROM topology_request WHERE client_id = $1`
	// recordEditSQL records an edit; $5 NULL (a move that wrote nothing):
	// the record's own time.
	recordEditSQL = `INSERT INTO topology_request (client_id, actor, kind, fingerprint, at, units, enclaves, retired, unchanged, warnings)
VALUES ($1, $2, $3, $4, coalesce($5, clock_timestamp()), $6, $7, $8, $9, $10)`
	// unitVersionsSQL and enclaveVersionsSQL read the versions ($1[i], $2[i]).
	unitVersionsSQL = `SELECT ` + unitColumns + ` FROM unit
WHERE (code, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`
	enclaveVersionsSQL = `SELECT ` + enclaveColumns + ` FROM enclave
WHERE (code, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`
)

// replay answers a request whose client id is recorded: as recorded when
// geo.RecordedEdit.Admit lets it (the result in e.res, Replayed), an error
// otherwise. It reports false, having done nothing, for a request without
// a client id or with one not recorded.
func (e *topoEdit) replay(key geo.RetryKey, actor string) (bool, error) {
	if key.ClientID == "" {
		return false, nil
	}
	rec, found, err := e.recorded(key)
	if err != nil || !found {
		return false, err
	}
	if err := rec.Admit(key, actor); err != nil {
		return false, err
	}
	if e.res.Units, err = recordedVersions(e, &unitTable, unitVersionsSQL, rec.Units); err != nil {
		return false, err
	}
	if e.res.Enclaves, err = recordedVersions(e, &enclaveTable, enclaveVersionsSQL, rec.Enclaves); err != nil {
		return false, err
	}
	if err := e.permitAnswer(rec.Retired); err != nil {
		return false, err
	}
	// The first answer gave each version as current: a later edit's
	// closing of one is not part of this edit's answer.
	for i := range e.res.Units {
		e.res.Units[i].ValidTo = nil
	}
	for i := range e.res.Enclaves {
		e.res.Enclaves[i].ValidTo = nil
	}
	e.res.Retired, e.res.Unchanged, e.res.Warnings = orNil(rec.Retired), orNil(rec.Unchanged), orNil(rec.Warnings)
	e.res.Replayed = true
	return true, nil
}

// permitAnswer asks the caller's scope for what an answer that was not
// planned now carries (e.res's units and enclaves, and the codes retired),
// as permit asks for a plan: a replay of an edit whose caller's scope has
// narrowed since, a retried move found made already. An enclave's managing
// unit before the edit is not recorded; the one after is.
func (e *topoEdit) permitAnswer(retired []geo.VersionRef) error {
	codes := make([]string, 0, len(e.res.Units)+len(retired)+len(e.res.Enclaves))
	for _, u := range e.res.Units {
		codes = append(codes, u.Code)
	}
	for _, r := range retired {
		codes = append(codes, r.Code)
	}
	for _, x := range e.res.Enclaves {
		codes = append(codes, x.ManagingCode)
	}
	for _, c := range codes {
		if err := e.check(c); err != nil {
			return err
		}
	}
	return nil
}

// recorded reads the edit a client id names, if any.
func (e *topoEdit) recorded(key geo.RetryKey) (geo.RecordedEdit, bool, error) {
	r := geo.RecordedEdit{RetryKey: geo.RetryKey{ClientID: key.ClientID}}
	err := e.tx.QueryRow(e.ctx, recordedEditSQL, pgUUID(key.ClientID)).Scan(&r.Actor, &r.Kind, &r.Fingerprint, &r.At,
		&r.Units, &r.Enclaves, &r.Retired, &r.Unchanged, &r.Warnings)
	switch {
	case err == pgx.ErrNoRows:
		return r, false, nil
	case err != nil:
		return r, false, fmt.Errorf("read the edit of client_id %s: %w", key.ClientID, err)
	}
	return r, true, nil
}

// record stores the answer in e.res under the request's client id, if it
// has one.
func (e *topoEdit) record(key geo.RetryKey, actor string) error {
	if key.ClientID == "" {
		return nil
	}
	r := geo.RecordOf(key, actor, e.at, &e.res)
	_, err := e.tx.Exec(e.ctx, recordEditSQL, pgUUID(key.ClientID), actor, key.Kind, key.Fingerprint, nullTime(e.at),
		jsonList(r.Units), jsonList(r.Enclaves), jsonList(r.Retired), jsonList(r.Unchanged), jsonList(r.Warnings))
	if err != nil {
		return fmt.Errorf("record the edit of client_id %s: %w", key.ClientID, err)
	}
	return nil
}

// recordedVersions reads the versions refs name, in their order. One
// missing means the tables were emptied and filled again without the
// record: it no longer says what the edit wrote.
func recordedVersions[T any](e *topoEdit, t *boundaryTable[T], sql string, refs []geo.VersionRef) ([]T, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	codes, versions := make([]string, len(refs)), make([]int, len(refs))
	for i, r := range refs {
		codes[i], versions[i] = r.Code, r.Version
	}
	rows, err := e.tx.Query(e.ctx, sql, codes, versions)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, t.scan)
	if err != nil {
		return nil, err
	}
	byCode := map[string]T{}
	for _, v := range found {
		byCode[t.code(&v)] = v // one version per code in an answer
	}
	out := make([]T, len(refs))
	for i, r := range refs {
		v, ok := byCode[r.Code]
		if !ok {
			return nil, geo.Errorf(geo.ECONFLICT, "client_id", "the versions recorded for this client_id are no longer stored (%s %s v%d); a new edit needs a new client_id",
				t.what, r.Code, r.Version)
		}
		out[i] = v
	}
	return out, nil
}

// jsonList is a list for a jsonb column: [] for none, never null.
func jsonList[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// orNil is nil for an empty list, as an answer has it.
func orNil[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return list
}
