package mock

import (
	"context"

	"github.com/gridmap-dev/gridmap/geo"
)

// CreateUnit implements geo.BoundaryEditor.
func (b *Boundaries) CreateUnit(_ context.Context, actor string, u geo.Unit) (geo.EditResult[geo.Unit], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Unit]{}, err
	}
	return edit(&b.units, actor, u, 0, true, (*geo.Unit).PrepareEdit, b.unitParent)
}

// CreateEnclave implements geo.BoundaryEditor.
func (b *Boundaries) CreateEnclave(_ context.Context, actor string, e geo.Enclave) (geo.EditResult[geo.Enclave], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Enclave]{}, err
	}
	return edit(&b.enclaves, actor, e, 0, true, (*geo.Enclave).PrepareCreate, b.enclaveManager)
}

// EditUnit implements geo.BoundaryEditor.
func (b *Boundaries) EditUnit(_ context.Context, actor string, u geo.Unit, ifVersion int) (geo.EditResult[geo.Unit], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Unit]{}, err
	}
	return edit(&b.units, actor, u, ifVersion, false, (*geo.Unit).PrepareEdit, b.unitParent)
}

// EditEnclave implements geo.BoundaryEditor.
func (b *Boundaries) EditEnclave(_ context.Context, actor string, e geo.Enclave, ifVersion int) (geo.EditResult[geo.Enclave], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Enclave]{}, err
	}
	return edit(&b.enclaves, actor, e, ifVersion, false, (*geo.Enclave).PrepareEdit, b.enclaveManager)
}

// RetireUnit implements geo.BoundaryEditor.
func (b *Boundaries) RetireUnit(_ context.Context, actor, code string, ifVersion int) (geo.EditResult[geo.Unit], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Unit]{}, err
	}
	return retire(&b.units, actor, code, ifVersion, b.unitDependants)
}

// RetireEnclave implements geo.BoundaryEditor.
func (b *Boundaries) RetireEnclave(_ context.Context, actor, code string, ifVersion int) (geo.EditResult[geo.Enclave], error) {
	unlock, err := b.call()
	defer unlock()
	if err != nil {
		return geo.EditResult[geo.Enclave]{}, err
	}
	return retire(&b.enclaves, actor, code, ifVersion, noDependants)
}
