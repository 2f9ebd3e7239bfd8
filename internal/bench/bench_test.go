// Package bench measures ingest against a durable tusd baseline. It runs
// both servers as child processes so that their CPU time and peak memory
// are the kernel's own accounting (rusage), and drives both with the same
// client, interleaving the runs so that machine noise hits both alike.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"shilu/internal/tusclient"
)

const gib = 1 << 30

func build(b *testing.B, dir, pkg string) string {
	out := filepath.Join(dir, filepath.Base(pkg))
	if o, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, o)
	}
	return out
}

// bigFile writes size bytes of xorshift noise (incompressible, fast to make).
func bigFile(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // on the failure paths only; closed and checked at the end
	buf := make([]uint64, 1<<17)
	x := uint64(0x9E3779B97F4A7C15)
	bytesBuf := make([]byte, 8*len(buf))
	for written := int64(0); written < size; written += int64(len(bytesBuf)) {
		for i := range buf {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			buf[i] = x
		}
		for i, v := range buf {
			for j := range 8 {
				bytesBuf[8*i+j] = byte(v >> (8 * j))
			}
		}
		if _, err := f.Write(bytesBuf); err != nil {
			b.Fatal(err)
		}
	}
	// Written back now, not in the background during the first runs.
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// remove deletes a benchmark's multi-gigabyte file or directory, and says
// so if it cannot: the next runs would find the disk full.
func remove(b *testing.B, path string) {
	b.Helper()
	if err := os.RemoveAll(path); err != nil {
		b.Error(err)
	}
}

// run is one server process serving one upload.
type run struct {
	seconds float64 // upload wall time
	cpu     float64 // server user+system seconds
	user    float64
	sys     float64
	rssMiB  float64 // server peak RSS
}

func start(b *testing.B, cmd *exec.Cmd, prefix string) string {
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return strings.Fields(rest)[0]
		}
	}
	b.Fatalf("%s did not start", cmd.Path)
	return ""
}

func upload(b *testing.B, cmd *exec.Cmd, url, token, file string, size int64, sum [32]byte) run {
	c := &tusclient.Client{Endpoint: url + "/api/v1/uploads/", Token: token}
	// Each run starts with no dirty pages of earlier runs to write back,
	// which would otherwise be charged to whichever server runs next.
	syscall.Sync()
	t0 := time.Now()
	res, err := c.Upload(context.Background(), tusclient.Upload{Path: file, Size: size, SHA256: sum}, nil)
	secs := time.Since(t0).Seconds()
	if err != nil {
		b.Fatalf("upload to %s: %v", cmd.Path, err)
	}
	if token != "" && res.RecordingID == 0 {
		b.Fatalf("shilu answered without a recording id: %d %s", res.Status, res.Body)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		b.Fatalf("%s: %v", cmd.Path, err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s: %v", cmd.Path, err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	user := time.Duration(ru.Utime.Nano()).Seconds()
	sys := time.Duration(ru.Stime.Nano()).Seconds()
	return run{seconds: secs, cpu: user + sys, user: user, sys: sys, rssMiB: float64(ru.Maxrss) / 1024}
}

type servers struct {
	shilu, tusd, work string
}

func (s servers) runShilu(b *testing.B, file string, size int64, sum [32]byte) run {
	data, err := os.MkdirTemp(s.work, "shilu-")
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, data)
	if o, err := exec.Command(s.shilu, "user", "add", "--data", data, "--name", "bench", "--role", "station").CombinedOutput(); err != nil {
		b.Fatalf("user add: %v %s", err, o)
	}
	tok, err := exec.Command(s.shilu, "token", "create", "--data", data, "--user", "bench").Output()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(s.shilu, "serve", "--data", data, "--listen", "127.0.0.1:0")
	url := start(b, cmd, "shilu serving ")
	return upload(b, cmd, url, strings.TrimSpace(string(tok)), file, size, sum)
}

func (s servers) runTusd(b *testing.B, file string, size int64, sum [32]byte) run {
	data, err := os.MkdirTemp(s.work, "tusd-")
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, data)
	cmd := exec.Command(s.tusd, data, "127.0.0.1:0")
	url := start(b, cmd, "tusd serving ")
	return upload(b, cmd, url, "", file, size, sum)
}

