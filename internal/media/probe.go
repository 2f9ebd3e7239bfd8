package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// The kinds of failure of Probe. Each error of Probe wraps one, and its
// text starts with the kind's, so that the text stored with a recording
// still tells the kind (Problem).
var (
	// ErrNoFFprobe: a format that only ffprobe reads, and no ffprobe
	// binary was found.
	ErrNoFFprobe = errors.New("media: ffprobe not available")
	// ErrDamaged: a file that starts as an MP4/MOV or a JPEG but that
	// neither its reader nor ffprobe could parse: cut short (a recording
	// not finalized) or damaged.
	ErrDamaged = errors.New("media: damaged or unfinished file")
	// ErrUnknownFormat: a file ffprobe did not recognise either.
	ErrUnknownFormat = errors.New("media: format not recognised")
	// ErrProbeTimeout: ffprobe ran out of time, on a hostile or damaged
	// file.
	ErrProbeTimeout = errors.New("media: probe timed out")
	// ErrUnreadable: the file could not be read, or is not a regular file.
	ErrUnreadable = errors.New("media: file unreadable")
)

// Problem is what people are told of a recording's probe error (the text
// of an error of Probe, as stored with the recording): its kind in the
// catalogue's words, without the server's paths or the parsers' English,
// which stay in the log, the custody entry and the API. A text of no known
// kind (stored by an earlier version) gets the general message.
func Problem(probeError string) evidence.Message {
	for _, p := range []struct {
		kind error
		msg  evidence.Message
	}{
		{ErrNoFFprobe, evidence.Msg("media.problem.no_ffprobe")},
		{ErrDamaged, evidence.Msg("media.problem.damaged")},
		{ErrUnknownFormat, evidence.Msg("media.problem.unknown_format")},
		{ErrProbeTimeout, evidence.Msg("media.problem.timeout")},
		{ErrUnreadable, evidence.Msg("media.problem.unreadable")},
	} {
		if strings.HasPrefix(probeError, p.kind.Error()) {
			return p.msg
		}
	}
	return evidence.Msg("media.problem.other")
}

// DefaultProbeTimeout bounds one ffprobe run when Prober.Timeout is zero.
// ffprobe reads only headers, so a run that takes this long is stuck on a
// hostile or damaged file.
const DefaultProbeTimeout = 30 * time.Second

// Caps on what we keep from ffprobe: its JSON for a sane file is a few KiB,
// and a file with thousands of streams or huge tags must not fill memory.
const (
	maxFFprobeOutput = 8 << 20
	maxFFprobeStderr = 4 << 10
)

// Prober probes media files: MP4/MOV and JPEG in pure Go, everything else,
// and whatever the pure-Go readers reject, with ffprobe. The zero value
// looks up ffprobe in PATH and reads zone-less times as UTC.
type Prober struct {
	// FFprobe is the ffprobe binary; "" looks up "ffprobe" in PATH. When it
	// cannot be found, only the pure-Go readers run.
	FFprobe string
	// Timeout bounds one ffprobe run; 0 means DefaultProbeTimeout.
	Timeout time.Duration
	// Location is the zone in which timestamps without one (EXIF, some
	// container tags) are read: the devices' local zone, e.g. Asia/Shanghai.
	// nil means UTC.
	Location *time.Location
}

