package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// X-SEC-2: the system administrator renames a department (issue 8); the
// accounts in it follow by id, sibling names stay unique, and the custody
// entry keeps the old name beside the new. Other roles may not.
func TestRenameDepartment(t *testing.T) {
	e := newPeopleEnv(t)
	sys := cred{bearer: e.bearer("sys", evidence.RoleSysAdmin)}
	sec := cred{bearer: e.bearer("sec", evidence.RoleSecAdmin)}
	custodian := cred{bearer: e.bearer("keeper", evidence.RoleCustodian)}
	var city, traffic store.Department
	e.do("POST", "/api/v1/departments", sys, `{"name":"市局"}`).decode(t, &city)
	e.do("POST", "/api/v1/departments", sys, `{"name":"交警支队","parent_id":`+itoa(city.ID)+`}`).decode(t, &traffic)
	e.do("POST", "/api/v1/departments", sys, `{"name":"刑侦支队","parent_id":`+itoa(city.ID)+`}`)
	path := "/api/v1/departments/" + itoa(traffic.ID)
	for _, tt := range []struct {
		name string
		c    cred
		path string
		body string
		want int
	}{
		{"ErrSecAdmin", sec, path, `{"name":"交通警察支队"}`, http.StatusForbidden},
		{"ErrCustodian", custodian, path, `{"name":"交通警察支队"}`, http.StatusForbidden},
		{"ErrEmpty", sys, path, `{"name":""}`, http.StatusBadRequest},
		{"ErrSpaces", sys, path, `{"name":" 交警 "}`, http.StatusBadRequest},
		{"ErrTooLong", sys, path, `{"name":"` + strings.Repeat("部", 65) + `"}`, http.StatusBadRequest},
		{"ErrSiblingName", sys, path, `{"name":"刑侦支队"}`, http.StatusConflict},
		{"ErrNoSuchDepartment", sys, "/api/v1/departments/999", `{"name":"x"}`, http.StatusNotFound},
		{"OK", sys, path, `{"name":"交通警察支队"}`, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if a := e.do("PATCH", tt.path, tt.c, tt.body); a.code != tt.want {
				t.Errorf("%d %s, want %d", a.code, a.body, tt.want)
			}
		})
	}
	var list struct{ Departments []store.Department }
	e.do("GET", "/api/v1/departments", sys, "").decode(t, &list)
	names := map[int64]string{}
	for _, d := range list.Departments {
		names[d.ID] = d.Name
	}
	if names[traffic.ID] != "交通警察支队" || names[city.ID] != "市局" {
		t.Errorf("departments after the rename: %v", names)
	}
	var renames []map[string]string
	ctx := context.Background()
	err := e.db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			en, err := audit.Decode(data)
			if en.Action == evidence.ActionDepartmentRename {
				if en.Actor != "sys" || en.Object != "department:"+itoa(traffic.ID) {
					t.Errorf("rename entry by %q on %q", en.Actor, en.Object)
				}
				renames = append(renames, en.Details)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(renames) != 1 || renames[0]["old_name"] != "交警支队" || renames[0]["name"] != "交通警察支队" {
		t.Errorf("custody entries of the rename: %v; want one, old and new name", renames)
	}
	if page := e.do("GET", "/admin/departments", sys, ""); !strings.Contains(page.body, `data-action="dept-rename"`) || !strings.Contains(page.body, "交通警察支队") {
		t.Errorf("departments page: no 重命名 or not the new name")
	}
	if n := count(e.custody(), "access.denied:denied"); n < 2 {
		t.Errorf("the denied renames are not in the custody log: %v", e.custody())
	}
}
