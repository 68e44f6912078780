-- photo_upload records every account that sent a photo's bytes, not only
-- the first (photo.uploaded_by). A photo is content-addressed, so two
-- workers may well upload the same picture (one forwarded in a chat
-- group); each is then its uploader, may attach it, and is answered as one
-- who stored it. Before this, the second was told the bytes were stored
-- already (200, not 201) and refused when attaching them (403, not 400):
-- whoever held a picture could learn whether it was on file as evidence.
CREATE TABLE photo_upload (
  checksum     text COLLATE "C" NOT NULL REFERENCES photo (checksum),
  uploaded_by  text        NOT NULL CHECK (uploaded_by <> ''),
  uploaded_at  timestamptz NOT NULL,
  PRIMARY KEY (uploaded_by, checksum)
);

INSERT INTO photo_upload (checksum, uploaded_by, uploaded_at)
SELECT checksum, uploaded_by, uploaded_at FROM photo;
