package app

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// spotFixture is the activity fixture with a month of work in 一科 — 12
// activities and 12 recordings of 张伟 in November 2026, one activity and
// one recording in October, one activity of 二科 — and the reviewers: 法制
// (legal), 一科's head and 二科's head. It returns 一科's and 二科's ids.
func spotFixture(t *testing.T) (f *activityFixture, d1, d2 int64) {
	t.Helper()
	f = newActivityFixture(t)
	ctx := context.Background()
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		deps, err := tx.Departments(ctx)
		if err != nil {
			return err
		}
		for _, d := range deps {
			switch d.Name {
			case "一科":
				d1 = d.ID
			case "二科":
				d2 = d.ID
			}
		}
		for _, p := range []struct {
			name string
			role evidence.Role
			dept *int64
		}{{"fazhi", evidence.RoleLegal, nil}, {"kezhang", evidence.RoleDeptHead, &d1}, {"erke", evidence.RoleDeptHead, &d2}} {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: p.name, Role: p.role, DepartmentID: p.dept})
			if err != nil {
				return err
			}
			f.who[p.name] = Actor{User: a.User}
		}
		for i := range 13 {
			start := time.Date(2026, 11, 1+i, 9, 0, 0, 0, evidence.Zone)
			if i == 12 {
				start = time.Date(2026, 10, 31, 9, 0, 0, 0, evidence.Zone)
			}
			content := fmt.Sprintf("clip %d", i)
			if _, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(content)), Size: int64(len(content)),
				Filename: fmt.Sprintf("c%d.mp4", i), Kind: evidence.KindVideo, Officer: "000123", RecordedStart: &start}, f.who["zhangwei"].User.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 14 {
		x := f.activity()
		x.Arrival = time.Date(2026, 11, 1+i, 9, 0, 0, 0, evidence.Zone)
		who := "zhangwei"
		switch i {
		case 12:
			x.Arrival = time.Date(2026, 10, 30, 9, 0, 0, 0, evidence.Zone)
		case 13:
			x.Officers, who = []string{"000125"}, "wangqiang"
			x.Type = evidence.ActivityType("other")
		}
		x.End = x.Arrival.Add(time.Hour)
		if _, err := f.app.CreateActivity(ctx, f.who[who], x); err != nil {
			t.Fatalf("activity %d: %v", i, err)
		}
	}
	return f, d1, d2
}

