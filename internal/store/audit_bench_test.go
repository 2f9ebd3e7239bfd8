package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// BenchmarkAppendTx measures the append path as the server uses it: one
// write transaction per custody entry, committed to a real SQLite store
// (synchronous=FULL, so each commit waits for the disk). It reports
// entries/s; "commit" is the same transaction with no entry, the baseline
// the store's commit alone costs in the same run.
func BenchmarkAppendTx(b *testing.B) {
	ctx := context.Background()
	db, _ := storetest.Open(b)
	b.Run("append", func(b *testing.B) {
		i := 0
		for b.Loop() {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.Audit(ctx, audit.Entry{Actor: "officer1", Action: "recording.read", Object: fmt.Sprintf("recording:%d", i), Outcome: audit.OutcomeOK})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			if err := db.Update(ctx, func(tx *store.Tx) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// R-AUD-1: the store signs the custody log per batch (audit.CheckpointEvery),
// once at the end of a write transaction and never per entry in it: a
// transaction of many entries signs one checkpoint; one-entry transactions
// sign every CheckpointEvery entries, or when the oldest unsigned entry is
// CheckpointAfter old, at the next append or at the server's idle call
// (SignDue). Each checkpoint reaches OnCheckpoint after its commit, and one
// whose transaction rolled back never does.
func TestSigningPerBatch(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	db, v := storetest.OpenClock(t, clock.Now)
	var got []uint64
	db.OnCheckpoint(func(cp audit.Checkpoint) { got = append(got, cp.Size) })
	appendTx := func(n int, fail error) error {
		return db.Update(ctx, func(tx *store.Tx) error {
			for range n {
				if _, err := tx.Audit(ctx, audit.Entry{Actor: "system", Action: "user.login", Object: "user:u", Outcome: audit.OutcomeOK}); err != nil {
					return err
				}
			}
			return fail
		})
	}
	signDue := func() error { _, err := db.SignDue(ctx); return err }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const every = audit.CheckpointEvery
	must(appendTx(2*every+500, nil)) // one transaction: one checkpoint
	for range every - 1 {
		must(appendTx(1, nil))
	}
	if want := []uint64{2*every + 500}; !slices.Equal(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	must(appendTx(1, nil))
	boom := errors.New("boom")
	if err := appendTx(every, boom); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	must(appendTx(1, nil))
	clock.Add(audit.CheckpointAfter - time.Second)
	must(appendTx(1, nil))
	must(signDue())
	clock.Add(time.Second)
	must(appendTx(1, nil)) // the oldest unsigned entry is a minute old
	must(appendTx(1, nil))
	clock.Add(audit.CheckpointAfter)
	must(signDue()) // idle
	must(signDue())
	if want := []uint64{2*every + 500, 3*every + 500, 3*every + 503, 3*every + 504}; !slices.Equal(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	must(db.View(ctx, func(tx *store.Tx) error {
		rep, err := audit.Verify(ctx, tx, v, storetest.Origin)
		if err != nil || rep.Checkpoints != 4 || rep.Unsigned != 0 || rep.Entries != 3*every+504 {
			t.Errorf("Verify = %v: %d entries, %d checkpoints, %d unsigned", err, rep.Entries, rep.Checkpoints, rep.Unsigned)
		}
		return nil
	}))
}
