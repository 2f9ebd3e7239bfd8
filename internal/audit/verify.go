package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// ErrTampered reports that Verify found the log inconsistent with itself or
// with its signed checkpoints.
var ErrTampered = errors.New("audit: custody log does not verify")

// The kinds of Problem.
const (
	ProblemEntry      = "entry"      // Index is the entry's index
	ProblemCheckpoint = "checkpoint" // Index is the checkpoint's tree size
	ProblemState      = "state"      // Index is the size in the stored log state
	ProblemNode       = "node"       // Index is the first entry under the node
)

// Problem is one finding of Verify.
type Problem struct {
	Kind    string `json:"kind"`
	Index   uint64 `json:"index"`
	Message string `json:"message"`
}

// String formats p for people: "entry 7: missing (the next stored entry is 8)".
func (p Problem) String() string { return fmt.Sprintf("%s %d: %s", p.Kind, p.Index, p.Message) }

// Report is what Verify found.
type Report struct {
	// Entries and Checkpoints count what was read and checked.
	Entries     uint64 `json:"entries"`
	Checkpoints uint64 `json:"checkpoints"`
	// Size and Root are those of the tree recomputed from the entries.
	Size uint64 `json:"size"`
	Root []byte `json:"root"`
	// Latest is the largest checkpoint whose signature verified and whose
	// root matched the recomputed tree; zero if none did.
	Latest Checkpoint `json:"latest"`
	// Problems lists the findings, in the order found, at most 1000 of
	// them; Omitted counts the rest. A consequence repeated down the log (a
	// changed entry contradicts every later checkpoint) is listed once,
	// with a count.
	Problems []Problem `json:"problems"`
	Omitted  int       `json:"omitted,omitempty"`
}

const (
	maxProblems = 1000
	// nodeBatch bounds the recomputed nodes held for comparison with the
	// stored ones.
	nodeBatch = 1024
)

// Verify checks the whole log without trusting anything stored but the entry
// bytes and the signatures by v: it recomputes every leaf hash and the tree
// from the entries, and checks that the indexes run 0, 1, 2, … without gaps,
// that every entry decodes and holds its own index, that every checkpoint
// carries a valid signature for origin and the recomputed root at its size,
// that no checkpoint covers entries that are not stored and no entry is left
// uncovered, and that the stored leaf hashes, subtree nodes and log state
// agree with the recomputation.
//
// It returns a non-nil error wrapping ErrTampered when it found problems
// (listed in the Report), or another error if reading failed. Memory stays
// bounded however long the log: it streams entries and checkpoints side by
// side (see Reader) and keeps only the compact range.
//
// What Verify can see is bounded by the checkpoints it is shown: a log cut
// short together with its later checkpoints is consistent in itself, which is
// why checkpoints also leave the archive (export discs, auditors' copies).
func Verify(ctx context.Context, r Reader, v note.Verifier, origin string) (Report, error) {
	if v == nil {
		return Report{}, errors.New("audit: verify: no verifier")
	}
	vr := &verification{ctx: ctx, r: r, v: v, origin: origin, rng: rangeFactory.NewEmptyRange(0)}
	var err error
	vr.stateSize, vr.stateHashes, err = r.LogState(ctx)
	if err != nil {
		return vr.rep, fmt.Errorf("audit: verify: %w", err)
	}
	if vr.stateSize == 0 {
		vr.checkState()
	}

	// Checkpoints arrive in increasing size, so a pull iterator lets them
	// be checked as the recomputed tree reaches each size, instead of
	// keeping a root per size.
	var cpErr error
	next, stop := iter.Pull(func(yield func(Checkpoint) bool) {
		cpErr = r.Checkpoints(ctx, func(c Checkpoint) error {
			if !yield(c) {
				return errStopped
			}
			return nil
		})
	})
	defer stop()
	vr.next = next
	vr.cp, vr.more = next()

	vr.checkpointsUpTo(0)
	if err := r.Entries(ctx, 0, vr.entry); err != nil {
		return vr.rep, fmt.Errorf("audit: verify: %w", err)
	}
	if err := vr.flushNodes(); err != nil {
		return vr.rep, fmt.Errorf("audit: verify: %w", err)
	}
	vr.checkpointsUpTo(math.MaxUint64)
	if cpErr != nil && !errors.Is(cpErr, errStopped) {
		return vr.rep, fmt.Errorf("audit: verify: %w", cpErr)
	}
	vr.finish()
	if n := len(vr.rep.Problems) + vr.rep.Omitted; n > 0 {
		return vr.rep, fmt.Errorf("audit: verify: %d problems: %w", n, ErrTampered)
	}
	return vr.rep, nil
}

var errStopped = errors.New("audit: verify stopped reading checkpoints")

