// Package station is the collection-station agent (采集站, Art. 12;
// R-STORE-3, R-UPL-2, X-DEV-1/2/3, R-DEV-2): it watches where body-worn
// cameras and card readers are docked, reads each device's identity and
// clock, copies its recordings into a local buffer, uploads them over the
// resumable tus protocol, and removes a file from the device only after
// the archive has confirmed its SHA-256 — all driven by a persistent queue
// that survives the station's restart, the server's and the network's
// loss.
package station

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/tusclient"
)

// Config configures a station. Server, Token and StateDir are required.
type Config struct {
	// Server is the archive's base URL, e.g. http://archive:8080.
	Server string
	// Token is the station's API token (shilu token create).
	Token string
	// StateDir holds the queue (station.db), the buffer and the tus
	// client's resume state. It must survive reboots.
	StateDir string
	// Mounts are directories watched as devices (a card reader's fixed
	// mount point); MediaRoot is a directory under which new devices are
	// mounted (e.g. /media): every file system mounted one or two levels
	// below it, or laid out as a camera, is a device.
	Mounts    []string
	MediaRoot string
	// Poll is how often mounts are looked for and devices scanned
	// (default 2 s).
	Poll time.Duration
	// Clear removes a file from its device once the archive has confirmed
	// it (R-UPL-2); without it files stay on the device. ClearImportant
	// also removes files the device marked important or locked (X-DEV-3),
	// which are otherwise left alone.
	Clear, ClearImportant bool
	// Parallel is how many files are uploaded at once (default 2);
	// BandwidthLimit caps all of them together, in bytes per second (0: no
	// limit).
	Parallel       int
	BandwidthLimit int64
	// MinFree is the free space the buffer's disk must keep: a file that
	// would leave less waits, and the station raises the disk-low alarm
	// (default 1 GiB).
	MinFree int64
	// Heartbeat is how often the station reports to the server (default
	// 30 s; negative: never).
	Heartbeat time.Duration
	// NamePatterns recognise recordings by name; Location is the zone of
	// device clocks written without one (Asia/Shanghai).
	NamePatterns []media.NamePattern
	Location     *time.Location
	Logger       *slog.Logger
	// Now is the station's clock (default time.Now).
	Now func() time.Time
	// ChunkSize is passed to the tus client (0: whole file per PATCH).
	ChunkSize int64
	// Version is reported in the heartbeat.
	Version string
}

// Station is a running collection station.
type Station struct {
	cfg   Config
	q     *queue
	tus   *tusclient.Client
	http  *http.Client
	limit *limiter

	mu       sync.Mutex
	docked   map[string]*Docked // by device key
	progress map[int64][2]int64 // file id → bytes done, total
	claimed  map[int64]bool     // files a worker is on
	diskLow  bool
	contact  time.Time // last answer from the server
	serverOK bool

	wake chan struct{}
}

// Docked is a device docked at the station.
type Docked struct {
	Key      string    `json:"key"`
	Root     string    `json:"root"`
	Identity Identity  `json:"identity"`
	DockedAt time.Time `json:"docked_at"`
	Files    int       `json:"files"`
}

// New opens the station's queue in cfg.StateDir.
func New(ctx context.Context, cfg Config) (*Station, error) {
	if cfg.Server == "" || cfg.Token == "" || cfg.StateDir == "" {
		return nil, errors.New("station: server, token and state directory are required")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 2
	}
	if cfg.MinFree == 0 {
		cfg.MinFree = 1 << 30
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 30 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = evidence.Zone
	}
	if cfg.NamePatterns == nil {
		cfg.NamePatterns = media.DefaultNamePatterns()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Server = strings.TrimSuffix(cfg.Server, "/")
	// 0700: the buffer holds evidence, the tus state capabilities to it.
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "buffer"), 0o700); err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	q, err := openQueue(ctx, cfg.StateDir, cfg.Now)
	if err != nil {
		return nil, err
	}
	s := &Station{cfg: cfg, q: q, docked: map[string]*Docked{}, progress: map[int64][2]int64{}, claimed: map[int64]bool{},
		wake: make(chan struct{}, 1)}
	s.limit = newLimiter(cfg.BandwidthLimit)
	s.http = newHTTPClient(s.limit)
	s.tus = &tusclient.Client{Endpoint: cfg.Server + "/api/v1/uploads/", Token: cfg.Token, HTTP: s.http, ChunkSize: cfg.ChunkSize,
		StateDir: filepath.Join(cfg.StateDir, "tus"), Retries: 8}
	return s, nil
}

