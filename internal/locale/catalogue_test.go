package locale

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// Every key has a text in every language, and the texts of a key take the
// same arguments: the same fmt verbs in the same order, since the code
// passes one argument list to all of them.
func TestAllKeysTranslated(t *testing.T) {
	keys := Keys()
	if len(keys) < 700 {
		t.Fatalf("only %d keys: did a translation file fail to load?", len(keys))
	}
	for _, l := range Languages() {
		if len(catalogue[l]) != len(keys) {
			for k := range catalogue[l] {
				if _, ok := catalogue[Default][k]; !ok {
					t.Errorf("%s has %q, %s does not", l, k, Default)
				}
			}
		}
	}
	for _, k := range keys {
		want := verbs(catalogue[Default][k])
		for _, l := range Languages() {
			v, ok := catalogue[l][k]
			switch {
			case !ok:
				t.Errorf("%s lacks %q", l, k)
				continue
			case strings.TrimSpace(v) == "":
				t.Errorf("%s %q is empty", l, k)
			}
			if diff := cmp.Diff(want, verbs(v)); diff != "" {
				t.Errorf("%q: the verbs of %s differ from %s's (-%s +%s):\n%s", k, l, Default, Default, l, diff)
			}
			// The scripts' t() fills only %s and %d, and knows no %%.
			if strings.HasPrefix(k, "js.") {
				for _, vb := range verbs(v) {
					if vb != "%s" && vb != "%d" {
						t.Errorf("%s %q: the scripts do not understand %s", l, k, vb)
					}
				}
				if strings.Contains(v, "%%") {
					t.Errorf("%s %q: the scripts do not understand %%%%", l, k)
				}
			}
		}
	}
}

// verbs returns the fmt verbs of a text in order, with their flags, width
// and precision; "%%" is text, not a verb.
func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

var verbRE = regexp.MustCompile(`%(%|[-+# 0]*(\[\d+\])?(\d+|\*)?(\.(\d+|\*)?)?(\[\d+\])?.)`)

// A text filled with arguments of the kinds its verbs want has no
// "%!": no verb that fmt does not know, no stray percent sign.
func TestTextsFormat(t *testing.T) {
	for _, l := range Languages() {
		p := New(l)
		for k, v := range catalogue[l] {
			var args []any
			for _, vb := range verbs(v) {
				switch vb[len(vb)-1] {
				case 'd':
					args = append(args, 1)
				case 'f', 'g', 'e':
					args = append(args, 1.5)
				default:
					args = append(args, "x")
				}
			}
			if got := p.T(k, args...); strings.Contains(got, "%!") {
				t.Errorf("%s %q: %s", l, k, got)
			}
		}
	}
}

// The embedded files parse (were they broken, the package would have
// panicked before this test ran) and a broken one stops the program.
func TestEmbeddedCatalogue(t *testing.T) {
	if got := fmt.Sprint(slices.Sorted(maps.Keys(catalogue))); got != fmt.Sprint(slices.Sorted(slices.Values(Languages()))) {
		t.Errorf("catalogue holds %s", got)
	}
	for _, tc := range []struct {
		name, json string
	}{
		{"NotJSON", `{`},
		{"NotAnObject", `["a"]`},
		{"NotText", `{"a": 1}`},
		{"Nested", `{"a": {"b": "c"}}`},
		{"Duplicate", `{"a": "x", "a": "y"}`},
		{"TrailingData", `{"a": "x"} {`},
		{"TrailingGarbage", `{"a": "x"} x`},
	} {
		t.Run("Err"+tc.name, func(t *testing.T) {
			if m, err := parse([]byte(tc.json)); err == nil {
				t.Errorf("parsed into %v", m)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		m, err := parse([]byte(`{"a": "甲", "b.c": "%d 个"}`))
		if diff := cmp.Diff(map[string]string{"a": "甲", "b.c": "%d 个"}, m); err != nil || diff != "" {
			t.Errorf("err %v, diff:\n%s", err, diff)
		}
	})
	t.Run("PanicsOnBadFile", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		mustParse("translations/broken.json", []byte(`{"a": 1}`))
	})
}

// The Chinese names of activity types and bookmark kinds are Art. 6's and
// Art. 10's words, which the custody log and the reports take from
// evidence's Label; the workbench says the same.
func TestLabelsAgree(t *testing.T) {
	for _, a := range evidence.ActivityTypes() {
		if got := New(Chinese).T("act.type." + string(a)); got != a.Label() {
			t.Errorf("act.type.%s is %q, evidence says %q", a, got, a.Label())
		}
	}
	for _, k := range evidence.BookmarkKinds() {
		if got := New(Chinese).T("bm.kind." + string(k)); got != k.Label() {
			t.Errorf("bm.kind.%s is %q, evidence says %q", k, got, k.Label())
		}
	}
}
