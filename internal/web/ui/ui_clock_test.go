package ui

import (
	"testing"
	"time"
)

// R-DEV-2: the offset reads as a signed duration in words, in both locales.
func TestClockOffsetText(t *testing.T) {
	d := func(x time.Duration) *time.Duration { return &x }
	tests := []struct {
		name   string
		offset *time.Duration
		zh, en string
	}{
		{"Ahead", d(90 * time.Second), "快 1分30秒", "ahead 1m 30s"},
		{"Behind", d(-12 * time.Second), "慢 12秒", "behind 12s"},
		{"BehindRounded", d(-12*time.Second - 600*time.Millisecond), "慢 13秒", "behind 13s"},
		{"SubSecond", d(400 * time.Millisecond), "快 400毫秒", "ahead 400ms"},
		{"Days", d(400*24*time.Hour + 3*time.Hour + 5*time.Second), "快 400天3小时5秒", "ahead 400d 3h 5s"},
		{"InStep", d(0), "无偏差", "in step"},
		{"NotMeasured", nil, "未测量", "Not measured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&page{Lang: "zh"}).ClockOffset(tt.offset); got != tt.zh {
				t.Errorf("zh %q, want %q", got, tt.zh)
			}
			if got := (&page{Lang: "en"}).ClockOffset(tt.offset); got != tt.en {
				t.Errorf("en %q, want %q", got, tt.en)
			}
		})
	}
}
