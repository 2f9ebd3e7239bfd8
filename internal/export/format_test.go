package export

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"OK", sum + "  原始文件/01_a.mp4\n" + sum + "  README.txt\n", true},
		{"OKEmpty", "", true},
		{"ErrUpperHex", strings.ToUpper(sum) + "  a\n", false},
		{"ErrShortDigest", sum[:62] + "  a\n", false},
		{"ErrOneSpace", sum + " a\n", false},
		{"ErrAbsolute", sum + "  /etc/passwd\n", false},
		{"ErrParent", sum + "  ../x\n", false},
		{"ErrUnclean", sum + "  a//b\n", false},
		{"ErrBackslash", sum + "  a\\b\n", false},
		{"ErrTwice", sum + "  a\n" + sum + "  a\n", false},
		{"ErrNotUTF8", sum + "  \xff\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, err := ParseManifest([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseManifest: %v, want ok %v", err, tc.ok)
			}
			if err == nil && !bytes.Equal(FormatManifest(lines), []byte(tc.in)) {
				t.Errorf("FormatManifest does not give back %q", tc.in)
			}
		})
	}
}

// MANIFEST is outside input to the verifier: whatever it holds, parsing
// returns lines that format back to the same bytes, or an error; never a
// panic nor a path leaving the package.
func FuzzParseManifest(f *testing.F) {
	sum := strings.Repeat("0f", 32)
	f.Add([]byte(sum + "  原始文件/01_DSJ.mp4\n" + sum + "  文字说明.pdf\n"))
	f.Add([]byte(sum + "  ../../etc/passwd\n"))
	f.Add([]byte(sum + "  ..0\n" + sum + "  a/..b/c\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, l := range lines {
			// fs.ValidPath: relative, clean, no ".." element ("..0" is a
			// name like any other).
			if !fs.ValidPath(l.Path) {
				t.Fatalf("path %q leaves the package", l.Path)
			}
		}
		again, err := ParseManifest(FormatManifest(lines))
		if err != nil || len(again) != len(lines) {
			t.Fatalf("formatted lines do not parse again: %v", err)
		}
	})
}

// A custody excerpt is outside input too: ParseTrail accepts only its
// shape (known fields, 32-byte proof hashes), never panics.
func FuzzParseTrail(f *testing.F) {
	good, _ := json.Marshal(Trail{RecordingID: 1, Size: 3, Entries: []TrailEntry{{Index: 2, Data: []byte("x"), Proof: [][]byte{make([]byte, 32)}}}})
	f.Add(good)
	f.Add([]byte(`{"recording_id":1,"checkpoint_size":1,"entries":[{"index":0,"data":"eA==","proof":["AA=="]}]}`))
	f.Add([]byte(`{"recording_id":1,"extra":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrail(data)
		if err != nil {
			return
		}
		if tr.RecordingID <= 0 {
			t.Fatal("accepted a trail without a recording")
		}
		for _, e := range tr.Entries {
			for _, h := range e.Proof {
				if len(h) != 32 {
					t.Fatalf("accepted a proof hash of %d bytes", len(h))
				}
			}
		}
	})
}
