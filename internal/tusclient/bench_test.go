package tusclient

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkUpload uploads a 256 MiB file (SHILU_BENCH_UPLOAD_MIB changes the
// size) with the default HTTP client, to a local tusd writing to disk and to
// a tus server that discards the bytes. Next to MB/s it reports a baseline
// measured in the same run: the same bytes as one raw PATCH whose body is the
// *os.File itself, which Go sends with sendfile(2) — the most any client can
// do. x_baseline close to 1 means the client is not the bottleneck.
func BenchmarkUpload(b *testing.B) {
	size := int64(256 << 20)
	if v := os.Getenv("SHILU_BENCH_UPLOAD_MIB"); v != "" {
		mib, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("SHILU_BENCH_UPLOAD_MIB: %v", err)
		}
		size = mib << 20
	}
	p := benchFile(b, size)
	sum, _, err := HashFile(context.Background(), p, nil)
	if err != nil {
		b.Fatal(err)
	}
	u := Upload{Path: p, Size: size, SHA256: sum}

	targets := []struct {
		name     string
		endpoint func(b *testing.B) string
	}{
		{"tusd", func(b *testing.B) string { return newTusServer(b, serverOpts{}).Endpoint }},
		{"discard", newDiscardServer},
	}
	for _, tt := range targets {
		b.Run(tt.name, func(b *testing.B) {
			endpoint := tt.endpoint(b)
			c := &Client{Endpoint: endpoint, Token: testToken}
			raw := &http.Client{Transport: &http.Transport{}}
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
			ctx := context.Background()
			var baseline time.Duration

			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				start := time.Now()
				url, err := rawUpload(raw, endpoint, f, size)
				if err != nil {
					b.Fatal(err)
				}
				baseline += time.Since(start)
				if err := c.Terminate(ctx, url); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()

				res, err := c.Upload(ctx, u, nil)
				if err != nil {
					b.Fatal(err)
				}

				b.StopTimer()
				if err := c.Terminate(ctx, res.URL); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(size)*float64(b.N)/1e6/baseline.Seconds(), "baseline_MB/s")
			b.ReportMetric(baseline.Seconds()/b.Elapsed().Seconds(), "x_baseline")
		})
	}
}

// rawUpload is the baseline: creation plus one PATCH with the file as body,
// no progress, no retries.
func rawUpload(hc *http.Client, endpoint string, f *os.File, size int64) (string, error) {
	req, err := http.NewRequest(http.MethodPost, endpoint, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Tus-Resumable", tusVersion)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	// NopCloser keeps the file open; the transport unwraps it and still
	// takes the sendfile path.
	req, err = http.NewRequest(http.MethodPatch, loc.String(), io.NopCloser(f))
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	req.Header.Set("Tus-Resumable", tusVersion)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", "0")
	resp, err = hc.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return "", fmt.Errorf("raw PATCH: %s", resp.Status)
	}
	return loc.String(), nil
}

// newDiscardServer is the least a tus server can do: it reads PATCH bodies
// and throws them away, so only the client's own cost remains.
func newDiscardServer(b *testing.B) string {
	var ids atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Location", "/files/"+strconv.FormatInt(ids.Add(1), 10))
			w.WriteHeader(http.StatusCreated)
		case http.MethodPatch:
			off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
			n, _ := io.Copy(io.Discard, r.Body)
			w.Header().Set("Upload-Offset", strconv.FormatInt(off+n, 10))
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/files/"
}

// benchFile writes size random bytes without holding them in memory.
func benchFile(b *testing.B, size int64) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "bench.mp4")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close() //nolint:errcheck // on the failure path only; closed and checked below
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{1}), size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}
