package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Views: what the API answers and the pages show, read in one transaction.

// RecordingUpload is one linked recording's export status (Art. 13).
type RecordingUpload struct {
	RecordingID int64 `json:"recording_id"`
	compliance.Upload
}

// InterruptionView is a computed gap with the explanation that covers it,
// if any (Art. 11; R-ACT-6).
type InterruptionView struct {
	compliance.Gap
	Status      evidence.FindingStatus `json:"status"`
	Explanation *evidence.Interruption `json:"explanation,omitempty"`
}

// ActivityView is an activity with
// everything the rules see and what they conclude, evaluated now.
type ActivityView struct {
	Activity      evidence.Activity         `json:"activity"`
	Recordings    []evidence.Recording      `json:"recordings"`
	Coverage      compliance.CoverageReport `json:"coverage"`
	Due           time.Time                 `json:"due"`
	Uploads       []RecordingUpload         `json:"uploads"`
	Interruptions []InterruptionView        `json:"interruptions"`
	Explanations  []evidence.Interruption   `json:"explanations"`
	Exemptions    []evidence.Exemption      `json:"exemptions"`
	Exempt        bool                      `json:"exempt"`
	DeviceChecks  []evidence.DeviceCheck    `json:"device_checks"`
	Findings      []evidence.Finding        `json:"findings"`
}

func NewActivityView(in compliance.ActivityInput, now time.Time, p compliance.Params) ActivityView {
	ev := Evaluate(in, now, p)
	v := ActivityView{Activity: in.Activity, Recordings: in.Recordings, Coverage: ev.Coverage, Due: ev.Due.UTC(), Uploads: []RecordingUpload{},
		Interruptions: []InterruptionView{}, Explanations: in.Interruptions, Exemptions: in.Exemptions, Exempt: ev.Exempt,
		DeviceChecks: in.DeviceChecks, Findings: ev.Findings}
	if v.Findings == nil || in.Activity.Voided() { // no rule judges a void activity
		v.Findings = []evidence.Finding{}
	}
	for _, r := range in.Recordings {
		u := ev.Uploads[r.ID]
		u.Due = u.Due.UTC()
		v.Uploads = append(v.Uploads, RecordingUpload{RecordingID: r.ID, Upload: u})
	}
	for _, g := range ev.Coverage.Gaps() {
		iv := InterruptionView{Gap: g, Status: evidence.FindingOpen}
		if it := explanationOf(g, in.Interruptions); it != nil {
			iv.Explanation = it
			if it.Complete() {
				iv.Status = evidence.FindingExplained
			}
		}
		v.Interruptions = append(v.Interruptions, iv)
	}
	return v
}

// explanationOf returns the explanation by the gap's officer that overlaps
// the gap, a complete one first.
func explanationOf(g compliance.Gap, its []evidence.Interruption) *evidence.Interruption {
	var found *evidence.Interruption
	for i, it := range its {
		if it.Officer == g.Officer && it.Start.Before(g.End) && it.End.After(g.Start) {
			if it.Complete() {
				return &its[i]
			}
			if found == nil {
				found = &its[i]
			}
		}
	}
	return found
}

// ComplianceData is what the dashboard aggregates for a period: the
// stored evaluations with the findings as they stand, the orphan recordings
// and the officers' departments.
type ComplianceData struct {
	Evals   []compliance.Evaluation
	Orphans []evidence.Recording
	// Depts maps officer numbers to their department names.
	Depts map[string]string
}

// loadCompliance reads the ComplianceData of the activities that arrived in
// [from, to) and of the orphan recordings made then, in one read
// transaction: four queries whatever the number of activities.
func (a *App) LoadCompliance(ctx context.Context, from, to time.Time) (ComplianceData, error) {
	var d ComplianceData
	var recs []store.EvaluationRecord
	var states map[int64][]evidence.Finding
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if recs, err = tx.EvaluationRecords(ctx, from, to); err != nil {
			return err
		}
		if states, err = tx.FindingStates(ctx, from, to); err != nil {
			return err
		}
		if d.Orphans, err = tx.OrphansBetween(ctx, from, to); err != nil {
			return err
		}
		dir, err := tx.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		// Officers no account carries count under "" (no department).
		d.Depts = make(map[string]string, len(dir))
		for n, o := range dir {
			d.Depts[n] = o.Department
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	d.Evals = make([]compliance.Evaluation, len(recs))
	for i, r := range recs {
		var rec compliance.Record
		if err := json.Unmarshal(r.Record, &rec); err != nil {
			return d, fmt.Errorf("evaluation of activity %d: %w", r.ActivityID, err)
		}
		d.Evals[i] = rec.Evaluation(r.ActivityID, states[r.ActivityID])
	}
	return d, nil
}

// summary groups d into dashboard rows (R-RPT-1).
func (d ComplianceData) Summary(by compliance.GroupBy) []compliance.SummaryRow {
	return compliance.Summary(d.Evals, d.Orphans, compliance.SummaryOptions{By: by, Location: evidence.Zone, Departments: d.Depts})
}

// complianceSummary returns the dashboard rows (R-RPT-1) for the activities
// that arrived in [from, to) and the orphan recordings made then, grouped
// by by, from the stored evaluations and the findings as they stand.
func (a *App) ComplianceSummary(ctx context.Context, from, to time.Time, by compliance.GroupBy) ([]compliance.SummaryRow, error) {
	d, err := a.LoadCompliance(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return d.Summary(by), nil
}

// ProposalView is a recording proposed for an activity, with the recording.
type ProposalView struct {
	compliance.Proposal
	Recording evidence.Recording `json:"recording"`
}

// LoadProposals suggests recordings to link to activity a, best first
// (Art. 4, 9), each with its recording; nothing is linked until someone
// confirms.
func LoadProposals(ctx context.Context, tx *store.Tx, a evidence.Activity) ([]ProposalView, error) {
	cands, err := tx.RecordingsForProposal(ctx, a, compliance.ProposeSlack)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]evidence.Recording, len(cands))
	for _, c := range cands {
		byID[c.ID] = c
	}
	var out []ProposalView
	for _, p := range compliance.Propose(a, cands) {
		out = append(out, ProposalView{Proposal: p, Recording: byID[p.RecordingID]})
	}
	return out, nil
}

// FindingRow is a finding as the workbench and the API show it: the rules'
// current answer with the stored record's id, status and history where
// there is one.
type FindingRow struct {
	evidence.Finding
	StoredID   int64     `json:"id,omitempty"`
	FirstSeen  time.Time `json:"first_seen,omitzero"`
	AcceptedBy string    `json:"accepted_by,omitempty"`
}

// MergeFindings lays the stored findings over those the rules produce now:
// the status is the further of the two (as SyncFindings keeps it), so an
// accepted finding shows accepted, and a finding not yet stored still shows.
func MergeFindings(computed []evidence.Finding, stored []store.StoredFinding) []FindingRow {
	byKey := make(map[string]store.StoredFinding, len(stored))
	for _, sf := range stored {
		byKey[sf.Key] = sf
	}
	out := make([]FindingRow, 0, len(computed))
	for _, f := range computed {
		row := FindingRow{Finding: f}
		if sf, ok := byKey[f.Key]; ok {
			row.StoredID, row.FirstSeen, row.AcceptedBy = sf.ID, sf.FirstSeen, sf.AcceptedBy
			if sf.Status.Rank() > f.Status.Rank() {
				row.Status = sf.Status
			}
		}
		out = append(out, row)
	}
	return out
}
