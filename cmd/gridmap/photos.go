package main

import (
	"context"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/geo/postgres"
	"github.com/gridmap-dev/gridmap/s3"
)

// openPhotos returns the photo store serve runs with: PostgreSQL (the
// default: every node shares it, nothing to set up), or the S3-compatible
// bucket blobURL names, with the descriptions still in PostgreSQL.
func openPhotos(ctx context.Context, blobURL string, db *postgres.DB) (casework.PhotoStore, error) {
	if blobURL == "" {
		return db, nil
	}
	return s3.Open(ctx, blobURL, db)
}
