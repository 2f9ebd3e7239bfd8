package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Security regressions found by trying the archive as an attacker and as a
// malicious insider would (issue 9). One test per point; each failed on the
// commit before its fix.

// addContent archives content under name as a recording of kind, with a
// grant for every role that may view.
func (ts *testServer) addContent(t *testing.T, name string, kind evidence.Kind, content []byte) int64 {
	t.Helper()
	ctx := context.Background()
	d := blob.Sum(content)
	if err := ts.cfg.Blobs.Put(ctx, d, bytes.NewReader(content), int64(len(content))); err != nil {
		t.Fatal(err)
	}
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(content)), Filename: name, Kind: kind}, u.ID)
		if err != nil {
			return err
		}
		id = rec.ID
		return grantEveryone(ctx, tx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// X-SEC-1, R-VIEW-1 (issue 9 point 1): uploaded content never runs in the
// app's origin. An officer's notes.html or an SVG with a script, opened by a
// leader with a grant, used to run with the leader's session and could
// approve requests. Every content response is sandboxed and not sniffed;
// only audio, video and raster images the probe recognised are shown
// inline, everything else (HTML, SVG, text, files whose name and content
// disagree) is a download of opaque bytes. Evidence is evidence: the file
// is still archived and served, byte for byte.
func TestContentNeverRendersInOrigin(t *testing.T) {
	ts := newTestServer(t)
	script := []byte(`<html><script>fetch("/api/v1/access-requests/1/decision",{method:"POST"})</script></html>`)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`)
	tests := []struct {
		name    string
		kind    evidence.Kind
		content []byte
		typ     string // the Content-Type sent
		inline  bool
	}{
		{"clip.mp4", evidence.KindVideo, []byte("video"), "video/mp4", true},
		{"DSJ0A12_000123_20261126093015_0001.MP4", evidence.KindVideo, []byte("video"), "video/mp4", true},
		{"voice.mp3", evidence.KindAudio, []byte("audio"), "audio/mpeg", true},
		{"scene.jpg", evidence.KindPhoto, []byte("photo"), "image/jpeg", true},
		{"notes.html", evidence.KindUnknown, script, "application/octet-stream", false},
		{"notes.htm", evidence.KindUnknown, script, "application/octet-stream", false},
		{"drawing.svg", evidence.KindPhoto, svg, "application/octet-stream", false},
		{"readme.txt", evidence.KindUnknown, []byte("text"), "application/octet-stream", false},
		{"page.xhtml", evidence.KindUnknown, script, "application/octet-stream", false},
		{"fake.mp4", evidence.KindUnknown, script, "application/octet-stream", false}, // the probe found no video
		{"video.html", evidence.KindVideo, script, "application/octet-stream", false}, // name and kind disagree
		{"noext", evidence.KindVideo, []byte("video"), "application/octet-stream", false},
		{"报告<script>.html", evidence.KindUnknown, script, "application/octet-stream", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := append(bytes.Clone(tt.content), tt.name...) // one blob each
			id := ts.addContent(t, tt.name, tt.kind, content)
			for _, role := range []evidence.Role{evidence.RoleLeader, evidence.RoleOfficer} {
				w := ts.do("GET", "/api/v1/recordings/"+strconv.FormatInt(id, 10)+"/content", ts.tokens[role])
				if w.Code != 200 {
					t.Fatalf("%s: status %d: %s", role, w.Code, w.Body)
				}
				checkContentHeaders(t, w, tt.typ, tt.inline, tt.name)
				if !bytes.Equal(w.Body.Bytes(), content) {
					t.Errorf("%s: body differs from the original", role)
				}
			}
		})
	}
}

func checkContentHeaders(t *testing.T, w *httptest.ResponseRecorder, typ string, inline bool, filename string) {
	t.Helper()
	h := w.Header()
	if got := h.Get("Content-Type"); got != typ {
		t.Errorf("Content-Type %q, want %q", got, typ)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if got := h.Get("Content-Security-Policy"); got != contentCSPWant {
		t.Errorf("Content-Security-Policy %q, want %q", got, contentCSPWant)
	}
	disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err != nil {
		t.Fatalf("Content-Disposition %q: %v", h.Get("Content-Disposition"), err)
	}
	want := "attachment"
	if inline {
		want = "inline"
	}
	if disp != want || params["filename"] != filename {
		t.Errorf("Content-Disposition %q, want %s with filename %q", h.Get("Content-Disposition"), want, filename)
	}
}

// contentCSPWant is the policy every content response carries: a sandbox
// (an opaque origin without scripts, forms or plugins).
const contentCSPWant = "sandbox"

// Issue 9 point 8: after sign-in the page goes only to a path of this
// server. Browsers read "/\host" (and "/\t/host") as "//host".
func TestLoginNextStaysLocal(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct{ next, want string }{
		{"/recordings?kind=video", "/recordings?kind=video"},
		{"/activities/3", "/activities/3"},
		{"", "/"},
		{"//evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5C%5Cevil.example", "/"},
		{"%5C%5Cevil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/%0A/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"recordings", "/"},
	}
	for _, tt := range tests {
		w := ts.do("GET", "/login?next="+tt.next, "")
		if w.Code != 200 {
			t.Fatalf("next=%s: status %d", tt.next, w.Code)
		}
		if want := `data-next="` + html.EscapeString(tt.want) + `"`; !strings.Contains(w.Body.String(), want) {
			i := strings.Index(w.Body.String(), "data-next=")
			t.Errorf("next=%s: want %s, page has %.60s", tt.next, want, w.Body.String()[max(i, 0):])
		}
	}
}

// Issue 9 point 8: a link to /logout (a GET anyone can plant) no longer
// ends the session; only the workbench's POST with its CSRF token does.
func TestLogoutNeedsPost(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("wang", evidence.RoleOfficer, "Secret-Pass-2026", false)
	_, c := e.login("wang", "Secret-Pass-2026", "")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", e.url+"/logout", nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c.cookie})
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("GET /logout signed in: %d %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	if a := e.do("GET", "/api/v1/session", c, ""); a.code != 200 {
		t.Fatalf("the session ended by a GET: %d %s", a.code, a.body)
	}
	if a := e.do("POST", "/api/v1/logout", c, ""); a.code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", a.code, a.body)
	}
	if resp := get(); resp.StatusCode != 200 {
		t.Errorf("GET /logout signed out: %d, want the page", resp.StatusCode)
	}
	if a := e.do("GET", "/api/v1/session", c, ""); a.code != http.StatusUnauthorized {
		t.Errorf("session after logout: %d", a.code)
	}
}

// Issue 9 point 8: behind a TLS-terminating proxy the session cookie is
// Secure and the custody log names the client, not the proxy — but only
// for a proxy the operator named: anyone else's X-Forwarded-* headers are
// the client's own words.
func TestTrustedProxy(t *testing.T) {
	ts := newTestServer(t)
	ts.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/28")}
	tests := []struct {
		name, remote, forwardedFor string
		secure                     bool
		logged                     string // the remote address in the custody entry
	}{
		{"TrustedProxy", "192.0.2.1:40000", "10.9.9.9, 203.0.113.9", true, "203.0.113.9:0"},
		{"TrustedChain", "192.0.2.1:40000", "203.0.113.9, 192.0.2.2", true, "203.0.113.9:0"},
		{"NotAProxy", "198.51.100.7:41000", "203.0.113.9", false, "198.51.100.7:41000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"name":"u-officer","password":"pw-officer"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", tt.forwardedFor)
			req.Header.Set("X-Forwarded-Proto", "https")
			w := httptest.NewRecorder()
			ts.ServeHTTP(w, req)
			if w.Code != 200 {
				t.Fatalf("login: %d %s", w.Code, w.Body)
			}
			var cookie *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == auth.SessionCookie {
					cookie = c
				}
			}
			if cookie == nil || cookie.Secure != tt.secure {
				t.Errorf("session cookie %+v, want Secure=%v", cookie, tt.secure)
			}
			log := ts.custodyOf(t, "user:u-officer")
			if got := log[len(log)-1].Details["remote"]; got != tt.logged {
				t.Errorf("custody entry's remote %q, want %q", got, tt.logged)
			}
		})
	}
}

// Issue 9 point 8: a recording's custody trail is open to every reader of
// the recording, but the register of viewings is not; the trail no longer
// shows the requester's reason and address to those who may not read the
// register. The requester sees their own; those who may read the register
// (custodian, leader) see everything.
func TestCustodyTrailKeepsPrivateDetails(t *testing.T) {
	ts := newTestServer(t)
	const reason = "家属投诉复核，涉及当事人隐私"
	until := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":%q,"until":%q}`, ts.recID, reason, until)
	if code := ts.call(t, "POST", "/api/v1/access-requests", evidence.RoleOfficer, body, nil); code != 201 {
		t.Fatalf("request: %d", code)
	}
	path := "/api/v1/recordings/" + strconv.FormatInt(ts.recID, 10)
	for _, tt := range []struct {
		role evidence.Role
		sees bool
	}{
		{evidence.RoleOfficer, true}, // the requester
		{evidence.RoleCustodian, true},
		{evidence.RoleLeader, true},
		{evidence.RoleLegal, false},
	} {
		w := ts.do("GET", path+"/custody", ts.tokens[tt.role])
		if w.Code != 200 {
			t.Fatalf("%s: custody %d", tt.role, w.Code)
		}
		if got := strings.Contains(w.Body.String(), reason); got != tt.sees {
			t.Errorf("%s: API trail shows the reason: %v, want %v", tt.role, got, tt.sees)
		}
		if got := strings.Contains(w.Body.String(), `"redacted"`); got == tt.sees {
			t.Errorf("%s: API trail marks entries redacted: %v, want %v", tt.role, got, !tt.sees)
		}
		page := ts.page(t, tt.role, "/recordings/"+strconv.FormatInt(ts.recID, 10)).Body.String()
		if got := strings.Contains(page, reason); got != tt.sees {
			t.Errorf("%s: page trail shows the reason: %v, want %v", tt.role, got, tt.sees)
		}
	}
}

