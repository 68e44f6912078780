package importer

import (
	"errors"
	"fmt"

	"github.com/gridmap-dev/gridmap/geo"
)

// Sentinel errors. File-level problems are returned wrapped in a *geo.Error
// with EINVALID (or ETOOLARGE) so the API and the command line show them
// as they are.
var (
	ErrUnknownFormat = errors.New("importer: unknown file format")
	ErrTooLarge      = errors.New("importer: input exceeds a size limit")
)

// fileError returns a client-safe EINVALID error about the file as a whole.
func fileError(format string, args ...any) error {
	return geo.Invalid("file", format, args...)
}

// tooLarge returns a client-safe ETOOLARGE error.
func tooLarge(format string, args ...any) error {
	return &geo.Error{Code: geo.ETOOLARGE, Field: "file", Message: fmt.Sprintf(format, args...), Err: ErrTooLarge}
}

// featureError is a problem with one feature that does not stop reading the
// file: the feature is reported and the next one is read.
type featureError struct {
	Kind geo.IssueKind
	Msg  string
	Attr string // the attribute whose value could not be read, if that is the problem
}

// Error implements error.
func (e *featureError) Error() string { return string(e.Kind) + ": " + e.Msg }

func featErr(kind geo.IssueKind, format string, args ...any) *featureError {
	return &featureError{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
