package importer

import (
	"path/filepath"
	"testing"
)

func TestUnzipBound(t *testing.T) {
	cases := []struct {
		name     string
		zipBytes int64
		want     int64
	}{
		{"a small zip may fill the free bytes", 1 << 10, zipFreeBytes},
		{"a large one a hundred times its size", 10 << 20, maxZipRatio * (10 << 20)},
		{"never past the bound of all unpacking", 1 << 30, maxUnzipBytes},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unzipBound(c.zipBytes); got != c.want {
				t.Errorf("unzipBound(%d) = %d, want %d", c.zipBytes, got, c.want)
			}
		})
	}
}

// TestRealZipsPassTheRatio unpacks a real zipped shapefile past the free
// bytes: only the ratio bounds it, and a boundary file is far within it.
func TestRealZipsPassTheRatio(t *testing.T) {
	old := zipFreeBytes
	zipFreeBytes = 1 << 10
	t.Cleanup(func() { zipFreeBytes = old })
	shp := districtShapefile(t)
	zipped := filepath.Join(t.TempDir(), "d.zip")
	var parts []string
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} {
		parts = append(parts, sibling(shp, ext))
	}
	zipFiles(t, zipped, parts...)
	names, err := unzip(zipped, t.TempDir(), nil)
	if err != nil || len(names) != 4 {
		t.Fatalf("unzip: %v %v", names, err)
	}
}
