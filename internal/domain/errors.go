package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Code says what kind of failure an error is, for every caller alike: the
// web layer maps it to an HTTP status in one table, the CLI to a message,
// an import to the row at fault. It is itself an error, so that
// errors.Is(err, ErrNotFound) asks "is this a not-found?" whatever type
// carries it.
type Code string

// The codes. Anything that carries none is an internal failure.
const (
	ErrInvalid         Code = "invalid"         // the caller's input breaks a rule; Error.Field says where
	ErrNotFound        Code = "not_found"       // what was asked for does not exist (or may not be known to exist)
	ErrForbidden       Code = "forbidden"       // the caller may not do this
	ErrUnauthenticated Code = "unauthenticated" // the caller has not proved who they are
	ErrConflict        Code = "conflict"        // the request clashes with the current state; retrying later may work
	ErrRateLimited     Code = "rate_limited"    // this caller asked too often; it may ask again later
	ErrUnavailable     Code = "unavailable"     // the service cannot take the request now; retrying later may work
	// ErrKeyReused: an idempotency key sent again with a different request.
	// Not a conflict: no retry of that request under that key will ever
	// succeed, the client must use a new key.
	ErrKeyReused Code = "key_reused"
)

func (c Code) Error() string {
	switch c {
	case ErrInvalid:
		return "invalid input"
	case ErrNotFound:
		return "not found"
	case ErrForbidden:
		return "not allowed"
	case ErrUnauthenticated:
		return "sign in first"
	case ErrConflict:
		return "conflict"
	case ErrRateLimited:
		return "too many requests: wait a little and try again"
	case ErrUnavailable:
		return "busy: try again in a moment"
	case ErrKeyReused:
		return "idempotency key already used for a different request"
	}
	return string(c)
}

// Error is the one error type the services return for a failure the caller
// can do something about. Field is the path of the input at fault in the
// event's or request's JSON form ("data.order.expires", "events[2].person"):
// each entry point translates it into its own place (a form field, a sheet
// column, a line of a file).
type Error struct {
	Code  Code
	Field string
	Msg   string
	Err   error // the cause, when there is one
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = e.Code.Error()
	}
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's code: errors.Is(err, ErrInvalid).
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// Invalid is a problem with the input at field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotFound says that what was asked for does not exist.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: ErrNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Forbidden says that the caller may not do what it asked.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: ErrForbidden, Msg: fmt.Sprintf(format, args...)}
}

// Conflict says that the request clashes with the current state.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: ErrConflict, Msg: fmt.Sprintf(format, args...)}
}

// ErrorCode is the code of err, or "" for an internal failure.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return ""
}

// FieldOf is the field path of an invalid-input error, and its message
// without the path; ok is false when err is not invalid input.
func FieldOf(err error) (field, msg string, ok bool) {
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrInvalid {
		return "", "", false
	}
	msg = e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return e.Field, msg, true
}

// InField places an invalid-input error under prefix: the error of field
// "data.name" becomes "events[2].data.name". Other errors pass unchanged.
func InField(prefix string, err error) error {
	var e *Error
	if prefix == "" || !errors.As(err, &e) || e.Code != ErrInvalid {
		return err
	}
	field := prefix
	switch {
	case e.Field == "":
	case strings.HasPrefix(e.Field, "["):
		field += e.Field
	default:
		field += "." + e.Field
	}
	return &Error{Code: e.Code, Field: field, Msg: e.Msg, Err: e.Err}
}
