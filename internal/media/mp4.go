package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// Limits for walking ISO BMFF boxes of untrusted files. Real files nest about
// eight deep and hold a few hundred boxes in moov; the caps only stop
// hostile files from making us loop or recurse without end.
const (
	maxBoxDepth = 16
	maxBoxes    = 10000
	// maxEntryRead bounds how much of a sample entry, ilst item or udta
	// string we read: enough for the fixed fields and the small child boxes
	// that name the codec, while cover art and the like are cut off.
	maxEntryRead = maxTagLen + 512
	// maxKeysRead bounds the QuickTime keys box; Apple writes a few dozen keys.
	maxKeysRead = 64 << 10
	maxKeyLen   = 256
	// maxEdits bounds the edit-list entries read per track: a camera writes
	// one or two, so beyond this the count is all that matters.
	maxEdits = 1000
	// maxTimeEntries bounds the time-to-sample entries read per track,
	// 8 bytes each, read 4 KiB at a time: a variable-rate hour-long
	// recording needs a few hundred thousand.
	maxTimeEntries = 1 << 20
)

var errNotMP4 = errors.New("media: not an MP4/MOV file")

// epoch1904 is the offset between QuickTime's epoch (1904-01-01 UTC) and
// the Unix epoch, in seconds.
const epoch1904 = 2082844800

// isMP4Header reports whether the first bytes of a file look like ISO BMFF
// or QuickTime: they start with a box of a type that opens such files.
func isMP4Header(b []byte) bool {
	return len(b) >= 8 && isTopLevel(string(b[4:8]))
}

// ParseMP4 reads the facts of an MP4 or QuickTime MOV file of the given size
// from r. It reads only box headers and the small boxes it needs, seeking
// past media data, so memory stays flat for files of any size. Input is
// treated as hostile: sizes are checked against their parents and nothing
// is allocated from an unchecked size. On error the Facts are
// {Kind: KindUnknown}.
//
// Creation times of 0 are unknown; values below the 1904→1970 offset are
// taken as Unix seconds, as ffmpeg does, because some camera firmware
// writes them that way. Many cameras also write their local time where the
// format asks for UTC; that cannot be detected here.
func ParseMP4(r io.ReaderAt, size int64) (Facts, error) {
	p := &mp4Parser{r: r, size: size}
	if err := p.parse(); err != nil {
		return Facts{Kind: evidence.KindUnknown}, err
	}
	return p.f, nil
}

type mp4Parser struct {
	r     io.ReaderAt
	size  int64
	boxes int
	f     Facts

	brand    string
	moov     bool
	created  time.Time
	mvhdTS   uint32
	mvhdDur  uint64
	mehdDur  uint64
	trackDur time.Duration

	trk        *mp4Track
	video      bool
	audio      bool
	videoFirst bool
	audioFirst bool

	// metaHandler and keys belong to the meta box being walked: mdta items
	// are numbered by their index into keys.
	metaHandler string
	keys        []string
}

type mp4Track struct {
	handler       string
	entry         string // first sample entry type
	codec         string // codec refined from the entry's contents
	width, height int    // from the visual sample entry
	tkhdW, tkhdH  int    // from tkhd, used when the entry has none
	timescale     uint32
	duration      uint64
	samples       uint32
	splices       int   // edit-list entries after the first one that shows media
	stalled       int64 // samples whose decoding time does not advance
}

type boxHdr struct {
	typ              string
	start, body, end int64
}

func (b boxHdr) bodyLen() int64 { return b.end - b.body }

