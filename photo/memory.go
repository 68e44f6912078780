package photo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"

	"golang.org/x/sync/semaphore"
)

// What decoding a photo allocates. MaxPixels alone does not bound it: the
// decoders' images take from one byte a pixel (grey, paletted) to eight (a
// 16-bit PNG), and some decoders hold more beside the image while they
// work (a progressive JPEG keeps every block's coefficients, four bytes a
// pixel per component; an interlaced PNG decodes its passes apart). So
// Process reads from the header what the decode will allocate and refuses
// a photo over MaxDecodeBytes before any of it is; and the decodes running
// at once share a budget, so that a burst of uploads queues instead of
// multiplying the peak.

// MaxDecodeBytes bounds what decoding one photo may allocate. A 50-megapixel
// phone JPEG (baseline, 4:2:0) takes 75 MB and a 50-megapixel 8-bit PNG
// 200 MB; a 16-bit PNG of 7000×7000 pixels (392 MB) or a progressive JPEG
// of 50 megapixels (375 MB) is refused.
const MaxDecodeBytes = 250_000_000

// The limits in force (tests lower them). The budget holds two of the
// largest decodes, or many small ones: see decodeTurn.
var (
	decodeLimit  int64 = MaxDecodeBytes
	decodeBudget int64 = 2 * MaxDecodeBytes
	decoding           = semaphore.NewWeighted(decodeBudget)
)

// decoderSlack is what a decoder allocates besides its image, whatever the
// image's size: zlib's window, Huffman tables, buffers.
const decoderSlack = 64 << 10

// decodeTurn waits, as long as ctx lets it, until n more bytes fit in the
// budget, and returns the function that gives them back. A decode takes at
// least the budget over GOMAXPROCS: decoding is processor work, so more
// decodes than processors at once only hold more memory for longer. The
// semaphore is first come, first served: a large photo is not starved by
// small ones behind it.
func decodeTurn(ctx context.Context, n int64) (release func(), err error) {
	sem, budget := decoding, decodeBudget
	n = min(max(n, budget/int64(runtime.GOMAXPROCS(0))), budget)
	if err := sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { sem.Release(n) }, nil
}

// decodeCost is what decoding a photo will allocate, with what the photo
// is and what to send instead, for a refusal to say.
type decodeCost struct {
	bytes int64
	what  string // "16-bit PNG", "progressive JPEG", …
	hint  string // "an 8-bit image", or "" for only fewer pixels
}

// costOf reads the header of b, a photo of media type typ that
// DecodeConfig described as cfg, for what decoding it will allocate. Where
// the header is damaged it counts the most the format's decoder can take.
func costOf(typ string, cfg image.Config, b []byte) decodeCost {
	var c decodeCost
	switch typ {
	case PNG:
		c = pngCost(cfg, b)
	case JPEG:
		c = jpegCost(cfg, b)
	case WebP:
		c = webpCost(cfg, b)
	default:
		c = decodeCost{bytes: perPixel(cfg, 8), what: typ}
	}
	c.bytes += decoderSlack
	return c
}

// perPixel is bpp bytes for each pixel of cfg, rounded up.
func perPixel(cfg image.Config, bpp float64) int64 {
	return int64(math.Ceil(bpp * float64(cfg.Width) * float64(cfg.Height)))
}

// pixelBytes is the bytes a pixel of the image a decoder makes in colour
// model m: as many as any (eight) for a model it does not know.
func pixelBytes(m color.Model) float64 {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most; a JPEG's frame header tells its ratio
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	return 8 // RGBA64, NRGBA64, and what is not known
}

// pngCost: the image as its colour model says, twice over when interlaced
// (the passes are decoded apart, then merged into the whole image), and
// the raw rows.
func pngCost(cfg image.Config, b []byte) decodeCost {
	bpp := pixelBytes(cfg.ColorModel)
	// DecodeConfig stops at the header, before a tRNS chunk that makes the
	// decoder's grey image NRGBA (or NRGBA64): four times the bytes.
	for typ := range pngChunks(b) {
		if typ == "IDAT" {
			break
		}
		if typ == "tRNS" && (cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model) {
			bpp *= 4
		}
	}
	// DecodeConfig read IHDR, so its fields are there: the bit depth at 24,
	// the interlace method at 28.
	depth, interlaced := byte(16), true
	if len(b) > 28 {
		depth, interlaced = b[24], b[28] != 0
	}
	rows := 2*(1+8*int64(cfg.Width)) + 64*int64(cfg.Height) // the raw rows, and zlib's reading of them
	c := decodeCost{bytes: perPixel(cfg, bpp) + rows, what: fmt.Sprintf("%d-bit PNG", depth)}
	if depth == 16 {
		c.hint = "an 8-bit image"
	}
	if interlaced {
		// The passes add up to the whole image; 1/64 more covers their rows.
		c.bytes += perPixel(cfg, bpp) + perPixel(cfg, bpp)/64 + 7*rows
		c.what, c.hint = "interlaced "+c.what, "an image that is not interlaced"
	}
	return c
}

