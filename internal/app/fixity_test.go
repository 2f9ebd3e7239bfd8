package app

import (
	"context"
	"os"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-STORE-2, R-ACC-1 (七), Art. 20(七): a fixity pass re-hashes every
// original at its budget; a missing and a changed original become serious
// findings of their recordings and failed recording.fixity entries, a
// second pass adds nothing, an original found intact again resolves its
// finding.
func TestFixityScrub(t *testing.T) {
	f := newRetentionFixture(t)
	ctx := context.Background()
	ok := f.ingest(t, "000123", false)
	missing := f.ingest(t, "000123", false)
	corrupt := f.ingest(t, "000125", false)
	mustOK(t, f.blobs.Delete(ctx, missing.Digest))
	path := f.blobs.Path(corrupt.Digest)
	good, err := os.ReadFile(path)
	mustOK(t, err)
	mustOK(t, os.Chmod(path, 0o644))
	mustOK(t, os.WriteFile(path, []byte("changed behind the archive's back"), 0o644))

	pass := func() store.FixityState {
		t.Helper()
		mustOK(t, f.app.ScrubPass(ctx, f.blobs, NewScrubLimiter(1<<30)))
		var st store.FixityState
		mustOK(t, f.db.View(ctx, func(tx *store.Tx) (err error) { st, err = tx.FixityState(ctx); return err }))
		return st
	}
	// findings maps a recording to its fixity finding's status, "resolved"
	// once the rule stopped firing.
	findings := func() map[int64]string {
		t.Helper()
		out := map[int64]string{}
		mustOK(t, f.db.View(ctx, func(tx *store.Tx) error {
			list, err := tx.Findings(ctx, store.FindingFilter{Rule: "fixity", Resolved: true})
			for _, x := range list {
				if x.Severity != evidence.SeveritySerious || x.Article != "Art. 20(七)" {
					t.Errorf("finding %+v", x.Finding)
				}
				out[x.RecordingIDs[0]] = string(x.Status)
				if x.ResolvedAt != nil {
					out[x.RecordingIDs[0]] = "resolved"
				}
			}
			return err
		}))
		return out
	}
	fixityEntries := func(id int64) (n int, last audit.Entry) {
		t.Helper()
		mustOK(t, f.db.View(ctx, func(tx *store.Tx) error {
			trail, err := tx.AuditTrail(ctx, objRecording(id), 100)
			for _, data := range trail {
				e, err := audit.Decode(data)
				if err != nil {
					return err
				}
				if e.Action == evidence.ActionRecordingFixity {
					n, last = n+1, e
				}
			}
			return err
		}))
		return n, last
	}

	st := pass()
	if st.LastChecked != 3 || st.LastProblems != 2 || st.Open != 2 || st.Started != nil || st.LastFinished == nil {
		t.Errorf("state after the first pass: %+v", st)
	}
	for id, want := range map[int64]string{ok.ID: "", missing.ID: evidence.FixityMissing, corrupt.ID: evidence.FixityCorrupt} {
		if got := f.recording(t, id).FixityProblem; got != want {
			t.Errorf("recording %d: fixity %q, want %q", id, got, want)
		}
	}
	if got := findings(); len(got) != 2 || got[missing.ID] != "open" || got[corrupt.ID] != "open" {
		t.Errorf("findings %v, want the missing and the corrupt open", got)
	}
	if n, e := fixityEntries(missing.ID); n != 1 || e.Outcome != audit.OutcomeFailed || e.Details["problem"] != evidence.FixityMissing {
		t.Errorf("custody of the missing: %d entries, last %+v", n, e)
	}
	if n, _ := fixityEntries(ok.ID); n != 0 {
		t.Errorf("an intact original has %d fixity entries", n)
	}

	// A second pass finds the same: nothing new in the log.
	pass()
	if n, _ := fixityEntries(corrupt.ID); n != 1 {
		t.Errorf("second pass: %d fixity entries of the corrupt, want 1", n)
	}
	// The original restored (from a backup): intact again, finding resolved.
	mustOK(t, os.WriteFile(path, good, 0o444))
	st = pass()
	if st.LastProblems != 1 || st.Open != 1 {
		t.Errorf("after the restore: %+v", st)
	}
	if got := findings(); got[corrupt.ID] != "resolved" || got[missing.ID] != "open" {
		t.Errorf("findings after the restore: %v", got)
	}
	if n, e := fixityEntries(corrupt.ID); n != 2 || e.Outcome != audit.OutcomeOK {
		t.Errorf("custody of the restored: %d entries, last %+v", n, e)
	}
}

// The scrub keeps to its budget: 2 MiB at 4 MiB/s take at least the time
// the token bucket allows (less its one-chunk burst).
func TestFixityBudget(t *testing.T) {
	f := newRetentionFixture(t)
	ctx := context.Background()
	for range 2 {
		rec := f.ingest(t, "000123", false)
		path := f.blobs.Path(rec.Digest)
		mustOK(t, os.Chmod(path, 0o644))
		mustOK(t, os.WriteFile(path, make([]byte, 1<<20), 0o444)) // the size is what counts here, not the digest
	}
	start := time.Now()
	mustOK(t, f.app.ScrubPass(ctx, f.blobs, NewScrubLimiter(4<<20)))
	if el, min := time.Since(start), time.Duration(float64((2<<20)-scrubChunk)/float64(4<<20)*float64(time.Second)); el < min {
		t.Errorf("2 MiB at 4 MiB/s took %v, less than %v", el, min)
	}
}
