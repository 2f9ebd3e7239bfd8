// Package locale is the message catalogue: every text Shilu shows people,
// in Simplified Chinese first and English second, kept in
// translations/<language>.json as flat key → text pairs whose arguments are
// Go fmt verbs (miniflux's internal/locale is the model).
//
// The domain speaks in keys (evidence.Message, evidence.Errorf); a Printer
// turns them into words at the edge, in the reader's language, which
// Negotiate picks from the request. Keys are named for where they are
// shown and what they say: "err.<area>.<what>" for errors,
// "field.<name>" for the names of fields inside messages, "finding.…" for
// the facts of findings, "js.…" for the browser scripts, and the
// workbench's own "<page>.<what>".
package locale

import (
	"net/http"
	"strconv"
	"strings"
)

// The languages, as BCP 47 tags.
const (
	Chinese = "zh-CN"
	English = "en"
	// Default is the language of a reader who asks for none we have: the
	// workbench's users are Chinese civil servants.
	Default = Chinese
)

// CookieName is the cookie that remembers a reader's choice of language.
const CookieName = "lang"

// language is what the code knows of a language beyond its texts.
type language struct {
	tag string
	// sep joins the parts of a duration: Chinese writes 1天4小时 without
	// spaces, English "1 d 4 h".
	sep string
}

var languages = []language{{Chinese, ""}, {English, " "}}

// Languages returns the tags of the languages, Default first.
func Languages() []string {
	out := make([]string, len(languages))
	for i, l := range languages {
		out[i] = l.tag
	}
	return out
}

// Match returns the language for a tag such as "zh", "zh-Hans-CN",
// "en-GB" or "EN", and false for a tag of a language Shilu does not speak.
// Every Chinese tag gets Simplified Chinese: to a reader of Traditional
// Chinese it is nearer than English.
func Match(tag string) (string, bool) {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	primary, _, _ = strings.Cut(primary, "_") // zh_CN, as some clients write it
	switch strings.ToLower(primary) {
	case "zh":
		return Chinese, true
	case "en":
		return English, true
	}
	return "", false
}

// Negotiate picks the language of r: ?lang= (the workbench's language
// switch), then the cookie that remembers it, then the Accept-Language
// header, then Default. The header alone is enough for a request of which
// nothing else is at hand (a tus hook's copy of the header).
func Negotiate(r *http.Request) string {
	if r.URL != nil {
		if l, ok := Match(r.URL.Query().Get("lang")); ok {
			return l
		}
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Match(c.Value); ok {
			return l
		}
	}
	if l, ok := acceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return Default
}

// maxRanges bounds the work spent on one Accept-Language header; browsers
// send a handful.
const maxRanges = 32

// acceptLanguage picks the language of the highest quality in an
// Accept-Language header (RFC 9110 §12.5.4), the first of equal ones; "*"
// stands for Default. Ranges with a malformed or zero quality are skipped.
func acceptLanguage(h string) (string, bool) {
	best, bestQ := "", 0.0
	for i, r := range strings.SplitN(h, ",", maxRanges+1) {
		if i == maxRanges {
			break
		}
		tag, params, _ := strings.Cut(r, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		l, ok := Match(tag)
		if strings.TrimSpace(tag) == "*" {
			l, ok = Default, true
		}
		if ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, best != ""
}
