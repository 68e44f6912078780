package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

// A report, and a workflow step, lists its photos by checksum:
// "attachments": ["sha256:…", …]. An object with a checksum member (and
// optionally a name) is read the same way, so that clients written for the
// earlier, metadata-only attachments keep working; what else they say
// about the file is ignored — the store says what the bytes are.

// decodeAttachmentRefs reads the attachments member of a request. field
// names it in errors ("attachments", "reports[3].attachments").
func decodeAttachmentRefs(raws []json.RawMessage, field string) ([]casework.Attachment, error) {
	if len(raws) > casework.MaxAttachments {
		return nil, geo.Invalid(field, "%d attachments exceed the limit of %d", len(raws), casework.MaxAttachments)
	}
	var out []casework.Attachment
	for i, raw := range raws {
		f := field + "[" + strconv.Itoa(i) + "]"
		var ref struct {
			Checksum string `json:"checksum"`
			Name     string `json:"name"`
		}
		raw = bytes.TrimSpace(raw)
		var err error
		if len(raw) > 0 && raw[0] == '"' {
			err = json.Unmarshal(raw, &ref.Checksum)
		} else {
			err = json.Unmarshal(raw, &ref)
		}
		if err != nil {
			return nil, geo.Invalid(f, `want a photo's checksum ("sha256:…", as POST /v1/attachments answered it)`)
		}
		sum, err := casework.ParseChecksum(f, ref.Checksum)
		if err != nil {
			return nil, err
		}
		out = append(out, casework.Attachment{Checksum: sum, Name: ref.Name})
	}
	return out, nil
}

// photoIndex looks up, in one query, the stored photos that lists name.
func (h *handlers) photoIndex(ctx context.Context, lists ...[]casework.Attachment) (map[string]casework.Photo, error) {
	var sums []string
	for _, l := range lists {
		for _, a := range l {
			sums = append(sums, a.Checksum)
		}
	}
	if len(sums) == 0 {
		return nil, nil
	}
	if h.deps.Photos == nil {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "attachments", "this service has no photo storage configured")
	}
	return h.deps.Photos.Photos(ctx, sums)
}

// fillAttachments completes a list from the stored photos: a checksum that
// is not stored, or one the caller may not attach (mayAttach), is 400,
// naming the entry.
func (h *handlers) fillAttachments(c *gin.Context, as []casework.Attachment, stored map[string]casework.Photo, field string) error {
	denied, err := h.lookUpAttachments(c, as, stored, field)
	if err != nil {
		return err
	}
	return denied
}

// lookUpAttachments is fillAttachments that reports a photo the caller
// cannot attach apart (denied, the first in the list) rather than as a
// failure, for a workflow step whose store decides (stepPhotos). A photo
// the caller may not attach is refused as one that is not stored: in the
// same words, for the same entry, at the same point of the request. A
// token must not learn which pictures are on file by attaching their
// checksums; whoever holds the picture itself uploads it and may then.
func (h *handlers) lookUpAttachments(c *gin.Context, as []casework.Attachment, stored map[string]casework.Photo, field string) (denied, err error) {
	mine, err := h.uploadsOf(c, as)
	if err != nil {
		return nil, err
	}
	for i, a := range as {
		p, may := stored[a.Checksum]
		if may {
			if may, err = h.mayAttach(c, p, mine); err != nil {
				return nil, err
			}
		}
		if !may {
			denied = cmp.Or(denied, photoNotStored(field+"["+strconv.Itoa(i)+"]", a.Checksum))
			continue
		}
		as[i] = p.Attachment(a.Name)
	}
	return denied, nil
}

// photoNotStored is the refusal of an attachment the caller cannot use.
func photoNotStored(field, sum string) error {
	return geo.Invalid(field, "photo %s is not stored; upload it first with POST /v1/attachments", sum)
}

// uploadsOf returns which of the photos as lists the caller uploaded
// (nil for an admin, who may attach any).
func (h *handlers) uploadsOf(c *gin.Context, as []casework.Attachment) (map[string]casework.Photo, error) {
	caller, _ := callerOf(c)
	if caller.Role == access.RoleAdmin || len(as) == 0 {
		return nil, nil
	}
	sums := make([]string, len(as))
	for i, a := range as {
		sums[i] = a.Checksum
	}
	return h.deps.Photos.Uploads(c.Request.Context(), caller.Name, sums)
}

// mayAttach reports whether the caller may attach p: an admin any photo,
// others one they uploaded (mine) or may already see (a report in their
// scope uses it). Without this, a checksum read off a report listing,
// attached to a report of the caller's own, would make the photo readable
// to it.
func (h *handlers) mayAttach(c *gin.Context, p casework.Photo, mine map[string]casework.Photo) (bool, error) {
	caller, _ := callerOf(c)
	if _, ok := mine[p.Checksum]; ok || caller.Role == access.RoleAdmin {
		return true, nil
	}
	return h.seesPhotoUse(c.Request.Context(), caller, p.Checksum)
}

// stepPhotos reads and looks up the photos of a workflow step. A photo the
// caller cannot attach (not stored, or not theirs to attach) is not refused
// here but returned as denied, for the store to raise unless the step
// replays the caller's own recorded one (whose photos were checked when it
// was recorded): see stepAuthority. Refused here, a photo not stored would
// answer before the store checks the action and finds the report, and a
// step on a report that does not exist would tell the two apart.
func (h *handlers) stepPhotos(c *gin.Context, q *casework.TransitionRequest, raws []json.RawMessage) (denied, err error) {
	as, err := decodeAttachmentRefs(raws, "attachments")
	if err != nil || len(as) == 0 {
		return nil, err
	}
	photos, err := h.photoIndex(c.Request.Context(), as)
	if err != nil {
		return nil, err
	}
	if denied, err = h.lookUpAttachments(c, as, photos, "attachments"); err != nil {
		return nil, err
	}
	q.Attachments = as
	return denied, nil
}
