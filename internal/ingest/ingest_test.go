package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
	"shilu/internal/tusclient"
)

type fixture struct {
	svc   *Service
	db    *store.DB
	blobs *disk.Store
	url   string
	dir   string
}

// newFixture runs the upload service over a real SQLite store and disk
// blob store behind an httptest server; requests act as user (who may not
// exist, to make finishing fail).
func newFixture(t *testing.T, user string) *fixture {
	t.Helper()
	return newFixtureAs(t, func(*http.Request) string { return user })
}

// newFixtureAs is newFixture with the acting station chosen per request.
func newFixtureAs(t *testing.T, userOf func(*http.Request) string) *fixture {
	t.Helper()
	return newFixtureWith(t, Config{}, func(r *http.Request) evidence.User {
		return evidence.User{Name: userOf(r), Role: evidence.RoleStation}
	})
}

// newFixtureWith is newFixture with the acting account chosen per request
// and cfg's MaxOpen.
func newFixtureWith(t *testing.T, cfg Config, userOf func(*http.Request) evidence.User) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, _ := storetest.Open(t)
	blobs, _ := disk.Open(filepath.Join(dir, "blobs"))
	svc, err := New(Config{Dir: filepath.Join(dir, "uploads"), BasePath: "/up/", ExpireAfter: time.Hour, KeepFinished: time.Hour, MaxOpen: cfg.MaxOpen,
		Prober: media.Prober{}, NamePatterns: media.DefaultNamePatterns(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, blobs)
	if err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/up/", svc.Handler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), userOf(r))))
	}))
	t.Cleanup(srv.Close)
	return &fixture{svc: svc, db: db, blobs: blobs, url: srv.URL + "/up/", dir: dir}
}