// verification is the state of one Verify run.
type verification struct {
	ctx    context.Context
	r      Reader
	v      note.Verifier
	origin string
	rep    Report

	rng     *compact.Range // recomputed from the entry bytes
	n       uint64         // leaves in rng: entries read
	want    uint64         // the index the next entry should have
	pending []Node         // recomputed nodes not yet compared with the store

	stateSize   uint64
	stateHashes [][]byte

	next   func() (Checkpoint, bool)
	cp     Checkpoint // the next checkpoint to check, if more
	more   bool
	seenCP bool
	lastCP uint64 // size of the last checkpoint read
	good   uint64 // size of the last checkpoint that matched the tree

	runs [numRuns]run
}

func (vr *verification) entry(index uint64, data, leafHash []byte) error {
	if vr.n%4096 == 0 {
		if err := vr.ctx.Err(); err != nil {
			return err
		}
	}
	switch {
	case index == vr.want+1:
		vr.add(ProblemEntry, vr.want, "missing (the next stored entry is %d)", index)
	case index > vr.want:
		vr.add(ProblemEntry, vr.want, "missing, and so are the entries up to %d", index-1)
	case index < vr.want:
		vr.add(ProblemEntry, index, "stored out of order, after entry %d", vr.want-1)
	}
	vr.want = max(vr.want, index+1)

	leaf := hasher.HashLeaf(data)
	if !bytes.Equal(leaf, leafHash) {
		vr.add(ProblemEntry, index, "stored leaf hash is not the hash of the entry's bytes")
	}
	if e, err := decode(data); err != nil {
		vr.add(ProblemEntry, index, "does not decode: %v", err)
	} else if e.Index != index {
		vr.add(ProblemEntry, index, "holds entry %d: moved from its position", e.Index)
	}

	// The tree is built from the bytes in stored order, never from stored
	// hashes: it is what the checkpoints must have signed.
	if err := vr.rng.Append(leaf, vr.visit); err != nil {
		return err
	}
	vr.n++
	if vr.n == vr.stateSize {
		vr.checkState()
	}
	vr.checkpointsUpTo(vr.n)
	if len(vr.pending) >= nodeBatch {
		return vr.flushNodes()
	}
	return nil
}

func (vr *verification) visit(id compact.NodeID, hash []byte) {
	vr.pending = append(vr.pending, Node{ID: id, Hash: hash})
}

func (vr *verification) root() []byte {
	if vr.n == 0 {
		return hasher.EmptyRoot()
	}
	root, _ := vr.rng.GetRootHash(nil) // fails only for ranges not from 0
	return root
}

// checkState compares the stored log state, which Append builds on, with the
// recomputed compact range.
func (vr *verification) checkState() {
	got := vr.rng.Hashes()
	ok := len(got) == len(vr.stateHashes)
	for i := 0; ok && i < len(got); i++ {
		ok = bytes.Equal(got[i], vr.stateHashes[i])
	}
	if !ok {
		vr.add(ProblemState, vr.stateSize, "stored compact range differs from the recomputed one")
	}
}

// checkpointsUpTo checks the checkpoints of sizes up to n, the tree size
// recomputed so far.
func (vr *verification) checkpointsUpTo(n uint64) {
	for vr.more && vr.cp.Size <= n {
		vr.checkpoint(vr.cp)
		vr.cp, vr.more = vr.next()
	}
}

func (vr *verification) checkpoint(c Checkpoint) {
	vr.rep.Checkpoints++
	if vr.seenCP && c.Size <= vr.lastCP {
		vr.add(ProblemCheckpoint, c.Size, "stored out of order, after checkpoint %d", vr.lastCP)
		return
	}
	vr.seenCP, vr.lastCP = true, c.Size

	signed, err := parseCheckpoint(c.Note, vr.v, vr.origin)
	if err != nil {
		vr.repeat(runSignature, c.Size, c.Size, ProblemCheckpoint, c.Size, "%v", err)
		return
	}
	if signed.Size != c.Size || !bytes.Equal(signed.Root, c.Root) {
		vr.add(ProblemCheckpoint, c.Size, "stored size and root differ from the signed ones (%d, %x)", signed.Size, signed.Root)
		return
	}
	if c.Size > vr.n {
		vr.repeat(runBeyond, c.Size, c.Size, ProblemCheckpoint, c.Size, "signs a tree of %d entries but %d are stored: entries from %d on were deleted", c.Size, vr.n, vr.n)
		return
	}
	if !bytes.Equal(signed.Root, vr.root()) {
		// The entries between the last matching checkpoint and this one
		// hold the change; with a checkpoint per append that is one entry.
		if c.Size-vr.good == 1 {
			vr.repeat(runRoot, c.Size, c.Size, ProblemEntry, vr.good, "not the entry checkpoint %d signed: changed, replaced or moved", c.Size)
		} else {
			vr.repeat(runRoot, c.Size, c.Size, ProblemCheckpoint, c.Size, "root differs from the recomputed tree: entries %d to %d changed, replaced or moved", vr.good, c.Size-1)
		}
		return
	}
	vr.good = c.Size
	vr.rep.Latest = signed
}