// jpegCost: the planes of the components as the frame header samples them
// (rounded up to whole blocks), five times over when progressive (each
// block's 64 coefficients, an int32 each, are kept between scans), and an
// RGBA or CMYK image more when the components are not YCbCr.
func jpegCost(cfg image.Config, b []byte) decodeCost {
	var (
		sof         []byte
		progressive bool
		jfif        bool
	)
	for marker, seg := range jpegSegments(b) {
		switch {
		case marker >= 0xC0 && marker <= 0xC2 && sof == nil:
			sof, progressive = seg, marker == 0xC2
		case marker == 0xE0 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			jfif = true
		}
	}
	if len(sof) < 6 || len(sof) < 6+3*int(sof[5]) || (sof[5] != 1 && sof[5] != 3 && sof[5] != 4) {
		// Four components, not subsampled, progressive, made CMYK.
		return decodeCost{bytes: perPixel(cfg, 4*5+4), what: "JPEG"}
	}
	n := int(sof[5])
	hv := func(i int) (int64, int64) {
		if n == 1 {
			return 1, 1 // the decoder ignores a lone component's factors
		}
		return int64(max(1, sof[7+3*i]>>4)), int64(max(1, sof[7+3*i]&15))
	}
	h0, v0 := hv(0)
	mxx := (int64(cfg.Width) + 8*h0 - 1) / (8 * h0)
	myy := (int64(cfg.Height) + 8*v0 - 1) / (8 * v0)
	plane := func(i int) int64 { h, v := hv(i); return 64 * h * v * mxx * myy }
	planes := plane(0)
	if n >= 3 {
		planes += 2 * max(plane(1), plane(2))
	}
	if n == 4 {
		planes += plane(3)
	}
	c := decodeCost{bytes: planes, what: "JPEG"}
	if progressive {
		c.bytes += 4 * planes
		c.what, c.hint = "progressive JPEG", "a baseline JPEG"
	}
	rgb := n == 3 && !jfif && (string([]byte{sof[6], sof[9], sof[12]}) == "RGB" || adobeUnknownTransform(b))
	if n == 4 || rgb {
		c.bytes += perPixel(cfg, 4)
	}
	if n == 4 {
		c.what = "CMYK " + c.what
	}
	return c
}

// adobeUnknownTransform reports whether b may have an Adobe APP14 segment
// that says its components are not YCbCr (transform 0): the decoder then
// converts them to RGBA. The decoder heeds such a segment wherever it is,
// even after the image data, so all of b is searched; a match inside
// another segment (an EXIF thumbnail) only overcounts.
func adobeUnknownTransform(b []byte) bool {
	for i := 0; ; i++ {
		j := bytes.Index(b[i:], []byte{0xFF, 0xEE})
		if j < 0 {
			return false
		}
		i += j
		if i+16 <= len(b) && string(b[i+4:i+9]) == "Adobe" && b[i+15] == 0 {
			return true
		}
	}
}

// webpCost: a lossy picture is YCbCr 4:2:0 in whole macroblocks (and its
// partitions copied out), with an alpha plane when it has one; a lossless
// one is decoded as ARGB and, when colour-indexed, unpacked into a second
// buffer. The colour model is not enough: for the extended format
// DecodeConfig answers from the VP8X chunk, before it knows which.
func webpCost(cfg image.Config, b []byte) decodeCost {
	var alpha int64
	for id, data := range webpChunks(b) {
		switch id {
		case "VP8L":
			return decodeCost{bytes: perPixel(cfg, 7), what: "lossless WebP"}
		case "ALPH":
			alpha = perPixel(cfg, 8) // losslessly compressed: decoded as a VP8L image, then copied out
			if len(data) > 0 && data[0]&3 == 0 {
				alpha = perPixel(cfg, 1)
			}
		case "VP8 ":
			// 384 bytes of YCbCr a macroblock, and a few of filter state.
			mbs := int64((cfg.Width+15)/16) * int64((cfg.Height+15)/16)
			return decodeCost{bytes: 400*mbs + alpha + int64(len(data)), what: "WebP"}
		}
	}
	return decodeCost{bytes: perPixel(cfg, 10) + int64(len(b)), what: "WebP"}
}

// thumbCost bounds what Thumbnail allocates for a w×h image: the scaler's
// buffer (four float64 for each pixel of the thumbnail's width by the
// source's height) and the thumbnail, turned and encoded.
func thumbCost(w, h int) int64 {
	tw, th := fit(w, h, ThumbSide)
	return 32*int64(tw)*int64(h) + 24*int64(tw)*int64(th)
}

// megabytes says n bytes for a person.
func megabytes(n int64) string {
	if n < 10_000_000 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d MB", (n+500_000)/1_000_000)
}
