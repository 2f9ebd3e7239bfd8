package tusclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// StatusError is a server answer that ended an upload (or a termination):
// one that retrying will not change, such as 460 checksum mismatch, 409
// conflict or 413 too large, or the last answer when retries ran out.
type StatusError struct {
	// Status is the HTTP status code.
	Status int
	// Body is up to 64 KiB of the answer's body.
	Body []byte
	// Header is the answer's header.
	Header http.Header
}

func newStatusError(status int, h http.Header, body []byte) *StatusError {
	return &StatusError{Status: status, Body: body, Header: h}
}

// Error reports the status and the server's message: for a JSON body of the
// form {"error":{"code":...,"message":...}} the message, otherwise the first
// line of the body, cleaned of control characters.
func (e *StatusError) Error() string {
	text := http.StatusText(e.Status)
	if e.Status == 460 {
		text = "Checksum Mismatch" // defined by the tus checksum extension
	}
	s := fmt.Sprintf("server answered %d", e.Status)
	if text != "" {
		s += " " + text
	}
	if msg := e.message(); msg != "" {
		s += ": " + msg
	}
	return s
}

// Code returns the code of a JSON error body ({"error":{"code":...}}), such
// as "conflict", or "" when the body is not one.
func (e *StatusError) Code() string {
	return errorCode(e.Body)
}

// apiError is the shape of the shilu server's JSON error bodies.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func parseAPIError(body []byte) (apiError, bool) {
	var ae apiError
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &ae) != nil {
		return apiError{}, false
	}
	return ae, ae.Error.Code != "" || ae.Error.Message != ""
}

func errorCode(body []byte) string {
	ae, _ := parseAPIError(body)
	return ae.Error.Code
}

func (e *StatusError) message() string {
	if ae, ok := parseAPIError(e.Body); ok {
		msg := ae.Error.Message
		if msg == "" {
			msg = ae.Error.Code
		} else if ae.Error.Code != "" {
			msg += " (" + ae.Error.Code + ")"
		}
		return clean(msg, 300)
	}
	line, _, _ := strings.Cut(string(e.Body), "\n")
	return clean(line, 300)
}

// clean makes server-supplied text safe to show in a terminal: it drops
// control characters (escape sequences) and invalid UTF-8, and shortens it.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t') {
			return -1
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s), max)
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}

// readBody returns up to maxResultBody bytes of the body and closes it. A
// read error only shortens the body: the status is what matters.
func readBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResultBody))
	return b
}

// transientError is a failure worth retrying; after is how long the server
// asked us to wait (Retry-After), 0 if it did not say.
type transientError struct {
	err   error
	after time.Duration
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

var (
	// errForeign means a stored upload URL names an upload of a different
	// length: not ours, so it is treated like a forgotten one.
	errForeign = errors.New("upload belongs to different content")
	// errStalled ends a PATCH whose body stopped moving.
	errStalled = errors.New("upload stalled")
	// errDetached is what the transport reads from a body after its
	// request is over.
	errDetached = errors.New("request body used after its request ended")
)

// isGone reports whether err means the server no longer has the upload (or
// never had it for us), so remembering its URL is pointless.
func isGone(err error) bool {
	if errors.Is(err, errForeign) {
		return true
	}
	var se *StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Status {
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return true
	}
	return false
}
