package media

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseName(t *testing.T) {
	loc := shanghai(t)
	start := time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC) // 09:30:15 in Shanghai
	custom, err := CompileNamePattern("custom", `^CAM(?P<serial>\d{4})-(?P<date>\d{8})-(?P<time>\d{6})\.avi$`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		patterns []NamePattern
		in       string
		want     NameFacts
		ok       bool
	}{
		{"ZFY", nil, "DSJ0A12_000123_20261126093015_0001.MP4",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 1}, true},
		{"ZFYUnixDir", nil, "/mnt/station/in/DSJ0A12_000123_20261126093015_0002.mp4",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 2}, true},
		{"ZFYWindowsDir", nil, `D:\DCIM\100MEDIA\DSJ0A12_000123_20261126093015_0003.MP4`,
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 3}, true},
		// X-DEV-3: the device's important or locked mark is kept.
		{"ZFYImportantMark", nil, "DSJ0A12_000123_20261126093015_0001_IMP.MP4",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 1, Important: true}, true},
		{"ZFYLockedMark", nil, "DSJ0A12_000123_20261126093015_0001_X1_lock.MP4",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 1, Important: true}, true},
		{"ZFYOtherMark", nil, "DSJ0A12_000123_20261126093015_0001_IMPX.MP4",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start, Seq: 1}, true},
		{"ZFYNoSeq", nil, "DSJ0A12_000123_20261126093015.JPG",
			NameFacts{Pattern: "zfy", DeviceSerial: "DSJ0A12", Officer: "000123", Start: start}, true},
		{"DateTime", nil, "20261126_093015.mp4", NameFacts{Pattern: "date_time", Start: start}, true},
		{"VID", nil, "VID_20261126_093015.mp4", NameFacts{Pattern: "date_time", Start: start}, true},
		{"IMGWithSeq", nil, "IMG_20261126_093015_1.jpg", NameFacts{Pattern: "date_time", Start: start, Seq: 1}, true},
		{"REC", nil, "REC20261126_093015.wav", NameFacts{Pattern: "date_time", Start: start}, true},
		{"LowerCasePrefix", nil, "vid_20261126_093015.mp4", NameFacts{Pattern: "date_time", Start: start}, true},
		{"Timestamp", nil, "20261126093015.mp4", NameFacts{Pattern: "timestamp", Start: start}, true},
		{"TimestampPrefixSeq", nil, "AUD_20261126093015_12.amr", NameFacts{Pattern: "timestamp", Start: start, Seq: 12}, true},
		{"LeapDay", nil, "20280229_093015.mp4", NameFacts{Pattern: "date_time", Start: time.Date(2028, 2, 29, 1, 30, 15, 0, time.UTC)}, true},
		{"DayBeforeInUTC", nil, "20261126_050000.mp4", NameFacts{Pattern: "date_time", Start: time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)}, true},
		{"Custom", []NamePattern{custom}, "CAM0042-20261126-093015.avi",
			NameFacts{Pattern: "custom", DeviceSerial: "0042", Start: start}, true},
		{"FirstMatchWins", append([]NamePattern{custom}, DefaultNamePatterns()...), "20261126_093015.mp4",
			NameFacts{Pattern: "date_time", Start: start}, true},
		{"Month13", nil, "20261326_093015.mp4", NameFacts{}, false},
		{"February30", nil, "20260230_093015.mp4", NameFacts{}, false},
		{"Hour24", nil, "DSJ0A12_000123_20261126243015_0001.MP4", NameFacts{}, false},
		{"NotLeapYear", nil, "20270229_093015.mp4", NameFacts{}, false},
		{"SerialTooShort", nil, "DSJ0A1_000123_20261126093015_0001.MP4", NameFacts{}, false},
		{"NoExtension", nil, "20261126_093015", NameFacts{}, false},
		{"Unrelated", nil, "holiday.mp4", NameFacts{}, false},
		{"Empty", nil, "", NameFacts{}, false},
		{"DirectoryOnly", nil, "20261126_093015.mp4/", NameFacts{}, false},
		{"NilPattern", []NamePattern{{Name: "broken"}}, "20261126_093015.mp4", NameFacts{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patterns := tt.patterns
			if patterns == nil {
				patterns = DefaultNamePatterns()
			}
			got, ok := ParseName(patterns, tt.in, loc)
			if ok != tt.ok {
				t.Fatalf("ParseName(%q) ok = %v, want %v (%+v)", tt.in, ok, tt.ok, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseName(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseNameNilLocationIsUTC(t *testing.T) {
	got, ok := ParseName(DefaultNamePatterns(), "20261126_093015.mp4", nil)
	if want := time.Date(2026, 11, 26, 9, 30, 15, 0, time.UTC); !ok || !got.Start.Equal(want) {
		t.Errorf("got %v %v, want %v", got.Start, ok, want)
	}
}

func TestCompileNamePattern(t *testing.T) {
	tests := []struct {
		name, expr, err string
	}{
		{"OK", `^(?P<ts>\d{14})\.mp4$`, ""},
		{"OKDateAndTime", `^(?P<date>\d{8})(?P<time>\d{6})$`, ""},
		{"ErrSyntax", `^(?P<ts>\d{14}`, "missing closing )"},
		{"ErrNoTime", `^(?P<serial>\w+)\.mp4$`, "needs a ts group"},
		{"ErrDateWithoutTime", `^(?P<date>\d{8})\.mp4$`, "needs a ts group"},
		{"ErrUnknownGroup", `^(?P<ts>\d{14})(?P<camera>\w+)$`, `unknown group "camera"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompileNamePattern(tt.name, tt.expr)
			if tt.err == "" {
				if err != nil || p.Name != tt.name || p.Regexp == nil {
					t.Fatalf("CompileNamePattern = %+v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one containing %q", err, tt.err)
			}
		})
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"DSJ0A12_000123_20261126093015_0001.MP4",
		`C:\x\VID_20261126_093015.mp4`,
		"IMG_20261126_093015_1.jpg",
		"20261126093015_999999.mp4",
		"20260230_093015.mp4",
	} {
		f.Add(s)
	}
	patterns := DefaultNamePatterns()
	loc := shanghai(f)
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := ParseName(patterns, name, loc)
		if !ok {
			if got != (NameFacts{}) {
				t.Errorf("no match but facts %+v", got)
			}
			return
		}
		if got.Start.IsZero() || got.Start.Location() != time.UTC || got.Seq < 0 {
			t.Errorf("bad facts %+v", got)
		}
		if strings.ContainsAny(got.DeviceSerial+got.Officer, `/\`) || !utf8.ValidString(got.DeviceSerial+got.Officer) {
			t.Errorf("bad serial or officer in %+v", got)
		}
		// A name that matched must match the same way from any directory.
		again, ok := ParseName(patterns, `dir/sub\`+name, loc)
		if !ok || again != got {
			t.Errorf("with a directory: %+v %v, want %+v", again, ok, got)
		}
	})
}
