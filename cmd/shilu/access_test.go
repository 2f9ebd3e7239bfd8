package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// grantFor files an access request for recording id until the given time,
// has the leader approve it and the custodian register it (Art. 16); it
// returns the grant's id.
func grantFor(t *testing.T, url, requester, leader, custodian string, id int64, until time.Time) int64 {
	t.Helper()
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"supervision","reason":"执法监督抽查","until":%q}`, id, until.UTC().Format(time.RFC3339Nano))
	if resp, b := apiBody(t, "POST", url+"/api/v1/access-requests", requester, nil, body, &req); resp.StatusCode != 201 {
		t.Fatalf("request: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", url, req.ID), leader, nil, "", &req); resp.StatusCode != 200 {
		t.Fatalf("approve: %d %s", resp.StatusCode, b)
	}
	registerGrant(t, url, custodian, req.GrantID)
	return req.GrantID
}

// registerGrant has the custodian register grant id before its first
// playback (Art. 16: 经保管人登记后方可查阅).
func registerGrant(t *testing.T, url, custodian string, id int64) {
	t.Helper()
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/grants/%d/register", url, id), custodian, nil, "", nil); resp.StatusCode != 200 {
		t.Fatalf("register grant %d: %d %s", id, resp.StatusCode, b)
	}
}

// R-VIEW-1: a playback already open stops at its next range request once
// its grant expires or is revoked; a rejected request gives no grant.
func TestGrantEndsOpenPlayback(t *testing.T) {
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	zhaomin := newPerson(t, data, "zhaomin", "legal")
	liuyang := newPerson(t, data, "liuyang", "leader")
	wangfang := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	legal := srv.signIn(t, zhaomin)
	leader := srv.signIn(t, liuyang)
	custodian := srv.signIn(t, wangfang)
	f := randomFile(t, t.TempDir(), "clip.bin", 1<<20, 21)
	out := mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), f)
	id := uploadedID(t, out)
	content := fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id)
	play := func(token string) int {
		resp, _ := api(t, "GET", content, token, map[string]string{"Range": "bytes=0-65535"}, nil)
		return resp.StatusCode
	}

	t.Run("Expiry", func(t *testing.T) {
		until := time.Now().Add(6 * time.Second) // room for request and approval under load
		grantFor(t, srv.URL, legal, leader, custodian, id, until)
		if code := play(legal); code != 206 {
			t.Fatalf("first range request: %d", code)
		}
		time.Sleep(time.Until(until) + 200*time.Millisecond)
		if code := play(legal); code != 403 {
			t.Fatalf("range request after the grant expired: %d, want 403", code)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		g := grantFor(t, srv.URL, legal, leader, custodian, id, time.Now().Add(time.Hour))
		if code := play(legal); code != 206 {
			t.Fatalf("range request: %d", code)
		}
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/grants/%d/revoke", srv.URL, g), custodian, nil, `{"reason":"案件已移送，无需继续查阅"}`, nil); resp.StatusCode != 200 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, b)
		}
		if code := play(legal); code != 403 {
			t.Fatalf("range request after revocation: %d, want 403", code)
		}
	})

	t.Run("Rejected", func(t *testing.T) {
		var req evidence.AccessRequest
		body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"other","reason":"想看看这段录像","until":%q}`, id, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/access-requests", legal, nil, body, &req); resp.StatusCode != 201 {
			t.Fatalf("request: %d %s", resp.StatusCode, b)
		}
		if resp, _ := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/reject", srv.URL, req.ID), leader, nil, `{}`, nil); resp.StatusCode != 400 {
			t.Errorf("rejection without a comment: %d, want 400", resp.StatusCode)
		}
		if resp, _ := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/reject", srv.URL, req.ID), leader, nil, `{"comment":"非工作需要"}`, &req); resp.StatusCode != 200 || req.Status != evidence.RequestRejected || req.GrantID != 0 {
			t.Fatalf("reject: %+v", req)
		}
		if code := play(legal); code != 403 {
			t.Errorf("played on a rejected request: %d", code)
		}
	})

	// The custody trail of the recording tells the whole story.
	var trail struct {
		Entries []struct {
			Action, Actor, Outcome string
		} `json:"entries"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", srv.URL, id), custodian, nil, &trail)
	var got []string
	for _, e := range trail.Entries {
		got = append(got, string(e.Action)+":"+e.Actor)
	}
	for _, want := range []string{"access.request:zhaomin", "access.approve:liuyang", "recording.content:zhaomin", "grant.revoke:wangfang", "access.reject:liuyang", "access.denied:zhaomin"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("custody trail lacks %s: %v", want, got)
		}
	}
}

// R-VIEW-1, R-AUD-1: a viewing is in the register and the custody log
// before its first byte leaves (issue 15: the later ranges of a playback
// reach the register in batches, its first one never). The server is
// killed with SIGKILL as soon as the first byte of a playback arrives;
// after the restart the viewing is registered and logged. A second
// playback after the restart, whose later ranges were counted when the
// server shut down, is one viewing with all its bytes.
func TestViewingRegisteredBeforeFirstByte(t *testing.T) {
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	zhaomin := newPerson(t, data, "zhaomin", "legal")
	liuyang := newPerson(t, data, "liuyang", "leader")
	wangfang := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	legal := srv.signIn(t, zhaomin)
	f := randomFile(t, t.TempDir(), "clip.bin", 8<<20, 22)
	id := uploadedID(t, mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), f))
	grantFor(t, srv.URL, legal, srv.signIn(t, liuyang), srv.signIn(t, wangfang), id, time.Now().Add(time.Hour))
	content := fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id)

	req, _ := http.NewRequest("GET", content, nil)
	req.Header.Set("Authorization", "Bearer "+legal)
	req.Header.Set("Range", "bytes=0-")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1)); err != nil || resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("first byte: %d %v", resp.StatusCode, err)
	}
	srv.kill()
	resp.Body.Close()

	srv = startServer(t, data, "127.0.0.1:0")
	custodian := srv.signIn(t, wangfang)
	var reg struct{ Viewings []evidence.Viewing }
	if resp, b := api(t, "GET", srv.URL+"/api/v1/register", custodian, nil, &reg); resp.StatusCode != 200 {
		t.Fatalf("register: %d %s", resp.StatusCode, b)
	}
	if len(reg.Viewings) != 1 || reg.Viewings[0].Viewer != "zhaomin" || reg.Viewings[0].RecordingID != id || reg.Viewings[0].Bytes != 8<<20 {
		t.Fatalf("register after the crash: %+v, want zhaomin's viewing of %d with the %d bytes asked for", reg.Viewings, id, 8<<20)
	}
	contents := func() int {
		var trail struct {
			Entries []struct{ Action, Actor string } `json:"entries"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", srv.URL, id), custodian, nil, &trail)
		n := 0
		for _, e := range trail.Entries {
			if e.Action == string(evidence.ActionRecordingContent) && e.Actor == "zhaomin" {
				n++
			}
		}
		return n
	}
	if n := contents(); n != 1 {
		t.Errorf("custody log has %d entries of the viewing, want 1", n)
	}

	// The same viewer goes on within evidence.ViewingGap: the same
	// viewing, whose later ranges are counted in the register once the
	// server shuts down, without another custody entry.
	legal = srv.signIn(t, zhaomin)
	content = fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id)
	for _, rg := range []string{"bytes=0-99", "bytes=100-1099", "bytes=1100-1199"} {
		if resp, _ := api(t, "GET", content, legal, map[string]string{"Range": rg}, nil); resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("range %s: %d", rg, resp.StatusCode)
		}
	}
	srv.stop()
	srv = startServer(t, data, "127.0.0.1:0")
	custodian = srv.signIn(t, wangfang)
	if resp, b := api(t, "GET", srv.URL+"/api/v1/register", custodian, nil, &reg); resp.StatusCode != 200 {
		t.Fatalf("register: %d %s", resp.StatusCode, b)
	}
	if len(reg.Viewings) != 1 || reg.Viewings[0].Requests != 4 || reg.Viewings[0].Bytes != 8<<20+1200 {
		t.Errorf("register after a clean shutdown: %+v, want one viewing of 4 requests and %d bytes", reg.Viewings, 8<<20+1200)
	}
	if n := contents(); n != 1 {
		t.Errorf("custody log has %d entries of the viewing, want 1", n)
	}
}
