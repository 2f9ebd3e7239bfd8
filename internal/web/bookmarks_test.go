package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
	"shilu/internal/web/api"
	"shilu/internal/web/ui"
)

// bookmarkEnv is a test server with one 8-second recording of officer
// 000123 and people with different reasons to touch it.
type bookmarkEnv struct {
	*testServer
	rec    evidence.Recording
	tokens map[string]string // by account name
}

// newBookmarkEnv makes, beside newTestServer's accounts (whose grants are
// for another recording):
//   - lihua, officer 000123 in 一大队: the recording is her own;
//   - wangfang, legal in 二大队, with a live grant for it;
//   - zhangwei, leader of 一大队, with a live grant;
//   - liuyang, leader of 二大队, with a live grant;
//   - zhaoqiang, leader of 一大队, without a grant.
func newBookmarkEnv(t *testing.T) *bookmarkEnv {
	t.Helper()
	ts := newTestServer(t)
	env := &bookmarkEnv{testServer: ts, tokens: map[string]string{}}
	ctx := context.Background()
	facts, err := json.Marshal(media.Facts{Kind: evidence.KindVideo, Container: "mp4", Duration: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		one, err := tx.CreateDepartment(ctx, "一大队", nil)
		if err != nil {
			return err
		}
		two, err := tx.CreateDepartment(ctx, "二大队", nil)
		if err != nil {
			return err
		}
		station, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		if env.rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("bookmarked")), Size: 10, Filename: "DSJ0A12_000123_20261126093015_0001.MP4",
			Kind: evidence.KindVideo, Officer: "000123", Device: "DSJ0A12", Media: facts}, station.ID); err != nil {
			return err
		}
		for _, p := range []struct {
			name      string
			role      evidence.Role
			dept      int64
			officerNo string
			grant     bool
		}{
			{"lihua", evidence.RoleOfficer, one.ID, "000123", false},
			{"wangfang", evidence.RoleLegal, two.ID, "", true},
			{"zhangwei", evidence.RoleLeader, one.ID, "", true},
			{"liuyang", evidence.RoleLeader, two.ID, "", true},
			{"zhaoqiang", evidence.RoleLeader, one.ID, "", false},
		} {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: p.name, Role: p.role, DepartmentID: &p.dept, OfficerNo: p.officerNo})
			if err != nil {
				return err
			}
			if env.tokens[p.name], err = actAs(ctx, tx, a.User); err != nil {
				return err
			}
			if !p.grant {
				continue
			}
			req, err := tx.CreateAccessRequest(ctx, evidence.AccessRequest{RequesterID: a.ID, Purpose: evidence.PurposeCaseWork, Reason: "bookmark test",
				RecordingIDs: []int64{env.rec.ID}, From: tx.Now(), Until: tx.Now().Add(time.Hour)})
			if err != nil {
				return err
			}
			req.Status = evidence.RequestApproved
			if _, err := approveDirectly(ctx, tx, req, station.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env.tokens["u-officer"] = ts.tokens[evidence.RoleOfficer]
	env.tokens["u-station"] = ts.tokens[evidence.RoleStation]
	return env
}

// send makes a request as the named account and returns the status and
// the body.
func (env *bookmarkEnv) send(t *testing.T, method, path, who, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.tokens[who])
	w := httptest.NewRecorder()
	env.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func (env *bookmarkEnv) path(suffix string) string {
	return fmt.Sprintf("/api/v1/recordings/%d/bookmarks%s", env.rec.ID, suffix)
}

