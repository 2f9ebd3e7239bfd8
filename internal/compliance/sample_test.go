package compliance

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// X-RPT-2: a spot check's sample is reproducible from its seed: the same
// seed over the same ids (in any order) draws the same sample, a golden
// draw stays what it was (so a recorded seed redraws the recorded sample
// on any later version), and another seed draws another.
func TestSampleReproducible(t *testing.T) {
	ids := make([]int64, 0, 200)
	for i := range int64(200) {
		ids = append(ids, 1000+3*i)
	}
	a := Sample(ids, 20261101, 5)
	shuffled := slices.Clone(ids)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	shuffled = append(shuffled, ids[:10]...) // repeats do not count
	for _, tc := range []struct {
		name string
		got  []int64
	}{
		{"SameInput", Sample(ids, 20261101, 5)},
		{"ShuffledWithRepeats", Sample(shuffled, 20261101, 5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(a, tc.got); diff != "" {
				t.Fatalf("sample differs (-first +again):\n%s", diff)
			}
		})
	}
	// The golden draw: if this changes, recorded seeds no longer redraw
	// their samples.
	if want := []int64{1009, 1072, 1159, 1201, 1216}; !cmp.Equal(a, want) {
		t.Errorf("seed 20261101 drew %v, want %v", a, want)
	}
	if b := Sample(ids, 20261102, 5); cmp.Equal(a, b) {
		t.Errorf("another seed drew the same sample %v", b)
	}
	for _, tc := range []struct {
		name string
		ids  []int64
		n    int
		want int
	}{
		{"Empty", nil, 5, 0},
		{"FewerThanSize", ids[:3], 5, 3},
		{"Zero", ids, 0, 0},
		{"Negative", ids, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Sample(tc.ids, 7, tc.n)
			if len(got) != tc.want || !slices.IsSorted(got) {
				t.Fatalf("Sample(%d ids, %d) = %v", len(tc.ids), tc.n, got)
			}
		})
	}
}