// header reads the box header at off. A box whose end lies past limit is
// returned as is; the caller decides whether that is an error.
func (p *mp4Parser) header(off, limit int64) (boxHdr, error) {
	p.boxes++
	if p.boxes > maxBoxes {
		return boxHdr{}, fmt.Errorf("media: more than %d boxes", maxBoxes)
	}
	if limit-off < 8 {
		return boxHdr{}, fmt.Errorf("media: truncated box header at offset %d", off)
	}
	b, err := readFull(p.r, off, 8)
	if err != nil {
		return boxHdr{}, fmt.Errorf("media: read box header at offset %d: %w", off, err)
	}
	h := boxHdr{typ: string(b[4:8]), start: off, body: off + 8}
	size := uint64(u32(b))
	switch size {
	case 0: // the box extends to the end of its parent (the file at top level)
		size = uint64(limit - off)
	case 1: // 64-bit largesize follows the type
		if limit-off < 16 {
			return boxHdr{}, fmt.Errorf("media: truncated box %q at offset %d", h.typ, off)
		}
		b, err = readFull(p.r, off+8, 8)
		if err != nil {
			return boxHdr{}, fmt.Errorf("media: read box header at offset %d: %w", off, err)
		}
		size = u64(b)
		h.body = off + 16
		if size < 16 {
			return boxHdr{}, fmt.Errorf("media: bad size %d of box %q at offset %d", size, h.typ, off)
		}
	default:
		if size < 8 {
			return boxHdr{}, fmt.Errorf("media: bad size %d of box %q at offset %d", size, h.typ, off)
		}
	}
	if size > uint64(math.MaxInt64-off) {
		h.end = math.MaxInt64
	} else {
		h.end = off + int64(size)
	}
	return h, nil
}

func (p *mp4Parser) parse() error {
	if p.size < 8 {
		return errNotMP4
	}
	var cut *boxHdr // a top-level box running past the end of the file
	for off := int64(0); off < p.size && !p.moov; {
		if p.size-off < 8 {
			break // trailing bytes too short for a box: ignore, as players do
		}
		if off == 0 {
			b, err := readFull(p.r, 0, 8)
			if err != nil {
				return fmt.Errorf("media: read header: %w", err)
			}
			if !isMP4Header(b) {
				return errNotMP4
			}
		}
		h, err := p.header(off, p.size)
		if err != nil {
			return err
		}
		if h.end > p.size {
			// An interrupted recording leaves an mdat running to where the
			// header said it would end; nothing after it can be read.
			cut = &h
			if h.typ != "moov" {
				break
			}
			return fmt.Errorf("media: truncated box %q at offset %d", h.typ, h.start)
		}
		switch h.typ {
		case "ftyp":
			if err := p.ftyp(h); err != nil {
				return err
			}
		case "moov":
			if err := p.walk(h, 1); err != nil {
				return err
			}
			// Everything we need is in moov; fragmented files follow it
			// with thousands of moof/mdat pairs not worth walking.
			p.moov = true
		}
		off = h.end
	}
	if !p.moov {
		if cut != nil {
			return fmt.Errorf("media: truncated box %q at offset %d and no moov box: recording not finalized?", cut.typ, cut.start)
		}
		return errors.New("media: no moov box")
	}
	p.finish()
	return nil
}

// isTopLevel reports whether typ may appear at the top level of a file; the
// first box must be one of these for the file to count as MP4/MOV.
func isTopLevel(typ string) bool {
	switch typ {
	case "ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "meta", "styp", "sidx", "moof", "mfra", "pdin", "junk":
		return true
	}
	return false
}

// walk visits the children of parent.
func (p *mp4Parser) walk(parent boxHdr, depth int) error {
	return p.walkRange(parent.typ, parent.body, parent.end, depth)
}

func (p *mp4Parser) walkRange(parent string, start, end int64, depth int) error {
	if depth > maxBoxDepth {
		return fmt.Errorf("media: boxes nested deeper than %d", maxBoxDepth)
	}
	for off := start; off < end; {
		if end-off < 8 {
			break // QuickTime ends some lists with a 4-byte zero terminator
		}
		h, err := p.header(off, end)
		if err != nil {
			return err
		}
		if h.end > end {
			return fmt.Errorf("media: truncated box %q at offset %d", h.typ, h.start)
		}
		if err := p.child(parent, h, depth); err != nil {
			return err
		}
		off = h.end
	}
	return nil
}

