package evidence

import (
	"slices"
	"time"
)

// ClassKind is how a retention class (保存类别) keeps its recordings
// (X-RET-1, 事项清单 practice).
type ClassKind string

// The kinds of retention class.
const (
	// ClassYears keeps a recording a number of years after its ingest;
	// never fewer than MinRetentionYears (Art. 14, R-RET-1).
	ClassYears ClassKind = "years"
	// ClassCase keeps a recording as long as the case file it is evidence
	// in (R-RET-2); one not yet in a case file waits for one.
	ClassCase ClassKind = "case"
	// ClassPermanent keeps a recording for ever (永久).
	ClassPermanent ClassKind = "permanent"
)

// ClassKinds lists the kinds of retention class.
var ClassKinds = []ClassKind{ClassYears, ClassCase, ClassPermanent}

// MinRetentionYears is the floor of every retention: Art. 14 keeps every
// recording at least one year (R-RET-1), and no class can lower it.
const MinRetentionYears = 1

// RetentionClass is a class the bureau configures (X-RET-1): a base period
// in years, "with the case file", or permanent.
type RetentionClass struct {
	ID    int64     `json:"id"`
	Name  string    `json:"name"`
	Kind  ClassKind `json:"kind"`
	Years int       `json:"years,omitempty"` // for ClassYears
}

// Validate checks a class as the bureau enters it.
func (c RetentionClass) Validate() error {
	switch {
	case c.Name == "":
		return Errorf(EInvalid, "err.retention.class_name")
	case !slices.Contains(ClassKinds, c.Kind):
		return Errorf(EInvalid, "err.retention.class_kind", string(c.Kind))
	case c.Kind == ClassYears && (c.Years < MinRetentionYears || c.Years > MaxRetentionYears):
		return Errorf(EInvalid, "err.retention.class_years", MinRetentionYears, MaxRetentionYears)
	}
	return nil
}

// RetentionKind says whether a retention ends on a date, waits for
// something (a case file's archiving, a hold's lifting) or never ends.
type RetentionKind string

// The kinds of retention, from the least to the most strict.
const (
	RetainDate      RetentionKind = "date"
	RetainOpen      RetentionKind = "open"
	RetainPermanent RetentionKind = "permanent"
)

func (k RetentionKind) rank() int {
	return slices.Index([]RetentionKind{RetainDate, RetainOpen, RetainPermanent}, k)
}

// The rules a retention can rest on (Retention.Basis); each has the
// catalogue's name "retention.basis.<basis>".
const (
	BasisFloor       = "floor"        // Art. 14: one year after ingest
	BasisClass       = "class"        // the recording's class (Ref: its name)
	BasisImportant   = "important"    // the device's important/locked flag (X-DEV-3; Ref: the class)
	BasisCase        = "case"         // an archived case file's retention (Ref: the case number)
	BasisCaseOpen    = "case_open"    // a case file not yet archived (Ref: the case number)
	BasisCasePending = "case_pending" // class "with the case file", in no case file yet
	BasisHold        = "hold"         // a hold (诉讼保全/复议/信访) in force
)

// Retention is how long a recording is kept (its retain-until) and the
// rule that decides it: the strictest of all that touch the recording.
type Retention struct {
	Kind RetentionKind `json:"kind"`
	// Until is the first moment the recording may be disposed of, for
	// RetainDate; nil otherwise.
	Until *time.Time `json:"until,omitempty"`
	Basis string     `json:"basis"`
	// Ref names the class, case or hold of the basis.
	Ref string `json:"ref,omitempty"`
}

// stricter reports whether r keeps a recording longer than s.
func (r Retention) stricter(s Retention) bool {
	if r.Kind != s.Kind {
		return r.Kind.rank() > s.Kind.rank()
	}
	return r.Kind == RetainDate && r.Until.After(*s.Until)
}

// Due reports whether the retention has ended at now: only a dated
// retention ends.
func (r Retention) Due(now time.Time) bool {
	return r.Kind == RetainDate && r.Until != nil && !now.Before(*r.Until)
}

// CaseRetention is what a case file holding a recording says about its
// retention.
type CaseRetention struct {
	Number string
	// Archived is when the file was archived (归档); nil while it is open.
	Archived *time.Time
	// Years after archiving; 0 is permanent (Case.RetentionYears).
	Years int
}

// RetentionFacts are the facts about one recording that its retention
// depends on.
type RetentionFacts struct {
	Ingested time.Time
	// Class is the recording's own class, or the bureau's default.
	Class RetentionClass
	// Important is the device's important/locked mark (重要文件, X-DEV-3);
	// ImportantClass is the class the bureau gives such files.
	Important      bool
	ImportantClass RetentionClass
	// Cases are the case files holding the recording, attached directly or
	// through an activity.
	Cases []CaseRetention
	// Holds are the names of the holds in force (e.g. "hold:3").
	Holds []string
}

// yearsAfter is t plus n calendar years, counted in the bureau's zone (a
// recording of 29 February is kept until 1 March).
func yearsAfter(t time.Time, n int) *time.Time {
	u := t.In(Zone).AddDate(n, 0, 0).UTC()
	return &u
}

