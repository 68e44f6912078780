package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// Photos are evidence: a grid worker's picture of a hazard, a handler's
// picture of the fixed spot (处置前/处置后). Each is stored exactly as
// uploaded and named by the SHA-256 of its bytes, so a retried upload stores
// nothing twice and a report can prove which picture it meant. Photos are
// never public: reading one takes a token whose scope covers a report that
// uses it (see PhotoReadable).

// Photo is a stored photo's description; its bytes are in a PhotoStore.
type Photo struct {
	Checksum string // sha256:<64 lower-case hex digits> of the bytes
	Type     string // image/jpeg, image/png or image/webp, from the bytes
	Size     int64  // bytes
	// Width and Height are as the photo is meant to be seen (its EXIF
	// orientation applied).
	Width, Height int
	Orientation   int   // EXIF orientation, 1 (as stored) to 8
	ThumbSize     int64 // bytes of the thumbnail (a JPEG, longest side 320 pixels)
	// Backend names where the bytes are: "postgres" or "s3".
	Backend    string
	UploadedBy string
	UploadedAt time.Time
}

// The backends a photo's bytes can be in.
const (
	BackendPostgres = "postgres"
	BackendS3       = "s3"
)

// PhotoVariant is one representation of a stored photo.
type PhotoVariant string

// The variants: the bytes as uploaded, and the thumbnail made from them
// once, on upload.
const (
	PhotoOriginal PhotoVariant = "original"
	PhotoThumb    PhotoVariant = "thumb"
)

// SizeOf returns the bytes of variant v of p.
func (p *Photo) SizeOf(v PhotoVariant) int64 {
	if v == PhotoThumb {
		return p.ThumbSize
	}
	return p.Size
}

// Attachment returns how a report or a workflow step lists p.
func (p *Photo) Attachment(name string) Attachment {
	return Attachment{Checksum: p.Checksum, Type: p.Type, Size: p.Size, Width: p.Width, Height: p.Height, Name: name}
}

var checksumRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ChecksumOf names bytes the way gridmap names photos.
func ChecksumOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ParseChecksum checks a photo's name: sha256: and 64 hexadecimal digits
// (upper case is taken and made lower).
func ParseChecksum(field, s string) (string, error) {
	if len(s) == 71 {
		s = strings.ToLower(s)
	}
	if !checksumRE.MatchString(s) {
		return "", geo.Invalid(field, "%q is not a photo checksum: want sha256: and 64 hexadecimal digits", geo.ClipTo(s, 80))
	}
	return s, nil
}

// PhotoUse is a report that uses a photo, with what decides who may see it.
type PhotoUse struct {
	ReportID     string
	UnitCode     string
	AssignedCode string
	Reporter     string
}

// PhotoReader reads a variant of a stored photo; it seeks, so that byte
// ranges can be served without reading what comes before them.
type PhotoReader = io.ReadSeekCloser

// PhotoStore keeps photos. The description of every photo is in
// PostgreSQL, whichever backend holds its bytes, so that a report's
// attachments are checked and joined in the report's own transaction.
//
// PutPhoto stores p with its bytes and thumbnail unless a photo of the same
// checksum is stored already (its bytes may then be nil), and records
// p.UploadedBy as one who uploaded it: the same picture sent by two
// accounts is stored once and is each one's upload. It returns the photo as
// p.UploadedBy's upload (Uploads) and whether that upload is new. Photos
// returns the stored photos among checksums (missing ones are absent from
// the map), each as its first uploader stored it; Uploads those that
// uploader sent, each with the time they first did. OpenPhoto returns
// ENOTFOUND when the bytes cannot be found. PhotoUses lists the reports
// using a photo.
type PhotoStore interface {
	PutPhoto(ctx context.Context, p Photo, original, thumb []byte) (Photo, bool, error)
	Photos(ctx context.Context, checksums []string) (map[string]Photo, error)
	Uploads(ctx context.Context, uploader string, checksums []string) (map[string]Photo, error)
	OpenPhoto(ctx context.Context, p Photo, v PhotoVariant) (PhotoReader, error)
	PhotoUses(ctx context.Context, checksum string) ([]PhotoUse, error)
}
