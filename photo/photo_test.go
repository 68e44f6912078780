package photo_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/photo"
)

// quadrants draws a w×h picture whose top-left quadrant is red and the
// rest blue: after any turn, where the red lands tells the orientation.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// makeJPEG encodes img and, for orientation > 0, puts an APP1 Exif segment
// right after the start of image, where cameras put it.
func makeJPEG(t testing.TB, img image.Image, orientation uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if orientation == 0 {
		return buf.Bytes()
	}
	return phototest.Oriented(buf.Bytes(), phototest.EXIF(true, orientation))
}

func makePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniff(t *testing.T) {
	tests := map[string]struct {
		b    []byte
		want string
	}{
		"jpeg":      {makeJPEG(t, quadrants(8, 8), 0), photo.JPEG},
		"png":       {makePNG(t, quadrants(8, 8)), photo.PNG},
		"webp":      {readFile(t, "quadrant.webp"), photo.WebP},
		"gif":       {[]byte("GIF89a\x01\x00\x01\x00"), ""},
		"text":      {[]byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), ""},
		"riff wave": {[]byte("RIFF\x00\x00\x00\x00WAVEfmt "), ""},
		"empty":     {nil, ""},
		"two bytes": {[]byte{0xFF, 0xD8}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := photo.Sniff(tc.b); got != tc.want {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProcessChecksTheBytes(t *testing.T) {
	jpg := makeJPEG(t, quadrants(60, 40), 0)
	tests := map[string]struct {
		b        []byte
		declared string
		wantType string // "" expects EUNSUPPORTED
	}{
		"jpeg as jpeg":                {jpg, "image/jpeg", photo.JPEG},
		"jpeg with parameters":        {jpg, "image/jpeg; name=a.jpg", photo.JPEG},
		"jpeg undeclared":             {jpg, "", photo.JPEG},
		"jpeg as octet-stream":        {jpg, "application/octet-stream", photo.JPEG},
		"png":                         {makePNG(t, quadrants(60, 40)), "image/png", photo.PNG},
		"webp lossy":                  {readFile(t, "quadrant.webp"), "image/webp", photo.WebP},
		"webp lossless":               {readFile(t, "quadrant-lossless.webp"), "image/webp", photo.WebP},
		"jpeg declared png":           {jpg, "image/png", ""},
		"png declared jpeg":           {makePNG(t, quadrants(8, 8)), "image/jpeg", ""},
		"gif":                         {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif", ""},
		"text declared jpeg":          {[]byte("hello, not a photo"), "image/jpeg", ""},
		"svg":                         {[]byte("<svg/>"), "image/svg+xml", ""},
		"malformed media type":        {jpg, "image/", ""},
		"jpeg cut short":              {jpg[:len(jpg)/2], "image/jpeg", ""},
		"jpeg header only":            {jpg[:20], "image/jpeg", ""},
		"png cut short":               {makePNG(t, quadrants(60, 40))[:60], "image/png", ""},
		"webp cut short":              {readFile(t, "quadrant.webp")[:100], "image/webp", ""},
		"png claiming 100000² pixels": {pngClaiming(100_000, 100_000), "image/png", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			info, thumb, err := photo.Process(tc.b, tc.declared, "file")
			if tc.wantType == "" {
				var ge *geo.Error
				if !errors.As(err, &ge) || ge.Code != geo.EUNSUPPORTED || ge.Field != "file" {
					t.Fatalf("err = %v, want EUNSUPPORTED on file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Type != tc.wantType || info.Width != 60 || info.Height != 40 || info.Orientation != 1 {
				t.Errorf("info = %+v", info)
			}
			if photo.Sniff(thumb) != photo.JPEG {
				t.Errorf("the thumbnail is not a JPEG")
			}
		})
	}
}

// pngClaiming is a PNG header (signature and IHDR) announcing w×h pixels,
// with no pixels after it: the size alone must refuse it.
func pngClaiming(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	b = binary.BigEndian.AppendUint32(b, w)
	b = binary.BigEndian.AppendUint32(b, h)
	b = append(b, 8, 2, 0, 0, 0)
	return append(b, 0, 0, 0, 0) // CRC, unchecked by DecodeConfig
}

func TestOrientation(t *testing.T) {
	le := func(o uint16) []byte {
		return phototest.Oriented(makeJPEG(t, quadrants(8, 8), 0), phototest.EXIF(false, o))
	}
	tests := map[string]struct {
		b    []byte
		typ  string
		want int
	}{
		"jpeg without exif":       {makeJPEG(t, quadrants(8, 8), 0), photo.JPEG, 1},
		"jpeg big-endian 6":       {makeJPEG(t, quadrants(8, 8), 6), photo.JPEG, 6},
		"jpeg little-endian 8":    {le(8), photo.JPEG, 8},
		"jpeg out-of-range 9":     {makeJPEG(t, quadrants(8, 8), 9), photo.JPEG, 1},
		"jpeg zero":               {le(0), photo.JPEG, 1},
		"webp exif chunk 6":       {readFile(t, "quadrant-exif6.webp"), photo.WebP, 6},
		"webp without exif":       {readFile(t, "quadrant.webp"), photo.WebP, 1},
		"png eXIf 3":              {pngWithEXIF(t, 3), photo.PNG, 3},
		"truncated exif":          {makeJPEG(t, quadrants(8, 8), 6)[:30], photo.JPEG, 1},
		"wrong type for the file": {makeJPEG(t, quadrants(8, 8), 6), photo.PNG, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := photo.Orientation(tc.b, tc.typ); got != tc.want {
				t.Errorf("Orientation = %d, want %d", got, tc.want)
			}
		})
	}
}

// pngWithEXIF puts an eXIf chunk before the image data of a PNG.
func pngWithEXIF(t testing.TB, o uint16) []byte {
	b := makePNG(t, quadrants(8, 8))
	ihdrEnd := 8 + 8 + 13 + 4
	data := phototest.EXIF(true, o)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(append(chunk, "eXIf"...), data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}
