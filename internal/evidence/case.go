package evidence

import (
	"slices"
	"time"
)

// CaseStatus is where a case (案件) stands. A case moves forward one step
// at a time, 立案 → 调查 → 决定 → 结案 → 归档; an archived case file
// (归档) takes no more attachments.
type CaseStatus string

// The statuses of a case, in their order.
const (
	CaseFiled         CaseStatus = "filed"         // 立案
	CaseInvestigating CaseStatus = "investigating" // 调查
	CaseDecided       CaseStatus = "decided"       // 决定
	CaseClosed        CaseStatus = "closed"        // 结案
	CaseArchived      CaseStatus = "archived"      // 归档
)

// CaseStatuses lists the statuses in their order.
var CaseStatuses = []CaseStatus{CaseFiled, CaseInvestigating, CaseDecided, CaseClosed, CaseArchived}

// Valid reports whether s is one of CaseStatuses.
func (s CaseStatus) Valid() bool { return slices.Contains(CaseStatuses, s) }

// Next is the status after s; false for an archived case.
func (s CaseStatus) Next() (CaseStatus, bool) {
	i := slices.Index(CaseStatuses, s)
	if i < 0 || i == len(CaseStatuses)-1 {
		return "", false
	}
	return CaseStatuses[i+1], true
}

// Case is a case (案件) and its file (案卷): recordings and activities are
// attached to it (附卷), and its file's retention decides how long they are
// kept when they are evidence (Art. 14, R-RET-2).
type Case struct {
	ID int64 `json:"id"`
	// Number is the bureau's own case number, unique in the archive.
	Number  string `json:"number"`
	Title   string `json:"title"`
	Parties string `json:"parties,omitempty"`
	// Officers are the officer numbers of the handling officers.
	Officers     []string   `json:"officers"`
	DepartmentID *int64     `json:"department_id,omitempty"`
	Department   string     `json:"department,omitempty"`
	Status       CaseStatus `json:"status"`
	// RetentionYears is how long the case file is kept once archived;
	// 0 is permanently (永久).
	RetentionYears int       `json:"retention_years"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Recordings and Activities count what is attached.
	Recordings int `json:"recordings"`
	Activities int `json:"activities"`
}

// MaxRetentionYears bounds a case file's retention in years; longer is
// permanent (0).
const MaxRetentionYears = 100

// Validate checks what a person enters about a case.
func (c Case) Validate() error {
	switch {
	case c.Number == "":
		return Errorf(EInvalid, "err.case.no_number")
	case c.Title == "":
		return Errorf(EInvalid, "err.case.no_title")
	case len(c.Officers) == 0:
		return Errorf(EInvalid, "err.case.no_officers")
	case c.RetentionYears < 0 || c.RetentionYears > MaxRetentionYears:
		return Errorf(EInvalid, "err.case.retention", MaxRetentionYears)
	case !c.Status.Valid():
		return Errorf(EInvalid, "err.case.status_unknown", string(c.Status))
	}
	return nil
}

// What can be attached to a case.
const (
	CaseItemRecording = "recording"
	CaseItemActivity  = "activity"
)
