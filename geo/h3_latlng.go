package geo

import "math"

// H3's latLngToCell in Go (after H3 v4.5.0: h3_latLng.c, h3_faceijk.c,
// h3_coordijk.h, h3_h3Index.c; Apache License 2.0, Copyright Uber
// Technologies, Inc.), so that Resolve finds a point's cell without a cgo
// call, whose overhead alone was a third of a resolution.
//
// It takes H3's steps — the nearest icosahedron face, the gnomonic
// projection onto it, the hex grid of the resolution, the digits up to the
// base cell and its rotations — but computes the projection with three dot
// products instead of acos, tan, atan2, cos and sin (a face's tangent axes
// are fixed, so H3's angle arithmetic collapses into vectors precomputed
// per face), and the aperture-7 rounding in integers. The result can
// differ from the C library's only by rounding, that is for a point within
// about 1e-13 of a cell border, which then lands in the neighbouring cell.
// That cannot change an answer: the index flags a cell for a polygon when
// an edge comes within ~0.5 m of the cell's hexagon (index_build.go), so a
// point that close to a cell is answered correctly by that cell's record.
// TestLatLngToCellMatchesC checks it against the C library on millions of
// points: the same cell, or a neighbour touching the point.

// vec3 is a point in 3D, as H3's Vec3d.
type vec3 struct{ x, y, z float64 }

// h3BaseCellRotation is one entry of h3FaceIjkBaseCells.
type h3BaseCellRotation struct{ baseCell, ccwRot60 int }

// h3BaseCell is what h3BaseCellData keeps of a base cell.
type h3BaseCell struct {
	isPentagon   bool
	cwOffsetPent [2]int
}

// coordIJK is H3's CoordIJK.
type coordIJK struct{ i, j, k int }

// H3's constants, as its headers define them.
const (
	h3MRSIN60          = 1.1547005383792515290182975610039149112953
	h3MAP7ROTRADS      = 0.333473172251832115336090755351601070065900389
	h3INVRES0UGNOMONIC = 2.61803398874989588842
	h3MSQRT7           = 2.6457513110645905905016157536392604257102
	h3MaxFaceCoord     = 2
	h3Init             = uint64(35184372088831)
	h3ModeOffset       = 59
	h3BCOffset         = 45
	h3KAxesDigit       = 1
)

// h3Face is what projecting onto one icosahedron face needs: its centre,
// and the axes of its hex plane for Class II and Class III resolutions
// (the tangent directions at the centre turned by the face's azimuth, and
// for Class III by H3's aperture-7 rotation too).
type h3Face struct {
	center         vec3
	x2, y2, x3, y3 vec3
}

// h3Faces holds the projection of every face, derived from H3's tables.
var h3Faces = func() (faces [20]h3Face) {
	for f := range faces {
		c := h3FaceCenterPoint[f]
		north := vec3Normalize(vec3LinComb(1, vec3{0, 0, 1}, -c.z, c))
		east := vec3Cross(north, c)
		// H3: theta = A - azimuth(p), x = r cos(theta), y = r sin(theta),
		// where r = tan(angle) and (cos, sin)(azimuth) = (p·north, p·east)/|p⊥|.
		axes := func(a float64) (vec3, vec3) {
			sa, ca := math.Sincos(a)
			return vec3LinComb(ca, north, sa, east), vec3LinComb(sa, north, -ca, east)
		}
		faces[f].center = c
		faces[f].x2, faces[f].y2 = axes(h3FaceAxesAzRadsCII[f][0])
		faces[f].x3, faces[f].y3 = axes(h3FaceAxesAzRadsCII[f][0] - h3MAP7ROTRADS)
	}
	return faces
}()

// h3ResScale is the hex grid's unit at each resolution, as H3 scales its
// gnomonic distances (INV_RES0_U_GNOMONIC, times sqrt(7) per resolution).
var h3ResScale = func() (s [h3MaxRes + 1]float64) {
	r := h3INVRES0UGNOMONIC
	for res := range s {
		s[res] = r
		r *= h3MSQRT7
	}
	return s
}()

// latLngToCell is H3's latLngToCell for a point [lon, lat] in degrees; 0
// when H3 would refuse it (not finite).
func latLngToCell(lng, lat float64, res int) uint64 {
	latR, lngR := lat*degToRad, lng*degToRad
	if math.IsInf(latR, 0) || math.IsNaN(latR) || math.IsInf(lngR, 0) || math.IsNaN(lngR) {
		return 0
	}
	sinLat, cosLat := math.Sincos(latR)
	sinLng, cosLng := math.Sincos(lngR)
	p := vec3{cosLng * cosLat, sinLng * cosLat, sinLat}
	face, best := 0, -2.0
	for f := range h3Faces {
		if d := vec3Dot(h3Faces[f].center, p); d > best { // the nearest centre
			face, best = f, d
		}
	}
	f := &h3Faces[face]
	ax, ay := f.x2, f.y2
	if res%2 == 1 {
		ax, ay = f.x3, f.y3
	}
	scale := h3ResScale[res] / best // gnomonic: tan(angle) = |p⊥| / (p·centre)
	ijk := hex2dToCoordIJK(vec3Dot(p, ax)*scale, vec3Dot(p, ay)*scale)
	return faceIjkToH3(face, ijk, res)
}

