package media

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

func TestParseJPEG(t *testing.T) {
	loc := shanghai(t)
	taken := time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC) // 09:30:15 in Shanghai
	base := Facts{Kind: evidence.KindPhoto, Container: "jpeg", VideoCodec: "mjpeg", Width: 64, Height: 48, Prober: "jpeg"}
	camera := []exifEntry{{0x010f, "Acme"}, {0x0110, "DSJ-X1"}, {0x0131, "FW 1.2.3"}}
	tests := []struct {
		name string
		app1 []byte
		edit func(*Facts)
	}{
		{"NoEXIF", nil, nil},
		{"DateTimeOriginalLocal", testEXIF(binary.LittleEndian, camera, []exifEntry{{0x9003, "2026:11:26 09:30:15"}}), func(f *Facts) {
			f.CreatedAt, f.Encoder = taken, "FW 1.2.3"
			f.Tags = map[string]string{"make": "Acme", "model": "DSJ-X1"}
		}},
		{"BigEndian", testEXIF(binary.BigEndian, camera, []exifEntry{{0x9003, "2026:11:26 09:30:15"}}), func(f *Facts) {
			f.CreatedAt, f.Encoder = taken, "FW 1.2.3"
			f.Tags = map[string]string{"make": "Acme", "model": "DSJ-X1"}
		}},
		{"OffsetTimeOriginal", testEXIF(binary.LittleEndian, nil, []exifEntry{{0x9003, "2026:11:26 10:30:15"}, {0x9011, "+09:00"}}), func(f *Facts) {
			f.CreatedAt = taken
		}},
		{"DateTimeOnly", testEXIF(binary.LittleEndian, []exifEntry{{0x0132, "2026:11:26 09:30:15"}}, nil), func(f *Facts) {
			f.CreatedAt = taken
		}},
		{"OriginalWinsOverDateTime", testEXIF(binary.LittleEndian, []exifEntry{{0x0132, "2027:01:01 00:00:00"}}, []exifEntry{{0x9003, "2026:11:26 09:30:15"}}), func(f *Facts) {
			f.CreatedAt = taken
		}},
		{"BlankDate", testEXIF(binary.LittleEndian, nil, []exifEntry{{0x9003, "0000:00:00 00:00:00"}}), nil},
		{"ImpossibleDate", testEXIF(binary.LittleEndian, nil, []exifEntry{{0x9003, "2026:02:30 09:30:15"}}), nil},
		{"BrokenEXIFKeepsPhoto", []byte("Exif\x00\x00XX*\x00garbage"), nil},
		{"XMPNotEXIF", []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testJPEG(t, 64, 48, tt.app1)
			got, err := ParseJPEG(bytes.NewReader(b), int64(len(b)), loc)
			if err != nil {
				t.Fatal(err)
			}
			want := base
			if tt.edit != nil {
				tt.edit(&want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseJPEG (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseJPEGErrors(t *testing.T) {
	good := testJPEG(t, 16, 16, nil)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"Empty", nil, "not a JPEG"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n"), "not a JPEG"},
		{"OnlySOI", []byte{0xff, 0xd8, 0xff}, "no JPEG frame header"},
		{"ScanBeforeFrame", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, "no JPEG frame header"},
		{"SegmentPastEnd", []byte{0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0}, "truncated JPEG segment"},
		{"BadLength", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 1}, "truncated JPEG segment"},
		{"NotAMarker", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 2, 0x00, 0x00}, "bad JPEG marker"},
		{"EndlessFill", append([]byte{0xff, 0xd8}, bytes.Repeat([]byte{0xff}, 2*maxJPEGSegments)...), "more than"},
		{"CutInHeader", good[:20], "truncated JPEG segment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseJPEG(bytes.NewReader(tt.in), int64(len(tt.in)), time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if f.Kind != evidence.KindUnknown {
				t.Errorf("Kind = %q on error", f.Kind)
			}
		})
	}
}

func TestParseEXIFBounds(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name string
		in   []byte
		want string // "" for success
	}{
		{"Short", []byte("II*"), "truncated EXIF header"},
		{"BadOrder", []byte("XX*\x00\x08\x00\x00\x00"), "byte order"},
		{"BadMagic", []byte("II+\x00\x08\x00\x00\x00"), "magic"},
		{"IFDOffsetOutOfRange", cat([]byte("II*\x00"), le.AppendUint32(nil, 1<<31)), "out of range"},
		{"TooManyEntries", cat([]byte("II*\x00\x08\x00\x00\x00"), le.AppendUint16(nil, 60000)), "entries"},
		{"EntriesPastEnd", cat([]byte("II*\x00\x08\x00\x00\x00"), le.AppendUint16(nil, 3), make([]byte, 12)), "truncated EXIF IFD"},
		{"ValueOffsetPastEnd", cat([]byte("II*\x00\x08\x00\x00\x00"), le.AppendUint16(nil, 1),
			le.AppendUint16(nil, 0x010f), le.AppendUint16(nil, 2), le.AppendUint32(nil, 100), le.AppendUint32(nil, 0xfffffff0)), ""},
		{"ExifPointerToItself", cat([]byte("II*\x00\x08\x00\x00\x00"), le.AppendUint16(nil, 1),
			le.AppendUint16(nil, 0x8769), le.AppendUint16(nil, 4), le.AppendUint32(nil, 1), le.AppendUint32(nil, 8)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseEXIF(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseJPEG(f *testing.F) {
	f.Add(testJPEG(f, 8, 8, nil))
	f.Add(testJPEG(f, 8, 8, testEXIF(binary.BigEndian, []exifEntry{{0x010f, "Acme"}}, []exifEntry{{0x9003, "2026:11:26 09:30:15"}, {0x9011, "+08:00"}})))
	loc := shanghai(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseJPEG(bytes.NewReader(b), int64(len(b)), loc)
		if err != nil {
			if got.Kind != evidence.KindUnknown {
				t.Errorf("Kind = %q on error", got.Kind)
			}
			return
		}
		checkFactsSane(t, got)
	})
}

// FuzzEXIF drives the TIFF reader directly, which finds deep paths faster
// than going through JPEG framing.
func FuzzEXIF(f *testing.F) {
	for _, bo := range []exifOrder{binary.LittleEndian, binary.BigEndian} {
		e := testEXIF(bo, []exifEntry{{0x010f, "Acme"}, {0x0110, "X1"}, {0x0132, "2026:11:26 09:30:15"}},
			[]exifEntry{{0x9003, "2026:11:26 09:30:15"}, {0x9011, "+08:00"}})
		f.Add(e[6:])
	}
	loc := shanghai(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := parseEXIF(b)
		if err != nil {
			return
		}
		var facts Facts
		x.apply(&facts, loc)
		facts.Kind = evidence.KindPhoto
		checkFactsSane(t, facts)
	})
}
