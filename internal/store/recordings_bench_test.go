package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// BenchmarkRecordingList answers the workbench's list of recordings over a
// generated catalogue of 1 000 000 recordings (SHILU_BENCH=1; 20 000
// otherwise) with every filter, at the first page and at the 2 000th (page
// size 50), and reports each case's p95 in milliseconds (the goal is 20 ms:
// an answer from an index, whatever the filter and however deep the page).
// Each case runs 200 queries with random values; the figure is the whole
// tx.Recordings call (the capped count, the page and the neighbour check).
func BenchmarkRecordingList(b *testing.B) {
	n := 20_000
	if os.Getenv("SHILU_BENCH") != "" {
		n = 1_000_000
	}
	ctx := context.Background()
	db, _ := openTest(b)
	t0 := time.Now()
	start := generateRecordings(b, db, n)
	b.Logf("generated %d recordings in %v", n, time.Since(t0).Round(time.Millisecond))

	const pageSize = 50
	// The cursor of the 2 000th page: the row before it, found once by an
	// offset (the list itself never uses one).
	deep := func(where string, args ...any) *evidence.Cursor {
		var c evidence.Cursor
		var us int64
		err := db.View(ctx, func(tx *Tx) error {
			return tx.get(ctx, []any{&c.ID, &us}, `SELECT id, recorded_start FROM recordings r WHERE recorded_start IS NOT NULL`+where+
				` ORDER BY recorded_start DESC, id DESC LIMIT 1 OFFSET ?`, append(args, 1999*pageSize-1)...)
		})
		if err != nil {
			return nil // fewer rows than 2 000 pages under this filter
		}
		t := fromMicros(us)
		c.Start = &t
		return &c
	}
	rng := rand.New(rand.NewPCG(1, 2))
	officer := func() string { return fmt.Sprintf("%06d", 100+rng.IntN(500)) }
	device := func() string { return fmt.Sprintf("DSJ%05d", rng.IntN(300)) }
	day := func() (time.Time, time.Time) {
		from := start.Add(time.Duration(rng.IntN(700)) * 24 * time.Hour)
		return from, from.Add(24 * time.Hour)
	}
	cases := []struct {
		name string
		f    func() evidence.RecordingFilter
	}{
		{"all", func() evidence.RecordingFilter { return evidence.RecordingFilter{} }},
		{"officer", func() evidence.RecordingFilter { return evidence.RecordingFilter{Officers: []string{officer()}} }},
		{"device", func() evidence.RecordingFilter { return evidence.RecordingFilter{Device: device()} }},
		{"kind_photo", func() evidence.RecordingFilter { return evidence.RecordingFilter{Kind: evidence.KindPhoto} }},
		{"kind_video", func() evidence.RecordingFilter { return evidence.RecordingFilter{Kind: evidence.KindVideo} }},
		{"orphan", func() evidence.RecordingFilter { return evidence.RecordingFilter{Orphan: true} }},
		{"day", func() evidence.RecordingFilter {
			from, to := day()
			return evidence.RecordingFilter{From: from, To: to}
		}},
		{"officer_day", func() evidence.RecordingFilter {
			from, to := day()
			return evidence.RecordingFilter{Officer: officer(), From: from, To: to}
		}},
		{"officer_kind_orphan", func() evidence.RecordingFilter {
			return evidence.RecordingFilter{Officer: officer(), Kind: evidence.KindAudio, Orphan: true}
		}},
		{"digest", func() evidence.RecordingFilter {
			return evidence.RecordingFilter{Digest: recordingDigest(rng.IntN(n))}
		}},
	}
	deepCursors := map[string]*evidence.Cursor{
		"all":        deep(""),
		"kind_video": deep(` AND kind = 'video'`),
		"orphan":     deep(` AND links = 0`),
	}
	b.ResetTimer()
	for range b.N {
		for _, c := range cases {
			positions := []*evidence.Cursor{nil}
			if at := deepCursors[c.name]; at != nil {
				positions = append(positions, at)
			}
			for _, at := range positions {
				name := c.name
				if at != nil {
					name += "_page2000"
				}
				var times []time.Duration
				for range 200 {
					f := c.f()
					f.Limit, f.After = pageSize, at
					t := time.Now()
					err := db.View(ctx, func(tx *Tx) error { _, err := tx.Recordings(ctx, f); return err })
					if err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(t))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, name+"_p95_ms")
			}
		}
	}
}

func recordingDigest(i int) [32]byte {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(i))
	return sha256.Sum256(buf[:])
}

// generateRecordings fills db with n recordings the way a bureau's archive
// looks after years: 500 officers, 300 devices, four kinds (mostly video),
// two years of recording times (2 % unknown), a third not linked to any
// activity. It writes multi-row inserts, a few seconds per 100 000 rows,
// and returns the earliest recording time.
func generateRecordings(tb testing.TB, db *DB, n int) time.Time {
	ctx := context.Background()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var uploader int64
	err := db.Update(ctx, func(tx *Tx) error {
		u, err := tx.CreateUser(ctx, "station-01", evidence.RoleStation, "")
		uploader = u.ID
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const batch = 500
	const cols = `(digest, size, filename, kind, device, officer, recorded_start, recorded_end, ingested_at, uploader_id, links)`
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 11), ", ") + ")"
	for first := 0; first < n; first += 50 * batch {
		err := db.Update(ctx, func(tx *Tx) error {
			for lo := first; lo < min(first+50*batch, n); lo += batch {
				hi := min(lo+batch, n)
				args := make([]any, 0, (hi-lo)*11)
				for i := lo; i < hi; i++ {
					d := recordingDigest(i)
					kind := evidence.KindVideo
					switch k := rng.IntN(1000); {
					case k < 150:
						kind = evidence.KindAudio
					case k < 195:
						kind = evidence.KindPhoto
					case k < 200:
						kind = evidence.KindUnknown
					}
					at := start.Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))
					var begin, end any
					if rng.IntN(50) != 0 {
						begin, end = micros(at), micros(at.Add(time.Duration(1+rng.IntN(1800))*time.Second))
					}
					links := 1
					if rng.IntN(3) == 0 {
						links = 0
					}
					args = append(args, d[:], 1+rng.Int64N(1<<30), fmt.Sprintf("REC_%07d.MP4", i), string(kind),
						fmt.Sprintf("DSJ%05d", rng.IntN(300)), fmt.Sprintf("%06d", 100+rng.IntN(500)), begin, end,
						micros(at.Add(time.Hour)), uploader, links)
				}
				if err := tx.exec(ctx, `INSERT INTO recordings `+cols+` VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", hi-lo), ", "), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return start
}
