package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"

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
	// Unsigned counts the entries after the largest stored checkpoint,
	// when there are fewer than CheckpointEvery of them: the log signs per
	// batch, so the newest entries may wait for their signature and are
	// covered only by the recomputed root until then. It is a warning, not
	// a problem; a longer unsigned tail than the log ever leaves is a
	// Problem instead.
	Unsigned uint64 `json:"unsigned,omitempty"`
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

// VerifyOptions tune Verify; the zero value is the default.
type VerifyOptions struct {
	// Workers is how many goroutines check signatures, decode entries and
	// hash leaves while the calling goroutine reads the log and recomputes
	// the tree; 0 means runtime.GOMAXPROCS(0). With 1 there are none: all
	// runs on the calling goroutine, which is the baseline, and the choice
	// for a note.Verifier that is not safe for concurrent use (those from
	// note.NewVerifier are).
	Workers int
	// Progress, if not nil, is called on the calling goroutine every few
	// hundred entries with the entries checked so far and the number
	// expected: the size in the stored log state, or done if more entries
	// than that are stored.
	Progress func(done, total uint64)
	// Nodes, if not nil, is a second reader of the same log that Verify
	// reads the stored subtree nodes from, on a goroutine of its own,
	// beside the calling goroutine's reads of the entries: over another
	// connection, one read transaction begun after r's (the nodes of a
	// tree never change once stored, so any snapshot at least as new as
	// r's holds the same ones). Nil: r reads them, on the calling
	// goroutine.
	Nodes NodeReader
}

// NodeReader reads stored subtree nodes, as Reader.NodeHashes.
type NodeReader interface {
	NodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error)
}

// Verify is VerifyWith with the default options: all cores, no progress.
func Verify(ctx context.Context, r Reader, v note.Verifier, origin string) (Report, error) {
	return VerifyWith(ctx, r, v, origin, VerifyOptions{})
}

// VerifyWith checks the whole log without trusting anything stored but the
// entry bytes and the signatures by v: it recomputes every leaf hash and the
// tree from the entries, and checks that the indexes run 0, 1, 2, … without
// gaps, that every entry decodes and holds its own index, that every
// checkpoint carries a valid signature for origin and the recomputed root at
// its size, that no checkpoint covers entries that are not stored, that no
// more entries are left unsigned than the log leaves (fewer are counted in
// Report.Unsigned), and that the stored leaf hashes, subtree nodes
// and log state agree with the recomputation.
//
// It returns a non-nil error wrapping ErrTampered when it found problems
// (listed in the Report), or another error if reading failed or ctx ended.
// Memory stays bounded however long the log: it streams entries and
// checkpoints side by side (see Reader) in batches, a few per worker, and
// keeps only the compact range. The Report does not depend on o.Workers.
//
// What Verify can see is bounded by the checkpoints it is shown: a log cut
// short together with its later checkpoints is consistent in itself, which is
// why checkpoints also leave the archive (export discs, auditors' copies).
func VerifyWith(ctx context.Context, r Reader, v note.Verifier, origin string, o VerifyOptions) (Report, error) {
	if v == nil {
		return Report{}, errors.New("audit: verify: no verifier")
	}
	vr := &verification{ctx: ctx, r: r, v: v, origin: origin, progress: o.Progress, nodes: o.Nodes, rng: rangeFactory.NewEmptyRange(0)}
	rep, err := vr.run(max(o.Workers, 0))
	if err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	if n := len(rep.Problems) + rep.Omitted; n > 0 {
		return rep, fmt.Errorf("audit: verify: %d problems: %w", n, ErrTampered)
	}
	return rep, nil
}

func (vr *verification) run(workers int) (Report, error) {
	r := vr.r
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var err error
	vr.stateSize, vr.stateHashes, err = r.LogState(vr.ctx)
	if err != nil {
		return vr.rep, err
	}
	if vr.stateSize == 0 {
		vr.checkState()
	}
	if workers > 1 {
		vr.pipe = startPipeline(vr.ctx, workers, vr.v, vr.origin)
		defer vr.pipe.stop()
	}
	// A node check may still be reading when an error ends the run; the
	// caller's reader must outlive it.
	defer func() {
		if vr.checking != nil {
			<-vr.checking.done
		}
	}()

	// Checkpoints arrive in increasing size, so a pull iterator lets them
	// be checked as the recomputed tree reaches each size, instead of
	// keeping a root per size.
	var cpErr error
	next, stop := iter.Pull(func(yield func(Checkpoint) bool) {
		cpErr = r.Checkpoints(vr.ctx, func(c Checkpoint) error {
			if !yield(c) {
				return errStopped
			}
			return nil
		})
	})
	defer stop()
	vr.next = next
	vr.cp, vr.more = next()
	if vr.progress != nil {
		vr.progress(0, vr.stateSize)
	}

	if b := vr.take(&batch{}, 0, math.MaxInt); len(b.cps) > 0 {
		if err := vr.submit(b); err != nil {
			return vr.rep, err
		}
	}
	if err := r.Entries(vr.ctx, 0, vr.read); err != nil {
		return vr.rep, err
	}
	if vr.cur != nil {
		if err := vr.sendEntries(); err != nil {
			return vr.rep, err
		}
	}
	if err := vr.drain(); err != nil {
		return vr.rep, err
	}
	if err := vr.flushNodes(); err != nil {
		return vr.rep, err
	}
	if err := vr.takeNodes(); err != nil {
		return vr.rep, err
	}
	// The checkpoints beyond the last entry, batched so that a log cut
	// short under a long run of checkpoints is checked in bounded memory.
	for vr.more {
		if err := vr.submit(vr.take(&batch{final: true}, math.MaxUint64, batchSize)); err != nil {
			return vr.rep, err
		}
	}
	if err := vr.drain(); err != nil {
		return vr.rep, err
	}
	if cpErr != nil && !errors.Is(cpErr, errStopped) {
		return vr.rep, cpErr
	}
	vr.finish()
	return vr.rep, nil
}

