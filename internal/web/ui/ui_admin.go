package ui

import (
	"net/http"
	"strconv"
	"strings"

	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// The 系统管理 pages: accounts and departments (system administrator) and
// roles (security administrator). Each page carries the permission of the
// API it shows and whose actions it calls, so the three administrators
// stay separated in the workbench as in the API (X-SEC-2).

// AdminPerms are the permissions in the order the roles page shows them.
var AdminPerms = []evidence.Permission{
	evidence.PermRecordingsList, evidence.PermRecordingsRead, evidence.PermContentRead, evidence.PermUpload, evidence.PermRecordingsEdit,
	evidence.PermBookmark, evidence.PermActivitiesRead, evidence.PermActivitiesRecord, evidence.PermActivitiesReview,
	evidence.PermAccessRequest, evidence.PermAccessApprove, evidence.PermRegisterRead, evidence.PermGrantRevoke, evidence.PermGrantRegister,
	evidence.PermAuditRead, evidence.PermUsersManage, evidence.PermPolicyManage,
}

// permKey is the catalogue key of a permission's description.
func permKey(p evidence.Permission) string { return "perm." + strings.ReplaceAll(string(p), ".", "_") }

// deptRow is a department in tree order with its depth.
type deptRow struct {
	store.Department
	Depth  int
	Parent string
	Users  int
}

// Indent is the left padding of the row's name, in pixels.
func (d deptRow) Indent() int { return 12 + 24*d.Depth }

// Prefix is the indentation of the name in a select's option.
func (d deptRow) Prefix() string { return strings.Repeat("\u3000", d.Depth) }

// deptTree orders departments depth first, each parent before its
// children, siblings by id.
func deptTree(list []store.Department) []deptRow {
	kids := map[int64][]store.Department{}
	byID := map[int64]store.Department{}
	var roots []store.Department
	for _, d := range list {
		byID[d.ID] = d
	}
	for _, d := range list {
		if d.ParentID == nil {
			roots = append(roots, d)
		} else if _, ok := byID[*d.ParentID]; !ok {
			roots = append(roots, d) // a parent gone missing: show it at the top
		} else {
			kids[*d.ParentID] = append(kids[*d.ParentID], d)
		}
	}
	var out []deptRow
	seen := map[int64]bool{}
	var walk func(d store.Department, depth int)
	walk = func(d store.Department, depth int) {
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		row := deptRow{Department: d, Depth: depth}
		if d.ParentID != nil {
			row.Parent = byID[*d.ParentID].Name
		}
		out = append(out, row)
		for _, k := range kids[d.ID] {
			walk(k, depth+1)
		}
	}
	for _, d := range roots {
		walk(d, 0)
	}
	return out
}

// userRow is an account with its department's name.
type userRow struct {
	store.Account
	Dept    string
	Station bool
	Self    bool
	// Awaiting: the account has no role yet (evidence.RoleNone).
	Awaiting bool
}

// adminData loads accounts and departments.
func (h *Handler) adminData(r *http.Request) ([]store.Account, []deptRow, error) {
	var users []store.Account
	var depts []store.Department
	err := h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		if users, err = tx.Accounts(r.Context()); err != nil {
			return err
		}
		depts, err = tx.Departments(r.Context())
		return err
	})
	return users, deptTree(depts), err
}

func userRows(r *http.Request, users []store.Account, depts []deptRow) []userRow {
	names := map[int64]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	me := httpx.User(r)
	var out []userRow
	for _, a := range users {
		row := userRow{Account: a, Station: a.Role == evidence.RoleStation, Self: a.ID == me.ID, Awaiting: a.Role == evidence.RoleNone}
		if a.DepartmentID != nil {
			row.Dept = names[*a.DepartmentID]
		}
		out = append(out, row)
	}
	return out
}

// usersView is the data of the accounts page. The system administrator
// makes accounts without a role or a department (app.CreateUser): the
// page shows both, and the security administrator's roles page sets them.
type usersView struct {
	Name, Role, Dept string // the search
	Users            []userRow
	Total            int
	Depts            []deptRow
	Roles            []evidence.Role // all and RoleNone, for the search
}

// searchRoles are the roles a search may pick: every role, and the
// accounts awaiting one.
func searchRoles() []evidence.Role {
	return append([]evidence.Role{evidence.RoleNone}, evidence.Roles...)
}

// checkRoleQuery refuses a role in a search that is neither a role nor
// RoleNone.
func checkRoleQuery(role string) error {
	if role != "" && !evidence.Role(role).Valid() && evidence.Role(role) != evidence.RoleNone {
		return evidence.Errorf(evidence.EInvalid, "err.query.value", "role", role)
	}
	return nil
}