func (f *fixture) addUser(t *testing.T, name string) {
	t.Helper()
	err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.CreateUser(context.Background(), name, evidence.RoleStation, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// location is the URL of the upload a creation answered with.
func (f *fixture) location(resp *http.Response) string {
	loc := resp.Header.Get("Location")
	if strings.HasPrefix(loc, "/") {
		loc = f.url[:len(f.url)-len("/up/")] + loc
	}
	return loc
}

// check stops the test at a failed setup step.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeRandom(t *testing.T, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, b
}

func (f *fixture) recordings(t *testing.T) []evidence.Recording {
	t.Helper()
	var list []evidence.Recording
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Recordings(context.Background(), evidence.RecordingFilter{})
		list = p.Recordings
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// R-STORE-2, R-AUD-1: a tus upload becomes a blob, a recording and a
// custody entry, with the server's own digest.
func TestUploadIsArchived(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	path, data := writeRandom(t, 5<<20+3)
	c := &tusclient.Client{Endpoint: f.url, ChunkSize: 1 << 20}
	res, err := c.Upload(context.Background(), tusclient.Upload{Path: path, Size: int64(len(data)), SHA256: sha256.Sum256(data)}, nil)
	if err != nil || res.RecordingID == 0 {
		t.Fatalf("upload: %+v, %v", res, err)
	}
	d := blob.Sum(data)
	if err := f.blobs.Verify(context.Background(), d); err != nil {
		t.Fatalf("blob: %v", err)
	}
	recs := f.recordings(t)
	if len(recs) != 1 || recs[0].Digest != d || recs[0].Uploader != "station-01" || recs[0].Filename != "f.bin" {
		t.Fatalf("recordings = %+v", recs)
	}
	var trail [][]byte
	err = f.db.View(context.Background(), func(tx *store.Tx) (err error) {
		trail, err = tx.AuditTrail(context.Background(), fmt.Sprintf("recording:%d", res.RecordingID), 10)
		return err
	})
	if err != nil || len(trail) != 1 || !bytes.Contains(trail[0], []byte(`"recording.ingest"`)) || !bytes.Contains(trail[0], []byte(d.String())) {
		t.Errorf("custody trail %q, %v", trail, err)
	}
}

// patch sends one PATCH of body at offset, with an optional checksum.
func patch(t *testing.T, url string, offset int64, body []byte, checksum string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("PATCH", url, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	if checksum != "" {
		req.Header.Set("Upload-Checksum", checksum)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func create(t *testing.T, base string, size int, sha string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(size))
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte("x.bin"))
	if sha != "" {
		meta += ",sha256 " + base64.StdEncoding.EncodeToString([]byte(sha))
	}
	req.Header.Set("Upload-Metadata", meta)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc[0] == '/' {
		loc = base[:len(base)-len("/up/")] + loc
	}
	return loc
}

// The saved hash state is a cache: when it is missing, torn or behind the
// file (a crash between the write and the save), the digest is still that
// of the bytes on disk.
func TestHashStateRecovery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, sidecar string, older []byte)
	}{
		{"Intact", func(*testing.T, string, []byte) {}},
		{"Missing", func(t *testing.T, p string, _ []byte) { check(t, os.Remove(p)) }},
		{"Torn", func(t *testing.T, p string, _ []byte) {
			b, err := os.ReadFile(p)
			check(t, err)
			check(t, os.WriteFile(p, b[:len(b)/2], 0o600))
		}},
		{"Behind", func(t *testing.T, p string, older []byte) { check(t, os.WriteFile(p, older, 0o600)) }},
		{"Garbage", func(t *testing.T, p string, _ []byte) {
			check(t, os.WriteFile(p, []byte("SHILUHS1\x00\x00\x00\x00\x00\x00\x00\x01nonsense"), 0o600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "station-01")
			f.addUser(t, "station-01")
			data := make([]byte, 3<<20)
			rand.Read(data)
			url := create(t, f.url, len(data), "")
			id := filepath.Base(url)
			sidecar := filepath.Join(f.dir, "uploads", id+".sha256")
			if r := patch(t, url, 0, data[:1<<20], ""); r.StatusCode != 204 {
				t.Fatalf("patch 1: %s", r.Status)
			}
			older, _ := os.ReadFile(sidecar)
			if r := patch(t, url, 1<<20, data[1<<20:2<<20], ""); r.StatusCode != 204 {
				t.Fatalf("patch 2: %s", r.Status)
			}
			tc.damage(t, sidecar, older)
			r := patch(t, url, 2<<20, data[2<<20:], "")
			if r.StatusCode != 204 || r.Header.Get(RecordingIDHeader) == "" {
				t.Fatalf("final patch: %s", r.Status)
			}
			if recs := f.recordings(t); len(recs) != 1 || recs[0].Digest != blob.Sum(data) {
				t.Fatalf("recorded digest is not that of the bytes: %+v", recs)
			}
		})
	}
}

// tus checksum extension: a chunk that does not match its Upload-Checksum
// is refused with 460 and discarded; the matching one is accepted.
func TestChecksumExtension(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	data := make([]byte, 1<<20)
	rand.Read(data)
	url := create(t, f.url, len(data)*2, "")
	sum := sha1.Sum(data)
	good := "sha1 " + base64.StdEncoding.EncodeToString(sum[:])
	sum[0] ^= 1
	bad := "sha1 " + base64.StdEncoding.EncodeToString(sum[:])
	for _, c := range []struct {
		name, checksum string
		offset         int64
		want           int
	}{
		{"ErrMismatch", bad, 0, 460},
		{"ErrUnknownAlgorithm", "crc32 AAAA", 0, 400},
		{"ErrMalformed", "sha1 !!!", 0, 400},
		{"OK", good, 0, 204},
		{"OKSecondChunk", "", 1 << 20, 204},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := patch(t, url, c.offset, data, c.checksum); r.StatusCode != c.want {
				t.Fatalf("status %d, want %d", r.StatusCode, c.want)
			}
		})
	}
	if recs := f.recordings(t); len(recs) != 1 || recs[0].Digest != blob.Sum(append(append([]byte{}, data...), data...)) {
		t.Fatalf("the mismatching chunk was not discarded: %+v", recs)
	}
}

// An upload whose finishing failed after the last byte (here: its uploader
// is unknown, an internal error) stays complete on disk; Recover archives it
// once the cause is gone, and the sweeper does the same after a while.
func TestRecoverStrandedUpload(t *testing.T) {
	for _, via := range []string{"Recover", "Sweep"} {
		t.Run(via, func(t *testing.T) {
			f := newFixture(t, "station-01")
			path, data := writeRandom(t, 2<<20)
			c := &tusclient.Client{Endpoint: f.url, Retries: -1}
			_, err := c.Upload(context.Background(), tusclient.Upload{Path: path, Size: int64(len(data)), SHA256: sha256.Sum256(data)}, nil)
			var se *tusclient.StatusError
			if !errors.As(err, &se) || se.Status != 500 {
				t.Fatalf("upload with an unknown uploader: %v, want 500", err)
			}
			if n := len(f.recordings(t)); n != 0 {
				t.Fatalf("%d recordings after a failed finish", n)
			}
			f.addUser(t, "station-01")
			if via == "Recover" {
				check(t, f.svc.Recover(context.Background()))
			} else {
				_, err := f.svc.Sweep(context.Background(), time.Now().Add(recoverAfter+time.Second))
				check(t, err)
			}
			if recs := f.recordings(t); len(recs) != 1 || recs[0].Digest != blob.Sum(data) {
				t.Fatalf("after %s: %+v", via, recs)
			}
		})
	}
}

