package web

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/web/api"
)

// TestRecordingListPages pages the list of recordings by position through
// the API and the workbench: every recording once, in order, the cursors
// ending where the list does, the search kept in the page links; an
// offset is refused rather than answered with the first page.
func TestRecordingListPages(t *testing.T) {
	ts := newTestServer(t)
	at := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	var want []int64
	for i := range 45 {
		start := at.Add(-time.Duration(i) * time.Minute) // created newest first: the list's order
		want = append(want, ts.addRecording(t, fmt.Sprintf("p%02d.mp4", i), "000777", "DSJ0P01", start, start.Add(30*time.Second)))
	}

	var got []int64
	var pages []api.RecordingList
	path := "/api/v1/recordings?officer=000777&limit=20"
	for len(pages) < 5 {
		var l api.RecordingList
		if code := ts.call(t, "GET", path, evidence.RoleLeader, "", &l); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		if l.Total != 45 || l.Over {
			t.Errorf("total %d over %v, want 45", l.Total, l.Over)
		}
		pages = append(pages, l)
		for _, r := range l.Recordings {
			got = append(got, r.ID)
		}
		if l.Next == "" {
			break
		}
		path = "/api/v1/recordings?officer=000777&limit=20&after=" + l.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
	if len(pages) != 3 || pages[0].Prev != "" || pages[1].Prev == "" || pages[2].Next != "" {
		t.Fatalf("%d pages, cursors %q/%q %q/%q", len(pages), pages[0].Prev, pages[0].Next, pages[1].Prev, pages[2].Next)
	}
	var back api.RecordingList
	ts.call(t, "GET", "/api/v1/recordings?officer=000777&limit=20&before="+pages[2].Prev, evidence.RoleLeader, "", &back)
	if len(back.Recordings) != 20 || back.Recordings[0].ID != want[20] || back.Next != pages[1].Next || back.Prev == "" {
		t.Errorf("the page before the last starts at %d (want %d), next %q prev %q", back.Recordings[0].ID, want[20], back.Next, back.Prev)
	}
	if code, e := ts.callErr(t, "GET", "/api/v1/recordings?offset=40", evidence.RoleLeader, ""); code != http.StatusBadRequest || e.Key != "err.query.offset" {
		t.Errorf("an offset: %d %+v", code, e)
	}

	// The workbench: 20 a page, the next and previous pages by position.
	link := regexp.MustCompile(`href="([^"]+)" rel="(next|prev)"`)
	links := func(body string) map[string]string {
		out := map[string]string{}
		for _, m := range link.FindAllStringSubmatch(body, -1) {
			out[m[2]] = html.UnescapeString(m[1])
		}
		return out
	}
	w := ts.page(t, evidence.RoleLeader, "/recordings?officer=000777")
	first := links(w.Body.String())
	if w.Code != http.StatusOK || first["prev"] != "" || !strings.Contains(first["next"], "after=") || !strings.Contains(first["next"], "officer=000777") {
		t.Fatalf("first page %d, links %v", w.Code, first)
	}
	if !strings.Contains(w.Body.String(), "共 45 条") {
		t.Error("the first page does not say 共 45 条")
	}
	second := links(ts.page(t, evidence.RoleLeader, first["next"]).Body.String())
	third := ts.page(t, evidence.RoleLeader, second["next"]).Body.String()
	if !strings.Contains(second["prev"], "before=") || links(third)["next"] != "" || !strings.Contains(third, "p44.mp4") || strings.Contains(third, "p39.mp4") {
		t.Errorf("second page's links %v; the third has p44 %v, p39 %v", second, strings.Contains(third, "p44.mp4"), strings.Contains(third, "p39.mp4"))
	}
	if w := ts.page(t, evidence.RoleLeader, "/recordings?after=nonsense"); w.Code != http.StatusBadRequest {
		t.Errorf("a nonsense cursor: %d", w.Code)
	}
}
