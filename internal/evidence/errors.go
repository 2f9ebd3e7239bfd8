package evidence

import "errors"

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
	ETooMany      Code = "too_many_requests"
	EChecksum     Code = "checksum_mismatch"
	EInternal     Code = "internal"
	// EPasswordChange refuses everything but changing the password to a
	// user whose password is initial or expired (X-SEC-1).
	EPasswordChange Code = "password_change_required"
)

// Error is the application error: a code, a message fit to show the user,
// held as a catalogue key and its arguments (rendered in the reader's
// language by internal/locale), and optional details (e.g. the id of the
// recording a conflict names).
type Error struct {
	Code    Code
	Msg     Message
	Details map[string]any
}

// Error is for logs: the code, the key and its arguments.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Msg.String() }

// Errorf returns an *Error with the message key filled with args, e.g.
// Errorf(EInvalid, "err.text_too_long", Msg("field.party"), 500). The
// key's texts are in internal/locale/translations; a name inside the
// message is itself a Message, so that it is translated too.
func Errorf(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Msg: Msg(key, args...)}
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

// ErrorMessage returns the message of err's *Error, for any other non-nil
// error the generic "err.internal" (whose text must not reach users), and
// the zero Message for nil.
func ErrorMessage(err error) Message {
	if err == nil {
		return Message{}
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return Msg("err.internal")
}
