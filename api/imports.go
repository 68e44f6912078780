package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/gridmap-dev/gridmap/access"
	"github.com/gridmap-dev/gridmap/geo"
)

// MaxImportBytes bounds an upload to POST /v1/imports (every other body is
// bounded by MaxBodyBytes): a province's grids, zipped, fit.
const MaxImportBytes = 1 << 30

// maxImportFiles bounds the parts of one upload (a shapefile has five).
const maxImportFiles = 10

// maxUploadName bounds an uploaded file's name: what file systems take.
const maxUploadName = 255

// maxImportFields bounds the form fields of one upload (the options are a dozen).
const maxImportFields = 32

// importExts are the file types an upload may hold.
var importExts = map[string]bool{
	".geojson": true, ".json": true, ".zip": true, ".gpkg": true,
	".shp": true, ".shx": true, ".dbf": true, ".prj": true, ".cpg": true,
}

func (h *handlers) importRoutes(v1 *gin.RouterGroup) {
	v1.POST("/imports", permit(access.PermEditBoundaries), h.startImport)
	v1.GET("/imports/:id", h.getImport)
	v1.GET("/audit", h.boundaryRead("unit", "min_area", "min_width"), h.getAudit)
}

// bodyLimit caps request bodies: MaxImportBytes for uploads, MaxBodyBytes
// for everything else.
func bodyLimit() gin.HandlerFunc {
	small, big := limitBody(MaxBodyBytes), limitBody(MaxImportBytes)
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodPost && c.FullPath() == "/v1/imports" {
			big(c)
			return
		}
		small(c)
	}
}

// startImport receives a multipart upload — the file(s) in parts named
// "file", the options in form fields — and queues the import. It answers
// 202 with the job; poll GET /v1/imports/{id}. A full queue is refused
// before the body is read.
func (h *handlers) startImport(c *gin.Context) {
	if h.deps.Imports == nil {
		fail(c, geo.Errorf(geo.EUNAVAILABLE, "", "imports are not enabled on this server"))
		return
	}
	caller, _ := callerOf(c)
	area, err := h.deps.Imports.Receive(c.Request.Context(), caller.Name)
	if err != nil {
		if geo.ErrorCodeOf(err) == geo.ERATELIMITED {
			c.Header("Retry-After", "10")
		}
		fail(c, err)
		return
	}
	defer area.Discard() // nothing once started
	// Read under floorRates: an upload trickling in loses its place.
	form, err := receiveUpload(c, area)
	var opts geo.ImportOptions
	if err == nil {
		opts, err = importOptions(form)
	}
	var job geo.ImportJob
	if err == nil {
		opts.Actor, opts.Within, opts.TokenID = caller.Name, caller.Scope, caller.TokenID
		job, err = area.Start(c.Request.Context(), opts)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/v1/imports/%d", job.ID))
	c.JSON(http.StatusAccepted, job)
}

// receiveUpload streams the file parts into the area (never into memory)
// and collects the other fields.
func receiveUpload(c *gin.Context, area geo.UploadArea) (map[string]string, error) {
	form := map[string]string{}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, geo.Invalid("body", "send the file as multipart/form-data in a part named \"file\"")
	}
	seen := map[string]bool{}
	fields := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		// The command's flags are hyphenated (--dry-run): either spelling.
		if name := strings.ReplaceAll(part.FormName(), "-", "_"); name != "file" {
			if fields++; fields > maxImportFields {
				return nil, geo.Invalid("body", "at most %d form fields per import", maxImportFields)
			}
			v, err := readField(part, name, form)
			if err != nil {
				return nil, err
			}
			form[name] = v
			continue
		}
		if err := saveFilePart(part, area, seen); err != nil {
			return nil, err
		}
	}
	if len(seen) == 0 {
		return nil, geo.Invalid("file", "no file uploaded: send it in a multipart part named \"file\"")
	}
	return form, nil
}

// maxFieldBytes is the longest value an import's option field may have.
const maxFieldBytes = 1024

// readField reads an option field's value. A field given twice is refused
// (which would win? -F dry_run=true -F dry_run=false would import), and
// so is a value past maxFieldBytes, rather than cut.
func readField(part *multipart.Part, name string, form map[string]string) (string, error) {
	if _, twice := form[name]; twice {
		return "", geo.Invalid(clip(name), "%s is given twice; give each option once", clip(name))
	}
	v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	switch {
	case err != nil:
		return "", uploadError(err)
	case len(v) > maxFieldBytes:
		return "", geo.Invalid(clip(name), "%s is longer than %d bytes", clip(name), maxFieldBytes)
	}
	return strings.TrimSpace(string(v)), nil
}

func saveFilePart(part *multipart.Part, area geo.UploadArea, seen map[string]bool) error {
	name := filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(seen) >= maxImportFiles:
		return geo.Invalid("file", "at most %d files per import", maxImportFiles)
	case len(name) > maxUploadName || !cleanText(name) || strings.ContainsFunc(name, unicode.IsControl):
		return geo.Invalid("file", "a file name must be valid UTF-8 of at most %d bytes without control characters", maxUploadName)
	case name == "." || name == "/" || strings.HasPrefix(name, ".") || !importExts[ext]:
		return geo.Invalid("file", "%q is not a .geojson, .zip, .gpkg or shapefile part (.shp .shx .dbf .prj .cpg), nor a file GDAL reads (.kml .kmz .tab .mif .dxf .csv .fgb .gml and their parts; zip a .gdb folder)", clip(name))
	case seen[strings.ToLower(name)]:
		return geo.Invalid("file", "%q is uploaded twice", clip(name))
	}
	seen[strings.ToLower(name)] = true
	err := area.Save(name, clientReader{part})
	var read clientReadError
	switch {
	case errors.As(err, &read):
		return uploadError(read.err)
	case err != nil:
		return err // the upload space's answer, or a server fault (logged, not shown)
	}
	return nil
}

