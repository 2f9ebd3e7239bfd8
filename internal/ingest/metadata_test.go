package ingest

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParseMetadataHeader(t *testing.T) {
	const hexSum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		name, header     string
		wantName, device string
		wantErr          bool
	}{
		{"OK", "filename " + b64("DSJ0A12_000123_20261126093015_0001.MP4") + ",sha256 " + b64(hexSum) + ",device " + b64("DSJ0A12"), "DSJ0A12_000123_20261126093015_0001.MP4", "DSJ0A12", false},
		{"ChineseName", "filename " + b64("执法记录 2026.mp4"), "执法记录 2026.mp4", "", false},
		{"PathTraversal", "filename " + b64("../../etc/passwd"), "passwd", "", false},
		{"WindowsPath", "filename " + b64(`C:\DCIM\100\a.mp4`), "a.mp4", "", false},
		{"ControlChars", "filename " + b64("a\x00b\nc\u202e.mp4"), "abc.mp4", "", false},
		{"DotDot", "filename " + b64(".."), "unnamed", "", false},
		{"Missing", "", "unnamed", "", false},
		{"ErrBadDigest", "sha256 " + b64("abc"), "", "", true},
		{"ErrDeviceTooLong", "device " + b64(strings.Repeat("x", 65)), "", "", true},
		{"ErrDeviceControl", "device " + b64("a\tb"), "", "", true},
		// R-DEV-2: the clock readings are RFC 3339 times, declared in pairs.
		{"ClockReadings", "device_time " + b64("2026-11-26T10:01:30+08:00") + ",station_time " + b64("2026-11-26T10:00:00.5+08:00") + ",sent_at " + b64("2026-11-26T02:05:00Z"), "unnamed", "", false},
		{"ErrClockNotRFC3339", "device_time " + b64("2026/11/26 10:01") + ",station_time " + b64("2026-11-26T10:00:00+08:00"), "", "", true},
		{"ErrClockUnpaired", "device_time " + b64("2026-11-26T10:01:30+08:00"), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := ParseMetadataHeader(tt.header)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if md.Filename != tt.wantName || md.Device != tt.device {
				t.Errorf("got name %q device %q, want %q %q", md.Filename, md.Device, tt.wantName, tt.device)
			}
		})
	}
}

func TestCleanNameCapsLength(t *testing.T) {
	n := cleanName(strings.Repeat("证", 200) + ".mp4") // 600+ bytes
	if len(n) > maxNameBytes || !utf8.ValidString(n) {
		t.Fatalf("cleaned name has %d bytes, valid UTF-8 %v", len(n), utf8.ValidString(n))
	}
}

// FuzzParseMetadataHeader: the Upload-Metadata parser of outside input never
// panics, and whatever it accepts is a safe base name.
func FuzzParseMetadataHeader(f *testing.F) {
	f.Add("filename " + b64("a.mp4") + ",sha256 " + b64("00"))
	f.Add("filename " + b64("../x") + ",device " + b64("DSJ0A12") + ",officer " + b64("000123"))
	f.Add("filename,sha256 !!!,,  , x")
	f.Add("device_time " + b64("2026-11-26T10:01:30+08:00") + ",station_time " + b64("2026-11-26T10:00:00+08:00") + ",sent_at " + b64("2026-11-26T02:00:01Z"))
	f.Add("device_time " + b64("0001-01-01T00:00:00Z") + ",station_time " + b64("9999-12-31T23:59:59.999999999-23:59"))
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, header string) {
		md, err := ParseMetadataHeader(header)
		if err != nil {
			return
		}
		if md.Filename == "" || strings.ContainsAny(md.Filename, `/\`+"\x00") || len(md.Filename) > maxNameBytes || !utf8.ValidString(md.Filename) {
			t.Fatalf("unsafe file name %q", md.Filename)
		}
		// R-DEV-2: readings come in pairs, and whatever is measured from
		// them is believable.
		if (md.DeviceTime == nil) != (md.StationTime == nil) {
			t.Fatalf("accepted an unpaired clock reading: %+v", md)
		}
		m, ok, err := md.MeasureClock(now)
		if ok && (err != nil || !believable(m.Offset) || !believable(m.At.Sub(now)) || m.Offset%time.Millisecond != 0) {
			t.Fatalf("measured %+v (err %v) from %q", m, err, header)
		}
	})
}