// RetainUntil computes a recording's retention from every rule that
// touches it; the strictest wins (X-RET-1): permanent over open over the
// latest date, and among equals the first found in the order floor, class,
// important flag, case files, holds.
func RetainUntil(f RetentionFacts) Retention {
	best := Retention{Kind: RetainDate, Until: yearsAfter(f.Ingested, MinRetentionYears), Basis: BasisFloor}
	consider := func(r Retention) {
		if r.stricter(best) {
			best = r
		}
	}
	class := func(c RetentionClass, basis string) {
		switch c.Kind {
		case ClassYears:
			consider(Retention{Kind: RetainDate, Until: yearsAfter(f.Ingested, c.Years), Basis: basis, Ref: c.Name})
		case ClassPermanent:
			consider(Retention{Kind: RetainPermanent, Basis: basis, Ref: c.Name})
		case ClassCase:
			if len(f.Cases) == 0 {
				consider(Retention{Kind: RetainOpen, Basis: BasisCasePending, Ref: c.Name})
			}
		}
	}
	class(f.Class, BasisClass)
	if f.Important {
		class(f.ImportantClass, BasisImportant)
	}
	for _, c := range f.Cases {
		switch {
		case c.Archived == nil:
			consider(Retention{Kind: RetainOpen, Basis: BasisCaseOpen, Ref: c.Number})
		case c.Years == 0:
			consider(Retention{Kind: RetainPermanent, Basis: BasisCase, Ref: c.Number})
		default:
			consider(Retention{Kind: RetainDate, Until: yearsAfter(*c.Archived, c.Years), Basis: BasisCase, Ref: c.Number})
		}
	}
	for _, h := range f.Holds {
		consider(Retention{Kind: RetainOpen, Basis: BasisHold, Ref: h})
	}
	return best
}

// HoldKind is why a recording is held (保全): it is never disposed of while
// a hold is in force (Art. 18, R-RET-3).
type HoldKind string

// The kinds of hold.
const (
	HoldLitigation      HoldKind = "litigation"      // 诉讼保全
	HoldReconsideration HoldKind = "reconsideration" // 行政复议
	HoldPetition        HoldKind = "petition"        // 信访
)

// HoldKinds lists the kinds of hold.
var HoldKinds = []HoldKind{HoldLitigation, HoldReconsideration, HoldPetition}

// Valid reports whether k is one of HoldKinds.
func (k HoldKind) Valid() bool { return slices.Contains(HoldKinds, k) }

// Hold is a hold on a recording, in force until lifted.
type Hold struct {
	ID          int64      `json:"id"`
	RecordingID int64      `json:"recording_id"`
	Kind        HoldKind   `json:"kind"`
	Reason      string     `json:"reason"`
	PlacedBy    string     `json:"placed_by"`
	PlacedAt    time.Time  `json:"placed_at"`
	LiftedBy    string     `json:"lifted_by,omitempty"`
	LiftedAt    *time.Time `json:"lifted_at,omitempty"`
	LiftReason  string     `json:"lift_reason,omitempty"`
}

// DisposalStatus is where a disposal (销毁) stands: proposed by the
// custodian, approved by a leader (then a grace period runs), cancelled,
// or carried out (a tombstone stays for ever).
type DisposalStatus string

// The statuses of a disposal.
const (
	DisposalProposed  DisposalStatus = "proposed"
	DisposalApproved  DisposalStatus = "approved"
	DisposalCancelled DisposalStatus = "cancelled"
	DisposalDone      DisposalStatus = "disposed"
)

// DisposalStatuses lists them.
var DisposalStatuses = []DisposalStatus{DisposalProposed, DisposalApproved, DisposalCancelled, DisposalDone}

// DefaultGraceDays is the grace period after approval during which a
// disposal can still be cancelled; it cannot be switched off (MinGraceDays).
const (
	DefaultGraceDays = 30
	MinGraceDays     = 1
	MaxGraceDays     = 365
)

// Disposal is a disposal of one recording and, once carried out, its
// tombstone: what was disposed of (digest, size, names), who proposed and
// approved it, when and why (Art. 18, R-RET-3).
type Disposal struct {
	ID          int64          `json:"id"`
	RecordingID int64          `json:"recording_id"`
	Status      DisposalStatus `json:"status"`
	SHA256      string         `json:"sha256"`
	Size        int64          `json:"size"`
	Filename    string         `json:"filename"`
	Device      string         `json:"device,omitempty"`
	Officer     string         `json:"officer,omitempty"`
	Reason      string         `json:"reason"`
	ProposedBy  string         `json:"proposed_by"`
	ProposedAt  time.Time      `json:"proposed_at"`
	ApprovedBy  string         `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time     `json:"approved_at,omitempty"`
	// Due is the end of the grace period: the disposal is carried out at
	// or after it.
	Due          *time.Time `json:"due,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	DisposedAt   *time.Time `json:"disposed_at,omitempty"`
	// Erased is when the blob was removed; nil on a tombstone whose blob
	// removal is still pending (a restart finishes it).
	Erased *time.Time `json:"erased_at,omitempty"`
}

// RetentionSettings are the bureau's retention settings.
type RetentionSettings struct {
	// DefaultClass is the class of a recording given none.
	DefaultClass int64 `json:"default_class"`
	// ImportantClass is the class of files the device marked important or
	// locked (X-DEV-3); permanent unless the bureau says otherwise.
	ImportantClass int64 `json:"important_class"`
	GraceDays      int   `json:"grace_days"`
}
