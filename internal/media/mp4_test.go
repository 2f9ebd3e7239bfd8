package media

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

func TestParseMP4HandBuilt(t *testing.T) {
	created := time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC)
	want := Facts{
		Kind:       evidence.KindVideo,
		Container:  "mp4",
		Duration:   5 * time.Second,
		CreatedAt:  created,
		VideoCodec: "h264",
		AudioCodec: "mp3",
		Width:      1280,
		Height:     720,
		FrameRate:  25,
		Encoder:    "Lavf59.27.100",
		Tags:       map[string]string{"major_brand": "isom", "minor_version": "512", "compatible_brands": "isommp41", "make": "Acme"},
		Prober:     "mp4",
	}
	huge := cat(be32(1), []byte("mdat"), be64(1<<62)) // claims 4 EiB
	tests := []struct {
		name string
		mp4  testMP4
		edit func(*Facts)
	}{
		{"OK", testMP4{created: created2026}, nil},
		{"MVHDVersion1", testMP4{created: created2026, mvhdV1: true}, nil},
		{"LargesizeMoov", testMP4{created: created2026, largeMoov: true}, nil},
		{"LargesizeMdatFirst", testMP4{created: created2026, before: largeBox("mdat", make([]byte, 100))}, nil},
		{"HugeMdatAfterMoov", testMP4{created: created2026, mdat: huge}, nil},
		{"SizeZeroMdatLast", testMP4{created: created2026, mdat: cat(be32(0), []byte("mdat"), make([]byte, 64))}, nil},
		{"QuickTime", testMP4{brand: "qt  ", created: created2026}, func(f *Facts) {
			f.Container = "mov"
			f.Tags["major_brand"], f.Tags["compatible_brands"] = "qt", "qt  mp41"
		}},
		{"NoCreationTime", testMP4{}, func(f *Facts) { f.CreatedAt = time.Time{} }},
		{"UnixEpochCreationTime", testMP4{created: 1795656615}, nil},
		{"TrailingGarbageShorterThanBox", testMP4{created: created2026, mdat: []byte{1, 2, 3}}, nil},
		{"ITunesMeta", testMP4{created: created2026, udta: [][]byte{fullBox("meta", 0,
			fullBox("hdlr", 0, be32(0), []byte("mdir"), []byte("appl"), make([]byte, 9)),
			box("ilst",
				box("\xa9nam", box("data", be32(1), be32(0), []byte("Patrol 7"))),
				box("covr", box("data", be32(13), be32(0), make([]byte, 9000))),
				box("tmpo", box("data", be32(21), be32(0), be16(120))),
			))}}, func(f *Facts) { f.Tags["title"] = "Patrol 7" }},
		{"QuickTimeKeys", testMP4{created: 0, udta: [][]byte{box("meta",
			fullBox("hdlr", 0, be32(0), []byte("mdta"), make([]byte, 13)),
			fullBox("keys", 0, be32(3),
				box("mdta", []byte("com.apple.quicktime.make")),
				box("mdta", []byte("com.apple.quicktime.creationdate")),
				box("mdta", []byte("encoder"))),
			box("ilst",
				box("\x00\x00\x00\x01", box("data", be32(1), be32(0), []byte("Apple"))),
				box("\x00\x00\x00\x02", box("data", be32(1), be32(0), []byte("2026-11-26T09:30:15+0800"))),
				box("\x00\x00\x00\x09", box("data", be32(1), be32(0), []byte("no such key"))),
			))}}, func(f *Facts) {
			f.Tags["com.apple.quicktime.make"] = "Apple"
			f.Tags["com.apple.quicktime.creationdate"] = "2026-11-26T09:30:15+0800"
		}},
		// R-ACT-8: edit lists and time-to-sample tables. A camera's: an
		// empty edit (start offset) then one edit, and constant deltas.
		{"CameraTimeline", testMP4{created: created2026, edts: elstBox([2]int32{40, -1}, [2]int32{5000, 0}), stts: sttsBox([2]uint32{125, 512})}, nil},
		{"EncoderDelay", testMP4{created: created2026, edts: elstBox([2]int32{5000, 1024}), stts: sttsBox([2]uint32{124, 512}, [2]uint32{1, 0})}, nil},
		// Three pieces of media joined: two splices.
		{"Spliced", testMP4{created: created2026, edts: elstBox([2]int32{2000, 0}, [2]int32{1000, 38400}, [2]int32{2000, 12800})}, func(f *Facts) { f.Splices = 2 }},
		// A blank span put in the middle is a splice too.
		{"BlankInserted", testMP4{created: created2026, edts: elstBox([2]int32{2000, 0}, [2]int32{1000, -1}, [2]int32{2000, 25600})}, func(f *Facts) { f.Splices = 2 }},
		// An empty last run (a count of 0) stalls nothing; found by FuzzParseMP4.
		{"EmptyLastRun", testMP4{created: created2026, stts: sttsBox([2]uint32{125, 512}, [2]uint32{0, 0})}, nil},
		{"Stalled", testMP4{created: created2026, stts: sttsBox([2]uint32{60, 512}, [2]uint32{5, 0}, [2]uint32{60, 512})}, func(f *Facts) { f.StalledSamples = 5 }},
		{"CountLies", testMP4{created: created2026, edts: box("edts", fullBox("elst", 0, be32(1<<30), be32(5000), be32(0), be16(1), be16(0))),
			stts: fullBox("stts", 0, be32(1<<30), be32(125), be32(0))}, func(f *Facts) { f.StalledSamples = 124 }},
		{"HostileTagText", testMP4{created: created2026, udta: [][]byte{
			box("\xa9nam", be16(0xffff), be16(0), []byte("a\x1b[31mb\xffc"), bytes.Repeat([]byte("x"), 10000)),
		}}, func(f *Facts) {
			f.Tags["title"] = "a[31mb\uFFFDc" + strings.Repeat("x", maxTagLen-len("a[31mb\uFFFDc"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mp4.bytes()
			got, err := ParseMP4(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			w := want
			w.Tags = map[string]string{}
			for k, v := range want.Tags {
				w.Tags[k] = v
			}
			if tt.edit != nil {
				tt.edit(&w)
			}
			w.Bitrate = int64(float64(len(b)) * 8 / w.Duration.Seconds())
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("ParseMP4 (-want +got):\n%s", diff)
			}
			checkFactsSane(t, got)
		})
	}
}

func TestParseMP4Errors(t *testing.T) {
	good := testMP4{created: created2026}.bytes()
	ftyp := box("ftyp", []byte("isom"), be32(0))
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"Empty", nil, "not an MP4/MOV file"},
		{"Garbage", []byte("this is not a movie, just some text"), "not an MP4/MOV file"},
		{"JPEG", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F'}, "not an MP4/MOV file"},
		{"NoMoov", cat(ftyp, box("free", make([]byte, 10))), "no moov box"},
		{"UnfinishedRecording", cat(ftyp, cat(be32(0xffffff), []byte("mdat"), make([]byte, 100))), `truncated box "mdat"`},
		{"HugeMdatBeforeMoov", cat(ftyp, be32(1), []byte("mdat"), be64(1<<62), good), `truncated box "mdat"`},
		{"HugeBoxInMoov", cat(ftyp, box("moov", cat(be32(0xfffffff0), []byte("trak")))), `truncated box "trak"`},
		{"HugeLargesizeInMoov", cat(ftyp, box("moov", cat(be32(1), []byte("udta"), be64(1<<63-1)))), `truncated box "udta"`},
		{"MoovPastEnd", cat(ftyp, be32(1000), []byte("moov")), `truncated box "moov"`},
		{"SizeTooSmall", cat(ftyp, be32(4), []byte("moov")), "bad size 4"},
		{"LargesizeTooSmall", cat(ftyp, be32(1), []byte("moov"), be64(8)), "bad size 8"},
		{"TooManyBoxes", cat(ftyp, box("moov", bytes.Repeat(box("free"), maxBoxes+1))), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseMP4(bytes.NewReader(tt.in), int64(len(tt.in)))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "media: ") {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if diff := cmp.Diff(Facts{Kind: evidence.KindUnknown}, f); diff != "" {
				t.Errorf("facts on error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseMP4Truncated cuts a good file at every length: each prefix that
// loses part of moov must fail cleanly, never panic or succeed with
// half-read facts.
func TestParseMP4Truncated(t *testing.T) {
	b := testMP4{created: created2026}.bytes()
	for n := range len(b) {
		if _, err := ParseMP4(bytes.NewReader(b[:n]), int64(n)); err == nil {
			t.Errorf("ParseMP4 of the first %d of %d bytes: no error", n, len(b))
		}
	}
}

// sparseFile is a huge file that is zeros except for a few pieces, and
// counts what is read from it: ParseMP4 must not read media data.
type sparseFile struct {
	size   int64
	pieces map[int64][]byte
	read   int64
}

func (s *sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > s.size-off {
		n = int(s.size - off)
	}
	clear(p[:n])
	for at, piece := range s.pieces {
		lo, hi := max(at, off), min(at+int64(len(piece)), off+int64(n))
		if lo < hi {
			copy(p[lo-off:hi-off], piece[lo-at:hi-at])
		}
	}
	s.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestParseMP4ReadsOnlyHeaders(t *testing.T) {
	const mdatSize = 64 << 30 // 64 GiB of video before moov
	ftyp := box("ftyp", []byte("isom"), be32(0))
	mdatHdr := cat(be32(1), []byte("mdat"), be64(mdatSize))
	moov := box("moov", mvhdBox(false, created2026), videoTrak(nil, nil))
	moovAt := int64(len(ftyp)) + mdatSize
	f := &sparseFile{
		size:   moovAt + int64(len(moov)),
		pieces: map[int64][]byte{0: cat(ftyp, mdatHdr), moovAt: moov},
	}
	got, err := ParseMP4(f, f.size)
	if err != nil {
		t.Fatal(err)
	}
	if got.Duration != 5*time.Second || got.VideoCodec != "h264" {
		t.Errorf("got %+v", got)
	}
	if f.read > 16<<10 {
		t.Errorf("read %d bytes of a %d-byte file, want only headers", f.read, f.size)
	}
}

// failingReader fails every read: I/O errors must surface, wrapped.
type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestParseMP4ReadError(t *testing.T) {
	_, err := ParseMP4(failingReader{}, 1000)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v, want the read error", err)
	}
}

func TestMacTime(t *testing.T) {
	tests := []struct {
		name string
		in   uint64
		want time.Time
	}{
		{"Unknown", 0, time.Time{}},
		{"Since1904", created2026, time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC)},
		{"UnixSecondsFromBuggyFirmware", 1795656615, time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC)},
		{"Absurd", 1 << 63, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := macTime(tt.in); !got.Equal(tt.want) {
				t.Errorf("macTime(%d) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestScaled(t *testing.T) {
	tests := []struct {
		name string
		d    uint64
		ts   uint32
		want time.Duration
	}{
		{"Seconds", 5000, 1000, 5 * time.Second},
		{"Fraction", 1001, 30000, 33366666 * time.Nanosecond},
		{"NoTimescale", 5000, 0, 0},
		{"Overflow", 1<<64 - 2, 1, 0},
		{"LargeButFine", 1 << 40, 1 << 31, 512 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scaled(tt.d, tt.ts); got != tt.want {
				t.Errorf("scaled(%d, %d) = %v, want %v", tt.d, tt.ts, got, tt.want)
			}
		})
	}
}

func TestEntryCodec(t *testing.T) {
	tests := []struct{ handler, entry, want string }{
		{"vide", "avc1", "h264"},
		{"vide", "hev1", "hevc"},
		{"vide", "hvc1", "hevc"},
		{"vide", "jpeg", "mjpeg"},
		{"soun", "samr", "amr_nb"},
		{"soun", "sowt", "pcm_s16le"},
		{"soun", "raw ", "pcm_u8"},
		{"vide", "raw ", "rawvideo"},
		{"soun", "Opus", "opus"},
		{"vide", "xyz1", "xyz1"},
		{"vide", "\x00\x01\x02\x03", ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := entryCodec(tt.handler, tt.entry); got != tt.want {
				t.Errorf("entryCodec(%q, %q) = %q, want %q", tt.handler, tt.entry, got, tt.want)
			}
		})
	}
}

// TestParseMP4TkhdDimensions covers sample entries without dimensions,
// where the track header's (16.16 fixed point, version 0 or 1) must do.
func TestParseMP4TkhdDimensions(t *testing.T) {
	for _, v := range []byte{0, 1} {
		t.Run([]string{"Version0", "Version1"}[v], func(t *testing.T) {
			times := make([]byte, 20)
			if v == 1 {
				times = make([]byte, 32)
			}
			tkhd := fullBox("tkhd", v, times, make([]byte, 52), be32(1920<<16|0x8000), be32(1080<<16))
			hdlr := fullBox("hdlr", 0, be32(0), []byte("vide"), make([]byte, 12))
			stsd := fullBox("stsd", 0, be32(1), box("hvc1", make([]byte, 24), be16(0), be16(0)))
			trak := box("trak", tkhd, box("mdia", hdlr, box("minf", box("stbl", stsd))))
			b := cat(box("ftyp", []byte("isom"), be32(0)), box("moov", mvhdBox(false, 0), trak))
			got, err := ParseMP4(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != 1920 || got.Height != 1080 || got.VideoCodec != "hevc" || got.Kind != evidence.KindVideo {
				t.Errorf("got %+v, want 1920x1080 hevc video", got)
			}
		})
	}
}

func TestLPCMCodec(t *testing.T) {
	// v2 sound description: version 2 at offset 8, bits and flags at 48.
	entry := func(version uint16, bits, flags uint32) []byte {
		e := make([]byte, 64)
		copy(e[8:], be16(version))
		copy(e[48:], be32(bits))
		copy(e[52:], be32(flags))
		return e
	}
	tests := []struct {
		name string
		e    []byte
		want string
	}{
		{"S16LE", entry(2, 16, 4), "pcm_s16le"},
		{"S24BE", entry(2, 24, 4|2), "pcm_s24be"},
		{"F32LE", entry(2, 32, 1), "pcm_f32le"},
		{"F64BE", entry(2, 64, 1|2), "pcm_f64be"},
		{"U8", entry(2, 8, 0), "pcm_u8"},
		{"S8", entry(2, 8, 4), "pcm_s8"},
		{"Unsigned16", entry(2, 16, 0), "pcm"},
		{"NotVersion2", entry(1, 16, 4), "pcm"},
		{"Short", make([]byte, 30), "pcm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lpcmCodec(tt.e); got != tt.want {
				t.Errorf("lpcmCodec = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseMP4(f *testing.F) {
	f.Add(testMP4{created: created2026}.bytes())
	f.Add(testMP4{brand: "qt  ", largeMoov: true, mvhdV1: true, mdat: box("mdat", []byte{1, 2, 3})}.bytes())
	f.Add(testMP4{udta: [][]byte{box("meta",
		fullBox("hdlr", 0, be32(0), []byte("mdta"), make([]byte, 13)),
		fullBox("keys", 0, be32(1), box("mdta", []byte("com.apple.quicktime.make"))),
		box("ilst", box("\x00\x00\x00\x01", box("data", be32(1), be32(0), []byte("Apple")))))}}.bytes())
	f.Add(cat(box("ftyp", []byte("isom")), be32(1), []byte("mdat"), be64(1<<62)))
	f.Add(testMP4{edts: elstBox([2]int32{2000, 0}, [2]int32{1000, -1}, [2]int32{2000, 25600}), stts: sttsBox([2]uint32{60, 512}, [2]uint32{5, 0})}.bytes())
	f.Add(testMP4{udta: [][]byte{fullBox("meta", 0,
		fullBox("hdlr", 0, be32(0), []byte("mdir"), []byte("appl"), make([]byte, 9)),
		box("ilst", box("\xa9nam", box("data", be32(1), be32(0), []byte("Patrol 7"))), box("tmpo", box("data", be32(21), be32(0), be16(120))))),
		box("\xa9xyz", be16(17), be16(0x15c7), []byte("+31.2304+121.4737/"))}}.bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseMP4(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if got.Kind != evidence.KindUnknown {
				t.Errorf("Kind = %q on error", got.Kind)
			}
			if !strings.HasPrefix(err.Error(), "media: ") {
				t.Errorf("error without context: %v", err)
			}
			return
		}
		checkFactsSane(t, got)
	})
}
