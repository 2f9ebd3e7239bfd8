package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/station"
	"shilu/internal/tusclient"
)

// stationProc is a `shilu station` child process (so that it can be
// killed with SIGKILL).
type stationProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	Status string // base URL of its status page
	done   chan struct{}
	mu     sync.Mutex
	log    strings.Builder
}

func startStationProc(t testing.TB, args ...string) *stationProc {
	t.Helper()
	p := &stationProc{t: t, cmd: exec.Command(shiluBin, append([]string{"station", "--status", "127.0.0.1:0"}, args...)...), done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = writerFunc(func(b []byte) (int, error) { p.mu.Lock(); defer p.mu.Unlock(); return p.log.Write(b) })
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "shilu station status "); ok {
				urlc <- strings.TrimSuffix(rest, "/")
			}
		}
	}()
	go func() { p.cmd.Wait(); close(p.done) }() //nolint:errcheck // killed on purpose
	select {
	case p.Status = <-urlc:
	case <-p.done:
		t.Fatalf("shilu station exited: %s", p.logs())
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("shilu station did not start: %s", p.logs())
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("station log:\n%s", p.logs())
		}
	})
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (p *stationProc) logs() string { p.mu.Lock(); defer p.mu.Unlock(); return p.log.String() }

// kill ends the station with SIGKILL, as a power cut would.
func (p *stationProc) kill() {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("kill shilu station: %v", err)
	}
	<-p.done
}

func (p *stationProc) status(t testing.TB) (station.Status, bool) {
	var st station.Status
	resp, err := http.Get(p.Status + "/status.json")
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st) == nil
}

// proxy is a TCP proxy between the station and the server whose
// connections the test cuts, and which can refuse every connection for a
// while: the network going away.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	down   bool
}

func newProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() }) //nolint:errcheck // test teardown
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close() //nolint:errcheck // refused
				continue
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close() //nolint:errcheck // the server is down
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }() //nolint:errcheck // either side may go
	io.Copy(c, s)                            //nolint:errcheck // either side may go
	c.Close()                                //nolint:errcheck // done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// cut drops every connection under way.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close() //nolint:errcheck // dropped on purpose
	}
}

func (p *proxy) setDown(v bool) {
	p.mu.Lock()
	p.down = v
	p.mu.Unlock()
	if v {
		p.cut()
	}
}

