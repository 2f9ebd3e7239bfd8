package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"shilu/internal/app"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/ingest"
	"shilu/internal/media"
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
	scrubRate := fs.String("scrub-rate", "50MB", "fixity scrub budget per second: every original is re-hashed at this rate (token bucket), so ingest and playback keep their speed")
	scrubEvery := fs.Duration("scrub-every", 24*time.Hour, "pause between the end of one fixity pass and the start of the next")
	metrics := fs.String("metrics", "", `address to serve Prometheus /metrics on, apart from the workbench ("" = not served); :0 picks a free port`)
	a, err := e.openWithFlags(fs, args, data)
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
	a.app = app.New(app.Config{DB: a.db, Logger: logger})
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
			"accounts", strings.Join(unreadable, ","), "key", filepath.Join(*data, "secrets.key"))
	}
	// Uploads that were complete when the last process died are archived
	// before anything else is served.
	if err := ing.Recover(e.ctx); err != nil {
		return err
	}
	srv := web.New(web.Config{App: a.app, DB: a.db, Blobs: a.blobs, Ingest: ing, Verifier: a.verifier, Origin: a.log.Origin,
		Logger: logger, Argon2: auth.DefaultParams, ViewWithoutApproval: viewRoles, TrustedProxies: trusted})
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
	// Disposals whose grace period has ended are carried out, and blob
	// removals a killed process left pending are finished (issue 11).
	go a.app.RunDisposer(ctx, a.blobs, time.Minute)
	// Fixity scrubbing (issue 11 point 4): originals re-hashed at a budget.
	go a.app.RunScrubber(ctx, a.blobs, float64(scrubBytes), *scrubEvery)
	witnessed := make(chan struct{})
	if *witness != "" {
		go func() { runWitness(ctx, a.db, *witness, logger); close(witnessed) }()
	} else {
		close(witnessed)
	}
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
	cancel()
	<-witnessed // the last checkpoint is out before the database closes
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
