package photo

import "encoding/binary"

// EXIF orientation, read the way cameras write it: a TIFF structure whose
// first directory (IFD0) may hold tag 0x0112, Orientation, a SHORT from 1
// (as stored) to 8. It sits in a JPEG's APP1 "Exif" segment, a PNG's eXIf
// chunk or a WebP's EXIF chunk. Only that one tag is read, and every offset
// and length is checked against the bytes really there: the input comes
// from phones and from anyone with a token.

// orientationTag is the TIFF tag of the orientation.
const orientationTag = 0x0112

// exifHeader starts the payload of a JPEG APP1 segment holding EXIF (and,
// from some writers, a WebP EXIF chunk).
const exifHeader = "Exif\x00\x00"

// Orientation returns the EXIF orientation (1 to 8) of an image of media
// type mediaType, or 1 when it has none or the EXIF cannot be read.
func Orientation(b []byte, mediaType string) int {
	var tiff []byte
	switch mediaType {
	case JPEG:
		tiff = jpegEXIF(b)
	case PNG:
		tiff = pngEXIF(b)
	case WebP:
		tiff = webpEXIF(b)
	}
	if len(tiff) >= len(exifHeader) && string(tiff[:len(exifHeader)]) == exifHeader {
		tiff = tiff[len(exifHeader):]
	}
	return tiffOrientation(tiff)
}

// jpegEXIF returns the TIFF bytes of the first APP1 Exif segment before
// the image data.
func jpegEXIF(b []byte) []byte {
	for marker, seg := range jpegSegments(b) {
		if marker == 0xE1 && len(seg) >= len(exifHeader) && string(seg[:len(exifHeader)]) == exifHeader {
			return seg[len(exifHeader):]
		}
	}
	return nil
}

// pngEXIF returns the data of a PNG's eXIf chunk (which must come before
// the image data).
func pngEXIF(b []byte) []byte {
	for typ, data := range pngChunks(b) {
		switch typ {
		case "eXIf":
			return data
		case "IDAT":
			return nil
		}
	}
	return nil
}

// webpEXIF returns the data of a WebP's EXIF chunk (extended format).
func webpEXIF(b []byte) []byte {
	for id, data := range webpChunks(b) {
		if id == "EXIF" {
			return data
		}
	}
	return nil
}

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := order.Uint32(t[4:])
	if uint64(ifd)+2 > uint64(len(t)) {
		return 1
	}
	count := int(order.Uint16(t[ifd:]))
	entries := t[ifd+2:]
	for k := 0; k < count && 12*(k+1) <= len(entries); k++ {
		e := entries[12*k : 12*(k+1)]
		if order.Uint16(e) != orientationTag {
			continue
		}
		// A SHORT (type 3), one of them, stored in the first two bytes of
		// the value field.
		if order.Uint16(e[2:]) != 3 || order.Uint32(e[4:]) != 1 {
			return 1
		}
		if v := int(order.Uint16(e[8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}
