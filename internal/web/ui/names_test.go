package ui

import (
	"html/template"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/locale"
)

// A long file name is cut so that its distinguishing end stays in view:
// the camera's counter and the extension; short names are not cut; cuts
// fall between characters, never inside one.
func TestSplitName(t *testing.T) {
	for _, tt := range []struct {
		name, in, head, tail string
	}{
		{"CameraFile", "FILE20261204093100_0007.MP4", "FILE2026120409", "3100_0007.MP4"},
		{"Short", "night.mp4", "night.mp4", ""},
		{"AtTheLimit", "ABCDEFGHIJKL.mp4", "ABCDEFGHIJKL.mp4", ""},
		{"NoExtension", "ZFY_INFO_000123_20261204093100", "ZFY_INFO_000123_20", "261204093100"},
		{"LongSuffixIsNoExtension", "record-2026.12.04-morning", "record-2026.1", "2.04-morning"},
		{"Chinese", "执法记录仪二号机_张伟_上午巡逻_0007.mp4", "执法记录仪二号机_张伟_", "上午巡逻_0007.mp4"},
		{"Empty", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			head, tail := splitName(tt.in)
			if head != tt.head || tail != tt.tail {
				t.Errorf("splitName(%q) = %q, %q; want %q, %q", tt.in, head, tail, tt.head, tt.tail)
			}
			if head+tail != tt.in {
				t.Errorf("parts %q + %q lose part of %q", head, tail, tt.in)
			}
		})
	}
}

// The name is escaped (it comes from the uploader) and split into the
// spans that app.css shortens in the middle.
func TestFileName(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     template.HTML
	}{
		{"Split", "FILE20261204093100_0007.MP4", `<span class="fname-head">FILE2026120409</span><span class="fname-tail">3100_0007.MP4</span>`},
		{"Whole", "a.mp4", `<span class="fname-head">a.mp4</span>`},
		{"Escaped", `<img src=x onerror=alert(1)>_0001.mp4`, `<span class="fname-head">&lt;img src=x onerror=alert</span><span class="fname-tail">(1)&gt;_0001.mp4</span>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := fileName(tt.in); got != tt.want {
				t.Errorf("fileName(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// Lengths of time are written in words from the catalogue, seconds left
// out from an hour up (issue 8: 1天4小时56分).
func TestSpanText(t *testing.T) {
	for _, tt := range []struct {
		name   string
		d      time.Duration
		zh, en string
	}{
		{"DaysHoursMinutes", 28*time.Hour + 56*time.Minute + 12*time.Second, "1天4小时56分", "1d 4h 56m"},
		{"RoundedToTheMinute", time.Hour + 59*time.Second, "1小时1分", "1h 1m"},
		{"MinutesSeconds", 90 * time.Second, "1分30秒", "1m 30s"},
		{"Zero", 0, "0秒", "0s"},
		{"NegativeIsZero", -time.Minute, "0秒", "0s"},
		{"UnderASecondRounds", 400 * time.Millisecond, "0秒", "0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{spanText(locale.Chinese, tt.d), spanText(locale.English, tt.d)}
			if diff := cmp.Diff([]string{tt.zh, tt.en}, got); diff != "" {
				t.Errorf("spanText(%s) (-want +got):\n%s", tt.d, diff)
			}
		})
	}
	p := &page{Lang: locale.Chinese}
	if got := p.Duration(0); got != "—" {
		t.Errorf("Duration(0) = %q, want — (unknown)", got)
	}
}
