package geo

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an Error. The api package maps each code to one HTTP
// status in a single table; nothing else decides statuses.
type ErrorCode string

// The error codes. Keep the set small: clients act on them.
const (
	EINVALID      ErrorCode = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     ErrorCode = "not_found"    // the named thing does not exist
	ECONFLICT     ErrorCode = "conflict"     // the write clashes with stored state
	ETOOLARGE     ErrorCode = "too_large"    // the input exceeds a size limit
	EUNAVAILABLE  ErrorCode = "unavailable"  // a dependency (the database) is down; retry later
	EUNAUTHORIZED ErrorCode = "unauthorized" // no valid credentials
	EFORBIDDEN    ErrorCode = "forbidden"    // credentials valid but not allowed
	EPRECONDITION ErrorCode = "precondition" // a conditional write's precondition failed
	EINTERNAL     ErrorCode = "internal"     // a bug or an unexpected failure

	ERATELIMITED          ErrorCode = "rate_limited"           // too many requests; retry after a pause
	EPRECONDITIONREQUIRED ErrorCode = "precondition_required"  // a conditional write came without its condition
	EUNSUPPORTED          ErrorCode = "unsupported_media_type" // the body is not of a type the route takes
)

// Error is gridmap's one error type. Field names the offending input (a query
// parameter, a JSON pointer) so clients can show it; Message is safe to send
// to clients; Err, if set, is the underlying cause and is only logged.
type Error struct {
	Code    ErrorCode
	Field   string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Field != "" {
		msg += " " + e.Field
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted client-safe message.
func Errorf(code ErrorCode, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Invalid is shorthand for an EINVALID error about one field.
func Invalid(field, format string, args ...any) *Error {
	return Errorf(EINVALID, field, format, args...)
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or
// EINTERNAL when there is none (an unclassified error is a bug).
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// MovedError is the cause of an EUNAVAILABLE error: the boundaries moved
// to data version Version after a write was resolved from an earlier one
// and before it was stored. Nothing was stored; resolved again from
// Version (at least), the write may be tried again at once.
type MovedError struct {
	Version int64
}

// Error implements the error interface.
func (e *MovedError) Error() string {
	return fmt.Sprintf("the boundaries moved to data version %d while this was being stored", e.Version)
}

// MovedTo reports the data version a write was overtaken by (MovedError),
// if err says it was.
func MovedTo(err error) (int64, bool) {
	var m *MovedError
	if errors.As(err, &m) {
		return m.Version, true
	}
	return 0, false
}
