package s3

import "github.com/gridmap-dev/gridmap/casework"

// NewForTest is a Store on endpoint that does not check its bucket: a
// store whose server has gone away.
func NewForTest(endpoint, bucket string, meta casework.PhotoStore) *Store {
	client, err := Config{Endpoint: endpoint, Bucket: bucket}.client()
	if err != nil {
		panic(err)
	}
	return &Store{client: client, bucket: bucket, meta: meta}
}
