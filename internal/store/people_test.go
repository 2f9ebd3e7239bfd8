package store

import (
	"context"
	"testing"
	"time"

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
		tx.RecordLoginFailure(ctx, a.ID, 5, 15*time.Minute)
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
