// Package apierr maps application errors to HTTP answers, in one place for
// the JSON API, the upload endpoint and (later) the web UI.
package apierr

import (
	"encoding/json"
	"errors"
	"net/http"

	"shilu/internal/evidence"
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
	case evidence.EChecksum:
		return 460 // tus checksum extension: Checksum Mismatch
	}
	return http.StatusInternalServerError
}

// Body is the JSON error answer: {"error": {...}}.
type Body struct {
	Error struct {
		Code      evidence.Code  `json:"code"`
		Message   string         `json:"message"`
		Details   map[string]any `json:"details,omitempty"`
		RequestID string         `json:"request_id,omitempty"`
	} `json:"error"`
}

// JSON returns the answer body for err. Internal errors show a generic
// message; the caller logs the real one with the request ID.
func JSON(err error, requestID string) []byte {
	var b Body
	b.Error.Code = evidence.ErrorCode(err)
	b.Error.Message = evidence.ErrorMessage(err)
	b.Error.RequestID = requestID
	if e, ok := asError(err); ok {
		b.Error.Details = e.Details
	}
	out, _ := json.Marshal(b)
	return out
}

// Write sends err as a JSON answer.
func Write(w http.ResponseWriter, err error, requestID string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(Status(err))
	w.Write(JSON(err, requestID))
}

func asError(err error) (*evidence.Error, bool) {
	var e *evidence.Error
	return e, errors.As(err, &e)
}
