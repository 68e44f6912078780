package photo

import (
	"encoding/binary"
	"iter"
)

// Walks over the containers of Types, for what a header tells beyond
// DecodeConfig: the EXIF orientation, and what a decode will allocate.
// Every offset and length is checked against the bytes really there; a
// damaged container ends the walk quietly (the decoder reports damage).

// jpegSegments yields the marker and payload of each segment of a JPEG
// before its image data, ending with the start of scan (0xDA, whose
// payload is the scan header), or early at the end of image or a segment
// longer than the bytes. Like Go's decoder it skips bytes that are not a
// marker where one should be, so both see the same segments.
func jpegSegments(b []byte) iter.Seq2[byte, []byte] {
	return func(yield func(byte, []byte) bool) {
		if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
			return
		}
		for i := 2; i+4 <= len(b); {
			if b[i] != 0xFF {
				i++
				continue
			}
			marker := b[i+1]
			switch {
			case marker == 0xFF: // fill byte before a marker
				i++
				continue
			case marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8): // no length
				i += 2
				continue
			case marker == 0xD9: // end of image
				return
			}
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			if n < 2 || i+2+n > len(b) {
				return
			}
			if !yield(marker, b[i+4:i+2+n]) || marker == 0xDA {
				return
			}
			i += 2 + n
		}
	}
}

// pngChunks yields the type and data of each chunk of a PNG up to IEND.
func pngChunks(b []byte) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		if len(b) < len(pngMagic) || string(b[:len(pngMagic)]) != pngMagic {
			return
		}
		for i := len(pngMagic); i+8 <= len(b); {
			n := binary.BigEndian.Uint32(b[i:])
			typ := string(b[i+4 : i+8])
			if uint64(n) > uint64(len(b)-i-8) {
				return
			}
			if !yield(typ, b[i+8:i+8+int(n)]) || typ == "IEND" {
				return
			}
			i += 8 + int(n) + 4 // the chunk's CRC follows its data
		}
	}
}

// webpChunks yields the FourCC and data of each chunk of a WebP.
func webpChunks(b []byte) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
			return
		}
		for i := 12; i+8 <= len(b); {
			n := binary.LittleEndian.Uint32(b[i+4:])
			if uint64(n) > uint64(len(b)-i-8) {
				return
			}
			if !yield(string(b[i:i+4]), b[i+8:i+8+int(n)]) {
				return
			}
			i += 8 + int(n) + int(n&1) // chunks are padded to an even size
		}
	}
}
