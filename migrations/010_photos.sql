-- Photos as evidence (casework/photo.go): stored exactly as uploaded, named
-- by the SHA-256 of their bytes, never deleted, never public.
--
-- photo describes every stored photo, wherever its bytes are: here (photo_blob)
-- or in an S3-compatible object store. The description is always here, so a
-- report's attachments are checked and joined in the report's own
-- transaction, on every node, primary or standby.
CREATE TABLE photo (
  checksum     text COLLATE "C" PRIMARY KEY CHECK (checksum ~ '^sha256:[0-9a-f]{64}$'),
  media_type   text        NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
  size         bigint      NOT NULL CHECK (size > 0),
  width        int         NOT NULL CHECK (width > 0),
  height       int         NOT NULL CHECK (height > 0),
  orientation  smallint    NOT NULL CHECK (orientation BETWEEN 1 AND 8),
  thumb_size   int         NOT NULL CHECK (thumb_size > 0),
  backend      text        NOT NULL CHECK (backend IN ('postgres', 's3')),
  uploaded_by  text        NOT NULL CHECK (uploaded_by <> ''),
  uploaded_at  timestamptz NOT NULL
);

-- photo_blob holds the bytes of the photos kept in PostgreSQL (the default):
-- the original and the thumbnail made from it on upload. JPEG, PNG and WebP
-- are compressed already, so TOAST stores them out of line uncompressed
-- (EXTERNAL), which also lets substring() read a byte range without
-- reading the whole photo.
CREATE TABLE photo_blob (
  checksum  text COLLATE "C" NOT NULL REFERENCES photo (checksum),
  variant   text  NOT NULL CHECK (variant IN ('original', 'thumb')),
  data      bytea NOT NULL,
  PRIMARY KEY (checksum, variant)
);
ALTER TABLE photo_blob ALTER COLUMN data SET STORAGE EXTERNAL;

-- report_attachment says which reports use which photos: those a report
-- was filed with (seq 1) and those of its workflow steps (the 处置 photo of a
-- handle, seq of that step). Reading a photo asks who may see a report
-- using it; a photo that is not stored cannot be attached.
CREATE TABLE report_attachment (
  checksum   text COLLATE "C" NOT NULL REFERENCES photo (checksum),
  report_id  uuid NOT NULL REFERENCES report (id),
  seq        int  NOT NULL,
  PRIMARY KEY (checksum, report_id, seq)
);
CREATE INDEX report_attachment_report_idx ON report_attachment (report_id);

-- The photos of a workflow step, as it lists them.
ALTER TABLE report_event ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]'
  CHECK (jsonb_typeof(attachments) = 'array');
