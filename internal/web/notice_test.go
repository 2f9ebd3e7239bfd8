package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
)

// setIdentity gives the test account of role a display name and officer
// number.
func (ts *testServer) setIdentity(t *testing.T, role evidence.Role, display, officerNo string) {
	t.Helper()
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-"+string(role))
		if err != nil {
			return err
		}
		return tx.SetIdentity(ctx, u.ID, display, officerNo)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// createActivity stores an inspection by officers, arriving at arr.
func (ts *testServer) createActivity(t *testing.T, arr time.Time, party string, officers ...string) evidence.Activity {
	t.Helper()
	ts.officers(t, officers...)
	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["%s"],"party":%q,"arrival":%q,"end":%q}`,
		strings.Join(officers, `","`), party, rfc(arr), rfc(arr.Add(30*time.Minute)))
	var a evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &a); code != http.StatusCreated {
		t.Fatalf("create activity: %d", code)
	}
	return a
}

// custodyOf returns the custody entries of an object.
func (ts *testServer) custodyOf(t *testing.T, object string) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	var out []audit.Entry
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		trail, err := tx.AuditTrail(ctx, object, 1000)
		for _, data := range trail {
			e, err := audit.Decode(data)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// R-ACT-3: the notice carries the officers' display names in the
// activity's officer order and falls back to the officer number where no
// account carries it; X-ACT-2: the preamble lists the five items with the
// values of the written record (the arrival in Asia/Shanghai).
func TestNoticeText(t *testing.T) {
	ts := newTestServer(t)
	ts.setIdentity(t, evidence.RoleOfficer, "张伟", "000123")
	ts.setIdentity(t, evidence.RoleLegal, "李娜", "000124")
	arr := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC) // 09:30 in Beijing
	a := ts.createActivity(t, arr, "某某大药房", "000124", "000999", "000123")
	ts.forgetOfficer(t, "000999")
	var v app.Notice
	if code := ts.call(t, "GET", fmt.Sprintf("/api/v1/activities/%d/notice", a.ID), evidence.RoleLeader, "", &v); code != http.StatusOK {
		t.Fatalf("GET notice: %d", code)
	}
	want := app.Notice{
		ActivityID: a.ID,
		Text:       "您好，我们是丰南区医疗保障局执法人员李娜、000999、张伟，为保护您的合法权益，监督我们的执法行为，本次执法全程录音录像。",
		Officers:   []app.NoticeOfficer{{Number: "000124", Name: "李娜"}, {Number: "000999", Name: "000999"}, {Number: "000123", Name: "张伟"}},
		Preamble: []app.PreambleItem{
			{Key: "time", Value: "2026年11月26日 09时30分"},
			{Key: "place", Value: "丰南区某药房"},
			{Key: "officers", Value: "李娜（000124）、000999、张伟（000123）"},
			{Key: "party", Value: "某某大药房"},
			{Key: "step", Value: "日常检查"},
		},
		Stated: []string{},
	}
	if diff := cmp.Diff(want, v, cmp.AllowUnexported(app.NoticeOfficer{})); diff != "" {
		t.Errorf("notice (-want +got):\n%s", diff)
	}
	if code := ts.call(t, "GET", "/api/v1/activities/9999/notice", evidence.RoleLeader, "", nil); code != http.StatusNotFound {
		t.Errorf("GET notice of a missing activity: %d", code)
	}
	// The panel names the items by key (notice.item.<key>), which the
	// catalogue test cannot see in the template.
	for _, k := range app.PreambleKeys {
		for _, lang := range []string{"zh", "en"} {
			if _, ok := locale.New(lang).Lookup("notice.item." + k); !ok {
				t.Errorf("%s lacks notice.item.%s", lang, k)
			}
		}
	}
}

// R-ACT-3, X-ACT-2: an officer of the activity confirms the notice with the
// preamble items stated; that sets notice_given, closes the notice_missing
// finding in the same request, and lands in the custody log. Unknown or
// repeated items are refused, and so is anyone not on the activity while
// one of its officers has an account (the refusal is logged too).
func TestNoticeConfirm(t *testing.T) {
	ts := newTestServer(t)
	ts.setIdentity(t, evidence.RoleOfficer, "张伟", "000123")
	ts.setIdentity(t, evidence.RoleLeader, "刘洋", "000101")
	ts.setIdentity(t, evidence.RoleLegal, "李娜", "000124")
	a := ts.createActivity(t, daysAgo(1), "", "000123", "000124")
	base := fmt.Sprintf("/api/v1/activities/%d", a.ID)
	findings := fmt.Sprintf("/api/v1/findings?activity=%d&rule=%s", a.ID, compliance.RuleNoticeMissing)

	var before findingList
	ts.call(t, "GET", findings, evidence.RoleLeader, "", &before)
	if len(before.Findings) != 1 || before.Findings[0].Status != evidence.FindingOpen {
		t.Fatalf("notice_missing before the confirmation: %v", before.rules())
	}

	for _, c := range []struct {
		name, body string
		role       evidence.Role
		want       int
	}{
		{"ErrUnknownItem", `{"stated":["time","weather"]}`, evidence.RoleOfficer, http.StatusBadRequest},
		{"ErrRepeatedItem", `{"stated":["time","time"]}`, evidence.RoleOfficer, http.StatusBadRequest},
		{"ErrNotAList", `{"stated":"time"}`, evidence.RoleOfficer, http.StatusBadRequest},
		{"ErrUnknownField", `{"said":["time"]}`, evidence.RoleOfficer, http.StatusBadRequest},
		{"ErrLeaderNotOnActivity", `{"stated":["time"]}`, evidence.RoleLeader, http.StatusForbidden},
		{"ErrCustodianNotOnActivity", `{"stated":["time"]}`, evidence.RoleCustodian, http.StatusForbidden},
		{"ErrStation", `{"stated":["time"]}`, evidence.RoleStation, http.StatusForbidden},
	} {
		if code := ts.call(t, "POST", base+"/notice", c.role, c.body, nil); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	var unchanged app.ActivityView
	if ts.call(t, "GET", base, evidence.RoleLeader, "", &unchanged); unchanged.Activity.ID != a.ID || unchanged.Activity.NoticeGiven {
		t.Fatalf("a refused confirmation set notice_given: %+v", unchanged.Activity)
	}

	var v app.Notice
	if code := ts.call(t, "POST", base+"/notice", evidence.RoleOfficer, `{"stated":["place","time","step"]}`, &v); code != http.StatusOK {
		t.Fatalf("confirm: %d", code)
	}
	if !v.Confirmed || v.ConfirmedBy != "u-officer" || v.ConfirmedByName != "张伟" || v.ConfirmedAt == nil || !cmp.Equal(v.Stated, []string{"time", "place", "step"}) {
		t.Errorf("confirmed notice = %+v", v)
	}
	var stated []string
	for _, it := range v.Preamble {
		if it.Stated {
			stated = append(stated, it.Key)
		}
	}
	if !cmp.Equal(stated, []string{"time", "place", "step"}) {
		t.Errorf("preamble items stated = %v", stated)
	}
	var got app.ActivityView
	if ts.call(t, "GET", base, evidence.RoleLeader, "", &got); !got.Activity.NoticeGiven {
		t.Error("notice_given is false after the confirmation")
	}

	var after findingList
	ts.call(t, "GET", findings, evidence.RoleLeader, "", &after)
	if len(after.Findings) != 0 {
		t.Errorf("notice_missing still listed after the confirmation: %v", after.rules())
	}
	ts.call(t, "GET", findings+"&resolved=1", evidence.RoleLeader, "", &after)
	if len(after.Findings) != 1 || after.Findings[0].ResolvedAt == nil {
		t.Errorf("notice_missing not resolved: %+v", after.Findings)
	}

	var ok, denied []audit.Entry
	for _, e := range ts.custodyOf(t, app.ObjActivity(a.ID)) {
		if e.Action != "activity.notice" {
			continue
		}
		switch e.Outcome {
		case audit.OutcomeOK:
			ok = append(ok, e)
		case audit.OutcomeDenied:
			denied = append(denied, e)
		}
	}
	if len(ok) != 1 || ok[0].Actor != "u-officer" || ok[0].Details["stated"] != "time,place,step" || ok[0].Details["missing"] != "officers,party" ||
		!strings.Contains(ok[0].Details["text"], "张伟、李娜") {
		t.Errorf("custody entries of the confirmation: %+v", ok)
	}
	if len(denied) != 2 {
		t.Errorf("custody has %d refused confirmations, want 2 (leader, custodian): %+v", len(denied), denied)
	}

	// Confirming again replaces the items stated.
	if code := ts.call(t, "POST", base+"/notice", evidence.RoleOfficer, `{"stated":[]}`, &v); code != http.StatusOK || len(v.Stated) != 0 || !v.Confirmed {
		t.Errorf("second confirmation: %d %+v", code, v)
	}
	// A feed that clears notice_given (PATCH) leaves no one confirming it,
	// and the finding opens again.
	if code := ts.call(t, "PATCH", base, evidence.RoleOfficer, `{"notice_given":false}`, nil); code != http.StatusOK {
		t.Fatalf("PATCH notice_given: %d", code)
	}
	var cleared app.Notice
	ts.call(t, "GET", base+"/notice", evidence.RoleOfficer, "", &cleared)
	if cleared.ActivityID != a.ID || cleared.Confirmed || cleared.ConfirmedBy != "" || cleared.ConfirmedAt != nil {
		t.Errorf("notice after the feed cleared it: %+v", cleared)
	}
	after = findingList{}
	ts.call(t, "GET", findings, evidence.RoleLeader, "", &after)
	if len(after.Findings) != 1 {
		t.Errorf("notice_missing after the feed cleared the notice: %v", after.rules())
	}
}

// R-ACT-3: while none of an activity's officers has an account carrying
// their number, anyone who records the work may confirm the notice, or it
// could never be confirmed.
func TestNoticeConfirmWithoutOfficerAccounts(t *testing.T) {
	ts := newTestServer(t)
	a := ts.createActivity(t, daysAgo(1), "", "000777")
	ts.forgetOfficer(t, "000777")
	path := fmt.Sprintf("/api/v1/activities/%d/notice", a.ID)
	var v app.Notice
	if code := ts.call(t, "POST", path, evidence.RoleCustodian, `{"stated":["time","place","officers","party","step"]}`, &v); code != http.StatusOK || !v.Confirmed {
		t.Errorf("custodian confirms with no officer accounts: %d %+v", code, v)
	}
	// Once 000777 has an account, only its holder confirms.
	ts.setIdentity(t, evidence.RoleDeptHead, "赵强", "000777")
	if code := ts.call(t, "POST", path, evidence.RoleCustodian, `{"stated":[]}`, nil); code != http.StatusForbidden {
		t.Errorf("custodian after 000777 got an account: %d, want 403", code)
	}
	if code := ts.call(t, "POST", path, evidence.RoleDeptHead, `{"stated":[]}`, nil); code != http.StatusOK {
		t.Errorf("the officer holding 000777: %d, want 200", code)
	}
}
