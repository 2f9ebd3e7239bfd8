package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// TestVerifyWorkersAgree damages a log in many ways at once, placed on and
// around the pipeline's batch boundaries, and checks that Verify gives the
// same Report with one worker and with several, and the Report the
// sequential verifier gave before the pipeline existed (the golden file was
// written by it).
func TestVerifyWorkersAgree(t *testing.T) {
	const n = 1300
	l, v := testLog(t)
	other := &Log{Origin: testOrigin, Signer: mustSigner(t, otherSignerKey)}
	tests := []struct {
		name   string
		tamper func(*testing.T, *memStore)
	}{
		{"Many", func(t *testing.T, m *memStore) {
			b := m.data(7)
			b[bytes.Index(b, []byte("officer"))] = 'O'
			m.setData(7, b)
			b = m.data(255)
			b[len(b)-1] = ']'
			m.setData(255, b)
			e, err := Decode(m.data(256))
			if err != nil {
				t.Fatal(err)
			}
			e.Actor = "someone-else"
			if b, err = e.Encode(); err != nil {
				t.Fatal(err)
			}
			m.setData(256, b)
			m.setLeafHash(256, hasher.HashLeaf(b))
			m.deleteEntry(600)
			m.swapEntries(700, 1100)
			c, err := other.checkpoint(800, m.checkpoint(800).Root)
			if err != nil {
				t.Fatal(err)
			}
			m.setCheckpoint(c)
			c = m.checkpoint(900)
			c.Root = bytes.Repeat([]byte{1}, 32)
			m.setCheckpoint(c)
			m.setNode(compact.NewNodeID(3, 40), bytes.Repeat([]byte{2}, 32))
			m.deleteNode(compact.NewNodeID(1, 515))
			m.setLeafHash(1200, make([]byte, 32))
			m.deleteCheckpoint(1250)
			m.deleteEntry(n - 1)
			size, hashes, _ := m.LogState(context.Background())
			hashes = cloneHashes(hashes)
			hashes[0][0] ^= 1
			m.setState(size, hashes)
		}},
		{"Truncated", func(t *testing.T, m *memStore) { m.truncate(300) }},
		{"Everywhere", func(t *testing.T, m *memStore) {
			for i := range uint64(n) {
				m.setLeafHash(i, make([]byte, 32))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := appendN(t, l, n)
			tt.tamper(t, m)
			one, err := VerifyWith(context.Background(), m, v, testOrigin, VerifyOptions{Workers: 1})
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("Verify with 1 worker = %v, want ErrTampered", err)
			}
			// The same report with every worker count, and with the
			// stored nodes read on a goroutine of their own.
			for _, o := range []VerifyOptions{{Workers: 1, Nodes: m}, {Workers: 2}, {Workers: 8, Nodes: m}} {
				rep, err := VerifyWith(context.Background(), m, v, testOrigin, o)
				if !errors.Is(err, ErrTampered) {
					t.Fatalf("Verify with %d workers (nodes apart: %t) = %v, want ErrTampered", o.Workers, o.Nodes != nil, err)
				}
				if diff := cmp.Diff(one, rep); diff != "" {
					t.Errorf("%d workers (nodes apart: %t) and 1 disagree (-1 +%d):\n%s", o.Workers, o.Nodes != nil, o.Workers, diff)
				}
			}
			if tt.name == "Everywhere" {
				// Over a thousand problems: TestVerifyBoundedProblems
				// checks the counts, and the golden file would be big.
				return
			}
			got, err := json.MarshalIndent(one, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "verify_"+tt.name+".golden", append(got, '\n'))
		})
	}
}

func mustSigner(t *testing.T, key string) note.Signer {
	t.Helper()
	s, err := note.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifyProgressAndCancel checks that Progress counts up to the log's
// size, and that cancelling the context stops Verify well before the end
// of the log, with the context's error, however many workers.
func TestVerifyProgressAndCancel(t *testing.T) {
	const n = 3000
	l, v := testLog(t)
	m, _ := appendN(t, l, n)
	for _, workers := range []int{1, 2, 0} {
		t.Run(fmt.Sprintf("Workers%d", workers), func(t *testing.T) {
			var calls int
			var last uint64
			rep, err := VerifyWith(context.Background(), m, v, testOrigin, VerifyOptions{Workers: workers, Progress: func(done, total uint64) {
				if done < last || total != n {
					t.Errorf("progress %d of %d after %d, want rising to %d", done, total, last, n)
				}
				calls++
				last = done
			}})
			if err != nil || rep.Entries != n {
				t.Fatalf("Verify = %d entries, %v", rep.Entries, err)
			}
			if last != n || calls < n/batchSize {
				t.Errorf("%d progress calls ending at %d, want %d or more ending at %d", calls, last, n/batchSize, n)
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &countingReader{memStore: m}
			o := VerifyOptions{Workers: workers}
			if workers == 0 {
				o.Nodes = m // and a node check on its own goroutine to stop
			}
			o.Progress = func(done, total uint64) {
				if done >= 2*batchSize {
					cancel()
				}
			}
			_, err = VerifyWith(ctx, r, v, testOrigin, o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Verify cancelled = %v, want context.Canceled", err)
			}
			// Cancelled after two batches; the batches out by then are
			// all that may have been read.
			w := workers
			if w == 0 {
				w = runtime.GOMAXPROCS(0)
			}
			if limit := uint64(2*batchSize + (2*w+1)*batchSize); r.read > limit {
				t.Errorf("read %d entries after cancelling, want at most %d of %d", r.read, limit, n)
			}
		})
	}
}

// countingReader counts the entries read.
type countingReader struct {
	*memStore
	read uint64
}

func (c *countingReader) Entries(ctx context.Context, start uint64, fn func(uint64, []byte, []byte) error) error {
	return c.memStore.Entries(ctx, start, func(i uint64, d, h []byte) error {
		c.read++
		return fn(i, d, h)
	})
}
