package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// R-AUD-1: the custodian corrects a recording's description (device and
// officer) on its page, with a required reason; the custody entry keeps the
// values before and after and the reason, and the trail on the page shows
// them. Roles without recordings.edit are refused (and the refusal is
// logged); their page offers no correction.
func TestRecordingCorrection(t *testing.T) {
	ts := newTestServer(t)
	from := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	id := ts.addRecording(t, "FILE20261120090000_0007.MP4", "000123", "DSJ-01", from, from.Add(10*time.Minute))
	path := "/api/v1/recordings/" + strconv.FormatInt(id, 10)
	page := "/recordings/" + strconv.FormatInt(id, 10)
	for _, tt := range []struct {
		name string
		role evidence.Role
		body string
		want int
	}{
		{"ErrOfficer", evidence.RoleOfficer, `{"device":"DSJ-02","reason":"登记有误"}`, http.StatusForbidden},
		{"ErrLeader", evidence.RoleLeader, `{"device":"DSJ-02","reason":"登记有误"}`, http.StatusForbidden},
		{"ErrSysAdmin", evidence.RoleSysAdmin, `{"device":"DSJ-02","reason":"登记有误"}`, http.StatusForbidden},
		{"ErrNoReason", evidence.RoleCustodian, `{"device":"DSJ-02"}`, http.StatusBadRequest},
		{"ErrBlankReason", evidence.RoleCustodian, `{"device":"DSJ-02","reason":"  "}`, http.StatusBadRequest},
		{"ErrLongReason", evidence.RoleCustodian, `{"device":"DSJ-02","reason":"` + strings.Repeat("因", 501) + `"}`, http.StatusBadRequest},
		{"OK", evidence.RoleCustodian, `{"device":"DSJ-02","officer":"000124","reason":"采集站登记的记录仪编号有误"}`, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := ts.call(t, "PATCH", path, tt.role, tt.body, nil); code != tt.want {
				t.Errorf("%d, want %d", code, tt.want)
			}
		})
	}
	var updates []map[string]string
	denied := 0
	for _, e := range ts.custodyOf(t, "recording:"+strconv.FormatInt(id, 10)) {
		switch e.Action {
		case evidence.ActionRecordingUpdate:
			updates = append(updates, e.Details)
		case evidence.ActionAccessDenied:
			denied++
		}
	}
	if len(updates) != 1 {
		t.Fatalf("custody entries of the correction: %v, want one", updates)
	}
	u := updates[0]
	if u["device_before"] != "DSJ-01" || u["device"] != "DSJ-02" || u["officer_before"] != "000123" || u["officer"] != "000124" || u["reason"] != "采集站登记的记录仪编号有误" {
		t.Errorf("correction entry %v: want before, after and reason", u)
	}
	if denied != 3 {
		t.Errorf("%d refusals on the recording's trail, want 3", denied)
	}
	body := ts.page(t, evidence.RoleCustodian, page).Body.String()
	for _, want := range []string{`id="correct-form"`, "DSJ-01 → DSJ-02", "000123", "000124", "采集站登记的记录仪编号有误", "recording.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("custodian's recording page lacks %q", want)
		}
	}
	for _, role := range []evidence.Role{evidence.RoleOfficer, evidence.RoleLeader} {
		if b := ts.page(t, role, page).Body.String(); strings.Contains(b, `id="correct-form"`) || strings.Contains(b, "recording.js") {
			t.Errorf("%s's recording page offers the correction", role)
		}
	}
}