// Close closes the queue.
func (s *Station) Close() error { return s.q.close() }

// Run watches for devices and works the queue until ctx ends.
func (s *Station) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	jobs := make(chan File)
	for range s.cfg.Parallel {
		wg.Go(func() {
			for f := range jobs {
				s.advance(ctx, f)
				s.release(f.ID)
			}
		})
	}
	wg.Go(func() { s.copier(ctx) })
	if s.cfg.Heartbeat > 0 {
		wg.Go(func() { s.heartbeats(ctx) })
	}
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.watch(ctx)
		s.dispatch(ctx, jobs)
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Drain is Run for a card walked once (shilu upload --dir): it docks
// s.cfg.Mounts, works the queue until every file of them is done or has
// failed attempts times, and returns the files.
func (s *Station) Drain(ctx context.Context, attempts int) ([]File, error) {
	s.watch(ctx)
	jobs := make(chan File)
	var wg sync.WaitGroup
	for range s.cfg.Parallel {
		wg.Go(func() {
			for f := range jobs {
				s.advance(ctx, f)
				s.release(f.ID)
			}
		})
	}
	defer func() { close(jobs); wg.Wait() }()
	for ctx.Err() == nil {
		if err := s.copyAll(ctx); err != nil {
			return nil, err
		}
		s.dispatch(ctx, jobs)
		files, err := s.q.recent(ctx, 100000)
		if err != nil {
			return nil, err
		}
		var mine []File
		busy := false
		for _, f := range files {
			if s.dockedKey(f.DeviceKey) == nil {
				continue
			}
			mine = append(mine, f)
			if !f.State.done() && f.Attempts < attempts {
				busy = true
			}
		}
		if !busy && s.idle() {
			sort.Slice(mine, func(i, j int) bool { return mine[i].ID < mine[j].ID })
			return mine, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		case <-s.wake:
		}
	}
	return nil, ctx.Err()
}

func (s *Station) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.claimed) == 0
}

func (s *Station) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Station) dockedKey(key string) *Docked {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docked[key]
}

// watch docks new devices, scans the docked ones into the queue and
// undocks the ones gone.
func (s *Station) watch(ctx context.Context) {
	roots := map[string]bool{}
	for _, m := range s.cfg.Mounts {
		if fi, err := os.Stat(m); err == nil && fi.IsDir() {
			roots[m] = true
		}
	}
	if s.cfg.MediaRoot != "" {
		for _, m := range mountsUnder(s.cfg.MediaRoot) {
			roots[m] = true
		}
	}
	s.mu.Lock()
	for key, d := range s.docked {
		if !roots[d.Root] {
			s.cfg.Logger.Info("device undocked", "device", key, "root", d.Root)
			delete(s.docked, key)
		}
	}
	known := map[string]bool{}
	for _, d := range s.docked {
		known[d.Root] = true
	}
	s.mu.Unlock()
	for root := range roots {
		if !known[root] {
			s.dock(root)
		}
	}
	s.mu.Lock()
	list := make([]*Docked, 0, len(s.docked))
	for _, d := range s.docked {
		list = append(list, d)
	}
	s.mu.Unlock()
	for _, d := range list {
		s.scan(ctx, d)
	}
}

