package audit

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/note"
)

// Verify's pipeline. Checking an entry is cheap next to checking its
// checkpoint's Ed25519 signature (about 60 µs, two thirds of the time on a
// real SQLite log; decoding the entry is another tenth), and neither depends
// on anything else in the log. So the calling goroutine reads entries and
// checkpoints in batches and hands each batch to workers, which hash and
// decode its entries and open its checkpoints; the calling goroutine then
// takes the batches back in log order and does what is sequential by
// nature: the compact range, the roots at each size, the comparison with the
// stored nodes, and every finding, so the Report is the same, problem for
// problem, whatever the number of workers. All Reader calls stay on the
// calling goroutine, as they were before the pipeline.
//
// Memory stays bounded: at most depth batches of batchSize entries (and the
// checkpoints of those sizes) are out at once.

// batchSize is the entries per batch: large enough that handing a batch
// over costs nothing next to its ~15 ms of signatures, small enough that a
// cancellation is noticed quickly.
const batchSize = 256

// batch is a run of entries in stored order and the checkpoints whose sizes
// those entries complete.
type batch struct {
	entries []readEntry
	cps     []readCheckpoint
	// final marks a batch of the checkpoints left after the last entry.
	final bool
	// done is closed when a worker has prechecked the batch; nil when the
	// calling goroutine prechecks it itself.
	done chan struct{}
	// err is the context's error if the precheck gave up.
	err error
	// arena holds the entries' bytes: a few allocations a batch instead
	// of two an entry, which were a tenth of Verify's time.
	arena []byte
}

// arenaChunk is the size of a batch's arena blocks: a batch of typical
// entries (about 300 bytes) fits in two.
const arenaChunk = 64 << 10

// keep returns a copy of p in b's arena.
func (b *batch) keep(p []byte) []byte {
	if cap(b.arena)-len(b.arena) < len(p) {
		b.arena = make([]byte, 0, max(arenaChunk, len(p)))
	}
	n := len(b.arena)
	b.arena = append(b.arena, p...)
	return b.arena[n:len(b.arena):len(b.arena)]
}

// readEntry is an entry as stored and what precheck found.
type readEntry struct {
	index          uint64
	data, leafHash []byte // as stored

	leaf      []byte // the leaf hash recomputed from data
	decodeErr error
	held      uint64 // the index data holds, if it decodes
}

// readCheckpoint is a checkpoint as stored and what precheck found.
type readCheckpoint struct {
	Checkpoint
	signed Checkpoint // what the signature vouches for, if err is nil
	err    error
}

// precheck does the work on b that depends on nothing but b: leaf hashes,
// decoding, signatures. It gives up, setting b.err, when ctx is cancelled.
func precheck(ctx context.Context, b *batch, v note.Verifier, origin string) {
	for i := range b.entries {
		if i%32 == 0 {
			if b.err = ctx.Err(); b.err != nil {
				return
			}
		}
		e := &b.entries[i]
		e.leaf = hasher.HashLeaf(e.data)
		if d, err := decode(e.data); err != nil {
			e.decodeErr = err
		} else {
			e.held = d.Index
		}
	}
	for i := range b.cps {
		if i%32 == 0 {
			if b.err = ctx.Err(); b.err != nil {
				return
			}
		}
		c := &b.cps[i]
		c.signed, c.err = parseCheckpoint(c.Note, v, origin)
	}
}

// pipeline is the workers and the batches handed to them.
type pipeline struct {
	work   chan *batch
	queue  []*batch // handed out and not yet used, in log order
	depth  int      // the most batches out at once
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startPipeline(ctx context.Context, workers int, v note.Verifier, origin string) *pipeline {
	ctx, cancel := context.WithCancel(ctx)
	// Two batches a worker: one being prechecked, one waiting, so that no
	// worker idles while the calling goroutine uses a batch.
	depth := 2 * workers
	p := &pipeline{work: make(chan *batch, depth), depth: depth, cancel: cancel}
	for range workers {
		p.wg.Go(func() {
			for b := range p.work {
				precheck(ctx, b, v, origin)
				close(b.done)
			}
		})
	}
	return p
}

// stop ends the workers; batches still out are abandoned.
func (p *pipeline) stop() {
	p.cancel()
	close(p.work)
	p.wg.Wait()
}

// submit prechecks b, on the workers if there are any, and uses, in log
// order, the batches whose turn has come: those already prechecked, and the
// oldest while depth batches are out.
func (vr *verification) submit(b *batch) error {
	p := vr.pipe
	if p == nil {
		precheck(vr.ctx, b, vr.v, vr.origin)
		return vr.use(b)
	}
	b.done = make(chan struct{})
	p.work <- b // never blocks: the channel holds depth and fewer are out
	p.queue = append(p.queue, b)
	for len(p.queue) > 0 {
		head := p.queue[0]
		if len(p.queue) < p.depth {
			select {
			case <-head.done:
			default:
				return nil
			}
		} else {
			<-head.done
		}
		p.queue = slices.Delete(p.queue, 0, 1)
		if err := vr.use(head); err != nil {
			return err
		}
	}
	return nil
}

// drain waits for and uses every batch still out.
func (vr *verification) drain() error {
	if vr.pipe == nil {
		return nil
	}
	for p := vr.pipe; len(p.queue) > 0; {
		head := p.queue[0]
		<-head.done
		p.queue = slices.Delete(p.queue, 0, 1)
		if err := vr.use(head); err != nil {
			return err
		}
	}
	return nil
}
