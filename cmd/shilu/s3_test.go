package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"shilu/internal/blob"
	"shilu/internal/blob/blobtest"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/tusclient"
)

// s3Blobs starts a real S3 server with an Object Lock bucket and returns
// the --blobs URL for it; the credentials are in a private file it names.
func s3Blobs(t *testing.T, extra string) (*blobtest.S3Server, string, string) {
	t.Helper()
	srv := blobtest.StartS3(t)
	bucket := srv.NewBucket(t)
	cred := filepath.Join(t.TempDir(), "s3.credentials")
	if err := os.WriteFile(cred, []byte("access_key="+srv.AccessKey+"\nsecret_key="+srv.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, bucket, fmt.Sprintf("s3://%s?endpoint=%s&secure=false&credentials=%s%s", bucket, srv.Endpoint, cred, extra)
}

// R-STORE-2, X-SEC-4: with --blobs s3://…, an upload through the server is
// acknowledged only once its object is in the bucket under its digest,
// locked in COMPLIANCE mode; it plays back with range requests (also
// across the parts of a multipart upload); and `shilu verify` re-hashes it
// from S3. Nothing of it is kept on the server's disk as a blob.
func TestS3EndToEnd(t *testing.T) {
	ctx := context.Background()
	s3srv, bucket, blobsURL := s3Blobs(t, "&max-put=5MiB&part-size=5MiB")
	data, media := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	zhangwei := newPerson(t, data, "zhangwei", "officer")
	liuyang := newPerson(t, data, "liuyang", "leader")
	wangfang := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0", "--blobs", blobsURL)
	officer, leader := srv.signIn(t, zhangwei), srv.signIn(t, liuyang)

	// 12 MiB + 5: three parts of 5 MiB at most.
	f := randomFile(t, media, "DSJ0A12_000123_20261126093015_0001.MP4", 12<<20+5, 3)
	want, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
	sum, size, _ := tusclient.HashFile(ctx, f, nil)
	res, err := c.Upload(ctx, tusclient.Upload{Path: f, Size: size, SHA256: sum}, nil)
	if err != nil || res.RecordingID == 0 {
		t.Fatalf("upload: %v", err)
	}
	d := blob.Digest(sum)
	key := "sha256/" + d.Hex()
	// Acknowledged means durable in S3: the object is there, locked.
	oi, err := s3srv.Client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil || oi.Size != size {
		t.Fatalf("object after the upload's answer: %+v, %v", oi, err)
	}
	if mode := oi.Metadata.Get("X-Amz-Object-Lock-Mode"); mode != "COMPLIANCE" {
		t.Errorf("object lock mode %q, want COMPLIANCE", mode)
	}
	if got, _ := os.ReadFile(filepath.Join(data, "blobs.url")); strings.TrimSpace(string(got)) != blobsURL {
		t.Errorf("blobs.url = %q, want the --blobs URL", got)
	}
	if n := countFiles(t, filepath.Join(data, "blobs")); n != 0 {
		t.Errorf("%d blob files on the server's disk, want none", n)
	}

	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"核查现场检查过程","until":%q}`, res.RecordingID, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/access-requests", officer, nil, body, &req); resp.StatusCode != 201 {
		t.Fatalf("request: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", srv.URL, req.ID), leader, nil, `{}`, &req); resp.StatusCode != 200 {
		t.Fatalf("approve: %d %s", resp.StatusCode, b)
	}
	registerGrant(t, srv.URL, srv.signIn(t, wangfang), req.GrantID)
	content := fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, res.RecordingID)
	for _, r := range []struct{ from, to int }{{0, 99}, {5<<20 - 10, 5<<20 + 10}, {12<<20 - 7, 12<<20 + 4}, {100, 199}} {
		resp, got := api(t, "GET", content, officer, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", r.from, r.to)}, nil)
		if resp.StatusCode != 206 || string(got) != string(want[r.from:r.to+1]) {
			t.Errorf("range %d-%d: status %d, %d bytes, not the original's", r.from, r.to, resp.StatusCode, len(got))
		}
	}
	resp, got := api(t, "GET", content, officer, nil, nil)
	if resp.StatusCode != 200 || string(got) != string(want) {
		t.Errorf("whole content: status %d, %d bytes", resp.StatusCode, len(got))
	}

	srv.stop()
	// Without --blobs: verify reads blobs.url and re-hashes from S3.
	if out := mustCLI(t, "verify", "--data", data, "--quiet"); !strings.Contains(out, "1 recordings verified") {
		t.Errorf("verify: %s", out)
	}
	// A forged version on top and a delete marker hide nothing from it.
	if _, err := s3srv.Client.PutObject(ctx, bucket, key, strings.NewReader("forged"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s3srv.Client.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "verify", "--data", data, "--quiet"); !strings.Contains(out, "1 recordings verified") {
		t.Errorf("verify behind a forged version and a delete marker: %s", out)
	}
	// The bucket is the archive's: another one on the command line is
	// refused, not silently used.
	if _, err := cli(t, "serve", "--data", data, "--listen", "127.0.0.1:0", "--blobs", strings.Replace(blobsURL, bucket, "other", 1)); err == nil || !strings.Contains(err.Error(), "blobs.url") {
		t.Errorf("serve with another bucket: %v", err)
	}
}

// R-STORE-2, X-SEC-4: an archive whose originals are on disk does not switch
// to S3 by a flag: that would leave every recording missing.
func TestS3RefusedForDiskArchive(t *testing.T) {
	_, _, blobsURL := s3Blobs(t, "")
	data := t.TempDir()
	d, err := openDiskForTest(data)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("an original")
	if err := d.Put(context.Background(), blob.Sum(b), strings.NewReader(string(b)), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	_, err = cli(t, "serve", "--data", data, "--listen", "127.0.0.1:0", "--blobs", blobsURL)
	if err == nil || !strings.Contains(err.Error(), "keeps its originals in") {
		t.Fatalf("serve --blobs on a disk archive: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "blobs.url")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("blobs.url written for a refused --blobs: %v", err)
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

func openDiskForTest(data string) (*disk.Store, error) {
	return disk.Open(filepath.Join(data, "blobs"))
}
