package store

import (
	"context"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// R-VIEW-1: a grant covers the request's recordings for its period only,
// and the range requests of one playback make one viewing in the register.
func TestGrantsAndRegister(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := now
	db, _ := openTest(t)
	db.clock = func() time.Time { return clock }
	var officer, leader evidence.User
	var recA, recB evidence.Recording
	var req evidence.AccessRequest
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if officer, err = tx.CreateUser(ctx, "zhangwei", evidence.RoleOfficer, ""); err != nil {
			return err
		}
		if leader, err = tx.CreateUser(ctx, "liuyang", evidence.RoleLeader, ""); err != nil {
			return err
		}
		if recA, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("a")), Size: 1, Filename: "a", Kind: evidence.KindVideo}, officer.ID); err != nil {
			return err
		}
		if recB, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("b")), Size: 1, Filename: "b", Kind: evidence.KindVideo}, officer.ID); err != nil {
			return err
		}
		req, err = tx.CreateAccessRequest(ctx, evidence.AccessRequest{RequesterID: officer.ID, Purpose: evidence.PurposeLitigation, Reason: "行政诉讼举证",
			RecordingIDs: []int64{recA.ID}, From: now, Until: now.Add(time.Hour)})
		if err != nil {
			return err
		}
		if _, err := tx.LiveGrant(ctx, officer.ID, recA.ID); evidence.ErrorCode(err) != evidence.EForbidden {
			t.Errorf("grant before approval: %v", err)
		}
		if err := req.Decide(true, leader, "", tx.Now()); err != nil {
			return err
		}
		req, err = tx.DecideAccessRequest(ctx, req, leader.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	live := func(rec int64) error {
		return db.View(ctx, func(tx *Tx) error { _, err := tx.LiveGrant(ctx, officer.ID, rec); return err })
	}
	if err := live(recA.ID); err != nil {
		t.Errorf("approved grant not live: %v", err)
	}
	if err := live(recB.ID); evidence.ErrorCode(err) != evidence.EForbidden {
		t.Errorf("grant covers a recording not asked for: %v", err)
	}
	// Three range requests a minute apart are one viewing; one after a long
	// pause starts another.
	for _, at := range []time.Duration{0, time.Minute, 2 * time.Minute, 30 * time.Minute} {
		clock = now.Add(at)
		if err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.RecordViewing(ctx, req.GrantID, officer.ID, recA.ID, 1000)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	check(t, db.View(ctx, func(tx *Tx) error {
		reg, err := tx.Register(ctx, now.Add(-time.Hour), now.Add(time.Hour), Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if len(reg) != 2 || reg[1].Requests != 3 || reg[1].Duration != 2*time.Minute || reg[1].Bytes != 3000 ||
			reg[1].Approver != "liuyang" || reg[1].Purpose != evidence.PurposeLitigation || reg[0].Requests != 1 {
			t.Errorf("register = %+v", reg)
		}
		return nil
	}))
	clock = now.Add(time.Hour)
	if err := live(recA.ID); evidence.ErrorCode(err) != evidence.EForbidden {
		t.Errorf("grant live at its end: %v", err)
	}
}
