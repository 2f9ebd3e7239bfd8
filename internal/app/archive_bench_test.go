package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// BenchmarkArchive is issue 17's figures over a generated archive of
// 1 000 000 recordings and 190 000 activities, each activity with three
// recordings linked (SHILU_BENCH=1; 20 000 and 4 000 otherwise), in a real
// SQLite store:
//
//   - evaluator_act/s: the evaluator over the never-evaluated activities,
//     for at most a minute;
//   - write_p99_ms: an officer's access request (a write transaction with
//     its custody entry) every 20 ms while the evaluator runs (goal
//     ≤ 100 ms: the evaluator's batches must not hold the writer long);
//   - list_p95_ms and list_after_ratio: the recordings list by officer
//     (200 queries on the readers) before the evaluator, and after it, as
//     a ratio (a large read on the writer once made readers 7–9× slower);
//   - entries/1000_ranges and log_MiB/playback_hour: custody entries per
//     thousand range requests of one viewing, and the log's growth in an
//     hour of such requests at the rate this loop reached (saturated
//     playback; one entry per viewing, not per range).
//
// Generating the 1 M archive takes a few minutes; `shilu verify` against
// openssl is internal/bench's BenchmarkVerifyBlobs.
func BenchmarkArchive(b *testing.B) {
	nRec, nAct := 20_000, 4_000
	if os.Getenv("SHILU_BENCH") != "" {
		nRec, nAct = 1_000_000, 190_000
	}
	ctx := context.Background()
	db, _ := storetest.Open(b)
	a := New(Config{DB: db, Argon2: fastHash})
	officer, leader, custodian := generateArchive(b, db, nRec, nAct)
	rng := rand.New(rand.NewPCG(5, 6))

	list := func() time.Duration {
		var times []time.Duration
		for range 200 {
			f := evidence.RecordingFilter{Officers: []string{fmt.Sprintf("%06d", 100+rng.IntN(500))}, Limit: 50}
			t := time.Now()
			err := db.View(ctx, func(tx *store.Tx) error { _, err := tx.Recordings(ctx, f); return err })
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t))
		}
		return percentile(times, 95)
	}

	for b.Loop() {
		before := list()

		// The evaluator, and a write every 20 ms beside it.
		ectx, cancel := context.WithTimeout(ctx, time.Minute)
		var writes []time.Duration
		var wg sync.WaitGroup
		wg.Go(func() {
			for ectx.Err() == nil {
				t := time.Now()
				_, err := a.RequestAccess(ctx, Actor{User: officer}, AccessAsk{RecordingIDs: []int64{int64(1 + rng.IntN(nRec))},
					Purpose: evidence.PurposeCaseWork, Reason: "案件调查需要", Until: time.Now().Add(24 * time.Hour)})
				if err != nil {
					b.Error(err)
					return
				}
				writes = append(writes, time.Since(t))
				time.Sleep(20 * time.Millisecond)
			}
		})
		t0 := time.Now()
		done, err := a.EvaluateActivities(ectx)
		elapsed := time.Since(t0)
		cancel()
		wg.Wait()
		if err != nil && ectx.Err() == nil {
			b.Fatal(err)
		}
		after := list()

		// One viewing of 1 000 range requests, by a grant.
		rec := int64(1 + rng.IntN(nRec))
		req, err := a.RequestAccess(ctx, Actor{User: officer}, AccessAsk{RecordingIDs: []int64{rec}, Purpose: evidence.PurposeCaseWork,
			Reason: "案件调查需要", Until: time.Now().Add(24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		req, err = a.Decide(ctx, Actor{User: leader}, req.ID, Decision{Approve: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.RegisterGrant(ctx, Actor{User: custodian}, req.GrantID); err != nil { // Art. 16
			b.Fatal(err)
		}
		size0, bytes0 := logSize(b, db)
		const ranges = 1000
		t1 := time.Now()
		for range ranges {
			acc, err := a.AuthorizeViewing(ctx, Actor{User: officer}, Viewing{RecordingID: rec, Details: map[string]string{"remote": "10.0.0.1"}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.RecordViewing(ctx, Actor{User: officer}, acc, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
		rate := ranges / time.Since(t1).Seconds()
		size1, bytes1 := logSize(b, db)
		perRange := float64(size1-size0) / ranges
		entryBytes := float64(bytes1-bytes0) / float64(max(size1-size0, 1))

		b.ReportMetric(float64(done)/elapsed.Seconds(), "evaluator_act/s")
		b.ReportMetric(ms(percentile(writes, 99)), "write_p99_ms")
		b.ReportMetric(ms(before), "list_p95_ms")
		b.ReportMetric(after.Seconds()/before.Seconds(), "list_after_ratio")
		b.ReportMetric(perRange*1000, "entries/1000_ranges")
		b.ReportMetric(perRange*entryBytes*rate*3600/(1<<20), "log_MiB/playback_hour")
		b.Logf("%d recordings, %d activities: evaluated %d in %v (%.0f/s); %d writes beside it, p99 %.1f ms; list p95 %.2f ms before, %.2f ms after; "+
			"%d ranges at %.0f/s added %d custody entries (%.0f bytes each)",
			nRec, nAct, done, elapsed.Round(time.Millisecond), float64(done)/elapsed.Seconds(), len(writes), ms(percentile(writes, 99)),
			ms(before), ms(after), ranges, rate, size1-size0, entryBytes)
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Sorted(slices.Values(ds))
	return ds[min(len(ds)*p/100, len(ds)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// logSize is the custody log's entries and their stored bytes.
func logSize(b *testing.B, db *store.DB) (entries, bytes int64) {
	b.Helper()
	err := db.View(context.Background(), func(tx *store.Tx) error {
		n, _, err := tx.LogState(context.Background())
		if err != nil {
			return err
		}
		entries = int64(n)
		for i := range n {
			data, err := tx.AuditEntry(context.Background(), i)
			if err != nil {
				return err
			}
			bytes += int64(len(data))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return entries, bytes
}

// generateArchive fills db with nRec recordings by 500 officers over two
// years and nAct activities of three linked recordings each, none
// evaluated yet, and returns an officer, their leader and a custodian. Recordings and
// activities go in through the store, a few thousand a transaction.
func generateArchive(b *testing.B, db *store.DB, nRec, nAct int) (officer, leader, custodian evidence.User) {
	b.Helper()
	ctx := context.Background()
	t0 := time.Now()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	var station evidence.User
	err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if station, err = tx.CreateUser(ctx, "station-01", evidence.RoleStation, ""); err != nil {
			return err
		}
		if officer, err = tx.CreateUser(ctx, "zhangwei", evidence.RoleOfficer, ""); err != nil {
			return err
		}
		if leader, err = tx.CreateUser(ctx, "liuyang", evidence.RoleLeader, ""); err != nil {
			return err
		}
		custodian, err = tx.CreateUser(ctx, "wangfang", evidence.RoleCustodian, "")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	for lo := 0; lo < nRec; lo += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, nRec); i++ {
				at := start.Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))
				end := at.Add(time.Duration(1+rng.IntN(1800)) * time.Second)
				name := fmt.Sprintf("REC_%07d.MP4", i)
				_, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(name)), Size: 1 + rng.Int64N(1<<30), Filename: name,
					Kind: evidence.KindVideo, Device: fmt.Sprintf("DSJ%05d", rng.IntN(300)), Officer: fmt.Sprintf("%06d", 100+rng.IntN(500)),
					RecordedStart: &at, RecordedEnd: &end}, station.ID)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for lo := 0; lo < nAct; lo += batch / 5 {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch/5, nAct); i++ {
				at := start.Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))
				act, err := tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "某处"},
					Officers: []string{fmt.Sprintf("%06d", 100+rng.IntN(500))}, Arrival: at, End: at.Add(time.Hour)}, officer.ID)
				if err != nil {
					return err
				}
				for range 3 {
					if _, err := tx.LinkRecording(ctx, act.ID, int64(1+rng.IntN(nRec)), officer.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("generated %d recordings and %d activities in %v", nRec, nAct, time.Since(t0).Round(time.Millisecond))
	return officer, leader, custodian
}