// clientReader marks the errors of reading the request, so that they are
// told from the server's own (writing to disk) when saving a part fails.
type clientReader struct{ r io.Reader }

func (c clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = clientReadError{err}
	}
	return n, err
}

type clientReadError struct{ err error }

func (e clientReadError) Error() string { return e.err.Error() }
func (e clientReadError) Unwrap() error { return e.err }

// uploadError classifies a failure while reading the body.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return geo.Errorf(geo.ETOOLARGE, "file", "the upload exceeds %d bytes", int64(MaxImportBytes))
	}
	if said := (*geo.Error)(nil); errors.As(err, &said) {
		return err // a reason given already (rateFloor)
	}
	return geo.Invalid("body", "the multipart upload is malformed or was cut off: %v", err)
}

// importFields are the form fields an import takes besides its file.
var importFields = []string{"level", "srs", "encoding", "layer", "scope", "code_field", "name_field", "parent_field",
	"level_field", "props", "managing_field", "status_field", "reason_field", "dry_run", "retire_missing", "strict",
	"min_area", "min_width"}

// importOptions reads the form fields, named like the command's flags
// (dry_run or dry-run). An unknown one is refused: a misspelt dry_run must
// not commit an import.
func importOptions(form map[string]string) (geo.ImportOptions, error) {
	for key := range form {
		if key == "" {
			return geo.ImportOptions{}, geo.Invalid("body", "a part of the upload has no name; every part needs Content-Disposition: form-data; name=...")
		}
		if !slices.Contains(importFields, key) {
			return geo.ImportOptions{}, geo.Invalid(key, "unknown option %q; the options are %s", clip(key), strings.Join(importFields, ", "))
		}
	}
	o := geo.ImportOptions{
		Level: geo.Level(form["level"]), SRS: form["srs"], Encoding: form["encoding"], Layer: form["layer"],
		Scope: form["scope"],
		Fields: geo.FieldMap{Code: form["code_field"], Name: form["name_field"], Parent: form["parent_field"],
			Level: form["level_field"], Props: splitFields(form["props"]),
			Managing: form["managing_field"], Status: form["status_field"], Reason: form["reason_field"]},
		Tolerance: geo.DefaultTolerance,
	}
	var err error
	bools := []struct {
		key string
		dst *bool
	}{{"dry_run", &o.DryRun}, {"retire_missing", &o.RetireMissing}, {"strict", &o.Strict}}
	for _, b := range bools {
		if v := form[b.key]; v != "" {
			if *b.dst, err = strconv.ParseBool(v); err != nil {
				return o, geo.Invalid(b.key, "%q is not true or false", clip(v))
			}
		}
	}
	if o.Tolerance, err = toleranceParams(form["min_area"], form["min_width"]); err != nil {
		return o, err
	}
	return o, nil
}

func splitFields(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// toleranceParams reads min_area (m²) and min_width (m); empty means the default.
func toleranceParams(area, width string) (geo.Tolerance, error) {
	t := geo.DefaultTolerance
	for _, p := range []struct {
		name, val string
		dst       *float64
	}{{"min_area", area, &t.AreaM2}, {"min_width", width, &t.WidthM}} {
		if p.val == "" {
			continue
		}
		v, err := strconv.ParseFloat(p.val, 64)
		if err != nil {
			return t, geo.Invalid(p.name, "%q is not a number", clip(p.val))
		}
		*p.dst = v
	}
	return t, t.Validate()
}

// getImport answers GET /v1/imports/{id} to a caller with a token: a job's
// report names its author and its data's faults, work in progress of the
// GIS staff, never public.
func (h *handlers) getImport(c *gin.Context) {
	if err := authorize(c, access.PermRead, ""); err != nil {
		fail(c, err)
		return
	}
	if h.deps.Imports == nil {
		fail(c, geo.Errorf(geo.ENOTFOUND, "id", "imports are not enabled on this server"))
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		fail(c, geo.Invalid("id", "%q is not an import job id", clip(c.Param("id"))))
		return
	}
	job, err := h.deps.Imports.Job(c.Request.Context(), id)
	if err == nil {
		err = jobInScope(c, &job)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, job)
}

// jobInScope refuses a scoped caller a job that could touch units outside
// its scope: its report names them, and its actor is a person. What a job
// may touch is its uploader's scope (Within): the scope option limits only
// what retire_missing retires, so an unscoped uploader's file may touch
// any district whatever that option says.
func jobInScope(c *gin.Context, job *geo.ImportJob) error {
	p, _ := callerOf(c)
	if p.Covers(job.Options.Within) {
		return nil
	}
	return geo.Errorf(geo.EFORBIDDEN, "id", "import %d is outside this token's scope %s", job.ID, p.Scope)
}