func median(runs []run, f func(run) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// BenchmarkIngest uploads a 2 GiB file through Shilu's tus path and through
// the durable tusd baseline, five times each (SHILU_BENCH_ROUNDS), interleaved, and reports the
// medians: throughputs, server CPU seconds per GiB, and their ratio
// ingest_vs_tusd. Then it ingests a 4 GiB file and reports the server's
// peak RSS, which must not grow with file size (streaming, not buffering).
//
// It is slow and needs ~10 GiB of free disk, so it runs only with
// SHILU_BENCH=1 (make bench).
func BenchmarkIngest(b *testing.B) {
	if os.Getenv("SHILU_BENCH") != "1" {
		b.Skip("set SHILU_BENCH=1 (make bench)")
	}
	work := b.TempDir()
	s := servers{shilu: build(b, work, "shilu/cmd/shilu"), tusd: build(b, work, "shilu/internal/bench/tusdbaseline"), work: work}
	const size = 2 * gib
	file := filepath.Join(work, "2gib.bin")
	bigFile(b, file, size)
	sum, _, err := tusclient.HashFile(context.Background(), file, nil)
	if err != nil {
		b.Fatal(err)
	}
	rounds := 5
	if v := os.Getenv("SHILU_BENCH_ROUNDS"); v != "" {
		if _, err := fmt.Sscan(v, &rounds); err != nil {
			b.Fatalf("SHILU_BENCH_ROUNDS=%q: %v", v, err)
		}
	}
	b.ResetTimer()
	var sh, td []run
	for range b.N {
		for i := range rounds {
			td = append(td, s.runTusd(b, file, size, sum))
			sh = append(sh, s.runShilu(b, file, size, sum))
			b.Logf("round %d: tusd %.2fs (cpu %.2f = %.2f user + %.2f sys), shilu %.2fs (cpu %.2f = %.2f user + %.2f sys)", i+1,
				td[len(td)-1].seconds, td[len(td)-1].cpu, td[len(td)-1].user, td[len(td)-1].sys,
				sh[len(sh)-1].seconds, sh[len(sh)-1].cpu, sh[len(sh)-1].user, sh[len(sh)-1].sys)
		}
	}
	b.StopTimer()
	gibs := float64(size) / gib
	shTP := float64(size) / median(sh, func(r run) float64 { return r.seconds }) / 1e6
	tdTP := float64(size) / median(td, func(r run) float64 { return r.seconds }) / 1e6
	shCPU := median(sh, func(r run) float64 { return r.cpu }) / gibs
	tdCPU := median(td, func(r run) float64 { return r.cpu }) / gibs
	remove(b, file)

	file4 := filepath.Join(work, "4gib.bin")
	bigFile(b, file4, 4*gib)
	sum4, _, err := tusclient.HashFile(context.Background(), file4, nil)
	if err != nil {
		b.Fatal(err)
	}
	big := s.runShilu(b, file4, 4*gib, sum4)
	remove(b, file4)

	fmt.Printf("shilu_ingest_MBps=%.0f tusd_durable_MBps=%.0f\n", shTP, tdTP)
	fmt.Printf("shilu_cpu_s_per_GiB=%.2f tusd_cpu_s_per_GiB=%.2f\n", shCPU, tdCPU)
	fmt.Printf("ingest_vs_tusd=%.2f\n", shTP/tdTP)
	fmt.Printf("peak_rss_MiB_2GiB=%.1f peak_rss_MiB_4GiB=%.1f\n", median(sh, func(r run) float64 { return r.rssMiB }), big.rssMiB)
	b.ReportMetric(shTP/tdTP, "ingest_vs_tusd")
	b.ReportMetric(shTP, "shilu_MB/s")
	b.ReportMetric(tdTP, "tusd_MB/s")
	b.ReportMetric(shCPU, "shilu_cpu_s/GiB")
	b.ReportMetric(tdCPU, "tusd_cpu_s/GiB")
	b.ReportMetric(big.rssMiB, "peak_rss_MiB")
}