// dock takes a new device in: its identity and clock are read first, at
// the moment of docking (R-DEV-2, X-DEV-2).
func (s *Station) dock(root string) {
	id, _ := readIdentity(root, s.cfg.Now, s.cfg.Location)
	key := id.Serial
	if key == "" {
		key = "mount:" + filepath.Base(root)
	}
	d := &Docked{Key: key, Root: root, Identity: id, DockedAt: s.cfg.Now().UTC()}
	s.mu.Lock()
	s.docked[key] = d
	s.mu.Unlock()
	s.cfg.Logger.Info("device docked", "device", key, "root", root, "officer", id.Officer)
}

// scan enters the device's recordings into the queue, and clears what is
// confirmed and waiting for the device.
func (s *Station) scan(ctx context.Context, d *Docked) {
	list, err := scanDevice(d.Root, s.cfg.NamePatterns)
	if err != nil {
		s.note(ctx, 0, evidence.Msg("station.err.scan", d.Root, err.Error()))
		return
	}
	added := false
	for _, x := range list {
		f := File{DeviceKey: d.Key, Rel: x.rel, Source: x.path, Size: x.size, ModTime: x.mod, Device: d.Identity.Serial,
			Important: x.important, Locked: x.locked}
		if nf, ok := media.ParseName(s.cfg.NamePatterns, filepath.Base(x.path), nil); !ok || nf.Officer == "" {
			// The file name names no officer: the device's user does.
			f.Officer = d.Identity.Officer
		}
		if !d.Identity.DeviceTime.IsZero() {
			f.DeviceTime = d.Identity.DeviceTime.Format(time.RFC3339Nano)
			f.StationTime = d.Identity.StationTime.Format(time.RFC3339Nano)
		}
		q, err := s.q.add(ctx, f)
		if err != nil {
			s.note(ctx, 0, evidence.Msg("station.err.queue", err.Error()))
			return
		}
		if q.State == Found || q.State == Confirmed {
			added = true
		}
	}
	s.mu.Lock()
	d.Files = len(list)
	s.mu.Unlock()
	if added {
		s.poke()
	}
}

// note records a problem: in the log, among the latest errors, and on the
// file (id > 0).
func (s *Station) note(ctx context.Context, id int64, m evidence.Message) {
	s.cfg.Logger.Warn("station", "file", id, "problem", m.Key, "args", fmt.Sprint(m.Args...))
	var err error
	if id > 0 {
		err = s.q.failed(ctx, id, m)
	} else {
		err = s.q.logError(ctx, m)
	}
	if err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("station queue", "err", err)
	}
}

// copier buffers found files, one at a time (a device's own read speed is
// the limit), until ctx ends.
func (s *Station) copier(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.copyAll(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("station copier", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.cfg.Poll):
		}
	}
}

// copyAll buffers every found file whose device is docked.
func (s *Station) copyAll(ctx context.Context) error {
	list, err := s.q.inState(ctx, Found, 1000)
	if err != nil {
		return err
	}
	for _, f := range list {
		if ctx.Err() != nil {
			return nil
		}
		d := s.dockedKey(f.DeviceKey)
		if d == nil {
			continue // undocked before it was copied: it waits for the next docking
		}
		src := filepath.Join(d.Root, filepath.FromSlash(f.Rel))
		free, err := freeBytes(filepath.Join(s.cfg.StateDir, "buffer"))
		if err == nil && free-f.Size < s.cfg.MinFree {
			s.setDiskLow(true)
			s.note(ctx, 0, evidence.Msg("station.err.disk_low", free>>20, s.cfg.MinFree>>20))
			return nil // uploads free the buffer; try again then
		}
		s.setDiskLow(false)
		dst := bufferPath(s.cfg.StateDir, f.ID)
		sum, err := copyToBuffer(ctx, src, dst, f.Size)
		if err != nil {
			if ctx.Err() == nil {
				s.note(ctx, f.ID, evidence.Msg("station.err.copy", f.Rel, err.Error()))
			}
			continue
		}
		if err := s.q.step(ctx, f.ID, Found, Buffered, map[string]any{"sha256": sum, "buffer": dst, "source": src}); err != nil {
			return err
		}
		s.poke()
	}
	return nil
}

