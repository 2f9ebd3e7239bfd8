package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// addUngranted stores content as a recording that nobody holds a grant for.
func (ts *testServer) addUngranted(t *testing.T, name string, content []byte) int64 {
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
		rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(content)), Filename: name, Kind: evidence.KindVideo}, u.ID)
		id = rec.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// grantDirectly approves, in the database and not through the server, an
// access request of the test account of role for recording id until the
// given time, as another instance or the CLI would; it returns the grant.
func (ts *testServer) grantDirectly(t *testing.T, role evidence.Role, id int64, until time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var grant int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-"+string(role))
		if err != nil {
			return err
		}
		leader, _, err := tx.UserByName(ctx, "u-leader")
		if err != nil {
			return err
		}
		req, err := tx.CreateAccessRequest(ctx, evidence.AccessRequest{RequesterID: u.ID, Purpose: evidence.PurposeCaseWork, Reason: "playback test",
			RecordingIDs: []int64{id}, From: tx.Now(), Until: until})
		if err != nil {
			return err
		}
		req.Status = evidence.RequestApproved
		req, err = approveDirectly(ctx, tx, req, leader.ID)
		grant = req.GrantID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return grant
}

// play asks for one range of recording id's content as role.
func (ts *testServer) play(role evidence.Role, id int64, rg string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/api/v1/recordings/"+strconv.FormatInt(id, 10)+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens[role])
	req.Header.Set("Range", rg)
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	return w
}

// R-VIEW-1 (issue 15): the range requests of a playback are authorised
// from a cache of live grants, and every change of a grant still takes
// effect at the next range request: a revocation through the server, and
// one committed to the database by another process (another instance, the
// CLI), which reaches this server's cache through the access generation
// alone. A grant approved elsewhere is honoured at once: absence is never
// cached.
func TestGrantChangeReachesNextRange(t *testing.T) {
	for _, tt := range []struct {
		name   string
		revoke func(ts *testServer, grant int64) error
	}{
		{"ThroughServer", func(ts *testServer, grant int64) error {
			if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/revoke", grant), evidence.RoleCustodian, `{"reason":"案件已移送"}`, nil); code != http.StatusOK {
				return fmt.Errorf("revoke: %d", code)
			}
			return nil
		}},
		{"InDatabase", func(ts *testServer, grant int64) error {
			ctx := context.Background()
			return ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
				custodian, _, err := tx.UserByName(ctx, "u-custodian")
				if err != nil {
					return err
				}
				_, err = tx.RevokeGrant(ctx, grant, custodian.ID)
				return err
			})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			id := ts.addUngranted(t, "clip.mp4", bytes.Repeat([]byte("0123456789"), 1000))
			if w := ts.play(evidence.RoleLegal, id, "bytes=0-99"); w.Code != http.StatusForbidden {
				t.Fatalf("range without a grant: %d, want 403", w.Code)
			}
			grant := ts.grantDirectly(t, evidence.RoleLegal, id, time.Now().Add(time.Hour))
			for _, rg := range []string{"bytes=0-99", "bytes=100-199"} {
				if w := ts.play(evidence.RoleLegal, id, rg); w.Code != http.StatusPartialContent {
					t.Fatalf("range %s with a grant: %d, want 206", rg, w.Code)
				}
			}
			if err := tt.revoke(ts, grant); err != nil {
				t.Fatal(err)
			}
			if w := ts.play(evidence.RoleLegal, id, "bytes=200-299"); w.Code != http.StatusForbidden {
				t.Errorf("range after the revocation: %d, want 403", w.Code)
			}
		})
	}
}

// R-VIEW-1: a grant that expires while its response is under way ends the
// response; the body is cut short (issue 9 point 5, kept when the body
// went to sendfile in pieces, issue 15).
func TestExpiryEndsResponseUnderWay(t *testing.T) {
	ts := newTestServer(t)
	const size = 64 << 20
	id := ts.addUngranted(t, "long.mp4", bytes.Repeat([]byte("0123456789abcdef"), size/16))
	ts.grantDirectly(t, evidence.RoleLegal, id, time.Now().Add(1500*time.Millisecond))
	srv := httptest.NewServer(ts)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/recordings/"+strconv.FormatInt(id, 10)+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens[evidence.RoleLegal])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // past the grant's end
	n, _ := io.Copy(io.Discard, resp.Body)
	if total := int64(len(buf)) + n; total >= size {
		t.Errorf("received all %d bytes after the grant expired", total)
	}
}

// R-VIEW-1, R-AUD-1 (issue 15, issue 17 point 3): the range requests of
// one playback are one viewing in the register, with their requests and
// bytes summed, and one entry in the custody log, not one per range.
func TestOnePlaybackOneViewing(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	id := ts.addUngranted(t, "clip.mp4", bytes.Repeat([]byte("0123456789"), 1000))
	ts.grantDirectly(t, evidence.RoleLegal, id, time.Now().Add(time.Hour))
	for _, rg := range []string{"bytes=0-99", "bytes=100-1099"} {
		if w := ts.play(evidence.RoleLegal, id, rg); w.Code != http.StatusPartialContent {
			t.Fatalf("range %s: %d", rg, w.Code)
		}
	}
	if err := ts.app.FlushViewings(ctx); err != nil {
		t.Fatal(err)
	}
	var viewings []evidence.Viewing
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		list, err := tx.Register(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), store.Scope{})
		for _, v := range list {
			if v.RecordingID == id {
				viewings = append(viewings, v)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(viewings) != 1 || viewings[0].Requests != 2 || viewings[0].Bytes != 1100 || viewings[0].Viewer != "u-legal" {
		t.Errorf("register: %+v, want one viewing by u-legal of 2 requests and 1100 bytes", viewings)
	}
	n := 0
	for _, e := range ts.custodyOf(t, "recording:"+strconv.FormatInt(id, 10)) {
		if e.Action == evidence.ActionRecordingContent {
			n++
		}
	}
	if n != 1 {
		t.Errorf("custody log has %d content entries, want 1", n)
	}
}
