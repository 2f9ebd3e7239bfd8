package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"shilu/internal/blob"
	"shilu/internal/blob/blobtest"
	"shilu/internal/blob/s3"
	"shilu/internal/tusclient"
)

// BenchmarkS3 measures the blob half of issue 12's benchmarks against a
// real versitygw on loopback, interleaving in each round, with the same
// file's bytes:
//
//   - raw: minio-go's PutObject of the file, as its documentation shows it
//     (the baseline: over plain http it signs every 64 KiB chunk, in
//     parts of 16 MiB, four at a time); and, as the ceiling, the same call
//     in one PUT with an unsigned payload (no integrity check at all);
//   - put: s3.Store.Put of the file, in this process (client hash, Object
//     Lock, the digest as the signed payload hash and the checksum);
//   - ingest: the whole path, a tus upload to `shilu serve --blobs s3://…`
//     until the answer naming the recording (staged on local disk, hashed,
//     fsynced, then put to S3, then catalogued).
//
// It reports the medians' throughputs and the ratios put_vs_raw and
// ingest_vs_raw (goal ≥ 0.8), and the server's peak RSS for the file and
// one twice its size (flat: streaming, not buffering). Size:
// SHILU_BENCH_S3_MIB (default 1024); rounds: SHILU_BENCH_ROUNDS (3).
func BenchmarkS3(b *testing.B) {
	if os.Getenv("SHILU_BENCH") != "1" {
		b.Skip("set SHILU_BENCH=1 (make bench)")
	}
	ctx := context.Background()
	work := b.TempDir()
	srv := blobtest.StartS3(b)
	shilu := build(b, work, "shilu/cmd/shilu")
	mib := int64(1024)
	if v := os.Getenv("SHILU_BENCH_S3_MIB"); v != "" {
		if _, err := fmt.Sscan(v, &mib); err != nil {
			b.Fatalf("SHILU_BENCH_S3_MIB=%q: %v", v, err)
		}
	}
	rounds := 3
	if v := os.Getenv("SHILU_BENCH_ROUNDS"); v != "" {
		if _, err := fmt.Sscan(v, &rounds); err != nil {
			b.Fatalf("SHILU_BENCH_ROUNDS=%q: %v", v, err)
		}
	}
	size := mib << 20
	file := filepath.Join(work, "s3.bin")
	bigFile(b, file, size)
	sum, _, err := tusclient.HashFile(ctx, file, nil)
	if err != nil {
		b.Fatal(err)
	}
	cred := filepath.Join(work, "s3.credentials")
	if err := os.WriteFile(cred, []byte("access_key="+srv.AccessKey+"\nsecret_key="+srv.SecretKey+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}

	raw := func(opts minio.PutObjectOptions) float64 {
		bucket := srv.NewBucket(b)
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close() //nolint:errcheck // read-only
		syscall.Sync()
		t0 := time.Now()
		if _, err := srv.Client.PutObject(ctx, bucket, "raw", f, size, opts); err != nil {
			b.Fatalf("raw PutObject: %v", err)
		}
		return time.Since(t0).Seconds()
	}
	put := func() float64 {
		st, err := s3.New(ctx, s3.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: srv.NewBucket(b)})
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close() //nolint:errcheck // read-only
		syscall.Sync()
		t0 := time.Now()
		if err := st.Put(ctx, blob.Digest(sum), f, size); err != nil {
			b.Fatalf("Store.Put: %v", err)
		}
		return time.Since(t0).Seconds()
	}
	ingest := func(file string, size int64, sum [32]byte) run {
		data, err := os.MkdirTemp(work, "shilu-")
		if err != nil {
			b.Fatal(err)
		}
		defer remove(b, data)
		if o, err := exec.Command(shilu, "user", "add", "--data", data, "--name", "bench", "--role", "station").CombinedOutput(); err != nil {
			b.Fatalf("user add: %v %s", err, o)
		}
		tok, err := exec.Command(shilu, "token", "create", "--data", data, "--user", "bench").Output()
		if err != nil {
			b.Fatal(err)
		}
		url := fmt.Sprintf("s3://%s?endpoint=%s&secure=false&credentials=%s", srv.NewBucket(b), srv.Endpoint, cred)
		cmd := exec.Command(shilu, "serve", "--data", data, "--listen", "127.0.0.1:0", "--blobs", url)
		return upload(b, cmd, start(b, cmd, "shilu serving "), strings.TrimSpace(string(tok)), file, size, sum)
	}

	b.ResetTimer()
	var rawS, fastS, putS []float64
	var ing []run
	for range b.N {
		for i := range rounds {
			rawS = append(rawS, raw(minio.PutObjectOptions{}))
			fastS = append(fastS, raw(minio.PutObjectOptions{DisableMultipart: true, DisableContentSha256: true}))
			putS = append(putS, put())
			ing = append(ing, ingest(file, size, sum))
			b.Logf("round %d: raw PutObject %.2fs (one unsigned PUT %.2fs), Store.Put %.2fs, ingest %.2fs (server cpu %.2f s, peak rss %.0f MiB)", i+1,
				rawS[len(rawS)-1], fastS[len(fastS)-1], putS[len(putS)-1], ing[len(ing)-1].seconds, ing[len(ing)-1].cpu, ing[len(ing)-1].rssMiB)
		}
	}
	b.StopTimer()
	mb := float64(size) / 1e6
	rawTP := mb / medianF(rawS)
	fastTP := mb / medianF(fastS)
	putTP := mb / medianF(putS)
	ingTP := mb / median(ing, func(r run) float64 { return r.seconds })
	rss := median(ing, func(r run) float64 { return r.rssMiB })

	file2 := filepath.Join(work, "s3x2.bin")
	bigFile(b, file2, 2*size)
	sum2, _, err := tusclient.HashFile(ctx, file2, nil)
	if err != nil {
		b.Fatal(err)
	}
	big := ingest(file2, 2*size, sum2)
	remove(b, file2)

	fmt.Printf("s3_raw_putobject_MBps=%.0f s3_store_put_MBps=%.0f s3_ingest_MBps=%.0f (%d MiB, median of %d)\n", rawTP, putTP, ingTP, mib, len(rawS))
	fmt.Printf("s3_put_vs_raw=%.2f s3_ingest_vs_raw=%.2f\n", putTP/rawTP, ingTP/rawTP)
	fmt.Printf("s3_raw_unsigned_single_put_MBps=%.0f s3_put_vs_unsigned=%.2f s3_ingest_vs_unsigned=%.2f\n", fastTP, putTP/fastTP, ingTP/fastTP)
	fmt.Printf("s3_ingest_peak_rss_MiB_%dMiB=%.1f s3_ingest_peak_rss_MiB_%dMiB=%.1f\n", mib, rss, 2*mib, big.rssMiB)
	b.ReportMetric(putTP/rawTP, "put_vs_raw")
	b.ReportMetric(ingTP/rawTP, "ingest_vs_raw")
	b.ReportMetric(rawTP, "raw_MB/s")
	b.ReportMetric(fastTP, "raw_unsigned_MB/s")
	b.ReportMetric(putTP, "put_MB/s")
	b.ReportMetric(ingTP, "ingest_MB/s")
	b.ReportMetric(big.rssMiB, "peak_rss_MiB")
}

func medianF(v []float64) float64 {
	return median(func() []run {
		r := make([]run, len(v))
		for i, x := range v {
			r[i].seconds = x
		}
		return r
	}(), func(r run) float64 { return r.seconds })
}