func (s *Station) setDiskLow(v bool) {
	s.mu.Lock()
	s.diskLow = v
	s.mu.Unlock()
}

// dispatch hands the buffered, uploaded and confirmed files no worker is
// on to the workers.
func (s *Station) dispatch(ctx context.Context, jobs chan<- File) {
	for _, st := range []State{Confirmed, Uploaded, Buffered} {
		list, err := s.q.inState(ctx, st, 200)
		if err != nil {
			s.cfg.Logger.Error("station dispatch", "err", err)
			return
		}
		for _, f := range list {
			if st == Confirmed && !s.keeps(f) && s.dockedKey(f.DeviceKey) == nil {
				continue // the device is not here to be cleared
			}
			if !s.claim(f.ID) {
				continue
			}
			select {
			case jobs <- f:
			case <-ctx.Done():
				s.release(f.ID)
				return
			default:
				s.release(f.ID) // every worker is busy: next round
				return
			}
		}
	}
}

func (s *Station) claim(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimed[id] {
		return false
	}
	s.claimed[id] = true
	return true
}

func (s *Station) release(id int64) {
	s.mu.Lock()
	delete(s.claimed, id)
	delete(s.progress, id)
	s.mu.Unlock()
	s.poke()
}

// advance takes file f as far as it goes: upload, confirm, clear.
func (s *Station) advance(ctx context.Context, f File) {
	var err error
	for err == nil && !f.State.done() && ctx.Err() == nil {
		switch f.State {
		case Buffered:
			err = s.upload(ctx, f)
		case Uploaded:
			err = s.confirm(ctx, f)
		case Confirmed:
			if !s.keeps(f) && s.dockedKey(f.DeviceKey) == nil {
				return
			}
			err = s.clear(ctx, f)
		default:
			return
		}
		if err == nil {
			if f, err = s.q.get(ctx, f.ID); err != nil {
				s.cfg.Logger.Error("station queue", "err", err)
			}
		}
	}
}

// upload sends the buffered copy; the archive's answer names the
// recording, also when the same bytes were archived before (409).
func (s *Station) upload(ctx context.Context, f File) error {
	sum, err := hex.DecodeString(f.SHA256)
	if err != nil || len(sum) != 32 {
		return fmt.Errorf("station: file %d has a bad sha256 %q", f.ID, f.SHA256)
	}
	meta := map[string]string{"filename": filepath.Base(filepath.FromSlash(f.Rel))}
	if f.Device != "" {
		meta["device"] = f.Device
	}
	if f.Officer != "" {
		meta["officer"] = f.Officer
	}
	if f.Important || f.Locked {
		meta["important"] = "1" // X-DEV-3
	}
	if f.DeviceTime != "" {
		// R-DEV-2: the device's and the station's clocks read together at
		// docking, and the station's clock now, which the server compares
		// with its own.
		meta["device_time"], meta["station_time"] = f.DeviceTime, f.StationTime
		meta["sent_at"] = s.cfg.Now().Format(time.RFC3339Nano)
	}
	u := tusclient.Upload{Path: f.Buffer, Size: f.Size, Metadata: meta}
	copy(u.SHA256[:], sum)
	res, err := s.tus.Upload(ctx, u, func(done, total int64) {
		s.mu.Lock()
		s.progress[f.ID] = [2]int64{done, total}
		s.mu.Unlock()
	})
	id := res.RecordingID
	var se *tusclient.StatusError
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		id, err = recordingOfConflict(se.Body), nil
	}
	if err != nil {
		if ctx.Err() == nil {
			s.note(ctx, f.ID, evidence.Msg("station.err.upload", f.Rel, err.Error()))
			s.sleep(ctx, f.Attempts)
		}
		return err
	}
	s.contacted()
	// id is 0 when the upload completed but its answer was lost: the
	// confirmation finds the recording by its digest.
	return s.q.step(ctx, f.ID, Buffered, Uploaded, map[string]any{"recording_id": id})
}

