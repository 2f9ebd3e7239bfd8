package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// The outcomes an entry may record.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied" // refused by authorization
	OutcomeFailed = "failed" // attempted and failed, e.g. a wrong password
)

// Entry is one record of the custody log. Its JSON form (the struct tags) is
// for API answers; what the log hashes is the canonical Encode form.
type Entry struct {
	// Index is the entry's position in the log; Append sets it.
	Index uint64 `json:"index"`
	// Time is when the change committed, from the transaction's clock (UTC).
	Time time.Time `json:"time"`
	// Actor is the user name, or "system" for the server itself.
	Actor string `json:"actor"`
	// Action is a dotted verb: recording.ingest, recording.read,
	// recording.content, recording.update, user.login, user.login_failed,
	// user.create, token.create, …
	Action evidence.Action `json:"action"`
	// Object names what the action concerns: "recording:42", "user:alice".
	Object string `json:"object,omitempty"`
	// Outcome is OutcomeOK, OutcomeDenied or OutcomeFailed.
	Outcome string `json:"outcome"`
	// Digests are the blobs the action concerns, in a meaningful order.
	Digests []blob.Digest `json:"digests,omitempty"`
	// Details holds further facts as strings (sizes, reasons, IP addresses).
	Details map[string]string `json:"details,omitempty"`
}

const (
	entryHeader = "shilu-audit-entry/v1\n"
	// Nine fraction digits always: RFC3339Nano trims trailing zeros, which
	// would give one instant two spellings across precisions.
	timeLayout = "2006-01-02T15:04:05.000000000Z"
)

// Encode returns the canonical encoding of e (version 1, see the package
// documentation): the same entry gives the same bytes, always, whatever the
// time's location or the order in which Details were filled. It fails for an
// entry that breaks the format's rules rather than write something that is
// not what the caller meant (e.g. invalid UTF-8, which JSON encoders
// silently replace).
func (e Entry) Encode() ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, fmt.Errorf("audit: encode entry %d: %w", e.Index, err)
	}
	return e.encode(), nil
}

// encode writes the encoding of an entry that passed validate.
func (e Entry) encode() []byte {
	b := make([]byte, 0, 256+len(e.Digests)*80)
	b = append(b, entryHeader...)
	b = append(b, `{"index":`...)
	b = strconv.AppendUint(b, e.Index, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","actor":`...)
	b = appendString(b, e.Actor)
	b = append(b, `,"action":`...)
	b = appendString(b, string(e.Action))
	b = append(b, `,"object":`...)
	b = appendString(b, e.Object)
	b = append(b, `,"outcome":`...)
	b = appendString(b, e.Outcome)
	b = append(b, `,"digests":[`...)
	for i, d := range e.Digests {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, d.String())
	}
	b = append(b, `],"details":{`...)
	for i, k := range slices.Sorted(maps.Keys(e.Details)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, e.Details[k])
	}
	return append(b, "}}"...)
}

// appendString appends s as a JSON string with the format's only escapes.
// s is valid UTF-8 (validate checked), so copying bytes keeps it so.
// QuoteString is s as Encode writes a string: what to look for in an
// entry's encoding (the custody log's actor filter).
func QuoteString(s string) string { return string(appendString(nil, s)) }

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func (e Entry) validate() error {
	if e.Time.IsZero() {
		return errors.New("time is required")
	}
	if y := e.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("time %v: year outside 0001..9999", e.Time)
	}
	if e.Actor == "" {
		return errors.New("actor is required")
	}
	for _, f := range []struct{ name, v string }{{"actor", e.Actor}, {"object", e.Object}} {
		if err := checkIdent(f.v); err != nil {
			return fmt.Errorf("%s %q: %w", f.name, f.v, err)
		}
	}
	if !validAction(string(e.Action)) {
		return fmt.Errorf("action %q: want a dotted verb like recording.read", e.Action)
	}
	switch e.Outcome {
	case OutcomeOK, OutcomeDenied, OutcomeFailed:
	default:
		return fmt.Errorf("outcome %q: want ok, denied or failed", e.Outcome)
	}
	for i, d := range e.Digests {
		if d.IsZero() {
			return fmt.Errorf("digest %d is the zero value", i)
		}
	}
	for k, v := range e.Details {
		if k == "" {
			return errors.New("empty detail key")
		}
		if err := checkIdent(k); err != nil {
			return fmt.Errorf("detail key %q: %w", k, err)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("detail %q: value is not valid UTF-8", k)
		}
	}
	return nil
}

