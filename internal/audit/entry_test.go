package audit

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s changed (-golden +got); a format change needs a new version:\n%s", path, diff)
	}
}

var t0 = time.Date(2025, 3, 14, 1, 59, 26, 535897000, time.UTC)

// fixedEntry exercises every field and every escape the format has.
func fixedEntry() Entry {
	return Entry{
		Index:   41,
		Time:    t0,
		Actor:   "王警官",
		Action:  "recording.ingest",
		Object:  "recording:42",
		Outcome: OutcomeOK,
		Digests: []blob.Digest{blob.Sum([]byte("original")), blob.Sum([]byte("proxy"))},
		Details: map[string]string{
			"size":   "1048576",
			"device": "DSJ-V9 #0042",
			"note":   "quote \" backslash \\ newline \n tab \t nul \x00 <b>&amp;</b> \u2028 é",
		},
	}
}

func TestEncodeGolden(t *testing.T) {
	b, err := fixedEntry().Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "entry.golden", b)
}

func TestEncodeDeterministic(t *testing.T) {
	a := fixedEntry()
	b := fixedEntry()
	// Same entry, different map insertion order and time location.
	b.Details = map[string]string{}
	for _, k := range []string{"note", "size", "device"} {
		b.Details[k] = a.Details[k]
	}
	b.Time = a.Time.In(time.FixedZone("CST", 8*3600))
	ea, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		eb, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ea, eb) {
			t.Fatalf("encodings differ:\n%s\n%s", ea, eb)
		}
	}
	// Empty and nil collections are one entry.
	c, d := a, a
	c.Digests, c.Details = nil, nil
	d.Digests, d.Details = []blob.Digest{}, map[string]string{}
	ec, _ := c.Encode()
	ed, _ := d.Encode()
	if !bytes.Equal(ec, ed) {
		t.Errorf("nil and empty encode differently:\n%s\n%s", ec, ed)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
	}{
		{"Full", fixedEntry()},
		{"Minimal", Entry{Time: t0, Actor: "system", Action: "server.start", Outcome: OutcomeOK}},
		{"MaxIndex", Entry{Index: 1<<64 - 1, Time: t0, Actor: "a", Action: "a.b", Outcome: OutcomeFailed}},
		{"Nanoseconds", Entry{Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Actor: "a", Action: "a.b", Outcome: OutcomeDenied}},
		{"YearOne", Entry{Time: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Actor: "a", Action: "a.b", Outcome: OutcomeOK}},
		{"EmptyDetailValue", Entry{Time: t0, Actor: "a", Action: "user.login_failed", Object: "user:bob", Outcome: OutcomeFailed, Details: map[string]string{"reason": ""}}},
		{"AllControls", Entry{Time: t0, Actor: "a", Action: "a.b", Outcome: OutcomeOK, Details: map[string]string{"v": "\x00\x01\x1f\x7f\u0085"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.entry.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if diff := cmp.Diff(tt.entry, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			again, err := got.Encode()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs: %s, %v", again, err)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	ok := Entry{Time: t0, Actor: "alice", Action: "recording.read", Object: "recording:1", Outcome: OutcomeOK}
	tests := []struct {
		name   string
		change func(*Entry)
	}{
		{"ZeroTime", func(e *Entry) { e.Time = time.Time{} }},
		{"Year10000", func(e *Entry) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"NoActor", func(e *Entry) { e.Actor = "" }},
		{"ActorInvalidUTF8", func(e *Entry) { e.Actor = "al\xffice" }},
		{"ActorNewline", func(e *Entry) { e.Actor = "alice\nbob" }},
		{"ObjectControl", func(e *Entry) { e.Object = "recording:1\x1b[2K" }},
		{"ActorC1Control", func(e *Entry) { e.Actor = "alice\u0085" }},
		{"NoAction", func(e *Entry) { e.Action = "" }},
		{"ActionOneSegment", func(e *Entry) { e.Action = "read" }},
		{"ActionUpperCase", func(e *Entry) { e.Action = "Recording.read" }},
		{"ActionEmptySegment", func(e *Entry) { e.Action = "recording..read" }},
		{"ActionTrailingDot", func(e *Entry) { e.Action = "recording.read." }},
		{"ActionDigitFirst", func(e *Entry) { e.Action = "recording.1read" }},
		{"ActionSpace", func(e *Entry) { e.Action = "recording.re ad" }},
		{"NoOutcome", func(e *Entry) { e.Outcome = "" }},
		{"UnknownOutcome", func(e *Entry) { e.Outcome = "maybe" }},
		{"ZeroDigest", func(e *Entry) { e.Digests = []blob.Digest{{}} }},
		{"EmptyDetailKey", func(e *Entry) { e.Details = map[string]string{"": "x"} }},
		{"DetailKeyControl", func(e *Entry) { e.Details = map[string]string{"a\tb": "x"} }},
		{"DetailValueInvalidUTF8", func(e *Entry) { e.Details = map[string]string{"k": "\xc3\x28"} }},
	}
	if _, err := ok.Encode(); err != nil {
		t.Fatalf("the base entry: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.change(&e)
			if b, err := e.Encode(); err == nil {
				t.Errorf("Encode = %s, want an error", b)
			}
		})
	}
}

func TestDecodeRejectsNonCanonical(t *testing.T) {
	good, err := Entry{Index: 7, Time: t0, Actor: "é", Action: "a.b", Outcome: OutcomeOK,
		Digests: []blob.Digest{blob.Sum(nil)}, Details: map[string]string{"k": "v\n", "l": "w"}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(good); err != nil {
		t.Fatalf("Decode(%s): %v", good, err)
	}
	s := string(good)
	d := blob.Sum(nil).Hex()
	tests := []struct{ name, data string }{
		{"Empty", ""},
		{"NoHeader", strings.TrimPrefix(s, entryHeader)},
		{"OtherVersion", strings.Replace(s, "/v1", "/v2", 1)},
		{"HeaderCRLF", strings.Replace(s, "v1\n", "v1\r\n", 1)},
		{"TrailingNewline", s + "\n"},
		{"TrailingGarbage", s + "{}"},
		{"Whitespace", strings.Replace(s, `"index":7`, `"index": 7`, 1)},
		{"LeadingZeroIndex", strings.Replace(s, `"index":7`, `"index":07`, 1)},
		{"FloatIndex", strings.Replace(s, `"index":7`, `"index":7.0`, 1)},
		{"FieldCase", strings.Replace(s, `"index"`, `"Index"`, 1)},
		{"UnknownField", strings.Replace(s, `{"index":7`, `{"extra":1,"index":7`, 1)},
		{"MissingField", strings.Replace(s, `"object":"",`, ``, 1)},
		{"FieldsReordered", strings.Replace(s, `"actor":"é","action":"a.b"`, `"action":"a.b","actor":"é"`, 1)},
		{"DuplicateField", strings.Replace(s, `"actor":"é"`, `"actor":"x","actor":"é"`, 1)},
		{"EscapedNonASCII", strings.Replace(s, `"actor":"é"`, `"actor":"\u00e9"`, 1)},
		{"ShortEscape", strings.Replace(s, `v\u000a`, `v\n`, 1)},
		{"UpperHexEscape", strings.Replace(s, `v\u000a`, `v\u000A`, 1)},
		{"EscapedSlash", strings.Replace(s, `"a.b"`, `"a\/b"`, 1)},
		{"TimeShortFraction", strings.Replace(s, ".535897000Z", ".535897Z", 1)},
		{"TimeOffset", strings.Replace(s, "01:59:26.535897000Z", "09:59:26.535897000+08:00", 1)},
		{"TimeLowerZ", strings.Replace(s, "000Z", "000z", 1)},
		{"DigestBareHex", strings.Replace(s, "sha256-"+d, d, 1)},
		{"DigestUpperCase", strings.Replace(s, d, strings.ToUpper(d), 1)},
		{"DetailsUnsorted", strings.Replace(s, `"k":"v\u000a","l":"w"`, `"l":"w","k":"v\u000a"`, 1)},
		{"DuplicateDetail", strings.Replace(s, `"l":"w"`, `"l":"x","l":"w"`, 1)},
		{"NullDetails", strings.Replace(s, `{"k":"v\u000a","l":"w"}`, `null`, 1)},
		{"NullDigests", strings.Replace(s, `["sha256-`+d+`"]`, `null`, 1)},
		{"InvalidUTF8", strings.Replace(s, `"w"`, "\"w\xff\"", 1)},
		{"InvalidEntry", strings.Replace(s, `"outcome":"ok"`, `"outcome":"maybe"`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.data == s {
				t.Fatal("the case does not change the encoding")
			}
			if e, err := Decode([]byte(tt.data)); err == nil {
				t.Errorf("Decode(%q) = %+v, want an error", tt.data, e)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range []Entry{
		fixedEntry(),
		{Time: t0, Actor: "system", Action: "server.start", Outcome: OutcomeOK},
	} {
		b, err := e.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(entryHeader + `{"index":0}`))
	f.Add([]byte(entryHeader + `{"index":1,"time":"2025-01-01T00:00:00.000000000Z","actor":"\u0000","action":"a.b","object":"","outcome":"ok","digests":[],"details":{"a":"\ud800"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast path accepts nothing the general one rejects, and
		// reads the same entry.
		if fast, ok := decodeCanonical(data); ok {
			general, err := decodeJSON(data)
			if err != nil {
				t.Fatalf("decodeCanonical accepted %q, the general path: %v", data, err)
			}
			if diff := cmp.Diff(general, fast); diff != "" {
				t.Fatalf("%q: the paths disagree (-general +fast):\n%s", data, diff)
			}
		}
		e, err := Decode(data)
		if err != nil {
			return
		}
		again, err := e.Encode()
		if err != nil {
			t.Fatalf("Decode accepted %q, but Encode fails: %v", data, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("Decode accepted %q, which re-encodes as %q", data, again)
		}
	})
}

// TestDecodeCanonicalAgrees: the fast decoding path takes every canonical
// encoding and reads what the general path reads; a byte changed anywhere
// is either rejected by both or read alike (FuzzDecode goes further).
func TestDecodeCanonicalAgrees(t *testing.T) {
	for i := range 60 {
		e := testEntry(i)
		if i == 0 {
			e = fixedEntry()
		}
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := decodeCanonical(b)
		general, err := decodeJSON(b)
		if !ok || err != nil {
			t.Fatalf("entry %d: fast %v, general %v", i, ok, err)
		}
		if diff := cmp.Diff(general, fast); diff != "" {
			t.Fatalf("entry %d (-general +fast):\n%s", i, diff)
		}
		for j := range b {
			for _, c := range []byte{'"', '\\', 'u', '0', ',', '}', 0x1f, 0xff, b[j] ^ 0x20} {
				m := bytes.Clone(b)
				m[j] = c
				fast, ok := decodeCanonical(m)
				general, err := decodeJSON(m)
				if ok && (err != nil || !cmp.Equal(general, fast)) {
					t.Fatalf("%q: fast path took it, general %v", m, err)
				}
			}
		}
	}
}
