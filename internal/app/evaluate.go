package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
)

// Findings and the dashboard's figures are derived data, kept up to date
// in two ways: every use case that changes an activity, or anything the
// rules read about it, marks it for re-evaluation in its own transaction
// (change.reevaluate); and RunEvaluator re-runs the rules for activities
// whose deadline has passed since (compliance.Evaluation.NextChange). Views
// only read what is stored, so a dashboard over ten thousand activities
// costs a few queries, and no read ever takes the writer.

// reevaluate runs the rules for activity id at the transaction's time,
// records its findings (status kept across runs, findings no longer
// produced marked resolved) and keeps its evaluation for the dashboard.
// Recording findings is no custody entry: they are derived; the decisions
// on them (finding.accept) are.
func reevaluate(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) error {
	in, err := LoadActivityInput(ctx, tx, id, p)
	if err != nil {
		return err
	}
	a, now := in.Activity, tx.Now()
	if a.Voided() {
		// A void activity is judged by no rule: its findings are resolved
		// and the dashboard forgets its evaluation.
		if err := tx.SyncFindings(ctx, a.ID, nil); err != nil {
			return err
		}
		return tx.DropEvaluation(ctx, a.ID)
	}
	ev := Evaluate(in, now, p)
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

// Evaluate runs the rules on an activity and the signs of editing on each
// of its recordings (R-ACT-8).
func Evaluate(in compliance.ActivityInput, now time.Time, p compliance.Params) compliance.Evaluation {
	ev := compliance.Evaluate(in, now, p)
	for _, r := range in.Recordings {
		if len(r.Media) == 0 {
			continue
		}
		var facts media.Facts
		if err := json.Unmarshal(r.Media, &facts); err != nil {
			continue // unreadable facts are the probe's problem, shown as probe_error
		}
		ev.Findings = append(ev.Findings, compliance.Signs(r, facts, &in.Activity, in.Recordings, p)...)
	}
	return ev
}

// ActivityInput loads what the rules need about a.
func ActivityInput(ctx context.Context, tx *store.Tx, a evidence.Activity, p compliance.Params) (compliance.ActivityInput, error) {
	in := compliance.ActivityInput{Activity: a}
	var err error
	if in.Recordings, err = tx.ActivityRecordings(ctx, a.ID); err != nil {
		return in, err
	}
	if in.Interruptions, err = tx.Interruptions(ctx, a.ID); err != nil {
		return in, err
	}
	if in.Exemptions, err = tx.Exemptions(ctx, a.ID); err != nil {
		return in, err
	}
	if in.DeviceChecks, err = tx.DeviceChecksFor(ctx, a, p.CheckWindow); err != nil {
		return in, err
	}
	return in, nil
}

// LoadActivityInput loads activity id and what the rules need about it.
func LoadActivityInput(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) (compliance.ActivityInput, error) {
	a, err := tx.Activity(ctx, id)
	if err != nil {
		return compliance.ActivityInput{}, err
	}
	return ActivityInput(ctx, tx, a, p)
}

// checkRecording records the signs of editing found in a recording linked
// to no activity (R-ACT-8), and, linked or not, what the device registry
// says of it (DeviceFindings): what the file alone shows — re-muxing,
// creation times, splices, stalled timestamps, size, clock drift — so that
// an edited file nobody links is not missed. Once linked, its activity's
// evaluation judges it (with the activity's times too), and the findings
// made here are resolved; unlinked again, they come back.
func checkRecording(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) error {
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
		fs = compliance.Signs(rec, facts, nil, nil, p)
	}
	// A missing or changed original is a finding linked or not (issue 11).
	fs = append(fs, compliance.Fixity(rec)...)
	// The registry's checks (X-DEV-1, Art. 20) stay with the recording,
	// linked or not: lending is about the device, not the activity.
	reg, err := deviceRegistry(ctx, tx, rec)
	if err != nil {
		return err
	}
	fs = append(fs, compliance.DeviceFindings(rec, reg)...)
	return tx.SyncRecordingFindings(ctx, id, fs)
}

// RecordingArchived is the hook ingest calls after cataloguing a recording
// (ingest.Config.Archived): it checks the recording's signs in a
// transaction of its own. A failure is logged, never passed on: the
// recording is archived whatever its signs.
func (a *App) RecordingArchived(ctx context.Context, rec evidence.Recording) {
	if err := a.db.Update(ctx, func(tx *store.Tx) error { return checkRecording(ctx, tx, rec.ID, a.params) }); err != nil {
		a.log.Error("signs of editing", "recording", rec.ID, "err", err)
	}
}

