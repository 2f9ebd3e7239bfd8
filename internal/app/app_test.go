package app

import (
	"strings"
	"testing"

	"shilu/internal/evidence"
)

// Limits on text count characters, not bytes: 800 Chinese characters are
// 2 400 bytes of UTF-8 and fit a 1 000-character limit.
func TestCheckTextCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		max  int
		want evidence.Code
	}{
		{"OKChinese", strings.Repeat("录", 800), 1000, ""},
		{"OKAtLimit", strings.Repeat("录", 1000), 1000, ""},
		{"ErrInvalidOverLimit", strings.Repeat("录", 1001), 1000, evidence.EInvalid},
		{"OKLineBreaks", "第一行\n第二行\t", 100, ""},
		{"ErrInvalidControl", "a\x00b", 100, evidence.EInvalid},
		{"ErrInvalidUTF8", "a\xffb", 100, evidence.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evidence.ErrorCode(checkText("reason", tc.s, tc.max)); got != tc.want {
				t.Errorf("checkText: %q, want %q", got, tc.want)
			}
		})
	}
	if evidence.ErrorCode(checkLine("user_name", "a\nb", 10)) != evidence.EInvalid {
		t.Error("checkLine accepted a line break")
	}
}
