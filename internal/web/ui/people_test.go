package ui

import (
	"testing"

	"shilu/internal/store"
)

// People are shown by name and number wherever the data names them by
// sign-in name or officer number (issue 8: 张伟（000123）, not zhangwei).
func TestPeopleByName(t *testing.T) {
	zhang := store.StatUser{Name: "zhangwei", Label: "张伟", OfficerNo: "000123"}
	admin := store.StatUser{Name: "admin", Label: "admin"}
	dir := &directory{
		byName:   map[string]store.StatUser{"zhangwei": zhang, "admin": admin},
		byNumber: map[string]store.StatUser{"000123": zhang},
	}
	zh := &page{Lang: "zh-CN", people: func() *directory { return dir }}
	en := &page{Lang: "en", people: func() *directory { return dir }}
	tests := []struct {
		name   string
		got    func(p *page) string
		zh, en string
	}{
		{"account with number", func(p *page) string { return p.Person("zhangwei") }, "张伟（000123）", "张伟 (000123)"},
		{"account without number", func(p *page) string { return p.Person("admin") }, "admin", "admin"},
		{"no account: the log's own actors", func(p *page) string { return p.Person("system") }, "系统", "the system"},
		{"no account: shown as stored", func(p *page) string { return p.Person("ghost") }, "ghost", "ghost"},
		{"officer number", func(p *page) string { return p.Officer("000123") }, "张伟（000123）", "张伟 (000123)"},
		{"unregistered number", func(p *page) string { return p.Officer("999999") }, "999999", "999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(zh); got != tt.zh {
				t.Errorf("zh-CN: got %q, want %q", got, tt.zh)
			}
			if got := tt.got(en); got != tt.en {
				t.Errorf("en: got %q, want %q", got, tt.en)
			}
		})
	}
}
