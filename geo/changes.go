package geo

import (
	"crypto/md5"
	"encoding/binary"
	"strconv"
	"time"
)

// ChangeSet is what changed in the current units and enclaves between two
// data versions, as a node reads it from the change record of the database
// it is attached to: the current version of every code that changed, and
// the codes that have no current version any more. Applying it is setting
// state, not replaying steps, so a code changed several times appears once,
// with its latest version.
type ChangeSet struct {
	From, Version int64     // the change takes the index from From to Version
	Since         time.Time // the latest valid_from/valid_to up to now among the changed codes
	Until         time.Time // the next one after now among them (zero: none): a version that starts later
	Units         []Unit
	RetiredUnits  []string
	Enclaves      []Enclave
	RetiredEnc    []string
	Layers        []string // tile layers whose data changed (unit levels, enclave, gap, ...)
	// Redrawn names the layers whose tile rows were redrawn whole
	// (gridmap_redraw): their tiles changed beyond the codes changed.
	Redrawn []string
	// LayerVersions is the data version of every tile layer at Version.
	LayerVersions map[string]int64
	// Reset says the change cannot be applied code by code (the tables
	// were truncated, the change record no longer reaches back to From, or
	// the database is behind From: it lost commits the index applied): the
	// index must be rebuilt from scratch.
	Reset bool
	// Stamp is the identity of Version: a database that lost commits (a
	// failover to a standby that had not received them, a crash with
	// synchronous_commit off) gives their version numbers again, with
	// other stamps. FromStamp is the stamp the database holds for From,
	// when it still records one (FromKnown): another stamp than the one
	// the index applied means the data the index holds at From were lost.
	Stamp     string
	FromStamp string
	FromKnown bool
}

// Empty reports whether the change set changes no unit or enclave.
func (cs *ChangeSet) Empty() bool {
	return len(cs.Units)+len(cs.RetiredUnits)+len(cs.Enclaves)+len(cs.RetiredEnc) == 0
}

// Size is the number of codes the change set touches.
func (cs *ChangeSet) Size() int {
	return len(cs.Units) + len(cs.RetiredUnits) + len(cs.Enclaves) + len(cs.RetiredEnc)
}

// Checksums summarise which (code, version) pairs an index holds, per
// class: the enclaves, and the units of each level. The database computes
// the same from its current rows (the drift check of Service.Follow).
type Checksums struct {
	Enclaves ClassSum
	Levels   [NumLevels]ClassSum // by Level.Rank
}

// ClassSum is the checksum of one class: how many codes, the XOR of
// VersionHash over them, and the sum of their version numbers.
type ClassSum struct {
	Count    int64 `json:"count"`
	Xor      int64 `json:"xor"`
	Versions int64 `json:"versions"`
}

// VersionHash is the first 8 bytes of md5("code/version") as a big-endian
// integer; the database computes it as
// ('x' || substr(md5(code || '/' || version), 1, 16))::bit(64)::bigint.
func VersionHash(code string, version int) int64 {
	sum := md5.Sum([]byte(code + "/" + strconv.Itoa(version)))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// add counts one code version in (sign 1) or out (sign -1).
func (c *ClassSum) add(code string, version int, sign int64) {
	c.Count += sign
	c.Xor ^= VersionHash(code, version)
	c.Versions += sign * int64(version)
}

// class returns the sum an entry counts in.
func (c *Checksums) class(e *polyEntry) *ClassSum {
	if e.isUnit() {
		return &c.Levels[e.level().Rank()]
	}
	return &c.Enclaves
}

// count adds or removes an entry's code version.
func (c *Checksums) count(e *polyEntry, sign int64) {
	c.class(e).add(e.code, e.version, sign)
}
