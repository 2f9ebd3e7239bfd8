package ui

import (
	"testing"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-AUD-1: the custody exports give each entry's details in words from
// the catalogue, times in Beijing time (the header says 北京时间), people
// by name and coded values named, instead of purpose=case_work;
// from=…Z.
func TestDetailsInWords(t *testing.T) {
	zhang := store.StatUser{Name: "zhangwei", Label: "张伟", OfficerNo: "000123"}
	dir := &directory{byName: map[string]store.StatUser{"zhangwei": zhang}, byNumber: map[string]store.StatUser{"000123": zhang}}
	zh := &page{Lang: "zh-CN", people: func() *directory { return dir }}
	en := &page{Lang: "en", people: func() *directory { return dir }}
	d := map[string]string{"request": "3", "purpose": "case_work", "from": "2026-12-05T07:00:00Z", "until": "2026-12-12T07:00:00Z",
		"grant_from": "2026-12-05T07:00:00Z", "grant_until": "2026-12-06T07:00:30Z", "grantee": "zhangwei", "type": "complaint", "reset_totp": "true"}
	for _, tc := range []struct {
		p    *page
		want string
	}{
		{zh, "期限：2026-12-05 15:00 至 2026-12-12 15:00；批准期限：2026-12-05 15:00 至 2026-12-06 15:00:30；被授权人：张伟（000123）；用途：办案；申请编号：3；重置动态口令：是；类型：投诉举报处理"},
		{en, "Period: 2026-12-05 15:00 to 2026-12-12 15:00; Period granted: 2026-12-05 15:00 to 2026-12-06 15:00:30; Grantee: 张伟 (000123); Purpose: Case work; Request: 3; Authenticator reset: yes; Type: Complaint or report"},
	} {
		if got := tc.p.Details(d); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.p.Lang, got, tc.want)
		}
	}
}

// R-VIEW-1: a grant that starts later reads 未开始 with its start: the
// time alone today, with the date on another day (Beijing time).
func TestGrantStateText(t *testing.T) {
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing
	p := &page{Lang: "zh-CN", now: now}
	for _, tc := range []struct {
		name        string
		st          evidence.GrantState
		from, until time.Time
		want        string
	}{
		{"UpcomingToday", evidence.GrantUpcoming, now.Add(5 * time.Hour), now.Add(30 * time.Hour), "未开始，15:00 生效"},
		{"UpcomingTomorrow", evidence.GrantUpcoming, now.Add(29 * time.Hour), now.Add(50 * time.Hour), "未开始，12月6日 15:00 生效"},
		{"UpcomingNextYear", evidence.GrantUpcoming, now.AddDate(1, 0, 0), now.AddDate(1, 0, 1), "未开始，2027-12-05 10:00 生效"},
		{"Live", evidence.GrantLive, now.Add(-time.Hour), now.Add(26 * time.Hour), "生效中，剩余 1 天 2 小时"},
		{"Expired", evidence.GrantExpired, now.Add(-2 * time.Hour), now.Add(-time.Hour), "已到期"},
		{"Revoked", evidence.GrantRevoked, now.Add(time.Hour), now.Add(2 * time.Hour), "已撤销"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.GrantState(tc.st, tc.from, tc.until); got != tc.want {
				t.Errorf("GrantState = %q, want %q", got, tc.want)
			}
		})
	}
}