// add marks a moment as who and returns the bookmark, failing unless the
// answer is 201.
func (env *bookmarkEnv) add(t *testing.T, who, body string) evidence.Bookmark {
	t.Helper()
	code, out := env.send(t, "POST", env.path(""), who, body)
	if code != http.StatusCreated {
		t.Fatalf("add as %s: %d %s", who, code, out)
	}
	var b evidence.Bookmark
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// lastOf returns the newest custody entry of the recording with action.
func (env *bookmarkEnv) lastOf(t *testing.T, action evidence.Action) (audit.Entry, bool) {
	t.Helper()
	trail := env.custodyOf(t, app.ObjRecording(env.rec.ID))
	for i := len(trail) - 1; i >= 0; i-- {
		if trail[i].Action == action {
			return trail[i], true
		}
	}
	return audit.Entry{}, false
}

// R-ACT-5: marking needs a reason to touch the recording: one's own
// recording (officer number) or a live grant; a role that may handle
// evidence but has neither is refused, and the refusal is logged. Every
// bookmark lands in the custody log with its offset, kind and label.
func TestBookmarkAdd(t *testing.T) {
	env := newBookmarkEnv(t)
	for _, c := range []struct {
		name, who, basis string
		want             int
	}{
		{"OKOwnRecording", "lihua", "own", http.StatusCreated},
		{"OKLiveGrant", "wangfang", "grant:", http.StatusCreated},
		{"ErrForbiddenNeither", "u-officer", "", http.StatusForbidden},
		{"ErrForbiddenLeaderWithoutGrant", "zhaoqiang", "", http.StatusForbidden},
		{"ErrForbiddenStationRole", "u-station", "", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			label := "当事人承认无证经营 " + c.name
			code, out := env.send(t, "POST", env.path(""), c.who, `{"offset_ms":5000,"kind":"violation","label":"  `+label+`  "}`)
			if code != c.want {
				t.Fatalf("status %d (%s), want %d", code, out, c.want)
			}
			if code != http.StatusCreated {
				if e, ok := env.lastOf(t, "access.denied"); !ok || e.Actor != c.who || e.Outcome != audit.OutcomeDenied {
					t.Errorf("refusal not logged: last access.denied %+v", e)
				}
				return
			}
			var b evidence.Bookmark
			if err := json.Unmarshal([]byte(out), &b); err != nil {
				t.Fatalf("decode %s: %v", out, err)
			}
			if b.Label != label || b.OffsetMS != 5000 || b.Kind != evidence.BookmarkViolation || b.CreatedBy != c.who || b.RecordingID != env.rec.ID {
				t.Errorf("answer %+v", b)
			}
			e, ok := env.lastOf(t, "bookmark.add")
			if !ok || e.Actor != c.who || e.Details["offset_ms"] != "5000" || e.Details["offset"] != "0:05" || e.Details["kind"] != "violation" ||
				e.Details["label"] != label || e.Details["bookmark"] != strconv.FormatInt(b.ID, 10) || !strings.HasPrefix(e.Details["basis"], c.basis) {
				t.Errorf("custody entry %+v", e)
			}
			if len(e.Digests) != 1 || e.Digests[0] != env.rec.Digest {
				t.Errorf("custody entry names digests %v, want the recording's", e.Digests)
			}
		})
	}
	// Reading is reading the recording's metadata: the station may.
	code, out := env.send(t, "GET", env.path(""), "u-station", "")
	var list api.BookmarkList
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if code != http.StatusOK || len(list.Bookmarks) != 2 || list.DurationMS != 8000 {
		t.Errorf("list as station: %d %+v", code, list)
	}
}

// R-ACT-5: a bookmark lies inside the media (its probed duration), has a
// known kind and a one-line label; bad input is 400 and stores nothing.
func TestBookmarkValidation(t *testing.T) {
	env := newBookmarkEnv(t)
	for _, c := range []struct{ name, body string }{
		{"ErrBeyondEnd", `{"offset_ms":8001,"kind":"scene"}`},
		{"ErrEndBeyondEnd", `{"offset_ms":1000,"end_ms":9000,"kind":"scene"}`},
		{"ErrEndBeforeStart", `{"offset_ms":3000,"end_ms":2000,"kind":"scene"}`},
		{"ErrNegative", `{"offset_ms":-1,"kind":"scene"}`},
		{"ErrNoOffset", `{"kind":"scene"}`},
		{"ErrKind", `{"offset_ms":1000,"kind":"gossip"}`},
		{"ErrNewlineInLabel", `{"offset_ms":1000,"kind":"scene","label":"a\nb"}`},
		{"ErrLabelTooLong", `{"offset_ms":1000,"kind":"scene","label":"` + strings.Repeat("长", evidence.MaxBookmarkLabel+1) + `"}`},
		{"ErrUnknownField", `{"offset_ms":1000,"kind":"scene","colour":"red"}`},
		{"ErrMalformed", `{"offset_ms":`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code, out := env.send(t, "POST", env.path(""), "lihua", c.body); code != http.StatusBadRequest {
				t.Errorf("status %d (%s), want 400", code, out)
			}
		})
	}
	if _, ok := env.lastOf(t, "bookmark.add"); ok {
		t.Error("a refused bookmark is in the custody log")
	}
	if code, _ := env.send(t, "POST", "/api/v1/recordings/9999/bookmarks", "lihua", `{"offset_ms":1,"kind":"scene"}`); code != http.StatusNotFound {
		t.Errorf("unknown recording: %d, want 404", code)
	}
	// A span within the media, ending at its very end, is fine.
	b := env.add(t, "lihua", `{"offset_ms":6000,"end_ms":8000,"kind":"physical_evidence","label":"药品无批号"}`)
	if b.EndMS == nil || *b.EndMS != 8000 {
		t.Errorf("span stored as %+v", b)
	}
}

