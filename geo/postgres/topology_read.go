package postgres

import (
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap-dev/gridmap/geo"
)

// What a topology edit reads, and what it reports once written.

// The statements a topology edit reads with.
const (
	unitsByCodeSQL       = `SELECT ` + unitColumns + ` FROM unit WHERE code = ANY($1) AND valid_to IS NULL ORDER BY code`
	childrenOfSQL        = `SELECT ` + unitColumns + ` FROM unit WHERE parent_code = $1 AND valid_to IS NULL ORDER BY code`
	enclavesManagedBySQL = `SELECT ` + enclaveColumns + ` FROM enclave WHERE managing_code = ANY($1) AND valid_to IS NULL ORDER BY code`
	// usedSequencesSQL lists the codes ever used under a parent, retired
	// ones too: a new code never takes an old one's history.
	usedSequencesSQL = `SELECT DISTINCT code FROM unit WHERE parent_code = $1`
)

// keys returns a map's keys in order.
func keys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// currentUnits reads the current versions of codes, in code order.
func (e *topoEdit) currentUnits(codes []string) ([]geo.Unit, error) {
	rows, err := e.tx.Query(e.ctx, unitsByCodeSQL, codes)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanUnit)
}

// childrenOf reads the current children of a unit.
func (e *topoEdit) childrenOf(code string) ([]geo.Unit, error) {
	rows, err := e.tx.Query(e.ctx, childrenOfSQL, code)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanUnit)
}

// enclavesManagedBy reads the current enclaves the units manage.
func (e *topoEdit) enclavesManagedBy(codes []string) ([]geo.Enclave, error) {
	rows, err := e.tx.Query(e.ctx, enclavesManagedBySQL, codes)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEnclave)
}

// currentEnclave reads the current version of an enclave.
func (e *topoEdit) currentEnclave(code string) (geo.Enclave, error) {
	return currentOf(e.ctx, e.tx, &enclaveTable, code)
}

// usedSequences returns the sequence numbers ever used under parent.
func (e *topoEdit) usedSequences(parent string) (map[int]bool, error) {
	rows, err := e.tx.Query(e.ctx, usedSequencesSQL, parent)
	if err != nil {
		return nil, err
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	used := map[int]bool{}
	for _, c := range codes {
		used[sequenceOf(c)] = true
	}
	return used, err
}

// sequenceOf is the last three digits of a code as a number.
func sequenceOf(code string) int {
	n := 0
	for _, r := range code[max(0, len(code)-3):] {
		n = n*10 + int(r-'0')
	}
	return n
}

// warn collects what looks wrong now, as single edits are told: the audit's
// findings about the units written, overlaps of the districts and enclaves
// written.
func (e *topoEdit) warn() error {
	ours := func(c string) bool { return e.units[c] != nil }
	w, err := auditWarningsOf(e.ctx, e.tx, ours)
	if err != nil {
		return err
	}
	e.res.Warnings = append(e.res.Warnings, w...)
	for _, c := range keys(e.units) {
		if e.units[c].Level != geo.District {
			continue
		}
		more, err := overlapWarnings(e.ctx, e.tx, districtOverlapsSQL, "district", c)
		if err != nil {
			return err
		}
		e.res.Warnings = append(e.res.Warnings, more...)
	}
	for _, c := range keys(e.enclaves) {
		more, err := enclaveWarnings(e.ctx, e.tx, c)
		if err != nil {
			return err
		}
		e.res.Warnings = append(e.res.Warnings, more...)
	}
	return nil
}

// readBack reads the versions written, for the result.
func (e *topoEdit) readBack() error {
	units, err := e.currentUnits(keys(e.units))
	if err != nil {
		return err
	}
	e.res.Units = units
	for _, c := range keys(e.enclaves) {
		x, err := e.currentEnclave(c)
		if err != nil {
			return err
		}
		e.res.Enclaves = append(e.res.Enclaves, x)
	}
	return nil
}
