package web

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tus/tusd/v2/pkg/prometheuscollector"
	"golang.org/x/mod/sumdb/note"

	"shilu/internal/apierr"
	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/ingest"
	"shilu/internal/store"
)

// Config wires the server to its parts; cmd/shilu picks the concrete ones.
type Config struct {
	DB       *store.DB
	Blobs    blob.Store
	Ingest   *ingest.Service
	Verifier note.Verifier // the custody log's checkpoint key
	Origin   string        // the custody log's origin line
	Logger   *slog.Logger
	// Argon2 sets the password hashing cost; LoginSlots bounds concurrent
	// password checks, each of which holds Argon2.Memory KiB.
	Argon2     auth.Params
	LoginSlots int
	// SessionTTL is the lifetime of a session made by /api/v1/login, however
	// busy (X-SEC-1).
	SessionTTL time.Duration
	// Policy is the sign-in policy; zero fields take auth.DefaultPolicy's.
	Policy auth.Policy
	// ViewWithoutApproval lists the roles that may play and download
	// without a grant (Art. 16 policy). The default, none, follows the
	// regulation: nobody views without the leader's approval.
	ViewWithoutApproval []evidence.Role
}

// Server serves the routes.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   chan struct{}
	// dummyHash is checked against for unknown names, so that a failed
	// sign-in takes as long whether or not the name exists. It is made on
	// first use: hashing holds 64 MiB, which a server that only ingests
	// should never pay.
	dummyHash func() string
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoginSlots <= 0 {
		cfg.LoginSlots = 2
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), registry: prometheus.NewRegistry(), logins: make(chan struct{}, cfg.LoginSlots)}
	s.dummyHash = sync.OnceValue(func() string {
		h, _ := auth.HashPassword("no one's password", cfg.Argon2)
		return h
	})
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shilu_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shilu_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Ingest != nil {
		s.registry.MustRegister(prometheuscollector.New(cfg.Ingest.Metrics()))
	}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

type requestIDKey struct{}

func requestID(ctx context.Context) string { id, _ := ctx.Value(requestIDKey{}).(string); return id }

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
		ctx := context.WithValue(r.Context(), requestIDKey{}, rid)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		u, err := s.authorize(ctx, r, rt.perm)
		if evidence.ErrorCode(err) == evidence.EForbidden {
			// Refused attempts on evidence are facts for the log too
			// (R-ACC-1): who tried what.
			if aerr := s.audit(ctx, audit.Entry{Actor: u.Name, Action: "access.denied", Object: object(r),
				Outcome: audit.OutcomeDenied, Details: map[string]string{"route": name, "path": printable(r.URL.Path)}}); aerr != nil {
				err = aerr
			}
		}
		if err == nil {
			if rt.perm != "" {
				ctx = auth.WithUser(ctx, u)
			}
			err = rt.handler(s, sw, r.WithContext(ctx))
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
		return u, evidence.Errorf(evidence.EForbidden, "role %s may not %s", u.Role, perm)
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
	if s.failPage(w, r, err, rid) {
		return // a workbench page: sign-in redirect or an error page (ui.go)
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

func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error { _, _, err := tx.LogState(r.Context()); return err })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Ingest == nil {
		return evidence.Errorf(evidence.ENotFound, "uploads are not enabled")
	}
	http.StripPrefix("/api/v1/uploads/", s.cfg.Ingest.Handler()).ServeHTTP(w, r)
	return nil
}

// audit appends one custody entry in its own transaction, for actions that
// change no other state (reads of evidence, logins).
func (s *Server) audit(ctx context.Context, e audit.Entry) error {
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details["request_id"] = requestID(ctx)
	return s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Audit(ctx, e)
		return err
	})
}

var errBadID = evidence.Errorf(evidence.EInvalid, "bad id")

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

//go:embed openapi.yaml
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(openAPIDoc)
	return err
}

// object names what a request concerns in custody entries.
func object(r *http.Request) string {
	if id := r.PathValue("id"); id != "" && strings.HasPrefix(r.URL.Path, "/api/v1/recordings/") {
		return "recording:" + printable(id)
	}
	return ""
}
