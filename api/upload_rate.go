package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gridmap-dev/gridmap/geo"
)

// An upload holds a place in the import queue from before its body is read,
// so a client trickling a byte now and then could hold every place. After a
// grace period the body must keep arriving at minUploadRate on average
// (about 18 hours for the largest upload) or the read times out, the upload
// is refused and its place freed.
var (
	slowUploadGrace = 30 * time.Second // a variable: tests shorten it
	minUploadRate   = int64(16 << 10)  // bytes per second
)

// rateFloor reads a request body under a read deadline that moves forward
// as the bytes arrive: start + grace + bytes read / minUploadRate.
type rateFloor struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	read  int64
}

// floorRate wraps the request's body; done lifts the deadline once the body
// has been read.
func floorRate(w http.ResponseWriter, r *http.Request) (done func()) {
	f := &rateFloor{body: r.Body, rc: http.NewResponseController(w), start: time.Now()}
	r.Body = f
	return func() { _ = f.rc.SetReadDeadline(time.Time{}) }
}

func (f *rateFloor) Read(p []byte) (int, error) {
	due := f.start.Add(slowUploadGrace + time.Duration(f.read*int64(time.Second)/minUploadRate))
	// A connection that cannot take deadlines (not net/http's own) is read
	// without one.
	_ = f.rc.SetReadDeadline(due)
	n, err := f.body.Read(p)
	f.read += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = geo.Invalid("body", "the upload arrived slower than %d KiB/s after its first %s; send it over a faster link",
			minUploadRate>>10, slowUploadGrace)
	}
	return n, err
}

func (f *rateFloor) Close() error { return f.body.Close() }
