package web

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
)

// A recording that could not be probed says why in the reader's language
// on its page and in the list's tooltip: the kind of trouble from the
// catalogue, never the stored error's English and the server's paths.
func TestProbeErrorShownInWords(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	const stored = `media: ffprobe not available: exec: "ffprobe": executable file not found in $PATH (/var/lib/shilu/uploads/3f2a)`
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("odd")), Size: 3, Filename: "odd.bin", Kind: evidence.KindUnknown,
			ProbeError: stored}, u.ID)
		id = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range locale.Languages() {
		want := html.EscapeString(locale.New(lang).T("media.problem.no_ffprobe"))
		for _, path := range []string{fmt.Sprintf("/recordings/%d", id), "/recordings"} {
			w := ts.page(t, evidence.RoleCustodian, path+"?lang="+lang)
			body := w.Body.String()
			if w.Code != 200 || !strings.Contains(body, want) {
				t.Errorf("%s %s: %d, lacks %q", lang, path, w.Code, want)
			}
			if strings.Contains(body, "/var/lib/shilu") || strings.Contains(body, "executable file not found") {
				t.Errorf("%s %s shows the stored probe error", lang, path)
			}
		}
	}
}
