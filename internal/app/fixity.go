package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Fixity scrubbing (issue 11 point 4; R-STORE-2, Art. 20(七)): every
// original is re-hashed on a schedule at a bytes-per-second budget, a token
// bucket, so that playback and ingest keep their speed. A missing or
// changed original is a serious finding of its recording (compliance.Fixity),
// a custody entry (recording.fixity, outcome failed), an error in the log and
// a metric; the pass's progress is kept in the catalogue, so a restarted
// server goes on where it stopped.

// scrubChunk is what one read takes from the budget at a time; the bucket's
// burst is as large.
const scrubChunk = 256 << 10

// NewScrubLimiter returns the token bucket of a scrub at bytesPerSecond.
func NewScrubLimiter(bytesPerSecond float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(bytesPerSecond), scrubChunk)
}

// checkFixity re-hashes the blob d at lim's pace: "" when intact,
// evidence.FixityMissing or FixityCorrupt, or an error the check could not
// get past (the pass stops and is resumed later).
func checkFixity(ctx context.Context, blobs blob.Store, lim *rate.Limiter, d blob.Digest) (string, int64, error) {
	f, err := blobs.Open(ctx, d)
	if errors.Is(err, blob.ErrNotFound) {
		return evidence.FixityMissing, 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	buf := make([]byte, scrubChunk)
	var n int64
	for {
		if err := lim.WaitN(ctx, len(buf)); err != nil {
			return "", n, err
		}
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", n, fmt.Errorf("app: fixity of %v: %w", d, err)
		}
	}
	if blob.Digest(h.Sum(nil)) != d {
		return evidence.FixityCorrupt, n, nil
	}
	return "", n, nil
}

// ScrubPass runs (or resumes) one fixity pass over every original not
// disposed of, in id order, and returns when it is finished or ctx ends.
func (a *App) ScrubPass(ctx context.Context, blobs blob.Store, lim *rate.Limiter) error {
	if err := a.db.Update(ctx, func(tx *store.Tx) error { return tx.StartFixityPass(ctx) }); err != nil {
		return err
	}
	for {
		var st store.FixityState
		var batch []store.FixityItem
		err := a.view(ctx, func(tx *store.Tx) (err error) {
			if st, err = tx.FixityState(ctx); err != nil {
				return err
			}
			batch, err = tx.FixityBatch(ctx, st.Cursor, 64)
			return err
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return a.update(ctx, System("fixity"), func(c *change) error {
				if err := c.FinishFixityPass(ctx); err != nil {
					return err
				}
				return c.log(evidence.ActionFixityPass, "fixity", map[string]string{"checked": strconv.FormatInt(st.Checked, 10),
					"bytes": strconv.FormatInt(st.Bytes, 10), "problems": strconv.FormatInt(st.Problems, 10)})
			})
		}
		found := make([]string, len(batch))
		var bytes, problems int64
		for i, it := range batch {
			p, n, err := checkFixity(ctx, blobs, lim, it.Digest)
			if err != nil {
				return err
			}
			found[i], bytes = p, bytes+n
			if p != "" {
				problems++
				a.log.Error("fixity: original "+p, "recording", it.ID, "digest", it.Digest.String())
			}
		}
		err = a.update(ctx, System("fixity"), func(c *change) error {
			for i, it := range batch {
				if err := c.SetFixity(ctx, it.ID, found[i]); err != nil {
					return err
				}
				if found[i] == it.Problem {
					continue
				}
				// A change of state is a fact for the recording's trail and
				// its findings: lost or damaged, or found intact again.
				c.recheck(it.ID)
				outcome, details := audit.OutcomeFailed, map[string]string{"problem": found[i]}
				if found[i] == "" {
					outcome, details = audit.OutcomeOK, map[string]string{"problem_before": it.Problem}
				}
				if err := c.logAs(c.who.User.Name, evidence.ActionRecordingFixity, objRecording(it.ID), outcome, details, it.Digest); err != nil {
					return err
				}
			}
			return c.AdvanceFixityPass(ctx, batch[len(batch)-1].ID, int64(len(batch)), bytes, problems)
		})
		if err != nil {
			return err
		}
	}
}

// RunScrubber runs a fixity pass at bytesPerSecond, then another every
// interval after the last one finished, until ctx ends.
func (a *App) RunScrubber(ctx context.Context, blobs blob.Store, bytesPerSecond float64, every time.Duration) {
	lim := NewScrubLimiter(bytesPerSecond)
	for {
		if err := a.ScrubPass(ctx, blobs, lim); err != nil && ctx.Err() == nil {
			a.log.Error("fixity pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
