package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// Test keys, fixed so that golden checkpoints are stable. otherSignerKey has
// the same name as testSignerKey but another key: a forger's.
const (
	testOrigin       = "test.shilu.invalid/audit"
	testSignerKey    = "PRIVATE+KEY+test.shilu.invalid/audit+f2265e11+AcPFrIMCNcaFxBaVsT/lBMfBt+yOQ/bZTw4VM174553z"
	testVerifierKey  = "test.shilu.invalid/audit+f2265e11+AXL1/8sl6midDGtnAKarM7AgA0aUXzk2nHwZSNISzNCc"
	otherSignerKey   = "PRIVATE+KEY+test.shilu.invalid/audit+8db2639d+Ae0Z8hSwAvuybclyKmCrcP8GQgHosDEgNo+xHIbLpkmH"
	otherVerifierKey = "test.shilu.invalid/audit+8db2639d+AZ9W3cacv3pcldYVLyD4VPhAEyXs8k+BExObRfMlvv9L"
)

func testLog(t testing.TB) (*Log, note.Verifier) {
	t.Helper()
	l, v, err := NewLog(testOrigin, testSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	return l, v
}

// testEntry returns a varied, deterministic entry for position i.
func testEntry(i int) Entry {
	actions := []evidence.Action{"recording.ingest", "recording.read", "recording.content", "user.login", "user.login_failed", "token.create"}
	outcomes := []string{OutcomeOK, OutcomeOK, OutcomeDenied, OutcomeFailed}
	e := Entry{
		Time:    t0.Add(time.Duration(i) * time.Second),
		Actor:   fmt.Sprintf("officer%d", i%7),
		Action:  actions[i%len(actions)],
		Object:  fmt.Sprintf("recording:%d", i),
		Outcome: outcomes[i%len(outcomes)],
	}
	if i%3 == 0 {
		e.Digests = []blob.Digest{blob.Sum([]byte(fmt.Sprint("video", i)))}
	}
	if i%2 == 0 {
		e.Details = map[string]string{"ip": fmt.Sprintf("10.0.%d.%d", i/256%256, i%256), "n": fmt.Sprint(i)}
	}
	return e
}

// appendN appends entries 0..n-1 to a new store, signing a checkpoint
// after each (as the log did before it signed per batch: the damage tests
// locate a change between two neighbouring checkpoints), and returns the
// store and the entries' encodings.
func appendN(t testing.TB, l *Log, n int) (*memStore, [][]byte) {
	t.Helper()
	m := newMemStore()
	var data [][]byte
	for i := range n {
		e, err := l.Append(context.Background(), m, testEntry(i))
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		if e.Index != uint64(i) {
			t.Fatalf("Append %d: Index = %d", i, e.Index)
		}
		if _, signed, err := l.SignHead(context.Background(), m); err != nil || !signed {
			t.Fatalf("SignHead %d: %v, signed %v", i, err, signed)
		}
		data = append(data, m.data(uint64(i)))
	}
	return m, data
}

// referenceRoot is RFC 6962 §2.1's Merkle Tree Hash, written out from the
// RFC with crypto/sha256 and no code shared with the package.
func referenceRoot(leaves [][]byte) []byte {
	var h [sha256.Size]byte
	switch len(leaves) {
	case 0:
		h = sha256.Sum256(nil)
	case 1:
		h = sha256.Sum256(append([]byte{0}, leaves[0]...))
	default:
		k := 1
		for k*2 < len(leaves) {
			k *= 2
		}
		h = sha256.Sum256(append(append([]byte{1}, referenceRoot(leaves[:k])...), referenceRoot(leaves[k:])...))
	}
	return h[:]
}

func TestAppendVerify(t *testing.T) {
	l, v := testLog(t)
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m, data := appendN(t, l, n)
			rep, err := Verify(context.Background(), m, v, testOrigin)
			if err != nil {
				t.Fatalf("Verify: %v\n%v", err, rep.Problems)
			}
			want := referenceRoot(data)
			if rep.Size != uint64(n) || rep.Entries != uint64(n) || rep.Checkpoints != uint64(n) || !bytes.Equal(rep.Root, want) {
				t.Errorf("report: size %d, %d entries, %d checkpoints, root %x; want %d, %d, %d, %x",
					rep.Size, rep.Entries, rep.Checkpoints, rep.Root, n, n, n, want)
			}
			if rep.Latest.Size != uint64(n) || !bytes.Equal(rep.Latest.Root, want) {
				t.Errorf("latest checkpoint %d %x, want %d %x", rep.Latest.Size, rep.Latest.Root, n, want)
			}
			// Each checkpoint signs the reference root of its size.
			for _, size := range []int{1, n / 2, n - 1, n} {
				if size < 1 {
					continue
				}
				cp, err := ParseCheckpoint(m.checkpoint(uint64(size)).Note, v, testOrigin)
				if err != nil {
					t.Fatal(err)
				}
				if want := referenceRoot(data[:size]); cp.Size != uint64(size) || !bytes.Equal(cp.Root, want) {
					t.Errorf("checkpoint %d: %d %x, want root %x", size, cp.Size, cp.Root, want)
				}
			}
		})
	}
}

