package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shilu/internal/tusclient"
)

// BenchmarkConcurrentIngest is a morning docking (issue 16): 16 and then 50
// stations upload at once (64 MiB each with SHILU_BENCH=1, 4 MiB
// otherwise) to Shilu and, in the same run, to the durable tusd baseline
// (a plain receiver: no hashing, catalogue or authentication). While
// Shilu ingests, a reader asks /healthz and the first page of the
// recordings list every 20 ms. It reports the throughput ratio, Shilu's
// peak RSS (the kernel's rusage), the readers' p99 and the errors.
func BenchmarkConcurrentIngest(b *testing.B) {
	size := int64(4 << 20)
	if os.Getenv("SHILU_BENCH") == "1" {
		size = 64 << 20
	}
	work := b.TempDir()
	s := servers{shilu: build(b, work, "shilu/cmd/shilu"), tusd: build(b, work, "shilu/internal/bench/tusdbaseline"), work: work}
	files := make([]string, 50)
	sums := make([][32]byte, len(files))
	for i := range files {
		files[i] = filepath.Join(work, fmt.Sprintf("DSJ%04d_000123_20261126093015_0001.bin", i))
		sums[i] = noiseFile(b, files[i], size, uint64(i+1))
	}
	b.ResetTimer()
	for range b.N {
		for _, n := range []int{16, 50} {
			td := s.concurrentTusd(b, files[:n], sums[:n], size)
			sh := s.concurrentShilu(b, files[:n], sums[:n], size)
			ratio := sh.mbps / td.mbps
			fmt.Printf("uploads=%d shilu_MBps=%.0f tusd_MBps=%.0f ratio=%.2f errors=%d peak_rss_MiB=%.0f healthz_p99_ms=%.1f list_p99_ms=%.1f\n",
				n, sh.mbps, td.mbps, ratio, sh.errors, sh.rssMiB, sh.healthP99, sh.listP99)
			b.ReportMetric(ratio, fmt.Sprintf("ratio_%d", n))
			b.ReportMetric(sh.rssMiB, fmt.Sprintf("peak_rss_MiB_%d", n))
			b.ReportMetric(sh.healthP99, fmt.Sprintf("healthz_p99_ms_%d", n))
			b.ReportMetric(sh.listP99, fmt.Sprintf("list_p99_ms_%d", n))
			b.ReportMetric(float64(sh.errors+td.errors), fmt.Sprintf("errors_%d", n))
		}
	}
}

// noiseFile writes size random bytes seeded by seed and returns their
// SHA-256.
func noiseFile(b *testing.B, path string, size int64, seed uint64) [32]byte {
	r := rand.New(rand.NewPCG(seed, seed))
	buf := make([]byte, 1<<20)
	h := sha256.New()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	for done := int64(0); done < size; done += int64(len(buf)) {
		for i := 0; i < len(buf); i += 8 {
			v := r.Uint64()
			for j := range 8 {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		h.Write(buf)
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// load is one concurrent run.
type load struct {
	mbps               float64
	errors             int
	rssMiB             float64
	healthP99, listP99 float64
}

func (s servers) concurrentTusd(b *testing.B, files []string, sums [][32]byte, size int64) load {
	data, err := os.MkdirTemp(s.work, "tusd-")
	if err != nil {
		b.Fatal(err)
	}
	defer remove(b, data)
	cmd := exec.Command(s.tusd, data, "127.0.0.1:0")
	url := start(b, cmd, "tusd serving ")
	return uploadAll(b, cmd, url, "", files, sums, size)
}

func (s servers) concurrentShilu(b *testing.B, files []string, sums [][32]byte, size int64) load {
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
	return uploadAll(b, cmd, url, strings.TrimSpace(string(tok)), files, sums, size)
}

// uploadAll uploads every file at once to the server cmd runs at url; for
// Shilu (a token) a reader measures /healthz and the recordings list
// meanwhile. It stops the server and reads its peak RSS.
func uploadAll(b *testing.B, cmd *exec.Cmd, url, token string, files []string, sums [][32]byte, size int64) load {
	syscall.Sync()
	var l load
	var mu sync.Mutex
	ctx, stop := context.WithCancel(context.Background())
	var health, list []float64
	var readers sync.WaitGroup
	if token != "" {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ctx.Err() == nil {
				health = append(health, timed(b, url+"/healthz", ""))
				list = append(list, timed(b, url+"/api/v1/recordings?limit=50", token))
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &tusclient.Client{Endpoint: url + "/api/v1/uploads/", Token: token}
			res, err := c.Upload(context.Background(), tusclient.Upload{Path: f, Size: size, SHA256: sums[i]}, nil)
			if err != nil || token != "" && res.RecordingID == 0 {
				mu.Lock()
				l.errors++
				mu.Unlock()
				b.Logf("upload %s: %v %d %s", f, err, res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	stop()
	readers.Wait()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	l.mbps = float64(size) * float64(len(files)) / secs / 1e6
	l.rssMiB = float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	l.healthP99, l.listP99 = p99(health), p99(list)
	return l
}

// timed returns how long a GET of url took, in milliseconds.
func timed(b *testing.B, url, token string) float64 {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	resp.Body.Close() //nolint:errcheck // the status is what counts
	if resp.StatusCode != http.StatusOK {
		b.Errorf("GET %s: %s", url, resp.Status)
	}
	return float64(time.Since(t0).Microseconds()) / 1000
}

func p99(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)*99/100]
}
