package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/photo"
)

// Photos as evidence: POST /v1/attachments stores one image, content-
// addressed; GET /v1/attachments/{checksum} returns its bytes as uploaded
// (or ?size=thumb, its thumbnail) to a token that may see a report using
// it. Photos are never public, whatever the read policy.

func (h *handlers) attachmentRoutes(v1 *gin.RouterGroup) {
	g := v1.Group("", h.photosConfigured)
	g.POST("/attachments", permit(access.PermReport), h.trackPosition, h.createAttachment)
	g.GET("/attachments/:checksum", h.positionRead, h.getAttachment)
}

// photosConfigured answers 503 when the service was built without a photo
// store.
func (h *handlers) photosConfigured(c *gin.Context) {
	if h.deps.Photos == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "this service has no photo storage configured"))
		return
	}
	c.Next()
}

// photoView is a stored photo as the API shows it.
type photoView struct {
	Checksum     string `json:"checksum"`
	Type         string `json:"type"`
	Size         int64  `json:"size"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	Orientation  int    `json:"orientation"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	// The caller's upload: their name and when they first sent the bytes.
	UploadedBy string    `json:"uploaded_by,omitempty"`
	UploadedAt time.Time `json:"uploaded_at,omitzero"`
}

func viewOfPhoto(p casework.Photo) photoView {
	url := "/v1/attachments/" + p.Checksum
	return photoView{Checksum: p.Checksum, Type: p.Type, Size: p.Size, Width: p.Width, Height: p.Height,
		Orientation: p.Orientation, URL: url, ThumbnailURL: url + "?size=thumb", UploadedBy: p.UploadedBy,
		UploadedAt: p.UploadedAt}
}

// createAttachment answers POST /v1/attachments: 201 with the photo as the
// caller's upload, 200 when the caller stored the same bytes before (a
// retried upload), 415 when the bytes are not the image they claim to be,
// 413 when they are too many. Bytes another account stored are the
// caller's upload too (the store records each uploader), answered and
// processed as if new, so the answer does not tell whoever holds a picture
// that it is on file as evidence. (The store does skip writing bytes it
// holds already: a careful clock could still tell.)
func (h *handlers) createAttachment(c *gin.Context) {
	caller, _ := callerOf(c) // permit made sure there is one
	if !h.photoTurns.Take(tokenKey(caller)) {
		c.Header("Retry-After", "2")
		fail(c, geo.Errorf(geo.ERATELIMITED, "", "this token has %d photo uploads under way, the most it may; send the next when one is answered", photoTurnsPerToken))
		return
	}
	defer h.photoTurns.Give(tokenKey(caller))
	up, err := readPhoto(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	sum := casework.ChecksumOf(up.data)
	mine, err := h.deps.Photos.Uploads(ctx, caller.Name, []string{sum})
	if err != nil {
		fail(c, err)
		return
	}
	if p, ok := mine[sum]; ok {
		if err := photo.CheckType(up.data, up.declared, up.field); err != nil {
			fail(c, err)
			return
		}
		h.answerPosition(c) // a photo records no event to wake readers for
		c.JSON(http.StatusOK, viewOfPhoto(p))
		return
	}
	turnCtx, cancel := context.WithTimeout(ctx, photoTurnWait) // bounds the wait for a decode turn
	info, thumb, err := photo.ProcessContext(turnCtx, up.data, up.declared, up.field)
	cancel()
	if err != nil {
		fail(c, err)
		return
	}
	p := casework.Photo{Checksum: sum, Type: info.Type, Size: int64(len(up.data)), Width: info.Width, Height: info.Height,
		Orientation: info.Orientation, ThumbSize: int64(len(thumb)), Backend: casework.BackendPostgres,
		UploadedBy: caller.Name, UploadedAt: time.Now()}
	p, created, err := h.deps.Photos.PutPhoto(ctx, p, up.data, thumb)
	if err != nil {
		fail(c, err)
		return
	}
	h.answerPosition(c) // a photo records no event to wake readers for
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/v1/attachments/"+p.Checksum)
	}
	c.JSON(status, viewOfPhoto(p))
}

// photoUpload is a photo as a request carried it.
type photoUpload struct {
	data     []byte
	declared string // the media type the client gave
	field    string // what errors name: "body", or "file" in a form
}

// readPhoto reads the photo of a request: the body itself (Content-Type
// image/jpeg, image/png or image/webp) or the part named file of a
// multipart form, at most photo.MaxBytes.
func readPhoto(c *gin.Context) (photoUpload, error) {
	ct := c.GetHeader("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && mt == "multipart/form-data":
		return readPhotoPart(c)
	case err == nil && strings.HasPrefix(mt, "image/"):
		data, err := readPhotoBytes(c.Request.Body, "body")
		return photoUpload{data: data, declared: ct, field: "body"}, err
	}
	return photoUpload{}, geo.Errorf(geo.EUNSUPPORTED, "Content-Type",
		"send the photo as the body with Content-Type image/jpeg, image/png or image/webp, or as the field file of a multipart/form-data form (got %q)", clip(ct))
}

// readPhotoPart finds the part named file of a multipart form.
func readPhotoPart(c *gin.Context) (photoUpload, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return photoUpload{}, geo.Invalid("body", "cannot read the multipart form: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return photoUpload{}, geo.Invalid("file", "the form has no field named file")
		}
		if err != nil {
			return photoUpload{}, readError(err, "body")
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := readPhotoBytes(part, "file")
		return photoUpload{data: data, declared: part.Header.Get("Content-Type"), field: "file"}, err
	}
}

// readPhotoBytes reads at most photo.MaxBytes.
func readPhotoBytes(r io.Reader, field string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, photo.MaxBytes+1))
	switch {
	case err != nil:
		return nil, readError(err, field)
	case len(b) > photo.MaxBytes:
		return nil, geo.Errorf(geo.ETOOLARGE, field, "a photo may have at most %d MiB; resize it before upload", photo.MaxBytes>>20)
	case len(b) == 0:
		return nil, geo.Invalid(field, "the photo is empty")
	}
	return b, nil
}

// readError classifies a failure to read the request body.
func readError(err error, field string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return geo.Errorf(geo.ETOOLARGE, field, "request body exceeds %d bytes", tooBig.Limit)
	}
	return geo.Invalid(field, "cannot read the upload: %v", err)
}
