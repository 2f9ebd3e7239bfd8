package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stationRun is one transfer of the card's files to a fresh server.
type stationRun struct {
	seconds float64
	rssMiB  float64 // the client's peak RSS: shilu upload's, or the station's
}

// newArchive starts a fresh `shilu serve` with a station account and
// returns its URL, the station's token and the server process.
func (s servers) newArchive(b *testing.B) (url, token string, cmd *exec.Cmd, data string) {
	data, err := os.MkdirTemp(s.work, "shilu-")
	if err != nil {
		b.Fatal(err)
	}
	if o, err := exec.Command(s.shilu, "user", "add", "--data", data, "--name", "station-01", "--role", "station").CombinedOutput(); err != nil {
		b.Fatalf("user add: %v %s", err, o)
	}
	tok, err := exec.Command(s.shilu, "token", "create", "--data", data, "--user", "station-01").Output()
	if err != nil {
		b.Fatal(err)
	}
	cmd = exec.Command(s.shilu, "serve", "--data", data, "--listen", "127.0.0.1:0")
	url = start(b, cmd, "shilu serving ")
	return url, strings.TrimSpace(string(tok)), cmd, data
}

func stopServer(b *testing.B, cmd *exec.Cmd) {
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("shilu serve: %v", err)
	}
}

func maxRSS(cmd *exec.Cmd) float64 {
	return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
}

// runUpload sends the files with `shilu upload` (one after the other,
// each hashed first).
func (s servers) runUpload(b *testing.B, files []string) stationRun {
	url, token, srv, data := s.newArchive(b)
	defer remove(b, data)
	state, err := os.MkdirTemp(s.work, "upload-state-")
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, state)
	syscall.Sync()
	cmd := exec.Command(s.shilu, append([]string{"upload", "--quiet", "--server", url, "--token", token, "--state", state}, files...)...)
	t0 := time.Now()
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("shilu upload: %v\n%s", err, o)
	}
	secs := time.Since(t0).Seconds()
	stopServer(b, srv)
	return stationRun{seconds: secs, rssMiB: maxRSS(cmd)}
}

// runStation docks the card at `shilu station` (not clearing, so the card
// stays for the next run) and times it until every file is confirmed.
func (s servers) runStation(b *testing.B, card string, n int) stationRun {
	url, token, srv, data := s.newArchive(b)
	defer remove(b, data)
	state, err := os.MkdirTemp(s.work, "station-state-")
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, state)
	syscall.Sync()
	cmd := exec.Command(s.shilu, "station", "--server", url, "--token", token, "--state", state, "--mount", card,
		"--status", "127.0.0.1:0", "--poll", "100ms", "--heartbeat", "10s", "--min-free", "0", "--parallel", "2")
	t0 := time.Now()
	status := start(b, cmd, "shilu station status ")
	for {
		var st struct {
			Queue  int            `json:"queue"`
			Counts map[string]int `json:"counts"`
		}
		if resp, err := http.Get(status + "status.json"); err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && st.Queue == 0 && st.Counts["kept"] == n {
				break
			}
		}
		if time.Since(t0) > 30*time.Minute {
			b.Fatal("station did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	secs := time.Since(t0).Seconds()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("shilu station: %v", err)
	}
	stopServer(b, srv)
	return stationRun{seconds: secs, rssMiB: maxRSS(cmd)}
}

// BenchmarkStation moves 20 body-cam files of 200 MB (8 MB with -short)
// from a card laid out as a camera to a fresh archive, with the station
// (buffer copy, two uploads at once, confirmation) and with `shilu upload`
// of the same files, interleaved, SHILU_BENCH_ROUNDS times (default 3),
// and reports the medians: both throughputs, their ratio station_vs_upload
// (goal ≥ 0.95) and the station's peak RSS, which must not grow with the
// files (streaming, not buffering in memory). Runs with SHILU_BENCH=1
// (make bench); needs ~3× the files' size free on disk.
func BenchmarkStation(b *testing.B) {
	if os.Getenv("SHILU_BENCH") != "1" {
		b.Skip("set SHILU_BENCH=1 (make bench)")
	}
	n, size := 20, int64(200<<20)
	if testing.Short() {
		size = 8 << 20
	}
	work := b.TempDir()
	s := servers{shilu: build(b, work, "shilu/cmd/shilu"), work: work}
	card := filepath.Join(work, "card")
	clips := filepath.Join(card, "DCIM", "100MEDIA")
	if err := os.MkdirAll(clips, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(card, "ZFY_INFO.TXT"), []byte("cSerial=DSJ0A12\ncUserNo=000123\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	first := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var files []string
	for i := range n {
		p := filepath.Join(clips, fmt.Sprintf("DSJ0A12_000123_%s_%04d.MP4", first.Add(time.Duration(i)*time.Minute).Format("20060102150405"), i+1))
		bigFile(b, p, size)
		// Each file different: the archive keeps one recording per content.
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.WriteAt([]byte(fmt.Sprintf("clip %04d", i)), 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	rounds := 3
	if v := os.Getenv("SHILU_BENCH_ROUNDS"); v != "" {
		if _, err := fmt.Sscan(v, &rounds); err != nil {
			b.Fatalf("SHILU_BENCH_ROUNDS=%q: %v", v, err)
		}
	}
	b.ResetTimer()
	var up, st []run
	for range b.N {
		for i := range rounds {
			u := s.runUpload(b, files)
			t := s.runStation(b, card, n)
			up = append(up, run{seconds: u.seconds, rssMiB: u.rssMiB})
			st = append(st, run{seconds: t.seconds, rssMiB: t.rssMiB})
			b.Logf("round %d: shilu upload %.2fs (rss %.0f MiB), shilu station %.2fs (rss %.0f MiB)", i+1, u.seconds, u.rssMiB, t.seconds, t.rssMiB)
		}
	}
	b.StopTimer()
	total := float64(int64(n) * size)
	upTP := total / median(up, func(r run) float64 { return r.seconds }) / 1e6
	stTP := total / median(st, func(r run) float64 { return r.seconds }) / 1e6
	peak := 0.0
	for _, r := range st {
		peak = max(peak, r.rssMiB)
	}
	fmt.Printf("files=%d size_MB=%d upload_MBps=%.0f station_MBps=%.0f station_vs_upload=%.2f station_peak_rss_MiB=%.1f upload_peak_rss_MiB=%.1f\n",
		n, size>>20, upTP, stTP, stTP/upTP, peak, median(up, func(r run) float64 { return r.rssMiB }))
	b.ReportMetric(stTP/upTP, "station_vs_upload")
	b.ReportMetric(stTP, "station_MB/s")
	b.ReportMetric(upTP, "upload_MB/s")
	b.ReportMetric(peak, "station_peak_rss_MiB")
}
