package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testFont is the Chinese font CI installs (fonts-wqy-microhei).
const testFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

func requireFont(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(testFont); err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatalf("no font %s and SHILU_TEST_DISALLOW_SKIP=1: %v", testFont, err)
		}
		t.Skipf("no font %s: %v", testFont, err)
	}
}

// frame decodes the picture of file at second 0.5 as PNG.
func frame(t *testing.T, file string) image.Image {
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

// meanDiff is the mean absolute difference of the luma-ish sum of two
// pictures over r.
func meanDiff(a, b image.Image, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			d := (float64(r1+g1+b1) - float64(r2+g2+b2)) / 3 / 257
			if d < 0 {
				d = -d
			}
			sum, n = sum+d, n+1
		}
	}
	return sum / n
}

// R-SEC-2: a watermarked copy is a derivative that decodes, differs from
// the original, and carries the text in its pictures: the region where the
// corner block is written differs from the original's frame far more than
// a region without text (where only re-encoding differs); the original's
// bytes are unchanged. Audio has no picture: its copy carries the facts in
// the container's metadata.
func TestWatermarkedCopy(t *testing.T) {
	requireFFmpeg(t)
	requireFont(t)
	dir := t.TempDir()
	video := ffmpeg(t, dir, "in.mp4", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
	audio := ffmpeg(t, dir, "in.m4a", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac")
	wm := Watermark{Font: testFont, Lines: []string{"张伟 000123", "2026-12-06 11:10:05", "授权 #12"}, Comment: "shilu copy: 张伟 000123 grant 12"}

	for _, tc := range []struct {
		name, in, kind string
		bySeeker       bool
	}{
		{"VideoFromFile", video, "video", false},
		{"VideoFromSeeker", video, "video", true}, // as from S3: over the loopback
		{"AudioMetadata", audio, "audio", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.in)
			f, err := os.Open(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			var src io.Reader = f
			if tc.bySeeker {
				src = bytes.NewReader(before)
			}
			out := filepath.Join(t.TempDir(), "copy.mp4")
			var buf bytes.Buffer
			if err := Copy(context.Background(), src, tc.kind, &buf, wm); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			after, _ := os.ReadFile(tc.in)
			if sha256.Sum256(before) != sha256.Sum256(after) {
				t.Fatal("the original changed")
			}
			if bytes.Equal(buf.Bytes(), before) {
				t.Fatal("the copy is the original")
			}
			probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=comment:stream=codec_type", "-of", "default=nw=1", out).CombinedOutput()
			if err != nil {
				t.Fatalf("ffprobe of the copy: %v\n%s", err, probe)
			}
			if !strings.Contains(string(probe), "comment="+wm.Comment) {
				t.Errorf("the copy's metadata lacks the facts:\n%s", probe)
			}
			if err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-").Run(); err != nil {
				t.Fatalf("the copy does not decode: %v", err)
			}
			if tc.kind != "video" {
				return
			}
			orig, copied := frame(t, tc.in), frame(t, out)
			b := orig.Bounds()
			// The top-left block starts at (w/20, h/20); its first line is
			// about h/24 high. The control region is at the top right, where
			// no block is at 0.5 s.
			text := image.Rect(b.Dx()/20, b.Dy()/20, b.Dx()/20+b.Dx()/5, b.Dy()/20+b.Dy()/24)
			control := image.Rect(b.Dx()*7/10, b.Dy()/20, b.Dx()*7/10+b.Dx()/5, b.Dy()/20+b.Dy()/24)
			dt, dc := meanDiff(orig, copied, text), meanDiff(orig, copied, control)
			t.Logf("mean difference: text region %.1f, control %.1f", dt, dc)
			if dt < 8 || dt < 3*dc {
				t.Errorf("no watermark in the frame: text region differs by %.1f, control by %.1f", dt, dc)
			}
		})
	}
}
