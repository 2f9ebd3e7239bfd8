package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// TestVerifyTampered tampers with a 20-entry log as someone with write
// access to the database could, and checks that Verify fails and names the
// place.
func TestVerifyTampered(t *testing.T) {
	const n = 20
	l, _ := testLog(t)
	other, err := note.NewSigner(otherSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	// resign replaces checkpoint size by one from log o over the same root.
	resign := func(t *testing.T, m *memStore, o *Log, size uint64) {
		c, err := o.checkpoint(size, m.checkpoint(size).Root)
		if err != nil {
			t.Fatal(err)
		}
		m.setCheckpoint(c)
	}
	// rewrite replaces entry i by a valid, canonical entry and fixes its
	// leaf hash, as an attacker editing an entry would.
	rewrite := func(t *testing.T, m *memStore, i uint64) {
		e, err := Decode(m.data(i))
		if err != nil {
			t.Fatal(err)
		}
		e.Actor = "someone-else"
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m.setData(i, b)
		m.setLeafHash(i, hasher.HashLeaf(b))
	}

	tests := []struct {
		name   string
		tamper func(*testing.T, *memStore)
		kind   string
		index  uint64
	}{
		{"ByteChanged", func(t *testing.T, m *memStore) {
			b := m.data(7)
			b[bytes.Index(b, []byte("officer"))] = 'O'
			m.setData(7, b)
		}, ProblemEntry, 7},
		{"ByteChangedUndecodable", func(t *testing.T, m *memStore) {
			b := m.data(7)
			b[len(b)-1] = ']'
			m.setData(7, b)
		}, ProblemEntry, 7},
		{"EntryAndLeafHashChanged", func(t *testing.T, m *memStore) { rewrite(t, m, 7) }, ProblemEntry, 7},
		{"NewestEntryAndLeafHashChanged", func(t *testing.T, m *memStore) { rewrite(t, m, n-1) }, ProblemEntry, n - 1},
		{"FirstEntryAndLeafHashChanged", func(t *testing.T, m *memStore) { rewrite(t, m, 0) }, ProblemEntry, 0},
		{"MiddleEntryDeleted", func(t *testing.T, m *memStore) { m.deleteEntry(7) }, ProblemEntry, 7},
		{"TwoEntriesDeleted", func(t *testing.T, m *memStore) { m.deleteEntry(7); m.deleteEntry(8) }, ProblemEntry, 7},
		{"FirstEntryDeleted", func(t *testing.T, m *memStore) { m.deleteEntry(0) }, ProblemEntry, 0},
		{"LastEntryDeleted", func(t *testing.T, m *memStore) { m.deleteEntry(n - 1) }, ProblemEntry, n - 1},
		{"EntriesSwapped/First", func(t *testing.T, m *memStore) { m.swapEntries(3, 11) }, ProblemEntry, 3},
		{"EntriesSwapped/Second", func(t *testing.T, m *memStore) { m.swapEntries(3, 11) }, ProblemEntry, 11},
		{"CheckpointOtherKey", func(t *testing.T, m *memStore) {
			resign(t, m, &Log{Origin: testOrigin, Signer: other}, 12)
		}, ProblemCheckpoint, 12},
		{"CheckpointOtherOrigin", func(t *testing.T, m *memStore) {
			resign(t, m, &Log{Origin: "other.example/audit", Signer: l.Signer}, 12)
		}, ProblemCheckpoint, 12},
		{"CheckpointRootColumnChanged", func(t *testing.T, m *memStore) {
			c := m.checkpoint(5)
			c.Root = bytes.Repeat([]byte{1}, 32)
			m.setCheckpoint(c)
		}, ProblemCheckpoint, 5},
		{"Truncated", func(t *testing.T, m *memStore) { m.truncate(15) }, ProblemCheckpoint, 16},
		{"TruncatedToEmpty", func(t *testing.T, m *memStore) { m.truncate(0) }, ProblemCheckpoint, 1},
		{"StateChanged", func(t *testing.T, m *memStore) {
			size, hashes, _ := m.LogState(context.Background())
			hashes = cloneHashes(hashes)
			hashes[0][0] ^= 1
			m.setState(size, hashes)
		}, ProblemState, n},
		{"StateRewound", func(t *testing.T, m *memStore) {
			m.setState(3, nil)
		}, ProblemState, 3},
		{"NodeChanged", func(t *testing.T, m *memStore) {
			m.setNode(compact.NewNodeID(2, 2), bytes.Repeat([]byte{2}, 32))
		}, ProblemNode, 8},
		{"NodeDeleted", func(t *testing.T, m *memStore) { m.deleteNode(compact.NewNodeID(1, 6)) }, ProblemNode, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, v := testLog(t)
			m, _ := appendN(t, l, n)
			tt.tamper(t, m)
			rep, err := Verify(context.Background(), m, v, testOrigin)
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("Verify = %v, want ErrTampered; problems %v", err, rep.Problems)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || p.Kind == tt.kind && p.Index == tt.index
			}
			if !found {
				t.Errorf("no problem about %s %d in:\n%s", tt.kind, tt.index, problemList(rep.Problems))
			}
			if testing.Verbose() {
				t.Logf("%v\n%s", err, problemList(rep.Problems))
			}
		})
	}
}

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\t%v\n", p)
	}
	return b.String()
}

