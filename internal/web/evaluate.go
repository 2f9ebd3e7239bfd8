package web

import (
	"context"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// reevaluate runs the rules for activity id at the transaction's time and
// records its findings. Every handler that changes an activity or anything
// the rules read about it calls this inside the same transaction, so the
// findings never lag behind the facts.
func reevaluate(ctx context.Context, tx *store.Tx, id int64) error {
	p := complianceParams()
	a, err := tx.Activity(ctx, id)
	if err != nil {
		return err
	}
	in, err := activityInput(ctx, tx, a, p)
	if err != nil {
		return err
	}
	return tx.SyncFindings(ctx, a.ID, evaluate(in, tx.Now(), p).Findings)
}

// complianceSummary returns the dashboard rows (R-RPT-1) for the activities
// that arrived in [from, to), grouped by by.
func (s *Server) complianceSummary(ctx context.Context, from, to time.Time, by compliance.GroupBy) ([]compliance.SummaryRow, error) {
	p := complianceParams()
	var evals []compliance.Evaluation
	var orphans []evidence.Recording
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		acts, err := tx.Activities(ctx, store.ActivityFilter{From: from, To: to, Limit: 100000})
		if err != nil {
			return err
		}
		for _, a := range acts {
			in, err := activityInput(ctx, tx, a, p)
			if err != nil {
				return err
			}
			evals = append(evals, evaluate(in, tx.Now(), p))
		}
		orphans, err = tx.OrphanRecordings(ctx, "", 100000)
		return err
	})
	if err != nil {
		return nil, err
	}
	return compliance.Summary(evals, orphans, compliance.SummaryOptions{By: by, Location: p.Location}), nil
}
