package ui

import (
	"bytes"
	"context"
	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
	"strings"
	"testing"
	"time"
)

// R-ACT-3, X-ACT-2: the panel shows the notice sentence, the checklist with
// each item's value and its state, and the confirm button to the activity's
// officers only; once confirmed, who confirmed and when, in Beijing time.
func TestNoticePanel(t *testing.T) {
	ctx := context.Background()
	db, _ := storetest.Open(t)
	ap := app.New(app.Config{DB: db})
	for _, role := range []evidence.Role{evidence.RoleOfficer, evidence.RoleLeader} {
		if _, _, err := ap.CreateUser(ctx, app.System("t"), app.NewUser{Name: "u-" + string(role), Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	var officer evidence.User
	if err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if officer, _, err = tx.UserByName(ctx, "u-officer"); err != nil {
			return err
		}
		return tx.SetIdentity(ctx, officer.ID, "张伟", "000123")
	}); err != nil {
		t.Fatal(err)
	}
	arr := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	a, err := ap.CreateActivity(ctx, app.Actor{User: officer}, evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药房"},
		Officers: []string{"000123"}, Arrival: arr, End: arr.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	render := func(role evidence.Role, lang string) string {
		t.Helper()
		var v app.Notice
		var u evidence.User
		err := db.View(ctx, func(tx *store.Tx) error {
			act, err := tx.Activity(ctx, a.ID)
			if err != nil {
				return err
			}
			if u, _, err = tx.UserByName(ctx, "u-"+string(role)); err != nil {
				return err
			}
			v, err = app.LoadNotice(ctx, tx, act)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := pages["home"].ExecuteTemplate(&buf, "notice-panel", (&page{Lang: lang, User: u}).NoticePanel(v)); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	body := render(evidence.RoleOfficer, "zh")
	if strings.Contains(body, ">未陈述<") {
		t.Error("items are marked not stated before any confirmation")
	}
	for _, want := range []string{`id="notice-text" lang="zh-CN">您好，我们是丰南区医疗保障局执法人员张伟，`, `data-copy="notice-text"`, "未确认告知",
		`value="time">`, "2026年11月26日 09时30分", "书面记录中未填写", `data-action="notice-confirm"`, "张伟（000123）"} {
		if !strings.Contains(body, want) {
			t.Errorf("officer's panel lacks %q:\n%s", want, body)
		}
	}
	if body := render(evidence.RoleLeader, "zh"); strings.Contains(body, `data-action="notice-confirm"`) || !strings.Contains(body, "仅本次执法活动的执法人员") ||
		!strings.Contains(body, "disabled") {
		t.Error("the leader's panel offers the confirmation")
	}
	if _, err := ap.ConfirmNotice(ctx, app.Actor{User: officer}, a.ID, []string{"time"}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	body = render(evidence.RoleOfficer, "zh")
	if !strings.Contains(body, `name="stated" value="time" checked`) || strings.Contains(body, `value="place" checked`) ||
		!strings.Contains(body, "张伟 于 ") || !strings.Contains(body, "更新开场陈述") || strings.Count(body, ">未陈述<") != 4 {
		t.Errorf("confirmed panel:\n%s", body)
	}
	if body := render(evidence.RoleOfficer, "en"); !strings.Contains(body, "Spoken preamble") || !strings.Contains(body, "张伟 confirmed at ") {
		t.Errorf("English panel:\n%s", body)
	}
}
