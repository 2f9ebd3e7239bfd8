package ingest

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/tusclient"
)

// R-STORE-1: a file that is not media (a document uploaded by mistake) is archived as
// it is, kind unknown, with the probe's complaint kept; the complaint names
// the file as uploaded, never where the server keeps its uploads (issue 8:
// the recordings list showed the server's paths in a tooltip).
func TestNonMediaArchivedWithoutServerPath(t *testing.T) {
	f := newFixture(t, "station-01")
	f.addUser(t, "station-01")
	data := []byte("会议纪要：这不是音视频文件。\n")
	path := filepath.Join(t.TempDir(), "纪要.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &tusclient.Client{Endpoint: f.url, ChunkSize: 1 << 20}
	res, err := c.Upload(context.Background(), tusclient.Upload{Path: path, Size: int64(len(data)), SHA256: sha256.Sum256(data)}, nil)
	if err != nil || res.RecordingID == 0 {
		t.Fatalf("upload: %+v, %v", res, err)
	}
	recs := f.recordings(t)
	if len(recs) != 1 || recs[0].Kind != evidence.KindUnknown || recs[0].ProbeError == "" {
		t.Fatalf("recordings = %+v; want one of kind unknown with its probe error", recs)
	}
	if pe := recs[0].ProbeError; strings.Contains(pe, f.dir) || strings.Contains(pe, "uploads") {
		t.Errorf("probe error %q names the server's upload directory %s", pe, f.dir)
	}
	if trail := ingestEntry(t, f, res.RecordingID); strings.Contains(trail.Details["probe_error"], f.dir) {
		t.Errorf("custody entry's probe_error %q names the server's upload directory", trail.Details["probe_error"])
	}
}
