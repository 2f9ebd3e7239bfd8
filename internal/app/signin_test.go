package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store/storetest"
)

// X-SEC-1, issue 9 point 8: one address that fails too often is refused
// before any password is checked, so that one stranger cannot lock every
// account in turn; its refused attempts count towards no account, other
// addresses are not affected, and the limit forgives with time.
func TestAddressLimit(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC))
	db, _ := storetest.OpenClock(t, clock.Now)
	a := New(Config{DB: db, Argon2: fastHash})
	ctx := context.Background()
	_, password, err := a.CreateUser(ctx, System("t"), NewUser{Name: "zhangwei", Role: evidence.RoleOfficer})
	if err != nil {
		t.Fatal(err)
	}
	const stranger = "203.0.113.7"
	limit := a.Policy().AddressFailures
	for i := range limit {
		// Names that exist and names that do not, from new ports.
		name := fmt.Sprintf("guess%d", i)
		if i%3 == 0 {
			name = "zhangwei"
		}
		_, err := a.SignIn(ctx, "", Credentials{Name: name, Password: "wrong", Remote: fmt.Sprintf("%s:%d", stranger, 40000+i)})
		if evidence.ErrorCode(err) != evidence.EUnauthorized {
			t.Fatalf("failure %d: %v, want unauthorized", i, err)
		}
	}
	_, err = a.SignIn(ctx, "", Credentials{Name: "zhangwei", Password: password, Remote: stranger + ":50000"})
	if evidence.ErrorCode(err) != evidence.ETooMany || evidence.ErrorMessage(err).Key != "err.login.address_limited" {
		t.Fatalf("after %d failures from one address: %v, want err.login.address_limited", limit, err)
	}
	// zhangwei failed 4 times, under the account's own lockout.
	if _, err := a.SignIn(ctx, "", Credentials{Name: "zhangwei", Password: password, Remote: "198.51.100.2:1234"}); err != nil {
		t.Fatalf("another address with the right password: %v", err)
	}
	clock.Add(a.Policy().AddressWindow / time.Duration(limit))
	if _, err := a.SignIn(ctx, "", Credentials{Name: "zhangwei", Password: password, Remote: stranger + ":50001"}); err != nil {
		t.Errorf("after one failure is forgiven: %v", err)
	}
}
