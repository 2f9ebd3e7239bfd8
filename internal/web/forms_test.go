package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// R-ACT-1, issue 9 item 9: the API refuses officers no account holds, malformed
// recorder ids and implausible years, each with a catalogue message naming
// what is wrong.
func TestActivityFormChecks(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124")
	arr := daysAgo(1)
	body := func(officers, devices string, arrival, end time.Time) string {
		return fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":%s,"devices":%s,"arrival":%q,"end":%q}`,
			officers, devices, rfc(arrival), rfc(end))
	}
	y1900 := time.Date(1900, 1, 1, 9, 0, 0, 0, evidence.Zone)
	y9999 := time.Date(9999, 1, 1, 9, 0, 0, 0, evidence.Zone)
	for _, tc := range []struct {
		name, body, key, text string
		want                  int
	}{
		{"OK", body(`["000123","000124"]`, `["DSJ0A12"]`, arr, arr.Add(time.Hour)), "", "", http.StatusCreated},
		{"ErrInvalidLetters", body(`["000123","abc"]`, `[]`, arr, arr.Add(time.Hour)), "err.activity.officer_unknown", "abc", http.StatusBadRequest},
		{"ErrInvalidNobody", body(`["999999"]`, `[]`, arr, arr.Add(time.Hour)), "err.activity.officer_unknown", "999999", http.StatusBadRequest},
		{"ErrInvalidDevice", body(`["000123"]`, `["记录仪 1"]`, arr, arr.Add(time.Hour)), "err.activity.device_format", "记录仪 1", http.StatusBadRequest},
		{"ErrInvalid1900", body(`["000123"]`, `[]`, y1900, arr), "err.time_out_of_range", "1900", http.StatusBadRequest},
		{"ErrInvalid9999", body(`["000123"]`, `[]`, y9999, y9999.Add(time.Hour)), "err.time_out_of_range", "9999", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := ts.callErr(t, "POST", "/api/v1/activities", evidence.RoleOfficer, tc.body)
			if code != tc.want {
				t.Fatalf("POST: %d, want %d", code, tc.want)
			}
			if tc.key != "" && (out.Key != tc.key || !strings.Contains(out.Message, tc.text)) {
				t.Errorf("error %+v, want %s naming %q", out, tc.key, tc.text)
			}
		})
	}
}

// R-ACT-1, R-AUD-1: POST /api/v1/activities/{id}/void voids an activity for
// its officers and their leader, with a reason, once; the activity then
// shows as void, takes no edit, and the custody log holds activity.void.
func TestVoidActivityAPI(t *testing.T) {
	ts := newTestServer(t)
	ts.setIdentity(t, evidence.RoleOfficer, "张伟", "000123")
	ts.officers(t, "000124")
	create := func() int64 {
		var a evidence.Activity
		arr := daysAgo(1)
		body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123","000124"],"arrival":%q,"end":%q}`, rfc(arr), rfc(arr.Add(time.Hour)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &a); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		return a.ID
	}
	id := create()
	path := fmt.Sprintf("/api/v1/activities/%d/void", id)
	for _, tc := range []struct {
		name string
		role evidence.Role
		body string
		want int
	}{
		{"ErrInvalidNoReason", evidence.RoleOfficer, `{"reason":""}`, http.StatusBadRequest},
		{"ErrForbiddenCustodian", evidence.RoleCustodian, `{"reason":"录入错误"}`, http.StatusForbidden}, // records work, but not on it nor leading it
		{"ErrForbiddenAuditor", evidence.RoleAuditor, `{"reason":"录入错误"}`, http.StatusForbidden},
		{"OK", evidence.RoleOfficer, `{"reason":"录入错误"}`, http.StatusOK},
		{"ErrConflictAgain", evidence.RoleOfficer, `{"reason":"录入错误"}`, http.StatusConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := ts.call(t, "POST", path, tc.role, tc.body, nil); code != tc.want {
				t.Fatalf("POST void: %d, want %d", code, tc.want)
			}
		})
	}
	if e := lastEntry(t, ts); e.Action != evidence.ActionActivityVoid || e.Actor != "u-officer" || e.Details["reason"] != "录入错误" {
		t.Errorf("custody entry %+v", e)
	}
	var got struct {
		Activity evidence.Activity `json:"activity"`
	}
	ts.call(t, "GET", fmt.Sprintf("/api/v1/activities/%d", id), evidence.RoleLeader, "", &got)
	if v := got.Activity.Void; v == nil || v.By != "u-officer" || v.Reason != "录入错误" {
		t.Errorf("activity's void: %+v", v)
	}
	if code := ts.call(t, "PATCH", fmt.Sprintf("/api/v1/activities/%d", id), evidence.RoleOfficer, `{"party":"某药房"}`, nil); code != http.StatusConflict {
		t.Errorf("PATCH of a void activity: %d, want 409", code)
	}
	page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/activities/%d", id)).Body.String()
	if !strings.Contains(page, "已作废") || !strings.Contains(page, "录入错误") {
		t.Error("the activity page does not show it void with the reason")
	}
	list := ts.page(t, evidence.RoleOfficer, "/activities").Body.String()
	if !strings.Contains(list, fmt.Sprintf(`<tr data-id="%d" data-void="1"`, id)) || !strings.Contains(list, "已作废") {
		t.Error("the activities list does not mark the void activity")
	}
	// The leader of the officers (here: of the accounts without a
	// department) voids another.
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/void", create()), evidence.RoleLeader, `{"reason":"重复登记"}`, nil); code != http.StatusOK {
		t.Errorf("the leader's void: %d", code)
	}
}