// R-ACT-5: a bookmark is taken back by its author or by a leader of the
// author's department, either with a reason to touch the recording; the
// removal is kept (who, when), leaves the list and is in the custody log.
func TestBookmarkRemove(t *testing.T) {
	env := newBookmarkEnv(t)
	mine := env.add(t, "lihua", `{"offset_ms":1000,"kind":"notice","label":"已告知正在录音录像"}`)
	second := env.add(t, "lihua", `{"offset_ms":2000,"kind":"scene"}`)
	theirs := env.add(t, "wangfang", `{"offset_ms":3000,"kind":"statement"}`)
	del := func(who string, b evidence.Bookmark) (int, string) {
		return env.send(t, "DELETE", env.path("/"+strconv.FormatInt(b.ID, 10)), who, "")
	}
	for _, c := range []struct {
		name, who string
		b         evidence.Bookmark
		want      int
		as        string
	}{
		{"ErrForbiddenOtherAuthor", "wangfang", mine, http.StatusForbidden, ""},
		{"ErrForbiddenLeaderOfOtherDepartment", "liuyang", mine, http.StatusForbidden, ""},
		{"ErrForbiddenLeaderWithoutGrant", "zhaoqiang", mine, http.StatusForbidden, ""},
		{"ErrForbiddenOwnerOfRecordingNotAuthor", "lihua", theirs, http.StatusForbidden, ""},
		{"OKAuthor", "lihua", mine, http.StatusOK, "author"},
		{"ErrConflictRemovedTwice", "lihua", mine, http.StatusConflict, ""},
		{"OKLeaderOfAuthor", "zhangwei", second, http.StatusOK, "leader"},
		{"OKLeaderOfOtherDepartmentForTheirs", "liuyang", theirs, http.StatusOK, "leader"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := del(c.who, c.b)
			if code != c.want {
				t.Fatalf("status %d (%s), want %d", code, out, c.want)
			}
			if code == http.StatusForbidden {
				if e, ok := env.lastOf(t, "access.denied"); !ok || e.Actor != c.who || e.Details["bookmark"] != strconv.FormatInt(c.b.ID, 10) {
					t.Errorf("refusal not logged: %+v", e)
				}
			}
			if code != http.StatusOK {
				return
			}
			var b evidence.Bookmark
			if err := json.Unmarshal([]byte(out), &b); err != nil {
				t.Fatalf("decode %s: %v", out, err)
			}
			if b.RemovedBy != c.who || b.RemovedAt == nil {
				t.Errorf("removed bookmark %+v", b)
			}
			e, ok := env.lastOf(t, "bookmark.remove")
			if !ok || e.Actor != c.who || e.Details["as"] != c.as || e.Details["bookmark"] != strconv.FormatInt(c.b.ID, 10) ||
				e.Details["offset_ms"] != strconv.FormatInt(c.b.OffsetMS, 10) || e.Details["kind"] != string(c.b.Kind) || e.Details["author"] != c.b.CreatedBy {
				t.Errorf("custody entry %+v", e)
			}
		})
	}
	var list api.BookmarkList
	_, out := env.send(t, "GET", env.path(""), "lihua", "")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if len(list.Bookmarks) != 0 {
		t.Errorf("removed bookmarks still listed: %+v", list.Bookmarks)
	}
	// A bookmark is addressed through its own recording only.
	other := env.add(t, "lihua", `{"offset_ms":4000,"kind":"other"}`)
	path := fmt.Sprintf("/api/v1/recordings/%d/bookmarks/%d", env.recID, other.ID)
	if code, out := env.send(t, "DELETE", path, "lihua", ""); code != http.StatusNotFound {
		t.Errorf("bookmark through another recording: %d %s, want 404", code, out)
	}
}

