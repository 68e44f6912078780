package importer

import (
	"encoding/binary"

	"github.com/gridmap-dev/gridmap/geo"
)

// gpHeader is the header GeoPackage puts before the WKB of every geometry
// (GeoPackage 1.3, §2.1.3): "GP", a version, a flags byte (bit 0 byte order
// of the header, bits 1–3 the envelope kind, bit 4 empty, bit 5 extended),
// an int32 srs_id and an optional envelope of 4, 6 or 8 doubles.
type gpHeader struct {
	SRSID int32
	Empty bool
}

// envelopeDoubles gives the envelope size for each envelope indicator.
var envelopeDoubles = [8]int{0, 4, 6, 6, 8, -1, -1, -1}

// parseGPBlob splits a GeoPackage geometry blob into its header and WKB.
func parseGPBlob(b []byte) (gpHeader, []byte, *featureError) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return gpHeader{}, nil, featErr(geo.IssueUnreadable, "the geometry blob is not a GeoPackage geometry (no GP header)")
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return gpHeader{}, nil, featErr(geo.IssueUnreadable, "extended GeoPackage geometry types are not supported")
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&1 == 1 {
		order = binary.LittleEndian
	}
	n := envelopeDoubles[(flags>>1)&7]
	if n < 0 {
		return gpHeader{}, nil, featErr(geo.IssueUnreadable, "the geometry blob has an invalid envelope indicator %d", (flags>>1)&7)
	}
	h := gpHeader{SRSID: int32(order.Uint32(b[4:8])), Empty: flags&0x10 != 0}
	start := 8 + 8*n
	if len(b) < start {
		return gpHeader{}, nil, featErr(geo.IssueUnreadable, "the geometry blob is truncated")
	}
	return h, b[start:], nil
}

// gpBlob builds a GeoPackage geometry blob (little-endian header, no
// envelope) around WKB, for the exporter.
func gpBlob(srsID int32, wkb []byte) []byte {
	b := make([]byte, 8, 8+len(wkb))
	b[0], b[1], b[2], b[3] = 'G', 'P', 0, 1
	binary.LittleEndian.PutUint32(b[4:], uint32(srsID))
	return append(b, wkb...)
}
