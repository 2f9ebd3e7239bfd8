// Package ingest takes recordings in over the tus 1.0.0 resumable-upload
// protocol (tusd) and archives them: the server's own SHA-256 taken while
// the bytes stream, the blob made durable, then the catalogue row and its
// custody entry committed in one transaction (R-STORE-2, R-STORE-3, R-AUD-1).
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	"shilu/internal/apierr"
	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/media"
	"shilu/internal/store"
)

// Config configures the upload service.
type Config struct {
	// Dir holds uploads in progress. It must be on the same file system as
	// a disk blob store for uploads to become blobs without a copy.
	Dir string
	// BasePath is the URL path the handler is mounted at, e.g. /api/v1/uploads/.
	BasePath string
	// MaxSize refuses larger uploads up front (413); 0 means no limit.
	MaxSize int64
	// ExpireAfter is how long an unfinished upload may sit idle before its
	// bytes are removed.
	ExpireAfter time.Duration
	// KeepFinished is how long a finished upload stays answerable to HEAD,
	// so a client that lost the final answer learns the upload is complete.
	KeepFinished time.Duration
	// Prober probes media; NamePatterns parse device file names, whose times
	// are local to Location.
	Prober       media.Prober
	NamePatterns []media.NamePattern
	Location     *time.Location
	Logger       *slog.Logger
	// Clock is the server's clock, the reference device clocks are measured
	// against at creation (R-DEV-2); nil means time.Now.
	Clock func() time.Time
	// MaxOpen is how many unfinished uploads one account may hold at once
	// (0 means DefaultMaxOpen): a client cannot reserve the archive's disk
	// with thousands of empty uploads.
	MaxOpen int
	// Archived, if set, is called after a recording is catalogued, outside
	// its transaction: work derived from the recording (the signs of
	// editing) must never hold up or undo an ingest.
	Archived func(ctx context.Context, rec evidence.Recording)
	// Finishing is how many finished uploads are probed and catalogued at
	// once (0: DefaultFinishing). Probing runs ffprobe and the signs of
	// editing are CPU work: fifty stations finishing together must not take
	// every core from the people using the workbench (issue 16).
	Finishing int
}

// Service is the upload endpoint and the pipeline behind it.
type Service struct {
	cfg   Config
	db    *store.DB
	blobs blob.Store
	files *hashingStore
	tus   *handler.Handler
	// finishing holds a token for each upload being probed and catalogued
	// (Config.Finishing); waiting uploads are served in order.
	finishing chan struct{}
}

// DefaultFinishing is Finishing's default: half the cores, at least one.
func DefaultFinishing() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// DefaultMaxOpen is MaxOpen's default: a station uploads a docked camera's
// files a few at a time, far below it.
const DefaultMaxOpen = 100

// RecordingIDHeader carries the new recording's id on the final PATCH answer.
const RecordingIDHeader = "Shilu-Recording-Id"

// New returns the upload service. Requests reaching its handler must carry
// the authenticated user in their context (auth.WithUser).
func New(cfg Config, db *store.DB, blobs blob.Store) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = DefaultMaxOpen
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if cfg.Finishing <= 0 {
		cfg.Finishing = DefaultFinishing()
	}
	s := &Service{cfg: cfg, db: db, blobs: blobs, files: newHashingStore(cfg.Dir), finishing: make(chan struct{}, cfg.Finishing)}
	composer := handler.NewStoreComposer()
	composer.UseCore(s.files)
	composer.UseTerminater(s.files)
	memorylocker.New().UseIn(composer)
	h, err := handler.NewHandler(handler.Config{
		StoreComposer:             composer,
		BasePath:                  cfg.BasePath,
		MaxSize:                   cfg.MaxSize,
		DisableDownload:           true, // originals are read through the API, with its checks and log
		Cors:                      &handler.CorsConfig{Disable: true},
		PreUploadCreateCallback:   s.preCreate,
		PreFinishResponseCallback: s.preFinish,
		// tusd logs with golang.org/x/exp/slog, whose types differ from
		// log/slog's; it logs every request at Info, so only its errors.
		Logger: expslog.New(expslog.NewTextHandler(os.Stderr, &expslog.HandlerOptions{Level: expslog.LevelError})),
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	s.tus = h
	return s, nil
}

// Handler serves the tus protocol with the checksum extension, relative to
// BasePath (mount it with http.StripPrefix). Errors are answered in the
// request's language (locale.Negotiate).
func (s *Service) Handler() http.Handler { return withLanguage(s.ownerOnly(withChecksum(s.tus))) }

// ownerOnly answers a HEAD, PATCH or DELETE by anyone but an upload's
// creator with "not found" before tusd sees it. tusd takes the upload's lock
// first and asks the request holding it to let go, so a stranger's request
// that reached it would cut the owner's PATCH short even though GetUpload
// then refuses the stranger.
func (s *Service) ownerOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodHead, http.MethodPatch, http.MethodDelete:
			caller, ok := auth.UserFrom(r.Context())
			id := strings.Trim(r.URL.Path, "/")
			if !ok || id == "" || strings.Contains(id, "/") {
				break
			}
			if owner, err := s.files.owner(r.Context(), id); err == nil && owner != caller.Name {
				w.Header().Set("Tus-Resumable", "1.0.0")
				apierr.Write(w, r, evidence.Errorf(evidence.ENotFound, "err.upload.not_found"), "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// langKey carries the language of a request to the tus hooks and the
// store's WriteChunk: tusd hands both a context that keeps the request's
// values, but not the request.
type langKey struct{}

func withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, locale.Negotiate(r))))
	})
}

