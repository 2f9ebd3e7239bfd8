package ui

import (
	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// msg returns the message for key in lang (any tag locale.Match
// understands), filled with args; the texts are in internal/locale.
func msg(lang, key string, args ...any) string { return locale.New(lang).T(key, args...) }

// Msg writes m in the page's language: the facts of findings, the reasons
// of proposals.
func (p *page) Msg(m evidence.Message) string { return locale.New(p.Lang).Msg(m) }

// Text returns the text of key unfilled, for code that fills it later with
// fmt (the timeline's labels); T would fill it now, with nothing. A
// missing key is the key itself.
func (p *page) Text(key string) string {
	if s, ok := locale.New(p.Lang).Lookup(key); ok {
		return s
	}
	return key
}

// jsMessages returns the "js." messages of lang, without the prefix: the
// browser scripts' catalogue.
func jsMessages(lang string) map[string]string { return locale.New(lang).WithPrefix("js.") }