// checkIdent accepts valid UTF-8 without control characters: these strings
// are shown to people, and a control character could make one read as
// another.
func checkIdent(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// validAction reports whether s is two or more dot-separated segments of
// [a-z0-9_], each starting with a letter.
func validAction(s string) bool {
	segments := 0
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			if start {
				segments++
			}
			start = false
		case (c >= '0' && c <= '9' || c == '_') && !start:
		case c == '.' && !start:
			start = true
		default:
			return false
		}
	}
	return !start && segments >= 2
}

// wire is the JSON object of the encoding, for Decode.
type wire struct {
	Index   uint64            `json:"index"`
	Time    string            `json:"time"`
	Actor   string            `json:"actor"`
	Action  string            `json:"action"`
	Object  string            `json:"object"`
	Outcome string            `json:"outcome"`
	Digests []string          `json:"digests"`
	Details map[string]string `json:"details"`
}

// Decode parses an entry encoding. It is strict: it accepts only the
// canonical encoding of a valid entry (it re-encodes what it parsed and
// compares the bytes), because a verifier that accepted other spellings would
// let two byte strings stand for one entry. Empty Digests and Details decode
// as nil.
func Decode(data []byte) (Entry, error) {
	e, err := decode(data)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: decode entry: %w", err)
	}
	return e, nil
}

func decode(data []byte) (Entry, error) {
	// The fast path reads the canonical form directly, about five times
	// faster than encoding/json (Verify decodes every entry); anything it
	// does not take goes the general way, which names what is wrong.
	if e, ok := decodeCanonical(data); ok {
		return e, nil
	}
	return decodeJSON(data)
}

// decodeJSON is decode's general path.
func decodeJSON(data []byte) (Entry, error) {
	body, ok := bytes.CutPrefix(data, []byte(entryHeader))
	if !ok {
		return Entry{}, errors.New("not a shilu-audit-entry/v1 encoding")
	}
	var w wire
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Entry{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %d: %w", w.Index, err)
	}
	e := Entry{
		Index:   w.Index,
		Time:    t.UTC(),
		Actor:   w.Actor,
		Action:  evidence.Action(w.Action),
		Object:  w.Object,
		Outcome: w.Outcome,
	}
	for _, s := range w.Digests {
		d, err := blob.ParseDigest(s)
		if err != nil {
			return Entry{}, fmt.Errorf("entry %d: %w", w.Index, err)
		}
		e.Digests = append(e.Digests, d)
	}
	if len(w.Details) > 0 {
		e.Details = w.Details
	}
	if err := e.validate(); err != nil {
		return Entry{}, fmt.Errorf("entry %d: %w", w.Index, err)
	}
	if !bytes.Equal(e.encode(), data) {
		return Entry{}, fmt.Errorf("entry %d: not in canonical form", w.Index)
	}
	return e, nil
}

