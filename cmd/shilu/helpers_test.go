package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"shilu/internal/auth"
	"shilu/internal/pgtest"
	"strings"
	"sync"
	"testing"
	"time"
)

// shiluBin is the shilu binary built once for the tests that run the
// server as a child process (so that it can be killed with SIGKILL).
var shiluBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shilu-bin-")
	if err != nil {
		panic(err)
	}
	shiluBin = filepath.Join(dir, "shilu")
	if out, err := exec.Command("go", "build", "-o", shiluBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build shilu: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	if err := pgtest.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "remove the test binary: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// requireProgram skips without name, or fails when CI disallows skips.
func requireProgram(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatalf("%s is required (SHILU_TEST_DISALLOW_SKIP=1)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// cli runs a shilu command in-process and returns its stdout.
func cli(t testing.TB, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	if err != nil {
		t.Logf("shilu %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

func mustCLI(t testing.TB, args ...string) string {
	t.Helper()
	out, err := cli(t, args...)
	if err != nil {
		t.Fatalf("shilu %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// newStation creates a collection station's account and returns an API
// token for it: tokens belong to stations (issue 9 point 3).
func newStation(t testing.TB, data, name string) string {
	t.Helper()
	mustCLI(t, "user", "add", "--data", data, "--name", name, "--role", "station")
	return strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", name))
}

// person is an account that signs in with a password.
type person struct{ name, password string }

// newPerson creates a person's account of role whose initial password
// needs no change.
func newPerson(t *testing.T, data, name, role string, flags ...string) person {
	t.Helper()
	return person{name, addPerson(t, data, name, role, "", false, flags...)}
}

// signIn signs p in on s and returns the session's bearer token, with the
// second factor set up first where p's role needs one.
func (s *server) signIn(t testing.TB, p person) string {
	t.Helper()
	var sess struct {
		Token string `json:"token"`
		TOTP  bool   `json:"totp_setup_required"`
	}
	login := fmt.Sprintf(`{"name":%q,"password":%q}`, p.name, p.password)
	if resp, b := apiBody(t, "POST", s.URL+"/api/v1/login", "", nil, login, &sess); resp.StatusCode != 200 {
		t.Fatalf("sign in %s: %d %s", p.name, resp.StatusCode, b)
	}
	if sess.TOTP {
		var setup struct{ Secret string }
		if resp, b := api(t, "POST", s.URL+"/api/v1/totp/setup", sess.Token, nil, &setup); resp.StatusCode != 200 {
			t.Fatalf("totp setup of %s: %d %s", p.name, resp.StatusCode, b)
		}
		code, _ := auth.TOTPCode(setup.Secret, auth.TOTPStep(time.Now()))
		if resp, b := apiBody(t, "POST", s.URL+"/api/v1/totp/enable", sess.Token, nil, `{"code":"`+code+`"}`, nil); resp.StatusCode != 204 {
			t.Fatalf("totp enable of %s: %d %s", p.name, resp.StatusCode, b)
		}
	}
	return sess.Token
}

// server is a `shilu serve` child process.
type server struct {
	t       testing.TB
	cmd     *exec.Cmd
	URL     string
	Metrics string // the URL of /metrics, on a listener of its own
	done    chan struct{}
	exit    error // how the process ended, once done is closed
	mu      sync.Mutex
	log     bytes.Buffer
}

// startServer runs `shilu serve` on listen (":0" style addresses allowed)
// and waits until it serves.
func startServer(t testing.TB, data, listen string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--listen", listen, "--metrics", "127.0.0.1:0"}, extra...)
	s := &server{t: t, cmd: exec.Command(shiluBin, args...), done: make(chan struct{})}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &lockedWriter{s: s}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc, metricsc := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "shilu serving "); ok {
				urlc <- strings.Fields(rest)[0]
			}
			if rest, ok := strings.CutPrefix(sc.Text(), "shilu metrics "); ok {
				metricsc <- rest
			}
		}
	}()
	go func() { s.exit = s.cmd.Wait(); close(s.done) }()
	select {
	case s.URL = <-urlc:
		s.Metrics = <-metricsc // printed before the workbench's address
	case <-s.done:
		t.Fatalf("shilu serve exited (%v): %s", s.exit, s.logs())
	case <-time.After(30 * time.Second):
		s.kill()
		t.Fatalf("shilu serve did not start: %s", s.logs())
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs())
		}
	})
	return s
}

type lockedWriter struct{ s *server }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(p)
}

func (s *server) logs() string { s.mu.Lock(); defer s.mu.Unlock(); return s.log.String() }

// kill ends the server with SIGKILL, as a crash would.
func (s *server) kill() {
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Fatalf("kill shilu serve: %v", err)
	}
	<-s.done
}

func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Errorf("interrupt shilu serve: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.kill()
	}
}

// api calls the JSON API and decodes the answer into out (if not nil).
func api(t testing.TB, method, url, token string, hdr map[string]string, out any) (*http.Response, []byte) {
	t.Helper()
	return apiBody(t, method, url, token, hdr, "", out)
}

// apiBody is api with a request body.
func apiBody(t testing.TB, method, url, token string, hdr map[string]string, body string, out any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if body != "" && err == nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(answer, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, answer, err)
		}
	}
	return resp, answer
}

// makeVideo writes a short H.264/AAC MP4 with a creation time, named as a
// body-worn camera names its files.
func makeVideo(t testing.TB, dir, name string, seconds int, created time.Time, extra ...string) string {
	t.Helper()
	requireProgram(t, "ffmpeg")
	out := filepath.Join(dir, name)
	args := []string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
		"-t", fmt.Sprint(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
		"-metadata", "creation_time=" + created.UTC().Format(time.RFC3339)}
	args = append(append(args, extra...), out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// randomFile writes size pseudo-random bytes (seeded, so reruns match).
func randomFile(t testing.TB, dir, name string, size int64, seed byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer closeT(t, f)
	buf := make([]byte, 1<<20)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for written := int64(0); written < size; {
		for i := 0; i < len(buf); i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			for j := 0; j < 8 && i+j < len(buf); j++ {
				buf[i+j] = byte(x >> (8 * j))
			}
		}
		n := min(int64(len(buf)), size-written)
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		written += n
	}
	return p
}

// addOfficers gives each officer number an account of its own (o-<number>):
// activities name only officers who hold an account.
func addOfficers(t testing.TB, data string, numbers ...string) {
	t.Helper()
	for _, no := range numbers {
		mustCLI(t, "user", "add", "--data", data, "--name", "o-"+no, "--role", "officer", "--officer-no", no)
	}
}

// closeT closes c when a test is done with it (defer closeT(t, db)); an
// error fails the test.
func closeT(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

// uploadedID is the recording id in the output of an upload of one file
// ("FILE\trecording 7").
func uploadedID(t testing.TB, out string) int64 {
	t.Helper()
	var id int64
	if f := strings.Fields(out); len(f) < 3 {
		t.Fatalf("no recording id in %q", out)
	} else if _, err := fmt.Sscanf(f[2], "%d", &id); err != nil || id <= 0 {
		t.Fatalf("no recording id in %q: %v", out, err)
	}
	return id
}
