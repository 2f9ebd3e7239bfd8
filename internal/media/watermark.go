package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Watermark describes a watermarked copy (下载副本, R-SEC-2): a derivative
// of an original with the viewer's facts burned into its pictures, made by
// ffmpeg on demand and streamed; the original is only read.
type Watermark struct {
	// FFmpeg is the ffmpeg binary ("" = ffmpeg from PATH).
	FFmpeg string
	// Font is a font file with Chinese glyphs (e.g. WenQuanYi Micro Hei),
	// which drawtext needs to write a Chinese name.
	Font string
	// Lines are the text written over the picture, one line each: who,
	// when, under which grant.
	Lines []string
	// Comment goes into the container's metadata, the only place an
	// audio-only copy can carry the facts.
	Comment string
}

// CopyFormat is what Copy makes of a recording of a kind: the file's
// content type and extension. ok is false for kinds without a copy.
func CopyFormat(kind string) (contentType, ext string, ok bool) {
	switch kind {
	case "video":
		return "video/mp4", ".mp4", true
	case "audio":
		return "audio/mp4", ".m4a", true
	case "photo":
		return "image/jpeg", ".jpg", true
	}
	return "", "", false
}

// ErrNoCopy says that recordings of a kind have no watermarked copy.
var ErrNoCopy = errors.New("media: no watermarked copy for this kind")

// Copy writes a watermarked copy of the original read from src, a
// recording of kind, to w as ffmpeg produces it: a fragmented MP4 for
// video (H.264, AAC) and audio (AAC, the facts in the metadata: a sound
// cannot carry a visible mark), a JPEG for a photo. Nothing is written to
// disk but the few lines of text drawtext reads (a temporary file, so
// that no character of a name needs escaping in the filter graph); memory
// stays flat whatever the size.
//
// src is given to ffmpeg as an inherited descriptor when it is a file
// (ffmpeg seeks it, as an MP4 whose index is at its end needs); any other
// reader is piped, which is enough for streams that need no seeking. The
// copy stops, and ffmpeg with it, when ctx ends or w fails.
func Copy(ctx context.Context, src io.Reader, kind string, w io.Writer, wm Watermark) error {
	if _, _, ok := CopyFormat(kind); !ok {
		return ErrNoCopy
	}
	bin := wm.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	dir, err := os.MkdirTemp("", "shilu-wm-")
	if err != nil {
		return fmt.Errorf("media: watermark: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // a few bytes of text; a leftover is harmless
	args := []string{"-nostdin", "-hide_banner", "-v", "error"}
	var extra []*os.File
	input := "pipe:0"
	switch src := src.(type) {
	case *os.File:
		// The child's descriptor 3; /dev/fd/3 opens the same file anew,
		// with its own offset, so ffmpeg may seek.
		extra, input = []*os.File{src}, "/dev/fd/3"
	case io.ReadSeeker:
		// Another store's reader (S3): ffmpeg reads it over HTTP on the
		// loopback, with range requests for its seeks.
		url, stop, err := serveLoopback(src)
		if err != nil {
			return err
		}
		defer stop()
		input = url
	}
	args = append(args, "-i", input, "-map_metadata", "-1", "-metadata", "comment="+wm.Comment, "-metadata", "copyright="+wm.Comment)
	if kind != "audio" {
		filter, err := drawText(dir, wm, kind == "video")
		if err != nil {
			return err
		}
		args = append(args, "-vf", filter)
	}
	switch kind {
	case "video":
		args = append(args, "-map", "0:v:0", "-map", "0:a?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-b:a", "128k", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "pipe:1")
	case "audio":
		args = append(args, "-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", "128k", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "pipe:1")
	case "photo":
		args = append(args, "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "pipe:1")
	}
	if strings.HasPrefix(input, "http:") {
		args = append([]string{"-protocol_whitelist", "http,tcp"}, args...)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.ExtraFiles = extra
	if input == "pipe:0" {
		cmd.Stdin = src
	}
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("media: watermark: %w", ctx.Err())
		}
		return fmt.Errorf("media: watermark: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// serveLoopback serves rs on 127.0.0.1 under an unguessable path until
// stop is called, for ffmpeg to read with range requests. Each request
// reads its own section of rs (one Seek and Read at a time), so ffmpeg
// may open a new connection while an old one winds down.
func serveLoopback(rs io.ReadSeeker) (url string, stop func(), err error) {
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return "", nil, fmt.Errorf("media: watermark: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("media: watermark: %w", err)
	}
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		_ = ln.Close() // the random source's error is the one to report
		return "", nil, err
	}
	path := "/" + hex.EncodeToString(secret[:])
	at := &seekReaderAt{rs: rs}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(at, 0, size))
	})}
	go srv.Serve(ln)                                                              //nolint:errcheck // ends with ErrServerClosed at stop
	return "http://" + ln.Addr().String() + path, func() { _ = srv.Close() }, nil // closing the listener and connections; nothing to keep
}

// seekReaderAt reads at an offset of a ReadSeeker, one read at a time.
type seekReaderAt struct {
	mu sync.Mutex
	rs io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// drawText returns the filter that writes wm's lines over the picture:
// one block that drifts across the frame (it never stays where a crop
// could cut it away) and blocks in two opposite corners, white with a dark
// border, half transparent, sized to the picture.
func drawText(dir string, wm Watermark, moving bool) (string, error) {
	if wm.Font == "" {
		return "", errors.New("media: watermark: no font")
	}
	if _, err := os.Stat(wm.Font); err != nil {
		return "", fmt.Errorf("media: watermark: font: %w", err)
	}
	text := filepath.Join(dir, "text")
	if err := os.WriteFile(text, []byte(strings.Join(wm.Lines, "\n")), 0o600); err != nil {
		return "", fmt.Errorf("media: watermark: %w", err)
	}
	common := fmt.Sprintf("fontfile='%s':textfile='%s':expansion=none:fontsize='max(14,h/24)':fontcolor=white@0.6:borderw=2:bordercolor=black@0.6:line_spacing=6",
		wm.Font, text)
	blocks := []string{
		"drawtext=" + common + ":x='w/20':y='h/20'",
		"drawtext=" + common + ":x='w-tw-w/20':y='h-th-h/20'",
	}
	if moving {
		// Across in 23 s and down in 17 s: the path covers the frame.
		blocks = append(blocks, "drawtext="+common+":x='abs(mod(t*w/11.5,2*(w-tw))-(w-tw))':y='abs(mod(t*h/8.5,2*(h-th))-(h-th))'")
	} else {
		blocks = append(blocks, "drawtext="+common+":x='(w-tw)/2':y='(h-th)/2'")
	}
	return strings.Join(blocks, ","), nil
}

// limitedWriter keeps the first n bytes written to it (ffmpeg's errors).
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(p))
		_, _ = l.w.Write(p[:k]) // a strings.Builder never fails
		l.n -= k
	}
	return len(p), nil
}