// reevaluateChecked marks, after device check c was filed with activity
// id, that activity and every other activity of the same officer the check
// bears on: those arriving within the check window after it
// (store.Tx.DeviceChecksFor).
func (c *change) reevaluateChecked(id int64, dc evidence.DeviceCheck) error {
	c.reevaluate(id)
	others, err := c.Activities(c.ctx, store.ActivityFilter{Officer: dc.Officer, From: dc.CheckedAt,
		To: dc.CheckedAt.Add(c.app.params.CheckWindow + time.Microsecond), Limit: 1000})
	if err != nil {
		return err
	}
	for _, a := range others {
		c.reevaluate(a.ID)
	}
	return nil
}

// evaluatorBatch bounds the activities one transaction re-evaluates, and
// evaluatorSlice the time it holds the writer, so that uploads, requests
// and sign-ins waiting for the writer are not held up long: at 1 M
// recordings a batch of 50 held it for 100–170 ms (issue 17: the goal for
// those writes is a p99 of 100 ms).
const (
	evaluatorBatch = 50
	evaluatorSlice = 20 * time.Millisecond
)

// EvaluateDue re-evaluates every activity whose evaluation is due and
// checks every recording never checked on its own, and returns how many
// it did. Failures are logged and skipped until the next run, so that one
// activity the rules trip over cannot hold up the others.
func (a *App) EvaluateDue(ctx context.Context) (int, error) {
	acts, err := a.EvaluateActivities(ctx)
	if err != nil {
		return acts, err
	}
	recs, err := a.inBatches(ctx, (*store.Tx).RecordingsToCheck, checkRecording, "check recording")
	if err != nil {
		return acts + recs, err
	}
	// Art. 12: a collection station that stopped reporting.
	return acts + recs, a.db.Update(ctx, func(tx *store.Tx) error { return checkStations(ctx, tx, a.params) })
}

// EvaluateActivities is EvaluateDue for the activities alone.
func (a *App) EvaluateActivities(ctx context.Context) (int, error) {
	return a.inBatches(ctx, (*store.Tx).ActivitiesToEvaluate, reevaluate, "evaluate activity")
}

// inBatches runs do on every id due lists, up to evaluatorBatch of them
// and for about evaluatorSlice per transaction, moving a cursor past each
// batch. When a batch fails, its ids
// are done again one per transaction, and those that fail alone are logged
// and skipped. It returns how many were done, and an error only when the
// store itself fails or ctx ends.
func (a *App) inBatches(ctx context.Context, due func(*store.Tx, context.Context, int64, int) ([]int64, error),
	do func(context.Context, *store.Tx, int64, compliance.Params) error, what string) (int, error) {
	done := 0
	var after int64
	for {
		var ids []int64
		n := 0 // of ids, done in the transaction
		err := a.db.Update(ctx, func(tx *store.Tx) error {
			var err error
			if ids, err = due(tx, ctx, after, evaluatorBatch); err != nil {
				return err
			}
			start := time.Now()
			for n = 0; n < len(ids); n++ {
				if n > 0 && time.Since(start) > a.evalSlice {
					break // the rest in the next transaction
				}
				if err := do(ctx, tx, ids[n], a.params); err != nil {
					return fmt.Errorf("%s %d: %w", what, ids[n], err)
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
				if err := a.db.Update(ctx, func(tx *store.Tx) error { return do(ctx, tx, id, a.params) }); err != nil {
					a.log.Error("compliance evaluation", "what", what, "id", id, "err", err)
					continue
				}
				done++
			}
			n = len(ids)
		default:
			done += n
		}
		if n == len(ids) && len(ids) < evaluatorBatch {
			return done, nil
		}
		after = ids[n-1]
	}
}

// RunEvaluator re-runs the compliance rules for activities whose deadline
// has passed, and for activities never evaluated, and checks the signs of
// recordings never checked on their own, at start and then every interval,
// until ctx ends. Several instances may run it: re-evaluating twice gives
// the same result.
func (a *App) RunEvaluator(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.EvaluateDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("compliance evaluation", "err", err)
		} else if n > 0 {
			a.log.Info("compliance evaluation", "done", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