// Metrics returns tusd's counters for the Prometheus endpoint.
func (s *Service) Metrics() handler.Metrics { return s.tus.Metrics }

func (s *Service) preCreate(hook handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	var no handler.FileInfoChanges
	u, ok := auth.UserFrom(hook.Context)
	if !ok {
		return handler.HTTPResponse{}, no, tusError(hook.Context, evidence.Errorf(evidence.EUnauthorized, "err.auth.sign_in"))
	}
	if hook.Upload.SizeIsDeferred {
		return handler.HTTPResponse{}, no, tusError(hook.Context, evidence.Errorf(evidence.EInvalid, "err.upload.length_required"))
	}
	md, err := ParseMetadata(hook.Upload.MetaData)
	if err != nil {
		return handler.HTTPResponse{}, no, tusError(hook.Context, err)
	}
	// R-DEV-2: the server's clock is read here, at creation, because
	// sent_at is the station's clock at this moment; the bytes may take
	// hours, and the finish may run after a restart.
	now := s.cfg.Clock().UTC()
	clock, measured, err := md.MeasureClock(now)
	if err != nil {
		return handler.HTTPResponse{}, no, tusError(hook.Context, err)
	}
	meta := handler.MetaData{}
	for k, v := range hook.Upload.MetaData {
		if !strings.HasPrefix(k, metaServerPrefix) {
			meta[k] = v
		}
	}
	meta[metaUploader] = u.Name
	if u.Role != evidence.RoleStation {
		// Only a collection station names the officer a recording is of;
		// anyone else uploads their own (issue 9 point 8).
		named := md.Officer
		if nf, ok := media.ParseName(s.cfg.NamePatterns, md.Filename, s.cfg.Location); ok && named == "" {
			named = nf.Officer
		}
		if named != "" && named != u.OfficerNo {
			return handler.HTTPResponse{}, no, tusError(hook.Context, evidence.Errorf(evidence.EForbidden, "err.upload.officer_not_own", named))
		}
		meta[metaOfficer] = u.OfficerNo
	}
	open, err := s.openUploads(hook.Context, u.Name)
	if err != nil {
		return handler.HTTPResponse{}, no, err
	}
	if open >= s.cfg.MaxOpen {
		return handler.HTTPResponse{}, no, tusError(hook.Context, evidence.Errorf(evidence.ETooMany, "err.upload.too_many_open", s.cfg.MaxOpen))
	}
	if measured {
		meta[metaClockOffset] = strconv.FormatInt(clock.Offset.Milliseconds(), 10)
		meta[metaClockAt] = clock.At.Format(time.RFC3339Nano)
		meta[metaCreatedAt] = now.Format(time.RFC3339Nano)
	}
	return handler.HTTPResponse{}, handler.FileInfoChanges{MetaData: meta}, nil
}