func vec3LinComb(a float64, v1 vec3, b float64, v2 vec3) vec3 {
	return vec3{x: float64(a*v1.x) + float64(b*v2.x), y: float64(a*v1.y) + float64(b*v2.y), z: float64(a*v1.z) + float64(b*v2.z)}
}

func vec3Cross(v1, v2 vec3) vec3 {
	return vec3{x: float64(v1.y*v2.z) - float64(v1.z*v2.y), y: float64(v1.z*v2.x) - float64(v1.x*v2.z), z: float64(v1.x*v2.y) - float64(v1.y*v2.x)}
}

func vec3Dot(v1, v2 vec3) float64 {
	return float64(v1.x*v2.x) + float64(v1.y*v2.y) + float64(v1.z*v2.z)
}

func vec3Normalize(v vec3) vec3 {
	s, norm := 0.0, math.Sqrt(vec3Dot(v, v))
	if norm > 0 {
		s = 1 / norm
	}
	return vec3{v.x * s, v.y * s, v.z * s}
}

// hex2dToCoordIJK is _hex2dToCoordIJK: the hex containing (x, y).
func hex2dToCoordIJK(x, y float64) coordIJK {
	var h coordIJK
	a1, a2 := math.Abs(x), math.Abs(y)
	x2 := float64(a2 * h3MRSIN60)
	x1 := a1 + x2/2.0
	m1, m2 := int(x1), int(x2)
	r1, r2 := x1-float64(m1), x2-float64(m2)
	if r1 < 0.5 {
		if r1 < 1.0/3.0 {
			h.i = m1
			if r2 < (1.0+r1)/2.0 {
				h.j = m2
			} else {
				h.j = m2 + 1
			}
		} else {
			if r2 < 1.0-r1 {
				h.j = m2
			} else {
				h.j = m2 + 1
			}
			if 1.0-r1 <= r2 && r2 < 2.0*r1 {
				h.i = m1 + 1
			} else {
				h.i = m1
			}
		}
	} else {
		if r1 < 2.0/3.0 {
			if r2 < 1.0-r1 {
				h.j = m2
			} else {
				h.j = m2 + 1
			}
			if 2.0*r1-1.0 < r2 && r2 < 1.0-r1 {
				h.i = m1
			} else {
				h.i = m1 + 1
			}
		} else {
			h.i = m1 + 1
			if r2 < r1/2.0 {
				h.j = m2
			} else {
				h.j = m2 + 1
			}
		}
	}
	if x < 0 { // fold across the axes
		if h.j%2 == 0 {
			diff := h.i - h.j/2
			h.i = int(float64(h.i) - 2.0*float64(diff))
		} else {
			diff := h.i - (h.j+1)/2
			h.i = int(float64(h.i) - (2.0*float64(diff) + 1))
		}
	}
	if y < 0 {
		h.i -= (2*h.j + 1) / 2
		h.j = -h.j
	}
	h.normalize()
	return h
}

// normalize is _ijkNormalize.
func (c *coordIJK) normalize() {
	if c.i < 0 {
		c.j -= c.i
		c.k -= c.i
		c.i = 0
	}
	if c.j < 0 {
		c.i -= c.j
		c.k -= c.j
		c.j = 0
	}
	if c.k < 0 {
		c.i -= c.k
		c.j -= c.k
		c.k = 0
	}
	if m := min(c.i, c.j, c.k); m > 0 {
		c.i -= m
		c.j -= m
		c.k -= m
	}
}

// roundSeventh is H3's lround(n * M_ONESEVENTH) in integers: n/7 is never
// halfway between integers, and for a face's coordinates the float product
// is never off by enough to round the other way. So it is floor((n+3)/7),
// computed as an unsigned division (one multiply) of n offset by a multiple
// of 7 that makes it positive: a face's coordinates are below 7^16 < 2^45.
func roundSeventh(n int) int {
	const bias = 7 << 50
	return int(uint64(n+3+bias)/7) - bias/7
}

