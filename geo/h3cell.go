package geo

// The H3 glue of the resolver index. Resolve calls latLngToCell once per
// point, so that call must not allocate: h3-go's LatLngToCell passes Go
// pointers to C, which makes them escape (two allocations per call). The
// small C wrappers below take and return plain values instead and call the
// same H3 C functions that h3-go compiles into the binary (h3-go builds H3
// without a symbol prefix; if that ever changes, the link fails loudly).
// TestCellOfMatchesH3Go checks that both paths give the same cells.

/*
#include <stdint.h>

typedef struct { double lat; double lng; } gmLatLng;

extern uint32_t latLngToCell(const gmLatLng *g, int res, uint64_t *out);
extern uint32_t cellToLatLng(uint64_t cell, gmLatLng *g);

typedef struct { int numVerts; gmLatLng verts[10]; } gmCellBoundary;
extern uint32_t cellToBoundary(uint64_t cell, gmCellBoundary *b);
extern uint32_t gridDisk(uint64_t origin, int k, uint64_t *out);

typedef struct { uint64_t c[7]; } gmDisk;

static gmDisk gm_disk1(uint64_t cell) {
	gmDisk d;
	for (int i = 0; i < 7; i++) d.c[i] = 0;
	if (gridDisk(cell, 1, d.c) != 0) {
		for (int i = 0; i < 7; i++) d.c[i] = 0;
		d.c[0] = cell;
	}
	return d;
}

static uint64_t gm_cell(double lat, double lng, int res) {
	gmLatLng g = { lat, lng };
	uint64_t out = 0;
	if (latLngToCell(&g, res, &out) != 0) return 0;
	return out;
}

static gmLatLng gm_center(uint64_t cell) {
	gmLatLng g = { 0, 0 };
	cellToLatLng(cell, &g);
	return g;
}

static void gm_centers(const uint64_t *cells, double *out, int n) {
	for (int i = 0; i < n; i++) {
		gmLatLng g = { 0, 0 };
		if (cells[i] != 0) cellToLatLng(cells[i], &g);
		out[2*i] = g.lat;
		out[2*i+1] = g.lng;
	}
}

typedef struct { int face; int i, j, k; } gmFaceIJK;
extern int _faceIjkToBaseCell(const gmFaceIJK *h);
extern int _faceIjkToBaseCellCCWrot60(const gmFaceIJK *h);

typedef struct { gmFaceIJK homeFijk; int isPentagon; int cwOffsetPent[2]; } gmBaseCellData;
extern const gmBaseCellData baseCellData[];

static int gm_base_cell(int face, int i, int j, int k, int *rot) {
	gmFaceIJK h = { face, i, j, k };
	*rot = _faceIjkToBaseCellCCWrot60(&h);
	return _faceIjkToBaseCell(&h);
}

static gmBaseCellData gm_base_cell_data(int b) { return baseCellData[b]; }

static gmCellBoundary gm_boundary(uint64_t cell) {
	gmCellBoundary b;
	b.numVerts = 0;
	if (cellToBoundary(cell, &b) != 0) b.numVerts = 0;
	return b;
}
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/paulmach/orb"
)

const (
	degToRad = math.Pi / 180 // the factor h3-go uses (h3.DegsToRads)
	radToDeg = 180 / math.Pi

	h3ResShift  = 52                // the resolution field, bits 52..55
	h3ResMask   = uint64(0xF) << 52 // ...as a mask
	h3MaxRes    = 15                // digits exist for resolutions 1..15
	h3DigitBits = 3                 // each resolution's digit is 3 bits
	h3Unused    = 7                 // the digit value of unused resolutions
)

// cellOf returns the H3 cell of a WGS84 point [lon, lat] at resolution res,
// or 0 when H3 rejects the input (never for a finite, in-range point). It
// is computed in Go (h3_latlng.go): a point within a hair of a cell border
// may get the neighbouring cell, which the index tolerates by design.
func cellOf(p orb.Point, res int) uint64 { return latLngToCell(p[0], p[1], res) }

// cellOfC is cellOf computed by the H3 C library, to check the Go port.
func cellOfC(p orb.Point, res int) uint64 {
	return uint64(C.gm_cell(C.double(p[1]*degToRad), C.double(p[0]*degToRad), C.int(res)))
}

// cellCenter returns a cell's centre as [lon, lat].
func cellCenter(c uint64) orb.Point {
	g := C.gm_center(C.uint64_t(c))
	return orb.Point{float64(g.lng) * radToDeg, float64(g.lat) * radToDeg}
}

// cellCenters sets out[i] to the centre of cells[i] ([lon, lat]) in one cgo
// call; a zero cell gets the zero point.
func cellCenters(cells []uint64, out []orb.Point) {
	if len(cells) == 0 {
		return
	}
	out = out[:len(cells)]
	C.gm_centers((*C.uint64_t)(unsafe.Pointer(&cells[0])), (*C.double)(unsafe.Pointer(&out[0][0])), C.int(len(cells)))
	for i := range out {
		out[i] = orb.Point{out[i][1] * radToDeg, out[i][0] * radToDeg}
	}
}

// maxBoundaryVerts is H3's MAX_CELL_BNDRY_VERTS.
const maxBoundaryVerts = 10

// cellBoundary returns a cell's boundary vertices as [lon, lat], counter-
// clockwise, in pts[:n] (n is 0 if H3 rejects the cell).
func cellBoundary(c uint64) (pts [maxBoundaryVerts]orb.Point, n int) {
	b := C.gm_boundary(C.uint64_t(c))
	n = min(int(b.numVerts), maxBoundaryVerts)
	for i := 0; i < n; i++ {
		pts[i] = orb.Point{float64(b.verts[i].lng) * radToDeg, float64(b.verts[i].lat) * radToDeg}
	}
	return pts, n
}

// cBaseCell is H3's base cell of a res-0 face ijk, and its rotation (for
// checking the Go tables).
func cBaseCell(face, i, j, k int) (baseCell, ccwRot60 int) {
	var rot C.int
	bc := C.gm_base_cell(C.int(face), C.int(i), C.int(j), C.int(k), &rot)
	return int(bc), int(rot)
}

// cBaseCellData is what H3's baseCellData says of a base cell (for checking
// the Go tables).
func cBaseCellData(b int) (pentagon bool, cw0, cw1 int) {
	d := C.gm_base_cell_data(C.int(b))
	return d.isPentagon != 0, int(d.cwOffsetPent[0]), int(d.cwOffsetPent[1])
}

// cellRes returns the resolution stored in a cell index.
func cellRes(c uint64) int { return int(c >> h3ResShift & 0xF) }

// cellParent returns the ancestor of c at resolution res (res <= c's
// resolution) by rewriting the index bits: set the resolution field and mark
// the digits finer than res as unused. This is what H3's cellToParent does,
// without a cgo call.
func cellParent(c uint64, res int) uint64 {
	c = c&^h3ResMask | uint64(res)<<h3ResShift
	return c | (uint64(1)<<(h3DigitBits*(h3MaxRes-res)) - 1)
}

// cellDigit returns the digit (0..6, or 7 when unused) of c at resolution r.
func cellDigit(c uint64, r int) int {
	return int(c >> (h3DigitBits * (h3MaxRes - r)) & 7)
}

// cellChild returns the descendant of c (at resolution res) whose digits at
// resolutions res+1..res+len(digits) are digits. The result may be an
// invalid index under a pentagon; callers check with h3.Cell.IsValid.
func cellChild(c uint64, res int, digits ...int) uint64 {
	for i, d := range digits {
		r := res + 1 + i
		shift := h3DigitBits * (h3MaxRes - r)
		c = c&^(uint64(7)<<shift) | uint64(d)<<shift
	}
	return c&^h3ResMask | uint64(res+len(digits))<<h3ResShift
}

// cellNeighbours returns c and its neighbours (H3 grid disk of radius 1);
// unused entries (a pentagon has five neighbours) are 0.
func cellNeighbours(c uint64) [7]uint64 {
	d := C.gm_disk1(C.uint64_t(c))
	var out [7]uint64
	for i := range out {
		out[i] = uint64(d.c[i])
	}
	return out
}