// child handles one box by its place in the tree. Only the boxes named here
// are read; all others are skipped by their size.
func (p *mp4Parser) child(parent string, h boxHdr, depth int) error {
	switch parent + "/" + h.typ {
	case "moov/mvhd":
		return p.mvhd(h)
	case "moov/trak":
		p.trk = &mp4Track{}
		if err := p.walk(h, depth+1); err != nil {
			return err
		}
		p.endTrack(p.trk)
		p.trk = nil
	case "moov/mvex", "trak/mdia", "mdia/minf", "minf/stbl", "trak/edts":
		return p.walk(h, depth+1)
	case "edts/elst":
		return p.elst(h)
	case "stbl/stts":
		return p.stts(h)
	case "moov/udta":
		// Only the movie's udta: track-level user data describes a track,
		// and ffprobe reports it per stream, not for the file.
		return p.walk(h, depth+1)
	case "moov/meta", "udta/meta":
		return p.meta(h, depth)
	case "mvex/mehd":
		return p.mehd(h)
	case "trak/tkhd":
		return p.tkhd(h)
	case "mdia/mdhd":
		return p.mdhd(h)
	case "mdia/hdlr":
		b, err := p.body(h, 12)
		if err != nil {
			return err
		}
		if len(b) == 12 && p.trk != nil {
			p.trk.handler = string(b[8:12])
		}
	case "stbl/stsd":
		return p.stsd(h)
	case "stbl/stsz", "stbl/stz2":
		b, err := p.body(h, 12)
		if err != nil {
			return err
		}
		if len(b) == 12 && p.trk != nil {
			p.trk.samples = u32(b[8:])
		}
	case "meta/hdlr":
		b, err := p.body(h, 12)
		if err != nil {
			return err
		}
		if len(b) == 12 {
			p.metaHandler = string(b[8:12])
		}
	case "meta/keys":
		return p.keysBox(h)
	case "meta/ilst":
		return p.walk(h, depth+1)
	default:
		switch parent {
		case "udta":
			return p.udtaItem(h)
		case "ilst":
			return p.ilstItem(h)
		}
	}
	return nil
}

// elst reads a track's edit list, which maps the media's timeline onto the
// presentation's. A camera writes one edit, maybe after an empty one (a
// start offset) or with a media time past 0 (encoder delay). Every entry
// after the first that shows media — another piece of media, or an empty
// span — joins pieces into one presentation: a cut, an insertion or a
// reordering made by an editor (Art. 11; R-ACT-8). Only the entries are
// counted; what they show is left to the reviewer.
func (p *mp4Parser) elst(h boxHdr) error {
	if p.trk == nil {
		return nil
	}
	b, err := p.body(h, 8)
	if err != nil || len(b) < 8 {
		return err
	}
	size := int64(12) // segment_duration, media_time (32 bit), rate
	if b[0] == 1 {
		size = 20
	}
	n := min(int64(u32(b[4:8])), (h.bodyLen()-8)/size, maxEdits)
	if n <= 0 {
		return nil
	}
	entries, err := readFull(p.r, h.body+8, int(n*size))
	if err != nil {
		return fmt.Errorf("media: read box %q at offset %d: %w", h.typ, h.start, err)
	}
	shown := false
	for i := int64(0); i < n; i++ {
		e := entries[i*size:]
		empty := int32(u32(e[4:8])) == -1
		if size == 20 {
			empty = int64(u64(e[8:16])) == -1
		}
		if shown {
			p.trk.splices++
		}
		shown = shown || !empty
	}
	return nil
}

// stts reads a track's decoding time-to-sample table: runs of samples and
// the time from each to the next. A zero delta means a sample decodes at the
// same time as the one after it: timestamps that do not increase, which a
// recorder never writes and joined or doctored streams do (R-ACT-8). The
// last sample's delta is only its duration, which some writers leave 0, so
// a final single zero does not count.
func (p *mp4Parser) stts(h boxHdr) error {
	if p.trk == nil {
		return nil
	}
	b, err := p.body(h, 8)
	if err != nil || len(b) < 8 {
		return err
	}
	n := min(int64(u32(b[4:8])), (h.bodyLen()-8)/8, maxTimeEntries)
	const chunk = 512 // entries per read
	for i := int64(0); i < n; i += chunk {
		k := min(chunk, n-i)
		buf, err := readFull(p.r, h.body+8+i*8, int(k*8))
		if err != nil {
			return fmt.Errorf("media: read box %q at offset %d: %w", h.typ, h.start, err)
		}
		for j := int64(0); j < k; j++ {
			count, delta := int64(u32(buf[j*8:])), u32(buf[j*8+4:])
			if delta != 0 {
				continue
			}
			if i+j == n-1 && count > 0 {
				count-- // the last sample's own duration
			}
			p.trk.stalled += count
		}
	}
	return nil
}

