// Package photo knows the images gridmap keeps as evidence: the types it
// takes and how to tell them by their bytes (never by what the client
// claims), their pixel size and EXIF orientation, and their thumbnails.
// It is pure Go and does no input or output: the stores keep the bytes.
// Decoding is bounded in memory, each photo and all at once (memory.go).
package photo

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime"

	"golang.org/x/image/webp"

	"github.com/gridmap-dev/gridmap/geo"
)

// The media types gridmap stores.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
)

// Types lists the media types gridmap stores.
var Types = []string{JPEG, PNG, WebP}

// Limits on a photo. A phone photo is a few megabytes at most (the app
// resizes before upload); the pixel bound keeps a small file that claims
// huge dimensions (a decompression bomb) from taking the server's memory,
// and MaxDecodeBytes (memory.go) the pixels that take the most each.
const (
	MaxBytes  = 20 << 20
	MaxPixels = 50_000_000
	// ThumbSide is the longest side of a thumbnail, in pixels.
	ThumbSide = 320
)

const pngMagic = "\x89PNG\r\n\x1a\n"

// Sniff returns the media type the bytes are, by their signature, or ""
// when they are none of Types.
func Sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG
	case len(b) >= len(pngMagic) && string(b[:len(pngMagic)]) == pngMagic:
		return PNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	}
	return ""
}

// Info describes a checked photo.
type Info struct {
	Type string
	// Width and Height are as the photo is meant to be seen: with its EXIF
	// orientation applied (a portrait photo stored sideways is taller than
	// it is wide here).
	Width, Height int
	Orientation   int // EXIF orientation, 1 (as stored) to 8
}

// Process is ProcessContext with a context that is never cancelled: for
// tools and tests, which have no client to go away.
func Process(b []byte, declared, field string) (Info, []byte, error) {
	return ProcessContext(context.Background(), b, declared, field)
}

// ProcessContext checks that b is a whole image of the declared media type
// ("" or application/octet-stream: whatever of Types the bytes are) and
// returns what it is with its thumbnail (a JPEG, see Thumbnail). Anything
// else — another type, bytes that are not what was declared, a damaged or
// truncated image, too many pixels, a decode that would take more than
// MaxDecodeBytes — is EUNSUPPORTED naming field. The whole image is
// decoded: evidence must be viewable, not just start right. Decodes share
// a memory budget: one waits its turn while ctx lets it, and is
// EUNAVAILABLE wrapping ctx's error when ctx ends first.
func ProcessContext(ctx context.Context, b []byte, declared, field string) (Info, []byte, error) {
	typ, err := checkType(b, declared, field)
	if err != nil {
		return Info{}, nil, err
	}
	cfg, err := decodeConfig(typ, b)
	if err != nil {
		return Info{}, nil, unsupported(field, "the bytes are not a readable %s: %v", typ, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Info{}, nil, unsupported(field, "%d×%d pixels: a photo may have at most %d million pixels", cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	cost := costOf(typ, cfg, b)
	if cost.bytes > decodeLimit {
		hint := "fewer pixels"
		if cost.hint != "" {
			hint = cost.hint + " or fewer pixels"
		}
		return Info{}, nil, unsupported(field, "a %d×%d %s decodes to %s; a photo may take at most %s decoded: send %s",
			cfg.Width, cfg.Height, cost.what, megabytes(cost.bytes), megabytes(decodeLimit), hint)
	}
	release, err := decodeTurn(ctx, cost.bytes+thumbCost(cfg.Width, cfg.Height))
	if err != nil {
		return Info{}, nil, &geo.Error{Code: geo.EUNAVAILABLE, Message: "the server is decoding other photos; retry in a moment", Err: err}
	}
	defer release() // the image is garbage once the thumbnail is made
	img, err := decode(typ, b)
	if err != nil {
		return Info{}, nil, unsupported(field, "the %s is damaged or cut short: %v", typ, err)
	}
	info := Info{Type: typ, Width: cfg.Width, Height: cfg.Height, Orientation: Orientation(b, typ)}
	if info.Orientation >= 5 {
		info.Width, info.Height = info.Height, info.Width
	}
	thumb, err := Thumbnail(img, info.Orientation, ThumbSide)
	return info, thumb, err
}

// CheckType returns nil when b is one of Types and is what was declared
// ("" and application/octet-stream declare nothing); EUNSUPPORTED naming
// field otherwise. It reads only the signature: Process checks the rest.
func CheckType(b []byte, declared, field string) error {
	_, err := checkType(b, declared, field)
	return err
}

// checkType compares the declared type with the bytes.
func checkType(b []byte, declared, field string) (string, error) {
	sniffed := Sniff(b)
	mt := ""
	if declared != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(declared); err != nil {
			return "", unsupported(field, "%q is not a media type; send image/jpeg, image/png or image/webp", geo.ClipTo(declared, 40))
		}
	}
	switch {
	case mt != "" && mt != "application/octet-stream" && !isType(mt):
		return "", unsupported(field, "%s is not stored; send a photo as image/jpeg, image/png or image/webp", geo.ClipTo(mt, 40))
	case sniffed == "":
		return "", unsupported(field, "the bytes are not a JPEG, PNG or WebP image")
	case isType(mt) && mt != sniffed:
		return "", unsupported(field, "declared %s, but the bytes are a %s image", mt, sniffed)
	}
	return sniffed, nil
}

func isType(mt string) bool { return mt == JPEG || mt == PNG || mt == WebP }

// codecs are the decoders of Types.
var codecs = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	PNG:  {png.DecodeConfig, png.Decode},
	WebP: {webp.DecodeConfig, webp.Decode},
}

func decodeConfig(typ string, b []byte) (image.Config, error) {
	return codecs[typ].config(bytes.NewReader(b))
}

func decode(typ string, b []byte) (image.Image, error) {
	return codecs[typ].decode(bytes.NewReader(b))
}

func unsupported(field, format string, args ...any) error {
	return geo.Errorf(geo.EUNSUPPORTED, field, format, args...)
}
