package photo_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework/phototest"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/photo"
)

// pngChunk appends a PNG chunk with its CRC.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// pngCutShort is a w×h PNG (colour type ct: 2 RGB, 6 RGBA) whose image data
// stops after its first row: the decoder allocates the whole image before
// it finds out, so only a check before decoding keeps that memory.
func pngCutShort(w, h uint32, depth, ct byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	b := pngChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", append(ihdr, depth, ct, 0, 0, 0))
	channels := map[byte]int{2: 3, 6: 4}[ct]
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(make([]byte, 1+int(w)*channels*int(depth)/8)) // filter byte, then a row of zeros
	_ = zw.Flush()
	b = pngChunk(b, "IDAT", z.Bytes())
	return pngChunk(b, "IEND", nil)
}

// jpegFrame is the start of a w×h JPEG: its frame header (SOF0, or SOF2
// when progressive) with one component per sampling factor (h<<4|v) and
// the header of a first scan, and no pixels: all DecodeConfig reads.
func jpegFrame(w, h int, progressive bool, sampling ...byte) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xC0}
	if progressive {
		b[3] = 0xC2
	}
	n := len(sampling)
	b = binary.BigEndian.AppendUint16(b, uint16(8+3*n))
	b = append(b, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), byte(n))
	for i, hv := range sampling {
		b = append(b, byte(i+1), hv, 0)
	}
	b = binary.BigEndian.AppendUint16(append(b, 0xFF, 0xDA), uint16(6+2*n))
	b = append(b, byte(n))
	for i := range n {
		b = append(b, byte(i+1), 0)
	}
	end := byte(63) // a sequential scan has all 64 coefficients, a progressive first scan the DC one
	if progressive {
		end = 0
	}
	return append(b, 0, end, 0, 0xFF, 0xD9)
}

// opaqueImage is a w×h image of one opaque colour, 16 bits a channel
// when deep (PNG encodes it as 16-bit), else 8.
func opaqueImage(w, h int, deep bool) image.Image {
	r := image.Rect(0, 0, w, h)
	if deep {
		img := image.NewNRGBA64(r)
		for i := 0; i < len(img.Pix); i += 8 {
			copy(img.Pix[i:], []byte{0x80, 0x01, 0x40, 0x02, 0x20, 0x03, 0xFF, 0xFF})
		}
		return img
	}
	img := image.NewNRGBA(r)
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{0x80, 0x40, 0x20, 0xFF})
	}
	return img
}

// allocated returns how many bytes f allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestProcessBoundsDecodedMemory(t *testing.T) {
	const mb = 1_000_000
	tests := map[string]struct {
		b []byte
		// limit, when set, replaces MaxDecodeBytes for the case.
		limit int64
		// refused lists what the refusal must say; nil expects no refusal
		// for memory (the photo is processed, or found damaged after the
		// check).
		refused []string
		// maxAlloc bounds what Process may allocate (0: unchecked).
		maxAlloc uint64
		wantW    int // for a photo that must be accepted
	}{
		"16-bit 7000×7000 PNG is refused before decoding": {
			b:        pngCutShort(7000, 7000, 16, 6),
			refused:  []string{"7000×7000 16-bit PNG decodes to 393 MB", "at most 250 MB", "8-bit"},
			maxAlloc: 16 * mb,
		},
		"16-bit 7000×7000 RGB PNG (no alpha) is refused too": {
			b:        pngCutShort(7000, 7000, 16, 2),
			refused:  []string{"16-bit PNG decodes to 393 MB"},
			maxAlloc: 16 * mb,
		},
		"8-bit 7000×7000 PNG passes the check (then is found cut short)": {
			b: pngCutShort(7000, 7000, 8, 6),
		},
		"50 MP phone JPEG (baseline 4:2:0) passes the check": {
			b: jpegFrame(8160, 6120, false, 0x22, 0x11, 0x11),
		},
		"progressive 4:4:4 JPEG of 8000×6000 is refused": {
			b:        jpegFrame(8000, 6000, true, 0x11, 0x11, 0x11),
			refused:  []string{"8000×6000 progressive JPEG decodes to 720 MB", "baseline"},
			maxAlloc: 16 * mb,
		},
		"16-bit PNG over a small limit": {
			b:        makePNG(t, opaqueImage(300, 300, true)),
			limit:    500_000,
			refused:  []string{"300×300 16-bit PNG decodes to 0.8 MB", "at most 0.5 MB"},
			maxAlloc: 400_000, // the image alone is 720 000 bytes
		},
		"8-bit PNG of the same size under the same limit": {
			b:     makePNG(t, opaqueImage(300, 300, false)),
			limit: 500_000,
			wantW: 300,
		},
		"JPEG of the same size under the same limit": {
			b:     makeJPEG(t, opaqueImage(300, 300, false), 0),
			limit: 500_000,
			wantW: 300,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.limit > 0 {
				defer photo.SetDecodeLimits(tc.limit, 8*tc.limit)()
			}
			var (
				info photo.Info
				err  error
			)
			n := allocated(func() { info, _, err = photo.Process(tc.b, "", "file") })
			if tc.maxAlloc > 0 && n > tc.maxAlloc {
				t.Errorf("Process allocated %d bytes, want at most %d: it decoded", n, tc.maxAlloc)
			}
			if tc.refused == nil {
				if err != nil && strings.Contains(err.Error(), "decodes to") {
					t.Fatalf("refused: %v", err)
				}
				if tc.wantW > 0 && (err != nil || info.Width != tc.wantW) {
					t.Fatalf("info = %+v, err = %v", info, err)
				}
				return
			}
			var ge *geo.Error
			if !errors.As(err, &ge) || ge.Code != geo.EUNSUPPORTED || ge.Field != "file" {
				t.Fatalf("err = %v, want EUNSUPPORTED on file", err)
			}
			for _, s := range tc.refused {
				if !strings.Contains(ge.Message, s) {
					t.Errorf("message %q does not say %q", ge.Message, s)
				}
			}
		})
	}
}