// body reads up to n bytes of h's body; fewer when the body is shorter.
func (p *mp4Parser) body(h boxHdr, n int) ([]byte, error) {
	if l := h.bodyLen(); l < int64(n) {
		n = int(l)
	}
	b, err := readFull(p.r, h.body, n)
	if err != nil {
		return nil, fmt.Errorf("media: read box %q at offset %d: %w", h.typ, h.start, err)
	}
	return b, nil
}

func (p *mp4Parser) ftyp(h boxHdr) error {
	b, err := p.body(h, 8+4*64)
	if err != nil {
		return err
	}
	if len(b) < 8 {
		return fmt.Errorf("media: truncated box %q at offset %d", h.typ, h.start)
	}
	p.brand = string(b[:4])
	p.f.setTag("major_brand", p.brand)
	p.f.setTag("minor_version", strconv.FormatUint(uint64(u32(b[4:8])), 10))
	// ffprobe shows the compatible brands run together; so do we, so that
	// both probers give the same tags.
	p.f.setTag("compatible_brands", string(b[8:len(b)-len(b)%4]))
	return nil
}

// times reads the creation time, timescale and duration shared by the
// layouts of mvhd and mdhd.
func (p *mp4Parser) times(h boxHdr) (created uint64, timescale uint32, duration uint64, ok bool, err error) {
	b, err := p.body(h, 32)
	if err != nil {
		return 0, 0, 0, false, err
	}
	if len(b) < 4 {
		return 0, 0, 0, false, nil
	}
	switch b[0] {
	case 0:
		if len(b) < 20 {
			return 0, 0, 0, false, nil
		}
		d := uint64(u32(b[16:20]))
		if d == math.MaxUint32 {
			d = 0 // all ones: duration unknown
		}
		return uint64(u32(b[4:8])), u32(b[12:16]), d, true, nil
	case 1:
		if len(b) < 32 {
			return 0, 0, 0, false, nil
		}
		d := u64(b[24:32])
		if d == math.MaxUint64 {
			d = 0
		}
		return u64(b[4:12]), u32(b[20:24]), d, true, nil
	}
	return 0, 0, 0, false, nil
}

func (p *mp4Parser) mvhd(h boxHdr) error {
	created, ts, dur, ok, err := p.times(h)
	if err != nil || !ok {
		return err
	}
	p.created = macTime(created)
	p.mvhdTS, p.mvhdDur = ts, dur
	return nil
}

func (p *mp4Parser) mdhd(h boxHdr) error {
	_, ts, dur, ok, err := p.times(h)
	if err != nil || !ok || p.trk == nil {
		return err
	}
	p.trk.timescale, p.trk.duration = ts, dur
	return nil
}

func (p *mp4Parser) mehd(h boxHdr) error {
	b, err := p.body(h, 12)
	if err != nil {
		return err
	}
	switch {
	case len(b) >= 12 && b[0] == 1:
		p.mehdDur = u64(b[4:12])
	case len(b) >= 8 && b[0] == 0:
		p.mehdDur = uint64(u32(b[4:8]))
	}
	return nil
}

// macTime converts seconds since 1904 to a UTC time; 0 is unknown.
func macTime(s uint64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	if s >= epoch1904 {
		s -= epoch1904
	}
	// Beyond year 9999 the value is garbage, and time.Unix would not
	// survive the conversion to int64 anyway.
	if s > 253402300799 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// scaled converts a duration in timescale units without overflowing.
func scaled(d uint64, timescale uint32) time.Duration {
	if timescale == 0 || d == 0 {
		return 0
	}
	ts := uint64(timescale)
	secs, rem := d/ts, d%ts
	if secs > uint64(math.MaxInt64/int64(time.Second))-1 {
		return 0 // longer than 292 years: not a real recording
	}
	return time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second)/ts)
}

