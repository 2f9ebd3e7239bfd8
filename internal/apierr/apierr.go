// Package apierr maps application errors to HTTP answers, in one place for
// the JSON API, the upload endpoint and (later) the web UI.
package apierr

import (
	"encoding/json"
	"errors"
	"net/http"

	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// Status returns the HTTP status for err's code.
func Status(err error) int {
	switch evidence.ErrorCode(err) {
	case evidence.EInvalid:
		return http.StatusBadRequest
	case evidence.ENotFound:
		return http.StatusNotFound
	case evidence.EConflict:
		return http.StatusConflict
	case evidence.EForbidden, evidence.EPasswordChange:
		return http.StatusForbidden
	case evidence.EUnauthorized:
		return http.StatusUnauthorized
	case evidence.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case evidence.ETooMany:
		return http.StatusTooManyRequests
	case evidence.EChecksum:
		return 460 // tus checksum extension: Checksum Mismatch
	}
	return http.StatusInternalServerError
}

// Body is the JSON error answer: {"error": {...}}. Key is the message's
// catalogue key, stable across languages and releases, for clients that
// act on the kind of error; Message is for people, in the request's
// language.
type Body struct {
	Error struct {
		Code      evidence.Code  `json:"code"`
		Key       string         `json:"key"`
		Message   string         `json:"message"`
		Details   map[string]any `json:"details,omitempty"`
		RequestID string         `json:"request_id,omitempty"`
	} `json:"error"`
}

// JSON returns the answer body for err, its message written by p.
// Internal errors show a generic message; the caller logs the real one
// with the request ID.
func JSON(err error, requestID string, p *locale.Printer) []byte {
	var b Body
	m := evidence.ErrorMessage(err)
	b.Error.Code = evidence.ErrorCode(err)
	b.Error.Key = m.Key
	b.Error.Message = p.Msg(m)
	b.Error.RequestID = requestID
	if e, ok := asError(err); ok {
		b.Error.Details = e.Details
	}
	out, _ := json.Marshal(b)
	return out
}

// Write sends err as a JSON answer to r, in r's language
// (locale.Negotiate).
func Write(w http.ResponseWriter, r *http.Request, err error, requestID string) {
	p := locale.New(locale.Negotiate(r))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang())
	w.WriteHeader(Status(err))
	w.Write(JSON(err, requestID, p))
}

func asError(err error) (*evidence.Error, bool) {
	var e *evidence.Error
	return e, errors.As(err, &e)
}
