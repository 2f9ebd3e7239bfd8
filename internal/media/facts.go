// Package media extracts technical facts from recordings: container, codecs,
// duration, resolution and, most importantly for evidence, when the
// recording was made. MP4/MOV and JPEG are read in pure Go; everything else
// goes through ffprobe when it is installed. Body-worn camera file names are
// a second, independent source of the device, the officer and the start time
// (see ParseName).
//
// Nothing here refuses media: a file the archive cannot understand is still
// evidence. Probe reports an error and the caller records it next to the
// recording, which is stored regardless.
package media

import (
	"encoding/json"
	"time"

	"shilu/internal/evidence"
)

// Facts is what a probe learned about one file. Zero values mean unknown.
//
// In JSON, Duration is written as duration_ms (whole milliseconds), because
// nanosecond integers invite unit mistakes in other languages and a
// duration string is awkward to sort and sum in SQL.
type Facts struct {
	// Kind is video, audio or photo; KindUnknown when probing failed or
	// the file holds neither sound nor pictures.
	Kind evidence.Kind `json:"kind,omitempty"`
	// Container is a short, prober-independent format name: "mp4", "mov",
	// "avi", "mpegts", "matroska", "wav", "mp3", "aac", "amr", "jpeg", "png"…
	Container string `json:"container,omitempty"`
	// Duration of the longest stream or of the presentation.
	Duration time.Duration `json:"-"`
	// CreatedAt is the creation time the container claims, in UTC. Cameras
	// set their own clocks, so this is a claim to compare with the file name
	// and the upload time, not a fact.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// VideoCodec is an ffmpeg-style codec name ("h264", "hevc", "mjpeg");
	// for photos, the image codec.
	VideoCodec string `json:"video_codec,omitempty"`
	// AudioCodec is an ffmpeg-style codec name ("aac", "pcm_s16le", "amr_nb").
	AudioCodec string `json:"audio_codec,omitempty"`
	// Width and Height of the first video stream or of the photo, in pixels.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// FrameRate is the average frame rate of the first video stream.
	FrameRate float64 `json:"frame_rate,omitempty"`
	// Bitrate is the overall bit rate in bits per second.
	Bitrate int64 `json:"bitrate,omitempty"`
	// Encoder is the writing application, e.g. "Lavf59.27.100" or a camera
	// firmware version.
	Encoder string `json:"encoder,omitempty"`
	// Tags holds the other container tags under ffprobe's names ("title",
	// "make", "model", "location", "major_brand", "compatible_brands",
	// "com.apple.quicktime.make"…), so both probers fill the same keys.
	Tags map[string]string `json:"tags,omitempty"`
	// Splices counts the joins in the presentation: edit-list entries
	// after the first one that shows media, in the track that has most. A
	// recorder writes none; an editor that cuts, inserts or reorders does
	// (R-ACT-8). MP4/MOV only.
	Splices int `json:"splices,omitempty"`
	// StalledSamples counts samples whose decoding time does not advance
	// past the next one's: non-monotonic timestamps (R-ACT-8). MP4/MOV only.
	StalledSamples int64 `json:"stalled_samples,omitempty"`
	// Prober names what produced these facts: "mp4", "jpeg" or "ffprobe".
	Prober string `json:"prober,omitempty"`
}

// factsJSON is Facts as written: the embedded alias keeps every other field
// and its tags while Duration is replaced by milliseconds.
type factsJSON struct {
	factsAlias
	DurationMS int64 `json:"duration_ms,omitempty"`
}

type factsAlias Facts

// MarshalJSON writes Duration as duration_ms.
func (f Facts) MarshalJSON() ([]byte, error) {
	return json.Marshal(factsJSON{factsAlias: factsAlias(f), DurationMS: f.Duration.Milliseconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Facts) UnmarshalJSON(b []byte) error {
	var j factsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Facts(j.factsAlias)
	f.Duration = time.Duration(j.DurationMS) * time.Millisecond
	return nil
}

// Caps on what outside input may make us keep. Tags are free text written
// by whatever produced the file; 4 KiB holds any real title or location and
// 256 tags any real container, while a hostile file cannot grow a database
// row without bound.
const (
	maxTagLen = 4 << 10
	maxTags   = 256
)

// setTag stores a cleaned tag value unless it is empty or the map is full.
// The first value for a key wins, as ffprobe's does for repeated atoms.
func (f *Facts) setTag(key, val string) {
	val = cleanText(val)
	key = cleanText(key)
	if key == "" || val == "" {
		return
	}
	if f.Tags == nil {
		f.Tags = make(map[string]string)
	}
	if _, ok := f.Tags[key]; ok || len(f.Tags) >= maxTags {
		return
	}
	f.Tags[key] = val
}