// Abandoned partial uploads expire and their bytes are removed; recent ones
// and archived ones within KeepFinished stay.
func TestSweepExpiresAbandonedUploads(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	old := create(t, f.url, 100, "")
	patch(t, old, 0, make([]byte, 40), "")
	fresh := create(t, f.url, 100, "")
	uploads := filepath.Join(f.dir, "uploads")
	past := time.Now().Add(-2 * time.Hour)
	check(t, os.Chtimes(filepath.Join(uploads, filepath.Base(old)), past, past))
	n, err := f.svc.Sweep(context.Background(), time.Now())
	if err != nil || n != 1 {
		t.Fatalf("Sweep removed %d, err %v; want 1", n, err)
	}
	for _, c := range []struct {
		url  string
		want bool
	}{{old, false}, {fresh, true}} {
		for _, suffix := range []string{"", ".info"} {
			_, err := os.Stat(filepath.Join(uploads, filepath.Base(c.url)+suffix))
			if (err == nil) != c.want {
				t.Errorf("%s%s exists=%v, want %v", filepath.Base(c.url), suffix, err == nil, c.want)
			}
		}
	}
}

// An upload is its creator's: another station neither sees, extends nor
// ends it.
func TestUploadBelongsToItsCreator(t *testing.T) {
	f := newFixtureAs(t, func(r *http.Request) string { return r.Header.Get("X-Test-User") })
	req, _ := http.NewRequest("POST", f.url, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", "10")
	req.Header.Set("X-Test-User", "station-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v %v", resp, err)
	}
	loc := resp.Header.Get("Location")
	if loc[0] == '/' {
		loc = f.url[:len(f.url)-len("/up/")] + loc
	}
	for _, c := range []struct {
		user, method string
		want         int
	}{{"station-02", "HEAD", 404}, {"station-02", "PATCH", 404}, {"station-02", "DELETE", 404}, {"station-01", "HEAD", 200}} {
		var body *bytes.Reader
		if c.method == "PATCH" {
			body = bytes.NewReader([]byte("0123456789"))
		} else {
			body = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(c.method, loc, body)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("X-Test-User", c.user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s by %s: %d, want %d", c.method, c.user, resp.StatusCode, c.want)
		}
	}
}

// Refusals are answered as the rest of the API answers, in the request's
// language (Accept-Language, the lang cookie; Chinese by default), with
// the message's key beside the code: at creation (a tus hook), for a
// malformed Upload-Checksum (before tusd) and for a chunk that does not
// match it (in WriteChunk).
func TestErrorsInTheRequestsLanguage(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	data := []byte("some bytes")
	url := create(t, f.url, len(data), "")
	sum := sha1.Sum(data)
	sum[0] ^= 1
	badSum := "sha1 " + base64.StdEncoding.EncodeToString(sum[:])
	for _, c := range []struct {
		name   string
		req    func() *http.Request
		lang   func(*http.Request)
		status int
		key    string
		text   string
	}{
		{"CreateChinese", createBadSHA(f.url), func(*http.Request) {}, 400, "err.upload.sha256_format", "元数据 sha256 须为 64 位十六进制数字"},
		{"CreateEnglish", createBadSHA(f.url), acceptEnglish, 400, "err.upload.sha256_format", "Metadata sha256: want 64 hex digits"},
		{"CreateEnglishCookie", createBadSHA(f.url), func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "lang", Value: "en"}) }, 400, "err.upload.sha256_format", "Metadata sha256"},
		{"ChecksumHeaderEnglish", patchWith(url, data, "crc32 AAAA"), acceptEnglish, 400, "err.upload.checksum_header", "unsupported algorithm"},
		{"ChunkMismatchChinese", patchWith(url, data, badSum), func(*http.Request) {}, 460, "err.upload.chunk_checksum", "不符"},
		{"ChunkMismatchEnglish", patchWith(url, data, badSum), acceptEnglish, 460, "err.upload.chunk_checksum", "do not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := c.req()
			c.lang(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b struct {
				Error struct{ Code, Key, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
				t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != c.status || b.Error.Key != c.key || !strings.Contains(b.Error.Message, c.text) {
				t.Errorf("status %d, %+v; want %d, %s, %q", resp.StatusCode, b.Error, c.status, c.key, c.text)
			}
		})
	}
}

func acceptEnglish(r *http.Request) { r.Header.Set("Accept-Language", "en-US,en;q=0.9") }

