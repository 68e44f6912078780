package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
	"github.com/gridmap-dev/gridmap/photo"
)

// getAttachment answers GET /v1/attachments/{checksum}[?size=thumb]: the
// bytes exactly as uploaded (or the thumbnail, a JPEG), with a strong ETag
// (the checksum: the bytes can never change), byte ranges (Range, If-Range)
// and 304 for If-None-Match, all by http.ServeContent.
func (h *handlers) getAttachment(c *gin.Context) {
	sum, err := casework.ParseChecksum("checksum", c.Param("checksum"))
	if err != nil {
		fail(c, err)
		return
	}
	v, err := photoVariant(c.Query("size"))
	if err != nil {
		fail(c, err)
		return
	}
	p, err := h.readablePhoto(c, sum)
	if err != nil {
		fail(c, err)
		return
	}
	r, err := h.deps.Photos.OpenPhoto(c.Request.Context(), p, v)
	if err != nil {
		fail(c, err)
		return
	}
	defer r.Close()
	hd := c.Writer.Header()
	hd.Set("Content-Type", p.Type)
	hd.Set("ETag", `"`+strings.TrimPrefix(p.Checksum, "sha256:")+`"`)
	if v == casework.PhotoThumb {
		hd.Set("Content-Type", photo.JPEG)
		hd.Set("ETag", `"`+strings.TrimPrefix(p.Checksum, "sha256:")+`-thumb"`)
	}
	// Content-addressed, so never stale; private, as no shared cache may
	// keep evidence that needs a token.
	hd.Set("Cache-Control", "private, max-age=31536000, immutable")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// No Last-Modified: the time the photo was first stored would tell a
	// later uploader of the same bytes that it was on file before them. The
	// ETag (the checksum) validates as well.
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, r)
}

func photoVariant(s string) (casework.PhotoVariant, error) {
	switch s {
	case "", "original":
		return casework.PhotoOriginal, nil
	case "thumb":
		return casework.PhotoThumb, nil
	}
	return "", geo.Invalid("size", "unknown size %q; want thumb (longest side %d px) or original", clip(s), photo.ThumbSide)
}

// readablePhoto returns the stored photo sum when the caller may see it:
// an admin, or a token for which some report using the photo is in scope
// (its units, its handler, its reporter; see reportVisible). Anyone else
// gets 403 whether or not the photo exists, so that a token cannot probe
// for photos it may not see.
func (h *handlers) readablePhoto(c *gin.Context, sum string) (casework.Photo, error) {
	caller, ok := callerOf(c)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="gridmap"`)
		return casework.Photo{}, geo.Errorf(geo.EUNAUTHORIZED, "Authorization", "photos are never public: this request needs a bearer token (Authorization: Bearer …)")
	}
	ctx := c.Request.Context()
	allowed := caller.Role == access.RoleAdmin
	if !allowed {
		var err error
		if allowed, err = h.seesPhotoUse(ctx, caller, sum); err != nil {
			return casework.Photo{}, err
		}
	}
	if !allowed {
		c.Header("WWW-Authenticate", `Bearer realm="gridmap", error="insufficient_scope"`)
		return casework.Photo{}, geo.Errorf(geo.EFORBIDDEN, "checksum", "no report within this token's scope uses photo %s", sum)
	}
	photos, err := h.deps.Photos.Photos(ctx, []string{sum})
	if err != nil {
		return casework.Photo{}, err
	}
	p, ok := photos[sum]
	if !ok {
		return casework.Photo{}, geo.Errorf(geo.ENOTFOUND, "checksum", "no photo %s is stored", sum)
	}
	return p, nil
}

// seesPhotoUse says whether some report using the photo is visible to the
// caller.
func (h *handlers) seesPhotoUse(ctx context.Context, caller access.Principal, sum string) (bool, error) {
	uses, err := h.deps.Photos.PhotoUses(ctx, sum)
	if err != nil {
		return false, err
	}
	for _, u := range uses {
		if reportVisible(caller, u.UnitCode, u.AssignedCode, u.Reporter) {
			return true, nil
		}
	}
	return false, nil
}

// seesPhotosOf says whether the caller may read a report's photos: the
// rule of readablePhoto, for a report at hand.
func seesPhotosOf(caller access.Principal, signedIn bool, r *casework.Report) bool {
	return signedIn && (caller.Role == access.RoleAdmin || reportVisible(caller, r.UnitCode, r.AssignedCode, r.Reporter))
}

// reportVisible says whether a caller may see a report: it belongs to the
// units of its responsible chain (unit), to whoever handles it (assigned)
// and to its reporter.
func reportVisible(p access.Principal, unit, assigned, reporter string) bool {
	return p.Covers(unit) || p.Covers(assigned) || reporter == p.Name
}