// TestVerifyUnsignedTail: the log signs per batch (CheckpointEvery), so
// entries after the newest checkpoint are a warning counted in
// Report.Unsigned while there are fewer than CheckpointEvery of them, and a
// problem naming the first of them when there are more than the log ever
// leaves. (Before checkpoints were signed per batch, one unsigned entry was
// a problem: TestVerifyTampered's LatestCheckpointDeleted and EntryForged
// cases moved here. An entry forged after the newest checkpoint is what
// the next checkpoint would sign over, then as now; see CheckpointEvery.)
func TestVerifyUnsignedTail(t *testing.T) {
	const n = 20
	forge := func(t *testing.T, m *memStore, from, count int) {
		for i := from; i < from+count; i++ {
			e := testEntry(i)
			e.Index = uint64(i)
			b, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			m.forgeEntry(b)
		}
	}
	tests := []struct {
		name     string
		tamper   func(*testing.T, *memStore)
		unsigned uint64 // when it verifies
		problem  uint64 // the entry named, when it does not
		ok       bool
	}{
		{"LatestCheckpointDeleted", func(t *testing.T, m *memStore) { m.deleteCheckpoint(n) }, 1, 0, true},
		{"EntryForged", func(t *testing.T, m *memStore) { forge(t, m, n, 1) }, 1, 0, true},
		{"JustUnderTheBound", func(t *testing.T, m *memStore) { forge(t, m, n, CheckpointEvery-1) }, CheckpointEvery - 1, 0, true},
		{"AtTheBound", func(t *testing.T, m *memStore) { forge(t, m, n, CheckpointEvery) }, 0, n, false},
		{"CheckpointsDeleted", func(t *testing.T, m *memStore) {
			forge(t, m, n, CheckpointEvery)
			for size := range uint64(n) {
				m.deleteCheckpoint(size + 1)
			}
		}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, v := testLog(t)
			m, _ := appendN(t, l, n)
			tt.tamper(t, m)
			rep, err := Verify(context.Background(), m, v, testOrigin)
			if tt.ok {
				if err != nil || rep.Unsigned != tt.unsigned {
					t.Errorf("Verify = %v, %d unsigned; want nil, %d\n%s", err, rep.Unsigned, tt.unsigned, problemList(rep.Problems))
				}
				return
			}
			if !errors.Is(err, ErrTampered) || rep.Unsigned != 0 {
				t.Fatalf("Verify = %v, %d unsigned; want ErrTampered", err, rep.Unsigned)
			}
			want := Problem{Kind: ProblemEntry, Index: tt.problem}
			if len(rep.Problems) != 1 || rep.Problems[0].Kind != want.Kind || rep.Problems[0].Index != want.Index ||
				!strings.Contains(rep.Problems[0].Message, "covered by no checkpoint") {
				t.Errorf("problems:\n%swant one about %v", problemList(rep.Problems), want)
			}
		})
	}
}

// TestVerifyRepeatsSummarized checks that a change near the start, which
// every later checkpoint contradicts, is reported once with a count, not as
// a problem per checkpoint.
func TestVerifyRepeatsSummarized(t *testing.T) {
	l, v := testLog(t)
	m, _ := appendN(t, l, 300)
	m.swapEntries(1, 2)
	rep, err := Verify(context.Background(), m, v, testOrigin)
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("Verify = %v", err)
	}
	if len(rep.Problems) > 10 {
		t.Errorf("%d problems, want a handful:\n%s", len(rep.Problems), problemList(rep.Problems))
	}
	if !strings.Contains(problemList(rep.Problems), "and 298 more checkpoints, sizes 3 to 300") {
		t.Errorf("no summary of the later checkpoints in:\n%s", problemList(rep.Problems))
	}
}

// TestVerifyBoundedProblems checks that a log damaged everywhere gives a
// bounded report.
func TestVerifyBoundedProblems(t *testing.T) {
	l, v := testLog(t)
	m, _ := appendN(t, l, maxProblems+200)
	for i := range uint64(maxProblems + 200) {
		m.setLeafHash(i, make([]byte, 32))
	}
	rep, err := Verify(context.Background(), m, v, testOrigin)
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("Verify = %v", err)
	}
	if len(rep.Problems) != maxProblems || rep.Omitted != 200 {
		t.Errorf("%d problems, %d omitted; want %d, 200", len(rep.Problems), rep.Omitted, maxProblems)
	}
}

func TestVerifyReadError(t *testing.T) {
	l, v := testLog(t)
	m, _ := appendN(t, l, 10)
	boom := errors.New("disk on fire")
	for _, r := range []Reader{
		failingReader{m, "entries", boom},
		failingReader{m, "checkpoints", boom},
		failingReader{m, "state", boom},
	} {
		_, err := Verify(context.Background(), r, v, testOrigin)
		if !errors.Is(err, boom) || errors.Is(err, ErrTampered) {
			t.Errorf("Verify with %s failing = %v, want %v", r.(failingReader).what, err, boom)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, m, v, testOrigin); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a cancelled context = %v", err)
	}
}

// failingReader fails one kind of read partway through.
type failingReader struct {
	*memStore
	what string
	err  error
}

func (f failingReader) Entries(ctx context.Context, start uint64, fn func(uint64, []byte, []byte) error) error {
	if f.what != "entries" {
		return f.memStore.Entries(ctx, start, fn)
	}
	return f.memStore.Entries(ctx, start, func(i uint64, d, h []byte) error {
		if i == 5 {
			return f.err
		}
		return fn(i, d, h)
	})
}

func (f failingReader) Checkpoints(ctx context.Context, fn func(Checkpoint) error) error {
	if f.what != "checkpoints" {
		return f.memStore.Checkpoints(ctx, fn)
	}
	return f.memStore.Checkpoints(ctx, func(c Checkpoint) error {
		if c.Size == 5 {
			return f.err
		}
		return fn(c)
	})
}

func (f failingReader) LogState(ctx context.Context) (uint64, [][]byte, error) {
	if f.what == "state" {
		return 0, nil, f.err
	}
	return f.memStore.LogState(ctx)
}
