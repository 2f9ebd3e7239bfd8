package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// BenchmarkVerify verifies a custody log in a real SQLite store with every
// core and, as baselines in the same iterations, with one worker (the
// sequential verifier, which reads the stored nodes on the same goroutine) and the machine's SHA-256 floor: crypto/sha256 over
// the same entry bytes, once each, on one core, from memory. It reports the
// rates, Verify's time for the log, and that time as a multiple of the
// floor's. Its ns/op is one run of each.
//
// The log has 2 000 entries, or 1 000 000 with SHILU_BENCH=1 (make bench;
// SHILU_BENCH_ENTRIES sets another size). It is built by the log itself
// (Append, and a checkpoint per 1 000 entries as CheckpointEvery makes a
// busy server sign) in memory and written with multi-row inserts, which
// takes a few tens of seconds for a million entries, not the hour that a
// transaction per entry would.
func BenchmarkVerify(b *testing.B) {
	n := 2_000
	if os.Getenv("SHILU_BENCH") != "" {
		n = 1_000_000
	}
	if v := os.Getenv("SHILU_BENCH_ENTRIES"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			b.Fatalf("SHILU_BENCH_ENTRIES: %v", err)
		}
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "shilu.db")
	t0 := time.Now()
	log, v := seedLog(b, path, n)
	b.Logf("seeded %d entries in %v", n, time.Since(t0).Round(time.Millisecond))
	db, err := store.OpenSQLite(ctx, path, store.Options{Log: log})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})

	var entries [][]byte
	var total int64
	err = db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			entries = append(entries, bytes.Clone(data))
			total += int64(len(data))
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	floor := func() time.Duration {
		start := time.Now()
		var sink byte
		for _, e := range entries {
			h := sha256.Sum256(e)
			sink ^= h[0]
		}
		_ = sink
		return time.Since(start)
	}
	wantCP := uint64((n + audit.CheckpointEvery - 1) / audit.CheckpointEvery)
	check := func(rep audit.Report, err error) error {
		if err == nil && (rep.Entries != uint64(n) || rep.Checkpoints != wantCP || rep.Unsigned != 0) {
			err = fmt.Errorf("verified %d entries and %d checkpoints (%d unsigned), want %d and %d", rep.Entries, rep.Checkpoints, rep.Unsigned, n, wantCP)
		}
		return err
	}
	verify := func(workers int) time.Duration {
		start := time.Now()
		err := db.View(ctx, func(tx *store.Tx) error {
			o := audit.VerifyOptions{Workers: workers}
			if workers == 1 {
				return check(audit.VerifyWith(ctx, tx, v, storetest.Origin, o))
			}
			// As shilu audit verify runs it: the nodes read apart.
			return db.View(ctx, func(nodes *store.Tx) error {
				o.Nodes = nodes
				return check(audit.VerifyWith(ctx, tx, v, storetest.Origin, o))
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	verify(0) // warm SQLite's page cache for both
	var seq, par, sha time.Duration
	for b.Loop() {
		sha += floor()
		seq += verify(1)
		par += verify(0)
	}
	rate := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(sha), "sha256-entries/s")
	b.ReportMetric(rate(seq), "seq-entries/s")
	b.ReportMetric(rate(par), "entries/s")
	b.ReportMetric(par.Seconds()/float64(b.N), "s/verify")
	b.ReportMetric(par.Seconds()/sha.Seconds(), "x-sha256-floor")
	b.ReportMetric(seq.Seconds()/par.Seconds(), "speedup")
	b.Logf("%d entries, %d bytes (%.0f a entry): SHA-256 floor %v, Verify %v with every core, %v with one",
		n, total, float64(total)/float64(n), (sha / time.Duration(b.N)).Round(time.Millisecond),
		(par / time.Duration(b.N)).Round(time.Millisecond), (seq / time.Duration(b.N)).Round(time.Millisecond))
}

// seedLog creates the store at path and fills its custody log with n
// entries, built by a Log in memory (bulkTx) and inserted a few hundred
// rows a statement, and returns the log and its verifier.
func seedLog(b *testing.B, path string, n int) (*audit.Log, note.Verifier) {
	ctx := context.Background()
	skey, _, err := audit.GenerateKey(storetest.Origin)
	if err != nil {
		b.Fatal(err)
	}
	log, v, err := audit.NewLog(storetest.Origin, skey)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.OpenSQLite(ctx, path, store.Options{Log: log}) // the schema
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}

	m := &bulkTx{}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		e := audit.Entry{Time: start.Add(time.Duration(i) * time.Second), Actor: fmt.Sprintf("officer%d", i%50), Action: "recording.read",
			Object: fmt.Sprintf("recording:%d", i), Outcome: audit.OutcomeOK, Digests: []blob.Digest{blob.Sum(fmt.Append(nil, i))},
			Details: map[string]string{"ip": fmt.Sprintf("10.0.%d.%d", i/256%256, i%256)}}
		if _, err := log.Append(ctx, m, e); err != nil {
			b.Fatal(err)
		}
		if (i+1)%audit.CheckpointEvery == 0 || i == n-1 {
			if _, _, err := log.SignHead(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	}

	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := raw.Close(); err != nil {
			b.Error(err)
		}
	}()
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	insert := func(table string, cols int, rows [][]any) {
		const per = 300
		for lo := 0; lo < len(rows); lo += per {
			chunk := rows[lo:min(lo+per, len(rows))]
			row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
			q := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", len(chunk)), ",")
			args := make([]any, 0, cols*len(chunk))
			for _, r := range chunk {
				args = append(args, r...)
			}
			if _, err := tx.Exec(q, args...); err != nil {
				b.Fatalf("%s: %v", table, err)
			}
		}
	}
	insert("audit_entries (idx, data, leaf_hash)", 3, m.entries)
	insert("audit_nodes (level, idx, hash)", 3, m.nodes)
	insert("audit_checkpoints (size, root, note)", 3, m.cps)
	if _, err := tx.Exec(`INSERT INTO audit_state (id, size, hashes) VALUES (1, ?, ?)`, int64(m.size), bytes.Join(m.hashes, nil)); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return log, v
}

// bulkTx is an audit.Tx that keeps the rows to insert in memory.
type bulkTx struct {
	entries, nodes, cps [][]any
	size                uint64
	hashes              [][]byte
	latest              audit.Checkpoint
}

func (m *bulkTx) LogState(context.Context) (uint64, [][]byte, error) { return m.size, m.hashes, nil }

func (m *bulkTx) StoreAppend(_ context.Context, index uint64, data, leaf []byte, nodes []audit.Node, hashes [][]byte) error {
	m.entries = append(m.entries, []any{int64(index), data, leaf})
	for _, nd := range nodes {
		m.nodes = append(m.nodes, []any{int64(nd.ID.Level), int64(nd.ID.Index), nd.Hash})
	}
	m.size, m.hashes = index+1, hashes
	return nil
}

func (m *bulkTx) AuditEntry(_ context.Context, index uint64) ([]byte, error) {
	return m.entries[index][1].([]byte), nil
}

func (m *bulkTx) LatestCheckpoint(context.Context) (audit.Checkpoint, bool, error) {
	return m.latest, m.latest.Size > 0, nil
}

func (m *bulkTx) StoreCheckpoint(_ context.Context, cp audit.Checkpoint) error {
	m.cps = append(m.cps, []any{int64(cp.Size), cp.Root, cp.Note})
	m.latest = cp
	return nil
}
