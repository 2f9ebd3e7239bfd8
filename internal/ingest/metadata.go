package ingest

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tus/tusd/v2/pkg/handler"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// Metadata is what a client declares about an upload in tus Upload-Metadata.
type Metadata struct {
	// Filename is the base name the device gave the file, cleaned of
	// directories and control characters (never trusted as a path).
	Filename string
	// SHA256 is the digest the client computed, if it declared one; the
	// server's own digest must match it.
	SHA256 *blob.Digest
	// Device and Officer are the station's identification of the device
	// (ZFY_INFO product serial) and of the officer (警号), if given.
	Device, Officer string
	// DeviceTime and StationTime are the device's clock and the station's
	// clock read at the same moment, when the station docked the device
	// (R-DEV-2); both or neither. SentAt is the station's clock when it
	// created the upload, so that the server can measure the station's own
	// clock too; optional. MeasureClock turns them into the device's offset.
	DeviceTime, StationTime, SentAt *time.Time
	// Important is the device's "important" / locked mark on the file
	// (X-DEV-3), declared as important=1.
	Important bool
}

// Metadata keys a client declares: filename, sha256, device, officer, and
// for the device clock (R-DEV-2) device_time, station_time and sent_at,
// each an RFC 3339 time with its zone (2026-11-26T10:00:00+08:00).
//
// Keys beginning "shilu_" are the server's, written at creation; a client's
// values for them are discarded. metaUploader names the creator;
// metaClockOffset and metaClockAt keep the clock measurement taken against
// the server's clock at creation (metaCreatedAt), for the finish that may
// come much later, or after a restart.
const (
	metaFilename    = "filename"
	metaSHA256      = "sha256"
	metaDevice      = "device"
	metaOfficer     = "officer"
	metaDeviceTime  = "device_time"
	metaStationTime = "station_time"
	metaSentAt      = "sent_at"
	metaImportant   = "important"

	metaServerPrefix = "shilu_"
	metaUploader     = "shilu_uploader"
	metaClockOffset  = "shilu_clock_offset_ms"
	metaClockAt      = "shilu_clock_measured_at"
	metaCreatedAt    = "shilu_created_at"
)

// MaxClockOffset bounds the clock differences the server believes: a
// device or station more than ten years off has a dead clock battery or is
// lying, and such a "measurement" would only skew coverage.
const MaxClockOffset = 10 * 365 * 24 * time.Hour

const maxNameBytes = 255

// maxIdentity bounds the device and officer declared, in characters.
const maxIdentity = 64

// ParseMetadataHeader parses an Upload-Metadata header value as tusd does
// and then validates it with ParseMetadata.
func ParseMetadataHeader(header string) (Metadata, error) {
	return ParseMetadata(handler.ParseMetadataHeader(header))
}

// ParseMetadata validates the declared metadata. Hostile file names are
// cleaned rather than refused (a recording is never refused for its name);
// a malformed digest or identity is refused, since the client can fix it.
func ParseMetadata(m map[string]string) (Metadata, error) {
	var md Metadata
	md.Filename = cleanName(m[metaFilename])
	if s, ok := m[metaSHA256]; ok && s != "" {
		d, err := blob.ParseDigest(s)
		if err != nil {
			return md, evidence.Errorf(evidence.EInvalid, "err.upload.sha256_format")
		}
		md.SHA256 = &d
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{metaDevice, &md.Device}, {metaOfficer, &md.Officer}} {
		v := m[f.key]
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxIdentity || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return md, evidence.Errorf(evidence.EInvalid, "err.upload.meta_text", f.key, maxIdentity)
		}
		*f.dst = strings.TrimSpace(v)
	}
	for _, f := range []struct {
		key string
		dst **time.Time
	}{{metaDeviceTime, &md.DeviceTime}, {metaStationTime, &md.StationTime}, {metaSentAt, &md.SentAt}} {
		v, ok := m[f.key]
		if !ok || v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return md, evidence.Errorf(evidence.EInvalid, "err.upload.meta_time", f.key)
		}
		*f.dst = &t
	}
	switch m[metaImportant] {
	case "", "0", "false":
	case "1", "true":
		md.Important = true
	default:
		return md, evidence.Errorf(evidence.EInvalid, "err.upload.meta_flag", metaImportant)
	}
	if (md.DeviceTime == nil) != (md.StationTime == nil) {
		return md, evidence.Errorf(evidence.EInvalid, "err.upload.meta_clock_pair", metaDeviceTime, metaStationTime)
	}
	return md, nil
}

// ClockMeasurement is a device's clock measured against the server's
// (R-DEV-2).
type ClockMeasurement struct {
	// Offset is the device's clock minus the server's, in whole
	// milliseconds: positive when the device is ahead (fast).
	Offset time.Duration
	// At is the moment the station read the device, on the server's clock.
	At time.Time
}

// MeasureClock measures the declared device clock against the server's,
// whose time was now when the upload was created. ok is false when no
// device time was declared.
//
// The station's clock is the go-between and may be off itself: sent_at,
// read from it at creation, against now gives its error, which is taken
// off station_time. So, with all times as declared,
//
//	At     = station_time − (sent_at − now)
//	Offset = device_time − At = (device_time − station_time) + (sent_at − now)
//
// and without sent_at the station's clock is taken as right (At =
// station_time). The network's delay between sent_at and now counts as
// station error: well under a second, far below any tolerance that matters.
// Differences beyond MaxClockOffset are refused, naming the key.
func (md Metadata) MeasureClock(now time.Time) (m ClockMeasurement, ok bool, err error) {
	if md.DeviceTime == nil || md.StationTime == nil {
		return m, false, nil
	}
	var stationErr time.Duration
	if md.SentAt != nil {
		stationErr = md.SentAt.Sub(now)
		if !believable(stationErr) {
			return m, false, evidence.Errorf(evidence.EInvalid, "err.upload.station_clock_off", metaSentAt)
		}
	}
	m.At = md.StationTime.Add(-stationErr).UTC().Truncate(time.Microsecond)
	if !believable(m.At.Sub(now)) {
		return m, false, evidence.Errorf(evidence.EInvalid, "err.upload.meta_time_far", metaStationTime)
	}
	m.Offset = md.DeviceTime.Sub(m.At).Round(time.Millisecond)
	if !believable(m.Offset) {
		return m, false, evidence.Errorf(evidence.EInvalid, "err.upload.meta_time_far", metaDeviceTime)
	}
	return m, true, nil
}

// believable reports whether |d| ≤ MaxClockOffset. time.Time.Sub saturates
// at the Duration limits, so absurd times land outside, never wrap.
func believable(d time.Duration) bool { return d >= -MaxClockOffset && d <= MaxClockOffset }

// cleanName keeps the last path element of name (either separator), drops
// control and invalid characters, and caps the length at 255 bytes on a rune
// boundary. An empty result becomes "unnamed".
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "unnamed"
	}
	return name
}
