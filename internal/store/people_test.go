package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// X-SEC-2 (and Art. 16: the requester's leader approves): a leader leads
// their department and every department below it, never a sibling or a
// parent; leaders and users without a department form their own group.
func TestIsLeaderOf(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	// 市局 ─┬─ 交警支队 ── 一大队
	//       └─ 刑警支队
	users := map[string]int64{}
	err := db.Update(ctx, func(tx *Tx) error {
		city, err := tx.CreateDepartment(ctx, "市局", nil)
		if err != nil {
			return err
		}
		traffic, err := tx.CreateDepartment(ctx, "交警支队", &city.ID)
		if err != nil {
			return err
		}
		squad, err := tx.CreateDepartment(ctx, "一大队", &traffic.ID)
		if err != nil {
			return err
		}
		crime, err := tx.CreateDepartment(ctx, "刑警支队", &city.ID)
		if err != nil {
			return err
		}
		for name, dept := range map[string]*int64{"city": &city.ID, "traffic": &traffic.ID, "squad": &squad.ID, "crime": &crime.ID, "none": nil, "none2": nil} {
			a, err := tx.CreateAccount(ctx, NewAccount{Name: name, Role: evidence.RoleOfficer, DepartmentID: dept})
			if err != nil {
				return err
			}
			users[name] = a.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		leader, user string
		want         bool
	}{
		{"SameDepartment", "traffic", "traffic", true},
		{"Child", "traffic", "squad", true},
		{"Grandchild", "city", "squad", true},
		{"Parent", "squad", "traffic", false},
		{"Sibling", "crime", "squad", false},
		{"BothWithout", "none", "none2", true},
		{"LeaderWithout", "none", "squad", false},
		{"UserWithout", "city", "none", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bool
			err := db.View(ctx, func(tx *Tx) error {
				var err error
				got, err = tx.IsLeaderOf(ctx, users[tt.leader], users[tt.user])
				return err
			})
			if err != nil || got != tt.want {
				t.Errorf("IsLeaderOf(%s, %s) = %v, %v; want %v", tt.leader, tt.user, got, err, tt.want)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		err := db.View(ctx, func(tx *Tx) error { _, err := tx.IsLeaderOf(ctx, users["city"], 9999); return err })
		if evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("unknown user: err = %v, want not_found", err)
		}
	})
}

func TestDepartments(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	err := db.Update(ctx, func(tx *Tx) error {
		root, err := tx.CreateDepartment(ctx, "市局", nil)
		if err != nil {
			return err
		}
		if _, err := tx.CreateDepartment(ctx, "交警支队", &root.ID); err != nil {
			return err
		}
		if _, err := tx.CreateDepartment(ctx, "交警支队", &root.ID); evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("sibling with the same name: err = %v, want conflict", err)
		}
		if _, err := tx.CreateDepartment(ctx, "市局", nil); evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("root with the same name: err = %v, want conflict", err)
		}
		missing := int64(99)
		if _, err := tx.CreateDepartment(ctx, "x", &missing); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("missing parent: err = %v, want not_found", err)
		}
		ds, err := tx.Departments(ctx)
		if err != nil {
			return err
		}
		if len(ds) != 2 || ds[1].ParentID == nil || *ds[1].ParentID != root.ID {
			t.Errorf("departments = %+v", ds)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// X-SEC-1: five consecutive failures lock the account and the count starts
// over; a success clears it.
func TestLoginFailures(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	err := db.Update(ctx, func(tx *Tx) error {
		a, err := tx.CreateAccount(ctx, NewAccount{Name: "zhangwei", Role: evidence.RoleOfficer, PasswordHash: "h", MustChange: true})
		if err != nil {
			return err
		}
		if _, err := tx.CreateAccount(ctx, NewAccount{Name: "zhangwei", Role: evidence.RoleOfficer}); evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("second account with the name: err = %v, want conflict", err)
		}
		if _, err := tx.RecordLoginFailure(ctx, a.ID, 5, 15*time.Minute); err != nil {
			return err
		}
		if err := tx.RecordLoginSuccess(ctx, a.ID); err != nil {
			return err
		}
		for i := 1; i <= 5; i++ {
			locked, err := tx.RecordLoginFailure(ctx, a.ID, 5, 15*time.Minute)
			if err != nil {
				return err
			}
			if locked != (i == 5) {
				t.Errorf("failure %d: locked = %v", i, locked)
			}
		}
		got, err := tx.Account(ctx, a.ID)
		if err != nil {
			return err
		}
		if got.LockedUntil == nil || !got.LockedUntil.Equal(tx.Now().Add(15*time.Minute)) || got.FailedLogins != 0 || !got.MustChange {
			t.Errorf("after five failures: %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// X-SEC-1: a session ends at logout, at its expiry, and after the idle
// timeout; using it moves the idle deadline.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	db.clock = func() time.Time { return now }
	var s Session
	err := db.Update(ctx, func(tx *Tx) error {
		a, err := tx.CreateAccount(ctx, NewAccount{Name: "lina", Role: evidence.RoleOfficer, PasswordHash: "h"})
		if err != nil {
			return err
		}
		s, err = tx.CreateSession(ctx, a.ID, []byte("hash"), now.Add(8*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func() error {
		return db.View(ctx, func(tx *Tx) error { _, _, err := tx.SessionByToken(ctx, []byte("hash"), 30*time.Minute); return err })
	}
	steps := []struct {
		name    string
		advance time.Duration
		touch   bool
		want    evidence.Code
	}{
		{"OK", 29 * time.Minute, true, ""},
		{"OKAfterTouch", 29 * time.Minute, false, ""},
		{"ErrIdle", time.Minute, false, evidence.EUnauthorized},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		if err := lookup(); evidence.ErrorCode(err) != st.want {
			t.Errorf("%s: err = %v, want %q", st.name, err, st.want)
		}
		if st.touch {
			if err := db.Update(ctx, func(tx *Tx) error { return tx.TouchSession(ctx, s.ID) }); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// R-ACT-3: the officer directory names the people behind officer numbers,
// with the display name (or the account name) and the department; accounts
// without a number are not in it, and a number belongs to one account.
func TestOfficerDirectory(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var dept Department
	var zhang, li Account
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if dept, err = tx.CreateDepartment(ctx, "稽查科", nil); err != nil {
			return err
		}
		if zhang, err = tx.CreateAccount(ctx, NewAccount{Name: "zhangwei", Role: evidence.RoleOfficer, DisplayName: "张伟", OfficerNo: "000123", DepartmentID: &dept.ID}); err != nil {
			return err
		}
		if li, err = tx.CreateAccount(ctx, NewAccount{Name: "lina", Role: evidence.RoleOfficer, OfficerNo: "FN-0042"}); err != nil {
			return err
		}
		if _, err = tx.CreateAccount(ctx, NewAccount{Name: "admin", Role: evidence.RoleSysAdmin}); err != nil {
			return err
		}
		station, err := tx.CreateAccount(ctx, NewAccount{Name: "station-01", Role: evidence.RoleStation})
		if err != nil {
			return err
		}
		if _, err := tx.CreateAccount(ctx, NewAccount{Name: "station-02", Role: evidence.RoleStation, OfficerNo: "000900"}); evidence.ErrorCode(err) != evidence.EInvalid {
			t.Errorf("station with an officer number: err = %v, want invalid", err)
		}
		if err := tx.SetIdentity(ctx, station.ID, "采集站", "000900"); evidence.ErrorCode(err) != evidence.EInvalid {
			t.Errorf("SetIdentity of a station with a number: err = %v, want invalid", err)
		}
		return tx.SetIdentity(ctx, station.ID, "一号采集站", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]Officer
	if err := db.View(ctx, func(tx *Tx) error { got, err = tx.OfficerDirectory(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	want := map[string]Officer{
		"000123":  {Number: "000123", Name: "张伟", User: "zhangwei", UserID: zhang.ID, DepartmentID: dept.ID, Department: "稽查科"},
		"FN-0042": {Number: "FN-0042", Name: "lina", User: "lina", UserID: li.ID},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OfficerDirectory (-want +got):\n%s", diff)
	}

	tests := []struct {
		name             string
		user             int64
		display, officer string
		want             evidence.Code
	}{
		{"ErrConflict", li.ID, "李娜", "000123", evidence.EConflict},
		{"ErrInvalidNumber", li.ID, "李娜", "00 12", evidence.EInvalid},
		{"ErrInvalidLongNumber", li.ID, "李娜", "123456789012345678901234567890123", evidence.EInvalid},
		{"ErrInvalidName", li.ID, "李\n娜", "", evidence.EInvalid},
		{"ErrInvalidSpaces", li.ID, " 李娜", "", evidence.EInvalid},
		{"ErrNotFound", 9999, "x", "", evidence.ENotFound},
		{"OKSameAccount", zhang.ID, "张伟", "000123", ""},
		{"OK", li.ID, "李娜", "000124", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(ctx, func(tx *Tx) error { return tx.SetIdentity(ctx, tt.user, tt.display, tt.officer) })
			if evidence.ErrorCode(err) != tt.want || (tt.want == "") != (err == nil) {
				t.Errorf("SetIdentity(%q, %q) = %v, want %q", tt.display, tt.officer, err, tt.want)
			}
		})
	}
	err = db.Update(ctx, func(tx *Tx) error {
		_, err := tx.CreateAccount(ctx, NewAccount{Name: "other", Role: evidence.RoleOfficer, OfficerNo: "000124"})
		return err
	})
	if evidence.ErrorCode(err) != evidence.EConflict {
		t.Errorf("second account with 000124: err = %v, want conflict", err)
	}
	var a Account
	if err := db.View(ctx, func(tx *Tx) error { a, err = tx.Account(ctx, li.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if a.DisplayName != "李娜" || a.OfficerNo != "000124" {
		t.Errorf("account after SetIdentity = %q %q", a.DisplayName, a.OfficerNo)
	}
	// Clearing the number frees it and leaves the account out of the directory.
	if err := db.Update(ctx, func(tx *Tx) error { return tx.SetIdentity(ctx, li.ID, "李娜", "") }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(ctx, func(tx *Tx) error { got, err = tx.OfficerDirectory(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["000124"]; ok || len(got) != 1 {
		t.Errorf("directory after clearing = %v", got)
	}
}
