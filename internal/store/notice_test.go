package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// R-ACT-3, X-ACT-2: an activity starts with no notice; confirming it sets
// the flag the rules read, who confirmed it and when (the transaction's
// clock), and the preamble items stated; a later confirmation replaces the
// items. An unknown activity is not found.
func TestNotice(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	var before, after, again Notice
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if before, err = tx.Notice(ctx, f.act.ID); err != nil {
			return err
		}
		if after, err = tx.ConfirmNotice(ctx, f.act.ID, "zhangwei", []string{"time", "place"}); err != nil {
			return err
		}
		a, err := tx.Activity(ctx, f.act.ID)
		if err != nil {
			return err
		}
		if !a.NoticeGiven {
			t.Error("activity.NoticeGiven is false after the confirmation")
		}
		again, err = tx.ConfirmNotice(ctx, f.act.ID, "lina", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Notice{Stated: []string{}}, before); diff != "" {
		t.Errorf("before (-want +got):\n%s", diff)
	}
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC) // openTest's clock
	if diff := cmp.Diff(Notice{Given: true, ConfirmedBy: "zhangwei", ConfirmedAt: &now, Stated: []string{"time", "place"}}, after); diff != "" {
		t.Errorf("after (-want +got):\n%s", diff)
	}
	if again.ConfirmedBy != "lina" || len(again.Stated) != 0 || again.Stated == nil {
		t.Errorf("again = %+v", again)
	}
	err = db.Update(ctx, func(tx *Tx) error { _, err := tx.ConfirmNotice(ctx, 9999, "x", nil); return err })
	if evidence.ErrorCode(err) != evidence.ENotFound {
		t.Errorf("ConfirmNotice(9999) = %v, want not_found", err)
	}
	err = db.View(ctx, func(tx *Tx) error { _, err := tx.Notice(ctx, 9999); return err })
	if evidence.ErrorCode(err) != evidence.ENotFound {
		t.Errorf("Notice(9999) = %v, want not_found", err)
	}
}
