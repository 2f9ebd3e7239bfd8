package ui

import (
	"html/template"
	"path"
	"strings"
	"unicode/utf8"
)

// File names in tables (issue 8: tables at 1366 and 1920). A body-worn
// camera names its files by time and counter (FILE20261204093100_0007.MP4):
// the start of the name is alike across a day's files and the end tells
// them apart, so a name too long for its column is shortened in the middle,
// FILE2026…0931_0007.MP4, never at the end. The shortening is the
// browser's (text-overflow on the head, which may shrink; the tail may
// not), so the cell shows as much as its width allows, and copying the
// text copies the whole name. The link carries the whole name as its title.

const (
	// nameSplit: names up to this many characters are never split.
	nameSplit = 16
	// tailStem is how much of the name before the extension stays in
	// view: a camera's counter and the seconds of its start time.
	tailStem = 9
	// maxExt: a longer "extension" is a part of the name, not a type.
	maxExt = 6
)

// splitName cuts name where the middle may be left out: head may be
// shortened, tail is always shown. Short names are all head.
func splitName(name string) (head, tail string) {
	n := utf8.RuneCountInString(name)
	if n <= nameSplit {
		return name, ""
	}
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > maxExt || ext == name {
		ext = ""
	}
	keep := utf8.RuneCountInString(ext) + tailStem
	if ext == "" {
		keep = tailStem + 3
	}
	// Cut on a rune boundary, keep runes from the end.
	i := len(name)
	for range keep {
		_, size := utf8.DecodeLastRuneInString(name[:i])
		i -= size
	}
	return name[:i], name[i:]
}

// fileName is a file name as a table shows it, for a link or cell of
// class "fname" (app.css): the head that may shrink with an ellipsis and
// the tail that stays.
func fileName(name string) template.HTML {
	head, tail := splitName(name)
	var b strings.Builder
	b.WriteString(`<span class="fname-head">`)
	b.WriteString(template.HTMLEscapeString(head))
	b.WriteString(`</span>`)
	if tail != "" {
		b.WriteString(`<span class="fname-tail">`)
		b.WriteString(template.HTMLEscapeString(tail))
		b.WriteString(`</span>`)
	}
	return template.HTML(b.String())
}
