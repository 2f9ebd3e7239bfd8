package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// maxJPEGSegments bounds the markers visited before the frame header. Real
// files have about a dozen; the cap only stops a file of fill bytes or empty
// segments from keeping us busy.
const maxJPEGSegments = 1024

// isJPEGHeader reports whether b starts with a JPEG start-of-image marker.
func isJPEGHeader(b []byte) bool {
	return len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff
}

// ParseJPEG reads the facts of a JPEG photo of the given size from r: the
// dimensions from the frame header and, from EXIF, when it was taken and by
// which camera (Make, Model, and Software as Encoder). EXIF times carry no
// zone unless the camera wrote OffsetTimeOriginal; zone-less times are the
// device's local time and are read in loc (nil means UTC). Only the segments
// before the image data are read. On error the Facts are {Kind: KindUnknown}.
func ParseJPEG(r io.ReaderAt, size int64, loc *time.Location) (Facts, error) {
	f, err := parseJPEG(r, size, loc)
	if err != nil {
		return Facts{Kind: evidence.KindUnknown}, err
	}
	return f, nil
}

func parseJPEG(r io.ReaderAt, size int64, loc *time.Location) (Facts, error) {
	head, err := readFull(r, 0, int(max(0, min(size, 3))))
	if err != nil || !isJPEGHeader(head) {
		return Facts{}, errors.New("media: not a JPEG file")
	}
	f := Facts{Kind: evidence.KindPhoto, Container: "jpeg", VideoCodec: "mjpeg", Prober: "jpeg"}
	sof, exifDone := false, false
	off := int64(2)
	for n := 0; ; n++ {
		if n >= maxJPEGSegments {
			return Facts{}, fmt.Errorf("media: more than %d JPEG segments", maxJPEGSegments)
		}
		if size-off < 2 {
			break
		}
		m, err := readFull(r, off, int(min(size-off, 4)))
		if err != nil {
			return Facts{}, fmt.Errorf("media: read JPEG marker at offset %d: %w", off, err)
		}
		if m[0] != 0xff {
			return Facts{}, fmt.Errorf("media: bad JPEG marker at offset %d", off)
		}
		marker := m[1]
		switch {
		case marker == 0xff: // fill byte before a marker
			off++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			off += 2
			continue
		case marker == 0xd9 || marker == 0xda: // end of image, start of scan
			if !sof {
				return Facts{}, errors.New("media: no JPEG frame header")
			}
			return f, nil
		}
		if len(m) < 4 || int64(u16(m[2:])) < 2 {
			return Facts{}, fmt.Errorf("media: truncated JPEG segment at offset %d", off)
		}
		segLen := int64(u16(m[2:])) // includes the two length bytes
		body, bodyLen := off+4, segLen-2
		if body+bodyLen > size {
			return Facts{}, fmt.Errorf("media: truncated JPEG segment at offset %d", off)
		}
		switch {
		case isSOF(marker) && !sof:
			b, err := readFull(r, body, int(min(bodyLen, 5)))
			if err != nil {
				return Facts{}, fmt.Errorf("media: read JPEG frame header: %w", err)
			}
			if len(b) == 5 {
				f.Height, f.Width = int(u16(b[1:])), int(u16(b[3:]))
			}
			sof = true
		case marker == 0xe1 && !exifDone && bodyLen > 6:
			// The length field is 16 bits, so this read is at most 64 KiB.
			b, err := readFull(r, body, int(bodyLen))
			if err != nil {
				return Facts{}, fmt.Errorf("media: read JPEG APP1: %w", err)
			}
			if string(b[:6]) == "Exif\x00\x00" {
				exifDone = true
				// A broken EXIF block costs us the time, not the photo.
				if x, err := parseEXIF(b[6:]); err == nil {
					x.apply(&f, loc)
				}
			}
		}
		off = body + bodyLen
	}
	if !sof {
		return Facts{}, errors.New("media: no JPEG frame header")
	}
	return f, nil
}

// isSOF reports whether marker starts a frame; C4, C8 and CC share the
// range but are tables and a reserved code.
func isSOF(marker byte) bool {
	return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
}

// exifInfo holds the EXIF fields we use, as written.
type exifInfo struct {
	make, model, software string
	dateTime, original    string // DateTime (0x0132), DateTimeOriginal (0x9003)
	offset, offsetOrig    string // OffsetTime (0x9010), OffsetTimeOriginal (0x9011)
}

