package photo_test

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/photo"
)

// BenchmarkProcess times what every new upload pays: decoding the whole
// photo, checking it and making its thumbnail.
func BenchmarkProcess(b *testing.B) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"1600x1200 (as the app sends)", 1600, 1200}, {"4000x3000 (a camera original)", 4000, 3000}} {
		p := phototest.JPEG(b, size.w, size.h, 1)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := photo.Process(p, photo.JPEG, "body"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkThumbnail times the thumbnail alone, from a decoded photo.
func BenchmarkThumbnail(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(phototest.JPEG(b, 4000, 3000, 1)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := photo.Thumbnail(img, 6, photo.ThumbSide); err != nil {
			b.Fatal(err)
		}
	}
}
