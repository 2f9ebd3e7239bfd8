package compliance

import (
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"shilu/internal/evidence"
	"shilu/internal/locale"
)

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local is a wall-clock time in Shanghai.
func local(t testing.TB, y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, shanghai(t))
}

func ptr(t time.Time) *time.Time { return &t }

// rec is a video recording by officer on device from start for dur.
func rec(id int64, officer, device string, start time.Time, dur time.Duration, ingested time.Time) evidence.Recording {
	return evidence.Recording{ID: id, Officer: officer, Device: device, Kind: evidence.KindVideo,
		RecordedStart: ptr(start), RecordedEnd: ptr(start.Add(dur)), IngestedAt: ingested,
		Filename: device + "_" + officer + "_" + start.In(time.FixedZone("CST", 8*3600)).Format("20060102150405") + "_0001.MP4"}
}

// ruleKeys lists "rule/officer/status" for each finding, sorted, so tests
// compare what fired without the free-text evidence.
func ruleKeys(fs []evidence.Finding) []string {
	out := []string{}
	for _, f := range fs {
		k := f.Rule
		if f.Officer != "" {
			k += "/" + f.Officer
		}
		out = append(out, k+"/"+string(f.Status))
	}
	sort.Strings(out)
	return out
}

// render writes m in every language, failing on a text that shows a key
// or is filled wrongly (the arguments do not fit the verbs); it returns
// the Chinese.
func render(t *testing.T, m evidence.Message) string {
	t.Helper()
	var zh string
	for _, l := range locale.Languages() {
		s := locale.New(l).Msg(m)
		if s == "" || strings.Contains(s, "%!") || strings.Contains(s, m.Key) {
			t.Errorf("%s: %v reads %q", l, m, s)
		}
		if l == locale.Chinese {
			zh = s
		}
	}
	return zh
}
