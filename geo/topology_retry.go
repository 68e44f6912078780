package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// Retries of topology edits. A vertex move recognises its own retry by
// content (the boundaries at To had From before), but a split or a merge
// cannot: after a split the line no longer cuts the unit in two, after a
// merge the merged codes are retired, so a retry would be refused (400,
// 404) although the edit was made. So a client names each edit with an id
// of its choosing (client_id, a UUID), as it names a report or a workflow
// step. The store records the id with the actor, the kind of edit and a
// fingerprint of the request in the edit's own transaction, and answers a
// retry of the same edit by the same actor with what the first attempt
// wrote, writing nothing; the id used for anything else is a conflict.

// The kinds of topology edit, as recorded.
const (
	EditMove  = "move"
	EditSplit = "split"
	EditMerge = "merge"
)

// RetryKey recognises a retried topology edit: the client's id ("" when
// it gave none, and the edit is not recorded), the kind of edit and a
// fingerprint of the validated request.
type RetryKey struct {
	ClientID    string
	Kind        string
	Fingerprint string
}

// Key is the move's retry key. The fingerprint covers the points at full
// precision: a move to a point a nanometre away is another move.
func (m *VertexMove) Key() RetryKey {
	var c canonical
	c.points(m.From, m.To)
	return c.key(m.ClientID, EditMove)
}

// Key is the split's retry key: the unit, the line as drawn (its direction
// says which part is left), and the codes and names given.
func (s *UnitSplit) Key() RetryKey {
	var c canonical
	c.text(s.Code)
	c.points(s.Line...)
	c.text(s.Codes[:]...)
	c.text(s.Names[:]...)
	return c.key(s.ClientID, EditSplit)
}

// Key is the merge's retry key: the codes in order (the order they are
// named in changes nothing), the code the merged unit takes (the default
// spelled out) and the name.
func (m *UnitMerge) Key() RetryKey {
	var c canonical
	c.text(slices.Sorted(slices.Values(m.Codes))...)
	c.text(m.Target(), m.Name)
	return c.key(m.ClientID, EditMerge)
}

// canonical is the encoding of a validated request that its fingerprint
// hashes: each list with its length first, each string quoted, each
// number in the shortest form that reads back as the same double, so that
// two requests encode alike exactly when their fields are equal.
type canonical struct{ b []byte }

// text appends a list of strings.
func (c *canonical) text(list ...string) {
	c.b = strconv.AppendInt(c.b, int64(len(list)), 10)
	for _, s := range list {
		c.b = strconv.AppendQuote(append(c.b, ' '), s)
	}
	c.b = append(c.b, '\n')
}

// points appends a list of points.
func (c *canonical) points(list ...orb.Point) {
	c.b = strconv.AppendInt(c.b, int64(len(list)), 10)
	for _, p := range list {
		c.b = strconv.AppendFloat(append(c.b, ' '), p[0], 'g', -1, 64)
		c.b = strconv.AppendFloat(append(c.b, ','), p[1], 'g', -1, 64)
	}
	c.b = append(c.b, '\n')
}

// key is the retry key of the encoded request: its SHA-256, in hex, after
// the kind.
func (c *canonical) key(clientID, kind string) RetryKey {
	sum := sha256.Sum256(append([]byte(kind+"\n"), c.b...))
	return RetryKey{ClientID: clientID, Kind: kind, Fingerprint: hex.EncodeToString(sum[:])}
}

// RecordedEdit is a topology edit recorded under its client id: who made
// it, which edit it was, when its versions were written, and its answer by
// reference — the unit and enclave versions it answered with, the
// versions it retired and found unchanged — with its warnings as given.
type RecordedEdit struct {
	RetryKey
	Actor     string
	At        time.Time
	Units     []VersionRef
	Enclaves  []VersionRef
	Retired   []VersionRef
	Unchanged []VersionRef
	Warnings  []ImportIssue
}

// RecordOf is the record of res, the answer of actor's edit named by key,
// written at at.
func RecordOf(key RetryKey, actor string, at time.Time, res *TopologyResult) RecordedEdit {
	r := RecordedEdit{RetryKey: key, Actor: actor, At: at, Retired: res.Retired, Unchanged: res.Unchanged, Warnings: res.Warnings}
	for _, u := range res.Units {
		r.Units = append(r.Units, VersionRef{Kind: "unit", Code: u.Code, Version: u.Version})
	}
	for _, x := range res.Enclaves {
		r.Enclaves = append(r.Enclaves, VersionRef{Kind: "enclave", Code: x.Code, Version: x.Version})
	}
	return r
}

// Admit decides what a request named by key, from actor, gets when its
// client id is recorded already: nil when it is a retry of the recorded
// edit (the same actor, kind and fingerprint), to be answered as recorded;
// otherwise ECONFLICT naming client_id, whoever used the id, and saying
// nothing of that edit.
func (r *RecordedEdit) Admit(key RetryKey, actor string) error {
	if r.Actor == actor && r.Kind == key.Kind && r.Fingerprint == key.Fingerprint {
		return nil
	}
	return Errorf(ECONFLICT, "client_id", "client_id %s was already used for a different edit; a new edit needs a new client_id", key.ClientID)
}
