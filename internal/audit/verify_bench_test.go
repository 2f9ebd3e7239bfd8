package audit_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// BenchmarkVerify verifies a custody log in a real SQLite store with every
// core and, as the baseline in the same iterations, with one worker (the
// sequential verifier), and reports both rates and their ratio. Its ns/op
// is one run of each. The log has 2 000 entries, or 100 000 with
// SHILU_BENCH=1 (make bench): seeding those takes about half a minute.
func BenchmarkVerify(b *testing.B) {
	n := 2_000
	if os.Getenv("SHILU_BENCH") != "" {
		n = 100_000
	}
	ctx := context.Background()
	db, v := storetest.Open(b)
	t0 := time.Now()
	const perTx = 10_000
	for lo := 0; lo < n; lo += perTx {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+perTx, n); i++ {
				e := audit.Entry{Actor: fmt.Sprintf("officer%d", i%50), Action: "recording.read", Object: fmt.Sprintf("recording:%d", i),
					Outcome: audit.OutcomeOK, Digests: []blob.Digest{blob.Sum(fmt.Append(nil, i))},
					Details: map[string]string{"ip": fmt.Sprintf("10.0.%d.%d", i/256%256, i%256)}}
				if _, err := tx.Audit(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d entries in %v", n, time.Since(t0).Round(time.Millisecond))

	verify := func(workers int) time.Duration {
		start := time.Now()
		err := db.View(ctx, func(tx *store.Tx) error {
			rep, err := audit.VerifyWith(ctx, tx, v, storetest.Origin, audit.VerifyOptions{Workers: workers})
			if err == nil && (rep.Entries != uint64(n) || rep.Checkpoints != uint64(n)) {
				err = fmt.Errorf("verified %d entries and %d checkpoints, want %d", rep.Entries, rep.Checkpoints, n)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	verify(0) // warm SQLite's page cache for both
	var seq, par time.Duration
	for b.Loop() {
		seq += verify(1)
		par += verify(0)
	}
	rate := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(seq), "seq-entries/s")
	b.ReportMetric(rate(par), "entries/s")
	b.ReportMetric(seq.Seconds()/par.Seconds(), "speedup")
}