// maxIFDEntries bounds one IFD; cameras write a few dozen entries.
const maxIFDEntries = 512

// parseEXIF reads a TIFF structure (the APP1 body after "Exif\0\0"): IFD0
// for make, model, software and DateTime, and the Exif sub-IFD it points to
// for the original date. Offsets are checked against b, which the JPEG
// segment length bounds to 64 KiB, and only that one pointer is followed,
// so a hostile file can neither read out of bounds nor loop.
func parseEXIF(b []byte) (exifInfo, error) {
	var x exifInfo
	if len(b) < 8 {
		return x, errors.New("media: truncated EXIF header")
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return x, errors.New("media: bad EXIF byte order")
	}
	if bo.Uint16(b[2:]) != 42 {
		return x, errors.New("media: bad EXIF magic")
	}
	var exifIFD uint32
	err := walkIFD(b, bo, bo.Uint32(b[4:]), func(tag uint16, typ uint16, count uint32, val []byte) {
		switch tag {
		case 0x010f:
			x.make = exifASCII(b, bo, typ, count, val)
		case 0x0110:
			x.model = exifASCII(b, bo, typ, count, val)
		case 0x0131:
			x.software = exifASCII(b, bo, typ, count, val)
		case 0x0132:
			x.dateTime = exifASCII(b, bo, typ, count, val)
		case 0x8769:
			if typ == 4 || typ == 13 { // LONG or IFD
				exifIFD = bo.Uint32(val)
			}
		}
	})
	if err != nil {
		return x, err
	}
	if exifIFD == 0 {
		return x, nil
	}
	err = walkIFD(b, bo, exifIFD, func(tag uint16, typ uint16, count uint32, val []byte) {
		switch tag {
		case 0x9003:
			x.original = exifASCII(b, bo, typ, count, val)
		case 0x9010:
			x.offset = exifASCII(b, bo, typ, count, val)
		case 0x9011:
			x.offsetOrig = exifASCII(b, bo, typ, count, val)
		}
	})
	return x, err
}

// walkIFD calls fn for each 12-byte entry of the IFD at off; val is the
// 4-byte value-or-offset field.
func walkIFD(b []byte, bo binary.ByteOrder, off uint32, fn func(tag, typ uint16, count uint32, val []byte)) error {
	if uint64(off)+2 > uint64(len(b)) {
		return fmt.Errorf("media: EXIF IFD offset %d out of range", off)
	}
	n := int(bo.Uint16(b[off:]))
	if n > maxIFDEntries {
		return fmt.Errorf("media: EXIF IFD with %d entries", n)
	}
	p := int(off) + 2
	for i := 0; i < n; i++ {
		e := p + 12*i
		if e+12 > len(b) {
			return errors.New("media: truncated EXIF IFD")
		}
		fn(bo.Uint16(b[e:]), bo.Uint16(b[e+2:]), bo.Uint32(b[e+4:]), b[e+8:e+12])
	}
	return nil
}

// exifASCII returns an ASCII value: inline when it fits in four bytes,
// otherwise at the offset val holds. Out-of-range values give "".
func exifASCII(b []byte, bo binary.ByteOrder, typ uint16, count uint32, val []byte) string {
	if typ != 2 || count == 0 {
		return ""
	}
	var s []byte
	if count <= 4 {
		s = val[:count]
	} else {
		off := uint64(bo.Uint32(val))
		if off+uint64(count) > uint64(len(b)) {
			return ""
		}
		s = b[off : off+uint64(count)]
	}
	if i := strings.IndexByte(string(s), 0); i >= 0 {
		s = s[:i]
	}
	return cleanText(string(s))
}

// apply copies what EXIF says into f.
func (x exifInfo) apply(f *Facts, loc *time.Location) {
	f.setTag("make", x.make)
	f.setTag("model", x.model)
	f.Encoder = x.software
	if t := exifTime(x.original, x.offsetOrig, loc); !t.IsZero() {
		f.CreatedAt = t
	} else {
		f.CreatedAt = exifTime(x.dateTime, x.offset, loc)
	}
}

// exifTime parses an EXIF "2006:01:02 15:04:05" time. EXIF 2.31 added
// offset tags ("+08:00"); without one the time is the camera's wall clock,
// read in loc. Blank or impossible times ("0000:00:00 00:00:00") are zero.
func exifTime(s, offset string, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if o, err := time.Parse("-07:00", strings.TrimSpace(offset)); err == nil {
		_, sec := o.Zone()
		loc = time.FixedZone("", sec)
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
