package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-DEV-2: a recording's page shows the device clock offset, when it was
// measured (Asia/Shanghai) and the start on the server's clock; beyond the
// tolerance as a warning; "未测量" when there was no measurement.
func TestRecordingPageClock(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 2, 1, 30, 0, time.UTC) // 10:01:30 in Beijing
	measured := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	ids := map[string]int64{}
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		for name, off := range map[string]*time.Duration{"fast": clockPtr(90 * time.Second), "slow": clockPtr(-12 * time.Second), "unmeasured": nil} {
			r := evidence.Recording{Digest: blob.Sum([]byte(name)), Size: 1, Filename: name + ".mp4", Kind: evidence.KindVideo, Device: "DSJ0A12",
				RecordedStart: &start, ClockOffset: off}
			if off != nil {
				r.ClockMeasuredAt = &measured
			}
			rec, err := tx.CreateRecording(ctx, r, u.ID)
			if err != nil {
				return err
			}
			ids[name] = rec.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, rec, lang string
		want, not       []string
	}{
		{"FastWarns", "fast", "zh", []string{"设备时钟偏差", `<span class="tag tag-warning">快 1分30秒</span>`, "超出允许偏差 1分", "测量于 2026-11-26 18:00:00", "按服务器时间校正：2026-11-26 10:00:00"}, []string{"未测量"}},
		{"FastWarnsEnglish", "fast", "en", []string{"Device clock offset", "ahead 1m 30s", "beyond the 1m tolerance", "on the server&#39;s clock: 2026-11-26 10:00:00"}, nil},
		{"SlowWithinTolerance", "slow", "zh", []string{`<span class="mono">慢 12秒</span>`, "按服务器时间校正：2026-11-26 10:01:42"}, []string{"tag-warning\">慢", "超出允许偏差"}},
		{"NotMeasured", "unmeasured", "zh", []string{"设备时钟偏差", "未测量"}, []string{"按服务器时间校正", "测量于"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.page(t, evidence.RoleOfficer, "/recordings/"+strconv.FormatInt(ids[tt.rec], 10)+"?lang="+tt.lang)
			body := w.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
}

func clockPtr[T any](v T) *T { return &v }
