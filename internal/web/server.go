package web

import (
	"cmp"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tus/tusd/v2/pkg/prometheuscollector"
	"golang.org/x/mod/sumdb/note"

	"shilu/internal/apierr"
	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/ingest"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/web/api"
	"shilu/internal/web/httpx"
	"shilu/internal/web/ui"
)

// Config wires the server to its parts; cmd/shilu picks the concrete ones.
type Config struct {
	// App runs the use cases; New makes one over DB when it is nil.
	App      *app.App
	DB       *store.DB
	Blobs    blob.Store
	Ingest   *ingest.Service
	Verifier note.Verifier // the custody log's checkpoint key
	Origin   string        // the custody log's origin line
	Logger   *slog.Logger
	// Argon2, LoginSlots, SessionTTL and Policy configure the application
	// New makes when App is nil (app.Config).
	Argon2     auth.Params
	LoginSlots int
	SessionTTL time.Duration
	Policy     auth.Policy
	// ViewWithoutApproval lists the roles that may play and download
	// without a grant (Art. 16 policy). The default, none, follows the
	// regulation: nobody views without the leader's approval.
	ViewWithoutApproval []evidence.Role
	// FFmpeg makes watermarked copies ("" = ffmpeg from PATH), their text
	// drawn in WatermarkFont, a font with Chinese glyphs ("" =
	// report.DefaultFontPath, WenQuanYi Micro Hei).
	FFmpeg, WatermarkFont string
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed (proxy.go).
	TrustedProxies []netip.Prefix
	// Collectors are further metrics served on /metrics (set up by serve:
	// the scheduled state check's, the witnesses').
	Collectors []prometheus.Collector
}

// Server serves the routes.
type Server struct {
	cfg      Config
	app      *app.App
	api      *api.Handler
	ui       *ui.Handler
	mux      *http.ServeMux
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.App == nil {
		cfg.App = app.New(app.Config{DB: cfg.DB, Argon2: cfg.Argon2, LoginSlots: cfg.LoginSlots, SessionTTL: cfg.SessionTTL, Policy: cfg.Policy, Logger: cfg.Logger})
	}
	s := &Server{cfg: cfg, app: cfg.App, mux: http.NewServeMux(), registry: prometheus.NewRegistry(),
		api: &api.Handler{App: cfg.App, DB: cfg.DB, Blobs: cfg.Blobs, Verifier: cfg.Verifier, Origin: cfg.Origin, Logger: cfg.Logger,
			ViewWithoutApproval: cfg.ViewWithoutApproval, FFmpeg: cfg.FFmpeg, WatermarkFont: cmp.Or(cfg.WatermarkFont, report.DefaultFontPath)},
		ui: &ui.Handler{App: cfg.App, DB: cfg.DB, Verifier: cfg.Verifier, Origin: cfg.Origin, Logger: cfg.Logger, ViewWithoutApproval: cfg.ViewWithoutApproval}}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shilu_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shilu_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Ingest != nil {
		s.registry.MustRegister(prometheuscollector.New(cfg.Ingest.Metrics()))
	}
	s.registry.MustRegister(cfg.Collectors...)
	s.registry.MustRegister(fixityMetrics(cfg.DB, cfg.Logger)...)
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, s.fromProxy(r))
}

func requestID(ctx context.Context) string { return httpx.RequestID(ctx) }

// wrap is the one place where every request is identified, authenticated,
// authorized, timed and, on failure, answered.
func (s *Server) wrap(rt route) http.Handler {
	name := rt.method + " " + rt.pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		rid := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", rid)
		ctx := httpx.WithRequestID(r.Context(), rid)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		u, err := s.authorize(ctx, r, rt.perm)
		if evidence.ErrorCode(err) == evidence.EForbidden {
			// Refused attempts on evidence are facts for the log too
			// (R-ACC-1): who tried what.
			if aerr := s.audit(ctx, audit.Entry{Actor: u.Name, Action: evidence.ActionAccessDenied, Object: object(r),
				Outcome: audit.OutcomeDenied, Details: map[string]string{"route": name, "path": printable(r.URL.Path)}}); aerr != nil {
				err = aerr
			}
		}
		if err == nil {
			if rt.perm != "" {
				ctx = auth.WithUser(ctx, u)
			}
			err = rt.handler(sw, r.WithContext(ctx))
		}
		if err != nil {
			s.fail(sw, r, err, rid)
		}
		s.requests.WithLabelValues(name, strconv.Itoa(sw.code)).Inc()
		s.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	})
}