// fakeDevice lays out a body-worn camera's mass storage under root/NAME:
// a ZFY_INFO file with the device identity and its clock (90 s fast),
// and DCIM/100MEDIA with the clips.
func fakeDevice(t testing.TB, root, name, serial, officer string) string {
	t.Helper()
	dev := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Join(dev, "DCIM", "100MEDIA"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := time.Now().Add(90 * time.Second).In(evidence.Zone).Format("2006-01-02 15:04:05")
	info := fmt.Sprintf("cSerial=%s\ncUserNo=%s\ncUserName=张伟\ncUnitNo=110105000000\ncUnitName=丰南区医疗保障局\ntime=%s\n", serial, officer, clock)
	if err := os.WriteFile(filepath.Join(dev, "ZFY_INFO.TXT"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	return dev
}

// deviceFiles maps each recording left on a device to its SHA-256 (hex).
func deviceFiles(t testing.TB, dev string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(filepath.Join(dev, "DCIM"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sum, _, err := tusclient.HashFile(context.Background(), p, nil)
		out[p] = hex.EncodeToString(sum[:])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// archived returns the ids of the recordings with sha256 (hex), as the
// custodian sees them.
func archived(t testing.TB, url, token, sum string) []int64 {
	t.Helper()
	var list struct {
		Recordings []struct {
			ID        int64 `json:"id"`
			Important bool  `json:"important"`
		} `json:"recordings"`
	}
	api(t, "GET", url+"/api/v1/recordings?sha256="+sum, token, nil, &list)
	var ids []int64
	for _, r := range list.Recordings {
		ids = append(ids, r.ID)
	}
	return ids
}

// R-STORE-3, R-UPL-2, X-DEV-1/2/3, R-DEV-2: a camera docked at the station
// (a directory laid out as one appears under the media root) is read —
// identity and clock — its clips are uploaded, confirmed by the archive,
// and then removed from the device, except the one it marked important and
// the one it locked, which keep their mark in the archive. The station
// reports the device docked; the registry lists it as unregistered.
func TestStationDockUploadVerifyClear(t *testing.T) {
	requireProgram(t, "ffmpeg")
	data, media, state := t.TempDir(), t.TempDir(), t.TempDir()
	token := newStation(t, data, "station-01")
	custodian := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	keeper := srv.signIn(t, custodian)

	// The clips are made aside and moved in: a device appears whole.
	staging := t.TempDir()
	start := time.Now().Add(-time.Hour).In(evidence.Zone)
	var clips []string
	for i, suffix := range []string{"", "", "_IMP", ""} {
		name := fmt.Sprintf("DSJ0A12_000123_%s_%04d%s.MP4", start.Add(time.Duration(i)*time.Minute).Format("20060102150405"), i+1, suffix)
		clips = append(clips, makeVideo(t, staging, name, 1, start.Add(time.Duration(i)*time.Minute)))
	}
	if err := os.Chmod(clips[3], 0o444); err != nil { // locked on the device
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, c := range clips {
		sum, _, _ := tusclient.HashFile(context.Background(), c, nil)
		sums[filepath.Base(c)] = hex.EncodeToString(sum[:])
	}
	dev := fakeDevice(t, staging, "CAM1", "DSJ0A12", "000123")
	for _, c := range clips {
		if err := os.Rename(c, filepath.Join(dev, "DCIM", "100MEDIA", filepath.Base(c))); err != nil {
			t.Fatal(err)
		}
	}
	p := startStationProc(t, "--server", srv.URL, "--token", token, "--state", state, "--media-root", media, "--clear",
		"--poll", "200ms", "--heartbeat", "500ms", "--min-free", "0")
	if err := os.Rename(dev, filepath.Join(media, "CAM1")); err != nil { // docked
		t.Fatal(err)
	}
	dev = filepath.Join(media, "CAM1")

	deadline := time.Now().Add(90 * time.Second)
	for {
		st, ok := p.status(t)
		if ok && st.Queue == 0 && st.Counts[station.Cleared] == 2 && st.Counts[station.Kept] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("station did not finish: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	left := deviceFiles(t, dev)
	if len(left) != 2 {
		t.Errorf("left on the device: %v, want the important and the locked clip", left)
	}
	for name, sum := range sums {
		ids := archived(t, srv.URL, keeper, sum)
		if len(ids) != 1 {
			t.Errorf("%s: archived as %v, want exactly one recording", name, ids)
			continue
		}
		var rec struct {
			Device          string  `json:"device"`
			Officer         string  `json:"officer"`
			Important       bool    `json:"important"`
			ClockOffsetMS   *int64  `json:"clock_offset_ms"`
			ClockMeasuredAt *string `json:"clock_measured_at"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, ids[0]), keeper, nil, &rec)
		wantImportant := strings.Contains(name, "_IMP") || name == filepath.Base(clips[3])
		if rec.Device != "DSJ0A12" || rec.Officer != "000123" || rec.Important != wantImportant {
			t.Errorf("%s: device %q officer %q important %v, want DSJ0A12 000123 %v", name, rec.Device, rec.Officer, rec.Important, wantImportant)
		}
		// R-DEV-2: the clock read at docking, 90 s fast.
		if rec.ClockOffsetMS == nil || *rec.ClockOffsetMS < 85000 || *rec.ClockOffsetMS > 95000 {
			t.Errorf("%s: clock offset %v ms, want about 90000", name, rec.ClockOffsetMS)
		}
		if _, still := left[filepath.Join(dev, "DCIM", "100MEDIA", name)]; still != wantImportant {
			t.Errorf("%s: left on the device %v, want %v", name, still, wantImportant)
		}
	}
	// The heartbeat named the device: not registered yet, so listed.
	var reg struct {
		Unregistered []evidence.DeviceSighting `json:"unregistered"`
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(reg.Unregistered) == 0 && time.Now().Before(deadline) {
		api(t, "GET", srv.URL+"/api/v1/devices", keeper, nil, &reg)
		time.Sleep(200 * time.Millisecond)
	}
	if len(reg.Unregistered) != 1 || reg.Unregistered[0].Serial != "DSJ0A12" || reg.Unregistered[0].Station != "station-01" {
		t.Errorf("unregistered devices: %+v", reg.Unregistered)
	}
	// The local status page speaks Chinese; the terminal view too.
	resp, err := http.Get(p.Status + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "采集站状态") || !strings.Contains(string(page), "已入库并清除") {
		t.Errorf("status page:\n%s", page)
	}
	out := mustCLI(t, "station", "status", "--status", strings.TrimPrefix(p.Status, "http://"))
	if !strings.Contains(out, "已接入的设备") || !strings.Contains(out, "DSJ0A12") {
		t.Errorf("station status:\n%s", out)
	}
	// The buffer keeps nothing once the archive has confirmed.
	if left, _ := filepath.Glob(filepath.Join(state, "buffer", "*")); len(left) != 0 {
		t.Errorf("buffer not wiped: %v", left)
	}
}

// R-UPL-2, R-STORE-3: the station is killed with SIGKILL mid-upload and
// restarted, the server is killed mid-upload and restarted, and the
// network is cut (a proxy drops every connection, then refuses them for a
// while): every clip arrives exactly once, nothing is removed from the
// device before the archive holds it, nothing is lost.
func TestStationSurvivesKills(t *testing.T) {
	data, media, state := t.TempDir(), t.TempDir(), t.TempDir()
	token := newStation(t, data, "station-01")
	custodian := newPerson(t, data, "wangfang", "custodian")
	addr := freeAddr(t)
	srv := startServer(t, data, addr)
	px := newProxy(t, addr)

	n, size := 8, int64(12<<20)
	if testing.Short() {
		n, size = 5, 6<<20
	}
	staging := t.TempDir()
	dev := fakeDevice(t, staging, "CAM1", "DSJ0A12", "000123")
	start := time.Now().Add(-2 * time.Hour).In(evidence.Zone)
	for i := range n {
		name := fmt.Sprintf("DSJ0A12_000123_%s_%04d.MP4", start.Add(time.Duration(i)*time.Minute).Format("20060102150405"), i+1)
		randomFile(t, filepath.Join(dev, "DCIM", "100MEDIA"), name, size, byte(i+7))
	}
	if err := os.Rename(dev, filepath.Join(media, "CAM1")); err != nil {
		t.Fatal(err)
	}
	dev = filepath.Join(media, "CAM1")
	want := deviceFiles(t, dev) // the station is not running yet

	// Watch the device: a clip gone from it must have been in the archive
	// at that moment (ingested before it was seen gone).
	var mu sync.Mutex
	gone := map[string]time.Time{}
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for done := false; !done; {
			// One last look after stop: the station may have cleared
			// the last clip since the look before.
			select {
			case <-stop:
				done = true
			case <-time.After(20 * time.Millisecond):
			}
			for p := range want {
				if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
					mu.Lock()
					if _, seen := gone[p]; !seen {
						gone[p] = time.Now()
					}
					mu.Unlock()
				}
			}
		}
	}()
	args := []string{"--server", "http://" + px.ln.Addr().String(), "--token", token, "--state", state, "--media-root", media, "--clear",
		"--poll", "200ms", "--heartbeat", "1s", "--min-free", "0", "--bwlimit", "24M", "--parallel", "2"}
	progressed := func(p *stationProc, what string, ok func(station.Status) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if st, got := p.status(t); got && ok(st) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("waiting for %s: timed out", what)
	}
	uploading := func(st station.Status) bool {
		for _, f := range st.Files {
			if f.Total > 0 && f.Done > f.Total/4 && f.Done < f.Total {
				return true
			}
		}
		return false
	}

	p := startStationProc(t, args...)
	progressed(p, "a first upload under way", uploading)
	p.kill() // the station dies mid-upload
	p = startStationProc(t, args...)
	progressed(p, "an upload under way after the station's restart", uploading)
	srv.kill() // the server dies mid-upload
	srv = startServer(t, data, addr)
	keeper := srv.signIn(t, custodian)
	progressed(p, "an upload under way after the server's restart", uploading)
	px.cut() // the network drops every connection
	progressed(p, "an upload under way after the cut", uploading)
	px.setDown(true) // and stays down a while
	time.Sleep(2 * time.Second)
	px.setDown(false)

	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, ok := p.status(t)
		if ok && st.Queue == 0 && st.Counts[station.Cleared] == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("station did not finish: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	<-watched
	if left := deviceFiles(t, dev); len(left) != 0 {
		t.Errorf("left on the device: %v", left)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gone) != n {
		t.Errorf("%d clips seen removed, want %d", len(gone), n)
	}
	for path, sum := range want {
		ids := archived(t, srv.URL, keeper, sum)
		if len(ids) != 1 {
			t.Errorf("%s: archived as %v, want exactly one recording", filepath.Base(path), ids)
			continue
		}
		var rec struct {
			IngestedAt time.Time `json:"ingested_at"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, ids[0]), keeper, nil, &rec)
		if at, ok := gone[path]; !ok || at.Before(rec.IngestedAt) {
			t.Errorf("%s: gone from the device at %v, archived at %v", filepath.Base(path), at, rec.IngestedAt)
		}
	}
	var all struct {
		Total int `json:"total"`
	}
	api(t, "GET", srv.URL+"/api/v1/recordings", keeper, nil, &all)
	if all.Total != n {
		t.Errorf("%d recordings in the archive, want %d", all.Total, n)
	}
}

// Issue 13 point 5: `shilu upload --dir` walks a mounted card with the
// station's queue: uploaded, confirmed, then cleared; a second run finds
// nothing left to do and archives nothing twice.
func TestUploadDir(t *testing.T) {
	data, state := t.TempDir(), t.TempDir()
	token := newStation(t, data, "station-01")
	custodian := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	keeper := srv.signIn(t, custodian)
	card := fakeDevice(t, t.TempDir(), "CARD", "DSJ0B07", "000124")
	start := time.Now().Add(-time.Hour).In(evidence.Zone)
	for i := range 3 {
		name := fmt.Sprintf("DSJ0B07_000124_%s_%04d.MP4", start.Add(time.Duration(i)*time.Minute).Format("20060102150405"), i+1)
		randomFile(t, filepath.Join(card, "DCIM", "100MEDIA"), name, 1<<20, byte(i+40))
	}
	want := deviceFiles(t, card)
	out := mustCLI(t, "upload", "--server", srv.URL, "--token", token, "--state", state, "--dir", card, "--clear")
	if strings.Count(out, "recording ") != 3 {
		t.Errorf("upload --dir:\n%s", out)
	}
	if left := deviceFiles(t, card); len(left) != 0 {
		t.Errorf("left on the card: %v", left)
	}
	for p, sum := range want {
		if ids := archived(t, srv.URL, keeper, sum); len(ids) != 1 {
			t.Errorf("%s: archived as %v", filepath.Base(p), ids)
		}
	}
	if _, err := cli(t, "upload", "--server", srv.URL, "--token", token, "--dir", card, "a.mp4"); err == nil {
		t.Error("--dir with files: no error")
	}
}
