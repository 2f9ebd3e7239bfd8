package tusclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
)

const (
	testToken    = "test-token"
	uploadsPath  = "/api/v1/uploads/"
	testMaxTries = 50 // no test should need more requests than this
)

// tusServer is a real tusd (filestore + memorylocker) mounted like the shilu
// server mounts it, behind a request log and bearer-token check.
type tusServer struct {
	Endpoint string
	srv      *httptest.Server
	store    filestore.FileStore
	log      *reqLog
}

type serverOpts struct {
	// config adjusts tusd's configuration.
	config func(*handler.Config)
	// wrap puts a handler between the auth check and tusd, to inject
	// answers tusd would not give.
	wrap func(next http.Handler) http.Handler
	// relativeLocation makes creation answers carry a path-only Location.
	relativeLocation bool
	// onBodyRead is told how many bytes of a PATCH body tusd has read.
	onBodyRead func(total int64)
}

func newTusServer(t testing.TB, o serverOpts) *tusServer {
	t.Helper()
	store := filestore.New(t.TempDir())
	composer := handler.NewStoreComposer()
	store.UseIn(composer)
	memorylocker.New().UseIn(composer)
	cfg := handler.Config{
		BasePath:      uploadsPath,
		StoreComposer: composer,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	tusd, err := handler.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix(uploadsPath, tusd)
	if o.relativeLocation {
		h = relativeLocation(h)
	}
	if o.onBodyRead != nil {
		h = countBody(h, o.onBodyRead)
	}
	if o.wrap != nil {
		h = o.wrap(h)
	}
	log := &reqLog{}
	mux := http.NewServeMux()
	mux.Handle(uploadsPath, log.middleware(requireToken(h)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &tusServer{Endpoint: srv.URL + uploadsPath, srv: srv, store: store, log: log}
}

// contents returns what tusd stored for the upload at uploadURL.
func (s *tusServer) contents(t testing.TB, uploadURL string) (data []byte, info handler.FileInfo) {
	t.Helper()
	u, err := url.Parse(uploadURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	up, err := s.store.GetUpload(ctx, path.Base(u.Path))
	if err != nil {
		t.Fatalf("server has no upload %s: %v", uploadURL, err)
	}
	if info, err = up.GetInfo(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := up.GetReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.(io.Closer).Close() //nolint:errcheck // read-only: closing cannot lose data
	if data, err = io.ReadAll(r); err != nil {
		t.Fatal(err)
	}
	return data, info
}

// reqRecord is one request as the server saw it.
type reqRecord struct {
	Method   string
	Offset   string // Upload-Offset of the request
	Status   int
	Checksum bool // Upload-Checksum was sent
}

type reqLog struct {
	mu   sync.Mutex
	recs []reqRecord
}

func (l *reqLog) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.recs = append(l.recs, reqRecord{
			Method:   r.Method,
			Offset:   r.Header.Get("Upload-Offset"),
			Status:   sw.status,
			Checksum: r.Header.Get("Upload-Checksum") != "",
		})
	})
}

func (l *reqLog) all() []reqRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]reqRecord(nil), l.recs...)
}

