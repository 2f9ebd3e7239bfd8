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

// Issue 13 point 3, Art. 12: a station reports with its token; the report
// marks its docked devices seen (unregistered ones listed), the system
// administrator's page lists it; nobody else reports.
func TestStationHeartbeat(t *testing.T) {
	ts := newTestServer(t)
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"DSJ0A12"}`, nil); code != 201 {
		t.Fatalf("register: %d", code)
	}
	report := `{"version":"t","queue":3,"errors":[{"at":"2026-12-05T10:00:00Z","text":"上传 a.MP4 失败"}],
		"docked":[{"serial":"DSJ0A12","officer":"000123","docked_at":"2026-12-05T10:00:00Z"},{"serial":"DSJ9Z99","officer":"000124","unit":"110105"}]}`
	for _, role := range []evidence.Role{evidence.RoleOfficer, evidence.RoleSysAdmin, evidence.RoleCustodian} {
		if code := ts.call(t, "POST", "/api/v1/stations/heartbeat", role, report, nil); code != 403 {
			t.Errorf("%s reports as a station: %d, want 403", role, code)
		}
	}
	if code := ts.call(t, "POST", "/api/v1/stations/heartbeat", evidence.RoleStation, report, nil); code != 204 {
		t.Fatalf("station reports: %d", code)
	}
	if code := ts.call(t, "POST", "/api/v1/stations/heartbeat", evidence.RoleStation, `{"docked":[{"serial":"DSJ 9"}]}`, nil); code != 400 {
		t.Errorf("malformed serial: %d, want 400", code)
	}
	var list struct {
		Devices      []evidence.Device         `json:"devices"`
		Unregistered []evidence.DeviceSighting `json:"unregistered"`
	}
	ts.call(t, "GET", "/api/v1/devices", evidence.RoleCustodian, "", &list)
	if len(list.Devices) != 1 || list.Devices[0].LastSeen == nil || list.Devices[0].LastStation != "u-station" {
		t.Errorf("registered device not marked seen: %+v", list.Devices)
	}
	if len(list.Unregistered) != 1 || list.Unregistered[0].Serial != "DSJ9Z99" || list.Unregistered[0].Unit != "110105" {
		t.Errorf("unregistered devices: %+v", list.Unregistered)
	}
	var stations struct {
		Stations []evidence.Station `json:"stations"`
	}
	if code := ts.call(t, "GET", "/api/v1/stations", evidence.RoleSysAdmin, "", &stations); code != 200 || len(stations.Stations) != 1 ||
		stations.Stations[0].LastContact == nil || stations.Stations[0].Report.Queue != 3 {
		t.Errorf("stations: %d %+v", code, stations)
	}
	body := ts.page(t, evidence.RoleSysAdmin, "/admin/stations").Body.String()
	if !strings.Contains(body, "上传 a.MP4 失败") || !strings.Contains(body, "DSJ9Z99") {
		t.Error("/admin/stations does not show the report")
	}
	if w := ts.page(t, evidence.RoleCustodian, "/admin/stations"); w.Code == 200 {
		t.Error("custodian reads /admin/stations")
	}
	body = ts.page(t, evidence.RoleCustodian, "/devices").Body.String()
	if !strings.Contains(body, `id="sightings-table"`) || !strings.Contains(body, "DSJ9Z99") {
		t.Error("/devices does not list the unregistered device")
	}
}