// Issue 9 point 9, R-ACC-1: deleting an original is a breach (Art.
// 20(一)); a DELETE of a recording is refused, the bytes stay, and the
// attempt is in the custody log — it used to be a bare 405 that left no
// trace.
func TestRecordingDeleteAttemptLogged(t *testing.T) {
	ts := newTestServer(t)
	path := "/api/v1/recordings/" + strconv.FormatInt(ts.recID, 10)
	for _, role := range []evidence.Role{evidence.RoleCustodian, evidence.RoleOfficer, evidence.RoleSysAdmin} {
		w := ts.do("DELETE", path, ts.tokens[role])
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: DELETE %d, want 403", role, w.Code)
		}
	}
	var denied []string
	for _, e := range ts.custodyOf(t, "recording:"+strconv.FormatInt(ts.recID, 10)) {
		if e.Action == evidence.ActionAccessDenied {
			denied = append(denied, e.Actor)
		}
	}
	if len(denied) != 3 {
		t.Errorf("custody log has %d refused deletions (%v), want 3", len(denied), denied)
	}
	if w := ts.do("GET", path+"/content", ts.tokens[evidence.RoleLegal]); w.Code != 200 || w.Body.String() != "recorded bytes" {
		t.Errorf("content after the attempts: %d %q", w.Code, w.Body)
	}
}

