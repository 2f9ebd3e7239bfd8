package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// R-ACT-5: bookmarks are stored beside a recording, listed per recording
// and per activity in the order of the media, and a removal keeps the row
// with who removed it and when while the lists drop it.
func TestBookmarks(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var officer, leader evidence.User
	var rec, other evidence.Recording
	var act evidence.Activity
	err := db.Update(ctx, func(tx *Tx) (err error) {
		if officer, err = tx.CreateUser(ctx, "lihua", evidence.RoleOfficer, ""); err != nil {
			return err
		}
		if leader, err = tx.CreateUser(ctx, "zhangwei", evidence.RoleLeader, ""); err != nil {
			return err
		}
		if rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("a")), Size: 1, Filename: "a.mp4", Kind: evidence.KindVideo}, officer.ID); err != nil {
			return err
		}
		if other, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("b")), Size: 1, Filename: "b.mp4", Kind: evidence.KindVideo}, officer.ID); err != nil {
			return err
		}
		act, err = tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "某药房"}, Officers: []string{"000123"},
			Arrival: tx.Now().Add(-time.Hour), End: tx.Now(), WorkMode: evidence.WorkNormal}, officer.ID)
		if err != nil {
			return err
		}
		_, err = tx.LinkRecording(ctx, act.ID, rec.ID, officer.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	end := int64(7000)
	var late, early, span, elsewhere evidence.Bookmark
	err = db.Update(ctx, func(tx *Tx) (err error) {
		add := func(b evidence.Bookmark) evidence.Bookmark {
			if err == nil {
				b, err = tx.AddBookmark(ctx, b)
			}
			return b
		}
		late = add(evidence.Bookmark{RecordingID: rec.ID, OffsetMS: 6000, Kind: evidence.BookmarkPhysical, Label: "药品无批号", CreatedByID: officer.ID})
		early = add(evidence.Bookmark{RecordingID: rec.ID, OffsetMS: 1500, Kind: evidence.BookmarkNotice, CreatedByID: officer.ID})
		span = add(evidence.Bookmark{RecordingID: rec.ID, OffsetMS: 3000, EndMS: &end, Kind: evidence.BookmarkStatement, Label: "当事人陈述", CreatedByID: leader.ID})
		elsewhere = add(evidence.Bookmark{RecordingID: other.ID, OffsetMS: 0, Kind: evidence.BookmarkScene, CreatedByID: officer.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := evidence.Bookmark{ID: span.ID, RecordingID: rec.ID, OffsetMS: 3000, EndMS: &end, Kind: evidence.BookmarkStatement, Label: "当事人陈述",
		CreatedByID: leader.ID, CreatedBy: "zhangwei", CreatedAt: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, span); diff != "" {
		t.Errorf("stored bookmark (-want +got):\n%s", diff)
	}
	ids := func(list []evidence.Bookmark) []int64 {
		out := []int64{}
		for _, b := range list {
			out = append(out, b.ID)
		}
		return out
	}
	list := func() (byRec, byAct []int64) {
		t.Helper()
		err := db.View(ctx, func(tx *Tx) error {
			a, err := tx.Bookmarks(ctx, rec.ID)
			if err != nil {
				return err
			}
			b, err := tx.ActivityBookmarks(ctx, act.ID)
			byRec, byAct = ids(a), ids(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return byRec, byAct
	}
	byRec, byAct := list()
	if diff := cmp.Diff([]int64{early.ID, span.ID, late.ID}, byRec); diff != "" {
		t.Errorf("recording's bookmarks in media order (-want +got):\n%s", diff)
	}
	// The other recording is not linked to the activity.
	if diff := cmp.Diff([]int64{early.ID, span.ID, late.ID}, byAct); diff != "" {
		t.Errorf("activity's bookmarks (-want +got):\n%s", diff)
	}

	t.Run("Remove", func(t *testing.T) {
		var removed evidence.Bookmark
		if err := db.Update(ctx, func(tx *Tx) (err error) { removed, err = tx.RemoveBookmark(ctx, span.ID, officer.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if removed.RemovedBy != "lihua" || removed.RemovedAt == nil || removed.Label != "当事人陈述" {
			t.Errorf("removed bookmark: %+v", removed)
		}
		byRec, byAct := list()
		if diff := cmp.Diff([]int64{early.ID, late.ID}, byRec); diff != "" {
			t.Errorf("after removal (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{early.ID, late.ID}, byAct); diff != "" {
			t.Errorf("activity after removal (-want +got):\n%s", diff)
		}
		var kept evidence.Bookmark
		check(t, db.View(ctx, func(tx *Tx) (err error) { kept, err = tx.Bookmark(ctx, span.ID); return err }))
		if kept.RemovedAt == nil || kept.RemovedBy != "lihua" {
			t.Errorf("the removed row is gone or lacks who removed it: %+v", kept)
		}
	})
	t.Run("ErrConflictRemovedTwice", func(t *testing.T) {
		err := db.Update(ctx, func(tx *Tx) error { _, err := tx.RemoveBookmark(ctx, span.ID, officer.ID); return err })
		if evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("second removal: %v, want conflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		err := db.Update(ctx, func(tx *Tx) error { _, err := tx.RemoveBookmark(ctx, 9999, officer.ID); return err })
		if evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("unknown bookmark: %v, want not_found", err)
		}
		err = db.Update(ctx, func(tx *Tx) error {
			_, err := tx.AddBookmark(ctx, evidence.Bookmark{RecordingID: 9999, Kind: evidence.BookmarkOther, CreatedByID: officer.ID})
			return err
		})
		if evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("bookmark on an unknown recording: %v, want not_found", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.AddBookmark(ctx, evidence.Bookmark{RecordingID: rec.ID, Kind: "funny", CreatedByID: officer.ID})
			return err
		})
		if evidence.ErrorCode(err) != evidence.EInvalid {
			t.Errorf("unknown kind: %v, want invalid", err)
		}
	})
	t.Run("OtherRecording", func(t *testing.T) {
		var got []evidence.Bookmark
		check(t, db.View(ctx, func(tx *Tx) (err error) { got, err = tx.Bookmarks(ctx, other.ID); return err }))
		if diff := cmp.Diff([]int64{elsewhere.ID}, ids(got)); diff != "" {
			t.Errorf("other recording's bookmarks (-want +got):\n%s", diff)
		}
	})
}