// sleep backs off after a failed attempt: 1 s doubling to a minute.
func (s *Station) sleep(ctx context.Context, attempts int) {
	d := time.Second << min(attempts, 6)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// confirm asks the archive for the recording holding the file's SHA-256
// (R-UPL-2): only when it answers is the buffer wiped and the device file
// up for clearing.
func (s *Station) confirm(ctx context.Context, f File) error {
	id, err := s.lookup(ctx, f.SHA256)
	if err != nil {
		if ctx.Err() == nil {
			s.note(ctx, f.ID, evidence.Msg("station.err.confirm", f.Rel, err.Error()))
			s.sleep(ctx, f.Attempts)
		}
		return err
	}
	if err := wipe(f.Buffer); err != nil {
		s.note(ctx, f.ID, evidence.Msg("station.err.wipe", f.Rel, err.Error()))
		return err
	}
	return s.q.step(ctx, f.ID, Uploaded, Confirmed, map[string]any{"recording_id": id})
}

// clear removes the file from the device, if the station clears and the
// device did not mark it important or locked (X-DEV-3); otherwise the
// file is kept. Before removing, the device's file is read again and must
// still be the bytes the archive confirmed.
func (s *Station) clear(ctx context.Context, f File) error {
	if s.keeps(f) {
		return s.q.step(ctx, f.ID, Confirmed, Kept, nil)
	}
	d := s.dockedKey(f.DeviceKey)
	if d == nil {
		return nil
	}
	src := filepath.Join(d.Root, filepath.FromSlash(f.Rel))
	fi, err := os.Stat(src)
	if errors.Is(err, os.ErrNotExist) {
		return s.q.step(ctx, f.ID, Confirmed, Cleared, nil) // removed already (by an earlier run)
	}
	if err != nil {
		s.note(ctx, f.ID, evidence.Msg("station.err.clear", f.Rel, err.Error()))
		return err
	}
	if fi.Size() != f.Size || !fi.ModTime().UTC().Truncate(time.Microsecond).Equal(f.ModTime) {
		// Not the file that was archived: leave it, the scan queues it anew.
		return s.q.step(ctx, f.ID, Confirmed, Kept, nil)
	}
	sum, _, err := tusclient.HashFile(ctx, src, nil)
	if err != nil {
		s.note(ctx, f.ID, evidence.Msg("station.err.clear", f.Rel, err.Error()))
		return err
	}
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		s.note(ctx, f.ID, evidence.Msg("station.err.changed", f.Rel))
		return s.q.step(ctx, f.ID, Confirmed, Kept, nil)
	}
	if f.Locked {
		// A read-only file goes only with ClearImportant; its directory
		// entry is removable all the same.
		_ = os.Chmod(src, 0o600)
	}
	if err := os.Remove(src); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.note(ctx, f.ID, evidence.Msg("station.err.clear", f.Rel, err.Error()))
		return err
	}
	if err := syncDir(filepath.Dir(src)); err != nil {
		s.cfg.Logger.Warn("station: sync device directory", "dir", filepath.Dir(src), "err", err)
	}
	s.cfg.Logger.Info("cleared from device", "device", f.DeviceKey, "file", f.Rel, "recording", f.RecordingID)
	return s.q.step(ctx, f.ID, Confirmed, Cleared, nil)
}

// keeps reports whether f stays on its device once confirmed.
func (s *Station) keeps(f File) bool {
	return !s.cfg.Clear || (f.Important || f.Locked) && !s.cfg.ClearImportant
}

func (s *Station) contacted() {
	s.mu.Lock()
	s.contact, s.serverOK = s.cfg.Now().UTC(), true
	s.mu.Unlock()
}
