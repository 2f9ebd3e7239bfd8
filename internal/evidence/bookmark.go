package evidence

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// BookmarkKind is what a key moment (重点摄录) shows. Art. 10 lists what a
// recording must reflect; the kinds follow that list, so a reviewer finds
// "where is the violation" in one look. The ids are stable: stores, the
// API and the custody log key on them (R-ACT-5).
type BookmarkKind string

// The bookmark kinds.
const (
	BookmarkScene        BookmarkKind = "scene"             // 现场情况
	BookmarkViolation    BookmarkKind = "violation"         // 违法行为
	BookmarkPhysical     BookmarkKind = "physical_evidence" // 物证
	BookmarkStatement    BookmarkKind = "statement"         // 当事人陈述
	BookmarkNotice       BookmarkKind = "notice"            // 告知
	BookmarkInterruption BookmarkKind = "interruption"      // 中断说明 (Art. 11: the voice explanation)
	BookmarkOther        BookmarkKind = "other"             // 其他
)

// BookmarkKinds lists the kinds in the order forms offer them.
func BookmarkKinds() []BookmarkKind {
	return []BookmarkKind{BookmarkScene, BookmarkViolation, BookmarkPhysical, BookmarkStatement, BookmarkNotice, BookmarkInterruption, BookmarkOther}
}

// Valid reports whether k is a known kind.
func (k BookmarkKind) Valid() bool {
	switch k {
	case BookmarkScene, BookmarkViolation, BookmarkPhysical, BookmarkStatement, BookmarkNotice, BookmarkInterruption, BookmarkOther:
		return true
	}
	return false
}

// Label is the kind's Chinese name, as reports and the custody log show it.
func (k BookmarkKind) Label() string {
	switch k {
	case BookmarkScene:
		return "现场情况"
	case BookmarkViolation:
		return "违法行为"
	case BookmarkPhysical:
		return "物证"
	case BookmarkStatement:
		return "当事人陈述"
	case BookmarkNotice:
		return "告知"
	case BookmarkInterruption:
		return "中断说明"
	case BookmarkOther:
		return "其他"
	}
	return string(k)
}

// Bounds of a bookmark. MaxBookmarkLabel counts characters: a label is a
// short note ("当事人承认无证经营"), the activity holds the long text.
// MaxBookmarkOffset bounds offsets when the recording's length is unknown:
// no body-worn camera writes one file longer than a day.
const (
	MaxBookmarkLabel  = 200
	MaxBookmarkOffset = 24 * time.Hour
)

// Bookmark marks a point, or a span when EndMS is set, inside one
// recording: metadata beside the original, which it never changes.
// Offsets are milliseconds from the start of the media, the player's
// clock, not wall-clock time, so they survive any clock correction.
// A removed bookmark is kept with who removed it and when, so the table
// tells the same story as the custody log.
type Bookmark struct {
	ID          int64        `json:"id"`
	RecordingID int64        `json:"recording_id"`
	OffsetMS    int64        `json:"offset_ms"`
	EndMS       *int64       `json:"end_ms,omitempty"`
	Kind        BookmarkKind `json:"kind"`
	Label       string       `json:"label"`
	CreatedByID int64        `json:"created_by_id"`
	CreatedBy   string       `json:"created_by"` // account name
	CreatedAt   time.Time    `json:"created_at"`
	RemovedBy   string       `json:"removed_by,omitempty"`
	RemovedAt   *time.Time   `json:"removed_at,omitempty"`
}

// Offset and End are the bookmark's points as durations; End is Offset
// for a point.
func (b Bookmark) Offset() time.Duration { return time.Duration(b.OffsetMS) * time.Millisecond }

// End: see Offset.
func (b Bookmark) End() time.Duration {
	if b.EndMS == nil {
		return b.Offset()
	}
	return time.Duration(*b.EndMS) * time.Millisecond
}

// Validate checks a bookmark against the length of its recording;
// duration 0 means unknown, and then only MaxBookmarkOffset bounds it.
func (b Bookmark) Validate(duration time.Duration) error {
	limit := MaxBookmarkOffset
	if duration > 0 {
		limit = duration
	}
	switch {
	case !b.Kind.Valid():
		return Errorf(EInvalid, "err.bookmark.kind_unknown", string(b.Kind))
	case b.OffsetMS < 0:
		return Errorf(EInvalid, "err.bookmark.offset_negative")
	case b.Offset() > limit:
		return Errorf(EInvalid, "err.bookmark.beyond_end", b.Offset(), limit)
	case b.EndMS != nil && *b.EndMS <= b.OffsetMS:
		return Errorf(EInvalid, "err.bookmark.end_before_start")
	case b.EndMS != nil && b.End() > limit:
		return Errorf(EInvalid, "err.bookmark.beyond_end", b.End(), limit)
	}
	return ValidateBookmarkLabel(b.Label)
}

// ValidateBookmarkLabel checks a label: one line of plain text, at most
// MaxBookmarkLabel characters. It lands in the custody log and on pages;
// control characters (bidi overrides included) could disguise it there.
// "" is allowed: the kind says what the moment shows.
func ValidateBookmarkLabel(s string) error {
	field := Msg("field.bookmark_label")
	switch {
	case !utf8.ValidString(s):
		return Errorf(EInvalid, "err.text_not_utf8", field)
	case utf8.RuneCountInString(s) > MaxBookmarkLabel:
		return Errorf(EInvalid, "err.text_too_long", field, MaxBookmarkLabel)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return Errorf(EInvalid, "err.text_one_line", field)
		}
	}
	return nil
}
