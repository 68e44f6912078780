package photo_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"

	"github.com/gridmap-dev/gridmap/photo"
)

func decodeJPEG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("thumbnail does not decode: %v", err)
	}
	return img
}

// corner says which colour the centre of each quadrant of img has: "R"
// (red), "B" (blue) or "W" (white), top-left, top-right, bottom-left,
// bottom-right.
func corners(img image.Image) string {
	b := img.Bounds()
	out := ""
	for _, p := range []image.Point{{b.Dx() / 4, b.Dy() / 4}, {3 * b.Dx() / 4, b.Dy() / 4},
		{b.Dx() / 4, 3 * b.Dy() / 4}, {3 * b.Dx() / 4, 3 * b.Dy() / 4}} {
		r, g, bl, _ := img.At(b.Min.X+p.X, b.Min.Y+p.Y).RGBA()
		switch {
		case r > 0xC000 && g > 0xC000 && bl > 0xC000:
			out += "W"
		case r > 0xC000 && bl < 0x4000:
			out += "R"
		case bl > 0xC000 && r < 0x4000:
			out += "B"
		default:
			out += "?"
		}
	}
	return out
}

func TestThumbnailOrientation(t *testing.T) {
	tests := []struct {
		orientation uint16
		portrait    bool   // shown taller than wide
		corners     string // where the stored top-left (red) quadrant is seen
	}{
		{1, false, "RBBB"}, {2, false, "BRBB"}, {3, false, "BBBR"}, {4, false, "BBRB"},
		{5, true, "RBBB"}, {6, true, "BRBB"}, {7, true, "BBBR"}, {8, true, "BBRB"},
	}
	// 60×40 is kept at its size; 1200×800 is shrunk (by averaging) to 320×213.
	for _, size := range []struct{ w, h, tw, th int }{{60, 40, 60, 40}, {1200, 800, 320, 213}} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%dx%d/%d", size.w, size.h, tc.orientation), func(t *testing.T) {
				info, thumb, err := photo.Process(makeJPEG(t, quadrants(size.w, size.h), tc.orientation), "image/jpeg", "body")
				if err != nil {
					t.Fatal(err)
				}
				w, h, tw, th := size.w, size.h, size.tw, size.th
				if tc.portrait {
					w, h, tw, th = h, w, th, tw
				}
				if info.Width != w || info.Height != h || info.Orientation != int(tc.orientation) {
					t.Errorf("info = %+v, want %d×%d", info, w, h)
				}
				img := decodeJPEG(t, thumb)
				if got := img.Bounds().Size(); got != (image.Point{tw, th}) {
					t.Errorf("thumbnail is %v, want %d×%d", got, tw, th)
				}
				if got := corners(img); got != tc.corners {
					t.Errorf("quadrants %s, want %s", got, tc.corners)
				}
			})
		}
	}
}

func TestThumbnailSize(t *testing.T) {
	tests := map[string]struct {
		w, h         int
		wantW, wantH int
	}{
		"landscape 1600×1200": {1600, 1200, 320, 240},
		"portrait 900×1600":   {900, 1600, 180, 320},
		"panorama 4000×100":   {4000, 100, 320, 8},
		"sliver 2000×1":       {2000, 1, 320, 1},
		"small stays small":   {100, 50, 100, 50},
		"exactly 320":         {320, 320, 320, 320},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, thumb, err := photo.Process(makeJPEG(t, quadrants(tc.w, tc.h), 0), "image/jpeg", "body")
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeJPEG(t, thumb).Bounds().Size(); got != (image.Point{tc.wantW, tc.wantH}) {
				t.Errorf("thumbnail is %v, want %d×%d", got, tc.wantW, tc.wantH)
			}
		})
	}
}

func TestThumbnailOfTransparentAndWebP(t *testing.T) {
	tests := map[string]struct {
		file    string
		corners string
		w, h    int
	}{
		"lossy with alpha": {"quadrant.webp", "RBBW", 60, 40},
		"lossless":         {"quadrant-lossless.webp", "RBBW", 60, 40},
		"exif orientation": {"quadrant-exif6.webp", "BRWB", 40, 60},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			info, thumb, err := photo.Process(readFile(t, tc.file), "image/webp", "body")
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != tc.w || info.Height != tc.h {
				t.Errorf("info = %+v", info)
			}
			if got := corners(decodeJPEG(t, thumb)); got != tc.corners {
				t.Errorf("quadrants %s, want %s (transparent shows white)", got, tc.corners)
			}
		})
	}
}
