package tusclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tus/tusd/v2/pkg/handler"
)

func TestUpload(t *testing.T) {
	tests := []struct {
		name     string
		size     int64
		opts     serverOpts
		metadata map[string]string
	}{
		{name: "OK", size: 4 << 20},
		{name: "OddSize", size: 1<<20 + 7},
		{name: "Empty", size: 0},
		{
			name:     "RelativeLocation",
			size:     3 << 20,
			opts:     serverOpts{relativeLocation: true},
			metadata: map[string]string{"device": "BC-0042", "note": "Straße, 2 Uhr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTusServer(t, tt.opts)
			p, data := randomFile(t, t.TempDir(), tt.size)
			u := mustHash(t, p)
			u.Metadata = tt.metadata
			var last [2]int64
			res, err := testClient(srv.Endpoint, "").Upload(context.Background(), u, func(done, total int64) {
				last = [2]int64{done, total}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.URL, srv.Endpoint) || res.Resumed {
				t.Errorf("Result URL %q Resumed %v, want a fresh upload under %s", res.URL, res.Resumed, srv.Endpoint)
			}
			if want := [2]int64{tt.size, tt.size}; last != want {
				t.Errorf("last progress = %v, want %v", last, want)
			}
			got, info := srv.contents(t, res.URL)
			if !bytes.Equal(got, data) {
				t.Errorf("server holds %d bytes that differ from the %d sent", len(got), len(data))
			}
			wantMeta := map[string]string{
				"filename": filepath.Base(p),
				"sha256":   hex.EncodeToString(u.SHA256[:]),
			}
			for k, v := range tt.metadata {
				wantMeta[k] = v
			}
			if diff := cmp.Diff(wantMeta, map[string]string(info.MetaData)); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUploadHashesWhenNoDigestGiven(t *testing.T) {
	srv := newTusServer(t, serverOpts{})
	p, data := randomFile(t, t.TempDir(), 1<<20)
	res, err := testClient(srv.Endpoint, "").Upload(context.Background(), Upload{Path: p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, info := srv.contents(t, res.URL)
	sum := sha256.Sum256(data)
	if got, want := info.MetaData["sha256"], hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256 metadata = %q, want %q", got, want)
	}
}

func TestUploadFinalAnswer(t *testing.T) {
	srv := newTusServer(t, serverOpts{config: func(c *handler.Config) {
		c.PreFinishResponseCallback = func(handler.HookEvent) (handler.HTTPResponse, error) {
			return handler.HTTPResponse{
				StatusCode: http.StatusOK,
				Header:     handler.HTTPHeader{"Shilu-Recording-Id": "42", "Content-Type": "application/json"},
				Body:       `{"id":42}`,
			}, nil
		}
	}})
	p, _ := randomFile(t, t.TempDir(), 2<<20)
	res, err := testClient(srv.Endpoint, "").Upload(context.Background(), mustHash(t, p), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Status, ID int64
		Body       string
	}{int64(res.Status), res.RecordingID, string(res.Body)}
	want := struct {
		Status, ID int64
		Body       string
	}{200, 42, `{"id":42}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("final answer (-want +got):\n%s", diff)
	}
}

// TestUploadResumesAfterCut cuts the TCP connection in the middle of the
// first PATCH; the client must ask the server where it stands and send the
// rest from there, not from what its transport believed it had sent.
func TestUploadResumesAfterCut(t *testing.T) {
	srv := newTusServer(t, serverOpts{})
	proxy := newCutProxy(t, srv.srv.Listener.Addr().String(), 3<<20/2)
	p, data := randomFile(t, t.TempDir(), 4<<20)

	var mu sync.Mutex
	var progress []int64
	c := testClient("http://"+proxy.addr+uploadsPath, t.TempDir())
	res, err := c.Upload(context.Background(), mustHash(t, p), func(done, _ int64) {
		mu.Lock()
		progress = append(progress, done)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !proxy.fired.Load() {
		t.Fatal("the proxy never cut the connection")
	}
	got, _ := srv.contents(t, res.URL)
	if !bytes.Equal(got, data) {
		t.Fatal("server holds different bytes than were sent")
	}

	t.Logf("cut after %d bytes of the first PATCH; server saw %+v", proxy.forward.Load(), srv.log.all())
	patches := srv.log.patches()
	if len(patches) < 2 {
		t.Fatalf("server saw %d PATCHes, want the cut one and a resumed one: %+v", len(patches), srv.log.all())
	}
	second, err := strconv.ParseInt(patches[1].Offset, 10, 64)
	if err != nil || second <= 0 || second >= int64(len(data)) {
		t.Errorf("second PATCH at offset %q, want the server's offset after the cut, inside (0, %d)", patches[1].Offset, len(data))
	}
	for _, r := range patches[1:] {
		if r.Status != http.StatusNoContent {
			t.Errorf("resumed PATCH at %s answered %d, want 204 (a 409 means the client guessed the offset)", r.Offset, r.Status)
		}
	}
	// The count must have been reset to the server's offset, which is
	// behind what the transport had read when the connection died.
	mu.Lock()
	defer mu.Unlock()
	if !containsDropTo(progress, second) {
		t.Errorf("progress never went back to the server's offset %d", second)
	}
	if progress[len(progress)-1] != int64(len(data)) {
		t.Errorf("last progress %d, want %d", progress[len(progress)-1], len(data))
	}
}

func containsDropTo(xs []int64, v int64) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i] == v && xs[i-1] > v {
			return true
		}
	}
	return false
}

// interruptedUpload starts an upload with a Client using stateDir and
// cancels it once the server has stored at least minStored bytes, like a
// process killed mid-upload. It returns the remembered upload URL.
func interruptedUpload(t *testing.T, srv **tusServer, stateDir string, u Upload, minStored int64) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	*srv = newTusServer(t, serverOpts{onBodyRead: func(n int64) {
		if n >= minStored {
			cancel()
		}
	}})
	_, err := testClient((*srv).Endpoint, stateDir).Upload(ctx, u, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted upload: err = %v, want context.Canceled", err)
	}
	st := &stateStore{dir: stateDir, endpoint: (*srv).Endpoint, sum: u.SHA256, size: u.Size}
	url, err := st.load()
	if err != nil || url == "" {
		t.Fatalf("no upload remembered in %s after the interruption (err %v)", stateDir, err)
	}
	return url
}

func TestUploadResumesAcrossRestart(t *testing.T) {
	stateDir := t.TempDir()
	p, data := randomFile(t, t.TempDir(), 6<<20)
	u := mustHash(t, p)
	var srv *tusServer
	first := interruptedUpload(t, &srv, stateDir, u, 1<<20)

	var firstProgress int64 = -1
	res, err := testClient(srv.Endpoint, stateDir).Upload(context.Background(), u, func(done, _ int64) {
		if firstProgress < 0 {
			firstProgress = done
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.URL != first {
		t.Errorf("Result URL %q Resumed %v, want the interrupted upload %q resumed", res.URL, res.Resumed, first)
	}
	if firstProgress < 1<<20 {
		t.Errorf("resumed at %d, want at least the %d bytes the server had", firstProgress, 1<<20)
	}
	t.Logf("resumed at %d; server saw %+v", firstProgress, srv.log.all())
	patches := srv.log.patches()
	if last := patches[len(patches)-1]; last.Offset == "0" || last.Status != http.StatusNoContent {
		t.Errorf("resuming PATCH %+v, want one from the server's offset answered 204", last)
	}
	got, _ := srv.contents(t, res.URL)
	if !bytes.Equal(got, data) {
		t.Error("server holds different bytes than were sent")
	}
	if left, _ := filepath.Glob(filepath.Join(stateDir, "*.json")); len(left) != 0 {
		t.Errorf("state left behind after success: %v", left)
	}
}

func TestUploadStaleStateStartsOver(t *testing.T) {
	stateDir := t.TempDir()
	p, data := randomFile(t, t.TempDir(), 3<<20)
	u := mustHash(t, p)
	var srv *tusServer
	stale := interruptedUpload(t, &srv, stateDir, u, 1<<20)

	c := testClient(srv.Endpoint, stateDir)
	if err := c.Terminate(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	res, err := c.Upload(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed || res.URL == stale {
		t.Errorf("Result URL %q Resumed %v, want a new upload instead of %q", res.URL, res.Resumed, stale)
	}
	got, _ := srv.contents(t, res.URL)
	if !bytes.Equal(got, data) {
		t.Error("server holds different bytes than were sent")
	}
	if n := srv.log.count(http.MethodPost); n != 2 {
		t.Errorf("server saw %d creations, want 2", n)
	}
	// Terminating twice is fine: the upload is gone either way.
	if err := c.Terminate(context.Background(), stale); err != nil {
		t.Errorf("second Terminate: %v", err)
	}
}

func TestUploadCompletedButAnswerLost(t *testing.T) {
	srv := newTusServer(t, serverOpts{})
	p, _ := randomFile(t, t.TempDir(), 1<<20)
	u := mustHash(t, p)
	stateDir := t.TempDir()
	res, err := testClient(srv.Endpoint, "").Upload(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	// As if a process finished this upload and died before the answer.
	st := &stateStore{dir: stateDir, endpoint: srv.Endpoint, sum: u.SHA256, size: u.Size}
	if err := st.save(res.URL); err != nil {
		t.Fatal(err)
	}
	again, err := testClient(srv.Endpoint, stateDir).Upload(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{URL: res.URL, Resumed: true}, again); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if n := srv.log.count(http.MethodPatch); n != 1 {
		t.Errorf("server saw %d PATCHes, want only the first upload's", n)
	}
}

// TestUploadFinalAnswerLost drops the connection after the server has
// stored every byte but before it answers: the upload is complete, and the
// Result says that its answer was not seen.
func TestUploadFinalAnswerLost(t *testing.T) {
	dropAnswer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPatch {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(httptest.NewRecorder(), r)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close() //nolint:errcheck // dropping the answer is the point
			}
		})
	}
	srv := newTusServer(t, serverOpts{wrap: dropAnswer})
	p, data := randomFile(t, t.TempDir(), 2<<20)
	res, err := testClient(srv.Endpoint, t.TempDir()).Upload(context.Background(), mustHash(t, p), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{URL: res.URL}, res); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	got, _ := srv.contents(t, res.URL)
	if !bytes.Equal(got, data) {
		t.Error("server holds different bytes than were sent")
	}
}

// TestUploadStalledServer has the server stop reading in the middle of the
// first PATCH; the client must notice, give up on that request, and resume.
func TestUploadStalledServer(t *testing.T) {
	const stallAt = 512 << 10
	var stalled atomic.Bool
	stall := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && stalled.CompareAndSwap(false, true) {
				r.Body = &stallingReader{r: r.Body, left: stallAt, closed: make(chan struct{})}
			}
			next.ServeHTTP(w, r)
		})
	}
	srv := newTusServer(t, serverOpts{wrap: stall})
	// Larger than what loopback socket buffers can hold, so the client's
	// writes do block.
	p, data := randomFile(t, t.TempDir(), 32<<20)
	c := testClient(srv.Endpoint, "")
	c.stallTimeout = 300 * time.Millisecond
	res, err := c.Upload(context.Background(), mustHash(t, p), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := srv.contents(t, res.URL)
	if !bytes.Equal(got, data) {
		t.Error("server holds different bytes than were sent")
	}
	patches := srv.log.patches()
	if len(patches) != 2 || patches[1].Offset != strconv.Itoa(stallAt) {
		t.Errorf("PATCHes %+v, want a second one from offset %d", patches, stallAt)
	}
}

// stallingReader returns left bytes, then blocks until it is closed, which
// is how tusd interrupts a PATCH when another request wants its lock.
type stallingReader struct {
	r      io.Reader
	left   int64
	closed chan struct{}
	once   sync.Once
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.left <= 0 {
		<-s.closed
		return 0, io.ErrUnexpectedEOF
	}
	n, err := s.r.Read(p[:min(int64(len(p)), s.left)])
	s.left -= int64(n)
	return n, err
}

func (s *stallingReader) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func TestUploadChunks(t *testing.T) {
	const size = 3<<20 + 12345
	tests := []struct {
		name        string
		chunk       int64
		checksum    bool
		wantPatches int
	}{
		{name: "Whole", wantPatches: 1},
		{name: "WholeWithChecksum", checksum: true, wantPatches: 1},
		{name: "Chunked", chunk: 256 << 10, wantPatches: 13},
		{name: "ChunkedWithChecksum", chunk: 1 << 20, checksum: true, wantPatches: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTusServer(t, serverOpts{wrap: verifyChecksum})
			p, data := randomFile(t, t.TempDir(), size)
			c := testClient(srv.Endpoint, "")
			c.ChunkSize, c.Checksum = tt.chunk, tt.checksum
			res, err := c.Upload(context.Background(), mustHash(t, p), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := srv.contents(t, res.URL)
			if !bytes.Equal(got, data) {
				t.Error("server holds different bytes than were sent")
			}
			var want []reqRecord
			for i := range tt.wantPatches {
				want = append(want, reqRecord{
					Method:   http.MethodPatch,
					Offset:   strconv.FormatInt(int64(i)*tt.chunk, 10),
					Status:   http.StatusNoContent,
					Checksum: tt.checksum,
				})
			}
			if diff := cmp.Diff(want, srv.log.patches()); diff != "" {
				t.Errorf("PATCHes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUploadStatusErrors checks answers that retrying cannot change: the
// upload ends with a StatusError carrying the server's message, at once.
func TestUploadStatusErrors(t *testing.T) {
	conflict := func(c *handler.Config) {
		c.PreFinishResponseCallback = func(handler.HookEvent) (handler.HTTPResponse, error) {
			err := handler.NewError("conflict", "already stored", http.StatusConflict)
			err.HTTPResponse.Header["Content-Type"] = "application/json"
			err.HTTPResponse.Body = `{"error":{"code":"conflict","message":"recording already stored as #7"}}`
			return handler.HTTPResponse{}, err
		}
	}
	tests := []struct {
		name     string
		opts     serverOpts
		token    string
		status   int
		code     string
		message  string
		requests map[string]int
	}{
		{
			name:     "ChecksumMismatch",
			opts:     serverOpts{wrap: failFirst(100, 460, "ERR_CHECKSUM_MISMATCH: checksum mismatch\n")},
			status:   460,
			message:  "460 Checksum Mismatch: ERR_CHECKSUM_MISMATCH: checksum mismatch",
			requests: map[string]int{"POST": 1, "PATCH": 1},
		},
		{
			name:     "Conflict",
			opts:     serverOpts{config: conflict},
			status:   http.StatusConflict,
			code:     "conflict",
			message:  "409 Conflict: recording already stored as #7 (conflict)",
			requests: map[string]int{"POST": 1, "PATCH": 1},
		},
		{
			name:     "TooLarge",
			opts:     serverOpts{config: func(c *handler.Config) { c.MaxSize = 1 << 20 }},
			status:   http.StatusRequestEntityTooLarge,
			message:  "413 Request Entity Too Large: ERR_MAX_SIZE_EXCEEDED: maximum size exceeded",
			requests: map[string]int{"POST": 1},
		},
		{
			name:     "Unauthorized",
			token:    "wrong",
			status:   http.StatusUnauthorized,
			code:     "unauthorized",
			message:  "401 Unauthorized: missing or invalid token (unauthorized)",
			requests: map[string]int{"POST": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTusServer(t, tt.opts)
			p, _ := randomFile(t, t.TempDir(), 2<<20)
			c := testClient(srv.Endpoint, t.TempDir())
			if tt.token != "" {
				c.Token = tt.token
			}
			_, err := c.Upload(context.Background(), mustHash(t, p), nil)
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a StatusError", err)
			}
			if se.Status != tt.status || se.Code() != tt.code || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %q (status %d, code %q), want status %d, code %q, message %q",
					err, se.Status, se.Code(), tt.status, tt.code, tt.message)
			}
			if !strings.HasPrefix(err.Error(), "tusclient: ") {
				t.Errorf("err = %q, want the package prefix", err)
			}
			got := map[string]int{}
			for _, r := range srv.log.all() {
				got[r.Method]++
			}
			if diff := cmp.Diff(tt.requests, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUploadRetries checks answers that may change by asking again: the
// client asks the server for its offset and carries on.
func TestUploadRetries(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{name: "OffsetMismatch", status: http.StatusConflict, body: "ERR_MISMATCHED_OFFSET: mismatched offset\n"},
		{name: "OffsetMismatchOtherJSON", status: http.StatusConflict, body: `{"error":{"code":"offset","message":"x"}}`},
		{name: "Locked", status: http.StatusLocked, body: "ERR_UPLOAD_LOCKED: file currently locked\n"},
		{name: "TooManyRequests", status: http.StatusTooManyRequests},
		{name: "Unavailable", status: http.StatusServiceUnavailable},
		{name: "InternalError", status: http.StatusInternalServerError, body: "ERR_INTERNAL_SERVER_ERROR: disk full\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTusServer(t, serverOpts{wrap: failFirst(2, tt.status, tt.body)})
			p, data := randomFile(t, t.TempDir(), 2<<20)
			res, err := testClient(srv.Endpoint, "").Upload(context.Background(), mustHash(t, p), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := srv.contents(t, res.URL)
			if !bytes.Equal(got, data) {
				t.Error("server holds different bytes than were sent")
			}
			want := []reqRecord{
				{Method: "POST", Status: 201},
				{Method: "PATCH", Offset: "0", Status: tt.status},
				{Method: "HEAD", Status: 200},
				{Method: "PATCH", Offset: "0", Status: tt.status},
				{Method: "HEAD", Status: 200},
				{Method: "PATCH", Offset: "0", Status: 204},
			}
			if diff := cmp.Diff(want, srv.log.all()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUploadGivesUp(t *testing.T) {
	srv := newTusServer(t, serverOpts{wrap: failFirst(1000, http.StatusServiceUnavailable, "down for maintenance")})
	p, _ := randomFile(t, t.TempDir(), 1<<20)
	c := testClient(srv.Endpoint, "")
	c.Retries = 2
	_, err := c.Upload(context.Background(), mustHash(t, p), nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "giving up after 3 failed attempts") {
		t.Fatalf("err = %v, want giving up on a 503 StatusError", err)
	}
	if n := srv.log.count(http.MethodPatch); n != 3 {
		t.Errorf("server saw %d PATCHes, want 3", n)
	}
}

// TestUploadHostileServer checks that nonsense answers end the upload with
// an error naming the problem, without panics or endless retries.
func TestUploadHostileServer(t *testing.T) {
	const size = 1 << 20
	type answers struct {
		post, head, patch func(w http.ResponseWriter)
	}
	created := func(loc string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if loc != "" {
				w.Header().Set("Location", loc)
			}
			w.WriteHeader(http.StatusCreated)
		}
	}
	offset := func(status int, off string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if off != "" {
				w.Header().Set("Upload-Offset", off)
			}
			w.Header().Set("Upload-Length", strconv.Itoa(size))
			w.WriteHeader(status)
		}
	}
	garbage := func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("\x1b[2Jcleared your \x07terminal\n"))
		w.Write(bytes.Repeat([]byte("x"), 1<<20))
	}
	tests := []struct {
		name     string
		resume   bool // a state file points at the server
		a        answers
		wantErr  string
		wantFree bool // the error must not contain control characters
	}{
		{name: "NoLocation", a: answers{post: created("")}, wantErr: "answer 201 has no Location"},
		{name: "LocationNotHTTP", a: answers{post: created("file:///etc/passwd")}, wantErr: "is not an http(s) URL"},
		{name: "LocationBadURL", a: answers{post: created("http://[::1")}, wantErr: "Location"},
		{name: "NegativeOffset", a: answers{post: created("/u/1"), patch: offset(204, "-5")}, wantErr: `invalid Upload-Offset "-5"`},
		{name: "OffsetBeyondSize", a: answers{post: created("/u/1"), patch: offset(204, "99999999")}, wantErr: "Upload-Offset 99999999 is beyond the upload's size 1048576"},
		{name: "GarbageOffset", a: answers{post: created("/u/1"), patch: offset(204, "12abc")}, wantErr: `invalid Upload-Offset "12abc"`},
		{name: "MissingOffset", a: answers{post: created("/u/1"), patch: offset(204, "")}, wantErr: "answer has no Upload-Offset"},
		{name: "OffsetBeyondSent", a: answers{post: created("/u/1"), patch: offset(204, "99999999999999999999")}, wantErr: "invalid Upload-Offset"},
		{name: "NoProgress", a: answers{post: created("/u/1"), head: offset(200, "0"), patch: offset(204, "0")}, wantErr: "server accepted none of 1048576 bytes"},
		{name: "ResumeNegativeOffset", resume: true, a: answers{head: offset(200, "-5")}, wantErr: `HEAD`},
		{name: "ResumeOffsetBeyondSize", resume: true, a: answers{head: offset(204, "1048577")}, wantErr: "beyond the upload's size"},
		{name: "GarbageBody", a: answers{post: garbage}, wantErr: "400 Bad Request: [2Jcleared your terminal", wantFree: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			requests := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					t.Errorf("reading the request: %v", err)
				}
				var f func(http.ResponseWriter)
				switch r.Method {
				case http.MethodPost:
					f = tt.a.post
				case http.MethodHead:
					f = tt.a.head
				case http.MethodPatch:
					f = tt.a.patch
				}
				if f == nil {
					w.WriteHeader(http.StatusTeapot)
					return
				}
				f(w)
			}))
			defer srv.Close()
			p, _ := randomFile(t, t.TempDir(), size)
			u := mustHash(t, p)
			c := testClient(srv.URL+"/files/", "")
			if tt.resume {
				c.StateDir = t.TempDir()
				st := &stateStore{dir: c.StateDir, endpoint: c.Endpoint, sum: u.SHA256, size: u.Size}
				if err := st.save(srv.URL + "/u/1"); err != nil {
					t.Fatal(err)
				}
			}
			_, err := c.Upload(context.Background(), u, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.wantFree && strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' }) {
				t.Errorf("err %q contains control characters", err)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("err is %d bytes long", len(err.Error()))
			}
			if requests > testMaxTries {
				t.Errorf("server saw %d requests", requests)
			}
		})
	}
}

func TestUploadRejectsBadInput(t *testing.T) {
	p, _ := randomFile(t, t.TempDir(), 10)
	u := mustHash(t, p)
	tests := []struct {
		name     string
		endpoint string
		u        Upload
		wantErr  string
	}{
		{name: "RelativeEndpoint", endpoint: "/api/v1/uploads/", u: u, wantErr: "not an absolute http(s) URL"},
		{name: "KeyWithSpace", endpoint: "http://127.0.0.1:1/", u: Upload{Path: p, Size: u.Size, SHA256: u.SHA256, Metadata: map[string]string{"a b": "x"}}, wantErr: `metadata key "a b"`},
		{name: "KeyWithComma", endpoint: "http://127.0.0.1:1/", u: Upload{Path: p, Size: u.Size, SHA256: u.SHA256, Metadata: map[string]string{"a,b": "x"}}, wantErr: `metadata key "a,b"`},
		{name: "KeyNotASCII", endpoint: "http://127.0.0.1:1/", u: Upload{Path: p, Size: u.Size, SHA256: u.SHA256, Metadata: map[string]string{"größe": "x"}}, wantErr: "only printable ASCII"},
		{name: "SizeChanged", endpoint: "http://127.0.0.1:1/", u: Upload{Path: p, Size: 11, SHA256: u.SHA256}, wantErr: "changed since hashing"},
		{name: "Missing", endpoint: "http://127.0.0.1:1/", u: Upload{Path: p + ".gone", SHA256: u.SHA256}, wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testClient(tt.endpoint, "").Upload(context.Background(), tt.u, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "tusclient: ") {
				t.Errorf("err = %v, want tusclient: ... %q", err, tt.wantErr)
			}
		})
	}
}

func TestEncodeMetadata(t *testing.T) {
	got, err := encodeMetadata(map[string]string{"filename": "a.mp4", "empty": "", "note": "ä,b c"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "empty,filename YS5tcDQ=,note w6QsYiBj"; got != want {
		t.Errorf("encodeMetadata = %q, want %q", got, want)
	}
	if diff := cmp.Diff(map[string]string{"filename": "a.mp4", "empty": "", "note": "ä,b c"}, handler.ParseMetadataHeader(got)); diff != "" {
		t.Errorf("tusd reads back (-want +got):\n%s", diff)
	}
}

func TestHashFile(t *testing.T) {
	for _, size := range []int64{0, 1, 1 << 20, 3<<20 + 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			p, data := randomFile(t, t.TempDir(), size)
			var last int64
			sum, n, err := HashFile(context.Background(), p, func(done, total int64) {
				if total != size {
					t.Errorf("progress total %d, want %d", total, size)
				}
				last = done
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum != sha256.Sum256(data) || n != size || last != size {
				t.Errorf("HashFile = %x, %d (progress %d), want %x, %d", sum, n, last, sha256.Sum256(data), size)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, _ := randomFile(t, t.TempDir(), 10)
	if _, _, err := HashFile(ctx, p, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled HashFile: err = %v", err)
	}
}

// TestUploadMemoryIsFlat checks that the file is streamed: a 64 MiB upload
// must not allocate anything near its size (server included).
func TestUploadMemoryIsFlat(t *testing.T) {
	const size = 64 << 20
	srv := newTusServer(t, serverOpts{})
	p, _ := randomFile(t, t.TempDir(), size)
	u := mustHash(t, p)
	c := testClient(srv.Endpoint, "")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.Upload(context.Background(), u, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d MiB allocated %d KiB", size>>20, alloc>>10)
	if alloc > size/8 {
		t.Errorf("uploading %d MiB allocated %d MiB", size>>20, alloc>>20)
	}
}

func TestStatusErrorMessage(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{name: "JSON", status: 409, body: `{"error":{"code":"conflict","message":"duplicate"}}`, want: "server answered 409 Conflict: duplicate (conflict)"},
		{name: "JSONCodeOnly", status: 403, body: `{"error":{"code":"forbidden"}}`, want: "server answered 403 Forbidden: forbidden"},
		{name: "Text", status: 460, body: "ERR_CHECKSUM_MISMATCH: checksum mismatch\nmore", want: "server answered 460 Checksum Mismatch: ERR_CHECKSUM_MISMATCH: checksum mismatch"},
		{name: "Empty", status: 599, want: "server answered 599"},
		{name: "BadJSON", status: 500, body: `{"error":`, want: `server answered 500 Internal Server Error: {"error":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newStatusError(tt.status, nil, []byte(tt.body)).Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzStatusError(f *testing.F) {
	f.Add(409, []byte(`{"error":{"code":"conflict","message":"m"}}`))
	f.Add(400, []byte("\x1b[31mred\xff"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		msg := newStatusError(status, nil, body).Error()
		if strings.ContainsFunc(msg, func(r rune) bool { return r < ' ' && r != '\t' }) || len(msg) > 400 {
			t.Errorf("Error() = %q", msg)
		}
	})
}

func FuzzParseOffset(f *testing.F) {
	f.Add("0", int64(10))
	f.Add("-5", int64(10))
	f.Add("11", int64(10))
	f.Fuzz(func(t *testing.T, v string, size int64) {
		h := http.Header{}
		h.Set("Upload-Offset", v)
		off, err := parseOffset(h, size)
		if err == nil && (off < 0 || off > size) {
			t.Errorf("parseOffset(%q, %d) = %d", v, size, off)
		}
	})
}

func TestMain(m *testing.M) {
	// tusd logs every request through the standard logger (its slog is
	// golang.org/x/exp/slog, so it cannot be handed a log/slog handler).
	log.SetOutput(io.Discard)
	// Leftover state files in the working tree would mean a test wrote
	// outside its temp dir.
	code := m.Run()
	if matches, _ := filepath.Glob("*.json"); len(matches) > 0 {
		fmt.Fprintln(os.Stderr, "stray files:", matches)
		code = 1
	}
	os.Exit(code)
}
