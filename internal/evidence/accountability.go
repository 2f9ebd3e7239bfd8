package evidence

import (
	"slices"
	"strings"
	"time"
)

// Accountability (执法过错责任追究, Art. 20–21; R-ACC-1, R-ACC-2): from a
// finding, a leader of the officer opens a case naming what the officer
// did (an item of Art. 20), the facts and what followed; the officer
// answers in writing; the leader records the decision of Art. 21 with its
// date. The wording of the articles is the catalogue's ("acc.item.<n>",
// "acc.decision.<d>"), the codes here are what the store and the API keep.

// Art20Item is one of the eight items of Art. 20, "1" … "8" for （一）…（八）.
type Art20Item string

// Art20Items lists the items of Art. 20 in their order.
var Art20Items = []Art20Item{"1", "2", "3", "4", "5", "6", "7", "8"}

// Valid reports whether i is one of Art20Items.
func (i Art20Item) Valid() bool { return slices.Contains(Art20Items, i) }

// Consequence is what the breach led to, as Art. 20(三) names it.
type Consequence string

// The consequences.
const (
	ConsequenceNone      Consequence = "none"
	ConsequencePetition  Consequence = "petition"  // 涉法信访
	ConsequenceComplaint Consequence = "complaint" // 投诉
	ConsequenceMedia     Consequence = "media"     // 网络、媒体负面炒作
)

// Consequences lists the consequences in the order the form offers them.
var Consequences = []Consequence{ConsequenceNone, ConsequencePetition, ConsequenceComplaint, ConsequenceMedia}

// Valid reports whether c is one of Consequences.
func (c Consequence) Valid() bool { return slices.Contains(Consequences, c) }

// AccDecision is one of the ways of Art. 21 to hold an officer to account.
type AccDecision string

// The decisions of Art. 21, in its order.
const (
	DecisionSelfCriticism AccDecision = "self_criticism" // （一）责令作出书面检查
	DecisionCirculated    AccDecision = "circulated"     // （二）通报批评
	DecisionSuspension    AccDecision = "suspension"     // （三）停止执法工作一个月
	DecisionNoAwards      AccDecision = "no_awards"      // （四）取消当年评优评先资格
	DecisionSanction      AccDecision = "sanction"       // （五）行政处分, referred to the competent organ
)

// AccDecisions lists the decisions in the order of Art. 21.
var AccDecisions = []AccDecision{DecisionSelfCriticism, DecisionCirculated, DecisionSuspension, DecisionNoAwards, DecisionSanction}

// Valid reports whether d is one of AccDecisions.
func (d AccDecision) Valid() bool { return slices.Contains(AccDecisions, d) }

// AccStatus is where an accountability case stands.
type AccStatus string

// The states, in their order: opened by the leader, answered by the
// officer's statement, decided by the leader, closed.
const (
	AccOpened    AccStatus = "opened"
	AccStatement AccStatus = "statement"
	AccDecided   AccStatus = "decided"
	AccClosed    AccStatus = "closed"
)

// AccStatuses lists the states in their order.
var AccStatuses = []AccStatus{AccOpened, AccStatement, AccDecided, AccClosed}

// Valid reports whether s is one of AccStatuses.
func (s AccStatus) Valid() bool { return slices.Contains(AccStatuses, s) }

// Limits of what people write into a case, in characters.
const (
	MaxAccFacts     = 4000
	MaxAccStatement = 8000
	MaxAccNote      = 2000
)

// AccountabilityCase is one accountability case (问责).
type AccountabilityCase struct {
	ID        int64 `json:"id"`
	FindingID int64 `json:"finding_id"`
	// Officer is the officer number of the officer held to account;
	// OfficerID their account. DepartmentID is the officer's department
	// when the case was opened (nil: none), which the figures count under.
	Officer      string      `json:"officer"`
	OfficerID    int64       `json:"officer_id"`
	DepartmentID *int64      `json:"department_id,omitempty"`
	Department   string      `json:"department,omitempty"`
	Item         Art20Item   `json:"item"`
	Facts        string      `json:"facts"`
	Consequence  Consequence `json:"consequence"`
	Status       AccStatus   `json:"status"`
	// Statement is the officer's own written statement (陈述).
	Statement   string     `json:"statement"`
	StatementAt *time.Time `json:"statement_at,omitempty"`
	// Decisions are those of Art. 21, several at once where (五) adds to
	// the others; DecidedOn is the date of the decision (YYYY-MM-DD, as
	// written on it), DecidedBy the deciding leader's account name.
	Decisions    []AccDecision `json:"decisions"`
	DecidedOn    string        `json:"decided_on,omitempty"`
	DecisionNote string        `json:"decision_note,omitempty"`
	DecidedBy    string        `json:"decided_by,omitempty"`
	DecidedAt    *time.Time    `json:"decided_at,omitempty"`
	OpenedBy     string        `json:"opened_by"`
	OpenedAt     time.Time     `json:"opened_at"`
	ClosedBy     string        `json:"closed_by,omitempty"`
	ClosedAt     *time.Time    `json:"closed_at,omitempty"`
}

// ValidateOpening checks what a leader enters to open a case.
func (c AccountabilityCase) ValidateOpening() error {
	switch {
	case c.FindingID <= 0:
		return Errorf(EInvalid, "err.acc.no_finding")
	case c.Officer == "":
		return Errorf(EInvalid, "err.acc.no_officer")
	case !c.Item.Valid():
		return Errorf(EInvalid, "err.acc.item", string(c.Item))
	case strings.TrimSpace(c.Facts) == "":
		return Errorf(EInvalid, "err.acc.no_facts")
	case !c.Consequence.Valid():
		return Errorf(EInvalid, "err.acc.consequence", string(c.Consequence))
	}
	return nil
}

// ValidateDecision checks a decision: at least one of Art. 21, none twice,
// and a date in Asia/Shanghai no later than today (now) and no earlier
// than the case was opened.
func ValidateDecision(ds []AccDecision, on string, opened, now time.Time) error {
	if len(ds) == 0 {
		return Errorf(EInvalid, "err.acc.no_decision")
	}
	for i, d := range ds {
		if !d.Valid() {
			return Errorf(EInvalid, "err.acc.decision", string(d))
		}
		if slices.Contains(ds[:i], d) {
			return Errorf(EInvalid, "err.acc.decision_twice", string(d))
		}
	}
	day, err := time.ParseInLocation(time.DateOnly, on, Zone)
	if err != nil {
		return Errorf(EInvalid, "err.acc.decided_on", on)
	}
	first := opened.In(Zone)
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, Zone)
	if day.Before(first) || day.After(now) {
		return Errorf(EInvalid, "err.acc.decided_on_range", on)
	}
	return nil
}
