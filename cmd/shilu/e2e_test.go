package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/tusclient"
)

type recordingList struct {
	Recordings []evidence.Recording `json:"recordings"`
	Total      int                  `json:"total"`
}

func fileSHA(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeT(t, f)
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// R-STORE-1, R-STORE-2, R-STORE-3, R-AUD-1: a recording comes in through the
// real server over tus, is catalogued with its digest and media facts,
// served back byte-for-byte with range requests, and every step is in its
// custody trail; the archive and the log verify.
func TestEndToEnd(t *testing.T) {
	data, media := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	zhangwei := newPerson(t, data, "zhangwei", "officer")
	chenjing := newPerson(t, data, "chenjing", "auditor")
	wangfang := newPerson(t, data, "wangfang", "custodian")
	liuyang := newPerson(t, data, "liuyang", "leader")
	srv := startServer(t, data, "127.0.0.1:0")
	officer := srv.signIn(t, zhangwei)
	auditor := srv.signIn(t, chenjing)
	custodian := srv.signIn(t, wangfang)
	leader := srv.signIn(t, liuyang)

	// A body-worn camera clip: serial DSJ0A12, officer 000123, 09:30:15
	// local time (Asia/Shanghai) = 01:30:15 UTC.
	start := time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC)
	video := makeVideo(t, media, "DSJ0A12_000123_20261126093015_0001.MP4", 3, start)
	out := mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), video)
	var id int64
	if _, err := fmt.Sscanf(strings.Fields(out)[2], "%d", &id); err != nil || id <= 0 {
		t.Fatalf("upload printed %q, want a recording id", out)
	}

	var rec evidence.Recording
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, id), officer, nil, &rec)
	if rec.SHA256 != fileSHA(t, video) {
		t.Errorf("sha256 = %s, want the file's %s", rec.SHA256, fileSHA(t, video))
	}
	if rec.Device != "DSJ0A12" || rec.Officer != "000123" || rec.Kind != evidence.KindVideo || rec.Uploader != "station-01" {
		t.Errorf("recording = %+v: want device DSJ0A12, officer 000123, kind video, uploader station-01", rec)
	}
	if rec.RecordedStart == nil || !rec.RecordedStart.Equal(start) || rec.RecordedEnd == nil || rec.RecordedEnd.Sub(start) < 2*time.Second {
		t.Errorf("recorded %v – %v, want start %v and about 3 s", rec.RecordedStart, rec.RecordedEnd, start)
	}
	if !strings.Contains(string(rec.Media), `"h264"`) || rec.ProbeError != "" {
		t.Errorf("media facts %s, probe error %q", rec.Media, rec.ProbeError)
	}

	t.Run("ListFilters", func(t *testing.T) {
		for _, q := range []string{"officer=000123", "device=DSJ0A12", "kind=video", "sha256=" + rec.SHA256,
			"from=2026-11-26T09:00:00%2B08:00&to=2026-11-26T10:00:00%2B08:00"} {
			var l recordingList
			api(t, "GET", srv.URL+"/api/v1/recordings?"+q, officer, nil, &l)
			if l.Total != 1 || len(l.Recordings) != 1 || l.Recordings[0].ID != id {
				t.Errorf("?%s: got %d recordings, want recording %d", q, l.Total, id)
			}
		}
		var l recordingList
		api(t, "GET", srv.URL+"/api/v1/recordings?officer=999999", officer, nil, &l)
		if l.Total != 0 {
			t.Errorf("officer=999999 matched %d", l.Total)
		}
		if resp, _ := api(t, "GET", srv.URL+"/api/v1/recordings?from=yesterday", officer, nil, nil); resp.StatusCode != 400 {
			t.Errorf("bad time: status %d, want 400", resp.StatusCode)
		}
	})

	// R-VIEW-1, R-VIEW-2: nobody plays without the leader's approval; the
	// approval creates a grant and the register names viewer, reason and
	// approver.
	t.Run("ViewingNeedsApproval", func(t *testing.T) {
		content := fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id)
		if resp, body := api(t, "GET", content, officer, nil, nil); resp.StatusCode != 403 || !strings.Contains(string(body), `"key":"err.grant.none"`) {
			t.Fatalf("content without a grant: %d %s", resp.StatusCode, body)
		}
		var req evidence.AccessRequest
		body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"核查现场检查过程","until":%q}`, id, time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))
		if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/access-requests", officer, nil, body, &req); resp.StatusCode != 201 || req.Status != evidence.RequestPending {
			t.Fatalf("request: %d %s", resp.StatusCode, b)
		}
		if resp, _ := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", srv.URL, req.ID), custodian, nil, `{}`, nil); resp.StatusCode != 403 {
			t.Errorf("custodian approved: %d", resp.StatusCode)
		}
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", srv.URL, req.ID), leader, nil, `{"comment":"同意"}`, &req); resp.StatusCode != 200 || req.Status != evidence.RequestApproved || req.GrantID == 0 {
			t.Fatalf("approve: %d %s", resp.StatusCode, b)
		}
		// Art. 16: 经保管人登记后方可查阅.
		if resp, body := api(t, "GET", content, officer, nil, nil); resp.StatusCode != 403 || !strings.Contains(string(body), `"key":"err.grant.unregistered"`) {
			t.Fatalf("content before the custodian's registration: %d %s", resp.StatusCode, body)
		}
		registerGrant(t, srv.URL, custodian, req.GrantID)
		if resp, b := api(t, "GET", content, officer, map[string]string{"Range": "bytes=0-99"}, nil); resp.StatusCode != 206 {
			t.Fatalf("content with a grant: %d %s", resp.StatusCode, b)
		}
		var reg struct {
			Viewings []evidence.Viewing `json:"viewings"`
		}
		api(t, "GET", srv.URL+"/api/v1/register", custodian, nil, &reg)
		if len(reg.Viewings) != 1 || reg.Viewings[0].Viewer != "zhangwei" || reg.Viewings[0].Approver != "liuyang" ||
			reg.Viewings[0].Reason != "核查现场检查过程" || reg.Viewings[0].GrantID != req.GrantID {
			t.Errorf("register %+v", reg.Viewings)
		}
	})

	t.Run("ContentWithRanges", func(t *testing.T) {
		want, _ := os.ReadFile(video)
		resp, body := api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id), officer, nil, nil)
		if resp.StatusCode != 200 || string(body) != string(want) {
			t.Fatalf("content: status %d, %d bytes, want the original's %d", resp.StatusCode, len(body), len(want))
		}
		if etag := resp.Header.Get("ETag"); etag != `"sha256-`+rec.SHA256+`"` {
			t.Errorf("ETag = %s", etag)
		}
		resp, body = api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, id), officer, map[string]string{"Range": "bytes=100-199"}, nil)
		if resp.StatusCode != 206 || string(body) != string(want[100:200]) {
			t.Errorf("range: status %d, body %d bytes", resp.StatusCode, len(body))
		}
	})

	t.Run("Authorization", func(t *testing.T) {
		for _, c := range []struct {
			name, token, path string
			want              int
		}{
			{"NoToken", "", "/api/v1/recordings", 401},
			{"BadToken", "shl_nonsense", "/api/v1/recordings", 401},
			{"AuditorCannotList", auditor, "/api/v1/recordings", 403},
			{"AuditorCannotRead", auditor, fmt.Sprintf("/api/v1/recordings/%d/content", id), 403},
			{"StationCannotPlay", station, fmt.Sprintf("/api/v1/recordings/%d/content", id), 403},
			{"NotFound", officer, "/api/v1/recordings/999999", 404},
		} {
			if resp, body := api(t, "GET", srv.URL+c.path, c.token, nil, nil); resp.StatusCode != c.want {
				t.Errorf("%s: status %d (%s), want %d", c.name, resp.StatusCode, body, c.want)
			}
		}
	})

	t.Run("DuplicateIsConflictNamingTheRecording", func(t *testing.T) {
		copyPath := filepath.Join(t.TempDir(), "copy.mp4")
		b, err := os.ReadFile(video)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copyPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := cli(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), copyPath)
		if err != nil || !strings.Contains(out, fmt.Sprintf("recording %d (already archived)", id)) {
			t.Fatalf("second upload printed %q, err %v", out, err)
		}
	})

	t.Run("DeclaredDigestMismatchStoresNothing", func(t *testing.T) {
		f := randomFile(t, t.TempDir(), "tampered.bin", 3<<20, 7)
		c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
		wrong := sha256.Sum256([]byte("something else"))
		_, err := c.Upload(context.Background(), tusclient.Upload{Path: f, Size: 3 << 20, SHA256: wrong}, nil)
		var se *tusclient.StatusError
		if !errors.As(err, &se) || se.Status != 460 || se.Code() != "checksum_mismatch" || !strings.Contains(string(se.Body), `"key":"err.upload.sha256_mismatch"`) {
			t.Fatalf("upload with a wrong digest: err = %v, want 460 naming the mismatch", err)
		}
		var l recordingList
		api(t, "GET", srv.URL+"/api/v1/recordings?sha256="+fileSHA(t, f), officer, nil, &l)
		if l.Total != 0 {
			t.Errorf("a recording exists for rejected bytes")
		}
		if left, _ := filepath.Glob(filepath.Join(data, "uploads", "*")); len(left) > 0 {
			for _, p := range left {
				if b, _ := os.ReadFile(p); strings.HasSuffix(p, ".info") && strings.Contains(string(b), "tampered.bin") {
					t.Errorf("rejected upload left %s behind", p)
				}
			}
		}
	})

	t.Run("OddMediaIsArchivedWithProbeError", func(t *testing.T) {
		f := randomFile(t, t.TempDir(), "noise.mp4", 1<<20, 9)
		c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
		sum, size, _ := tusclient.HashFile(context.Background(), f, nil)
		res, err := c.Upload(context.Background(), tusclient.Upload{Path: f, Size: size, SHA256: sum,
			Metadata: map[string]string{"filename": "../../证据\x00/..\\evil\u202ename.mp4"}}, nil)
		if err != nil || res.RecordingID == 0 {
			t.Fatalf("upload of unparsable media: %v", err)
		}
		var odd evidence.Recording
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, res.RecordingID), officer, nil, &odd)
		if odd.ProbeError == "" || odd.Kind != evidence.KindUnknown || odd.Size != 1<<20 {
			t.Errorf("unparsable media: kind %q, probe error %q, size %d", odd.Kind, odd.ProbeError, odd.Size)
		}
		if odd.Filename != "evilname.mp4" {
			t.Errorf("hostile name stored as %q, want evilname.mp4", odd.Filename)
		}
	})

	// R-AUD-1: a change of metadata is in the log with before and after;
	// a refused one is logged as denied.
	t.Run("MetadataChange", func(t *testing.T) {
		url := fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, id)
		if resp, _ := apiBody(t, "PATCH", url, officer, nil, `{"officer":"000999"}`, nil); resp.StatusCode != 403 {
			t.Errorf("officer changed metadata: %d", resp.StatusCode)
		}
		if resp, _ := apiBody(t, "PATCH", url, custodian, nil, `{"officer":"000124"}`, nil); resp.StatusCode != 400 {
			t.Errorf("change without a reason: %d", resp.StatusCode)
		}
		var got evidence.Recording
		if resp, body := apiBody(t, "PATCH", url, custodian, nil, `{"officer":"000124","reason":"登记有误"}`, &got); resp.StatusCode != 200 || got.Officer != "000124" || got.SHA256 != rec.SHA256 {
			t.Fatalf("custodian's change: %d %s", resp.StatusCode, body)
		}
		if resp, _ := apiBody(t, "PATCH", url, custodian, nil, `{"officer":"a\u0000b","reason":"登记有误"}`, nil); resp.StatusCode != 400 {
			t.Errorf("control character accepted: %d", resp.StatusCode)
		}
	})

	t.Run("CustodyTrail", func(t *testing.T) {
		var trail struct {
			Entries []audit.Entry `json:"entries"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", srv.URL, id), officer, nil, &trail)
		actions := map[string]int{}
		for _, e := range trail.Entries {
			actions[string(e.Action)+"/"+e.Outcome+"/"+e.Actor]++
		}
		// zhangwei's content reads are one playback: one entry, not one
		// per range (issue 15, issue 17 point 3).
		if actions["recording.ingest/ok/station-01"] != 1 || actions["recording.content/ok/zhangwei"] != 1 ||
			actions["recording.update/ok/wangfang"] != 1 || actions["access.denied/denied/zhangwei"] < 1 || actions["access.denied/denied/station-01"] != 1 {
			t.Errorf("custody trail %v: want one ingest by station-01, zhangwei's playback once, wangfang's change, the refused attempts", actions)
		}
		// Inclusion proof of the ingest entry against the latest checkpoint.
		var proof struct {
			Data  []byte   `json:"data"`
			Size  uint64   `json:"size"`
			Root  []byte   `json:"root"`
			Proof [][]byte `json:"proof"`
		}
		idx := trail.Entries[0].Index
		if resp, body := api(t, "GET", fmt.Sprintf("%s/api/v1/audit/entries/%d", srv.URL, idx), auditor, nil, &proof); resp.StatusCode != 200 {
			t.Fatalf("proof: %d %s", resp.StatusCode, body)
		}
		if err := audit.VerifyInclusion(proof.Data, idx, proof.Size, proof.Root, proof.Proof); err != nil {
			t.Errorf("inclusion proof does not verify: %v", err)
		}
		if resp, _ := api(t, "GET", fmt.Sprintf("%s/api/v1/audit/entries/%d", srv.URL, idx), officer, nil, nil); resp.StatusCode != 403 {
			t.Errorf("officer read the audit log: %d", resp.StatusCode)
		}
	})

	t.Run("OpenAPIAndOps", func(t *testing.T) {
		resp, body := api(t, "GET", srv.URL+"/api/v1/openapi.yaml", "", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "/api/v1/recordings/{id}/content") {
			t.Errorf("openapi: %d", resp.StatusCode)
		}
		if resp, _ := api(t, "GET", srv.URL+"/healthz", "", nil, nil); resp.StatusCode != 200 {
			t.Errorf("healthz: %d", resp.StatusCode)
		}
		resp, body = api(t, "GET", srv.Metrics, "", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "shilu_http_requests_total") || !strings.Contains(string(body), "tusd_uploads_finished") {
			t.Errorf("metrics: %d", resp.StatusCode)
		}
		// Issue 9 point 8: the workbench's own listener does not serve
		// them to anyone who asks.
		if resp, _ := api(t, "GET", srv.URL+"/metrics", "", nil, nil); resp.StatusCode != 404 {
			t.Errorf("/metrics on the workbench's listener: %d, want 404", resp.StatusCode)
		}
	})

	srv.stop()
	if out := mustCLI(t, "verify", "--data", data, "--quiet"); !strings.Contains(out, "recordings verified") {
		t.Errorf("verify: %s", out)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data); !strings.Contains(out, "custody log verifies") {
		t.Errorf("audit verify: %s", out)
	}
}

// The metadata parser is outside input; so is the body, which is refused
// up front when it is larger than the limit.
func TestUploadLimits(t *testing.T) {
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0", "--max-upload", "1MiB")
	big := randomFile(t, t.TempDir(), "big.bin", 2<<20, 1)
	c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
	_, err := c.Upload(context.Background(), tusclient.Upload{Path: big, Size: 2 << 20, SHA256: sha256.Sum256(nil)}, nil)
	var se *tusclient.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB upload to a 1 MiB server: err = %v, want 413", err)
	}
	// OPTIONS announces the limit and the extensions.
	resp, _ := api(t, "OPTIONS", srv.URL+"/api/v1/uploads/", "", nil, nil)
	if resp.Header.Get("Tus-Max-Size") != "1048576" || !strings.Contains(resp.Header.Get("Tus-Extension"), "checksum") ||
		!strings.Contains(resp.Header.Get("Tus-Extension"), "termination") {
		t.Errorf("OPTIONS headers %v", resp.Header)
	}
}
