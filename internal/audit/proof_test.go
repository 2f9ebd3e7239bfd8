package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestInclusionProof(t *testing.T) {
	l, _ := testLog(t)
	m, data := appendN(t, l, 70)
	ctx := context.Background()
	for _, size := range []uint64{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 70} {
		root := referenceRoot(data[:size])
		for index := range size {
			t.Run(fmt.Sprintf("%d/%d", index, size), func(t *testing.T) {
				p, err := InclusionProof(ctx, m, index, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := VerifyInclusion(data[index], index, size, root, p); err != nil {
					t.Errorf("VerifyInclusion: %v", err)
				}
				if err := VerifyInclusion(append(bytes.Clone(data[index]), ' '), index, size, root, p); err == nil {
					t.Error("a proof verified for other data")
				}
				if other := (index + 1) % size; other != index {
					if err := VerifyInclusion(data[other], index, size, root, p); err == nil {
						t.Errorf("entry %d verified at index %d", other, index)
					}
					if err := VerifyInclusion(data[index], other, size, root, p); err == nil {
						t.Errorf("a proof for index %d verified at %d", index, other)
					}
				}
			})
		}
	}
	for _, tt := range []struct{ index, size uint64 }{{0, 0}, {5, 5}, {0, 71}} {
		if _, err := InclusionProof(ctx, m, tt.index, tt.size); err == nil {
			t.Errorf("InclusionProof(%d, %d) succeeded", tt.index, tt.size)
		}
	}
}

func TestConsistencyProof(t *testing.T) {
	l, _ := testLog(t)
	m, data := appendN(t, l, 40)
	ctx := context.Background()
	sizes := []uint64{0, 1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 40}
	for _, s1 := range sizes {
		for _, s2 := range sizes {
			if s1 > s2 {
				continue
			}
			p, err := ConsistencyProof(ctx, m, s1, s2)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", s1, s2, err)
			}
			r1, r2 := referenceRoot(data[:s1]), referenceRoot(data[:s2])
			if err := VerifyConsistency(s1, s2, r1, r2, p); err != nil {
				t.Errorf("VerifyConsistency(%d, %d): %v", s1, s2, err)
			}
			if s1 > 0 && s1 < s2 {
				forked := referenceRoot(append(append([][]byte{}, data[:s1-1]...), []byte("forged")))
				if err := VerifyConsistency(s1, s2, forked, r2, p); err == nil {
					t.Errorf("VerifyConsistency(%d, %d) accepted a forked tree", s1, s2)
				}
			}
		}
	}
}

// Issue 9 point 7, R-AUD-1: a checkpoint held outside the database finds a
// log rolled back to before it, and a log whose history differs from what
// it signed; the log that grew from it passes.
func TestExtends(t *testing.T) {
	l, _ := testLog(t)
	m, data := appendN(t, l, 20)
	ctx := context.Background()
	held := Checkpoint{Size: 12, Root: referenceRoot(data[:12])}
	if err := Extends(ctx, m, 20, referenceRoot(data), held); err != nil {
		t.Errorf("grown log: %v", err)
	}
	if err := Extends(ctx, m, 12, referenceRoot(data[:12]), held); err != nil {
		t.Errorf("same size: %v", err)
	}
	if err := Extends(ctx, m, 10, referenceRoot(data[:10]), held); !errors.Is(err, ErrRolledBack) {
		t.Errorf("rolled back: %v, want ErrRolledBack", err)
	}
	other := Checkpoint{Size: 12, Root: referenceRoot(append(append([][]byte{}, data[:11]...), []byte("rewritten")))}
	if err := Extends(ctx, m, 20, referenceRoot(data), other); !errors.Is(err, ErrTampered) {
		t.Errorf("other history: %v, want ErrTampered", err)
	}
}