// nameMatches reports whether a name search q finds u: by account name,
// display name or officer number, since people look officers up by
// either.
func nameMatches(u userRow, q string) bool {
	return q == "" || strings.Contains(strings.ToLower(u.Name+"\x00"+u.DisplayName+"\x00"+u.OfficerNo), strings.ToLower(q))
}

func (h *Handler) AdminUsersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := usersView{Name: strings.TrimSpace(q.Get("name")), Role: q.Get("role"), Dept: q.Get("dept"), Roles: searchRoles()}
	if err := checkRoleQuery(v.Role); err != nil {
		return err
	}
	var deptID int64
	if v.Dept != "" {
		var err error
		if deptID, err = strconv.ParseInt(v.Dept, 10, 64); err != nil {
			return evidence.Errorf(evidence.EInvalid, "err.query.id", "dept")
		}
	}
	users, depts, err := h.adminData(r)
	if err != nil {
		return err
	}
	v.Depts = depts
	v.Total = len(users)
	for _, u := range userRows(r, users, depts) {
		if !nameMatches(u, v.Name) ||
			v.Role != "" && string(u.Role) != v.Role ||
			v.Dept != "" && (u.DepartmentID == nil || *u.DepartmentID != deptID) {
			continue
		}
		v.Users = append(v.Users, u)
	}
	p := h.newPage(w, r, "/admin/users", "menu.system", "menu.users")
	p.Data = v
	return h.render(w, http.StatusOK, "admin_users", p)
}

// deptsView is the data of the departments page.
type deptsView struct {
	Depts []deptRow
}

func (h *Handler) AdminDepartmentsPage(w http.ResponseWriter, r *http.Request) error {
	users, depts, err := h.adminData(r)
	if err != nil {
		return err
	}
	count := map[int64]int{}
	for _, u := range users {
		if u.DepartmentID != nil {
			count[*u.DepartmentID]++
		}
	}
	for i := range depts {
		depts[i].Users = count[depts[i].ID]
	}
	p := h.newPage(w, r, "/admin/departments", "menu.system", "menu.departments")
	p.Data = deptsView{Depts: depts}
	return h.render(w, http.StatusOK, "admin_departments", p)
}

// rolesView is the data of the roles page: accounts with their roles and
// departments, which the security administrator assigns, and what each
// role may do.
type rolesView struct {
	Name, Role string
	Users      []userRow
	Awaiting   int             // accounts without a role
	Roles      []evidence.Role // the matrix's columns
	Search     []evidence.Role // the search's choices: Roles and RoleNone
	// Assignable are the roles the security administrator gives: not the
	// administrators' (the server's operator gives those); station only
	// to a station's account (app.Assign).
	Assignable []evidence.Role
	Depts      []deptRow
	Perms      []evidence.Permission
	// AutoRegister is the bureau's viewing policy (Art. 16): grants
	// registered when approved rather than by a custodian.
	AutoRegister bool
}

func (h *Handler) AdminRolesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := rolesView{Name: strings.TrimSpace(q.Get("name")), Role: q.Get("role"), Roles: evidence.Roles, Search: searchRoles(), Perms: AdminPerms}
	if err := checkRoleQuery(v.Role); err != nil {
		return err
	}
	for _, role := range evidence.Roles {
		if !evidence.IsAdministrator(role) {
			v.Assignable = append(v.Assignable, role)
		}
	}
	users, depts, err := h.adminData(r)
	if err != nil {
		return err
	}
	v.Depts = depts
	for _, u := range userRows(r, users, depts) {
		if u.Awaiting {
			v.Awaiting++
		}
		if !nameMatches(u, v.Name) || v.Role != "" && string(u.Role) != v.Role {
			continue
		}
		v.Users = append(v.Users, u)
	}
	vs, err := h.App.ViewingSettings(r.Context())
	if err != nil {
		return err
	}
	v.AutoRegister = vs.AutoRegister
	p := h.newPage(w, r, "/admin/roles", "menu.system", "menu.roles")
	p.Data, p.Scripts = v, []string{"registration.js"}
	return h.render(w, http.StatusOK, "admin_roles", p)
}

// Perm is a permission's description in the page's language.
func (p *page) Perm(x evidence.Permission) string { return p.T(permKey(x)) }

// AwaitingRole reports whether the signed-in account awaits its role from
// the security administrator (evidence.RoleNone): its only page is the
// home page that says so.
func (p *page) AwaitingRole() bool { return p.User.Role == evidence.RoleNone }

// IsAdminRole reports whether r is one of the three administrators.
func (p *page) IsAdminRole(r evidence.Role) bool { return evidence.IsAdministrator(r) }