func (p *mp4Parser) tkhd(h boxHdr) error {
	b, err := p.body(h, 96)
	if err != nil || p.trk == nil || len(b) < 1 {
		return err
	}
	at := 76 // version 0: 32-bit times
	if b[0] == 1 {
		at = 88
	}
	if len(b) >= at+8 {
		// 16.16 fixed point; the fraction is irrelevant for pixel counts.
		p.trk.tkhdW = int(u32(b[at:]) >> 16)
		p.trk.tkhdH = int(u32(b[at+4:]) >> 16)
	}
	return nil
}

// stsd reads the first sample entry, whose type names the codec. Later
// entries are rare and, in camera files, never differ.
func (p *mp4Parser) stsd(h boxHdr) error {
	if p.trk == nil {
		return nil
	}
	b, err := p.body(h, 8+maxEntryRead)
	if err != nil {
		return err
	}
	if len(b) < 16 || u32(b[4:8]) == 0 {
		return nil
	}
	e := b[8:]
	if n := u32(e); int64(n) < int64(len(e)) {
		if n < 8 {
			return nil
		}
		e = e[:n]
	}
	t := p.trk
	t.entry = string(e[4:8])
	e = e[8:] // the entry's body
	switch t.entry {
	case "mp4a", "mp4v":
		t.codec = esdsCodec(e)
	case "lpcm":
		t.codec = lpcmCodec(e)
	case "in24", "in32", "fl32", "fl64":
		// These are big-endian unless an 'enda' atom in the QuickTime
		// 'wave' extension says otherwise, as ffmpeg writes pcm_s24le.
		if c := entryCodec("soun", t.entry); littleEndian(e) {
			t.codec = strings.TrimSuffix(c, "be") + "le"
		}
	}
	if len(e) >= 28 {
		t.width, t.height = int(u16(e[24:])), int(u16(e[26:]))
	}
	return nil
}

// esdsCodec finds the esds box in an mp4a or mp4v sample entry body and
// maps its object type, since mp4a also carries MP3 and mp4v MPEG-2. It
// returns "" when there is no answer and the entry type must do.
func esdsCodec(e []byte) string {
	// Children follow the fixed fields: 28 bytes for audio (44 or 64 for
	// QuickTime sound versions 1 and 2), 78 for video. Scanning for the
	// esds type is simpler and as reliable as decoding every version.
	for i := 4; i+8 <= len(e); i++ {
		if string(e[i:i+4]) != "esds" {
			continue
		}
		n := int(u32(e[i-4:]))
		end := i - 4 + n
		if n < 12 || end > len(e) {
			end = len(e)
		}
		if c := esdsObjectCodec(e[i+8 : end]); c != "" {
			return c
		}
	}
	return ""
}

// esdsObjectCodec walks an ES_Descriptor to its DecoderConfigDescriptor's
// objectTypeIndication (ISO/IEC 14496-1 7.2.6).
func esdsObjectCodec(b []byte) string {
	tag, body, ok := descriptor(b)
	if !ok || tag != 3 || len(body) < 3 {
		return ""
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 { // streamDependenceFlag
		if len(body) < 2 {
			return ""
		}
		body = body[2:]
	}
	if flags&0x40 != 0 { // URL_Flag
		if len(body) < 1 || len(body) < 1+int(body[0]) {
			return ""
		}
		body = body[1+int(body[0]):]
	}
	if flags&0x20 != 0 { // OCRstreamFlag
		if len(body) < 2 {
			return ""
		}
		body = body[2:]
	}
	tag, body, ok = descriptor(body)
	if !ok || tag != 4 || len(body) < 1 {
		return ""
	}
	switch body[0] {
	case 0x40, 0x66, 0x67, 0x68:
		return "aac"
	case 0x69, 0x6b:
		return "mp3"
	case 0x20:
		return "mpeg4"
	case 0x21:
		return "h264"
	case 0x60, 0x61, 0x62, 0x63, 0x64, 0x65:
		return "mpeg2video"
	case 0x6a:
		return "mpeg1video"
	case 0x6c:
		return "mjpeg"
	case 0xa5:
		return "ac3"
	case 0xa6:
		return "eac3"
	case 0xdd:
		return "vorbis"
	}
	return ""
}

// descriptor splits an MPEG-4 descriptor into tag and body; the length is
// up to four 7-bit groups. A body running past b is cut to what is there.
func descriptor(b []byte) (tag byte, body []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, false
	}
	tag = b[0]
	n, i := 0, 1
	for {
		if i >= len(b) || i > 4 {
			return 0, nil, false
		}
		c := b[i]
		i++
		n = n<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			break
		}
	}
	body = b[i:]
	if n < len(body) {
		body = body[:n]
	}
	return tag, body, true
}

