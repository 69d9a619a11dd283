// Package conduit is the domain of the Conduit service: its entities, the
// rules they obey, the errors it speaks of and the services that keep them,
// and who the viewer is: of a request (the credential it sent) and of one
// GraphQL operation (who signed in during it).
// It imports only the standard library; every other package depends on it.
//
// Imports only: standard library.
package conduit

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes that the API shows as extensions.code.
const (
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
	ENOTFOUND        = "NOT_FOUND"
	EINVALID         = "BAD_USER_INPUT"
	EINTERNAL        = "INTERNAL_SERVER_ERROR"
	ERATELIMITED     = "RATE_LIMITED"
)

// Error is the one error type of the domain. Code is one of the E* constants;
// Message is safe to show to a client; Fields maps input field names to
// messages for validation errors.
type Error struct {
	Code    string
	Message string
	Fields  map[string][]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("conduit error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("conduit error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for any other error, which may hold details not fit to show.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of the first *Error in err's chain.
func ErrorFields(err error) map[string][]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects per-field messages; Err turns them into one
// BAD_USER_INPUT error, or nil when there are none.
type Validation struct {
	fields map[string][]string
}

// Add records a message for an input field.
func (v *Validation) Add(field, format string, args ...any) {
	if v.fields == nil {
		v.fields = map[string][]string{}
	}
	v.fields[field] = append(v.fields[field], fmt.Sprintf(format, args...))
}

// Err returns the collected messages as an EINVALID *Error, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	names := make([]string, 0, len(v.fields))
	for name := range v.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return &Error{Code: EINVALID, Message: "Invalid input: " + strings.Join(names, ", ") + ".", Fields: v.fields}
}

// FieldError is a shortcut for a validation error on one field.
func FieldError(field, format string, args ...any) error {
	var v Validation
	v.Add(field, format, args...)
	return v.Err()
}
