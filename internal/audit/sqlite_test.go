package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"shilu/internal/audit"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// TestVerifySQLite runs Verify over the real store, whose NodeHashes reads
// runs of nodes with range queries: every node asked in one shuffled call
// must come back as asked one at a time, a node missing from a run must be
// named, and one worker and several must agree. The entries are appended in
// one transaction, which signs one checkpoint at its end (R-AUD-1: per
// batch, never per entry).
func TestVerifySQLite(t *testing.T) {
	const n = audit.CheckpointEvery + 300
	ctx := context.Background()
	db, v := storetest.Open(t)
	err := db.Update(ctx, func(tx *store.Tx) error {
		for i := range n {
			e := audit.Entry{Actor: "system", Action: "user.login", Object: fmt.Sprintf("user:u%d", i), Outcome: audit.OutcomeOK}
			if _, err := tx.Audit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *store.Tx) error {
		var ids []compact.NodeID
		for level := uint(0); n>>level > 0; level++ {
			for i := range uint64(n >> level) {
				ids = append(ids, compact.NewNodeID(level, i))
			}
		}
		ids = append(ids, ids[5], ids[n+3]) // asked twice
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		got, err := tx.NodeHashes(ctx, ids)
		if err != nil {
			t.Fatalf("NodeHashes of all %d nodes: %v", len(ids), err)
		}
		for i, id := range ids {
			one, err := tx.NodeHashes(ctx, ids[i:i+1])
			if err != nil || len(one) != 1 || len(one[0]) != 32 || !bytes.Equal(got[i], one[0]) {
				t.Fatalf("node %v: %x in the batch, %x (%v) alone", id, got[i], one, err)
			}
			if id.Level == 0 { // a leaf: its entry's leaf hash, stored once
				data, err := tx.AuditEntry(ctx, id.Index)
				if err != nil || !bytes.Equal(got[i], rfc6962.DefaultHasher.HashLeaf(data)) {
					t.Fatalf("leaf %d: %x, want the hash of its entry (%v)", id.Index, got[i], err)
				}
			}
		}

		run := []compact.NodeID{compact.NewNodeID(1, 3)}
		for i := uint64(n - 5); i < n+5; i++ {
			run = append(run, compact.NewNodeID(0, i))
		}
		_, err = tx.NodeHashes(ctx, run)
		if !errors.Is(err, sql.ErrNoRows) || !strings.Contains(err.Error(), fmt.Sprintf("node 0/%d:", n)) {
			t.Errorf("NodeHashes past the end = %v, want node 0/%d not found", err, n)
		}

		one, err := audit.VerifyWith(ctx, tx, v, storetest.Origin, audit.VerifyOptions{Workers: 1})
		if err != nil || one.Entries != n || one.Checkpoints != 1 || one.Latest.Size != n {
			t.Fatalf("Verify with 1 worker: %d entries, %d checkpoints, latest %d, %v", one.Entries, one.Checkpoints, one.Latest.Size, err)
		}
		two, err := audit.VerifyWith(ctx, tx, v, storetest.Origin, audit.VerifyOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(one, two); diff != "" {
			t.Errorf("1 and 2 workers disagree (-1 +2):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
