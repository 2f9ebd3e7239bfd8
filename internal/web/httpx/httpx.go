// Package httpx holds what the JSON API (web/api) and the workbench pages
// (web/ui) share in reading requests and writing answers: the caller and
// the request ID put in the context by the server, path ids, JSON and CSV.
package httpx

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request's ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the ID of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string { id, _ := ctx.Value(requestIDKey{}).(string); return id }

// User is the signed-in caller of r (the zero User on open routes).
func User(r *http.Request) evidence.User {
	u, _ := auth.UserFrom(r.Context())
	return u
}

// Actor is who makes request r, for the use cases.
func Actor(r *http.Request) app.Actor {
	return app.Actor{User: User(r), RequestID: RequestID(r.Context())}
}

var errBadID = evidence.Errorf(evidence.EInvalid, "err.bad_id")

// PathID is the positive integer path value name of r.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// DecodeJSON reads r's body, at most 64 KiB of one JSON value with no
// unknown fields, into v.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return evidence.Errorf(evidence.EInvalid, "err.json", err.Error())
	}
	return nil
}

// JSON answers v as indented JSON with status code.
func JSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Cursors reads the after= and before= of a list paged by position
// (evidence.Cursor) into after and before; absent values leave them nil.
func Cursors(q url.Values, after, before **evidence.Cursor) error {
	for key, dst := range map[string]**evidence.Cursor{"after": after, "before": before} {
		if v := q.Get(key); v != "" {
			c, err := evidence.ParseCursor(v)
			if err != nil {
				return err
			}
			*dst = &c
		}
	}
	return nil
}

// Times parses the RFC 3339 query values named by dst's keys into dst's
// times, in UTC; absent values leave them as they are.
func Times(q url.Values, dst map[string]*time.Time) error {
	for key, p := range dst {
		if v := q.Get(key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return evidence.Errorf(evidence.EInvalid, "err.time", key)
			}
			*p = t.UTC()
		}
	}
	return nil
}

// Recording is the recording that r's {id} names.
func Recording(r *http.Request, db *store.DB) (evidence.Recording, error) {
	id, err := PathID(r, "id")
	if err != nil {
		return evidence.Recording{}, err
	}
	var rec evidence.Recording
	err = db.View(r.Context(), func(tx *store.Tx) error {
		rec, err = tx.Recording(r.Context(), id)
		return err
	})
	return rec, err
}

// CSV starts a CSV download named filename: UTF-8 with a byte order mark,
// which spreadsheet programs need to read Chinese.
func CSV(w http.ResponseWriter, filename string) *CSVWriter {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\uFEFF"))
	return &CSVWriter{csv.NewWriter(w)}
}

// SafeCell is cell, prefixed with an apostrophe when a spreadsheet would
// take it for a formula: it starts with =, +, -, @, a tab or a carriage
// return (OWASP's CSV injection list; Excel and LibreOffice skip a leading
// tab or CR and then see the formula). Numbers, negative ones included,
// stay numbers.
func SafeCell(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil {
		return cell
	}
	return "'" + cell
}

// CSVWriter writes a CSV download, every cell made inert (SafeCell): any
// cell of user text could start like a formula. Its Write returns nothing:
// a csv.Writer buffers, keeps the first error of a Write or of the
// response under it, and reports it from Error, so a handler writes its
// rows and ends with
//
//	cw.Flush()
//	return cw.Error()
//
// (checking Error inside a long loop stops it early on a gone client).
type CSVWriter struct{ w *csv.Writer }

// Write writes one record; its error, if any, is Error's.
func (c *CSVWriter) Write(record []string) {
	safe := make([]string, len(record))
	for i, cell := range record {
		safe[i] = SafeCell(cell)
	}
	_ = c.w.Write(safe) // kept by the csv.Writer for Error
}

// Flush writes the buffered records to the response.
func (c *CSVWriter) Flush() { c.w.Flush() }

// Error returns the first error of a Write or Flush so far.
func (c *CSVWriter) Error() error { return c.w.Error() }

// Audit appends custody entry e, by e.Actor in the request of ctx, through
// the application (app.Record): for what changes no other state, such as an
// export or a refusal.
func Audit(ctx context.Context, a *app.App, e audit.Entry) error {
	who := app.Actor{User: evidence.User{Name: e.Actor}, RequestID: RequestID(ctx)}
	return a.Record(ctx, who, e.Action, e.Object, e.Outcome, e.Details, e.Digests...)
}