// axialDigit maps a difference of axial coordinates (i-k, j-k), offset by
// one, to H3's digit of that unit vector (UNIT_VECS), or 7 for none.
var axialDigit = [3][3]uint64{
	{1, 3, 7}, // (-1,-1) K, (-1,0) JK
	{5, 0, 2}, // (0,-1) IK, (0,0) centre, (0,1) J
	{7, 4, 6}, // (1,0) I, (1,1) IJ
}

// faceIjkToH3 is _faceIjkToH3 for res > 0 (the index never uses res 0).
// H3 climbs from the cell to its base cell one resolution at a time in ijk
// coordinates, normalising at every step; normalising keeps i-k and j-k,
// so the climb runs here in those axial coordinates, where the aperture-7
// steps are linear: up, then back down to the parent's centre child, and
// the difference is the digit.
func faceIjkToH3(face int, ijk coordIJK, res int) uint64 {
	h := h3Init
	h = h&^(uint64(0xF)<<h3ModeOffset) | uint64(1)<<h3ModeOffset
	h = h&^h3ResMask | uint64(res)<<h3ResShift
	a, b := ijk.i-ijk.k, ijk.j-ijk.k
	for r := res - 1; r >= 0; r-- {
		var pa, pb, ca, cb int
		if (r+1)%2 == 1 { // Class III: ccw (_upAp7, _downAp7)
			pa, pb = roundSeventh(3*a-b), roundSeventh(a+2*b)
			ca, cb = 2*pa+pb, 3*pb-pa
		} else { // Class II: cw (_upAp7r, _downAp7r)
			pa, pb = roundSeventh(2*a+b), roundSeventh(3*b-a)
			ca, cb = 3*pa-pb, pa+2*pb
		}
		d := uint64(7)
		if da, db := a-ca+1, b-cb+1; uint(da) < 3 && uint(db) < 3 {
			d = axialDigit[da][db]
		}
		h = setDigit(h, r+1, d)
		a, b = pa, pb
	}
	ijk = coordIJK{a, b, 0}
	ijk.normalize()
	if ijk.i > h3MaxFaceCoord || ijk.j > h3MaxFaceCoord || ijk.k > h3MaxFaceCoord {
		return 0
	}
	bcr := h3FaceIjkBaseCells[face][ijk.i][ijk.j][ijk.k]
	h = h&^(uint64(0x7F)<<h3BCOffset) | uint64(bcr.baseCell)<<h3BCOffset
	bc := &h3BaseCellData[bcr.baseCell]
	if !bc.isPentagon {
		for i := 0; i < bcr.ccwRot60; i++ {
			h = rotate60ccw(h)
		}
		return h
	}
	if leadingNonZeroDigit(h) == h3KAxesDigit { // out of the deleted k-axes sub-sequence
		if bc.cwOffsetPent[0] == face || bc.cwOffsetPent[1] == face {
			h = rotate60cw(h)
		} else {
			h = rotate60ccw(h)
		}
	}
	for i := 0; i < bcr.ccwRot60; i++ {
		h = rotatePent60ccw(h)
	}
	return h
}

// setDigit sets the digit of resolution r.
func setDigit(h uint64, r int, d uint64) uint64 {
	shift := h3DigitBits * (h3MaxRes - r)
	return h&^(uint64(7)<<shift) | d<<shift
}

// leadingNonZeroDigit is _h3LeadingNonZeroDigit.
func leadingNonZeroDigit(h uint64) int {
	for r := 1; r <= cellRes(h); r++ {
		if d := cellDigit(h, r); d != 0 {
			return d
		}
	}
	return 0
}

// The digit rotations of H3 (_rotate60ccw, _rotate60cw), by digit.
var (
	digitCCW = [8]uint64{0, 5, 3, 1, 6, 4, 2, 7}
	digitCW  = [8]uint64{0, 3, 6, 2, 5, 1, 4, 7}
)

// rotate60ccw is _h3Rotate60ccw, rotate60cw _h3Rotate60cw.
func rotate60ccw(h uint64) uint64 {
	for r := 1; r <= cellRes(h); r++ {
		h = setDigit(h, r, digitCCW[cellDigit(h, r)])
	}
	return h
}

func rotate60cw(h uint64) uint64 {
	for r := 1; r <= cellRes(h); r++ {
		h = setDigit(h, r, digitCW[cellDigit(h, r)])
	}
	return h
}

// rotatePent60ccw is _h3RotatePent60ccw.
func rotatePent60ccw(h uint64) uint64 {
	found := false
	for r := 1; r <= cellRes(h); r++ {
		h = setDigit(h, r, digitCCW[cellDigit(h, r)])
		if !found && cellDigit(h, r) != 0 {
			found = true
			if leadingNonZeroDigit(h) == h3KAxesDigit {
				h = rotate60ccw(h)
			}
		}
	}
	return h
}
