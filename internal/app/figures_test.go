package app

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-RPT-1, X-RPT-1: the year's figures per officer and department: a
// finding counts for the officer it names, or for each officer of its
// activity, and once per department and in the total; a case counts by its
// item of Art. 20 in the year it was opened, its decisions in the year
// written on them; each reader sees the officers whose cases they may read.
func TestAnnualFigures(t *testing.T) {
	f, finding := accFixture(t)
	ctx := context.Background()
	// 张伟 and 李娜, no notice: the finding about the activity as a whole
	// counts for both.
	a := f.activity()
	a.NoticeGiven = false
	act, err := f.app.CreateActivity(ctx, f.who["zhangwei"], a)
	if err != nil {
		t.Fatal(err)
	}
	err = f.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RaiseFindings(ctx, []evidence.Finding{{Key: "test:wang", Rule: "upload_late", Article: "Art. 13", Officer: "000125",
			Evidence: evidence.Msg("finding.notice_missing"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.app.OpenAccountability(ctx, f.who["liuyang"], evidence.AccountabilityCase{FindingID: finding, Officer: "000123", Item: "3",
		Facts: "未按规定记录", Consequence: evidence.ConsequenceComplaint})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AnswerAccountability(ctx, f.who["zhangwei"], x.ID, "知错"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.DecideAccountability(ctx, f.who["liuyang"], x.ID, AccDecisionInput{DecidedOn: f.now.Format("2006-01-02"),
		Decisions: []evidence.AccDecision{evidence.DecisionSelfCriticism, evidence.DecisionCirculated}}); err != nil {
		t.Fatal(err)
	}

	// The oracle: the activity's findings, counted by hand.
	want := map[string]int{"000123": 1, "000125": 1}
	dept1, whole := 1, 0
	err = f.db.View(ctx, func(tx *store.Tx) error {
		fs, err := tx.Findings(ctx, store.FindingFilter{ActivityID: act.ID})
		for _, x := range fs {
			dept1++
			if x.Officer != "" {
				want[x.Officer]++
				continue
			}
			whole++
			for _, o := range act.Officers {
				want[o]++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if whole == 0 {
		t.Fatalf("the activity raised no finding about it as a whole: the test proves nothing")
	}

	figures := func(who string, year int) store.Figures {
		t.Helper()
		var fig store.Figures
		err := f.db.View(ctx, func(tx *store.Tx) (err error) {
			fig, err = tx.AnnualFigures(ctx, year, SeeAccountability(f.who[who].User))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return fig
	}
	fig := figures("fazhi", 2026)
	got := map[string]int{}
	for _, r := range fig.Officers {
		got[r.Officer] = r.Findings
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings by officer (-want +got):\n%s", diff)
	}
	depts := map[string]store.FigureRow{}
	for _, r := range fig.Departments {
		depts[r.Department] = r
	}
	d1 := depts["一科"]
	if d1.Findings != dept1 || depts["二科"].Findings != 1 || fig.Total.Findings != dept1+1 {
		t.Errorf("findings by department: 一科 %d (want %d), 二科 %d, total %d", d1.Findings, dept1, depts["二科"].Findings, fig.Total.Findings)
	}
	if d1.Cases != 1 || d1.ByItem["3"] != 1 || d1.ByDecision[evidence.DecisionSelfCriticism] != 1 || d1.ByDecision[evidence.DecisionCirculated] != 1 ||
		fig.Total.Cases != 1 || fig.Total.ByDecision[evidence.DecisionSuspension] != 0 {
		t.Errorf("一科's cases %+v, total %+v", d1.FigureCounts, fig.Total)
	}

	for _, tc := range []struct {
		name, who string
		year      int
		officers  []string
	}{
		{"LeaderOfOtherDepartment", "chenjing", 2026, []string{"000125"}},
		{"Officer", "zhangwei", 2026, []string{"000123"}},
		{"OtherYear", "fazhi", 2025, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range figures(tc.who, tc.year).Officers {
				got = append(got, r.Officer)
			}
			if diff := cmp.Diff(tc.officers, got); diff != "" {
				t.Errorf("officers (-want +got):\n%s", diff)
			}
		})
	}
}