func (l *reqLog) count(method string) int {
	n := 0
	for _, r := range l.all() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func (l *reqLog) patches() []reqRecord {
	var ps []reqRecord
	for _, r := range l.all() {
		if r.Method == http.MethodPatch {
			ps = append(ps, r)
		}
	}
	return ps
}

// statusWriter remembers the status; Unwrap keeps tusd's
// http.ResponseController (read deadlines) working through it.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onHeader func(http.Header)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.onHeader != nil {
			w.onHeader(w.Header())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeJSONError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"error":{"code":"`+code+`","message":"`+msg+`"}}`) //nolint:errcheck // to a test's client, which checks what it got
}

func relativeLocation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&statusWriter{ResponseWriter: w, onHeader: func(h http.Header) {
			if u, err := url.Parse(h.Get("Location")); err == nil && u.IsAbs() {
				h.Set("Location", u.Path)
			}
		}}, r)
	})
}

func countBody(next http.Handler, report func(int64)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			r.Body = &countingReader{ReadCloser: r.Body, report: report}
		}
		next.ServeHTTP(w, r)
	})
}

type countingReader struct {
	io.ReadCloser
	n      int64
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	c.report(c.n)
	return n, err
}

// verifyChecksum answers 460 to a PATCH whose Upload-Checksum does not match
// its body, like a server with the tus checksum extension.
func verifyChecksum(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		algo, sum, ok := strings.Cut(r.Header.Get("Upload-Checksum"), " ")
		if r.Method != http.MethodPatch || !ok {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		got := sha256.Sum256(body)
		if algo != "sha256" || sum != base64.StdEncoding.EncodeToString(got[:]) {
			w.WriteHeader(460)
			io.WriteString(w, "ERR_CHECKSUM_MISMATCH: checksum mismatch\n") //nolint:errcheck // to a test's client, which checks what it got
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// failFirst answers the first n PATCHes itself with status and body.
func failFirst(n int, status int, body string) func(http.Handler) http.Handler {
	var seen atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && seen.Add(1) <= int64(n) {
				if strings.HasPrefix(body, "{") {
					w.Header().Set("Content-Type", "application/json")
				}
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(status)
				io.WriteString(w, body) //nolint:errcheck // to a test's client, which checks what it got
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// cutProxy forwards TCP to a backend and, once, resets the client's
// connection after it has sent cutAfter bytes of a PATCH request, like a
// flaky uplink. The backend gets exactly the bytes forwarded, then EOF.
// Its connections break on purpose, so the errors of copying to and
// closing them are expected and ignored.
type cutProxy struct {
	addr     string
	cutAfter int64
	fired    atomic.Bool
	forward  atomic.Int64 // bytes of the cut PATCH forwarded
}

//nolint:errcheck // connections are cut on purpose (see cutProxy)
func newCutProxy(t testing.TB, backend string, cutAfter int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{addr: ln.Addr().String(), cutAfter: cutAfter}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, b)
			mu.Unlock()
			wg.Go(func() {
				io.Copy(c, b)
				c.Close()
			})
			wg.Go(func() { p.pipe(c, b) })
		}
	})
	return p
}

//nolint:errcheck // connections are cut on purpose (see cutProxy)
func (p *cutProxy) pipe(client, backend net.Conn) {
	defer backend.(*net.TCPConn).CloseWrite()
	buf := make([]byte, 32<<10)
	var tail []byte
	var inPatch bool
	var sent int64
	for {
		n, err := client.Read(buf)
		chunk := buf[:n]
		if !inPatch && !p.fired.Load() {
			joined := append(tail, chunk...)
			if i := bytes.Index(joined, []byte("PATCH ")); i >= 0 {
				inPatch = true
				chunk = chunk[max(i-len(tail), 0):]
				if _, err := backend.Write(buf[:n-len(chunk)]); err != nil {
					return
				}
			} else {
				tail = append([]byte(nil), joined[max(len(joined)-5, 0):]...)
			}
		}
		if inPatch && sent+int64(len(chunk)) >= p.cutAfter && p.fired.CompareAndSwap(false, true) {
			keep := p.cutAfter - sent
			backend.Write(chunk[:keep])
			p.forward.Store(sent + keep)
			client.(*net.TCPConn).SetLinger(0) // reset, not a clean close
			client.Close()
			return
		}
		if inPatch {
			sent += int64(len(chunk))
		}
		if _, werr := backend.Write(chunk); werr != nil {
			return
		}
		if err != nil {
			return
		}
	}
}

// randomFile writes size random bytes to a new file in dir.
func randomFile(t testing.TB, dir string, size int64) (string, []byte) {
	t.Helper()
	seed := [32]byte{byte(size), byte(size >> 8), byte(size >> 16)}
	data := make([]byte, size)
	rand.NewChaCha8(seed).Read(data) //nolint:errcheck // ChaCha8.Read always returns len(p), nil
	p := filepath.Join(dir, "rec-"+time.Now().Format("150405.000000000")+".mp4")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func testClient(endpoint, stateDir string) *Client {
	return &Client{
		Endpoint:     endpoint,
		Token:        testToken,
		StateDir:     stateDir,
		baseDelay:    time.Millisecond,
		stallTimeout: 10 * time.Second,
	}
}

func mustHash(t testing.TB, p string) Upload {
	t.Helper()
	sum, size, err := HashFile(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Upload{Path: p, Size: size, SHA256: sum}
}
