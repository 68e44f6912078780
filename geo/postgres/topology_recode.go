package postgres

import (
	"github.com/gridmap-dev/gridmap/geo"
)

// Codes nest by prefix (docs/design.md, "Data model"), so a unit that
// changes parent — a child of a split unit that lies in the part with the
// new code, a child of a merged unit that is retired — changes code: its
// old code is retired and the same boundary starts under a new code, the
// next free one under its new parent; its own children follow, and the
// enclaves any of them manage are handed to the new codes. Their history
// stays under the old codes.

// moveChildren gives children new codes under parent, recursively.
func (e *topoEdit) moveChildren(children []geo.Unit, parent string) error {
	if len(children) == 0 {
		return nil
	}
	if err := e.lock("unit", unitCodes(children)...); err != nil {
		return err
	}
	used, err := e.usedSequences(parent)
	if err != nil {
		return err
	}
	for c := range e.units { // new codes this edit already gave out under parent
		if geo.ParentCode(c) == parent {
			used[sequenceOf(c)] = true
		}
	}
	for _, c := range children {
		if err := e.recode(c, parent, used); err != nil {
			return err
		}
	}
	return nil
}

// recode retires c and starts its boundary under the next free code of parent.
func (e *topoEdit) recode(c geo.Unit, parent string, used map[int]bool) error {
	code, err := geo.NextFreeCode(parent, c.Code, used)
	if err != nil {
		return err
	}
	used[sequenceOf(code)] = true
	if err := e.lock("unit", code); err != nil {
		return err
	}
	e.retire(c)
	moved := c
	moved.Code, moved.ParentCode = code, parent
	e.change(moved)
	if err := e.handEnclaves([]string{c.Code}, code); err != nil {
		return err
	}
	grand, err := e.childrenOf(c.Code)
	if err != nil {
		return err
	}
	return e.moveChildren(grand, code)
}

// handEnclaves gives the enclaves the units from manage to the unit to.
func (e *topoEdit) handEnclaves(from []string, to string) error {
	xs, err := e.enclavesManagedBy(from)
	if err != nil {
		return err
	}
	if err := e.lock("enclave", enclaveCodes(xs)...); err != nil {
		return err
	}
	for _, x := range xs {
		if planned := e.enclaves[x.Code]; planned != nil {
			x = *planned
		}
		x.ManagingCode = to
		e.changeEnclave(x)
	}
	return nil
}
