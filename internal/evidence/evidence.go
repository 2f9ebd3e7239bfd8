// Package evidence holds Shilu's domain vocabulary: recordings, users, roles
// and the application error type. It performs no I/O and imports nothing
// internal.
package evidence

// Kind is what a recording holds (R-STORE-1: video, audio and photo).
type Kind string

// The recording kinds.
const (
	KindVideo   Kind = "video"
	KindAudio   Kind = "audio"
	KindPhoto   Kind = "photo"
	KindUnknown Kind = "unknown"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindVideo, KindAudio, KindPhoto, KindUnknown:
		return true
	}
	return false
}
