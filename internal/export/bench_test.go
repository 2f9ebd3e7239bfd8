package export

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/report"
)

// BenchmarkPackage (make bench, SHILU_BENCH=1): making the package of N GiB
// of originals (SHILU_BENCH_GIB, default 1; four recordings), with the
// originals hard-linked from a blob store on the same file system (link) or
// copied (copy: another file system) — the tree with
// the originals hashed, the PDFs, MANIFEST, and the ISO image written,
// hashed and synced — against the floor of the same bytes in the same run:
// `cp` of the files, `sync` of the copies and `sha256sum` of them. Runs
// alternate, three of each; the medians' ratio (floor / ours, goal ≥ 0.8)
// is reported with throughput and peak memory: this process's (VmHWM) and
// xorriso's.
func BenchmarkPackage(b *testing.B) {
	if os.Getenv("SHILU_BENCH") == "" {
		b.Skip("SHILU_BENCH=1 runs the packaging benchmark (make bench)")
	}
	for _, tool := range []string{"xorriso", "cp", "sync", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skip(err)
		}
	}
	font, err := report.LoadFont(report.DefaultFontPath)
	if err != nil {
		b.Skip(err)
	}
	gib := 1.0
	if v := os.Getenv("SHILU_BENCH_GIB"); v != "" {
		if gib, err = strconv.ParseFloat(v, 64); err != nil {
			b.Fatal(err)
		}
	}
	root := b.TempDir()
	src := filepath.Join(root, "blobs")
	must(b, os.Mkdir(src, 0o755))
	total := int64(gib * (1 << 30))
	var items []Item
	var paths []string
	for i := range 4 {
		p := filepath.Join(src, fmt.Sprintf("DSJ0A12_000123_2026120509%02d00.mp4", i))
		d := writeRandom(b, p, total/4, uint64(i))
		must(b, os.Chmod(p, 0o444))
		paths = append(paths, p)
		rec := evidence.Recording{ID: int64(i + 1), Digest: d, Size: total / 4, Filename: filepath.Base(p), Officer: "000123", Device: "DSJ0A12"}
		items = append(items, Item{Recording: rec, Maker: "张伟（警号 000123）", Duration: 10 * time.Minute, Path: p,
			Open: func(context.Context) (io.ReadCloser, error) { return os.Open(p) }})
	}
	for _, mode := range []string{"link", "copy"} {
		b.Run(mode, func(b *testing.B) {
			its := slices.Clone(items)
			if mode == "copy" {
				for i := range its {
					its[i].Path = ""
				}
			}
			benchPackage(b, root, paths, its, font, total, gib)
		})
	}
}

func benchPackage(b *testing.B, root string, paths []string, items []Item, font []byte, total int64, gib float64) {
	ctx := context.Background()
	spec := Spec{ExtractionID: 1, Case: evidence.Case{Number: "丰医保罚〔2026〕1号", Title: "基准"}, Purpose: evidence.ExtractCaseFile,
		Proves: "基准测试的证明对象", Extractor: "张伟", Approver: "刘洋", ExtractedAt: time.Now(), Items: items, Font: font}

	var ours, floor []time.Duration
	var xorrisoRSS int64
	b.ResetTimer()
	for round := range 3 {
		work := filepath.Join(root, "work"+strconv.Itoa(round))
		must(b, os.Mkdir(work, 0o755))
		tree := filepath.Join(work, "tree")
		must(b, os.Mkdir(tree, 0o755))
		start := time.Now()
		if _, err := Build(ctx, spec, tree); err != nil {
			b.Fatal(err)
		}
		img, err := MakeISO(ctx, "", tree, filepath.Join(work, "p.iso"), "SHILU_BENCH")
		if err != nil {
			b.Fatal(err)
		}
		ours = append(ours, time.Since(start))
		xorrisoRSS = max(xorrisoRSS, img.MaxRSS)
		must(b, os.RemoveAll(work))

		dst := filepath.Join(root, "copy"+strconv.Itoa(round))
		must(b, os.Mkdir(dst, 0o755))
		var copies []string
		for _, p := range paths {
			copies = append(copies, filepath.Join(dst, filepath.Base(p)))
		}
		start = time.Now()
		for _, c := range [][]string{append([]string{"cp"}, append(slices.Clone(paths), dst)...), append([]string{"sync"}, copies...),
			append([]string{"sha256sum"}, copies...)} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v %s", c[0], err, out)
			}
		}
		floor = append(floor, time.Since(start))
		must(b, os.RemoveAll(dst))
	}
	b.StopTimer()
	med := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	o, f := med(ours), med(floor)
	b.ReportMetric(float64(f)/float64(o), "ratio")
	b.ReportMetric(float64(total)/(1<<20)/o.Seconds(), "MiB/s")
	b.ReportMetric(float64(total)/(1<<20)/f.Seconds(), "floor-MiB/s")
	b.ReportMetric(float64(vmHWM())/(1<<20), "peak-RSS-MiB")
	// Linux counts in a child's maxrss the parent's resident set at the fork,
	// so this bounds xorriso's peak from above.
	b.ReportMetric(float64(xorrisoRSS)/(1<<20), "xorriso-RSS-bound-MiB")
	b.Logf("%.2f GiB: package %v, cp+sync+sha256sum %v (medians of 3 interleaved), ratio %.2f", gib, o, f, float64(f)/float64(o))
}

// writeRandom writes n pseudo-random bytes to path and returns their digest.
func writeRandom(b *testing.B, path string, n int64, seed uint64) blob.Digest {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { must(b, f.Close()) }()
	r := rand.New(rand.NewPCG(seed, seed+1))
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		for i := 0; i < len(buf); i += 8 {
			v := r.Uint64()
			for j := range 8 {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		k := min(int64(len(buf)), left)
		if _, err := f.Write(buf[:k]); err != nil {
			b.Fatal(err)
		}
		h.Write(buf[:k])
		left -= k
	}
	var d blob.Digest
	copy(d[:], h.Sum(nil))
	return d
}

// vmHWM is this process's peak resident memory in bytes.
func vmHWM() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
