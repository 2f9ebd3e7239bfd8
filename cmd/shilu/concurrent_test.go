package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"shilu/internal/tusclient"
)

// R-STORE-1, R-STORE-2: fifty stations upload at once (issue 16, a morning
// docking): every upload arrives exactly once as its own recording with
// its own digest, and the recordings list keeps answering meanwhile.
func TestConcurrentUploadsArriveOnce(t *testing.T) {
	const n = 50
	data, dir := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	paths := make([]string, n)
	sums := make([][32]byte, n)
	size := func(i int) int64 { return 256<<10 + int64(i)*4096 }
	for i := range paths {
		paths[i] = randomFile(t, dir, fmt.Sprintf("clip-%02d.bin", i), size(i), byte(i+1))
		sums[i], _, _ = tusclient.HashFile(context.Background(), paths[i], nil)
	}
	done := make(chan struct{})
	var answered, failed atomic.Int32
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			// Not api: it fails the test with t.Fatal, which only the
			// test's own goroutine may call.
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/recordings?limit=20", nil)
			req.Header.Set("Authorization", "Bearer "+station)
			resp, err := http.DefaultClient.Do(req)
			if err == nil && resp.StatusCode == http.StatusOK {
				answered.Add(1)
			} else {
				failed.Add(1)
			}
			if err == nil {
				resp.Body.Close() //nolint:errcheck // the status is what counts
			}
		}
	}()
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
			res, err := c.Upload(context.Background(), tusclient.Upload{Path: paths[i], Size: size(i), SHA256: sums[i]}, nil)
			if err != nil {
				t.Errorf("upload %d: %v", i, err)
			}
			ids[i] = res.RecordingID
		}()
	}
	wg.Wait()
	close(done)
	if answered.Load() == 0 || failed.Load() != 0 {
		t.Errorf("list requests during the uploads: %d answered, %d failed", answered.Load(), failed.Load())
	}
	var list recordingList
	api(t, "GET", srv.URL+"/api/v1/recordings?limit=100", station, nil, &list)
	byID := map[int64]string{}
	for _, r := range list.Recordings {
		byID[r.ID] = r.SHA256
	}
	if len(list.Recordings) != n {
		t.Errorf("%d recordings, want %d", len(list.Recordings), n)
	}
	for i, id := range ids {
		if got, want := byID[id], fmt.Sprintf("%x", sums[i]); got != want {
			t.Errorf("upload %d: recording %d has sha256 %q, want %s", i, id, got, want)
		}
		delete(byID, id) // a second upload answered with the same id would be missing now
	}
}
