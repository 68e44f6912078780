// Package phototest holds what every casework.PhotoStore must do, as one
// test that each implementation runs against its real backend
// (PostgreSQL, an S3-compatible server), and the photos tests upload.
package phototest

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gridmap-dev/gridmap/casework"
	"github.com/gridmap-dev/gridmap/photo"
)

// JPEG returns a w×h JPEG whose colours depend on seed, so that different
// seeds give different bytes.
func JPEG(tb testing.TB, w, h int, seed uint8) []byte {
	tb.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[img.YOffset(x, y)] = uint8(x*7+y*3) + seed
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 90+seed, 160
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Solid returns a w×h JPEG of one colour: tiny, whatever its size.
func Solid(tb testing.TB, w, h int, c color.Color) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Prepare checks b as an upload does and returns the photo to store with
// its thumbnail.
func Prepare(tb testing.TB, b []byte, by string) (casework.Photo, []byte) {
	tb.Helper()
	info, thumb, err := photo.Process(b, "", "body")
	if err != nil {
		tb.Fatal(err)
	}
	return casework.Photo{Checksum: casework.ChecksumOf(b), Type: info.Type, Size: int64(len(b)),
		Width: info.Width, Height: info.Height, Orientation: info.Orientation, ThumbSize: int64(len(thumb)),
		Backend: casework.BackendPostgres, UploadedBy: by, UploadedAt: time.Now()}, thumb
}

// Run checks a store: a put is stored once however often and however
// concurrently it is repeated, the bytes come back exactly, ranges are
// read by seeking, the thumbnail is kept beside the original; the same
// bytes put by a second account are stored once and are each one's upload.
func Run(t *testing.T, store casework.PhotoStore, backend string) {
	ctx := context.Background()
	b := JPEG(t, 900, 600, 1)
	p, thumb := Prepare(t, b, "王伟")
	p.Backend = backend

	t.Run("stored once", func(t *testing.T) {
		var wg sync.WaitGroup
		created := make([]bool, 4)
		for i := range created {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, c, err := store.PutPhoto(ctx, p, b, thumb)
				if err != nil {
					t.Error(err)
					return
				}
				created[i] = c
				if got.Checksum != p.Checksum || got.Size != p.Size || got.Width != 900 || got.Backend != backend {
					t.Errorf("stored %+v", got)
				}
			}()
		}
		wg.Wait()
		n := 0
		for _, c := range created {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d of 4 concurrent puts say they created the photo, want 1", n)
		}
	})
	t.Run("described", func(t *testing.T) {
		got, err := store.Photos(ctx, []string{p.Checksum, casework.ChecksumOf([]byte("absent"))})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[p.Checksum].UploadedBy != "王伟" || got[p.Checksum].ThumbSize != int64(len(thumb)) {
			t.Errorf("Photos = %+v", got)
		}
	})
	t.Run("uploaded again by another account", func(t *testing.T) {
		checkSecondUploader(t, store, p, b, thumb)
	})
	t.Run("bytes as uploaded", func(t *testing.T) {
		checkRead(t, store, p, casework.PhotoOriginal, b)
		checkRead(t, store, p, casework.PhotoThumb, thumb)
	})
	t.Run("ranges", func(t *testing.T) {
		checkRanges(t, store, p, b)
	})
	t.Run("unused", func(t *testing.T) {
		uses, err := store.PhotoUses(ctx, p.Checksum)
		if err != nil || len(uses) != 0 {
			t.Errorf("PhotoUses = %v, %v; want none", uses, err)
		}
	})
}

func checkRead(t *testing.T, store casework.PhotoStore, p casework.Photo, v casework.PhotoVariant, want []byte) {
	t.Helper()
	r, err := store.OpenPhoto(context.Background(), p, v)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: read %d bytes that differ from the %d stored", v, len(got), len(want))
	}
}

func checkRanges(t *testing.T, store casework.PhotoStore, p casework.Photo, b []byte) {
	r, err := store.OpenPhoto(context.Background(), p, casework.PhotoOriginal)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, rg := range [][2]int64{{0, 10}, {int64(len(b)) - 7, 7}, {1000, 5000}, {3, 1}} {
		if _, err := r.Seek(rg[0], io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, rg[1])
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("range %v: %v", rg, err)
		}
		if !bytes.Equal(got, b[rg[0]:rg[0]+rg[1]]) {
			t.Errorf("range %v differs", rg)
		}
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil || end != int64(len(b)) {
		t.Errorf("Seek(0, SeekEnd) = %d, %v; want %d", end, err, len(b))
	}
}

// EXIF is a TIFF structure, as cameras write EXIF, whose IFD0 holds
// orientation o after another tag, in big-endian (cameras) or
// little-endian (phones) byte order.
func EXIF(bigEndian bool, o uint16) []byte {
	var order interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.LittleEndian
	t := []byte("II\x2a\x00")
	if bigEndian {
		order, t = binary.BigEndian, []byte("MM\x00\x2a")
	}
	t = order.AppendUint32(t, 8)
	t = order.AppendUint16(t, 2) // two entries: Make, then the orientation
	t = order.AppendUint16(t, 0x010F)
	t = order.AppendUint16(t, 2)
	t = order.AppendUint32(t, 4)
	t = append(t, 'A', 'B', 'C', 0)
	t = order.AppendUint16(t, 0x0112)
	t = order.AppendUint16(t, 3)
	t = order.AppendUint32(t, 1)
	t = order.AppendUint16(t, o)
	t = append(t, 0, 0)
	return order.AppendUint32(t, 0)
}

// Oriented puts an APP1 Exif segment holding tiff right after a JPEG's
// start of image, where cameras put it.
func Oriented(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(append(out, seg...), payload...)
	return append(out, jpg[2:]...)
}

// checkSecondUploader puts p's bytes as 李娜 after 王伟 stored them: the
// photo stays as it was, and the upload is 李娜's (new once, then not),
// with her own time, beside 王伟's.
func checkSecondUploader(t *testing.T, store casework.PhotoStore, p casework.Photo, b, thumb []byte) {
	ctx := context.Background()
	hers := p
	hers.UploadedBy, hers.UploadedAt = "李娜", p.UploadedAt.Add(time.Hour)
	for i, want := range []bool{true, false} {
		got, created, err := store.PutPhoto(ctx, hers, b, thumb)
		if err != nil || created != want || got.UploadedBy != "李娜" || !got.UploadedAt.Equal(hers.UploadedAt.Truncate(time.Microsecond)) ||
			got.Size != p.Size {
			t.Errorf("put %d by 李娜: %+v created %v, %v; want her upload, created %v", i+1, got, created, err, want)
		}
	}
	for who, want := range map[string]int{"王伟": 1, "李娜": 1, "张强": 0} {
		mine, err := store.Uploads(ctx, who, []string{p.Checksum, casework.ChecksumOf([]byte("absent"))})
		if err != nil || len(mine) != want || want == 1 && mine[p.Checksum].UploadedBy != who {
			t.Errorf("Uploads(%s) = %+v, %v; want %d", who, mine, err, want)
		}
	}
	stored, err := store.Photos(ctx, []string{p.Checksum})
	if err != nil || stored[p.Checksum].UploadedBy != "王伟" {
		t.Errorf("after a second upload the photo is %+v, %v; want 王伟's", stored, err)
	}
}
