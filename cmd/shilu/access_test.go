package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// grantFor files an access request for recording id until the given time and
// has the leader approve it; it returns the grant's id.
func grantFor(t *testing.T, url, requester, leader string, id int64, until time.Time) int64 {
	t.Helper()
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"supervision","reason":"执法监督抽查","until":%q}`, id, until.UTC().Format(time.RFC3339Nano))
	if resp, b := apiBody(t, "POST", url+"/api/v1/access-requests", requester, nil, body, &req); resp.StatusCode != 201 {
		t.Fatalf("request: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", url, req.ID), leader, nil, "", &req); resp.StatusCode != 200 {
		t.Fatalf("approve: %d %s", resp.StatusCode, b)
	}
	return req.GrantID
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
		grantFor(t, srv.URL, legal, leader, id, until)
		if code := play(legal); code != 206 {
			t.Fatalf("first range request: %d", code)
		}
		time.Sleep(time.Until(until) + 200*time.Millisecond)
		if code := play(legal); code != 403 {
			t.Fatalf("range request after the grant expired: %d, want 403", code)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		g := grantFor(t, srv.URL, legal, leader, id, time.Now().Add(time.Hour))
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