// flushNodes compares the pending recomputed nodes with the stored ones,
// which inclusion proofs are built from.
func (vr *verification) flushNodes() error {
	if len(vr.pending) == 0 {
		return nil
	}
	ids := make([]compact.NodeID, len(vr.pending))
	for i, nd := range vr.pending {
		ids[i] = nd.ID
	}
	stored, err := vr.r.NodeHashes(vr.ctx, ids)
	if err == nil && len(stored) != len(ids) {
		err = fmt.Errorf("store returned %d hashes for %d nodes", len(stored), len(ids))
	}
	if err != nil {
		if vr.ctx.Err() != nil {
			return vr.ctx.Err()
		}
		// Some node is missing or unreadable: ask one at a time to name
		// it. This happens only on a damaged log.
		stored = make([][]byte, len(ids))
		for i := range ids {
			one, err := vr.r.NodeHashes(vr.ctx, ids[i:i+1])
			if err == nil && len(one) != 1 {
				err = fmt.Errorf("store returned %d hashes for 1 node", len(one))
			}
			if err != nil {
				if vr.ctx.Err() != nil {
					return vr.ctx.Err()
				}
				vr.nodeProblem(ids[i], fmt.Sprintf("missing or unreadable: %v", err))
				continue
			}
			stored[i] = one[0]
		}
	}
	for i, nd := range vr.pending {
		if stored[i] != nil && !bytes.Equal(stored[i], nd.Hash) {
			vr.nodeProblem(nd.ID, "stored hash differs from the recomputed one")
		}
	}
	vr.pending = vr.pending[:0]
	return nil
}

func (vr *verification) nodeProblem(id compact.NodeID, msg string) {
	begin, end := id.Coverage()
	vr.repeat(runNode, begin, end-1, ProblemNode, begin, "level %d index %d (%s): %s", id.Level, id.Index, span("entry", "entries", begin, end-1), msg)
}

// finish adds the checks that need the whole log read.
func (vr *verification) finish() {
	switch {
	case vr.want < vr.stateSize:
		vr.add(ProblemEntry, vr.want, "missing: the log state counts %d entries, the stored ones end at %d", vr.stateSize, vr.want)
	case vr.n != vr.stateSize:
		vr.add(ProblemState, vr.stateSize, "counts %d entries, %d are stored", vr.stateSize, vr.n)
	}
	if covered := vr.lastCP; (!vr.seenCP || covered < vr.n) && vr.n > 0 {
		if !vr.seenCP {
			covered = 0
		}
		msg := "covered by no checkpoint"
		if covered < vr.n-1 {
			msg += fmt.Sprintf(", nor are the entries up to %d", vr.n-1)
		}
		vr.add(ProblemEntry, covered, "%s", msg)
	}
	for k := range vr.runs {
		if r := &vr.runs[k]; r.more > 0 {
			kind := ProblemCheckpoint
			if k == runNode {
				kind = ProblemNode
			}
			vr.add(kind, r.first, "%s", runMessage(k, r))
		}
	}
	vr.rep.Entries = vr.n
	vr.rep.Size = vr.n
	vr.rep.Root = vr.root()
}

func (vr *verification) add(kind string, index uint64, format string, args ...any) {
	if len(vr.rep.Problems) >= maxProblems {
		vr.rep.Omitted++
		return
	}
	vr.rep.Problems = append(vr.rep.Problems, Problem{Kind: kind, Index: index, Message: fmt.Sprintf(format, args...)})
}

// Runs of problems that follow from one cause and repeat down the log: the
// first is listed, the others counted.
const (
	runSignature = iota
	runRoot
	runBeyond
	runNode
	numRuns
)

func runMessage(k int, r *run) string {
	if k == runNode {
		return fmt.Sprintf("and %d more stored %s, over %s, differ from the recomputed ones",
			r.more, plural(r.more, "node", "nodes"), span("entry", "entries", r.first, r.last))
	}
	what := map[int]string{
		runSignature: "fail their signature or format check",
		runRoot:      "disagree with the recomputed tree",
		runBeyond:    "sign entries that are not stored",
	}[k]
	return fmt.Sprintf("and %d more %s, %s, %s", r.more, plural(r.more, "checkpoint", "checkpoints"), span("size", "sizes", r.first, r.last), what)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// span names positions lo to hi: "entry 7", "entries 8 to 11".
func span(one, many string, lo, hi uint64) string {
	if lo == hi {
		return fmt.Sprintf("%s %d", one, lo)
	}
	return fmt.Sprintf("%s %d to %d", many, lo, hi)
}

type run struct {
	seen        bool
	more        int    // problems counted after the first
	first, last uint64 // the range of positions the counted ones concern
}

// repeat adds the problem (kind, index, message) if it is the first of run
// k, and otherwise counts it as concerning positions lo to hi: checkpoint
// sizes, or the entries under a node.
func (vr *verification) repeat(k int, lo, hi uint64, kind string, index uint64, format string, args ...any) {
	r := &vr.runs[k]
	if !r.seen {
		r.seen = true
		vr.add(kind, index, format, args...)
		return
	}
	if r.more == 0 {
		r.first, r.last = lo, hi
	}
	r.more++
	r.first, r.last = min(r.first, lo), max(r.last, hi)
}
