package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/audit"
	"shilu/internal/store"
	"shilu/internal/tusclient"
)

// serverNow is the fixture server's clock in the clock tests.
var serverNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func rfc(t time.Time) string { return t.Format(time.RFC3339Nano) }

// R-DEV-2: a real tus upload carrying the station's clock readings stores
// the device's offset against the server's clock and the docking moment
// with the recording, and the custody entry of the ingest keeps the offset
// with the readings it came from. The station's own error (sent_at against
// the server's clock at creation) is taken off.
func TestUploadMeasuresDeviceClock(t *testing.T) {
	docked := serverNow.Add(-2 * time.Hour) // the docking moment, server time
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name       string
		meta       map[string]string
		wantOffset *time.Duration
		wantAt     *time.Time
		wantDetail map[string]string
	}{
		{
			name: "DeviceAheadStationRight",
			meta: map[string]string{"device_time": rfc(docked.Add(90 * time.Second).In(cst)), "station_time": rfc(docked.In(cst)), "sent_at": rfc(serverNow)},
			// A device 90 s fast.
			wantOffset: ptrDur(90 * time.Second), wantAt: &docked,
			wantDetail: map[string]string{"clock_offset_ms": "90000", "server_time": rfc(serverNow)},
		},
		{
			// The station's clock is 30 s slow: the device read 120 s ahead
			// of the station is 90 s ahead of the server.
			name:       "StationSlowCorrected",
			meta:       map[string]string{"device_time": rfc(docked.Add(90 * time.Second)), "station_time": rfc(docked.Add(-30 * time.Second)), "sent_at": rfc(serverNow.Add(-30 * time.Second))},
			wantOffset: ptrDur(90 * time.Second), wantAt: &docked,
			wantDetail: map[string]string{"clock_offset_ms": "90000"},
		},
		{
			// Without sent_at the station's clock is taken as right.
			name:       "DeviceBehindNoSentAt",
			meta:       map[string]string{"device_time": rfc(docked.Add(-12*time.Second - 500*time.Millisecond)), "station_time": rfc(docked)},
			wantOffset: ptrDur(-12*time.Second - 500*time.Millisecond), wantAt: &docked,
			wantDetail: map[string]string{"clock_offset_ms": "-12500", "device_time": rfc(docked.Add(-12*time.Second - 500*time.Millisecond))},
		},
		{name: "NotDeclared", meta: map[string]string{}},
		{
			// Keys beginning shilu_ are the server's: a client cannot
			// declare a measurement.
			name: "ForgedServerKeysDiscarded",
			meta: map[string]string{"shilu_clock_offset_ms": "0", "shilu_clock_measured_at": rfc(docked)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "station-01")
			f.svc.cfg.Clock = func() time.Time { return serverNow }
			f.addUser(t, "station-01")
			path, data := writeRandom(t, 64<<10)
			c := &tusclient.Client{Endpoint: f.url}
			res, err := c.Upload(context.Background(), tusclient.Upload{Path: path, Size: int64(len(data)), SHA256: sha256.Sum256(data), Metadata: tt.meta}, nil)
			if err != nil || res.RecordingID == 0 {
				t.Fatalf("upload: %+v, %v", res, err)
			}
			recs := f.recordings(t)
			if len(recs) != 1 {
				t.Fatalf("%d recordings, want 1", len(recs))
			}
			if diff := cmp.Diff(tt.wantOffset, recs[0].ClockOffset); diff != "" {
				t.Errorf("offset (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAt, recs[0].ClockMeasuredAt); diff != "" {
				t.Errorf("measured at (-want +got):\n%s", diff)
			}
			e := ingestEntry(t, f, res.RecordingID)
			if tt.wantDetail == nil {
				for k := range e.Details {
					if strings.Contains(k, "clock") || strings.HasSuffix(k, "_time") {
						t.Errorf("not measured, yet the custody entry has %s=%s", k, e.Details[k])
					}
				}
			}
			for k, v := range tt.wantDetail {
				if e.Details[k] != v {
					t.Errorf("custody detail %s = %q, want %q (all: %v)", k, e.Details[k], v, e.Details)
				}
			}
		})
	}
}

func ptrDur(d time.Duration) *time.Duration { return &d }

// ingestEntry returns the recording's recording.ingest custody entry.
func ingestEntry(t *testing.T, f *fixture, id int64) audit.Entry {
	t.Helper()
	var trail [][]byte
	check(t, f.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		trail, err = tx.AuditTrail(context.Background(), fmt.Sprintf("recording:%d", id), 10)
		return err
	}))
	for _, b := range trail {
		if e, err := audit.Decode(b); err == nil && e.Action == "recording.ingest" {
			return e
		}
	}
	t.Fatalf("no recording.ingest entry for recording %d", id)
	return audit.Entry{}
}

