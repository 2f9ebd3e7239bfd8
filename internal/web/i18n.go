package web

import "shilu/internal/locale"

// msg returns the message for key in lang (any tag locale.Match
// understands), filled with args; the texts are in internal/locale.
func msg(lang, key string, args ...any) string { return locale.New(lang).T(key, args...) }

// jsMessages returns the "js." messages of lang, without the prefix: the
// browser scripts' catalogue.
func jsMessages(lang string) map[string]string { return locale.New(lang).WithPrefix("js.") }