// littleEndian reports whether a sound sample entry body holds an 'enda'
// atom with a non-zero flag.
func littleEndian(e []byte) bool {
	for i := 4; i+10 <= len(e); i++ {
		if string(e[i:i+4]) == "enda" && u32(e[i-4:]) >= 10 {
			return u16(e[i+4:]) != 0
		}
	}
	return false
}

// lpcmCodec decodes the QuickTime sound description version 2 that 'lpcm'
// requires: the sample layout is in flags, not in the type.
func lpcmCodec(e []byte) string {
	// Fixed fields (28 bytes), then sizeOfStructOnly(4), sampleRate(8),
	// channels(4), always7F000000(4), bitsPerChannel(4), flags(4).
	if len(e) < 56 || u16(e[8:]) != 2 {
		return "pcm"
	}
	bits, flags := u32(e[48:]), u32(e[52:])
	const (
		float     = 1
		bigEndian = 2
		signed    = 4
	)
	order := "le"
	if flags&bigEndian != 0 {
		order = "be"
	}
	switch {
	case flags&float != 0 && (bits == 32 || bits == 64):
		return fmt.Sprintf("pcm_f%d%s", bits, order)
	case bits == 8 && flags&signed != 0:
		return "pcm_s8"
	case bits == 8:
		return "pcm_u8"
	case flags&signed != 0 && (bits == 16 || bits == 24 || bits == 32):
		return fmt.Sprintf("pcm_s%d%s", bits, order)
	}
	return "pcm"
}

// entryCodec maps a sample entry type to an ffmpeg codec name; handler
// disambiguates 'raw ', which is both a video and a sound format.
func entryCodec(handler, entry string) string {
	switch entry {
	case "avc1", "avc3":
		return "h264"
	case "hvc1", "hev1":
		return "hevc"
	case "mp4v":
		return "mpeg4"
	case "jpeg", "mjpa", "mjpb":
		return "mjpeg"
	case "av01":
		return "av1"
	case "vp08":
		return "vp8"
	case "vp09":
		return "vp9"
	case "s263", "h263":
		return "h263"
	case "apch", "apcn", "apcs", "apco", "ap4h", "ap4x":
		return "prores"
	case "dvc ", "dvcp", "dv5n", "dv5p":
		return "dvvideo"
	case "png ":
		return "png"
	case "mp4a":
		return "aac"
	case "samr":
		return "amr_nb"
	case "sawb":
		return "amr_wb"
	case "sowt":
		return "pcm_s16le"
	case "twos":
		return "pcm_s16be"
	case "in24":
		return "pcm_s24be"
	case "in32":
		return "pcm_s32be"
	case "fl32":
		return "pcm_f32be"
	case "fl64":
		return "pcm_f64be"
	case "ulaw":
		return "pcm_mulaw"
	case "alaw":
		return "pcm_alaw"
	case "ima4":
		return "adpcm_ima_qt"
	case ".mp3":
		return "mp3"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case "Opus":
		return "opus"
	case "fLaC":
		return "flac"
	case "alac":
		return "alac"
	case "raw ":
		if handler == "soun" {
			return "pcm_u8"
		}
		return "rawvideo"
	}
	if printableFourCC(entry) {
		return cleanText(entry) // unknown: the type itself says most
	}
	return ""
}

