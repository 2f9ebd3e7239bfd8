package ui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"slices"
	"strings"
	"testing"
)

// Every key that the templates, the scripts and the pages use exists
// (internal/locale's tests check that each has a text in every language,
// and that the keys in Go code exist).
func TestCatalogueComplete(t *testing.T) {
	need := map[string]bool{}
	tmplKey := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			need[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	scripts, _ := fs.Glob(staticFS, "static/*.js")
	for _, f := range scripts {
		js, _ := staticFS.ReadFile(f)
		for _, m := range regexp.MustCompile(`\bt\('([a-z_]+)'`).FindAllStringSubmatch(string(js), -1) {
			need["js."+m[1]] = true
		}
		for _, m := range regexp.MustCompile(`\bset\('([a-z_]+)'`).FindAllStringSubmatch(string(js), -1) {
			need["js."+m[1]] = true
		}
	}
	// Breadcrumbs are catalogue keys given to newPage.
	sources, _ := filepath.Glob("ui*.go")
	for _, f := range sources {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range regexp.MustCompile(`newPage\(w, r,[^)]*\)`).FindAllString(string(src), -1) {
			for _, m := range regexp.MustCompile(`"([a-z_]+\.[a-z_.]+)"`).FindAllStringSubmatch(call, -1) {
				need[m[1]] = true
			}
		}
	}
	for _, g := range menu {
		need[g.Key] = true
		for _, it := range g.Items {
			need[it.Key] = true
		}
	}
	for _, r := range evidence.Roles {
		need["role."+string(r)] = true
	}
	for _, p := range purposes {
		need["purpose."+string(p)] = true
	}
	for _, k := range []evidence.Kind{evidence.KindVideo, evidence.KindAudio, evidence.KindPhoto, evidence.KindUnknown} {
		need["kind."+string(k)] = true
	}
	for _, s := range []evidence.RequestStatus{evidence.RequestPending, evidence.RequestApproved, evidence.RequestRejected, evidence.RequestWithdrawn} {
		need["status."+string(s)] = true
	}
	for _, o := range []string{"ok", "denied", "failed"} {
		need["outcome."+o] = true
	}
	for _, k := range []string{"error.title", "error.forbidden", "error.forbidden_hint", "error.not_found", "error.invalid", "error.internal", "grants.expired", "grants.left_days",
		"grants.left_hours", "grants.left_minutes", "register.duration_s", "register.last"} {
		need[k] = true
	}
	if len(need) < 100 {
		t.Fatalf("found only %d keys in use: is the key pattern out of date?", len(need))
	}
	var missing []string
	for k := range need {
		for _, l := range locale.Languages() {
			if _, ok := locale.New(l).Lookup(k); !ok {
				missing = append(missing, l+":"+k)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("missing from the catalogue: %v", missing)
	}
}

// TestActionsNamed: every custody action has a name in both locales, so
// the custody log, timelines and PDFs never show a raw action (R-AUD-1).
// That the code writes only these actions is app.TestActionsKnown's.
func TestActionsNamed(t *testing.T) {
	for _, a := range evidence.Actions {
		for _, l := range []string{"zh", "en"} {
			if _, ok := locale.New(l).Lookup("action." + string(a)); !ok {
				t.Errorf("action %s has no %s name", a, l)
			}
		}
	}
}

// Static files are served with checksummed URLs.
func TestStatic(t *testing.T) {
	h := &Handler{}
	mux := http.NewServeMux()
	var last error
	mux.HandleFunc("GET /static/{name}", func(w http.ResponseWriter, r *http.Request) { last = h.Static(w, r) })
	for name, a := range assets {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", a.url, nil))
		if w.Code != http.StatusOK || w.Body.Len() != len(a.body) || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %d", name, w.Code, w.Body.Len())
		}
	}
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/static/nothing.js", nil))
	if evidence.ErrorCode(last) != evidence.ENotFound {
		t.Errorf("missing file: %v, want not found", last)
	}
}
