package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// R-DEV-2: a station docks a camera whose clock is 90 s fast and uploads
// its clip with `shilu upload --device-time`; the real server measures the
// offset against its own clock, keeps it with the recording and in the
// ingest's custody entry, and the recording's page shows it as a warning.
// Flags come from SHILU_* too, and bad readings are usage errors.
func TestUploadDeviceClock(t *testing.T) {
	data, media := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	zhangwei := newPerson(t, data, "zhangwei", "officer")
	srv := startServer(t, data, "127.0.0.1:0")
	officer := srv.signIn(t, zhangwei)
	recording := func(t *testing.T, out string) evidence.Recording {
		t.Helper()
		var id int64
		if f := strings.Fields(out); len(f) < 3 {
			t.Fatalf("upload printed %q", out)
		} else if _, err := fmt.Sscanf(f[2], "%d", &id); err != nil || id <= 0 {
			t.Fatalf("upload printed %q, want a recording id", out)
		}
		var rec evidence.Recording
		if resp, body := api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d", srv.URL, id), officer, nil, &rec); resp.StatusCode != 200 {
			t.Fatalf("recording %d: %d %s", id, resp.StatusCode, body)
		}
		return rec
	}

	t.Run("DeviceAhead90s", func(t *testing.T) {
		video := makeVideo(t, media, "DSJ0A12_000123_20261126093015_0001.MP4", 2, time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC))
		before := time.Now()
		// The device reads 90 s ahead of this machine, whose clock the
		// station and the server share: the offset is 90 s less the
		// moments between reading the device and parsing the flags.
		deviceTime := before.Add(90 * time.Second).Format(time.RFC3339Nano)
		out := mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), "--device-time", deviceTime, video)
		after := time.Now()
		rec := recording(t, out)
		if rec.ClockOffset == nil || *rec.ClockOffset > 90*time.Second || *rec.ClockOffset < 90*time.Second-after.Sub(before)-time.Second {
			t.Fatalf("clock offset %v, want about 90 s (the run took %v)", rec.ClockOffset, after.Sub(before))
		}
		if m := rec.ClockMeasuredAt; m == nil || m.Before(before.Add(-time.Second)) || m.After(after.Add(time.Second)) {
			t.Errorf("measured at %v, want during the run %v–%v", m, before, after)
		}

		var trail struct {
			Entries []audit.Entry `json:"entries"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", srv.URL, rec.ID), officer, nil, &trail)
		found := false
		for _, e := range trail.Entries {
			if e.Action == "recording.ingest" {
				found = true
				if e.Details["clock_offset_ms"] != fmt.Sprint(rec.ClockOffset.Milliseconds()) || e.Details["device_time"] != deviceTime || e.Details["sent_at"] == "" {
					t.Errorf("ingest custody details %v: want the offset %d ms with device_time and sent_at", e.Details, rec.ClockOffset.Milliseconds())
				}
			}
		}
		if !found {
			t.Errorf("no ingest entry in %+v", trail.Entries)
		}

		resp, body := api(t, "GET", fmt.Sprintf("%s/recordings/%d", srv.URL, rec.ID), officer, nil, nil)
		page := string(body)
		if resp.StatusCode != 200 || !strings.Contains(page, "设备时钟偏差") || !strings.Contains(page, `<span class="tag tag-warning">快 1分`) || !strings.Contains(page, "超出允许偏差") {
			t.Errorf("recording page (%d) does not warn of the fast clock:\n%s", resp.StatusCode, between(page, `id="clock-offset"`, "</dd>"))
		}
		if !strings.Contains(page, "按服务器时间校正：2026-11-26 09:28:4") && !strings.Contains(page, "按服务器时间校正：2026-11-26 09:28:5") {
			t.Errorf("recording page lacks the start on the server's clock (09:30:15 less about 90 s):\n%s", between(page, "录制开始", "</dd>"))
		}
	})

	t.Run("FromEnvironmentBehind12s", func(t *testing.T) {
		video := makeVideo(t, media, "DSJ0A12_000123_20261126100000_0002.MP4", 2, time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
		// The device was read an hour ago at the docking, 12 s slow.
		docked := time.Now().Add(-time.Hour)
		env := map[string]string{"SHILU_DEVICE_TIME": docked.Add(-12 * time.Second).Format(time.RFC3339), "SHILU_STATION_TIME": docked.Format(time.RFC3339)}
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), video},
			func(k string) string { return env[k] }, &out, &errOut)
		if err != nil {
			t.Fatalf("upload: %v\n%s", err, errOut.String())
		}
		rec := recording(t, out.String())
		// sent_at against the server's clock adds the request's latency
		// (station and server share this machine's clock).
		if rec.ClockOffset == nil || *rec.ClockOffset > -12*time.Second || *rec.ClockOffset < -15*time.Second {
			t.Fatalf("clock offset %v, want about -12 s", rec.ClockOffset)
		}
		resp, body := api(t, "GET", fmt.Sprintf("%s/recordings/%d?lang=en", srv.URL, rec.ID), officer, nil, nil)
		if page := string(body); resp.StatusCode != 200 || !strings.Contains(page, "behind 12s") || strings.Contains(between(page, `id="clock-offset"`, "</dd>"), "tag-warning") {
			t.Errorf("recording page (%d): want \"behind 12s\" within the tolerance:\n%s", resp.StatusCode, between(page, `id="clock-offset"`, "</dd>"))
		}
	})

	t.Run("ErrUsage", func(t *testing.T) {
		video := randomFile(t, media, "x.bin", 1000, 7)
		for _, extra := range [][]string{
			{"--device-time", "2026-11-26 10:00:00"},
			{"--device-time", "2026-11-26T10:00:00+08:00", "--station-time", "soon"},
			{"--station-time", "2026-11-26T10:00:00+08:00"},
		} {
			args := append([]string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir()}, append(extra, video)...)
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); exitCode(err) != 2 {
				t.Errorf("%v: exit %d (%v), want 2", extra, exitCode(err), err)
			}
		}
		var l recordingList
		api(t, "GET", srv.URL+"/api/v1/recordings", officer, nil, &l)
		if l.Total != 2 {
			t.Errorf("%d recordings after refused uploads, want the 2 of the other cases", l.Total)
		}
	})

	t.Run("HelpDocumentsIt", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"upload", "--help"}, func(string) string { return "" }, &out, &errOut); !errors.Is(err, errHelp) {
			t.Errorf("upload --help: %v, want errHelp", err)
		}
		if !strings.Contains(errOut.String(), "-device-time") || !strings.Contains(errOut.String(), "-station-time") {
			t.Errorf("upload --help lacks the clock flags:\n%s", errOut.String())
		}
	})
}

// between returns s from the first from to the next to, for failure
// messages that show the part of a page that matters.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return "(no " + from + ")"
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j+len(to)]
	}
	return s
}
