package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo"
)

var _ casework.PhotoStore = (*DB)(nil)

// Photos (migration 010): the description of every photo in photo, the
// bytes of those kept here in photo_blob. DB is the default PhotoStore and
// the description store of the S3 one (package s3).

const photoColumns = `checksum, media_type, size, width, height, orientation, thumb_size, backend, uploaded_by, uploaded_at`

const insertPhotoSQL = `
INSERT INTO photo (` + photoColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (checksum) DO NOTHING`

const insertPhotoBlobSQL = `
INSERT INTO photo_blob (checksum, variant, data)
VALUES ($1, 'original', $2), ($1, 'thumb', $3)`

const insertUploadSQL = `
INSERT INTO photo_upload (checksum, uploaded_by, uploaded_at)
VALUES ($1, $2, $3)
ON CONFLICT (uploaded_by, checksum) DO NOTHING`

// PutPhoto stores p unless its checksum is stored already, and records
// p.UploadedBy as one who uploaded it (migration 016), in one transaction.
// For p.Backend "postgres" the bytes are written here with the
// description; for "s3" the caller has put them in the object store before
// and original and thumb are nil. Bytes are needed only to store the
// photo: recording one more uploader of a stored photo takes none. A
// concurrent upload of the same bytes waits for the first (ON CONFLICT)
// and then finds it stored. created says whether p.UploadedBy's upload is
// new; the photo returned is theirs (Uploads).
func (db *DB) PutPhoto(ctx context.Context, p casework.Photo, original, thumb []byte) (casework.Photo, bool, error) {
	p.UploadedAt = p.UploadedAt.UTC().Truncate(time.Microsecond)
	created := false
	err := db.writeConn(ctx, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return db.insertPhoto(ctx, tx, p, original, thumb, &created) })
	})
	if err != nil {
		return casework.Photo{}, false, fmt.Errorf("store photo %s: %w", p.Checksum, translate(err))
	}
	mine, err := db.Uploads(ctx, p.UploadedBy, []string{p.Checksum})
	if err != nil {
		return casework.Photo{}, false, err
	}
	if s, ok := mine[p.Checksum]; ok {
		return s, created, nil
	}
	return casework.Photo{}, false, fmt.Errorf("photo %s neither stored nor found", p.Checksum) // photos are never deleted
}

// insertPhoto is PutPhoto's transaction: the photo (its bytes too when it
// is new) and the caller's upload of it, created saying whether that is new.
func (db *DB) insertPhoto(ctx context.Context, tx pgx.Tx, p casework.Photo, original, thumb []byte, created *bool) error {
	tag, err := tx.Exec(ctx, insertPhotoSQL, p.Checksum, p.Type, p.Size, p.Width, p.Height, p.Orientation,
		p.ThumbSize, p.Backend, p.UploadedBy, p.UploadedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		if err := db.putBlobs(ctx, tx, p, original, thumb); err != nil {
			return err
		}
	}
	if tag, err = tx.Exec(ctx, insertUploadSQL, p.Checksum, p.UploadedBy, p.UploadedAt); err != nil {
		return err
	}
	*created = tag.RowsAffected() == 1
	return nil
}

// putBlobs writes the bytes of a photo just described, when it is kept here.
func (db *DB) putBlobs(ctx context.Context, tx pgx.Tx, p casework.Photo, original, thumb []byte) error {
	if (p.Backend == casework.BackendPostgres) != (original != nil) {
		return fmt.Errorf("bytes given for backend %q: %t", p.Backend, original != nil)
	}
	if original == nil {
		return nil
	}
	_, err := tx.Exec(ctx, insertPhotoBlobSQL, p.Checksum, original, thumb)
	return err
}

// Photos returns the stored photos among checksums, each as its first
// uploader stored it.
func (db *DB) Photos(ctx context.Context, checksums []string) (map[string]casework.Photo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+photoColumns+` FROM photo WHERE checksum = ANY($1)`, checksums)
	return collectPhotos(rows, err)
}

// Uploads returns the stored photos among checksums that uploader sent,
// each with the uploader and the time of their first upload.
func (db *DB) Uploads(ctx context.Context, uploader string, checksums []string) (map[string]casework.Photo, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT p.checksum, p.media_type, p.size, p.width, p.height, p.orientation, p.thumb_size, p.backend,
       u.uploaded_by, u.uploaded_at
  FROM photo_upload u JOIN photo p ON p.checksum = u.checksum
 WHERE u.uploaded_by = $1 AND u.checksum = ANY($2)`, uploader, checksums)
	return collectPhotos(rows, err)
}