// Issue 9 point 5, R-VIEW-1: the register holds the bytes that were sent.
// If-Range, HEAD, several ranges, an unsatisfiable range and conditional
// requests used to register the bytes the Range header named, not those
// that left.
func TestRegisterCountsWhatIsSent(t *testing.T) {
	ts := newTestServer(t)
	path := "/api/v1/recordings/" + strconv.FormatInt(ts.recID, 10) + "/content"
	etag := ts.do("GET", path, ts.tokens[evidence.RoleLegal]).Header().Get("ETag")
	registered := func() int64 {
		// The later ranges of a viewing reach the register in batches
		// (app.FlushViewings, issue 15); the test writes them now.
		if err := ts.app.FlushViewings(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int64
		err := ts.cfg.DB.View(context.Background(), func(tx *store.Tx) error {
			list, err := tx.Register(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), store.Scope{})
			for _, v := range list {
				if v.Viewer == "u-legal" && v.RecordingID == ts.recID {
					n += v.Bytes
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		name, method string
		hdr          []string
		code         int
	}{
		{"Whole", "GET", nil, 200},
		{"Range", "GET", []string{"Range", "bytes=0-3"}, 206},
		{"Suffix", "GET", []string{"Range", "bytes=-5"}, 206},
		{"Head", "HEAD", nil, 200},
		{"IfRangeStale", "GET", []string{"Range", "bytes=0-3", "If-Range", `"sha256-stale"`}, 200},
		{"IfRangeFresh", "GET", []string{"Range", "bytes=0-3", "If-Range", etag}, 206},
		{"SeveralRanges", "GET", []string{"Range", "bytes=0-1,4-5"}, 200},
		{"Unsatisfiable", "GET", []string{"Range", "bytes=100-200"}, 416},
		{"IfNoneMatch", "GET", []string{"If-None-Match", etag}, 200},
		{"Garbled", "GET", []string{"Range", "bytes=x-y"}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := registered()
			req := httptest.NewRequest(tt.method, path, nil)
			req.Header.Set("Authorization", "Bearer "+ts.tokens[evidence.RoleLegal])
			for i := 0; i < len(tt.hdr); i += 2 {
				req.Header.Set(tt.hdr[i], tt.hdr[i+1])
			}
			w := httptest.NewRecorder()
			ts.ServeHTTP(w, req)
			if w.Code != tt.code {
				t.Errorf("status %d, want %d", w.Code, tt.code)
			}
			sent := int64(w.Body.Len())
			if w.Code == http.StatusRequestedRangeNotSatisfiable {
				sent = 0 // the body is http.ServeContent's message, not content
			}
			if got := registered() - before; got != sent {
				t.Errorf("registered %d bytes, sent %d", got, sent)
			}
		})
	}
}

// Issue 9 point 5, R-VIEW-1: a revocation ends a download already under
// way, within about a second; it used to run to its end.
func TestRevocationEndsResponseUnderWay(t *testing.T) {
	ts := newTestServer(t)
	const size = 64 << 20
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	id := ts.addContent(t, "long.mp4", evidence.KindVideo, content)
	srv := httptest.NewServer(ts)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/recordings/"+strconv.FormatInt(id, 10)+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens[evidence.RoleLegal])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	var grants struct{ Grants []evidence.Grant }
	if code := ts.call(t, "GET", "/api/v1/grants?mine=1&live=1", evidence.RoleLegal, "", &grants); code != 200 {
		t.Fatalf("grants: %d", code)
	}
	for _, g := range grants.Grants {
		if slices.Contains(g.RecordingIDs, id) {
			if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/revoke", g.ID), evidence.RoleCustodian, `{"reason":"test"}`, nil); code != 200 {
				t.Fatalf("revoke: %d", code)
			}
		}
	}
	time.Sleep(2 * time.Second) // the response checks its grant every second
	n, _ := io.Copy(io.Discard, resp.Body)
	if total := int64(len(buf)) + n; total >= size {
		t.Errorf("received all %d bytes after the revocation", total)
	}
}

// X-SEC-1, X-SEC-2: tokens belong to collection stations (issue 9 point
// 3). Nobody, not even the server's operator, gives a person a token; a
// token that a person's account holds anyway (made by an earlier version,
// or written into the database) carries no rights; a station's token ends
// for good when its account's role changes or it is disabled.
func TestTokensBelongToStations(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	station := ts.tokens[evidence.RoleStation]
	works := func(token string) bool {
		return ts.do("GET", "/api/v1/recordings", token).Code == http.StatusOK
	}
	if !works(station) {
		t.Fatal("the station's token does not work")
	}
	var officer evidence.User
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) (err error) {
		officer, _, err = tx.UserByName(ctx, "u-officer")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.app.CreateToken(ctx, app.System("cli:root"), officer.ID, "laptop"); evidence.ErrorCode(err) != evidence.EInvalid {
		t.Errorf("the operator gives an officer a token: %v", err)
	}
	if code, e := ts.callErr(t, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", officer.ID), evidence.RoleSysAdmin, `{"name":"laptop"}`); code != http.StatusBadRequest || e.Key != "err.token.station_only" {
		t.Errorf("the system administrator gives an officer a token: %d %+v", code, e)
	}
	forged, hash := auth.NewToken()
	err = ts.cfg.DB.Update(ctx, func(tx *store.Tx) error { return tx.CreateToken(ctx, officer.ID, hash, "old version") })
	if err != nil {
		t.Fatal(err)
	}
	if works(forged) {
		t.Error("an officer's token carries the officer's rights")
	}

	stationID := ts.userID(t, "u-station")
	role := fmt.Sprintf("/api/v1/users/%d/role", stationID)
	// A station stays a station: the role that would turn its token into
	// a person's rights cannot be given (app.Assign), and the token keeps
	// only the station's.
	if code, e := ts.callErr(t, "PUT", role, evidence.RoleSecAdmin, `{"role":"officer"}`); code != http.StatusBadRequest || e.Key != "err.user.station_role" {
		t.Errorf("a station made an officer: %d %+v", code, e)
	}
	if !works(station) {
		t.Error("a refused role change ended the station's token")
	}

	station = ts.newStationToken(t, stationID)
	user := fmt.Sprintf("/api/v1/users/%d", stationID)
	for _, disabled := range []bool{true, false} {
		if code := ts.call(t, "PATCH", user, evidence.RoleSysAdmin, fmt.Sprintf(`{"disabled":%v}`, disabled), nil); code != http.StatusOK {
			t.Fatalf("disabled %v: %d", disabled, code)
		}
		if works(station) {
			t.Errorf("the station's token works after disabled=%v", disabled)
		}
	}
}

// userID returns the id of account name.
func (ts *testServer) userID(t *testing.T, name string) int64 {
	t.Helper()
	var id int64
	err := ts.cfg.DB.View(context.Background(), func(tx *store.Tx) error {
		u, _, err := tx.UserByName(context.Background(), name)
		id = u.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newStationToken gives station id a new token, as the system
// administrator does.
func (ts *testServer) newStationToken(t *testing.T, id int64) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", id), evidence.RoleSysAdmin, `{"name":"采集站一号"}`, &out); code != http.StatusCreated || out.Token == "" {
		t.Fatalf("new token: %d %+v", code, out)
	}
	return out.Token
}
