package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/report"
	"shilu/internal/store"
)

// needFFmpeg skips when ffmpeg, ffprobe or the Chinese font is missing,
// unless SHILU_TEST_DISALLOW_SKIP=1 (CI), which makes that a failure.
func needFFmpeg(t *testing.T) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if _, err := os.Stat(report.DefaultFontPath); err != nil {
		missing = append(missing, report.FontPackage)
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
		t.Fatalf("not installed: %v", missing)
	}
	t.Skipf("not installed: %v", missing)
}

// firstFrame decodes the picture at 0.5 s of a video file.
func firstFrame(t *testing.T, file string) image.Image {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-ss", "0.5", "-i", file, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1").Output()
	if err != nil {
		t.Fatalf("frame of %s: %v", file, err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// regionDiff is the mean absolute difference of two pictures over r.
func regionDiff(a, b image.Image, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			d := (float64(r1+g1+b1) - float64(r2+g2+b2)) / 3 / 257
			sum, n = sum+max(d, -d), n+1
		}
	}
	return sum / n
}

// R-SEC-2 (issue 14 point 3): a grant holder whose grant allows download
// gets a watermarked copy, never the original: made by ffmpeg as it is
// sent, it decodes, differs from the original, and its picture carries the
// text where the watermark is drawn (the region differs from the
// original's frame far more than a region without text). The register has
// a row of kind copy (下载), the trail a recording.copy entry; the
// original's digest is unchanged. Without the download in the grant, or
// before the custodian registers it, the copy is refused with a denial.
func TestWatermarkedCopyDownload(t *testing.T) {
	needFFmpeg(t)
	ts := newTestServer(t)
	dir := t.TempDir()
	orig := filepath.Join(dir, "in.mp4")
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
		"-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", orig).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	content, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	rec := ts.addUngranted(t, "DSJ_000123_copy.mp4", content)
	copyPath := fmt.Sprintf("/api/v1/recordings/%d/copy", rec)

	// A grant for viewing only: no copy.
	viewOnly := ts.requestApproved(t, rec, false)
	if code, e := ts.callErr(t, "GET", copyPath, evidence.RoleOfficer, ""); code != http.StatusForbidden || e.Key != "err.grant.unregistered" {
		t.Errorf("copy before registration: %d %+v", code, e)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/register", viewOnly), evidence.RoleCustodian, "", nil); code != http.StatusOK {
		t.Fatalf("register: %d", code)
	}
	if code, e := ts.callErr(t, "GET", copyPath, evidence.RoleOfficer, ""); code != http.StatusForbidden || e.Key != "err.copy.not_granted" {
		t.Errorf("copy under a grant without download: %d %+v", code, e)
	}
	if x := ts.lastEntry(t, rec); x.Action != evidence.ActionAccessDenied || x.Details["attempt"] != "copy" {
		t.Errorf("last entry %+v, want the refused copy", x)
	}
	if page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/recordings/%d", rec)).Body.String(); strings.Contains(page, `id="download-copy"`) {
		t.Error("the page offers a copy the grant does not allow")
	}

	// A grant with the copy, registered.
	withCopy := ts.requestApproved(t, rec, true)
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/register", withCopy), evidence.RoleCustodian, "", nil); code != http.StatusOK {
		t.Fatalf("register: %d", code)
	}
	if page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/recordings/%d", rec)).Body.String(); !strings.Contains(page, `id="download-copy"`) {
		t.Error("the page does not offer the copy the grant allows")
	}
	w := ts.page(t, evidence.RoleOfficer, copyPath)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "video/mp4" || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("copy: %d %v", w.Code, w.Header())
	}
	got := w.Body.Bytes()
	if bytes.Equal(got, content) || len(got) < 1000 {
		t.Fatalf("the copy (%d bytes) is the original or empty", len(got))
	}
	out := filepath.Join(dir, "copy.mp4")
	if err := os.WriteFile(out, got, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=comment", "-of", "default=nw=1", out).CombinedOutput(); err != nil || !strings.Contains(string(b), fmt.Sprintf("授权 #%d", withCopy)) {
		t.Errorf("ffprobe of the copy: %v\n%s", err, b)
	}
	if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-").CombinedOutput(); err != nil {
		t.Fatalf("the copy does not decode: %v\n%s", err, b)
	}
	a, c := firstFrame(t, orig), firstFrame(t, out)
	bd := a.Bounds()
	text := image.Rect(bd.Dx()/20, bd.Dy()/20, bd.Dx()/20+bd.Dx()/5, bd.Dy()/20+bd.Dy()/24)
	control := image.Rect(bd.Dx()*7/10, bd.Dy()/20, bd.Dx()*7/10+bd.Dx()/5, bd.Dy()/20+bd.Dy()/24)
	if dt, dc := regionDiff(a, c, text), regionDiff(a, c, control); dt < 8 || dt < 3*dc {
		t.Errorf("no watermark in the copy's frame: text region differs by %.1f, control by %.1f", dt, dc)
	}

	// The original is untouched; the register and the trail tell the copy.
	if err := ts.cfg.Blobs.Verify(context.Background(), blob.Sum(content)); err != nil {
		t.Errorf("the original: %v", err)
	}
	if x := ts.lastEntry(t, rec); x.Action != evidence.ActionRecordingCopy || x.Outcome != audit.OutcomeOK || x.Details["grant"] != fmt.Sprint(withCopy) {
		t.Errorf("last entry %+v, want recording.copy under grant %d", x, withCopy)
	}
	var reg []evidence.Viewing
	if err := ts.cfg.DB.View(context.Background(), func(tx *store.Tx) (err error) {
		reg, err = tx.Register(context.Background(), tx.Now().AddDate(0, 0, -1), tx.Now().AddDate(0, 0, 1), store.Scope{})
		return
	}); err != nil {
		t.Fatal(err)
	}
	var copies int
	for _, v := range reg {
		if v.RecordingID == rec && v.Kind == evidence.ViewingCopy {
			copies++
			if v.Bytes != int64(len(got)) || v.GrantID != withCopy {
				t.Errorf("register row %+v, want %d bytes under grant %d", v, len(got), withCopy)
			}
		}
	}
	if copies != 1 {
		t.Errorf("%d copies in the register, want 1", copies)
	}
	if page := ts.page(t, evidence.RoleCustodian, "/register").Body.String(); !strings.Contains(page, `data-kind="copy"`) {
		t.Error("the register page does not tell the copy (下载) from viewing")
	}
	// R-AUD-1: the copy's row and the registrations are what the log says.
	problems, err := ts.app.CheckState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// The fixtures' grants are written to the database without entries.
		if p.Tampering() && (strings.HasPrefix(p.Object, "viewing:") || p.Object == fmt.Sprint("grant:", viewOnly) || p.Object == fmt.Sprint("grant:", withCopy)) {
			t.Errorf("state check: %s", p)
		}
	}
}
