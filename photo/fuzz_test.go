package photo_test

import (
	"encoding/binary"
	"testing"

	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/photo"
)

// FuzzOrientation feeds the EXIF reader hostile containers and TIFF
// structures: it must never panic, loop or read out of bounds, and it
// answers 1 to 8 whatever it is given.
func FuzzOrientation(f *testing.F) {
	f.Add(makeJPEG(f, quadrants(8, 8), 6))
	f.Add(pngWithEXIF(f, 3))
	f.Add(readFile(f, "quadrant-exif6.webp"))
	f.Add(phototest.EXIF(false, 8))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, typ := range photo.Types {
			if o := photo.Orientation(b, typ); o < 1 || o > 8 {
				t.Fatalf("Orientation(%s) = %d", typ, o)
			}
		}
		// The same bytes as the TIFF payload of each container.
		seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xD8, 0xFF, 0xE1}, uint16(min(len(b)+8, 0xFFFF)))
		seg = append(append(seg, "Exif\x00\x00"...), b...)
		if o := photo.Orientation(seg, photo.JPEG); o < 1 || o > 8 {
			t.Fatalf("Orientation(jpeg) = %d", o)
		}
	})
}

// FuzzProcess checks that no input crashes the photo check or makes it
// accept something that is not one of the stored types.
func FuzzProcess(f *testing.F) {
	f.Add(makeJPEG(f, quadrants(16, 16), 6), "image/jpeg")
	f.Add(makePNG(f, quadrants(16, 16)), "")
	f.Add(readFile(f, "quadrant.webp"), "image/webp")
	f.Add(pngClaiming(1<<31-1, 2), "image/png")
	f.Fuzz(func(t *testing.T, b []byte, declared string) {
		info, thumb, err := photo.Process(b, declared, "body")
		if err != nil {
			return
		}
		if info.Type != photo.Sniff(b) || info.Width < 1 || info.Height < 1 || photo.Sniff(thumb) != photo.JPEG {
			t.Fatalf("accepted %+v", info)
		}
	})
}