func createBadSHA(base string) func() *http.Request {
	return func() *http.Request {
		req, _ := http.NewRequest("POST", base, nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", "10")
		req.Header.Set("Upload-Metadata", "sha256 "+base64.StdEncoding.EncodeToString([]byte("not-hex")))
		return req
	}
}

func patchWith(url string, body []byte, checksum string) func() *http.Request {
	return func() *http.Request {
		req, _ := http.NewRequest("PATCH", url, bytes.NewReader(body))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Upload-Checksum", checksum)
		return req
	}
}

// Issue 9 point 8: a request by someone else for an upload is refused
// before it takes the upload's lock. tusd asks the lock's holder to let go
// when another request wants it, so a stranger's HEAD used to cut the
// owner's PATCH in the middle of its body.
func TestForeignRequestDoesNotCutOwnersPatch(t *testing.T) {
	f := newFixtureAs(t, func(r *http.Request) string { return r.Header.Get("X-Test-User") })
	f.addUser(t, "station-01")
	const size = 1 << 20
	req, _ := http.NewRequest("POST", f.url, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(size))
	req.Header.Set("X-Test-User", "station-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v %v", resp, err)
	}
	loc := resp.Header.Get("Location")
	if loc[0] == '/' {
		loc = f.url[:len(f.url)-len("/up/")] + loc
	}
	pr, pw := io.Pipe()
	owner, _ := http.NewRequest("PATCH", loc, pr)
	owner.Header.Set("Tus-Resumable", "1.0.0")
	owner.Header.Set("Upload-Offset", "0")
	owner.Header.Set("Content-Type", "application/offset+octet-stream")
	owner.Header.Set("X-Test-User", "station-01")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(owner)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	data := make([]byte, size)
	if _, err := pw.Write(data[:size/2]); err != nil { // the server is reading the body
		t.Fatal(err)
	}
	for _, method := range []string{"HEAD", "PATCH", "DELETE"} {
		req, _ := http.NewRequest(method, loc, bytes.NewReader(nil))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", "0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("X-Test-User", "station-02")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s by another station: %d, want 404", method, resp.StatusCode)
		}
	}
	if _, err := pw.Write(data[size/2:]); err != nil {
		t.Fatalf("the owner's PATCH was cut: %v", err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	resp = <-done
	if resp == nil {
		t.Fatal("no answer to the owner's PATCH")
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Upload-Offset") != strconv.Itoa(size) {
		t.Errorf("owner's PATCH: %d, offset %s; want 204 at %d", resp.StatusCode, resp.Header.Get("Upload-Offset"), size)
	}
}

// Issue 9 point 8: one account holds at most MaxOpen unfinished uploads
// (1 500 empty uploads of 64 GiB each were accepted); a finished upload
// frees its place, and other accounts are not affected.
func TestOpenUploadsPerAccount(t *testing.T) {
	f := newFixtureWith(t, Config{MaxOpen: 3}, func(r *http.Request) evidence.User {
		return evidence.User{Name: r.Header.Get("X-Test-User"), Role: evidence.RoleStation}
	})
	f.addUser(t, "station-01")
	post := func(user string) *http.Response {
		req, _ := http.NewRequest("POST", f.url, nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", "4")
		req.Header.Set("X-Test-User", user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	var first string
	for i := range 3 {
		resp := post("station-01")
		if resp.StatusCode != 201 {
			t.Fatalf("upload %d: %d", i, resp.StatusCode)
		}
		if i == 0 {
			first = f.location(resp)
		}
	}
	if resp := post("station-01"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("4th open upload: %d, want 429", resp.StatusCode)
	}
	if resp := post("station-02"); resp.StatusCode != 201 {
		t.Errorf("another account: %d, want 201", resp.StatusCode)
	}
	req, _ := http.NewRequest("PATCH", first, bytes.NewReader([]byte("abcd")))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("X-Test-User", "station-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("finish the first: %v %v", resp, err)
	}
	resp.Body.Close()
	if resp := post("station-01"); resp.StatusCode != 201 {
		t.Errorf("after one finished: %d, want 201", resp.StatusCode)
	}
}

// Issue 9 point 8: only a collection station names the officer a
// recording is of. An officer who uploads a file named for, or declared as,
// another officer's is refused; their own files are theirs whatever the
// client declares.
func TestOnlyStationsNameAnotherOfficer(t *testing.T) {
	users := map[string]evidence.User{
		"zhangwei":   {Name: "zhangwei", Role: evidence.RoleOfficer, OfficerNo: "000123"},
		"station-01": {Name: "station-01", Role: evidence.RoleStation},
	}
	f := newFixtureWith(t, Config{}, func(r *http.Request) evidence.User { return users[r.Header.Get("X-Test-User")] })
	f.addUser(t, "zhangwei")
	f.addUser(t, "station-01")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, user, filename, officer string
		want                          int
		recorded                      string // the recording's officer
	}{
		{"ErrOtherOfficersFile", "zhangwei", "DSJ0A12_000456_20261126093015_0001.MP4", "", 403, ""},
		{"ErrDeclaresOther", "zhangwei", "clip.mp4", "000456", 403, ""},
		{"OKOwnFile", "zhangwei", "DSJ0A12_000123_20261126093015_0002.MP4", "", 201, "000123"},
		{"OKUndeclaredIsOwn", "zhangwei", "clip2.mp4", "", 201, "000123"},
		{"OKStationNamesAnyone", "station-01", "clip3.mp4", "000456", 201, "000456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.url, nil)
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Upload-Length", "4")
			meta := "filename " + b64(tt.filename)
			if tt.officer != "" {
				meta += ",officer " + b64(tt.officer)
			}
			req.Header.Set("Upload-Metadata", meta)
			req.Header.Set("X-Test-User", tt.user)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("create: %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != 201 {
				return
			}
			loc := f.location(resp)
			req, _ = http.NewRequest("PATCH", loc, strings.NewReader(tt.name[:4]))
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Upload-Offset", "0")
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			req.Header.Set("X-Test-User", tt.user)
			resp, err = http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 204 {
				t.Fatalf("patch: %v %v", resp, err)
			}
			resp.Body.Close()
			id, _ := strconv.ParseInt(resp.Header.Get(RecordingIDHeader), 10, 64)
			var rec evidence.Recording
			check(t, f.db.View(context.Background(), func(tx *store.Tx) error {
				rec, err = tx.Recording(context.Background(), id)
				return err
			}))
			if rec.Officer != tt.recorded {
				t.Errorf("recording's officer %q, want %q", rec.Officer, tt.recorded)
			}
		})
	}
}

// X-DEV-3: the device's important/locked mark, declared by the station or
// written in the file name, is kept through ingest (in the recording and
// its ingest entry), and such a file is kept permanently by default.
func TestImportantMarkKept(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, filename, important string
		want                      bool
		status                    int
	}{
		{"OKPlain", "DSJ0A12_000123_20261126093015_0001.MP4", "", false, 204},
		{"OKNameMark", "DSJ0A12_000123_20261126093015_0002_IMP.MP4", "", true, 204},
		{"OKDeclared", "clip.mp4", "true", true, 204},
		{"OKDeclaredNot", "clip2.mp4", "0", false, 204},
		{"ErrBadValue", "clip3.mp4", "yes", false, 400},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.url, nil)
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Upload-Length", "4")
			meta := "filename " + b64(tt.filename)
			if tt.important != "" {
				meta += ",important " + b64(tt.important)
			}
			req.Header.Set("Upload-Metadata", meta)
			resp, err := http.DefaultClient.Do(req)
			check(t, err)
			resp.Body.Close()
			if tt.status == 400 {
				if resp.StatusCode != 400 {
					t.Fatalf("create: %d, want 400", resp.StatusCode)
				}
				return
			}
			req, _ = http.NewRequest("PATCH", f.location(resp), strings.NewReader(fmt.Sprintf("%04d", i)))
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Upload-Offset", "0")
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			resp, err = http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("patch: %v %v", resp, err)
			}
			resp.Body.Close()
			id, _ := strconv.ParseInt(resp.Header.Get(RecordingIDHeader), 10, 64)
			var rec evidence.Recording
			var trail [][]byte
			check(t, f.db.View(context.Background(), func(tx *store.Tx) error {
				if rec, err = tx.Recording(context.Background(), id); err != nil {
					return err
				}
				trail, err = tx.AuditTrail(context.Background(), fmt.Sprintf("recording:%d", id), 10)
				return err
			}))
			if rec.Important != tt.want {
				t.Errorf("important = %v, want %v", rec.Important, tt.want)
			}
			if logged := len(trail) == 1 && bytes.Contains(trail[0], []byte(`"important":"true"`)); logged != tt.want {
				t.Errorf("ingest entry names the mark: %v, want %v (%q)", logged, tt.want, trail)
			}
			wantKind := evidence.RetainDate
			if tt.want {
				wantKind = evidence.RetainPermanent
			}
			if rec.Retention == nil || rec.Retention.Kind != wantKind {
				t.Errorf("retention %+v, want kind %s", rec.Retention, wantKind)
			}
		})
	}
}
