package app

import (
	"context"
	"sync"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// The register of viewings (查阅登记) has one row per viewing: the range
// requests of one playback by one viewer under one grant, none more than
// evidence.ViewingGap after the one before (R-VIEW-1). The first range of
// a viewing writes its row and its custody entry in one transaction before
// its first byte is sent (R-AUD-1, R-SEC-2); the later ones are authorised
// like the first but write nothing on their way: viewingLog counts their
// requests and bytes and writes them in one transaction at most
// viewingFlushEvery later, and when the server shuts down (FlushViewings).
//
// The crash window: a process killed without shutting down loses the
// counts of the later ranges it served in its last viewingFlushEvery (the
// register shows fewer bytes and a shorter viewing than were sent). It
// never loses a viewing: that is durable before its first byte leaves.
const viewingFlushEvery = 2 * time.Second

type viewingKey struct{ user, recording, grant int64 }

// openViewing is a viewing this process registered or extended: its row
// in the register and when its last range was asked for.
type openViewing struct {
	id   int64
	last time.Time
}

// viewingLog is the process's open viewings and the progress of their
// later ranges that waits to be written.
type viewingLog struct {
	mu      sync.Mutex
	open    map[viewingKey]openViewing
	pending map[int64]store.ViewingProgress
	timer   *time.Timer // set while progress waits
	flush   func()      // writes the progress, run by the timer
}

func newViewingLog(flush func()) *viewingLog {
	return &viewingLog{open: map[viewingKey]openViewing{}, pending: map[int64]store.ViewingProgress{}, flush: flush}
}

// extend counts a range of bytes asked for at now as part of k's open
// viewing, if k has one active within evidence.ViewingGap; false means the
// range starts a viewing, or continues one this process does not know,
// and must be registered before its first byte (openViewing).
func (v *viewingLog) extend(k viewingKey, now time.Time, bytes int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.open[k]
	if !ok || now.Sub(o.last) > evidence.ViewingGap {
		return false
	}
	if now.After(o.last) {
		o.last = now
		v.open[k] = o
	}
	p := v.pending[o.id]
	p.ID, p.Requests, p.Bytes = o.id, p.Requests+1, p.Bytes+bytes
	if o.last.After(p.Last) {
		p.Last = o.last
	}
	v.pending[o.id] = p
	if v.timer == nil {
		v.timer = time.AfterFunc(viewingFlushEvery, v.flush)
	}
	return true
}

// opened records that k's viewing is row id of the register, as of now;
// viewings idle for longer than evidence.ViewingGap are forgotten.
func (v *viewingLog) opened(k viewingKey, id int64, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.open) >= 1000 {
		for k, o := range v.open {
			if now.Sub(o.last) > evidence.ViewingGap {
				delete(v.open, k)
			}
		}
	}
	if o, ok := v.open[k]; !ok || o.id != id || now.After(o.last) {
		v.open[k] = openViewing{id: id, last: now}
	}
}

// take returns the progress waiting to be written and forgets it.
func (v *viewingLog) take() []store.ViewingProgress {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.timer != nil {
		v.timer.Stop()
		v.timer = nil
	}
	list := make([]store.ViewingProgress, 0, len(v.pending))
	for _, p := range v.pending {
		list = append(list, p)
	}
	clear(v.pending)
	return list
}

// putBack returns progress that could not be written, to be tried again
// with the next range's (whose extend sets the timer) or at shutdown; not
// by a timer of its own, which would retry against a closed database
// forever.
func (v *viewingLog) putBack(list []store.ViewingProgress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, p := range list {
		q := v.pending[p.ID]
		q.ID, q.Requests, q.Bytes = p.ID, q.Requests+p.Requests, q.Bytes+p.Bytes
		if p.Last.After(q.Last) {
			q.Last = p.Last
		}
		v.pending[p.ID] = q
	}
}

// FlushViewings writes the requests and bytes of the later ranges of open
// viewings, which otherwise wait up to viewingFlushEvery, to the register
// now, in one transaction. The server calls it when it shuts down; tests
// call it before they read the register.
func (a *App) FlushViewings(ctx context.Context) error {
	list := a.viewings.take()
	if len(list) == 0 {
		return nil
	}
	err := a.db.Update(ctx, func(tx *store.Tx) error { return tx.AddViewingProgress(ctx, list) })
	if err != nil {
		a.viewings.putBack(list)
	}
	return err
}

// flushViewings is FlushViewings in the background.
func (a *App) flushViewings() {
	if err := a.FlushViewings(context.Background()); err != nil {
		a.log.Error("write the progress of viewings to the register", "err", err)
	}
}