// measuredClock reads back the clock measurement preCreate kept in the
// upload's metadata. An upload without one (none declared, or created by an
// older server) has none; a garbled one is logged and dropped: "not
// measured" is the honest record then.
func (s *Service) measuredClock(info handler.FileInfo) (ClockMeasurement, bool) {
	var m ClockMeasurement
	ms, at := info.MetaData[metaClockOffset], info.MetaData[metaClockAt]
	if ms == "" && at == "" {
		return m, false
	}
	n, err1 := strconv.ParseInt(ms, 10, 64)
	t, err2 := time.Parse(time.RFC3339Nano, at)
	if err1 != nil || err2 != nil || !believable(time.Duration(n)*time.Millisecond) {
		s.cfg.Logger.Warn("garbled clock measurement; archived as not measured", "upload", info.ID, "err", fmt.Sprintf("%s=%q %s=%q", metaClockOffset, ms, metaClockAt, at))
		return m, false
	}
	return ClockMeasurement{Offset: time.Duration(n) * time.Millisecond, At: t.UTC()}, true
}

func (s *Service) preFinish(hook handler.HookEvent) (handler.HTTPResponse, error) {
	rec, err := s.finish(hook.Context, hook.Upload)
	switch evidence.ErrorCode(err) {
	case evidence.EChecksum, evidence.EConflict:
		// Nothing of these bytes is kept: they are not what was declared,
		// or they are already archived.
		s.discard(context.WithoutCancel(hook.Context), hook.Upload.ID)
	}
	if err != nil {
		if evidence.ErrorCode(err) == evidence.EInternal {
			s.cfg.Logger.Error("ingest failed", "upload", hook.Upload.ID, "err", err)
		}
		return handler.HTTPResponse{}, tusError(hook.Context, err)
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{RecordingIDHeader: strconv.FormatInt(rec.ID, 10)}}, nil
}

// tusError turns an application error into tusd's, with the JSON body the
// rest of the API answers with, in the language of the request that ctx
// belongs to.
func tusError(ctx context.Context, err error) error {
	lang, _ := ctx.Value(langKey{}).(string)
	p := locale.New(lang)
	e := handler.NewError(strings.ToUpper("ERR_"+string(evidence.ErrorCode(err))), p.Error(err), apierr.Status(err))
	e.HTTPResponse.Body = string(apierr.JSON(err, "", p))
	e.HTTPResponse.Header["Content-Type"] = "application/json; charset=utf-8"
	e.HTTPResponse.Header["Content-Language"] = p.Lang()
	return e
}

// finish archives a complete upload: compare digests, refuse duplicates,
// probe, make the blob durable, then commit the recording and its custody
// entry together. The bytes of an accepted upload stay (hard-linked to the
// blob) until the sweeper removes the upload. finish is idempotent, so
// Recover can rerun it after a crash; it returns EChecksum for bytes that
// are not what the client declared and EConflict for content already
// archived, and leaves removing such uploads to its caller.
func (s *Service) finish(ctx context.Context, info handler.FileInfo) (evidence.Recording, error) {
	// The pipeline outlives a client that hangs up after its last byte.
	ctx = context.WithoutCancel(ctx)
	var rec evidence.Recording
	md, err := ParseMetadata(info.MetaData)
	if err != nil {
		return rec, err
	}
	uploader := info.MetaData[metaUploader]
	d, err := s.files.digest(info.ID, info.Size)
	if err != nil {
		return rec, err
	}
	if md.SHA256 != nil && *md.SHA256 != d {
		return rec, &evidence.Error{Code: evidence.EChecksum,
			Msg:     evidence.Msg("err.upload.sha256_mismatch", md.SHA256.Hex(), d.Hex()),
			Details: map[string]any{"declared": md.SHA256.Hex(), "computed": d.Hex()}}
	}
	var existing evidence.Recording
	if err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		existing, err = tx.RecordingByDigest(ctx, d)
		return err
	}); err == nil {
		return existing, &evidence.Error{Code: evidence.EConflict,
			Msg:     evidence.Msg("err.recording.duplicate", existing.ID),
			Details: map[string]any{"recording_id": existing.ID}}
	}

	s.finishing <- struct{}{}
	defer func() { <-s.finishing }()
	path := s.files.binPath(info.ID)
	rec = s.describe(ctx, path, md)
	rec.Digest, rec.Size = d, info.Size
	clock, measured := s.measuredClock(info)
	if measured {
		rec.ClockOffset, rec.ClockMeasuredAt = &clock.Offset, &clock.At
	}
	if err := s.storeBlob(ctx, d, path, info.Size); err != nil {
		return rec, err
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, uploader)
		if err != nil {
			// %v, not %w: a vanished uploader is the server's failure,
			// not something the client asked for that is "not found".
			return fmt.Errorf("ingest: uploader %q: %v", uploader, err)
		}
		rec, err = tx.CreateRecording(ctx, rec, u.ID)
		if err != nil {
			return err
		}
		details := map[string]string{"filename": rec.Filename, "size": strconv.FormatInt(rec.Size, 10), "upload": info.ID}
		if rec.ProbeError != "" {
			details["probe_error"] = rec.ProbeError
		}
		if rec.Important {
			details["important"] = "true" // X-DEV-3
		}
		if measured {
			// R-DEV-2: the offset is kept as evidence with what it was
			// computed from, so anyone can redo the arithmetic.
			details["clock_offset_ms"] = strconv.FormatInt(clock.Offset.Milliseconds(), 10)
			details["clock_measured_at"] = clock.At.Format(time.RFC3339Nano)
			for _, k := range []string{metaDeviceTime, metaStationTime, metaSentAt} {
				if v := info.MetaData[k]; v != "" {
					details[k] = v
				}
			}
			if md.SentAt != nil {
				details["server_time"] = info.MetaData[metaCreatedAt]
			}
		}
		_, err = tx.Audit(ctx, audit.Entry{
			Actor: uploader, Action: evidence.ActionRecordingIngest, Object: fmt.Sprintf("recording:%d", rec.ID),
			Outcome: audit.OutcomeOK, Digests: []blob.Digest{d}, Details: details,
		})
		return err
	})
	if err == nil {
		s.cfg.Logger.Info("ingested", "recording", rec.ID, "digest", d.String(), "user", uploader)
		if s.cfg.Archived != nil {
			s.cfg.Archived(ctx, rec)
		}
	}
	return rec, err
}