// TestDecodeCostCoversTheDecoder decodes images of each pixel format the
// decoders make and checks that the estimate made from the header is at
// least what decoding allocated: an estimate below it would let a photo
// past the limit.
func TestDecodeCostCoversTheDecoder(t *testing.T) {
	const w, h = 640, 480
	r := image.Rect(0, 0, w, h)
	gray16 := image.NewGray16(r)
	gray16.Pix[0] = 1
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White})
	tests := map[string]struct {
		b       []byte
		decode  func([]byte) (image.Image, error)
		minCost int64 // the decoded image alone
	}{
		"png 16-bit":       {makePNG(t, opaqueImage(w, h, true)), pngDecode, 8 * w * h},
		"png 8-bit":        {makePNG(t, opaqueImage(w, h, false)), pngDecode, 4 * w * h},
		"png gray 16-bit":  {makePNG(t, gray16), pngDecode, 2 * w * h},
		"png gray":         {makePNG(t, image.NewGray(r)), pngDecode, w * h},
		"png gray + tRNS":  {withTRNS(t, makePNG(t, image.NewGray(r))), pngDecode, 4 * w * h},
		"png paletted":     {makePNG(t, pal), pngDecode, w * h},
		"jpeg 4:2:0":       {phototest.JPEG(t, w, h, 1), jpegDecode, w * h * 3 / 2},
		"jpeg gray":        {makeJPEG(t, image.NewGray(r), 0), jpegDecode, w * h},
		"webp lossy+alpha": {readFile(t, "quadrant.webp"), nil, 60 * 40 * 5 / 2},
		"webp lossless":    {readFile(t, "quadrant-lossless.webp"), nil, 60 * 40 * 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cost, what, err := photo.DecodeCost(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if cost < tc.minCost {
				t.Errorf("cost %d (%s), want at least the image, %d", cost, what, tc.minCost)
			}
			if tc.decode == nil {
				return
			}
			var derr error
			n := allocated(func() { _, derr = tc.decode(tc.b) })
			if derr != nil {
				t.Fatal(derr)
			}
			if int64(n) > cost {
				t.Errorf("decoding allocated %d bytes, more than the estimate %d (%s)", n, cost, what)
			}
		})
	}
}

func pngDecode(b []byte) (image.Image, error)  { return png.Decode(bytes.NewReader(b)) }
func jpegDecode(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }

// withTRNS adds a tRNS chunk (grey level 0 is transparent) before the image
// data of a grey PNG: the decoder then makes an NRGBA image, four bytes a
// pixel where the colour model DecodeConfig reports says one.
func withTRNS(t testing.TB, b []byte) []byte {
	t.Helper()
	ihdrEnd := 8 + 8 + 13 + 4
	chunk := pngChunk(nil, "tRNS", []byte{0, 0})
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}

func TestDecodesWaitTheirTurn(t *testing.T) {
	const limit = 4_000_000
	small := makeJPEG(t, quadrants(60, 40), 0)
	tests := map[string]struct {
		hold    int64         // of the budget, taken before the photo comes
		cancel  time.Duration // cancels the photo's context after this (0: never)
		wantErr error         // nil: the photo must be processed
		waits   bool          // must not be processed before the hold is released
	}{
		"a hung-up client leaves the queue at once": {hold: 2 * limit, cancel: 50 * time.Millisecond, wantErr: context.Canceled},
		"a photo waits for the budget":              {hold: 2 * limit, waits: true},
		"a small photo fits beside a held part":     {hold: limit},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// A budget of two limits, and each decode takes at least a
			// quarter of it (GOMAXPROCS 4), so the small photo fits
			// beside a held limit and not beside the whole budget.
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
			defer photo.SetDecodeLimits(limit, 2*limit)()
			release, err := photo.HoldDecodeBudget(context.Background(), tc.hold)
			if err != nil {
				t.Fatal(err)
			}
			released := false
			defer func() {
				if !released {
					release()
				}
			}()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, _, err := photo.ProcessContext(ctx, small, "", "body")
				done <- err
			}()
			if tc.waits {
				select {
				case err := <-done:
					t.Fatalf("processed while the budget was held (err %v)", err)
				case <-time.After(200 * time.Millisecond):
				}
				release()
				released = true
			}
			select {
			case err := <-done:
				if tc.wantErr == nil && err != nil {
					t.Fatal(err)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.cancel > 0 && time.Since(start) > tc.cancel+time.Second {
					t.Errorf("returned %v after the context was cancelled", time.Since(start)-tc.cancel)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Process did not return")
			}
		})
	}
}