var errStopped = errors.New("audit: verify stopped reading checkpoints")

// verification is the state of one Verify run.
type verification struct {
	ctx      context.Context
	r        Reader
	v        note.Verifier
	origin   string
	progress func(done, total uint64)
	rep      Report
	pipe     *pipeline // nil with one worker

	// The reading side: batches being filled.
	cur   *batch                    // entries read and not yet submitted
	nread uint64                    // entries read
	next  func() (Checkpoint, bool) // the checkpoints not yet put in a batch
	cp    Checkpoint                // the next one, if more
	more  bool

	// The checking side: batches used in log order.
	rng      *compact.Range   // recomputed from the entry bytes
	n        uint64           // leaves in rng: entries checked
	want     uint64           // the index the next entry should have
	pending  []Node           // recomputed nodes not yet compared with the store
	checking *nodeCheck       // the comparison under way
	nodes    NodeReader       // VerifyOptions.Nodes
	cps      []readCheckpoint // the batch's checkpoints not yet checked

	stateSize   uint64
	stateHashes [][]byte

	seenCP bool
	lastCP uint64 // size of the last checkpoint checked
	good   uint64 // size of the last checkpoint that matched the tree

	runs [numRuns]run
}

// read is the Entries callback: it adds the entry to the batch being
// filled and submits the batch when it is full.
func (vr *verification) read(index uint64, data, leafHash []byte) error {
	if vr.cur == nil {
		vr.cur = &batch{entries: make([]readEntry, 0, batchSize)}
	}
	// Copied: the batch outlives the call, and Reader does not promise
	// that the slices stay unchanged after it.
	b := vr.cur
	b.entries = append(b.entries, readEntry{index: index, data: b.keep(data), leafHash: b.keep(leafHash)})
	vr.nread++
	if len(b.entries) < batchSize {
		return nil
	}
	return vr.sendEntries()
}

// sendEntries submits the batch being filled with the checkpoints its
// entries complete: those up to the number of entries read, which the
// checking side reaches by the batch's end.
func (vr *verification) sendEntries() error {
	if err := vr.ctx.Err(); err != nil {
		return err
	}
	b := vr.cur
	vr.cur = nil
	return vr.submit(vr.take(b, vr.nread, math.MaxInt))
}

// take moves the next checkpoints from the stream into b while their size
// is at most n, up to limit of them, and returns b.
func (vr *verification) take(b *batch, n uint64, limit int) *batch {
	for vr.more && vr.cp.Size <= n && len(b.cps) < limit {
		b.cps = append(b.cps, readCheckpoint{Checkpoint: vr.cp})
		vr.cp, vr.more = vr.next()
	}
	return b
}

// use does the sequential checks of a prechecked batch, the next in log
// order.
func (vr *verification) use(b *batch) error {
	if b.err != nil {
		return b.err
	}
	if err := vr.ctx.Err(); err != nil {
		return err
	}
	vr.cps = b.cps
	vr.checkpointsUpTo(vr.n)
	for i := range b.entries {
		if err := vr.entry(&b.entries[i]); err != nil {
			return err
		}
	}
	if b.final {
		vr.checkpointsUpTo(math.MaxUint64)
	}
	if len(vr.cps) > 0 {
		// take and use disagree about which checkpoints a batch
		// completes: a bug here, not damage in the log.
		return fmt.Errorf("%d checkpoints from size %d left unchecked", len(vr.cps), vr.cps[0].Size)
	}
	if len(b.entries) > 0 && vr.progress != nil {
		vr.progress(vr.n, max(vr.stateSize, vr.n))
	}
	return nil
}

