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

// jpegEXIF walks the segments before the image data (start of scan) and
// returns the TIFF bytes of the first APP1 Exif segment.
func jpegEXIF(b []byte) []byte {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return nil // not at a marker: the file is damaged; give up quietly
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			i++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8): // markers without a length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image: no EXIF after this
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) >= len(exifHeader) && string(seg[:len(exifHeader)]) == exifHeader {
			return seg[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the data of a PNG's eXIf chunk (which must come before
// the image data).
func pngEXIF(b []byte) []byte {
	if len(b) < len(pngMagic) || string(b[:len(pngMagic)]) != pngMagic {
		return nil
	}
	for i := len(pngMagic); i+8 <= len(b); {
		n := binary.BigEndian.Uint32(b[i:])
		typ := string(b[i+4 : i+8])
		if uint64(n) > uint64(len(b)-i-8) {
			return nil
		}
		data := b[i+8 : i+8+int(n)]
		switch typ {
		case "eXIf":
			return data
		case "IDAT", "IEND":
			return nil
		}
		i += 8 + int(n) + 4 // the chunk's CRC follows its data
	}
	return nil
}

// webpEXIF returns the data of a WebP's EXIF chunk (extended format).
func webpEXIF(b []byte) []byte {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil
	}
	for i := 12; i+8 <= len(b); {
		n := binary.LittleEndian.Uint32(b[i+4:])
		if uint64(n) > uint64(len(b)-i-8) {
			return nil
		}
		if string(b[i:i+4]) == "EXIF" {
			return b[i+8 : i+8+int(n)]
		}
		i += 8 + int(n) + int(n&1) // chunks are padded to an even size
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