// R-ACT-5: the recording page draws a marker per bookmark on the strip
// (placed in percent of the media, coloured by kind) and lists it, in
// both languages; the add and remove buttons follow the API's rules.
func TestBookmarkPanel(t *testing.T) {
	env := newBookmarkEnv(t)
	env.add(t, "lihua", `{"offset_ms":2000,"end_ms":4000,"kind":"violation","label":"无证经营"}`)
	env.add(t, "wangfang", `{"offset_ms":6000,"kind":"physical_evidence","label":"过期药品"}`)
	page := func(who, lang string) string {
		t.Helper()
		code, body := env.send(t, "GET", fmt.Sprintf("/recordings/%d?lang=%s", env.rec.ID, lang), who, "")
		if code != http.StatusOK {
			t.Fatalf("page as %s: %d", who, code)
		}
		return body
	}
	for _, c := range []struct{ lang, violation, physical, title string }{
		{"zh", "违法行为", "物证", "重点摄录"},
		{"en", "Violation", "Physical evidence", "Key moments"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			body := page("lihua", c.lang)
			for _, want := range []string{
				`<g class="bm-marker bm-kind-violation"`, `<g class="bm-marker bm-kind-physical_evidence"`,
				`<rect class="bm-span" x="25.000%" y="9" width="25.000%"`, `<rect class="bm-pin" x="75.000%"`,
				`<title>0:02–0:04 ` + c.violation + `：无证经营</title>`, `<title>0:06 ` + c.physical + `：过期药品</title>`,
				c.title, `id="bm-add"`, `id="bm-dialog"`, "bookmarks.js", "bookmarks.css",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			// Her own bookmark can be removed by her, the legal officer's not.
			if n := strings.Count(body, `class="btn btn-small btn-text bm-remove"`); n != 1 {
				t.Errorf("%d remove buttons for the author of one of two bookmarks, want 1", n)
			}
			// The custody timeline names the action and what was marked.
			if !strings.Contains(body, ui.Msg(c.lang, "action.bookmark.add")) || !strings.Contains(body, "0:02–0:04 · "+c.violation+" · 无证经营") {
				t.Error("custody timeline lacks the bookmark entry with its moment, kind and label")
			}
			if strings.Contains(body, "style=") {
				t.Error("inline style attribute: the CSP forbids it")
			}
		})
	}
	// A leader (with a live grant) may remove the bookmark of his
	// department's officer, not that of the other department's.
	for _, leader := range []string{"zhangwei", "liuyang"} {
		if n := strings.Count(page(leader, "zh"), "bm-remove\""); n != 1 {
			t.Errorf("%s sees %d remove buttons, want 1", leader, n)
		}
	}
	// Someone without a reason to touch the recording sees the moments but
	// cannot add or remove.
	body := page("u-officer", "zh")
	if !strings.Contains(body, "bm-kind-violation") || strings.Contains(body, `id="bm-add"`) || strings.Contains(body, "bm-remove\"") {
		t.Error("an officer without grant or ownership gets add or remove buttons, or no markers")
	}
}

// R-ACT-5: the activity page lists the bookmarks of its linked recordings
// beside the Art. 10 facts, each linking to the player at its moment.
func TestActivityBookmarks(t *testing.T) {
	env := newBookmarkEnv(t)
	env.add(t, "lihua", `{"offset_ms":6500,"kind":"physical_evidence","label":"药品无批号"}`)
	a := env.createActivity(t, time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC), "某某大药房", "000123")
	if code, _ := env.send(t, "POST", fmt.Sprintf("/api/v1/activities/%d/recordings", a.ID), "lihua", fmt.Sprintf(`{"recording_ids":[%d]}`, env.rec.ID)); code >= 300 {
		t.Fatalf("link: %d", code)
	}
	for _, lang := range []string{"zh", "en"} {
		code, body := env.send(t, "GET", fmt.Sprintf("/activities/%d?lang=%s", a.ID, lang), "u-officer", "")
		if code != http.StatusOK {
			t.Fatalf("activity page: %d", code)
		}
		for _, want := range []string{`id="activity-bookmarks"`, fmt.Sprintf(`href="/recordings/%d#t=6.5"`, env.rec.ID), "药品无批号", ui.Msg(lang, "bm.kind.physical_evidence"), "0:06", "bookmarks.css"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s activity page lacks %q", lang, want)
			}
		}
	}
}
