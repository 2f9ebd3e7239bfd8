package web

import (
	"fmt"
	"strings"
	"testing"

	"shilu/internal/evidence"
)

// X-DEV-1: the registry's routes and pages by role: the custodian keeps
// it, everyone who records the work reads it, nobody else sees it.
func TestDeviceRegistryRoutes(t *testing.T) {
	ts := newTestServer(t)
	var d evidence.Device
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"DSJ0A12","model":"DSJ-V9"}`, &d); code != 201 {
		t.Fatalf("custodian registers: %d", code)
	}
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"dsj0a12"}`, nil); code != 409 {
		t.Errorf("same serial in other letter case: %d, want 409", code)
	}
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"DSJ 0A12"}`, nil); code != 400 {
		t.Errorf("malformed serial: %d, want 400", code)
	}
	for _, tc := range []struct {
		role                    evidence.Role
		read, manage, pageWrite bool
	}{
		{evidence.RoleCustodian, true, true, true},
		{evidence.RoleOfficer, true, false, false},
		{evidence.RoleLegal, true, false, false},
		{evidence.RoleSysAdmin, false, false, false},
		{evidence.RoleStation, false, false, false},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			want := map[bool]int{true: 200, false: 403}
			if code := ts.call(t, "GET", "/api/v1/devices", tc.role, "", nil); code != want[tc.read] {
				t.Errorf("GET /api/v1/devices: %d, want %d", code, want[tc.read])
			}
			if code := ts.call(t, "PATCH", fmt.Sprintf("/api/v1/devices/%d", d.ID), tc.role, `{"note":"备用"}`, nil); (code == 200) != tc.manage {
				t.Errorf("PATCH device: %d", code)
			}
			if !tc.read {
				return
			}
			w := ts.page(t, tc.role, "/devices")
			if w.Code != 200 || !strings.Contains(w.Body.String(), "DSJ0A12") {
				t.Fatalf("/devices: %d", w.Code)
			}
			if got := strings.Contains(w.Body.String(), `id="device-new"`); got != tc.pageWrite {
				t.Errorf("register button shown: %v, want %v", got, tc.pageWrite)
			}
			w = ts.page(t, tc.role, fmt.Sprintf("/devices/%d", d.ID))
			if w.Code != 200 || !strings.Contains(w.Body.String(), "DSJ-V9") {
				t.Fatalf("/devices/%d: %d", d.ID, w.Code)
			}
			if got := strings.Contains(w.Body.String(), `id="assign-form"`); got != tc.pageWrite {
				t.Errorf("assign form shown: %v, want %v", got, tc.pageWrite)
			}
		})
	}
}