// Probe reports the facts of the file at path. Media that cannot be parsed
// is still evidence and is never refused: Probe then returns an error and
// Facts{Kind: KindUnknown}, and the caller records the error with the
// recording and stores it anyway.
//
// The first bytes choose the reader: MP4/MOV and JPEG are parsed in pure Go
// and fall back to ffprobe if that fails; other files go to ffprobe. Probe
// is safe for concurrent use.
func (p Prober) Probe(ctx context.Context, path string) (Facts, error) {
	unknown := Facts{Kind: evidence.KindUnknown}
	file, err := os.Open(path)
	if err != nil {
		return unknown, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	defer file.Close() //nolint:errcheck // read-only: closing cannot lose data
	st, err := file.Stat()
	if err != nil {
		return unknown, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if !st.Mode().IsRegular() {
		// A FIFO or device would block us and ffprobe forever.
		return unknown, fmt.Errorf("%w: %s is not a regular file", ErrUnreadable, path)
	}
	head := make([]byte, 16)
	n, err := file.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return unknown, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	head = head[:n]

	var pureErr error
	switch {
	case isMP4Header(head):
		f, err := ParseMP4(file, st.Size())
		if err == nil {
			return f, nil
		}
		pureErr = err
	case isJPEGHeader(head):
		f, err := ParseJPEG(file, st.Size(), p.Location)
		if err == nil {
			return f, nil
		}
		pureErr = err
	}

	bin := p.FFprobe
	if bin == "" {
		bin = "ffprobe"
	}
	bin, lookErr := exec.LookPath(bin)
	if lookErr != nil {
		if pureErr != nil {
			return unknown, fmt.Errorf("%w: %w", ErrDamaged, pureErr)
		}
		return unknown, fmt.Errorf("%w: %v", ErrNoFFprobe, lookErr)
	}
	f, err := p.ffprobe(ctx, bin, path)
	if err != nil {
		kind := ErrUnknownFormat
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			kind = ErrProbeTimeout
		case errors.Is(err, context.Canceled):
			kind = ErrUnreadable // the caller gave up: nothing is known of the file
		case pureErr != nil:
			kind = ErrDamaged
		}
		return unknown, fmt.Errorf("%w: %w", kind, errors.Join(pureErr, err))
	}
	return f, nil
}

// ffprobe runs bin on path and maps its JSON.
func (p Prober) ffprobe(ctx context.Context, bin, path string) (Facts, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Facts{}, fmt.Errorf("media: ffprobe: %w", err)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The "file:" prefix keeps a name like "http:…" or "-x" from being read
	// as a URL or an option, and the protocol whitelist keeps playlists and
	// concat files inside a hostile upload from making ffprobe fetch URLs.
	cmd := exec.CommandContext(ctx, bin,
		"-v", "error",
		"-protocol_whitelist", "file",
		"-print_format", "json",
		"-show_format", "-show_streams",
		"-i", "file:"+abs)
	// A flood of output means something is wrong: stop ffprobe at once
	// rather than let it run to the timeout.
	stdout := cappedBuffer{max: maxFFprobeOutput, onOver: cancel}
	stderr := cappedBuffer{max: maxFFprobeStderr}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if stdout.over {
		return Facts{}, fmt.Errorf("media: ffprobe %s: output over %d bytes", path, maxFFprobeOutput)
	}
	if err != nil {
		if ctx.Err() != nil {
			return Facts{}, fmt.Errorf("media: ffprobe %s: %w", path, ctx.Err())
		}
		msg := cleanText(string(stderr.b))
		if len(msg) > 512 {
			msg = msg[:512]
		}
		return Facts{}, fmt.Errorf("media: ffprobe %s: %w: %s", path, err, msg)
	}
	return parseFFprobe(stdout.b, p.Location)
}

// cappedBuffer keeps the first max bytes written and drops the rest, so a
// runaway child cannot grow our memory and never blocks on a full pipe.
type cappedBuffer struct {
	b      []byte
	max    int
	over   bool
	onOver func() // called once when the cap is first exceeded
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - len(c.b); room < len(p) {
		if !c.over && c.onOver != nil {
			c.onOver()
		}
		c.over = true
		c.b = append(c.b, p[:max(room, 0)]...)
	} else {
		c.b = append(c.b, p...)
	}
	return len(p), nil
}

// ffprobeOutput is the part of ffprobe's JSON we use.
type ffprobeOutput struct {
	Streams []ffprobeStream `json:"streams"`
	Format  struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		BitRate    string            `json:"bit_rate"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
}

type ffprobeStream struct {
	CodecType    string            `json:"codec_type"`
	CodecName    string            `json:"codec_name"`
	Width        int               `json:"width"`
	Height       int               `json:"height"`
	AvgFrameRate string            `json:"avg_frame_rate"`
	NbFrames     string            `json:"nb_frames"`
	Duration     string            `json:"duration"`
	Tags         map[string]string `json:"tags"`
	Disposition  struct {
		AttachedPic int `json:"attached_pic"`
	} `json:"disposition"`
}

// parseFFprobe maps ffprobe's JSON to Facts. Zone-less creation times are
// read in loc.
func parseFFprobe(out []byte, loc *time.Location) (Facts, error) {
	var o ffprobeOutput
	if err := json.Unmarshal(out, &o); err != nil {
		return Facts{}, fmt.Errorf("media: decode ffprobe output: %w", err)
	}
	if o.Format.FormatName == "" {
		return Facts{}, errors.New("media: ffprobe found no format")
	}
	f := Facts{Prober: "ffprobe"}
	var software string
	for k, v := range o.Format.Tags {
		// Matroska writes tag names in capitals; the other containers and
		// ParseMP4 use lower case.
		switch k = strings.ToLower(k); k {
		case "encoder":
			f.Encoder = cleanText(v)
		case "software":
			// AVI (ISFT) and PNG name the writing application so.
			software = cleanText(v)
		case "creation_time":
			f.CreatedAt = parseTagTime(v, loc)
		default:
			f.setTag(k, v)
		}
	}
	if f.Encoder == "" {
		f.Encoder = software
	}
	f.Duration = secondsDuration(o.Format.Duration)
	if br, err := strconv.ParseInt(o.Format.BitRate, 10, 64); err == nil && br > 0 {
		f.Bitrate = br
	}

	var video, audio *ffprobeStream
	var streamDur time.Duration
	for i := range o.Streams {
		s := &o.Streams[i]
		switch {
		case s.CodecType == "video" && s.Disposition.AttachedPic == 0 && video == nil:
			video = s
		case s.CodecType == "audio" && audio == nil:
			audio = s
		}
		streamDur = max(streamDur, secondsDuration(s.Duration))
		if f.CreatedAt.IsZero() {
			f.CreatedAt = parseTagTime(s.Tags["creation_time"], loc)
		}
	}
	if f.Duration == 0 {
		f.Duration = streamDur // some demuxers only know stream durations
	}
	if video != nil {
		f.VideoCodec = cleanText(video.CodecName)
		f.Width, f.Height = max(video.Width, 0), max(video.Height, 0)
		f.FrameRate = parseRate(video.AvgFrameRate)
	}
	if audio != nil {
		f.AudioCodec = cleanText(audio.CodecName)
	}
	f.Container = containerName(o.Format.FormatName, f.Tags["major_brand"], f.VideoCodec)
	switch {
	case video != nil && isPhoto(f.Container, video, audio != nil, o.Format.Duration):
		f.Kind = evidence.KindPhoto
		// The image demuxers invent a frame rate and a one-frame duration
		// for stills; neither means anything for a photo.
		f.FrameRate, f.Duration, f.Bitrate = 0, 0, 0
	case video != nil:
		f.Kind = evidence.KindVideo
	case audio != nil:
		f.Kind = evidence.KindAudio
	default:
		f.Kind = evidence.KindUnknown
	}
	return f, nil
}

// containerName maps ffprobe's demuxer names to the short names ParseMP4
// and ParseJPEG use. The mov demuxer reads MP4 and QuickTime alike; the
// major brand tells them apart as it does for ParseMP4.
func containerName(formatName, majorBrand, videoCodec string) string {
	name, _, _ := strings.Cut(formatName, ",")
	switch name {
	case "mov":
		if b := strings.TrimSpace(majorBrand); b == "" || b == "qt" {
			return "mov"
		}
		return "mp4"
	case "image2", "mjpeg", "jpeg_pipe", "jpegls_pipe":
		if name == "image2" && videoCodec != "mjpeg" && videoCodec != "" {
			return cleanText(videoCodec) // png, bmp, tiff… by extension
		}
		return "jpeg"
	case "aac", "adts":
		return "aac"
	case "amr", "amrnb", "amrwb":
		return "amr"
	}
	if base, ok := strings.CutSuffix(name, "_pipe"); ok {
		return cleanText(base) // png_pipe, webp_pipe…
	}
	return cleanText(name)
}

// isPhoto reports whether a file with this video stream is a still image:
// an image container, or a lone frame of an image codec without sound.
func isPhoto(container string, v *ffprobeStream, hasAudio bool, duration string) bool {
	switch container {
	case "jpeg", "png", "bmp", "gif", "tiff", "webp", "heif":
		return true
	}
	switch v.CodecName {
	case "mjpeg", "png", "bmp", "tiff", "webp", "jpeg2000", "jpegls":
		return !hasAudio && (v.NbFrames == "1" || v.NbFrames == "" && secondsDuration(duration) == 0)
	}
	return false
}

// secondsDuration parses ffprobe's decimal seconds; "N/A", garbage and
// absurd values are zero.
func secondsDuration(s string) time.Duration {
	sec, err := strconv.ParseFloat(s, 64)
	if err != nil || !(sec > 0) || sec > float64(math.MaxInt64/int64(time.Second)) {
		return 0
	}
	return time.Duration(math.Round(sec * float64(time.Second)))
}

// parseRate parses a rational frame rate such as "30000/1001".
func parseRate(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return 0
	}
	num, err1 := strconv.ParseFloat(n, 64)
	den, err2 := strconv.ParseFloat(d, 64)
	if err1 != nil || err2 != nil || den == 0 || !(num > 0) || math.IsInf(num, 0) {
		return 0
	}
	return math.Round(num/den*1000) / 1000
}

// parseTagTime parses a creation_time tag. ffmpeg writes RFC 3339 in UTC;
// older muxers and some cameras write no zone, which is the device's local
// time and is read in loc.
func parseTagTime(s string, loc *time.Location) time.Time {
	s = strings.TrimSpace(s)
	if t := parseISOTime(s); !t.IsZero() {
		return t
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
