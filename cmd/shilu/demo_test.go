package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/media"
)

// Issue 9 point 9, R-ACT-8: the demo's recordings look like a camera's. Its
// clips used to carry ffmpeg's encoder tag and brands, so the archive's
// own demo raised serious "re-muxed" findings against itself.
func TestDemoMediaLooksLikeCameraOutput(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed") // CI installs it; the demo makes no clips without it
	}
	ctx := context.Background()
	files, err := demoMedia(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := compliance.DefaultParams(evidence.Zone)
	clips := 0
	for _, f := range files {
		facts, err := media.Prober{}.Probe(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if facts.Kind == evidence.KindVideo {
			clips++
		}
		rec := evidence.Recording{ID: 1, Filename: filepath.Base(f), Kind: facts.Kind}
		for _, finding := range compliance.Signs(rec, facts, nil, nil, p) {
			if finding.Rule == compliance.RuleRemuxed {
				t.Errorf("%s: %s finding: %v", rec.Filename, finding.Rule, finding.Evidence)
			}
		}
	}
	if clips == 0 {
		t.Error("no camera clips in the demo")
	}
}