// decodeCanonical parses data if it is, literally, the canonical encoding
// of a valid entry, and reports false for anything else, without saying
// why. It accepts nothing decode's general path rejects: after parsing the
// members in their fixed order it runs the same checks (time, digests,
// validate, and re-encoding to the same bytes), and the general path
// decodes canonical bytes to the same entry.
func decodeCanonical(data []byte) (Entry, bool) {
	p := canonParser{b: data}
	var e Entry
	var t, actor, action, object, outcome string
	ok := p.lit(entryHeader+`{"index":`) && p.uint(&e.Index) &&
		p.lit(`,"time":`) && p.str(&t) &&
		p.lit(`,"actor":`) && p.str(&actor) &&
		p.lit(`,"action":`) && p.str(&action) &&
		p.lit(`,"object":`) && p.str(&object) &&
		p.lit(`,"outcome":`) && p.str(&outcome) &&
		p.lit(`,"digests":[`)
	if !ok {
		return Entry{}, false
	}
	for i := 0; !p.lit("]"); i++ {
		var d string
		if i > 0 && !p.lit(",") || !p.str(&d) {
			return Entry{}, false
		}
		dg, err := blob.ParseDigest(d)
		if err != nil || dg.String() != d {
			return Entry{}, false
		}
		e.Digests = append(e.Digests, dg)
	}
	if !p.lit(`,"details":{`) {
		return Entry{}, false
	}
	var prev string
	for i := 0; !p.lit("}"); i++ {
		var k, v string
		if i > 0 && !p.lit(",") || !p.str(&k) || !p.lit(":") || !p.str(&v) || i > 0 && k <= prev {
			return Entry{}, false // keys are written sorted, once each
		}
		prev = k
		if e.Details == nil {
			e.Details = map[string]string{}
		}
		e.Details[k] = v
	}
	if !p.lit("}") || len(p.b) != 0 {
		return Entry{}, false
	}
	// The layout is exact (nine fraction digits, Z), so a time that
	// parses is written back the same.
	// (time.Parse also takes a comma before the fraction.)
	tm, err := time.Parse(timeLayout, t)
	if err != nil || len(t) != len(timeLayout) || t[len("2006-01-02T15:04:05")] != '.' {
		return Entry{}, false
	}
	e.Time, e.Actor, e.Action, e.Object, e.Outcome = tm.UTC(), actor, evidence.Action(action), object, outcome
	// Each part was read only in the form encode writes it (literals,
	// the strings' escapes, digests, sorted keys, the time), so the entry
	// is canonical without encoding it again, which was half the cost.
	// FuzzDecode holds this to the general path, which does re-encode.
	if e.validate() != nil {
		return Entry{}, false
	}
	return e, true
}

// canonParser consumes b from the front.
type canonParser struct{ b []byte }

func (p *canonParser) lit(s string) bool {
	if len(p.b) < len(s) || string(p.b[:len(s)]) != s {
		return false
	}
	p.b = p.b[len(s):]
	return true
}

// uint reads a decimal without leading zeros.
func (p *canonParser) uint(v *uint64) bool {
	i := 0
	for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
		i++
	}
	if i == 0 || i > 1 && p.b[0] == '0' {
		return false
	}
	n, err := strconv.ParseUint(string(p.b[:i]), 10, 64)
	if err != nil {
		return false
	}
	*v, p.b = n, p.b[i:]
	return true
}

// str reads a string with the format's escapes only (\", \\, \u00XX),
// of valid UTF-8.
func (p *canonParser) str(v *string) bool {
	if len(p.b) == 0 || p.b[0] != '"' {
		return false
	}
	i := 1
	plain := true
	for ; i < len(p.b) && p.b[i] != '"'; i++ {
		switch {
		case p.b[i] == '\\':
			plain = false
			i++ // the escaped byte: '"', '\\' or 'u'
		case p.b[i] < 0x20:
			return false // written escaped
		}
	}
	if i >= len(p.b) {
		return false
	}
	raw := p.b[1:i]
	p.b = p.b[i+1:]
	if plain {
		if !utf8.Valid(raw) {
			return false
		}
		*v = string(raw)
		return true
	}
	out := make([]byte, 0, len(raw))
	for j := 0; j < len(raw); j++ {
		c := raw[j]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if j+1 >= len(raw) {
			return false
		}
		switch raw[j+1] {
		case '"', '\\':
			out = append(out, raw[j+1])
			j++
		case 'u':
			if j+6 > len(raw) || raw[j+2] != '0' || raw[j+3] != '0' || !lowerHex(raw[j+4]) || !lowerHex(raw[j+5]) {
				return false
			}
			n, err := strconv.ParseUint(string(raw[j+4:j+6]), 16, 8)
			if err != nil || n >= 0x20 {
				return false // only control characters are written so
			}
			out = append(out, byte(n))
			j += 5
		default:
			return false
		}
	}
	if !utf8.Valid(out) {
		return false
	}
	*v = string(out)
	return true
}

func lowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }
