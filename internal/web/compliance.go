package web

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// complianceData is what the dashboard aggregates for a period: the
// stored evaluations with the findings as they stand, the orphan recordings
// and the officers' departments.
type complianceData struct {
	evals   []compliance.Evaluation
	orphans []evidence.Recording
	depts   map[string]string
}

// loadCompliance reads the complianceData of the activities that arrived in
// [from, to) and of the orphan recordings made then, in one read
// transaction: four queries whatever the number of activities.
func (s *Server) loadCompliance(ctx context.Context, from, to time.Time) (complianceData, error) {
	var d complianceData
	var recs []store.EvaluationRecord
	var states map[int64][]evidence.Finding
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if recs, err = tx.EvaluationRecords(ctx, from, to); err != nil {
			return err
		}
		if states, err = tx.FindingStates(ctx, from, to); err != nil {
			return err
		}
		if d.orphans, err = tx.OrphansBetween(ctx, from, to); err != nil {
			return err
		}
		dir, err := tx.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		// Officers no account carries count under "" (no department).
		d.depts = make(map[string]string, len(dir))
		for n, o := range dir {
			d.depts[n] = o.Department
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	d.evals = make([]compliance.Evaluation, len(recs))
	for i, r := range recs {
		var rec compliance.Record
		if err := json.Unmarshal(r.Record, &rec); err != nil {
			return d, fmt.Errorf("evaluation of activity %d: %w", r.ActivityID, err)
		}
		d.evals[i] = rec.Evaluation(r.ActivityID, states[r.ActivityID])
	}
	return d, nil
}

// summary groups d into dashboard rows (R-RPT-1).
func (d complianceData) summary(by compliance.GroupBy) []compliance.SummaryRow {
	return compliance.Summary(d.evals, d.orphans, compliance.SummaryOptions{By: by, Location: evidence.Zone, Departments: d.depts})
}

// complianceSummary returns the dashboard rows (R-RPT-1) for the activities
// that arrived in [from, to) and the orphan recordings made then, grouped
// by by, from the stored evaluations and the findings as they stand.
func (s *Server) complianceSummary(ctx context.Context, from, to time.Time, by compliance.GroupBy) ([]compliance.SummaryRow, error) {
	d, err := s.loadCompliance(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return d.summary(by), nil
}
