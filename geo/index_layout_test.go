package geo

import (
	"testing"
	"unsafe"
)

// TestPolyEntryLayout keeps what Resolve reads of an entry in one 128-byte
// aligned pair of cache lines: the hot part fits, the entry's size is a
// multiple of 128 (so Go's allocator, which places objects of a size class
// at multiples of that size from a page boundary, aligns every entry), and
// entries of a built index are so aligned.
func TestPolyEntryLayout(t *testing.T) {
	if hot := unsafe.Sizeof(entryHot{}); hot > 128 {
		t.Errorf("hot part is %d bytes, want <= 128", hot)
	}
	if off := unsafe.Offsetof(entryHot{}.class); off != 64 {
		t.Errorf("fill's fields start at %d, want 64 (the second line)", off)
	}
	if size := unsafe.Sizeof(polyEntry{}); size%128 != 0 {
		t.Errorf("polyEntry is %d bytes, want a multiple of 128", size)
	}
	if off, want := unsafe.Offsetof(polyEntry{}.geometry), unsafe.Sizeof(entryHot{})+entryPad; off != want {
		t.Errorf("cold part starts at %d, want %d (entryCold out of step with polyEntry)", off, want)
	}
	if got, want := unsafe.Sizeof(polyEntry{}), unsafe.Sizeof(entryHot{})+entryPad+unsafe.Sizeof(entryCold{}); got != want {
		t.Errorf("polyEntry is %d bytes, hot+pad+cold %d: entryCold out of step with polyEntry", got, want)
	}
	s := benchSnapshot(t, "city1500", city1500)
	misaligned := 0
	s.polys.each(func(_ uint32, e *polyEntry) {
		if uintptr(unsafe.Pointer(e))%128 != 0 {
			misaligned++
		}
	})
	if misaligned > 0 {
		t.Errorf("%d entries not 128-byte aligned", misaligned)
	}
}
