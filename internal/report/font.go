// Package report renders printable PDF reports of the custody log, with
// Chinese text, for readers who will not use the workbench: an A4 table
// with the checkpoint that lets the reader verify every row.
//
// Chinese needs a TrueType font with CJK glyphs. fpdf reads only plain
// TrueType (glyf outlines), not collections (.ttc) nor CFF-based OpenType:
// WenQuanYi Micro Hei (Debian fonts-wqy-microhei) fits once its font 0 is
// taken out of the collection, which ExtractTTC does in memory.
package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

// DefaultFontPath is where Debian's fonts-wqy-microhei installs WenQuanYi
// Micro Hei.
const DefaultFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// FontPackage names the Debian package that provides the default font.
const FontPackage = "fonts-wqy-microhei"

// ErrNoFont reports that the font file is missing: PDF reports are
// unavailable until it is installed, rather than rendered with missing
// glyphs.
var ErrNoFont = errors.New("report: Chinese font not installed")

// LoadFont reads the font at path and returns standalone TrueType bytes for
// fpdf: font 0 of a collection (.ttc), or the file itself. A missing file
// gives an error wrapping ErrNoFont.
func LoadFont(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s (install the Debian package %s)", ErrNoFont, path, FontPackage)
	}
	if err != nil {
		return nil, fmt.Errorf("report: read font: %w", err)
	}
	if len(data) >= 4 && string(data[:4]) == "ttcf" {
		return ExtractTTC(data, 0)
	}
	return data, nil
}

// tableRecord is one entry of an sfnt table directory.
type tableRecord struct {
	tag            [4]byte
	checksum       uint32
	offset, length uint32
}

// ExtractTTC returns font n of a TrueType collection as a standalone
// TrueType file: the offset table and table records of font n, with each
// table's data copied after them at new offsets, 4-byte aligned and
// zero-padded (table checksums are over padded data, so they stay valid).
// The head table's checksum and checkSumAdjustment are recomputed for the
// new file.
func ExtractTTC(ttc []byte, n int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("report: not a TrueType collection")
	}
	count := be.Uint32(ttc[8:12])
	if n < 0 || uint32(n) >= count || 12+4*uint64(count) > uint64(len(ttc)) {
		return nil, fmt.Errorf("report: collection has no font %d (it has %d)", n, count)
	}
	off := uint64(be.Uint32(ttc[12+4*n:]))
	if off+12 > uint64(len(ttc)) {
		return nil, errors.New("report: font offset beyond the collection")
	}
	sfnt := ttc[off:]
	numTables := int(be.Uint16(sfnt[4:6]))
	if 12+16*uint64(numTables) > uint64(len(sfnt)) {
		return nil, errors.New("report: truncated table directory")
	}
	recs := make([]tableRecord, numTables)
	for i := range recs {
		b := sfnt[12+16*i:]
		copy(recs[i].tag[:], b[:4])
		recs[i].checksum, recs[i].offset, recs[i].length = be.Uint32(b[4:]), be.Uint32(b[8:]), be.Uint32(b[12:])
		if uint64(recs[i].offset)+uint64(recs[i].length) > uint64(len(ttc)) {
			return nil, fmt.Errorf("report: table %q beyond the collection", recs[i].tag[:])
		}
	}
	// Table records are sorted by tag in a valid font; keep them so.
	sort.Slice(recs, func(i, j int) bool { return string(recs[i].tag[:]) < string(recs[j].tag[:]) })

	size := 12 + 16*numTables
	for _, r := range recs {
		size += int(pad4(r.length))
	}
	out := make([]byte, size)
	copy(out[:12], sfnt[:12]) // sfnt version, numTables, searchRange, entrySelector, rangeShift
	pos, head, headRec := uint32(12+16*numTables), -1, 0
	for i, r := range recs {
		rec := out[12+16*i:]
		copy(rec[:4], r.tag[:])
		be.PutUint32(rec[4:], r.checksum)
		be.PutUint32(rec[8:], pos)
		be.PutUint32(rec[12:], r.length)
		copy(out[pos:], ttc[r.offset:r.offset+r.length])
		if string(r.tag[:]) == "head" && r.length >= 12 {
			head, headRec = int(pos), 12+16*i
		}
		pos += pad4(r.length)
	}
	if head >= 0 {
		// The spec sums head with checkSumAdjustment zeroed; some fonts
		// (WenQuanYi among them) record a sum over their own adjustment.
		n := be.Uint32(out[headRec+12:])
		be.PutUint32(out[head+8:], 0)
		be.PutUint32(out[headRec+4:], checksum(out[head:head+int(n)]))
		be.PutUint32(out[head+8:], 0xB1B0AFBA-checksum(out))
	}
	return out, nil
}

func pad4(n uint32) uint32 { return (n + 3) &^ 3 }

// checksum is the sfnt checksum: the sum of big-endian uint32 words.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i+4 <= len(b); i += 4 {
		sum += binary.BigEndian.Uint32(b[i:])
	}
	if r := len(b) % 4; r != 0 {
		var last [4]byte
		copy(last[:], b[len(b)-r:])
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}
