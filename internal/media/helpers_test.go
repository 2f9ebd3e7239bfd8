package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

// shanghai is the devices' zone in these tests. It is loaded per test rather
// than kept in a package variable.
func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// No tzdata on the machine: China has had no DST since 1991, so a
		// fixed zone is exact for these tests.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// requireFFmpeg skips the test when ffmpeg or ffprobe is missing.
func requireFFmpeg(t *testing.T) {
	t.Helper()
	requireBinaries(t, "ffmpeg", "ffprobe")
}

// requireBinaries skips the test when a binary is missing from PATH, unless
// SHILU_TEST_DISALLOW_SKIP=1 turns the skip into a failure, as CI does.
func requireBinaries(t *testing.T, bins ...string) {
	t.Helper()
	for _, bin := range bins {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
				t.Fatalf("%s not found and SHILU_TEST_DISALLOW_SKIP=1: %v", bin, err)
			}
			t.Skipf("%s not found: %v", bin, err)
		}
	}
}

// ffmpeg writes dir/name with the given arguments and returns its path.
func ffmpeg(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	argv := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	argv = append(argv, out)
	cmd := exec.Command("ffmpeg", argv...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	return out
}

// Helpers that build ISO BMFF boxes byte by byte, for tests and fuzz seeds
// that must not depend on ffmpeg or on committed media.

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// box builds a box with a 32-bit size.
func box(typ string, body ...[]byte) []byte {
	b := cat(body...)
	return cat(be32(uint32(8+len(b))), []byte(typ), b)
}

// largeBox builds a box with a 64-bit largesize.
func largeBox(typ string, body ...[]byte) []byte {
	b := cat(body...)
	return cat(be32(1), []byte(typ), be64(uint64(16+len(b))), b)
}

// fullBox builds a box with version and flags.
func fullBox(typ string, version byte, body ...[]byte) []byte {
	return box(typ, append([]byte{version, 0, 0, 0}, cat(body...)...))
}

// testMP4 describes a small hand-built movie.
type testMP4 struct {
	brand     string
	created   uint64 // seconds since 1904
	mvhdV1    bool
	largeMoov bool
	udta      [][]byte // extra children of moov/udta
	mdat      []byte   // a whole mdat box (or anything) written after moov
	before    []byte   // boxes written between ftyp and moov
	edts      []byte   // the video track's edts box, if any
	stts      []byte   // the video track's stts box, if any
}

// mvhdBox builds an mvhd with timescale 1000 and a 5 s duration.
func mvhdBox(v1 bool, created uint64) []byte {
	tail := make([]byte, 80) // rate, volume, matrix, next track id: unused
	if v1 {
		return fullBox("mvhd", 1, be64(created), be64(created), be32(1000), be64(5000), tail)
	}
	return fullBox("mvhd", 0, be32(uint32(created)), be32(uint32(created)), be32(1000), be32(5000), tail)
}

// videoTrak builds a 1280x720 avc1 track of 125 samples over 5 s (25 fps),
// with the edts and stts boxes given (nil: none).
func videoTrak(edts, stts []byte) []byte {
	tkhd := fullBox("tkhd", 0, make([]byte, 20), make([]byte, 52), be32(1280<<16), be32(720<<16))
	mdhd := fullBox("mdhd", 0, be32(0), be32(0), be32(12800), be32(64000), be32(0))
	hdlr := fullBox("hdlr", 0, be32(0), []byte("vide"), make([]byte, 12), []byte("VideoHandler\x00"))
	entry := box("avc1", make([]byte, 24), be16(1280), be16(720), make([]byte, 50))
	stsd := fullBox("stsd", 0, be32(1), entry)
	stsz := fullBox("stsz", 0, be32(0), be32(125))
	return box("trak", tkhd, edts, box("mdia", mdhd, hdlr, box("minf", box("stbl", stsd, stts, stsz))))
}

// elstBox builds an edit list (version 0) of (duration, media time) pairs;
// media time -1 is an empty edit.
func elstBox(pairs ...[2]int32) []byte {
	b := be32(uint32(len(pairs)))
	for _, e := range pairs {
		b = cat(b, be32(uint32(e[0])), be32(uint32(e[1])), be16(1), be16(0))
	}
	return box("edts", fullBox("elst", 0, b))
}

// sttsBox builds a time-to-sample table of (count, delta) runs.
func sttsBox(runs ...[2]uint32) []byte {
	b := be32(uint32(len(runs)))
	for _, r := range runs {
		b = cat(b, be32(r[0]), be32(r[1]))
	}
	return fullBox("stts", 0, b)
}

// audioTrak builds an mp4a track whose esds says MP3 (object type 0x6B).
func audioTrak() []byte {
	mdhd := fullBox("mdhd", 0, be32(0), be32(0), be32(44100), be32(220500), be32(0))
	hdlr := fullBox("hdlr", 0, be32(0), []byte("soun"), make([]byte, 12), []byte("SoundHandler\x00"))
	esds := fullBox("esds", 0, []byte{3, 13, 0, 1, 0, 4, 8, 0x6b, 0x15, 0, 0, 0, 0, 0, 0, 0})
	entry := box("mp4a", make([]byte, 28), esds)
	stsd := fullBox("stsd", 0, be32(1), entry)
	return box("trak", box("mdia", mdhd, hdlr, box("minf", box("stbl", stsd))))
}

func (m testMP4) bytes() []byte {
	brand := m.brand
	if brand == "" {
		brand = "isom"
	}
	ftyp := box("ftyp", []byte(brand), be32(512), []byte(brand), []byte("mp41"))
	udta := box("udta", cat(
		box("\xa9too", be16(13), be16(0x55c4), []byte("Lavf59.27.100")),
		box("\xa9mak", be16(4), be16(0x55c4), []byte("Acme")),
	), cat(m.udta...))
	body := cat(mvhdBox(m.mvhdV1, m.created), videoTrak(m.edts, m.stts), audioTrak(), udta)
	moov := box("moov", body)
	if m.largeMoov {
		moov = largeBox("moov", body)
	}
	return cat(ftyp, m.before, moov, m.mdat)
}

// created2026 is 2026-11-26T01:30:15Z in seconds since 1904.
const created2026 = 1795656615 + epoch1904

// testJPEG encodes a small JPEG and inserts app1, if any, after SOI.
func testJPEG(t testing.TB, w, h int, app1 []byte) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.Gray{Y: 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if app1 == nil {
		return b
	}
	seg := cat([]byte{0xff, 0xe1}, be16(uint16(2+len(app1))), app1)
	return cat(b[:2], seg, b[2:])
}

// exifOrder is a byte order that can also append.
type exifOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifEntry is one IFD entry for testEXIF.
type exifEntry struct {
	tag uint16
	val string // ASCII; a tag of 0x8769 gets the Exif IFD pointer instead
}

// testEXIF builds "Exif\0\0" and a TIFF structure with IFD0 and, when
// exif is non-empty, an Exif sub-IFD, in the given byte order.
func testEXIF(bo exifOrder, ifd0, exif []exifEntry) []byte {
	// Layout: header, IFD0, Exif IFD, then the string data.
	ifd0Off := 8
	n0 := len(ifd0)
	if len(exif) > 0 {
		n0++
	}
	exifOff := ifd0Off + 2 + 12*n0 + 4
	dataOff := exifOff
	if len(exif) > 0 {
		dataOff += 2 + 12*len(exif) + 4
	}
	var data []byte
	ifd := func(entries []exifEntry, ptr bool) []byte {
		n := len(entries)
		if ptr {
			n++
		}
		b := bo.AppendUint16(nil, uint16(n))
		for _, e := range entries {
			v := append([]byte(e.val), 0)
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, 2)
			b = bo.AppendUint32(b, uint32(len(v)))
			if len(v) <= 4 {
				b = append(b, append(v, make([]byte, 4-len(v))...)...)
			} else {
				b = bo.AppendUint32(b, uint32(dataOff+len(data)))
				data = append(data, v...)
			}
		}
		if ptr {
			b = bo.AppendUint16(b, 0x8769)
			b = bo.AppendUint16(b, 4)
			b = bo.AppendUint32(b, 1)
			b = bo.AppendUint32(b, uint32(exifOff))
		}
		return bo.AppendUint32(b, 0)
	}
	order := "II"
	if bo.String() == binary.BigEndian.String() {
		order = "MM"
	}
	hdr := cat([]byte(order), bo.AppendUint16(nil, 42), bo.AppendUint32(nil, uint32(ifd0Off)))
	b := cat(hdr, ifd(ifd0, len(exif) > 0))
	if len(exif) > 0 {
		b = cat(b, ifd(exif, false))
	}
	return cat([]byte("Exif\x00\x00"), b, data)
}

// checkFactsSane asserts what must hold for any Facts, whatever the input.
func checkFactsSane(t *testing.T, f Facts) {
	t.Helper()
	if !f.Kind.Valid() {
		t.Errorf("Kind = %q, not a valid kind", f.Kind)
	}
	if len(f.Tags) > maxTags {
		t.Errorf("%d tags, more than %d", len(f.Tags), maxTags)
	}
	for k, v := range f.Tags {
		if len(v) > maxTagLen || !utf8.ValidString(v) || !utf8.ValidString(k) {
			t.Errorf("tag %q: bad value of %d bytes", k, len(v))
		}
	}
	if f.Duration < 0 || f.Width < 0 || f.Height < 0 || f.Bitrate < 0 || f.Splices < 0 || f.Splices > maxEdits || f.StalledSamples < 0 {
		t.Errorf("negative numbers in %+v", f)
	}
	if !f.CreatedAt.IsZero() && f.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v not in UTC", f.CreatedAt)
	}
}
