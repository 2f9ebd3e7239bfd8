package compliance

import (
	"math/rand/v2"
	"slices"
)

// sampleStream is the PCG stream of spot-check samples: a constant, so that
// a sample depends on its seed and its population alone.
const sampleStream = 0x5348494c55 // "SHILU"

// Sample draws up to n of ids at random with seed (X-RPT-2), in ascending
// order. The draw depends only on the seed and the set of ids — not on
// their order or repeats — so the same seed over the same month's data
// draws the same sample, whoever redoes it and on whatever machine: a
// partial Fisher–Yates shuffle of the sorted ids driven by PCG, whose
// output is fixed by its specification (math/rand/v2 promises it).
func Sample(ids []int64, seed uint64, n int) []int64 {
	pop := slices.Clone(ids)
	slices.Sort(pop)
	pop = slices.Compact(pop)
	n = min(max(n, 0), len(pop))
	r := rand.New(rand.NewPCG(seed, sampleStream))
	for i := range n {
		j := i + r.IntN(len(pop)-i)
		pop[i], pop[j] = pop[j], pop[i]
	}
	out := pop[:n:n]
	slices.Sort(out)
	return out
}
