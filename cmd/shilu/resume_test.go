package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"shilu/internal/tusclient"
)

// cutProxy forwards TCP connections to target and cuts the first one after
// it has carried cutAfter bytes from the client.
type cutProxy struct {
	ln       net.Listener
	target   string
	cutAfter int64
	cuts     atomic.Int32
	conns    atomic.Int32
	wg       sync.WaitGroup
	mu       sync.Mutex
	open     []net.Conn // closed at cleanup: clients keep idle connections
}

func newCutProxy(t *testing.T, target string, cutAfter int64) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, cutAfter: cutAfter}
	go p.serve()
	t.Cleanup(func() {
		hangUp(ln)
		p.mu.Lock()
		for _, c := range p.open {
			hangUp(c)
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		first := p.conns.Add(1) == 1
		p.mu.Lock()
		p.open = append(p.open, c)
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer hangUp(c)
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				return
			}
			defer hangUp(s)
			go relay(c, s, -1)
			if first {
				relay(s, c, p.cutAfter)
				p.cuts.Add(1)
				return // closes both sides mid-request
			}
			relay(s, c, -1)
		}()
	}
}

// The proxy's copies and closes end when either side goes, most often by
// the cut the proxy makes on purpose: their errors are expected, and a
// proxy has nobody to tell, so relay and hangUp drop them.

// relay copies src to dst, at most n bytes (n < 0: until either ends).
func relay(dst io.Writer, src io.Reader, n int64) {
	if n < 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	_, _ = io.CopyN(dst, src, n)
}

// hangUp closes a connection or the listener of the proxy.
func hangUp(c io.Closer) { _ = c.Close() }

// R-STORE-3: a station's upload survives a cut connection: the client asks
// the real server for its offset and sends only the rest, and the archived
// bytes are the file's.
func TestResumeAfterConnectionCut(t *testing.T) {
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	const size = 24 << 20
	f := randomFile(t, t.TempDir(), "DSJ0A12_000123_20261126093015_0001.MP4", size, 5)
	p := newCutProxy(t, strings.TrimPrefix(srv.URL, "http://"), 9<<20)
	c := &tusclient.Client{Endpoint: "http://" + p.ln.Addr().String() + "/api/v1/uploads/", Token: station}
	sum, _, _ := tusclient.HashFile(context.Background(), f, nil)
	before := srv2Received(t, srv)
	res, err := c.Upload(context.Background(), tusclient.Upload{Path: f, Size: size, SHA256: sum}, nil)
	if err != nil || res.RecordingID == 0 {
		t.Fatalf("upload through a cut connection: %+v, %v", res, err)
	}
	if p.cuts.Load() != 1 || p.conns.Load() < 2 {
		t.Fatalf("proxy cut %d connections of %d: the test did not cut the upload", p.cuts.Load(), p.conns.Load())
	}
	received := srv2Received(t, srv) - before
	if received >= size+size/4 {
		t.Errorf("server received %d bytes for a %d-byte file: the upload restarted instead of resuming", received, size)
	}
	var rec struct {
		SHA256 string `json:"sha256"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, res.RecordingID), station, nil, &rec)
	if rec.SHA256 != fmt.Sprintf("%x", sum) {
		t.Errorf("archived digest %s, want %x", rec.SHA256, sum)
	}
}

// Any standard tus client works: tus-js-client (the protocol's reference
// JavaScript client, run under Node.js) uploads in several PATCH requests
// and the recording is archived with the file's digest.
func TestStandardTusClient(t *testing.T) {
	requireProgram(t, "node")
	dir, _ := filepath.Abs("../../test/tusjs")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "tus-js-client")); err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatalf("tus-js-client is not installed: npm ci --prefix test/tusjs")
		}
		t.Skip("tus-js-client is not installed: npm ci --prefix test/tusjs")
	}
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	f := randomFile(t, t.TempDir(), "执法记录 2026.bin", 10<<20+123, 11)
	sum := fileSHA(t, f)
	out, err := exec.Command("node", filepath.Join(dir, "upload.mjs"), srv.URL+"/api/v1/uploads/", station, f, sum).CombinedOutput()
	if err != nil {
		t.Fatalf("tus-js-client: %v\n%s", err, out)
	}
	var id int64
	if _, err := fmt.Sscanf(string(out), "recording %d", &id); err != nil || id == 0 {
		t.Fatalf("tus-js-client printed %q", out)
	}
	var rec struct {
		SHA256   string `json:"sha256"`
		Filename string `json:"filename"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, id), station, nil, &rec)
	if rec.SHA256 != sum || rec.Filename != "执法记录 2026.bin" {
		t.Errorf("recording %+v, want sha256 %s and the Chinese file name", rec, sum)
	}
}