// collectPhotos reads rows of photoColumns into a map by checksum.
func collectPhotos(rows pgx.Rows, err error) (map[string]casework.Photo, error) {
	if err != nil {
		return nil, fmt.Errorf("read photos: %w", translate(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (casework.Photo, error) {
		var p casework.Photo
		err := row.Scan(&p.Checksum, &p.Type, &p.Size, &p.Width, &p.Height, &p.Orientation, &p.ThumbSize,
			&p.Backend, &p.UploadedBy, &p.UploadedAt)
		p.UploadedAt = p.UploadedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("read photos: %w", translate(err))
	}
	out := make(map[string]casework.Photo, len(list))
	for _, p := range list {
		out[p.Checksum] = p
	}
	return out, nil
}

// PhotoUses lists the reports using a photo (at most 1,000: enough to
// decide who may see it).
func (db *DB) PhotoUses(ctx context.Context, checksum string) ([]casework.PhotoUse, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT DISTINCT r.id::text, r.unit_code, r.assigned_code, r.reporter
  FROM report_attachment a JOIN report r ON r.id = a.report_id
 WHERE a.checksum = $1
 LIMIT 1000`, checksum)
	if err != nil {
		return nil, fmt.Errorf("read uses of photo %s: %w", checksum, translate(err))
	}
	uses, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (casework.PhotoUse, error) {
		var u casework.PhotoUse
		err := row.Scan(&u.ReportID, &u.UnitCode, &u.AssignedCode, &u.Reporter)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("read uses of photo %s: %w", checksum, translate(err))
	}
	return uses, nil
}

// OpenPhoto returns a reader of a variant of a photo kept here.
func (db *DB) OpenPhoto(ctx context.Context, p casework.Photo, v casework.PhotoVariant) (casework.PhotoReader, error) {
	if p.Backend != casework.BackendPostgres {
		return nil, geo.Errorf(geo.EUNAVAILABLE, "checksum", "photo %s is kept in the %s object store, which this server is not configured for (--blob-url)", p.Checksum, p.Backend)
	}
	// The length of an uncompressed out-of-line value is read from its
	// TOAST pointer, without its bytes: this checks the row is there and
	// sizes the reader by what is stored, not by the description.
	var size int64
	err := db.Pool.QueryRow(ctx, `SELECT octet_length(data) FROM photo_blob WHERE checksum = $1 AND variant = $2`,
		p.Checksum, string(v)).Scan(&size)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.Errorf(geo.ENOTFOUND, "checksum", "the bytes of photo %s are missing", p.Checksum)
	}
	if err != nil {
		return nil, fmt.Errorf("open photo %s: %w", p.Checksum, translate(err))
	}
	return &blobReader{ctx: ctx, db: db, checksum: p.Checksum, variant: string(v), size: size}, nil
}

// blobChunk is how much of a photo one query reads: a range request reads
// only the chunks it covers, and memory per reader stays small.
const blobChunk = 1 << 20

// blobReader reads a photo_blob row a chunk at a time with substring(),
// which on an uncompressed out-of-line value reads only the TOAST chunks
// the range touches.
type blobReader struct {
	ctx      context.Context
	db       *DB
	checksum string
	variant  string
	size     int64
	off      int64
	buf      []byte // the chunk starting at bufOff
	bufOff   int64
}

// Read implements io.Reader, a chunk's query at a time.
func (r *blobReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.off < r.bufOff || r.off >= r.bufOff+int64(len(r.buf)) {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.off-r.bufOff:])
	r.off += int64(n)
	return n, nil
}

// fill reads the chunk at the current offset.
func (r *blobReader) fill() error {
	var chunk []byte
	err := r.db.Pool.QueryRow(r.ctx, `SELECT substring(data FROM $3 FOR $4) FROM photo_blob WHERE checksum = $1 AND variant = $2`,
		r.checksum, r.variant, r.off+1, blobChunk).Scan(&chunk)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return geo.Errorf(geo.ENOTFOUND, "checksum", "the bytes of photo %s are missing", r.checksum)
	case err != nil:
		return fmt.Errorf("read photo %s: %w", r.checksum, translate(err))
	case len(chunk) == 0:
		return io.ErrUnexpectedEOF
	}
	r.buf, r.bufOff = chunk, r.off
	return nil
}

// Seek implements io.Seeker; it reads nothing until the next Read.
func (r *blobReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	}
	if offset < 0 {
		return r.off, errors.New("seek before the start of the photo")
	}
	r.off = offset
	return offset, nil
}

// Close implements io.Closer: a reader holds no connection between reads.
func (r *blobReader) Close() error { return nil }
