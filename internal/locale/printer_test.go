package locale

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"shilu/internal/evidence"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		d      time.Duration
		zh, en string
	}{
		{"DaysHoursMinutes", 28*time.Hour + 56*time.Minute, "1天4小时56分", "1d 4h 56m"},
		{"MinutesSeconds", 3*time.Minute + 52*time.Second, "3分52秒", "3m 52s"},
		{"ZeroUnitsLeftOut", 400*24*time.Hour + 3*time.Hour + 5*time.Second, "400天3小时5秒", "400d 3h 5s"},
		{"RoundedToTheSecond", 12*time.Second + 600*time.Millisecond, "13秒", "13s"},
		{"UnderASecond", 400 * time.Millisecond, "400毫秒", "400ms"},
		{"Zero", 0, "0秒", "0s"},
		{"Negative", -90 * time.Second, "-1分30秒", "-1m 30s"},
		{"Smallest", math.MinInt64, "-106751天23小时47分16秒", "-106751d 23h 47m 16s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := New(Chinese).Duration(tc.d); got != tc.zh {
				t.Errorf("zh-CN %q, want %q", got, tc.zh)
			}
			if got := New(English).Duration(tc.d); got != tc.en {
				t.Errorf("en %q, want %q", got, tc.en)
			}
		})
	}
}

// A Message's arguments are rendered for the reader: nested messages
// translated, durations in words, times in the bureau's zone.
func TestMsg(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC) // 09:30 in Beijing
	for _, tc := range []struct {
		name   string
		m      evidence.Message
		zh, en string
	}{
		{"Plain", evidence.Msg("role.officer"), "执法人员", "Officer"},
		{"Nested", evidence.Msg("home.welcome", evidence.Msg("role.leader")), "您好，主管领导", "Hello, Leader"},
		{"Duration", evidence.Msg("clock.ahead", 90*time.Second), "快 1分30秒", "ahead 1m 30s"},
		{"Time", evidence.Msg("clock.measured_at", at), "测量于 2026-11-26 09:30", "measured 2026-11-26 09:30"},
		{"TimeWithSeconds", evidence.Msg("clock.measured_at", at.Add(5*time.Second+time.Millisecond)), "测量于 2026-11-26 09:30:05", "measured 2026-11-26 09:30:05"},
		{"Number", evidence.Msg("list.total", 25), "共 25 条", "25 in total"},
		{"Zero", evidence.Message{}, "", ""},
		{"MissingKeyShowsItself", evidence.Msg("no.such.key", 3), "no.such.key", "no.such.key"},
		{"TextNotYetInTheCatalogue", evidence.Msg("note: at most %d characters", 2000), "note: at most 2000 characters", "note: at most 2000 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := New(Chinese).Msg(tc.m); got != tc.zh {
				t.Errorf("zh-CN %q, want %q", got, tc.zh)
			}
			if got := New(English).Msg(tc.m); got != tc.en {
				t.Errorf("en %q, want %q", got, tc.en)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for tag, want := range map[string]string{"zh": Chinese, "zh-CN": Chinese, "en": English, "en-GB": English, "fr": Default, "": Default} {
		if got := New(tag).Lang(); got != want {
			t.Errorf("New(%q) speaks %s, want %s", tag, got, want)
		}
	}
	if New("en") != New("en-US") {
		t.Error("two Printers for one language")
	}
}

func TestWithPrefix(t *testing.T) {
	js := New(Chinese).WithPrefix("js.")
	if len(js) == 0 || js["failed"] != catalogue[Chinese]["js.failed"] {
		t.Errorf("js messages: %d, failed = %q", len(js), js["failed"])
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		name, url, cookie, accept, want string
	}{
		{"Default", "/", "", "", Chinese},
		{"Query", "/?lang=en", "zh-CN", "zh", English},
		{"QueryUnknownIgnored", "/?lang=fr", "en", "", English},
		{"Cookie", "/", "en", "zh-CN", English},
		{"OldCookie", "/", "zh", "en", Chinese},
		{"AcceptLanguage", "/", "", "en-US,en;q=0.9", English},
		{"AcceptLanguageQuality", "/", "", "fr;q=1, en;q=0.5, zh-CN;q=0.8", Chinese},
		{"AcceptLanguageFirstOfEqual", "/", "", "en, zh", English},
		{"AcceptLanguageNoneWeSpeak", "/", "", "fr, de", Chinese},
		{"AcceptLanguageWildcard", "/", "", "fr, *;q=0.1", Chinese},
		{"AcceptLanguageRefused", "/", "", "en;q=0, fr", Chinese},
		{"AcceptLanguageBadQuality", "/", "", "en;q=x, zh;q=0.1", Chinese},
		{"Traditional", "/", "", "zh-TW", Chinese},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if got := Negotiate(r); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("HeaderOnly", func(t *testing.T) {
		if got := Negotiate(&http.Request{Header: http.Header{"Accept-Language": {"en"}}}); got != English {
			t.Errorf("got %s", got)
		}
	})
}

// Accept-Language is outside input: whatever it holds, the answer is a
// language Shilu speaks.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "en", "zh-CN,zh;q=0.9,en;q=0.8", "*", "en;q=", ";;,,q=1", "zh;q=1e400", "en;q=NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		l := Negotiate(&http.Request{Header: http.Header{"Accept-Language": {h}}})
		if _, ok := catalogue[l]; !ok {
			t.Errorf("%q gave %q", h, l)
		}
	})
}

// An application error reads in the reader's language, names inside it
// translated too; any other error reads as the generic message, never as
// its own text.
func TestError(t *testing.T) {
	tooLong := fmt.Errorf("store: %w", evidence.Errorf(evidence.EInvalid, "err.text_too_long", evidence.Msg("field.display_name"), 64))
	for _, tc := range []struct {
		name   string
		err    error
		zh, en string
	}{
		{"Application", tooLong, "姓名最多 64 个字", "Name: at most 64 characters"},
		{"Internal", errors.New("store: disk on fire"), New(Chinese).T("err.internal"), New(English).T("err.internal")},
		{"Nil", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := New(Chinese).Error(tc.err); got != tc.zh {
				t.Errorf("zh-CN %q, want %q", got, tc.zh)
			}
			if got := New(English).Error(tc.err); got != tc.en {
				t.Errorf("en %q, want %q", got, tc.en)
			}
		})
	}
}
