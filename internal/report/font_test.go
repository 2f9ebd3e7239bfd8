package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/go-pdf/fpdf"
)

// systemFont returns the installed WenQuanYi Micro Hei, skipping when it is
// missing unless SHILU_TEST_DISALLOW_SKIP=1 (CI), which makes that a failure.
func systemFont(t *testing.T) []byte {
	t.Helper()
	font, err := LoadFont(DefaultFontPath)
	if err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatalf("%v", err)
		}
		t.Skipf("%v", err)
	}
	return font
}

// parsedTable is a table record read back from an extracted font.
type parsedTable struct {
	tag              string
	checksum, off, n uint32
}

// parseTTF reads back the table directory of a standalone font, checking
// that every table lies inside the file on a 4-byte boundary and that the
// stored checksums match the data.
func parseTTF(t *testing.T, b []byte) []parsedTable {
	t.Helper()
	be := binary.BigEndian
	if len(b) < 12 {
		t.Fatalf("font of %d bytes", len(b))
	}
	if v := be.Uint32(b); v != 0x00010000 && string(b[:4]) != "true" {
		t.Fatalf("sfnt version %#x", v)
	}
	n := int(be.Uint16(b[4:]))
	var tables []parsedTable
	for i := range n {
		r := b[12+16*i:]
		pt := parsedTable{string(r[:4]), be.Uint32(r[4:]), be.Uint32(r[8:]), be.Uint32(r[12:])}
		if pt.off%4 != 0 || uint64(pt.off)+uint64(pt.n) > uint64(len(b)) || pt.off < uint32(12+16*n) {
			t.Fatalf("table %s at %d+%d in a file of %d", pt.tag, pt.off, pt.n, len(b))
		}
		data := append([]byte{}, b[pt.off:pt.off+pt.n]...)
		if pt.tag == "head" {
			be.PutUint32(data[8:], 0) // the checksum is over head with the adjustment zeroed
		}
		if got := checksum(data); got != pt.checksum {
			t.Errorf("table %s: checksum %#x, record says %#x", pt.tag, got, pt.checksum)
		}
		if i > 0 && tables[i-1].tag >= pt.tag {
			t.Errorf("tables out of order: %s after %s", pt.tag, tables[i-1].tag)
		}
		tables = append(tables, pt)
	}
	return tables
}

// A synthetic collection of two fonts: font 1 comes out alone, its tables
// copied at new, aligned offsets, the file's checksum adjusted.
func TestExtractTTCSynthetic(t *testing.T) {
	be := binary.BigEndian
	tables := map[string][]byte{
		"cmap": []byte("abcde"),
		"head": make([]byte, 54),
		"name": []byte("shilu 实录"),
	}
	copy(tables["head"][12:], []byte{0x5F, 0x0F, 0x3C, 0xF5}) // magic
	// Layout: TTC header (12 + 2×4), font 0 (a header with no tables),
	// font 1's directory (12 + 3×16), then the table data, unaligned.
	var ttc bytes.Buffer
	put := func(v any) {
		if err := binary.Write(&ttc, be, v); err != nil {
			t.Fatal(err)
		}
	}
	ttc.WriteString("ttcf")
	put(uint32(0x00010000))
	put(uint32(2))
	put(uint32(20))
	put(uint32(32))
	put([]uint32{0x00010000, 0, 0}) // font 0: no tables
	put(uint32(0x00010000))
	put([]uint16{3, 32, 1, 16})
	off := uint32(32 + 12 + 3*16)
	var data bytes.Buffer
	for _, tag := range []string{"cmap", "head", "name"} {
		ttc.WriteString(tag)
		put(checksum(tables[tag]))
		put(off + uint32(data.Len()))
		put(uint32(len(tables[tag])))
		data.Write(tables[tag])
		data.WriteByte(0xEE) // misalign the next table
	}
	ttc.Write(data.Bytes())

	out, err := ExtractTTC(ttc.Bytes(), 1)
	if err != nil {
		t.Fatal(err)
	}
	got := parseTTF(t, out)
	if len(got) != 3 {
		t.Fatalf("%d tables, want 3", len(got))
	}
	for _, pt := range got {
		want := tables[pt.tag]
		have := out[pt.off : pt.off+pt.n]
		if pt.tag == "head" {
			have = append([]byte{}, have...)
			be.PutUint32(have[8:], 0)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("table %s: %q, want %q", pt.tag, have, want)
		}
	}
	if sum := checksum(out); sum != 0xB1B0AFBA {
		t.Errorf("file checksum %#x, want 0xB1B0AFBA", sum)
	}
	if _, err := ExtractTTC(ttc.Bytes(), 2); err == nil {
		t.Error("font 2 of 2: no error")
	}
	if _, err := ExtractTTC([]byte("OTTO...."), 0); err == nil {
		t.Error("not a collection: no error")
	}
}

// Font 0 of WenQuanYi Micro Hei is a valid TrueType file that fpdf accepts
// and renders Chinese with.
func TestExtractTTCWenQuanYi(t *testing.T) {
	font := systemFont(t)
	tags := map[string]bool{}
	for _, pt := range parseTTF(t, font) {
		tags[pt.tag] = true
	}
	for _, need := range []string{"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post"} {
		if !tags[need] {
			t.Errorf("no %s table", need)
		}
	}
	if sum := checksum(font); sum != 0xB1B0AFBA {
		t.Errorf("file checksum %#x, want 0xB1B0AFBA", sum)
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("wqy", "", font)
	f.AddPage()
	f.SetFont("wqy", "", 12)
	f.Cell(40, 10, "保管链记录 custody")
	var out bytes.Buffer
	if err := f.Output(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("%PDF-")) {
		t.Error("not a PDF")
	}
}

func TestLoadFontMissing(t *testing.T) {
	_, err := LoadFont(t.TempDir() + "/none.ttc")
	if !errors.Is(err, ErrNoFont) {
		t.Fatalf("err %v, want ErrNoFont", err)
	}
}
