package evidence

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The web layer maps codes to HTTP statuses in one
// place.
type Code string

// The error codes.
const (
	EInvalid      Code = "invalid"
	ENotFound     Code = "not_found"
	EConflict     Code = "conflict"
	EForbidden    Code = "forbidden"
	EUnauthorized Code = "unauthorized"
	ETooLarge     Code = "too_large"
	EChecksum     Code = "checksum_mismatch"
	EInternal     Code = "internal"
	// EPasswordChange refuses everything but changing the password to a
	// user whose password is initial or expired (X-SEC-1).
	EPasswordChange Code = "password_change_required"
)

// Error is the application error: a code, a message fit to show the user,
// and optional details (e.g. the id of the recording a conflict names).
type Error struct {
	Code    Code
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the message of catalogue key and its
// arguments.
func Errorf(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Message: render(key, args)}
}

// render is a placeholder until the message catalogue renders keys.
func render(key string, args []any) string {
	if len(args) == 0 {
		return key
	}
	return fmt.Sprintf(key, args...)
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err's *Error, or a generic
// one for internal errors, whose text must not reach users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