// X-RPT-2: a month's sample of one department is drawn from that month's
// activities and recordings of its officers, the seed recorded; the same
// seed over the same data — in another database — draws the same sample;
// items go to the reviewers in turn, who must be the legal office or a head
// of the department; each is reviewed once by its reviewer, and each "no"
// is a finding that re-evaluation keeps.
func TestSpotCheck(t *testing.T) {
	ctx := context.Background()
	f, d1, d2 := spotFixture(t)
	seed := int64(4242)
	draw := SpotDraw{DepartmentID: d1, Month: "2026-11", Size: 4, Seed: &seed,
		Reviewers: []int64{f.who["fazhi"].User.ID, f.who["kezhang"].User.ID}}

	for _, tc := range []struct {
		name string
		mod  func(*SpotDraw)
		code evidence.Code
		key  string
	}{
		{"ErrMonth", func(d *SpotDraw) { d.Month = "2026-13" }, evidence.EInvalid, "err.spot.month"},
		{"ErrMonthAhead", func(d *SpotDraw) { d.Month = "2026-12" }, evidence.EInvalid, "err.spot.month_ahead"},
		{"ErrSize", func(d *SpotDraw) { d.Size = 51 }, evidence.EInvalid, "err.spot.size"},
		{"ErrNoReviewers", func(d *SpotDraw) { d.Reviewers = nil }, evidence.EInvalid, "err.spot.no_reviewers"},
		{"ErrReviewerOfficer", func(d *SpotDraw) { d.Reviewers = []int64{f.who["lina"].User.ID} }, evidence.EInvalid, "err.spot.reviewer"},
		{"ErrHeadOfAnotherDepartment", func(d *SpotDraw) { d.Reviewers = []int64{f.who["erke"].User.ID} }, evidence.EInvalid, "err.spot.reviewer_department"},
	} {
		t.Run("Draw"+tc.name, func(t *testing.T) {
			d := draw
			tc.mod(&d)
			_, err := f.app.DrawSpotCheck(ctx, f.who["fazhi"], d)
			wantCode(t, err, tc.code, tc.key)
		})
	}

	s, err := f.app.DrawSpotCheck(ctx, f.who["fazhi"], draw)
	if err != nil {
		t.Fatal(err)
	}
	if s.PopActivities != 12 || s.PopRecordings != 12 || len(s.Items) != 8 || s.Seed != seed || s.DrawnBy != "fazhi" {
		t.Fatalf("drawn %+v", s)
	}
	if _, err := f.app.DrawSpotCheck(ctx, f.who["fazhi"], draw); evidence.ErrorCode(err) != evidence.EConflict {
		t.Fatalf("a second draw of the month: %v", err)
	}
	// Reproducible: the same data in another database, the same seed.
	g, g1, _ := spotFixture(t)
	again := draw
	again.DepartmentID, again.Reviewers = g1, []int64{g.who["fazhi"].User.ID}
	s2, err := g.app.DrawSpotCheck(ctx, g.who["fazhi"], again)
	if err != nil {
		t.Fatal(err)
	}
	sample := func(s evidence.SpotCheck) []string {
		var out []string
		for _, it := range s.Items {
			out = append(out, fmt.Sprintf("%s:%d", it.Kind, it.ObjectID))
		}
		return out
	}
	if diff := cmp.Diff(sample(s), sample(s2)); diff != "" {
		t.Fatalf("the same seed over the same data drew another sample (-first +second):\n%s", diff)
	}
	// A random seed is recorded; 二科's month has its own sample.
	s3, err := f.app.DrawSpotCheck(ctx, f.who["fazhi"], SpotDraw{DepartmentID: d2, Month: "2026-11", Reviewers: []int64{f.who["erke"].User.ID}})
	if err != nil || s3.PopActivities != 1 || s3.PopRecordings != 0 || len(s3.Items) != 1 || s3.Size != evidence.DefaultSpotSize {
		t.Fatalf("二科: %+v, %v", s3, err)
	}

	// Reviews.
	var act, rec evidence.SpotItem
	for _, it := range s.Items {
		if it.ReviewerID != draw.Reviewers[0] {
			continue
		}
		if it.Kind == evidence.SpotActivity && act.ID == 0 {
			act = it
		}
		if it.Kind == evidence.SpotRecording && rec.ID == 0 {
			rec = it
		}
	}
	if act.ID == 0 || rec.ID == 0 {
		t.Fatalf("the legal office got no activity or no recording: %+v", s.Items)
	}
	all := map[evidence.SpotQuestion]bool{evidence.SpotRecorded: true, evidence.SpotNotice: true, evidence.SpotCoverage: true,
		evidence.SpotKeyMoments: true, evidence.SpotFindingsAgreed: true}
	with := func(q evidence.SpotQuestion) map[evidence.SpotQuestion]bool {
		m := map[evidence.SpotQuestion]bool{}
		for k, v := range all {
			m[k] = v
		}
		m[q] = false
		return m
	}
	for _, tc := range []struct {
		name, who string
		rv        SpotReview
		code      evidence.Code
		key       string
	}{
		{"ErrNotReviewer", "kezhang", SpotReview{Answers: all}, evidence.EForbidden, "err.spot.not_reviewer"},
		{"ErrUnanswered", "fazhi", SpotReview{Answers: map[evidence.SpotQuestion]bool{evidence.SpotRecorded: true}}, evidence.EInvalid, "err.spot.unanswered"},
		{"ErrUnknownQuestion", "fazhi", SpotReview{Answers: map[evidence.SpotQuestion]bool{"weather": true}}, evidence.EInvalid, "err.spot.question"},
		{"ErrNoWithoutNote", "fazhi", SpotReview{Answers: with(evidence.SpotNotice)}, evidence.EInvalid, "err.spot.note_needed"},
	} {
		t.Run("Review"+tc.name, func(t *testing.T) {
			_, err := f.app.ReviewSpotItem(ctx, f.who[tc.who], act.ID, tc.rv)
			wantCode(t, err, tc.code, tc.key)
		})
	}
	noNotice := with(evidence.SpotNotice)
	noNotice[evidence.SpotKeyMoments] = false
	if _, err := f.app.ReviewSpotItem(ctx, f.who["fazhi"], act.ID, SpotReview{Answers: noNotice, Note: "未见告知，重点环节缺失"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.ReviewSpotItem(ctx, f.who["fazhi"], act.ID, SpotReview{Answers: all})
	wantCode(t, err, evidence.EConflict, "err.spot.reviewed")
	if _, err := f.app.ReviewSpotItem(ctx, f.who["fazhi"], rec.ID, SpotReview{Answers: with(evidence.SpotCoverage), Note: "中间中断"}); err != nil {
		t.Fatal(err)
	}

	// The findings: two about the activity, one about the recording and
	// its officer; re-evaluating the activity keeps them.
	if err := f.db.Update(ctx, func(tx *store.Tx) error { return reevaluate(ctx, tx, act.ObjectID, f.app.params) }); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = f.db.View(ctx, func(tx *store.Tx) error {
		fs, err := tx.Findings(ctx, store.FindingFilter{Rule: evidence.RuleSpotCheck})
		for _, x := range fs {
			got = append(got, fmt.Sprintf("%d/%v/%s/%s", x.ActivityID, x.RecordingIDs, x.Officer, x.Evidence.Args[0].(evidence.Message).Key))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("%d/[]/%s/spot.q.key_moments", act.ObjectID, ""), fmt.Sprintf("%d/[]/%s/spot.q.notice", act.ObjectID, ""),
		fmt.Sprintf("0/[%d]/000123/spot.q.coverage", rec.ObjectID)}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// The custody log: the draw with its seed, each review.
	var entries []string
	err = f.db.View(ctx, func(tx *store.Tx) error {
		list, _, _, err := tx.AuditEntries(ctx, store.AuditFilter{Object: objSpotCheck(s.ID)}, -1, false, 100)
		for _, e := range list {
			entries = append(entries, string(e.Action)+" "+e.Actor+" "+e.Details["seed"]+e.Details["answers"])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"spotcheck.draw fazhi 4242", "spotcheck.review fazhi ynyny", "spotcheck.review fazhi yynyy"}; !cmp.Equal(want, entries) {
		t.Errorf("custody %q, want %q", entries, want)
	}
}