func TestVerifyEmpty(t *testing.T) {
	_, v := testLog(t)
	rep, err := Verify(context.Background(), newMemStore(), v, testOrigin)
	if err != nil {
		t.Fatalf("Verify: %v %v", err, rep.Problems)
	}
	if rep.Size != 0 || !bytes.Equal(rep.Root, referenceRoot(nil)) {
		t.Errorf("empty log: size %d root %x", rep.Size, rep.Root)
	}
}

func TestAppendRejectsInvalidEntry(t *testing.T) {
	l, _ := testLog(t)
	m := newMemStore()
	e := testEntry(0)
	e.Action = "nonsense"
	if _, err := l.Append(context.Background(), m, e); err == nil {
		t.Fatal("Append of an invalid entry succeeded")
	}
	if size, _, _ := m.LogState(context.Background()); size != 0 {
		t.Errorf("size %d after a failed append", size)
	}
}

func TestAppendSetsIndexAndUTC(t *testing.T) {
	l, _ := testLog(t)
	m := newMemStore()
	e := testEntry(0)
	e.Index = 99
	e.Time = e.Time.In(time.FixedZone("CST", 8*3600))
	got, err := l.Append(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 0 || got.Time.Location() != time.UTC || !got.Time.Equal(e.Time) {
		t.Errorf("Append = index %d time %v", got.Index, got.Time)
	}
	dec, err := Decode(m.data(0))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, dec); diff != "" {
		t.Errorf("stored entry differs from the returned one (-returned +stored):\n%s", diff)
	}
}

func TestAppendStoreError(t *testing.T) {
	l, _ := testLog(t)
	boom := errors.New("boom")
	if _, err := l.Append(context.Background(), failingTx{boom}, testEntry(0)); !errors.Is(err, boom) {
		t.Errorf("Append = %v, want %v", err, boom)
	}
}

type failingTx struct{ err error }

func (f failingTx) LogState(context.Context) (uint64, [][]byte, error) { return 0, nil, nil }
func (f failingTx) StoreAppend(context.Context, uint64, []byte, []byte, []Node, [][]byte) error {
	return f.err
}
func (f failingTx) AuditEntry(context.Context, uint64) ([]byte, error) { return nil, f.err }
func (f failingTx) LatestCheckpoint(context.Context) (Checkpoint, bool, error) {
	return Checkpoint{}, false, f.err
}
func (f failingTx) StoreCheckpoint(context.Context, Checkpoint) error { return f.err }

// TestLogGolden pins the tree hashing and the checkpoint format: the root
// and the signed checkpoint of a fixed five-entry log (Ed25519 signatures are
// deterministic).
func TestLogGolden(t *testing.T) {
	l, _ := testLog(t)
	m, data := appendN(t, l, 5)
	root := referenceRoot(data)
	cp := m.checkpoint(5)
	if !bytes.Equal(cp.Root, root) {
		t.Errorf("checkpoint root %x, reference %x", cp.Root, root)
	}
	golden(t, "log5.golden", fmt.Appendf(nil, "root %s\n\n%s", hex.EncodeToString(root), cp.Note))
}

func TestKeys(t *testing.T) {
	skey, vkey, err := GenerateKey("archive.example/audit")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := VerifierKey(skey); err != nil || got != vkey {
		t.Errorf("VerifierKey = %q, %v; want %q", got, err, vkey)
	}
	if got, err := VerifierKey(testSignerKey); err != nil || got != testVerifierKey {
		t.Errorf("VerifierKey(test key) = %q, %v", got, err)
	}
	l, v, err := NewLog("archive.example/audit", skey)
	if err != nil {
		t.Fatal(err)
	}
	if l.Origin != "archive.example/audit" || l.Signer.Name() != l.Origin || v.KeyHash() != l.Signer.KeyHash() {
		t.Errorf("NewLog = %+v, verifier %s/%08x", l, v.Name(), v.KeyHash())
	}

	for _, tt := range []struct{ name, origin, skey string }{
		{"OtherOrigin", "other.example/audit", skey},
		{"VerifierKeyGiven", "archive.example/audit", vkey},
		{"Garbage", "archive.example/audit", "PRIVATE+KEY+x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := NewLog(tt.origin, tt.skey); err == nil {
				t.Error("NewLog succeeded")
			}
		})
	}
	if _, _, err := GenerateKey("has space"); err == nil {
		t.Error("GenerateKey accepted an invalid name")
	}
}

