package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"shilu/internal/audit"
)

// copyFile copies src to dst, or does nothing when src does not exist.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if os.IsNotExist(err) {
		if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 point 7, R-AUD-1: a database restored from an older copy (the
// newest entries gone with their checkpoints) verifies on its own; a
// checkpoint held outside the data directory finds it.
func TestAuditRollbackFoundByHeldCheckpoint(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	backup := t.TempDir()
	for _, f := range []string{"shilu.db", "shilu.db-wal", "shilu.db-shm"} {
		copyFile(t, filepath.Join(data, f), filepath.Join(backup, f))
	}
	mustCLI(t, "user", "add", "--data", data, "--name", "lina", "--role", "officer")
	mustCLI(t, "user", "add", "--data", data, "--name", "wangfang", "--role", "custodian")
	held := filepath.Join(t.TempDir(), "held.checkpoint")
	if err := os.WriteFile(held, []byte(mustCLI(t, "audit", "checkpoint", "--data", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", held); !strings.Contains(out, "extends the held checkpoint") {
		t.Errorf("untouched log: %s", out)
	}

	for _, f := range []string{"shilu.db", "shilu.db-wal", "shilu.db-shm"} { // the rollback
		copyFile(t, filepath.Join(backup, f), filepath.Join(data, f))
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "custody log verifies") {
		t.Fatalf("the rolled-back log on its own: %s", out)
	}
	out, err := cli(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", held)
	if err == nil || !strings.Contains(out, "shorter than a checkpoint held outside it") {
		t.Errorf("rolled-back log against the held checkpoint: %v\n%s", err, out)
	}
}

// serve --witness keeps the latest checkpoint in a file outside the data
// directory, which audit verify --checkpoint accepts; a witness inside the
// data directory is refused.
func TestServeWitness(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	if _, err := cli(t, "serve", "--data", data, "--listen", "127.0.0.1:0", "--witness", filepath.Join(data, "witness")); err == nil {
		t.Error("a witness inside the data directory was accepted")
	}
	witness := filepath.Join(t.TempDir(), "witness")
	srv := startServer(t, data, "127.0.0.1:0", "--witness", witness)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(witness); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no witness file")
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop()
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", witness); !strings.Contains(out, "extends the held checkpoint") {
		t.Errorf("verify against the witness: %s", out)
	}
}

// Issue 9 point 7, R-AUD-1: serve --witness-url POSTs each signed
// checkpoint to another system. While the witness is down the attempts
// fail, are counted on /metrics and retried; once it is up it receives the
// checkpoint, then the ones signed later (here by a command run beside the
// server), each a note `audit verify --checkpoint` accepts.
func TestServeWitnessURL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	// An address where nothing listens yet: the witness is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil { // the witness is down until it listens again below
		t.Fatal(err)
	}
	srv := startServer(t, data, "127.0.0.1:0", "--witness-url", "http://"+addr+"/checkpoints")
	waitFor(t, 15*time.Second, "failed posts on /metrics", func() bool {
		return metric(t, srv.Metrics, "shilu_witness_post_failures_total") >= 1
	})

	var mu sync.Mutex
	var got []string
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("witness back up on %s: %v", addr, err)
	}
	ws := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/checkpoints" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("witness got %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	if err := ws.Listener.Close(); err != nil { // replaced by the witness's own address
		t.Fatal(err)
	}
	ws.Listener = ln
	ws.Start()
	defer ws.Close()
	received := func(n int) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= n }
	}
	waitFor(t, 40*time.Second, "a checkpoint at the witness", received(1))
	mustCLI(t, "user", "add", "--data", data, "--name", "lina", "--role", "officer")
	waitFor(t, 30*time.Second, "the next checkpoint at the witness", received(2))
	if n := metric(t, srv.Metrics, "shilu_witness_posts_total"); n < 2 {
		t.Errorf("shilu_witness_posts_total = %v, want 2 or more", n)
	}
	srv.stop()

	mu.Lock()
	defer mu.Unlock()
	for i, note := range got {
		held := filepath.Join(t.TempDir(), "held")
		if err := os.WriteFile(held, []byte(note), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", held); !strings.Contains(out, "extends the held checkpoint") {
			t.Errorf("checkpoint %d from the witness: %s", i, out)
		}
	}
}

// The witness never blocks the transaction that signed: with the URL
// hanging, offers return at once, the queue stays bounded and drops its
// oldest, counted.
func TestWitnessOfferNeverBlocks(t *testing.T) {
	hang := make(chan struct{})
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer ws.Close()
	defer close(hang)
	w := newWitness("", ws.URL, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.run(ctx); close(done) }()
	start := time.Now()
	const n = 10 * witnessQueue
	for i := range n {
		w.offer(audit.Checkpoint{Size: uint64(i + 1), Note: fmt.Sprint(i + 1)})
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("%d offers took %v", n, d)
	}
	w.mu.Lock()
	queued := len(w.queue)
	w.mu.Unlock()
	if queued > witnessQueue {
		t.Errorf("queue holds %d, bound %d", queued, witnessQueue)
	}
	if d := counter(t, w, "shilu_witness_dropped_total"); d < n-witnessQueue-1 {
		t.Errorf("dropped %v, want at least %d", d, n-witnessQueue-1)
	}
	w.client.Timeout = 100 * time.Millisecond // the last attempt gives up soon
	cancel()
	select {
	case <-done:
	case <-time.After(2*witnessTimeout + 5*time.Second):
		t.Fatal("witness did not stop")
	}
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metric reads one unlabelled counter from a /metrics URL; 0 if absent.
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// counter reads one of w's counters.
func counter(t *testing.T, w *witness, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(w.collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
