package station

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
	"shilu/internal/media"
)

// X-DEV-1, R-DEV-2: the ZFY_INFO file gives the device's identity, and its
// clock is read with the station's.
func TestReadIdentity(t *testing.T) {
	dir := t.TempDir()
	info := "\ufeffcSerial=DSJ0A12\r\ncUserNo = 000123\ncUserName=张伟\ncUnitName:丰南区医疗保障局\ntime=2026-11-26 10:01:30\nnoise\n"
	if err := os.WriteFile(filepath.Join(dir, "zfy_info.txt"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	got, ok := readIdentity(dir, func() time.Time { return now }, evidence.Zone)
	want := Identity{Serial: "DSJ0A12", Officer: "000123", Name: "张伟", UnitName: "丰南区医疗保障局",
		DeviceTime: time.Date(2026, 11, 26, 10, 1, 30, 0, evidence.Zone), StationTime: now}
	if !ok || !cmp.Equal(got, want) {
		t.Errorf("identity (-want +got):\n%s", cmp.Diff(want, got))
	}
	if _, ok := readIdentity(t.TempDir(), time.Now, evidence.Zone); ok {
		t.Error("a device without an info file has an identity")
	}
}

// X-DEV-3: recordings by name or camera folder, important and locked ones
// flagged; other files and system folders passed over.
func TestScanDevice(t *testing.T) {
	root := t.TempDir()
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{"DCIM/100MEDIA/DSJ0A12_000123_20261126093015_0001.MP4", 0o644},
		{"DCIM/100MEDIA/DSJ0A12_000123_20261126094015_0002_IMP.MP4", 0o644},
		{"DCIM/100MEDIA/DSJ0A12_000123_20261126095015_0003.MP4", 0o444},
		{"IMP/20261126_100000.wav", 0o644},
		{"RECORD/clip.mp4", 0o644},
		{"notes/readme.txt", 0o644},
		{"misc/holiday.mp4", 0o644},
		{"System Volume Information/20261126_100000.mp4", 0o644},
	} {
		p := filepath.Join(root, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.path), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	list, err := scanDevice(root, media.DefaultNamePatterns())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]bool{}
	for _, f := range list {
		got[f.rel] = [2]bool{f.important, f.locked}
	}
	want := map[string][2]bool{
		"DCIM/100MEDIA/DSJ0A12_000123_20261126093015_0001.MP4":     {false, false},
		"DCIM/100MEDIA/DSJ0A12_000123_20261126094015_0002_IMP.MP4": {true, false},
		"DCIM/100MEDIA/DSJ0A12_000123_20261126095015_0003.MP4":     {false, true},
		"IMP/20261126_100000.wav":                                  {true, false},
		"RECORD/clip.mp4":                                          {false, false},
	}
	if !cmp.Equal(got, want) {
		t.Errorf("scan (-want +got):\n%s", cmp.Diff(want, got))
	}
}

// FuzzParseIdentity: an info file from a device is outside input.
func FuzzParseIdentity(f *testing.F) {
	f.Add("cSerial=DSJ0A12\ncUserNo=000123\ntime=2026-11-26 10:01:30\n")
	f.Add("serial:X\ntime=20261126100130")
	f.Fuzz(func(t *testing.T, s string) {
		p := filepath.Join(t.TempDir(), "ZFY_INFO.TXT")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		parseIdentity(p, evidence.Zone)
	})
}
