package evidence

import (
	"strings"
	"testing"
	"time"
)

// R-ACT-5: a bookmark lies inside its recording, has a known kind and a
// short one-line label.
func TestBookmarkValidate(t *testing.T) {
	end := func(ms int64) *int64 { return &ms }
	ok := Bookmark{RecordingID: 1, OffsetMS: 5000, Kind: BookmarkViolation, Label: "当事人承认无证经营"}
	tests := []struct {
		name     string
		mutate   func(*Bookmark)
		duration time.Duration
		want     Code
	}{
		{"OK", func(*Bookmark) {}, 8 * time.Second, ""},
		{"OKSpan", func(b *Bookmark) { b.EndMS = end(8000) }, 8 * time.Second, ""},
		{"OKAtStart", func(b *Bookmark) { b.OffsetMS = 0 }, 8 * time.Second, ""},
		{"OKEmptyLabel", func(b *Bookmark) { b.Label = "" }, 8 * time.Second, ""},
		{"OKUnknownDuration", func(b *Bookmark) { b.OffsetMS = 3600_000 }, 0, ""},
		{"OKLongLabel", func(b *Bookmark) { b.Label = strings.Repeat("物", MaxBookmarkLabel) }, 0, ""},
		{"ErrKind", func(b *Bookmark) { b.Kind = "funny" }, 8 * time.Second, EInvalid},
		{"ErrNegative", func(b *Bookmark) { b.OffsetMS = -1 }, 8 * time.Second, EInvalid},
		{"ErrBeyondEnd", func(b *Bookmark) { b.OffsetMS = 8001 }, 8 * time.Second, EInvalid},
		{"ErrBeyondADay", func(b *Bookmark) { b.OffsetMS = MaxBookmarkOffset.Milliseconds() + 1 }, 0, EInvalid},
		{"ErrEndBeforeStart", func(b *Bookmark) { b.EndMS = end(5000) }, 8 * time.Second, EInvalid},
		{"ErrEndBeyondEnd", func(b *Bookmark) { b.EndMS = end(9000) }, 8 * time.Second, EInvalid},
		{"ErrLabelTooLong", func(b *Bookmark) { b.Label = strings.Repeat("物", MaxBookmarkLabel+1) }, 0, EInvalid},
		{"ErrNewline", func(b *Bookmark) { b.Label = "a\nb" }, 0, EInvalid},
		{"ErrBidiOverride", func(b *Bookmark) { b.Label = "abc\u202egpj.exe" }, 0, EInvalid},
		{"ErrBadUTF8", func(b *Bookmark) { b.Label = "\xff" }, 0, EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ok
			tt.mutate(&b)
			if got := ErrorCode(b.Validate(tt.duration)); got != tt.want {
				t.Errorf("Validate(%v) code = %q, want %q", tt.duration, got, tt.want)
			}
		})
	}
}

// R-ACT-5: the kinds follow Art. 10's list with stable ids and Chinese
// names; every listed kind is valid and named.
func TestBookmarkKinds(t *testing.T) {
	want := map[BookmarkKind]string{BookmarkScene: "现场情况", BookmarkViolation: "违法行为", BookmarkPhysical: "物证", BookmarkStatement: "当事人陈述",
		BookmarkNotice: "告知", BookmarkInterruption: "中断说明", BookmarkOther: "其他"}
	kinds := BookmarkKinds()
	if len(kinds) != len(want) {
		t.Fatalf("%d kinds, want %d", len(kinds), len(want))
	}
	for _, k := range kinds {
		if !k.Valid() || k.Label() != want[k] {
			t.Errorf("%s: valid=%v label %q, want %q", k, k.Valid(), k.Label(), want[k])
		}
	}
	if BookmarkKind("scene ").Valid() {
		t.Error("a kind with a trailing space is valid")
	}
}