func (vr *verification) entry(e *readEntry) error {
	index := e.index
	switch {
	case index == vr.want+1:
		vr.add(ProblemEntry, vr.want, "missing (the next stored entry is %d)", index)
	case index > vr.want:
		vr.add(ProblemEntry, vr.want, "missing, and so are the entries up to %d", index-1)
	case index < vr.want:
		vr.add(ProblemEntry, index, "stored out of order, after entry %d", vr.want-1)
	}
	vr.want = max(vr.want, index+1)

	if !bytes.Equal(e.leaf, e.leafHash) {
		vr.add(ProblemEntry, index, "stored leaf hash is not the hash of the entry's bytes")
	}
	if e.decodeErr != nil {
		vr.add(ProblemEntry, index, "does not decode: %v", e.decodeErr)
	} else if e.held != index {
		vr.add(ProblemEntry, index, "holds entry %d: moved from its position", e.held)
	}

	// The tree is built from the bytes in stored order, never from stored
	// hashes: it is what the checkpoints must have signed.
	if err := vr.rng.Append(e.leaf, vr.visit); err != nil {
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

// visit collects the recomputed nodes above the leaves; a leaf's stored
// hash is the entry's, compared in entry.
func (vr *verification) visit(id compact.NodeID, hash []byte) {
	if id.Level > 0 {
		vr.pending = append(vr.pending, Node{ID: id, Hash: hash})
	}
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

// checkpointsUpTo checks the batch's checkpoints of sizes up to n, the tree
// size recomputed so far.
func (vr *verification) checkpointsUpTo(n uint64) {
	for len(vr.cps) > 0 && vr.cps[0].Size <= n {
		vr.checkpoint(&vr.cps[0])
		vr.cps = vr.cps[1:]
	}
}

func (vr *verification) checkpoint(rc *readCheckpoint) {
	c := rc.Checkpoint
	vr.rep.Checkpoints++
	if vr.seenCP && c.Size <= vr.lastCP {
		vr.add(ProblemCheckpoint, c.Size, "stored out of order, after checkpoint %d", vr.lastCP)
		return
	}
	vr.seenCP, vr.lastCP = true, c.Size

	signed, err := rc.signed, rc.err
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

// flushNodes hands the pending recomputed nodes to a node check and takes
// the findings of the check before it. The stored nodes, which inclusion
// proofs are built from, are read on a goroutine of their own when
// VerifyOptions.Nodes gives a second reader: reading them was a third of
// the calling goroutine's time, and it waited for nothing else. The
// findings are taken one check late in both cases, so the Report is the
// same with or without the second reader.
func (vr *verification) flushNodes() error {
	if err := vr.takeNodes(); err != nil {
		return err
	}
	if len(vr.pending) == 0 {
		return nil
	}
	c := &nodeCheck{nodes: vr.pending, done: make(chan struct{})}
	vr.pending = make([]Node, 0, nodeBatch)
	vr.checking = c
	if vr.nodes == nil {
		c.run(vr.ctx, vr.r)
	} else {
		go c.run(vr.ctx, vr.nodes)
	}
	return nil
}

// takeNodes waits for the node check under way, if any, and adds its
// findings.
func (vr *verification) takeNodes() error {
	c := vr.checking
	if c == nil {
		return nil
	}
	vr.checking = nil
	<-c.done
	if c.err != nil {
		return c.err
	}
	for _, p := range c.problems {
		vr.nodeProblem(p.id, p.msg)
	}
	return nil
}

// nodeCheck compares recomputed nodes with the stored ones.
type nodeCheck struct {
	nodes    []Node
	done     chan struct{} // closed when run returns
	problems []nodeFinding
	err      error // reading failed for another reason than damage
}

type nodeFinding struct {
	id  compact.NodeID
	msg string
}

func (c *nodeCheck) run(ctx context.Context, r NodeReader) {
	defer close(c.done)
	ids := make([]compact.NodeID, len(c.nodes))
	for i, nd := range c.nodes {
		ids[i] = nd.ID
	}
	stored, err := r.NodeHashes(ctx, ids)
	if err == nil && len(stored) != len(ids) {
		err = fmt.Errorf("store returned %d hashes for %d nodes", len(stored), len(ids))
	}
	if err != nil {
		if c.err = ctx.Err(); c.err != nil {
			return
		}
		// Some node is missing or unreadable: ask one at a time to name
		// it. This happens only on a damaged log.
		stored = make([][]byte, len(ids))
		for i := range ids {
			one, err := r.NodeHashes(ctx, ids[i:i+1])
			if err == nil && len(one) != 1 {
				err = fmt.Errorf("store returned %d hashes for 1 node", len(one))
			}
			if err != nil {
				if c.err = ctx.Err(); c.err != nil {
					return
				}
				c.problems = append(c.problems, nodeFinding{ids[i], fmt.Sprintf("missing or unreadable: %v", err)})
				continue
			}
			stored[i] = one[0]
		}
	}
	for i, nd := range c.nodes {
		if stored[i] != nil && !bytes.Equal(stored[i], nd.Hash) {
			c.problems = append(c.problems, nodeFinding{nd.ID, "stored hash differs from the recomputed one"})
		}
	}
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
		// The log never commits CheckpointEvery unsigned entries (see
		// SignDue), so a tail that long was not left by it: checkpoints
		// were deleted, or entries added without the key.
		if tail := vr.n - covered; tail < CheckpointEvery {
			vr.rep.Unsigned = tail
		} else {
			msg := "covered by no checkpoint"
			if covered < vr.n-1 {
				msg += fmt.Sprintf(", nor are the entries up to %d", vr.n-1)
			}
			vr.add(ProblemEntry, covered, "%s: %d unsigned entries, the log signs at least every %d", msg, tail, CheckpointEvery)
		}
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
