package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
)

// Findings and the dashboard's figures are derived data, kept up to date
// in two ways: every handler that changes an activity, or anything the
// rules read about it, calls reevaluate in the same transaction; and
// RunEvaluator re-runs the rules for activities whose deadline has passed
// since (compliance.Evaluation.NextChange). Views only read what is stored,
// so a dashboard over ten thousand activities costs a few queries, and no
// read ever takes the writer.

// reevaluate runs the rules for activity id at the transaction's time,
// records its findings (status kept across runs, findings no longer
// produced marked resolved) and keeps its evaluation for the dashboard.
// Recording findings is no custody entry: they are derived; the decisions
// on them (finding.accept) are.
func reevaluate(ctx context.Context, tx *store.Tx, id int64) error {
	p := complianceParams()
	in, err := loadActivityInput(ctx, tx, id, p)
	if err != nil {
		return err
	}
	a, now := in.Activity, tx.Now()
	ev := evaluate(in, now, p)
	if err := tx.SyncFindings(ctx, a.ID, ev.Findings); err != nil {
		return err
	}
	rec, err := json.Marshal(ev.Record())
	if err != nil {
		return err
	}
	var next *time.Time
	if t, ok := ev.NextChange(now); ok {
		next = &t
	}
	return tx.PutEvaluation(ctx, a.ID, a.Arrival, next, rec)
}

// checkRecording records the signs of editing found in a recording linked
// to no activity (R-ACT-8): what the file alone shows — re-muxing,
// creation times, splices, stalled timestamps, size, clock drift — so that
// an edited file nobody links is not missed. Once linked, its activity's
// evaluation judges it (with the activity's times too), and the findings
// made here are resolved; unlinked again, they come back.
func checkRecording(ctx context.Context, tx *store.Tx, id int64) error {
	rec, err := tx.Recording(ctx, id)
	if err != nil {
		return err
	}
	var fs []evidence.Finding
	if rec.Links == 0 {
		var facts media.Facts
		if len(rec.Media) > 0 {
			if err := json.Unmarshal(rec.Media, &facts); err != nil {
				facts = media.Facts{} // unreadable facts are the probe's problem, shown as probe_error
			}
		}
		fs = compliance.Signs(rec, facts, nil, nil, complianceParams())
	}
	return tx.SyncRecordingFindings(ctx, id, fs)
}

// RecordingArchived returns the hook ingest calls after cataloguing a
// recording (ingest.Config.Archived): it checks the recording's signs in a
// transaction of its own. A failure is logged, never passed on: the
// recording is archived whatever its signs.
func RecordingArchived(db *store.DB, log *slog.Logger) func(context.Context, evidence.Recording) {
	return func(ctx context.Context, rec evidence.Recording) {
		if err := db.Update(ctx, func(tx *store.Tx) error { return checkRecording(ctx, tx, rec.ID) }); err != nil {
			log.Error("signs of editing", "recording", rec.ID, "err", err)
		}
	}
}

// reevaluateChecked re-evaluates, after device check c was filed with
// activity id, that activity and every other activity of the same officer
// the check bears on: those arriving within the check window after it
// (store.Tx.DeviceChecksFor).
func reevaluateChecked(ctx context.Context, tx *store.Tx, id int64, c evidence.DeviceCheck) error {
	if err := reevaluate(ctx, tx, id); err != nil {
		return err
	}
	others, err := tx.Activities(ctx, store.ActivityFilter{Officer: c.Officer, From: c.CheckedAt,
		To: c.CheckedAt.Add(complianceParams().CheckWindow + time.Microsecond), Limit: 1000})
	if err != nil {
		return err
	}
	for _, a := range others {
		if a.ID != id {
			if err := reevaluate(ctx, tx, a.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// evaluatorBatch bounds the activities one transaction re-evaluates, so
// that uploads and sign-ins waiting for the writer are not held up long.
const evaluatorBatch = 50

// evaluateDue re-evaluates every activity whose evaluation is due and
// checks every recording never checked on its own, and returns how many
// it did. Failures are logged and skipped until the next run, so that one
// activity the rules trip over cannot hold up the others.
func (s *Server) evaluateDue(ctx context.Context) (int, error) {
	acts, err := s.inBatches(ctx, (*store.Tx).ActivitiesToEvaluate, reevaluate, "evaluate activity")
	if err != nil {
		return acts, err
	}
	recs, err := s.inBatches(ctx, (*store.Tx).RecordingsToCheck, checkRecording, "check recording")
	return acts + recs, err
}

// inBatches runs do on every id due lists, evaluatorBatch of them per
// transaction, moving a cursor past each batch. When a batch fails, its ids
// are done again one per transaction, and those that fail alone are logged
// and skipped. It returns how many were done, and an error only when the
// store itself fails or ctx ends.
func (s *Server) inBatches(ctx context.Context, due func(*store.Tx, context.Context, int64, int) ([]int64, error),
	do func(context.Context, *store.Tx, int64) error, what string) (int, error) {
	done := 0
	var after int64
	for {
		var ids []int64
		err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
			var err error
			if ids, err = due(tx, ctx, after, evaluatorBatch); err != nil {
				return err
			}
			for _, id := range ids {
				if err := do(ctx, tx, id); err != nil {
					return fmt.Errorf("%s %d: %w", what, id, err)
				}
			}
			return nil
		})
		switch {
		case ctx.Err() != nil:
			return done, ctx.Err()
		case err != nil && len(ids) == 0:
			return done, err // listing failed: the store is in trouble
		case err != nil:
			for _, id := range ids {
				if err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error { return do(ctx, tx, id) }); err != nil {
					s.cfg.Logger.Error("compliance evaluation", "what", what, "id", id, "err", err)
					continue
				}
				done++
			}
		default:
			done += len(ids)
		}
		if len(ids) < evaluatorBatch {
			return done, nil
		}
		after = ids[len(ids)-1]
	}
}

// RunEvaluator re-runs the compliance rules for activities whose deadline
// has passed, and for activities never evaluated, and checks the signs of
// recordings never checked on their own, at start and then every interval,
// until ctx ends. Several instances may run it: re-evaluating
// twice gives the same result.
func (s *Server) RunEvaluator(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.evaluateDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("compliance evaluation", "err", err)
		} else if n > 0 {
			s.cfg.Logger.Info("compliance evaluation", "done", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

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
	return compliance.Summary(d.evals, d.orphans, compliance.SummaryOptions{By: by, Location: complianceParams().Location, Departments: d.depts})
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
