package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"shilu/internal/audit"
	"shilu/internal/store"
)

// Witnesses keep the custody log's signed checkpoints outside the database
// (issue 9 point 7): a log rolled back to an older copy, or cut short with
// its newest checkpoints, verifies on its own, but not against a checkpoint
// held elsewhere (`shilu audit verify --checkpoint FILE`).
const (
	// signEvery is how often serve asks the log to sign an idle head
	// (store.DB.SignDue): an entry waits at most about
	// audit.CheckpointAfter plus this for its signature.
	signEvery = 10 * time.Second
	// witnessQueue bounds the checkpoints waiting for the witness URL; a
	// full queue drops its oldest (each later checkpoint extends it, so the
	// newest carries the most).
	witnessQueue = 256
	// witnessRetryMin and witnessRetryMax bound the wait between attempts
	// to POST to a witness URL that failed: doubling from the first to the
	// second.
	witnessRetryMin = 250 * time.Millisecond
	witnessRetryMax = 30 * time.Second
	// witnessTimeout bounds one POST, and the last attempts at shutdown.
	witnessTimeout = 10 * time.Second
)

// checkWitnessPath refuses a witness file inside the data directory: it
// exists to survive what happens to that directory (a restored backup, an
// edited database), so it must live elsewhere — best on another machine's
// file system.
func checkWitnessPath(witness, data string) error {
	w, err := filepath.Abs(witness)
	if err != nil {
		return err
	}
	d, err := filepath.Abs(data)
	if err != nil {
		return err
	}
	if w == d || strings.HasPrefix(w, d+string(filepath.Separator)) {
		return fmt.Errorf("--witness %s is inside the data directory; keep it apart from the data it witnesses", witness)
	}
	return nil
}

// checkWitnessURL accepts an absolute http or https URL.
func checkWitnessURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--witness-url %q: want an http:// or https:// URL", raw)
	}
	return nil
}

// witness sends each checkpoint the log signs out of the archive: the file
// is replaced by the newest (write, sync, rename, so a crash leaves the old
// checkpoint or the new one, never a torn one), and each is POSTed to the
// URL as text/plain, the signed note as `audit verify --checkpoint` reads
// it. Offer never blocks the transaction that signed: the file keeps only
// the newest, the URL's queue is bounded, and both are written by run's
// goroutines, which retry a URL that fails. Failures are logged and counted
// on /metrics.
type witness struct {
	file, url string
	client    *http.Client
	log       *slog.Logger

	mu      sync.Mutex
	newest  audit.Checkpoint   // the newest offered
	queue   []audit.Checkpoint // for the URL, oldest first
	fileDue chan struct{}      // a token when the file is behind newest
	urlDue  chan struct{}      // a token when the queue has something

	posted, failures, dropped prometheus.Counter
	fileErrors                prometheus.Counter
}

func newWitness(file, url string, log *slog.Logger) *witness {
	return &witness{
		file: file, url: url, log: log,
		client:  &http.Client{Timeout: witnessTimeout},
		fileDue: make(chan struct{}, 1), urlDue: make(chan struct{}, 1),
		posted: prometheus.NewCounter(prometheus.CounterOpts{Name: "shilu_witness_posts_total",
			Help: "Signed checkpoints the witness URL accepted."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "shilu_witness_post_failures_total",
			Help: "Attempts to POST a checkpoint to the witness URL that failed (each is retried)."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "shilu_witness_dropped_total",
			Help: "Checkpoints dropped from the witness URL's full queue (a newer one extends them)."}),
		fileErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "shilu_witness_file_errors_total",
			Help: "Failed writes of the witness file."}),
	}
}

// collectors are the witness's metrics, for the server's /metrics.
func (w *witness) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.posted, w.failures, w.dropped, w.fileErrors}
}