// storeBlob makes the upload's bytes the blob d: by hard link when the
// store can adopt files (no second pass), else by streaming them into it,
// which verifies the digest on the way.
func (s *Service) storeBlob(ctx context.Context, d blob.Digest, path string, size int64) error {
	if a, ok := s.blobs.(blob.Adopter); ok {
		if err := a.Adopt(ctx, d, path, size); err == nil {
			return nil
		} else {
			s.cfg.Logger.Warn("adopt failed, copying", "digest", d.String(), "err", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	return s.blobs.Put(ctx, d, f, size)
}

// probeText is a probe error as the recording keeps it: the upload's
// file on the server (in the error and in ffprobe's own message) is named
// by the file name the uploader gave. The text is shown to users and kept
// in the custody log; where the server keeps its uploads is none of theirs.
func probeText(err error, path, filename string) string {
	msg := err.Error()
	if abs, aerr := filepath.Abs(path); aerr == nil {
		msg = strings.ReplaceAll(msg, abs, filename)
	}
	return strings.ReplaceAll(msg, path, filename)
}

// describe fills what is known of a recording from its declared metadata,
// its file name and its media. Media that cannot be parsed is archived all
// the same, with the probe error kept (odd media is never refused).
func (s *Service) describe(ctx context.Context, path string, md Metadata) evidence.Recording {
	rec := evidence.Recording{Filename: md.Filename, Device: md.Device, Officer: md.Officer, Kind: evidence.KindUnknown, Important: md.Important}
	facts, err := s.cfg.Prober.Probe(ctx, path)
	if err != nil {
		rec.ProbeError = probeText(err, path, md.Filename)
	} else {
		if facts.Kind != "" {
			rec.Kind = facts.Kind
		}
		if b, err := json.Marshal(facts); err == nil {
			rec.Media = b
		}
	}
	var start time.Time
	// A body-worn camera's file name carries the local start time and the
	// ZFY_INFO identity; many devices write local time into the container
	// as if it were UTC, so the name is preferred when it parses.
	if nf, ok := media.ParseName(s.cfg.NamePatterns, md.Filename, s.cfg.Location); ok {
		start = nf.Start
		if rec.Device == "" {
			rec.Device = nf.DeviceSerial
		}
		if rec.Officer == "" {
			rec.Officer = nf.Officer
		}
	} else if err == nil && !facts.CreatedAt.IsZero() {
		start = facts.CreatedAt.UTC()
	}
	if !start.IsZero() {
		rec.RecordedStart = &start
		if err == nil && facts.Duration > 0 {
			end := start.Add(facts.Duration)
			rec.RecordedEnd = &end
		}
	}
	return rec
}

func (s *Service) discard(ctx context.Context, id string) {
	if u, err := s.files.GetUpload(ctx, id); err == nil {
		if err := s.files.AsTerminatableUpload(u).Terminate(ctx); err != nil {
			s.cfg.Logger.Warn("discard upload", "upload", id, "err", err)
		}
	}
}

// Recover finishes uploads whose bytes were all received but whose
// recording was not committed (the server died in between). Run it at start,
// before serving.
func (s *Service) Recover(ctx context.Context) error {
	return s.eachUpload(ctx, func(info handler.FileInfo, _ time.Time) error {
		if info.Offset == info.Size && !info.SizeIsDeferred {
			s.recover(ctx, info)
		}
		return nil
	})
}

func (s *Service) recover(ctx context.Context, info handler.FileInfo) {
	rec, err := s.finish(ctx, info)
	switch evidence.ErrorCode(err) {
	case "":
		s.cfg.Logger.Info("recovered finished upload", "upload", info.ID, "recording", rec.ID)
	case evidence.EConflict:
		// Committed before the crash; the upload stays answerable to HEAD
		// until the sweeper removes it.
	case evidence.EChecksum:
		s.discard(ctx, info.ID)
	default:
		s.cfg.Logger.Warn("recover upload", "upload", info.ID, "err", err)
	}
}

// recoverAfter is how long a complete upload without a recording waits
// before the sweeper finishes it: long enough that the request that
// completed it has finished (or failed) its own attempt.
const recoverAfter = 2 * time.Minute

// Sweep finishes complete uploads that have no recording yet (the final
// request failed after the last byte, e.g. on a database error; tusd will
// not call the finish hook twice), removes unfinished uploads idle for
// longer than ExpireAfter and archived ones older than KeepFinished. It
// returns how many uploads it removed.
func (s *Service) Sweep(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.eachUpload(ctx, func(info handler.FileInfo, modified time.Time) error {
		idle := now.Sub(modified)
		if info.Offset != info.Size {
			if s.cfg.ExpireAfter > 0 && idle >= s.cfg.ExpireAfter {
				s.discard(ctx, info.ID)
				n++
			}
			return nil
		}
		d, err := s.files.digest(info.ID, info.Size)
		if err != nil {
			return nil
		}
		err = s.db.View(ctx, func(tx *store.Tx) error { _, err := tx.RecordingByDigest(ctx, d); return err })
		switch {
		case evidence.ErrorCode(err) == evidence.ENotFound && idle >= recoverAfter:
			s.recover(ctx, info)
		case err == nil && idle >= s.cfg.KeepFinished:
			s.discard(ctx, info.ID)
			n++
		}
		return nil
	})
	return n, err
}

// RunSweeper sweeps every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Sweep(ctx, now()); err != nil {
				s.cfg.Logger.Warn("sweep uploads", "err", err)
			} else if n > 0 {
				s.cfg.Logger.Info("swept uploads", "removed", n)
			}
		}
	}
}

// openUploads counts user's unfinished uploads. Creations racing with each
// other may each see the count below the limit; they are bounded by the
// requests a client can have in flight.
func (s *Service) openUploads(ctx context.Context, user string) (int, error) {
	n := 0
	err := s.eachUpload(ctx, func(info handler.FileInfo, _ time.Time) error {
		if info.Offset != info.Size && info.MetaData[metaUploader] == user {
			n++
		}
		return nil
	})
	return n, err
}

// eachUpload calls fn with every upload in Dir and the time its bytes last
// changed.
func (s *Service) eachUpload(ctx context.Context, fn func(handler.FileInfo, time.Time) error) error {
	infos, err := filepath.Glob(filepath.Join(s.cfg.Dir, "*.info"))
	if err != nil {
		return err
	}
	for _, p := range infos {
		id := strings.TrimSuffix(filepath.Base(p), ".info")
		u, err := s.files.GetUpload(ctx, id)
		if err != nil {
			continue
		}
		info, err := u.GetInfo(ctx)
		if err != nil {
			continue
		}
		fi, err := os.Stat(s.files.binPath(id))
		if err != nil {
			continue
		}
		if err := fn(info, fi.ModTime()); err != nil {
			return err
		}
	}
	return nil
}
