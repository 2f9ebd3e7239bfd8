package app

import (
	"context"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// R-VIEW-1: the leader approves what was asked or less of it: the period
// may be shortened, never lengthened or moved, and the approval's custody
// entry records the period asked and the period granted. A grant whose
// period starts later reads as upcoming, not as ended.
func TestDecideShortensPeriod(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(now)
	db, _ := storetest.OpenClock(t, clock.Now)
	a := New(Config{DB: db, Argon2: fastHash})
	var officer, leader evidence.User
	var rec evidence.Recording
	err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if officer, err = tx.CreateUser(ctx, "zhangwei", evidence.RoleOfficer, ""); err != nil {
			return err
		}
		if leader, err = tx.CreateUser(ctx, "liuyang", evidence.RoleLeader, ""); err != nil {
			return err
		}
		rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("a")), Size: 1, Filename: "a.mp4", Kind: evidence.KindVideo}, officer.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	from, until := now.Add(24*time.Hour), now.Add(72*time.Hour)
	ask := func() int64 {
		t.Helper()
		req, err := a.RequestAccess(ctx, Actor{User: officer}, AccessAsk{RecordingIDs: []int64{rec.ID}, Purpose: evidence.PurposeCaseWork,
			Reason: "案件调查需要", From: &from, Until: until})
		if err != nil {
			t.Fatal(err)
		}
		return req.ID
	}
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	for _, tc := range []struct {
		name             string
		from, until      *time.Time
		want             evidence.Code
		grantFrom, grant time.Time
	}{
		{"OKAsAsked", nil, nil, "", from, until},
		{"OKShorterEnd", nil, at(48 * time.Hour), "", from, now.Add(48 * time.Hour)},
		{"OKLaterStart", at(30 * time.Hour), at(40 * time.Hour), "", now.Add(30 * time.Hour), now.Add(40 * time.Hour)},
		{"ErrInvalidLonger", nil, at(73 * time.Hour), evidence.EInvalid, time.Time{}, time.Time{}},
		{"ErrInvalidEarlier", at(23 * time.Hour), nil, evidence.EInvalid, time.Time{}, time.Time{}},
		{"ErrInvalidBackwards", at(40 * time.Hour), at(30 * time.Hour), evidence.EInvalid, time.Time{}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := ask()
			req, err := a.Decide(ctx, Actor{User: leader}, id, Decision{Approve: true, From: tc.from, Until: tc.until})
			if got := evidence.ErrorCode(err); got != tc.want {
				t.Fatalf("Decide: %v, want code %q", err, tc.want)
			}
			if err != nil {
				check := func(tx *store.Tx) error {
					r, err := tx.AccessRequest(ctx, id)
					if err == nil && r.Status != evidence.RequestPending {
						t.Errorf("refused decision left the request %s", r.Status)
					}
					return err
				}
				if err := db.View(ctx, check); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !req.GrantFrom.Equal(tc.grantFrom) || !req.GrantUntil.Equal(tc.grant) || req.GrantState != evidence.GrantUpcoming {
				t.Errorf("grant %v–%v %s, want %v–%v upcoming", req.GrantFrom, req.GrantUntil, req.GrantState, tc.grantFrom, tc.grant)
			}
			var e audit.Entry
			err = db.View(ctx, func(tx *store.Tx) error {
				g, err := tx.Grant(ctx, req.GrantID)
				if err != nil {
					return err
				}
				if !g.From.Equal(tc.grantFrom) || !g.Until.Equal(tc.grant) || g.State != evidence.GrantUpcoming {
					t.Errorf("stored grant %v–%v %s", g.From, g.Until, g.State)
				}
				trail, err := tx.AuditTrail(ctx, ObjRecording(rec.ID), 1000)
				if err != nil {
					return err
				}
				e, err = audit.Decode(trail[len(trail)-1])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"from": from.Format(time.RFC3339), "until": until.Format(time.RFC3339),
				"grant_from": tc.grantFrom.Format(time.RFC3339), "grant_until": tc.grant.Format(time.RFC3339)}
			if e.Action != evidence.ActionAccessApprove {
				t.Fatalf("last entry %s, want %s", e.Action, evidence.ActionAccessApprove)
			}
			for k, v := range want {
				if e.Details[k] != v {
					t.Errorf("custody detail %s = %q, want %q", k, e.Details[k], v)
				}
			}
		})
	}
}

// R-VIEW-1: a grant reads as what it is at each moment: not started,
// in force, run out, revoked.
func TestGrantStateAt(t *testing.T) {
	from := time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)
	until := from.Add(time.Hour)
	for _, tc := range []struct {
		name    string
		at      time.Time
		revoked bool
		want    evidence.GrantState
	}{
		{"Upcoming", from.Add(-time.Minute), false, evidence.GrantUpcoming},
		{"LiveAtStart", from, false, evidence.GrantLive},
		{"ExpiredAtEnd", until, false, evidence.GrantExpired},
		{"RevokedBeforeStart", from.Add(-time.Minute), true, evidence.GrantRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evidence.GrantStateAt(from, until, tc.revoked, tc.at); got != tc.want {
				t.Errorf("GrantStateAt = %s, want %s", got, tc.want)
			}
		})
	}
}