// authorize checks the caller's credentials and role against perm and
// returns the caller.
func (s *Server) authorize(ctx context.Context, r *http.Request, perm evidence.Permission) (evidence.User, error) {
	if perm == "" {
		return evidence.User{}, nil
	}
	u, err := s.authenticate(ctx, r)
	if err != nil {
		return u, err
	}
	if !u.Role.Can(perm) {
		return u, evidence.Errorf(evidence.EForbidden, "err.auth.forbidden_role",
			evidence.Msg("role."+string(u.Role)), evidence.Msg("perm."+strings.ReplaceAll(string(perm), ".", "_")))
	}
	return u, nil
}

// authenticate resolves r's session or API token and applies the rules of
// sessions (session.go): the CSRF token, and the confinement of an initial
// password or a missing second factor.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (evidence.User, error) {
	c, err := s.resolve(ctx, r)
	if err != nil {
		return evidence.User{}, err
	}
	return c.account.User, s.admit(c, r)
}

// fail answers err: the application error's message, or for internal
// errors a generic one, logged once here with the request ID.
func (s *Server) fail(w *statusWriter, r *http.Request, err error, rid string) {
	if evidence.ErrorCode(err) == evidence.EInternal {
		s.cfg.Logger.Error("request failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if w.wrote {
		return // the body has started; nothing more can be said
	}
	if ui.IsPage(r) {
		// The menu of the error page needs the user, whom wrap puts in the
		// context only when authorization succeeded.
		if u, aerr := s.authenticate(r.Context(), r); aerr == nil {
			r = r.WithContext(auth.WithUser(r.Context(), u))
		}
		if s.ui.ErrorPage(w, r, err, rid) {
			return // a sign-in redirect or an error page
		}
	}
	if evidence.ErrorCode(err) == evidence.EUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shilu"`)
	}
	apierr.Write(w, r, err, rid)
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (tusd sets
// read deadlines through it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error { _, _, err := tx.LogState(r.Context()); return err })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Metrics serves the Prometheus metrics. They are not a route of the
// workbench: request counts and upload figures are for the operator, so
// `shilu serve --metrics ADDR` serves them on a listener of their own,
// which the operator keeps on a management network (issue 9 point 8).
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Ingest == nil {
		return evidence.Errorf(evidence.ENotFound, "err.upload.disabled")
	}
	http.StripPrefix("/api/v1/uploads/", s.cfg.Ingest.Handler()).ServeHTTP(w, r)
	return nil
}

// audit appends one custody entry in its own transaction through the
// application (app.Record), for what changes no other state: refusals,
// sign-in failures, exports.
func (s *Server) audit(ctx context.Context, e audit.Entry) error {
	who := app.Actor{User: evidence.User{Name: e.Actor}, RequestID: requestID(ctx)}
	return s.app.Record(ctx, who, e.Action, e.Object, e.Outcome, e.Details, e.Digests...)
}

// object names what a request concerns in custody entries.
func object(r *http.Request) string {
	if id := r.PathValue("id"); id != "" && strings.HasPrefix(r.URL.Path, "/api/v1/recordings/") {
		return "recording:" + printable(id)
	}
	return ""
}

// home sends a signed-in user to their first page and anyone else to
// sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	u, err := s.authenticate(r.Context(), r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return s.ui.Home(w, r.WithContext(auth.WithUser(r.Context(), u)))
}

func writeJSON(w http.ResponseWriter, code int, v any) error { return httpx.JSON(w, code, v) }

func decodeJSON(r *http.Request, v any) error { return httpx.DecodeJSON(r, v) }

func actor(r *http.Request) app.Actor { return httpx.Actor(r) }

// fixityMetrics are the fixity scrub's gauges (issue 11 point 4), read
// from the catalogue at each scrape: an alert rule on
// shilu_fixity_problems > 0 tells of a lost or damaged original
// (Art. 20(七)) without anyone opening the workbench.
func fixityMetrics(db *store.DB, log *slog.Logger) []prometheus.Collector {
	read := func(f func(store.FixityState) float64) func() float64 {
		return func() float64 {
			var st store.FixityState
			err := db.View(context.Background(), func(tx *store.Tx) (err error) { st, err = tx.FixityState(context.Background()); return err })
			if err != nil {
				log.Error("fixity metrics", "err", err)
				return 0
			}
			return f(st)
		}
	}
	gauge := func(name, help string, f func(store.FixityState) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read(f))
	}
	return []prometheus.Collector{
		gauge("shilu_fixity_problems", "Originals the last fixity checks found missing or changed.", func(s store.FixityState) float64 { return float64(s.Open) }),
		gauge("shilu_fixity_pass_bytes", "Bytes re-hashed in the fixity pass under way.", func(s store.FixityState) float64 { return float64(s.Bytes) }),
		gauge("shilu_fixity_last_pass_finished_seconds", "When the last fixity pass finished (Unix time; 0 none yet).", func(s store.FixityState) float64 {
			if s.LastFinished == nil {
				return 0
			}
			return float64(s.LastFinished.Unix())
		}),
	}
}