func (p *mp4Parser) endTrack(t *mp4Track) {
	if d := scaled(t.duration, t.timescale); d > p.trackDur {
		p.trackDur = d
	}
	p.f.Splices = max(p.f.Splices, t.splices)
	p.f.StalledSamples += t.stalled
	codec := t.codec
	if codec == "" {
		codec = entryCodec(t.handler, t.entry)
	}
	switch t.handler {
	case "vide":
		p.video = true
		if p.videoFirst {
			return
		}
		p.videoFirst = true
		p.f.VideoCodec = codec
		p.f.Width, p.f.Height = t.width, t.height
		if p.f.Width == 0 || p.f.Height == 0 {
			p.f.Width, p.f.Height = t.tkhdW, t.tkhdH
		}
		if d := scaled(t.duration, t.timescale); d > 0 && t.samples > 0 {
			p.f.FrameRate = math.Round(float64(t.samples)/d.Seconds()*1000) / 1000
		}
	case "soun":
		p.audio = true
		if !p.audioFirst {
			p.audioFirst = true
			p.f.AudioCodec = codec
		}
	}
}

// finish derives the facts that need the whole tree.
func (p *mp4Parser) finish() {
	f := &p.f
	f.Prober = "mp4"
	f.Container = "mp4"
	if p.brand == "" || p.brand == "qt  " {
		f.Container = "mov" // QuickTime files before ftyp existed have none
	}
	switch {
	case p.video:
		f.Kind = evidence.KindVideo
	case p.audio:
		f.Kind = evidence.KindAudio
	default:
		f.Kind = evidence.KindUnknown
	}
	f.Duration = scaled(p.mvhdDur, p.mvhdTS)
	if f.Duration == 0 {
		f.Duration = scaled(p.mehdDur, p.mvhdTS) // fragmented files
	}
	if f.Duration == 0 {
		f.Duration = p.trackDur
	}
	if f.Duration > 0 {
		f.Bitrate = int64(float64(p.size) * 8 / f.Duration.Seconds())
	}
	f.CreatedAt = p.created
	// Tags that have fields of their own move out of the map. When mvhd has
	// no time, QuickTime metadata may: ffmpeg writes creation_time as a key
	// with -movflags use_metadata_tags, Apple devices creationdate.
	if v, ok := f.Tags["encoder"]; ok {
		f.Encoder = v
		delete(f.Tags, "encoder")
	}
	if v, ok := f.Tags["creation_time"]; ok {
		if f.CreatedAt.IsZero() {
			f.CreatedAt = parseISOTime(v)
		}
		delete(f.Tags, "creation_time")
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = parseISOTime(f.Tags["com.apple.quicktime.creationdate"])
	}
}

// parseISOTime parses the ISO 8601 forms seen in metadata: RFC 3339 and
// Apple's offset without a colon. Zone-less values are rejected here: only
// the caller knows whose local time they might be.
func parseISOTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// meta walks a meta box. ISO meta is a full box (4 bytes of version and
// flags before its children); QuickTime's is not. Telling them apart by
// whether a hdlr box starts right away is what ffmpeg does too.
func (p *mp4Parser) meta(h boxHdr, depth int) error {
	b, err := p.body(h, 8)
	if err != nil {
		return err
	}
	start := h.body
	if len(b) == 8 && string(b[4:8]) != "hdlr" {
		start += 4
	}
	p.metaHandler, p.keys = "", nil
	err = p.walkRange("meta", start, h.end, depth+1)
	p.metaHandler, p.keys = "", nil
	return err
}

// keysBox reads the QuickTime keys box: reverse-DNS names that mdta ilst
// items refer to by 1-based index.
func (p *mp4Parser) keysBox(h boxHdr) error {
	b, err := p.body(h, maxKeysRead)
	if err != nil {
		return err
	}
	if len(b) < 8 {
		return nil
	}
	n := int(u32(b[4:8]))
	b = b[8:]
	for i := 0; i < n && len(b) >= 8 && len(p.keys) < 4*maxTags; i++ {
		size := int(u32(b))
		if size < 8 || size > len(b) {
			break
		}
		key := b[8:size]
		if len(key) > maxKeyLen {
			key = key[:maxKeyLen]
		}
		p.keys = append(p.keys, string(key))
		b = b[size:]
	}
	return nil
}

