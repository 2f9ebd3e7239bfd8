package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/ui"
)

var adminPages = map[string]evidence.Permission{
	"/admin/users":       evidence.PermUsersManage,
	"/admin/departments": evidence.PermUsersManage,
	"/admin/roles":       evidence.PermPolicyManage,
}

// The administration pages open for the administrator whose API they
// call and for no one else (三员分立, X-SEC-2).
func TestAdminPagesAccess(t *testing.T) {
	ts := newTestServer(t)
	for path, perm := range adminPages {
		found := false
		for _, rt := range ts.routes() {
			if rt.pattern == path {
				found = true
				if rt.perm != perm {
					t.Errorf("%s carries %s, want %s", path, rt.perm, perm)
				}
			}
		}
		if !found {
			t.Errorf("%s is not a route", path)
		}
		for _, role := range evidence.Roles {
			w := ts.page(t, role, path)
			if role.Can(perm) != (w.Code == http.StatusOK) || !role.Can(perm) && w.Code != http.StatusForbidden {
				t.Errorf("%s as %s: %d", path, role, w.Code)
			}
		}
		if w := ts.page(t, "", path); w.Code != http.StatusUnauthorized {
			t.Errorf("%s anonymous: %d", path, w.Code)
		}
	}
	// Only the system and security administrators hold either permission.
	for _, role := range evidence.Roles {
		if (role.Can(evidence.PermUsersManage) || role.Can(evidence.PermPolicyManage)) != (role == evidence.RoleSysAdmin || role == evidence.RoleSecAdmin) {
			t.Errorf("%s: unexpected administration permission", role)
		}
	}
}

// The 系统管理 group is in the menu of the two administrators only, each
// with their own pages.
func TestAdminMenu(t *testing.T) {
	ts := newTestServer(t)
	want := map[evidence.Role][]string{
		evidence.RoleSysAdmin: {"/admin/users", "/admin/departments", "/admin/stations"},
		evidence.RoleSecAdmin: {"/admin/roles"},
	}
	for _, role := range evidence.Roles {
		var got []string
		for _, g := range ui.MenuFor(role) {
			if g.Key != "menu.system" {
				continue
			}
			for _, it := range g.Items {
				got = append(got, it.Href)
			}
		}
		if strings.Join(got, " ") != strings.Join(want[role], " ") {
			t.Errorf("%s: 系统管理 items %v, want %v", role, got, want[role])
		}
	}
	body := ts.page(t, evidence.RoleSysAdmin, "/admin/users").Body.String()
	if !strings.Contains(body, ">系统管理<") || !strings.Contains(body, `href="/admin/departments"`) || strings.Contains(body, `href="/admin/roles"`) {
		t.Error("sysadmin's menu")
	}
	body = ts.page(t, evidence.RoleOfficer, "/recordings").Body.String()
	if strings.Contains(body, "系统管理") || strings.Contains(body, "/admin/") {
		t.Error("the officer sees the 系统管理 group")
	}
}

func TestAdminPagesContent(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		city, err := tx.CreateDepartment(ctx, "市局", nil)
		if err != nil {
			return err
		}
		traffic, err := tx.CreateDepartment(ctx, "交警支队", &city.ID)
		if err != nil {
			return err
		}
		if _, err := tx.CreateDepartment(ctx, "刑侦支队", &city.ID); err != nil {
			return err
		}
		if _, err := tx.CreateDepartment(ctx, "一大队", &traffic.ID); err != nil {
			return err
		}
		u, _, err := tx.UserByName(ctx, "u-officer")
		if err != nil {
			return err
		}
		return tx.SetDepartment(ctx, u.ID, &traffic.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	body := ts.page(t, evidence.RoleSysAdmin, "/admin/users").Body.String()
	for _, want := range []string{"u-officer", "执法人员", "交警支队", "新增用户", `id="secret-dialog"`, "采集站", "生成令牌", `id="nu-kind"`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	// X-SEC-2: the system administrator's dialogs give no role and no
	// department: the security administrator assigns both.
	for _, no := range []string{`id="nu-role"`, `id="nu-dept"`, `id="eu-dept"`} {
		if strings.Contains(body, no) {
			t.Errorf("users page has %s", no)
		}
	}
	// Search by role and department.
	body = ts.page(t, evidence.RoleSysAdmin, "/admin/users?role=officer").Body.String()
	tbl := body[strings.Index(body, `id="users-table"`):]
	if !strings.Contains(tbl, "u-officer") || strings.Contains(tbl, "u-leader") {
		t.Error("search by role")
	}
	body = ts.page(t, evidence.RoleSysAdmin, "/admin/users?name=LEAD").Body.String()
	tbl = body[strings.Index(body, `id="users-table"`):]
	if !strings.Contains(tbl, "u-leader") || strings.Contains(tbl, "u-officer") {
		t.Error("search by name")
	}
	if w := ts.page(t, evidence.RoleSysAdmin, "/admin/users?role=nobody"); w.Code != http.StatusBadRequest {
		t.Errorf("bad role: %d", w.Code)
	}

	// The department tree: parents first, children indented below.
	body = ts.page(t, evidence.RoleSysAdmin, "/admin/departments").Body.String()
	order := regexp.MustCompile(`data-depth="(\d)">(?:<span class="tree-indent">[^<]*</span><span class="tree-branch" aria-hidden="true">└</span>)?<span class="ico ico-dept" aria-hidden="true"></span>([^<]+)<`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, m := range order {
		got = append(got, m[1]+m[2])
	}
	if strings.Join(got, " ") != "0市局 1交警支队 2一大队 1刑侦支队" {
		t.Errorf("department tree: %v", got)
	}

	// The roles page: every account and the permission table.
	body = ts.page(t, evidence.RoleSecAdmin, "/admin/roles").Body.String()
	for _, want := range []string{"u-sysadmin", "分配角色", `id="ro-dept"`, "播放、下载", "审批查阅申请"} {
		if !strings.Contains(body, want) {
			t.Errorf("roles page lacks %q", want)
		}
	}
	matrix := body[strings.Index(body, `id="role-matrix"`):]
	if n := strings.Count(matrix, `class="yes"`); n == 0 {
		t.Error("empty permission table")
	}
	var wantYes int
	for _, role := range evidence.Roles {
		for _, p := range ui.AdminPerms {
			if role.Can(p) {
				wantYes++
			}
		}
	}
	if n := strings.Count(matrix, `class="yes"`); n != wantYes {
		t.Errorf("permission table has %d marks, want %d", n, wantYes)
	}
	// The security administrator cannot change their own role.
	self := body[strings.Index(body, `data-name="u-secadmin"`):]
	self = self[:strings.Index(self, "</tr>")]
	if strings.Contains(self, "role-edit") {
		t.Error("the security administrator may edit their own role")
	}
}