func TestParseCheckpoint(t *testing.T) {
	l, v := testLog(t)
	root := bytes.Repeat([]byte{0xab}, 32)
	sign := func(s note.Signer, text string) string {
		t.Helper()
		msg, err := note.Sign(&note.Note{Text: text}, s)
		if err != nil {
			t.Fatal(err)
		}
		return string(msg)
	}
	other, err := note.NewSigner(otherSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	b64 := "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="
	good, err := l.checkpoint(7, root)
	if err != nil {
		t.Fatal(err)
	}
	if want := testOrigin + "\n7\n" + b64 + "\n"; !strings.HasPrefix(good.Note, want+"\n— ") {
		t.Fatalf("checkpoint note %q, want it to start with %q", good.Note, want)
	}
	got, err := ParseCheckpoint(good.Note, v, testOrigin)
	if err != nil {
		t.Fatalf("ParseCheckpoint: %v", err)
	}
	if diff := cmp.Diff(good, got); diff != "" {
		t.Errorf("ParseCheckpoint (-want +got):\n%s", diff)
	}

	tests := []struct{ name, note string }{
		{"OtherKey", sign(other, testOrigin+"\n7\n"+b64+"\n")},
		{"OtherOrigin", sign(l.Signer, "other.example/audit\n7\n"+b64+"\n")},
		{"Altered", strings.Replace(good.Note, "\n7\n", "\n8\n", 1)},
		{"Unsigned", testOrigin + "\n7\n" + b64 + "\n"},
		{"ExtensionLine", sign(l.Signer, testOrigin+"\n7\n"+b64+"\nextra\n")},
		{"TwoLines", sign(l.Signer, testOrigin+"\n7\n")},
		{"LeadingZeroSize", sign(l.Signer, testOrigin+"\n07\n"+b64+"\n")},
		{"NegativeSize", sign(l.Signer, testOrigin+"\n-7\n"+b64+"\n")},
		{"ShortRoot", sign(l.Signer, testOrigin+"\n7\nq6urqw==\n")},
		{"RootNotBase64", sign(l.Signer, testOrigin+"\n7\n"+strings.Repeat("!", 44)+"\n")},
		{"RootURLBase64", sign(l.Signer, testOrigin+"\n7\n"+strings.Repeat("_", 43)+"=\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := ParseCheckpoint(tt.note, v, testOrigin); err == nil {
				t.Errorf("ParseCheckpoint = %+v, want an error", c)
			}
		})
	}
}

// TestSigningRule: R-AUD-1. The log signs per batch (CheckpointEvery):
// SignDue signs when CheckpointEvery entries are unsigned or the oldest
// unsigned one is CheckpointAfter old, and not before; SignHead signs any
// unsigned head, once.
func TestSigningRule(t *testing.T) {
	ctx := context.Background()
	l, v := testLog(t)
	m := newMemStore()
	if _, signed, err := l.SignHead(ctx, m); err != nil || signed {
		t.Fatalf("SignHead of an empty log: signed %v, %v", signed, err)
	}
	appendAt := func(at time.Time) {
		t.Helper()
		e := testEntry(int(m.size))
		e.Time = at
		if _, err := l.Append(ctx, m, e); err != nil {
			t.Fatal(err)
		}
	}
	due := func(now time.Time, want bool, wantSize uint64) {
		t.Helper()
		cp, signed, err := l.SignDue(ctx, m, now)
		if err != nil || signed != want || cp.Size != wantSize {
			t.Fatalf("SignDue at %v = size %d, signed %v, %v; want size %d, signed %v", now.Sub(t0), cp.Size, signed, err, wantSize, want)
		}
	}
	appendAt(t0)
	due(t0, false, 0)
	due(t0.Add(CheckpointAfter-time.Microsecond), false, 0)
	due(t0.Add(CheckpointAfter), true, 1)
	due(t0.Add(time.Hour), false, 1) // nothing unsigned

	t1 := t0.Add(time.Hour)
	for range CheckpointEvery - 1 {
		appendAt(t1)
	}
	due(t1, false, 1)
	appendAt(t1)
	due(t1, true, CheckpointEvery+1)

	appendAt(t1)
	if cp, signed, err := l.SignHead(ctx, m); err != nil || !signed || cp.Size != CheckpointEvery+2 {
		t.Fatalf("SignHead = size %d, signed %v, %v", cp.Size, signed, err)
	}
	if _, signed, err := l.SignHead(ctx, m); err != nil || signed {
		t.Fatalf("SignHead of a signed head: signed %v, %v", signed, err)
	}

	// An undecodable oldest unsigned entry leaves the count to decide; it
	// does not fail the transaction.
	appendAt(t1)
	m.setData(CheckpointEvery+2, []byte("garbage"))
	due(t1.Add(time.Hour), false, CheckpointEvery+2)

	rep, err := Verify(ctx, m, v, testOrigin)
	if !errors.Is(err, ErrTampered) || rep.Checkpoints != 3 || rep.Latest.Size != CheckpointEvery+2 || rep.Unsigned != 1 {
		t.Errorf("Verify = %v: %d checkpoints, latest %d, %d unsigned", err, rep.Checkpoints, rep.Latest.Size, rep.Unsigned)
	}
}