// itunesKey gives ffprobe's names for iTunes-style and QuickTime user data
// atoms, so that both probers produce the same tags.
func itunesKey(typ string) string {
	switch typ {
	case "\xa9nam":
		return "title"
	case "\xa9ART":
		return "artist"
	case "aART":
		return "album_artist"
	case "\xa9alb":
		return "album"
	case "\xa9cmt", "\xa9inf":
		return "comment"
	case "\xa9cpy", "cprt":
		return "copyright"
	case "\xa9day":
		return "date"
	case "\xa9des", "desc":
		return "description"
	case "\xa9gen":
		return "genre"
	case "\xa9mak":
		return "make"
	case "\xa9mod":
		return "model"
	case "\xa9too", "\xa9swr", "\xa9enc":
		return "encoder"
	case "\xa9wrt":
		return "composer"
	case "\xa9xyz":
		return "location"
	case "\xa9lyr":
		return "lyrics"
	case "\xa9grp":
		return "grouping"
	}
	if len(typ) == 4 && typ[0] == 0xa9 && printableFourCC(" "+typ[1:]) {
		return "©" + typ[1:]
	}
	return ""
}

// udtaItem reads a QuickTime user data text atom: a 16-bit length, a
// language code, then the text. Some writers put an iTunes-style data atom
// there instead.
func (p *mp4Parser) udtaItem(h boxHdr) error {
	key := itunesKey(h.typ)
	if key == "" || h.typ[0] != 0xa9 {
		return nil
	}
	b, err := p.body(h, maxEntryRead)
	if err != nil {
		return err
	}
	if len(b) >= 8 && string(b[4:8]) == "data" {
		p.f.setTag(key, dataAtomValue(b))
		return nil
	}
	if len(b) < 4 {
		return nil
	}
	n := int(u16(b))
	b = b[4:]
	if n < len(b) {
		b = b[:n]
	}
	p.f.setTag(key, string(b))
	return nil
}

// ilstItem reads one metadata item: named by its type in iTunes metadata,
// by an index into the keys box in QuickTime (mdta) metadata.
func (p *mp4Parser) ilstItem(h boxHdr) error {
	var key string
	if p.metaHandler == "mdta" {
		i := u32([]byte(h.typ))
		if i == 0 || uint64(i) > uint64(len(p.keys)) {
			return nil
		}
		key = p.keys[i-1]
	} else {
		key = itunesKey(h.typ)
	}
	if key == "" {
		return nil
	}
	b, err := p.body(h, maxEntryRead)
	if err != nil {
		return err
	}
	p.f.setTag(key, dataAtomValue(b))
	return nil
}

// dataAtomValue finds the first 'data' atom in b and renders its value as
// text: UTF-8 as is, big-endian integers in decimal. Pictures and other
// binary values give "".
func dataAtomValue(b []byte) string {
	for len(b) >= 8 {
		size := int(u32(b))
		if size < 8 || size > len(b) {
			size = len(b) // cut by our read limit: take what is there
		}
		if string(b[4:8]) == "data" && size >= 16 {
			typ, v := u32(b[8:12])&0xffffff, b[16:size]
			switch typ {
			case 1: // UTF-8
				return string(v)
			case 21, 22: // signed or unsigned big-endian integer
				return beInt(v, typ == 21)
			}
			return ""
		}
		b = b[size:]
	}
	return ""
}

func beInt(v []byte, signed bool) string {
	switch len(v) {
	case 1:
		if signed {
			return strconv.FormatInt(int64(int8(v[0])), 10)
		}
		return strconv.FormatUint(uint64(v[0]), 10)
	case 2:
		if signed {
			return strconv.FormatInt(int64(int16(u16(v))), 10)
		}
		return strconv.FormatUint(uint64(u16(v)), 10)
	case 4:
		if signed {
			return strconv.FormatInt(int64(int32(u32(v))), 10)
		}
		return strconv.FormatUint(uint64(u32(v)), 10)
	case 8:
		if signed {
			return strconv.FormatInt(int64(u64(v)), 10)
		}
		return strconv.FormatUint(u64(v), 10)
	}
	return ""
}
