package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/prometheus/client_golang/prometheus"

	"shilu/internal/app"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/export"
	"shilu/internal/ingest"
	"shilu/internal/media"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/web"
)

func (e *cmdEnv) serve(args []string) (err error) {
	fs := e.newFlags("serve", "serve --data DIR --listen ADDR [flags]")
	data := fs.String("data", "", "data directory (created if missing)")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; :0 picks a free port")
	maxUpload := fs.String("max-upload", "64GiB", "largest upload accepted (refused up front with 413)")
	expire := fs.Duration("upload-expiry", 24*time.Hour, "remove unfinished uploads idle this long")
	ffprobe := fs.String("ffprobe", "", `ffprobe binary for non-MP4 media ("" = from PATH, if there)`)
	demo := fs.Bool("demo", false, "on an empty archive, create demo accounts and recordings")
	skip := fs.String("view-without-approval", "", "comma-separated roles that may play recordings without a leader's approval (default none, as Art. 16 requires)")
	logJSON := fs.Bool("log-json", false, "log as JSON lines")
	proxies := fs.String("trusted-proxy", "", "comma-separated addresses or CIDR ranges of TLS-terminating reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed")
	witness := fs.String("witness", "", "keep the custody log's latest signed checkpoint in this file, outside the data directory (audit verify --checkpoint checks the log against it)")
	stateEvery := fs.Duration("state-check-interval", time.Hour, "replay the custody log against the tables this often, and a minute after start; a difference raises a state_tampered finding and an error (0 = never)")
	witnessURL := fs.String("witness-url", "", "POST each signed checkpoint of the custody log (text/plain, the signed note) to this URL, retrying while it fails")
	packages := fs.String("packages", "", `directory of the evidence packages' images ("" = DATA/packages)`)
	wmFont := fs.String("watermark-font", report.DefaultFontPath, "font with Chinese glyphs in which watermarked copies (下载副本) name the viewer")
	verifiers := fs.String("verifiers", "", `directory with the standalone verifiers every package carries, shilu-verify-linux-amd64 and shilu-verify-windows-amd64.exe, built by make verifiers ("" = bin/verifiers beside this binary, if there)`)
	produceWithin := fs.Duration("produce-within", 24*time.Hour, "an approved extraction whose package is not made within this is a finding")
	scrubRate := fs.String("scrub-rate", "50MB", "fixity scrub budget per second: every original is re-hashed at this rate (token bucket), so ingest and playback keep their speed")
	scrubEvery := fs.Duration("scrub-every", 24*time.Hour, "pause between the end of one fixity pass and the start of the next")
	metrics := fs.String("metrics", "", `address to serve Prometheus /metrics on, apart from the workbench ("" = not served); :0 picks a free port`)
	blobs := fs.String("blobs", "", `where originals are kept: "" = DATA/blobs on disk; s3://BUCKET?endpoint=HOST:PORT[&secure=false][&credentials=FILE] = an S3 bucket with Object Lock (credentials from FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, never in the URL); recorded in DATA/blobs.url on first use`)
	dbURL := fs.String("db", "", `where the metadata is kept: "" = DATA/shilu.db (SQLite); postgres://USER@HOST:PORT/DATABASE = PostgreSQL (password from PGPASSWORD or ~/.pgpass, never in the URL); recorded in DATA/db.url on first use`)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if err := requireFlags(fs, "data"); err != nil {
		return err
	}
	a, err := e.openArchiveAt(*data, *blobs, *dbURL)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	var viewRoles []evidence.Role
	for _, r := range strings.FieldsFunc(*skip, func(c rune) bool { return c == ',' || c == ' ' }) {
		if !evidence.Role(r).Valid() {
			return fmt.Errorf("--view-without-approval: %q is not a role (%v)", r, evidence.Roles)
		}
		viewRoles = append(viewRoles, evidence.Role(r))
	}
	if *witness != "" {
		if err := checkWitnessPath(*witness, *data); err != nil {
			return err
		}
	}
	if *witnessURL != "" {
		if err := checkWitnessURL(*witnessURL); err != nil {
			return err
		}
	}
	trusted, err := parsePrefixes(*proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	scrubBytes, err := humanize.ParseBytes(*scrubRate)
	if err != nil || scrubBytes == 0 {
		return fmt.Errorf("--scrub-rate %q: want a size per second, e.g. 200MB", *scrubRate)
	}
	maxSize, err := humanize.ParseBytes(*maxUpload)
	if err != nil {
		return fmt.Errorf("--max-upload: %w", err)
	}
	var logger *slog.Logger
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	pkg, err := e.packaging(*data, *packages, *verifiers, *ffprobe, a, logger)
	if err != nil {
		return err
	}
	pkg.ProduceWithin = *produceWithin
	a.app = app.New(app.Config{DB: a.db, Logger: logger, Packaging: pkg})
	prober := media.Prober{FFprobe: *ffprobe, Timeout: 30 * time.Second}
	ing, err := ingest.New(ingest.Config{
		Dir:          filepath.Join(*data, "uploads"),
		BasePath:     "/api/v1/uploads/",
		MaxSize:      int64(maxSize),
		ExpireAfter:  *expire,
		KeepFinished: time.Hour,
		Prober:       prober,
		NamePatterns: media.DefaultNamePatterns(),
		Location:     evidence.Zone,
		Logger:       logger,
		Archived:     a.app.RecordingArchived,
	}, a.db, a.blobs)
	if err != nil {
		return err
	}
	// A replaced or lost secrets.key leaves TOTP secrets nobody can check:
	// say so now, with the way out, rather than through failed sign-ins.
	var unreadable []string
	if err := a.db.View(e.ctx, func(tx *store.Tx) error {
		var err error
		unreadable, err = tx.UnreadableTOTP(e.ctx)
		return err
	}); err != nil {
		return err
	}
	if len(unreadable) > 0 {
		logger.Warn("TOTP secrets do not open with secrets.key; these accounts cannot sign in until shilu user reset --totp",
			"accounts", strings.Join(unreadable, ","), "key", filepath.Join(a.keys, "secrets.key"))
	}
	// Uploads that were complete when the last process died are archived
	// before anything else is served.
	if err := ing.Recover(e.ctx); err != nil {
		return err
	}
	stateProblems := prometheus.NewGauge(prometheus.GaugeOpts{Name: "shilu_state_problems",
		Help: "Rows of the archive's tables that differ from the custody log, at the last state check (0: none; alert on > 0)."})
	stateChecked := prometheus.NewGauge(prometheus.GaugeOpts{Name: "shilu_state_check_timestamp_seconds",
		Help: "When the last state check finished, Unix seconds."})
	stateFailed := prometheus.NewCounter(prometheus.CounterOpts{Name: "shilu_state_check_errors_total", Help: "State checks that could not run to the end."})
	// Every checkpoint signed from here on leaves the archive as it
	// commits; the head is signed now if the last process left it unsigned
	// (a crash, a command-line change), and handed to the witnesses too.
	wit := newWitness(*witness, *witnessURL, logger)
	if *witness != "" || *witnessURL != "" {
		a.db.OnCheckpoint(wit.offer)
	}
	head, err := a.db.SignHead(e.ctx)
	if err != nil {
		return err
	}
	if head.Size > 0 {
		wit.offer(head)
	}
	srv := web.New(web.Config{App: a.app, DB: a.db, Blobs: a.blobs, Ingest: ing, Verifier: a.verifier, Origin: a.log.Origin,
		Logger: logger, Argon2: auth.DefaultParams, ViewWithoutApproval: viewRoles, TrustedProxies: trusted,
		FFmpeg: ffmpegBeside(*ffprobe), WatermarkFont: *wmFont,
		Collectors: append(wit.collectors(), stateProblems, stateChecked, stateFailed)})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	go ing.RunSweeper(ctx, time.Minute, time.Now)
	// Findings change when a deadline passes, without any request.
	go a.app.RunEvaluator(ctx, time.Minute)
	// Issue 9 point 6: the tables are checked against the custody log in
	// the server too, not only when an operator runs audit verify.
	if *stateEvery > 0 {
		go a.app.RunStateCheck(ctx, min(time.Minute, *stateEvery), *stateEvery, func(c app.StateCheck) {
			if c.Err != nil {
				stateFailed.Inc()
				return
			}
			stateProblems.Set(float64(c.Tampered))
			stateChecked.Set(float64(c.At.Unix()))
		})
	}
	// Disposals whose grace period has ended are carried out, and blob
	// removals a killed process left pending are finished (issue 11).
	go a.app.RunDisposer(ctx, a.blobs, time.Minute)
	// Fixity scrubbing (issue 11 point 4): originals re-hashed at a budget.
	go a.app.RunScrubber(ctx, a.blobs, float64(scrubBytes), *scrubEvery)
	// Approved extractions become packages (woken by each approval).
	go a.app.RunPackager(ctx, time.Minute)
	go runSigner(ctx, a.db, wit, logger)
	// The witnesses outlive ctx: they take the head signed at shutdown.
	witnessCtx, stopWitness := context.WithCancel(context.WithoutCancel(e.ctx))
	defer stopWitness()
	witnessed := make(chan struct{})
	go func() { wit.run(witnessCtx); close(witnessed) }()
	errc := make(chan error, 2)
	if *metrics != "" {
		mln, err := net.Listen("tcp", *metrics)
		if err != nil {
			return fmt.Errorf("--metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.Metrics())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
		defer func() { e.keep(ms.Close()) }()
		go func() { errc <- ms.Serve(mln) }()
		e.printf("shilu metrics http://%s/metrics\n", mln.Addr())
	}
	go func() { errc <- hs.Serve(ln) }()
	e.printf("shilu serving %s (data %s)\n", url, *data)
	e.printf("custody log key: %s\n", a.verifier.Name())
	if *demo {
		if err := e.seedDemo(ctx, a, url); err != nil {
			logger.Error("demo data", "err", err)
		}
	}
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	err = hs.Shutdown(shutdown)
	// The byte counts of the last ranges served are written to the register
	// before the database closes (app.FlushViewings, issue 15).
	if ferr := a.app.FlushViewings(shutdown); ferr != nil {
		logger.Error("write the progress of viewings to the register", "err", ferr)
	}
	cancel()
	// At rest every entry is under a signed checkpoint, and the witnesses
	// hold it before the database closes.
	if _, serr := a.db.SignHead(context.WithoutCancel(e.ctx)); serr != nil {
		logger.Error("sign the custody log's head at shutdown", "err", serr)
	}
	stopWitness()
	<-witnessed
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// parsePrefixes reads a comma-separated list of addresses (one host each)
// and CIDR ranges.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(list, func(c rune) bool { return c == ',' || c == ' ' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// packaging configures the making of evidence packages: images under
// DATA/packages unless told otherwise, the standalone verifiers from
// --verifiers or bin/verifiers beside the binary (make verifiers), the
// Chinese font of the PDFs. Without the font no package is made (the
// approvals wait, and turn into findings), which the log says at start.
func (e *cmdEnv) packaging(data, dir, verifiers, ffprobe string, a *archive, logger *slog.Logger) (app.Packaging, error) {
	if dir == "" {
		dir = filepath.Join(data, "packages")
	}
	vkey, err := verifierKeyOf(a.keys)
	if err != nil {
		return app.Packaging{}, err
	}
	if verifiers == "" {
		if exe, err := os.Executable(); err == nil {
			verifiers = filepath.Join(filepath.Dir(exe), "verifiers")
		}
		for _, v := range export.VerifierBinaries {
			if _, err := os.Stat(filepath.Join(verifiers, v)); err != nil {
				verifiers = ""
				break
			}
		}
		if verifiers == "" {
			logger.Warn("no standalone verifiers found (make verifiers); packages will carry none and their README points to shilu package verify")
		}
	} else {
		for _, v := range export.VerifierBinaries {
			if _, err := os.Stat(filepath.Join(verifiers, v)); err != nil {
				return app.Packaging{}, fmt.Errorf("--verifiers: %w", err)
			}
		}
	}
	font, err := report.LoadFont(report.DefaultFontPath)
	if err != nil {
		logger.Warn("evidence packages cannot be made", "err", err)
		return app.Packaging{}, nil
	}
	ffmpeg := ""
	if ffprobe != "" {
		ffmpeg = ffmpegBeside(ffprobe)
	}
	return app.Packaging{Dir: dir, Blobs: a.blobs, Font: font, VerifierKey: vkey, Verifiers: verifiers, FFmpeg: ffmpeg}, nil
}

// ffmpegBeside is the ffmpeg beside the --ffprobe given ("" = from PATH).
func ffmpegBeside(ffprobe string) string {
	if ffprobe == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(ffprobe), "ffmpeg")
}