// Issue 8 (警号或姓名): the officer filter of the activities, findings and
// recordings lists takes a name or part of one as well as a number.
func TestOfficerFilterByName(t *testing.T) {
	ts := newTestServer(t)
	ts.setIdentity(t, evidence.RoleOfficer, "张伟", "000123")
	ts.setIdentity(t, evidence.RoleLegal, "李娜", "000124")
	arr := daysAgo(1)
	ts.addRecording(t, "ZW.MP4", "000123", "DSJ0A12", arr, arr.Add(10*time.Minute))
	for _, o := range []string{"000123", "000124"} {
		body := fmt.Sprintf(`{"type":"inspection","place":{"address":"某药房"},"officers":[%q],"arrival":%q,"end":%q}`, o, rfc(arr), rfc(arr.Add(time.Hour)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, nil); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
	}
	for _, q := range []string{"张伟", "张", "000123"} {
		t.Run(q, func(t *testing.T) {
			var acts struct {
				Activities []evidence.Activity `json:"activities"`
			}
			ts.call(t, "GET", "/api/v1/activities?officer="+q, evidence.RoleLeader, "", &acts)
			if len(acts.Activities) != 1 || acts.Activities[0].Officers[0] != "000123" {
				t.Errorf("activities of %s: %+v", q, acts.Activities)
			}
			var fs findingList
			ts.call(t, "GET", "/api/v1/findings?officer="+q, evidence.RoleLeader, "", &fs)
			if len(fs.Findings) == 0 {
				t.Errorf("no findings of %s", q)
			}
			for _, f := range fs.Findings {
				if f.Officer != "000123" {
					t.Errorf("finding of %s for %s", f.Officer, q)
				}
			}
			for path, want := range map[string]string{"/recordings?officer=": "ZW.MP4", "/activities?officer=": "某药房", "/findings?officer=": "000123"} {
				body := ts.page(t, evidence.RoleLeader, path+q).Body.String()
				if !strings.Contains(body, want) {
					t.Errorf("%s%s lacks %s", path, q, want)
				}
			}
		})
	}
	var none struct {
		Activities []evidence.Activity `json:"activities"`
	}
	ts.call(t, "GET", "/api/v1/activities?officer=王强", evidence.RoleLeader, "", &none)
	if len(none.Activities) != 0 {
		t.Errorf("activities of a name nobody has: %+v", none.Activities)
	}
}

// R-ACT-6: the API takes no voice recording without its point: 0:00 is
// never assumed.
func TestInterruptionNeedsVoicePoint(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123")
	arr := daysAgo(1)
	var a evidence.Activity
	body := fmt.Sprintf(`{"type":"service","place":{"address":"某药房"},"officers":["000123"],"arrival":%q,"end":%q}`, rfc(arr), rfc(arr.Add(time.Hour)))
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &a); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	it := fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"weather","voice_recording_id":%d}`, rfc(arr), rfc(arr.Add(time.Minute)), ts.recID)
	if code, out := ts.callErr(t, "POST", fmt.Sprintf("/api/v1/activities/%d/interruptions", a.ID), evidence.RoleOfficer, it); code != http.StatusBadRequest ||
		out.Key != "err.interruption.no_voice_point" {
		t.Errorf("explanation without a voice point: %d %+v", code, out)
	}
}

// apiError is the error body of the JSON API.
type apiError struct {
	Key, Message string
}

// callErr is call for a request expected to fail: the status and the
// error the body carries.
func (ts *testServer) callErr(t *testing.T, method, path string, role evidence.Role, body string) (int, apiError) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ts.tokens[role])
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	var out struct {
		Error apiError `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out.Error
}
