package media

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText turns bytes from a file into a tag value fit to store and show:
// valid UTF-8, no control characters (they can forge log lines and confuse
// terminals), no padding, at most maxTagLen bytes cut on a rune boundary.
func cleanText(s string) string {
	if len(s) > 4*maxTagLen {
		s = s[:4*maxTagLen] // bound the work below; the result is cut again
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxTagLen {
		cut := maxTagLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// readFull reads exactly n bytes at off. Callers bound n: it is never taken
// from the file unchecked, so a lying size cannot make us allocate gigabytes.
func readFull(r io.ReaderAt, off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := r.ReadAt(b, off)
	if m == n {
		// ReadAt may return io.EOF alongside a full read at the end of input.
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// Big-endian reads of slices whose length the caller has checked.
func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func u32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func u64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// printableFourCC reports whether a box or codec type is plain ASCII, so it
// can be shown as a name instead of as bytes from a hostile file.
func printableFourCC(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