// offer hands w a signed checkpoint; one no newer than the newest offered
// is ignored. It never blocks (store.DB.OnCheckpoint calls it on the
// goroutine of the transaction that signed).
func (w *witness) offer(cp audit.Checkpoint) {
	w.mu.Lock()
	if cp.Size <= w.newest.Size {
		w.mu.Unlock()
		return
	}
	w.newest = cp
	if w.url != "" {
		if len(w.queue) == witnessQueue {
			w.queue = w.queue[1:]
			w.dropped.Inc()
		}
		w.queue = append(w.queue, cp)
	}
	w.mu.Unlock()
	for _, c := range []chan struct{}{w.fileDue, w.urlDue} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// run writes the file and posts to the URL until ctx ends, then writes
// the newest checkpoint to the file and tries the URL's queue once more,
// for at most witnessTimeout, so that the head signed at shutdown leaves.
func (w *witness) run(ctx context.Context) {
	var wg sync.WaitGroup
	if w.file != "" {
		wg.Go(func() { w.runFile(ctx) })
	}
	if w.url != "" {
		wg.Go(func() { w.runURL(ctx) })
	}
	wg.Wait()
}

func (w *witness) runFile(ctx context.Context) {
	var written uint64
	write := func() {
		w.mu.Lock()
		cp := w.newest
		w.mu.Unlock()
		if cp.Size == written {
			return
		}
		if err := writeFileAtomic(w.file, []byte(cp.Note)); err != nil {
			w.fileErrors.Inc()
			w.log.Error("witness checkpoint", "file", w.file, "size", cp.Size, "err", err)
			return
		}
		written = cp.Size
	}
	for {
		select {
		case <-ctx.Done():
			write()
			return
		case <-w.fileDue:
			write()
		}
	}
}

func (w *witness) runURL(ctx context.Context) {
	wait := witnessRetryMin
	for {
		w.mu.Lock()
		var cp audit.Checkpoint
		if len(w.queue) > 0 {
			cp = w.queue[0]
		}
		w.mu.Unlock()
		if cp.Size == 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.urlDue:
				continue
			}
		}
		if err := w.post(ctx, cp); err != nil {
			if ctx.Err() != nil {
				w.drain()
				return
			}
			w.failures.Inc()
			w.log.Warn("witness URL refused a checkpoint; retrying", "url", w.url, "size", cp.Size, "retry_in", wait, "err", err)
			select {
			case <-ctx.Done():
				w.drain()
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, witnessRetryMax)
			continue
		}
		wait = witnessRetryMin
		w.posted.Inc()
		w.mu.Lock()
		if len(w.queue) > 0 && w.queue[0].Size == cp.Size {
			w.queue = w.queue[1:]
		}
		w.mu.Unlock()
	}
}

// drain makes one last attempt, bounded by witnessTimeout in all, to post
// the queue's newest checkpoint: at shutdown the one that matters.
func (w *witness) drain() {
	w.mu.Lock()
	var cp audit.Checkpoint
	if n := len(w.queue); n > 0 {
		cp = w.queue[n-1]
	}
	w.mu.Unlock()
	if cp.Size == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), witnessTimeout)
	defer cancel()
	if err := w.post(ctx, cp); err != nil {
		w.failures.Inc()
		w.log.Error("witness URL refused the last checkpoint", "url", w.url, "size", cp.Size, "err", err)
		return
	}
	w.posted.Inc()
}

// post sends one checkpoint; any 2xx answer is acceptance.
func (w *witness) post(ctx context.Context, cp audit.Checkpoint) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, strings.NewReader(cp.Note))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}

// runSigner signs the log's head when its newest entries have waited
// audit.CheckpointAfter (store.DB.SignDue), every signEvery until ctx ends,
// and offers the newest checkpoint to w: one signed by another process (a
// command run beside the server) reaches the witnesses this way.
func runSigner(ctx context.Context, db *store.DB, w *witness, log *slog.Logger) {
	t := time.NewTicker(signEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cp, err := db.SignDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("sign the custody log's head", "err", err)
				}
				continue
			}
			if cp.Size > 0 {
				w.offer(cp)
			}
		}
	}
}

// writeFileAtomic replaces path with data durably.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".witness-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.Remove(f.Name()))
		}
	}()
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
