package evidence

import (
	"slices"
	"time"
)

// Spot checks (抽查, X-RPT-2): every month a random sample of a
// department's activities and recordings is drawn, each item is assigned to
// a reviewer (the legal office or the department's head) who answers the
// review form; each "no" becomes a finding (RuleSpotCheck).

// RuleSpotCheck is the rule of the findings a spot check's reviewer raises:
// a "no" in the form. No evaluation produces or resolves them (EventRules).
const RuleSpotCheck = "spot_check"

// SpotQuestion is one question of the review form.
type SpotQuestion string

// The questions of the form, in its order.
const (
	SpotRecorded       SpotQuestion = "recorded"        // recorded as required (Art. 4, 7)?
	SpotNotice         SpotQuestion = "notice"          // the notice given (Art. 8)?
	SpotCoverage       SpotQuestion = "coverage"        // coverage complete, interruptions explained (Art. 11)?
	SpotKeyMoments     SpotQuestion = "key_moments"     // the key moments recorded (Art. 10)?
	SpotFindingsAgreed SpotQuestion = "findings_agreed" // the findings on record agreed with?
)

// SpotQuestions lists the form's questions in order; a review's answers
// are kept as one letter per question in this order.
var SpotQuestions = []SpotQuestion{SpotRecorded, SpotNotice, SpotCoverage, SpotKeyMoments, SpotFindingsAgreed}

// What a spot check samples.
const (
	SpotActivity  = "activity"
	SpotRecording = "recording"
)

// Bounds of a sample: per kind, per department and month.
const (
	DefaultSpotSize = 5
	MaxSpotSize     = 50
	// MaxSpotSeed keeps a seed exact in JavaScript numbers (2^53 - 1).
	MaxSpotSeed = 1<<53 - 1
	MaxSpotNote = 2000
)

// SpotCheck is one department's sample for one month.
type SpotCheck struct {
	ID           int64  `json:"id"`
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	// Month is YYYY-MM in Asia/Shanghai.
	Month string `json:"month"`
	// Seed is what the sample was drawn with: the same seed over the same
	// month's data draws the same sample.
	Seed int64 `json:"seed"`
	// Size is the most items of each kind; PopActivities and
	// PopRecordings the numbers it was drawn from.
	Size          int        `json:"size"`
	PopActivities int        `json:"population_activities"`
	PopRecordings int        `json:"population_recordings"`
	DrawnBy       string     `json:"drawn_by"`
	DrawnAt       time.Time  `json:"drawn_at"`
	Items         []SpotItem `json:"items"`
}

// SpotItem is one sampled activity or recording.
type SpotItem struct {
	ID          int64  `json:"id"`
	SpotCheckID int64  `json:"spot_check_id"`
	Kind        string `json:"kind"` // SpotActivity, SpotRecording
	ObjectID    int64  `json:"object_id"`
	ReviewerID  int64  `json:"reviewer_id"`
	Reviewer    string `json:"reviewer"`
	// Answers are the form's, by question; nil until reviewed.
	Answers    map[SpotQuestion]bool `json:"answers,omitempty"`
	Note       string                `json:"note,omitempty"`
	ReviewedAt *time.Time            `json:"reviewed_at,omitempty"`
}

// Noes lists the questions answered no, in the form's order.
func (it SpotItem) Noes() []SpotQuestion {
	var out []SpotQuestion
	for _, q := range SpotQuestions {
		if v, ok := it.Answers[q]; ok && !v {
			out = append(out, q)
		}
	}
	return out
}

// EncodeAnswers writes answers as one letter per question (y or n) in the
// order of SpotQuestions; every question must be answered.
func EncodeAnswers(a map[SpotQuestion]bool) (string, error) {
	for q := range a {
		if !slices.Contains(SpotQuestions, q) {
			return "", Errorf(EInvalid, "err.spot.question", string(q))
		}
	}
	b := make([]byte, len(SpotQuestions))
	for i, q := range SpotQuestions {
		v, ok := a[q]
		switch {
		case !ok:
			return "", Errorf(EInvalid, "err.spot.unanswered", Msg("spot.q."+string(q)))
		case v:
			b[i] = 'y'
		default:
			b[i] = 'n'
		}
	}
	return string(b), nil
}

// DecodeAnswers reads what EncodeAnswers wrote; nil for "" (not reviewed).
func DecodeAnswers(s string) map[SpotQuestion]bool {
	if s == "" {
		return nil
	}
	out := map[SpotQuestion]bool{}
	for i, q := range SpotQuestions {
		if i < len(s) {
			out[q] = s[i] == 'y'
		}
	}
	return out
}

// MonthSpan returns the start and end (exclusive) in Asia/Shanghai of month
// YYYY-MM; EInvalid for anything else.
func MonthSpan(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, Zone)
	if err != nil || t.Format("2006-01") != month {
		return time.Time{}, time.Time{}, Errorf(EInvalid, "err.spot.month", month)
	}
	return t, t.AddDate(0, 1, 0), nil
}