// R-DEV-2: bad clock readings are refused when the upload is created, with
// a 400 that names the key; nothing is stored, not even the upload.
func TestBadClockMetadataRefused(t *testing.T) {
	now := rfc(serverNow)
	tests := []struct {
		name string
		meta map[string]string
		key  string // the key the answer must name
	}{
		{"ErrDeviceTimeNotRFC3339", map[string]string{"device_time": "2026-11-26 10:00:00", "station_time": now}, "device_time"},
		{"ErrDeviceTimeNoZone", map[string]string{"device_time": "2026-11-26T10:00:00", "station_time": now}, "device_time"},
		{"ErrStationTimeGarbage", map[string]string{"device_time": now, "station_time": "yesterday"}, "station_time"},
		{"ErrSentAtGarbage", map[string]string{"device_time": now, "station_time": now, "sent_at": "now"}, "sent_at"},
		{"ErrDeviceTimeAlone", map[string]string{"device_time": now}, "station_time"},
		{"ErrStationTimeAlone", map[string]string{"station_time": now}, "device_time"},
		// A device whose clock battery died reads 2000-01-01: more than 10 years off.
		{"ErrDeviceAbsurdlyOff", map[string]string{"device_time": "2000-01-01T00:00:00+08:00", "station_time": now}, "device_time"},
		{"ErrDeviceYearOne", map[string]string{"device_time": "0001-01-01T00:00:00Z", "station_time": now}, "device_time"},
		{"ErrStationAbsurdlyOff", map[string]string{"device_time": now, "station_time": now, "sent_at": "2046-11-26T10:00:00Z"}, "sent_at"},
		{"ErrStationTimeFarFromServer", map[string]string{"device_time": "1990-01-01T00:00:00Z", "station_time": "1990-01-01T00:00:00Z"}, "station_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "station-01")
			f.svc.cfg.Clock = func() time.Time { return serverNow }
			f.addUser(t, "station-01")
			path, data := writeRandom(t, 1000)
			c := &tusclient.Client{Endpoint: f.url, Retries: -1}
			_, err := c.Upload(context.Background(), tusclient.Upload{Path: path, Size: int64(len(data)), SHA256: sha256.Sum256(data), Metadata: tt.meta}, nil)
			var se *tusclient.StatusError
			if !errors.As(err, &se) || se.Status != 400 {
				t.Fatalf("upload: %v, want 400", err)
			}
			if !strings.Contains(string(se.Body), `"key":"err.upload.`) || !strings.Contains(string(se.Body), tt.key) {
				t.Errorf("answer %s does not name %s", se.Body, tt.key)
			}
			if n := len(f.recordings(t)); n != 0 {
				t.Errorf("%d recordings stored", n)
			}
			if infos, _ := filepath.Glob(filepath.Join(f.dir, "uploads", "*")); len(infos) != 0 {
				t.Errorf("upload files left: %v", infos)
			}
		})
	}
}

// R-DEV-2: the arithmetic and its sign, without HTTP: device ahead of the
// server is positive; the station's error measured by sent_at is taken off.
func TestMeasureClock(t *testing.T) {
	at := func(d time.Duration) *time.Time { x := serverNow.Add(d); return &x }
	tests := []struct {
		name       string
		md         Metadata
		wantOK     bool
		wantOffset time.Duration
		wantAt     time.Time
		wantErr    bool
	}{
		{name: "NotDeclared"},
		{name: "Ahead", md: Metadata{DeviceTime: at(90 * time.Second), StationTime: at(0)}, wantOK: true, wantOffset: 90 * time.Second, wantAt: serverNow},
		{name: "Behind", md: Metadata{DeviceTime: at(-12 * time.Second), StationTime: at(0)}, wantOK: true, wantOffset: -12 * time.Second, wantAt: serverNow},
		// Station 1 h fast, read the device 10 min before creating the upload.
		{name: "StationFast", md: Metadata{DeviceTime: at(-10*time.Minute + 5*time.Second), StationTime: at(50 * time.Minute), SentAt: at(time.Hour)},
			wantOK: true, wantOffset: 5 * time.Second, wantAt: serverNow.Add(-10 * time.Minute)},
		{name: "RoundedToMilliseconds", md: Metadata{DeviceTime: at(1499 * time.Microsecond), StationTime: at(0)}, wantOK: true, wantOffset: time.Millisecond, wantAt: serverNow},
		{name: "JustBelievable", md: Metadata{DeviceTime: at(MaxClockOffset), StationTime: at(0)}, wantOK: true, wantOffset: MaxClockOffset, wantAt: serverNow},
		{name: "ErrJustTooFar", md: Metadata{DeviceTime: at(MaxClockOffset + time.Millisecond), StationTime: at(0)}, wantErr: true},
		{name: "ErrMinTime", md: Metadata{DeviceTime: &time.Time{}, StationTime: at(0)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := tt.md.MeasureClock(serverNow)
			if (err != nil) != tt.wantErr || ok != tt.wantOK {
				t.Fatalf("ok %v, err %v; want ok %v, error %v", ok, err, tt.wantOK, tt.wantErr)
			}
			if ok && (m.Offset != tt.wantOffset || !m.At.Equal(tt.wantAt)) {
				t.Errorf("offset %v at %v, want %v at %v", m.Offset, m.At, tt.wantOffset, tt.wantAt)
			}
		})
	}
}
