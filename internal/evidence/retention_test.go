package evidence

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// R-RET-1, R-RET-2, X-RET-1, X-DEV-3: the retain-until of a recording is the
// strictest of the floor (one year), its class, the device's important mark,
// the case files holding it and its holds.
func TestRetainUntil(t *testing.T) {
	ingested := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	archived := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	at := func(y, m, d, h int) *time.Time { t := time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC); return &t }
	base := RetentionClass{ID: 1, Name: "一般", Kind: ClassYears, Years: 1}
	five := RetentionClass{ID: 4, Name: "五年", Kind: ClassYears, Years: 5}
	withCase := RetentionClass{ID: 2, Name: "随案卷", Kind: ClassCase}
	forever := RetentionClass{ID: 3, Name: "永久", Kind: ClassPermanent}
	tests := []struct {
		name string
		f    RetentionFacts
		want Retention
	}{
		{"FloorOneYear", RetentionFacts{Class: base},
			Retention{Kind: RetainDate, Until: at(2027, 3, 1, 2), Basis: BasisFloor}},
		{"ClassLongerThanFloor", RetentionFacts{Class: five},
			Retention{Kind: RetainDate, Until: at(2031, 3, 1, 2), Basis: BasisClass, Ref: "五年"}},
		{"ClassBelowFloorCannotLower", RetentionFacts{Class: RetentionClass{Name: "零", Kind: ClassYears, Years: 0}},
			Retention{Kind: RetainDate, Until: at(2027, 3, 1, 2), Basis: BasisFloor}},
		{"PermanentClass", RetentionFacts{Class: forever},
			Retention{Kind: RetainPermanent, Basis: BasisClass, Ref: "永久"}},
		{"CaseClassWithoutCaseWaits", RetentionFacts{Class: withCase},
			Retention{Kind: RetainOpen, Basis: BasisCasePending, Ref: "随案卷"}},
		{"ImportantFlagPermanent", RetentionFacts{Class: five, Important: true, ImportantClass: forever},
			Retention{Kind: RetainPermanent, Basis: BasisImportant, Ref: "永久"}},
		{"ImportantFlagBureauClass", RetentionFacts{Class: base, Important: true, ImportantClass: five},
			Retention{Kind: RetainDate, Until: at(2031, 3, 1, 2), Basis: BasisImportant, Ref: "五年"}},
		{"ImportantFlagIgnoredWhenNotSet", RetentionFacts{Class: base, ImportantClass: forever},
			Retention{Kind: RetainDate, Until: at(2027, 3, 1, 2), Basis: BasisFloor}},
		{"OpenCaseKeeps", RetentionFacts{Class: five, Cases: []CaseRetention{{Number: "A1"}}},
			Retention{Kind: RetainOpen, Basis: BasisCaseOpen, Ref: "A1"}},
		{"ArchivedCaseYears", RetentionFacts{Class: base, Cases: []CaseRetention{{Number: "A1", Archived: &archived, Years: 10}}},
			Retention{Kind: RetainDate, Until: at(2037, 6, 1, 0), Basis: BasisCase, Ref: "A1"}},
		{"ArchivedCaseShorterThanClass", RetentionFacts{Class: five, Cases: []CaseRetention{{Number: "A1", Archived: &archived, Years: 1}}},
			Retention{Kind: RetainDate, Until: at(2031, 3, 1, 2), Basis: BasisClass, Ref: "五年"}},
		{"ArchivedCasePermanent", RetentionFacts{Class: base, Cases: []CaseRetention{{Number: "A1", Archived: &archived, Years: 0}}},
			Retention{Kind: RetainPermanent, Basis: BasisCase, Ref: "A1"}},
		{"CaseClassArchivedCase", RetentionFacts{Class: withCase, Cases: []CaseRetention{{Number: "A1", Archived: &archived, Years: 3}}},
			Retention{Kind: RetainDate, Until: at(2030, 6, 1, 0), Basis: BasisCase, Ref: "A1"}},
		{"LongestOfTwoCases", RetentionFacts{Class: base, Cases: []CaseRetention{
			{Number: "A1", Archived: &archived, Years: 3}, {Number: "A2", Archived: &archived, Years: 30}}},
			Retention{Kind: RetainDate, Until: at(2057, 6, 1, 0), Basis: BasisCase, Ref: "A2"}},
		{"OneCaseOpenOneArchived", RetentionFacts{Class: base, Cases: []CaseRetention{
			{Number: "A1", Archived: &archived, Years: 3}, {Number: "A2"}}},
			Retention{Kind: RetainOpen, Basis: BasisCaseOpen, Ref: "A2"}},
		{"HoldKeepsDated", RetentionFacts{Class: base, Holds: []string{"7"}},
			Retention{Kind: RetainOpen, Basis: BasisHold, Ref: "7"}},
		{"HoldUnderPermanentStaysPermanent", RetentionFacts{Class: forever, Holds: []string{"7"}},
			Retention{Kind: RetainPermanent, Basis: BasisClass, Ref: "永久"}},
		{"HoldAndOpenCaseFirstFound", RetentionFacts{Class: base, Cases: []CaseRetention{{Number: "A1"}}, Holds: []string{"7"}},
			Retention{Kind: RetainOpen, Basis: BasisCaseOpen, Ref: "A1"}},
		{"EverythingImportantWins", RetentionFacts{Class: withCase, Important: true, ImportantClass: forever,
			Cases: []CaseRetention{{Number: "A1"}}, Holds: []string{"7"}},
			Retention{Kind: RetainPermanent, Basis: BasisImportant, Ref: "永久"}},
		{"LeapDay", RetentionFacts{Ingested: time.Date(2028, 2, 28, 17, 0, 0, 0, time.UTC), Class: base}, // 29 Feb in Shanghai
			Retention{Kind: RetainDate, Until: at(2029, 2, 28, 17), Basis: BasisFloor}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			if f.Ingested.IsZero() {
				f.Ingested = ingested
			}
			got := RetainUntil(f)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RetainUntil (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetentionDue(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		r    Retention
		now  time.Time
		want bool
	}{
		{"BeforeDate", Retention{Kind: RetainDate, Until: &until}, until.Add(-time.Microsecond), false},
		{"AtDate", Retention{Kind: RetainDate, Until: &until}, until, true},
		{"Open", Retention{Kind: RetainOpen}, until.AddDate(50, 0, 0), false},
		{"Permanent", Retention{Kind: RetainPermanent}, until.AddDate(50, 0, 0), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Due(tt.now); got != tt.want {
				t.Errorf("Due = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetentionClassValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    RetentionClass
		ok   bool
	}{
		{"OK", RetentionClass{Name: "x", Kind: ClassYears, Years: 1}, true},
		{"ErrBelowFloor", RetentionClass{Name: "x", Kind: ClassYears, Years: 0}, false},
		{"ErrTooLong", RetentionClass{Name: "x", Kind: ClassYears, Years: MaxRetentionYears + 1}, false},
		{"OKPermanent", RetentionClass{Name: "x", Kind: ClassPermanent}, true},
		{"ErrNoName", RetentionClass{Kind: ClassCase}, false},
		{"ErrKind", RetentionClass{Name: "x", Kind: "forever"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
