package station

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// Status is what the station shows of itself: on its local page, in
// "shilu station status", and (without the file list) to the server.
type Status struct {
	At     time.Time     `json:"at"`
	Docked []Docked      `json:"docked"`
	Counts map[State]int `json:"counts"`
	Queue  int           `json:"queue"` // files not done yet
	Files  []FileStatus  `json:"files,omitempty"`
	Errors []ErrorEntry  `json:"errors"`
	Free   int64         `json:"free_bytes"`
	Low    bool          `json:"disk_low"`
	Server ServerStatus  `json:"server"`
	Config StatusConfig  `json:"config"`
}

// FileStatus is a queued file with its upload's progress.
type FileStatus struct {
	File
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
}

// ServerStatus is the last contact with the archive.
type ServerStatus struct {
	URL     string    `json:"url"`
	Contact time.Time `json:"last_contact,omitzero"`
	OK      bool      `json:"ok"`
}

// StatusConfig is what of the configuration the page shows.
type StatusConfig struct {
	Clear          bool  `json:"clear"`
	Parallel       int   `json:"parallel"`
	BandwidthLimit int64 `json:"bandwidth_limit"`
}

// Snapshot returns the station's status; files caps the file list.
func (s *Station) Snapshot(ctx context.Context, files int) (Status, error) {
	st := Status{At: s.cfg.Now().UTC(), Config: StatusConfig{Clear: s.cfg.Clear, Parallel: s.cfg.Parallel, BandwidthLimit: s.cfg.BandwidthLimit}}
	var err error
	if st.Counts, err = s.q.counts(ctx); err != nil {
		return st, err
	}
	for k, n := range st.Counts {
		if !k.done() {
			st.Queue += n
		}
	}
	if st.Errors, err = s.q.errors(ctx, 10); err != nil {
		return st, err
	}
	if files > 0 {
		list, err := s.q.recent(ctx, files)
		if err != nil {
			return st, err
		}
		s.mu.Lock()
		for _, f := range list {
			p := s.progress[f.ID]
			st.Files = append(st.Files, FileStatus{File: f, Done: p[0], Total: p[1]})
		}
		s.mu.Unlock()
	}
	st.Free, _ = freeBytes(filepath.Join(s.cfg.StateDir, "buffer"))
	s.mu.Lock()
	for _, d := range s.docked {
		st.Docked = append(st.Docked, *d)
	}
	st.Low = s.diskLow
	st.Server = ServerStatus{URL: s.cfg.Server, Contact: s.contact, OK: s.serverOK}
	s.mu.Unlock()
	sort.Slice(st.Docked, func(i, j int) bool { return st.Docked[i].Key < st.Docked[j].Key })
	return st, nil
}

// heartbeats reports to the server every cfg.Heartbeat until ctx ends.
func (s *Station) heartbeats(ctx context.Context) {
	for {
		if err := s.Heartbeat(ctx); err != nil && ctx.Err() == nil {
			s.mu.Lock()
			s.serverOK = false
			s.mu.Unlock()
			s.cfg.Logger.Warn("station heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.Heartbeat):
		}
	}
}

// Heartbeat sends one report.
func (s *Station) Heartbeat(ctx context.Context) error {
	st, err := s.Snapshot(ctx, 0)
	if err != nil {
		return err
	}
	p := locale.New("zh-CN")
	r := evidence.StationReport{Version: s.cfg.Version, Queue: st.Queue, Counts: map[string]int{}, Free: st.Free, Low: st.Low,
		Errors: []evidence.StationError{}, Docked: []evidence.DockedDevice{}}
	for k, n := range st.Counts {
		r.Counts[string(k)] = n
	}
	for _, e := range st.Errors {
		r.Errors = append(r.Errors, evidence.StationError{At: e.At, Text: p.Msg(e.Message)})
	}
	for _, d := range st.Docked {
		r.Docked = append(r.Docked, evidence.DockedDevice{Serial: d.Identity.Serial, Officer: d.Identity.Officer, Unit: d.Identity.Unit, DockedAt: d.DockedAt})
	}
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", s.cfg.Server+"/api/v1/stations/heartbeat", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("heartbeat: archive answered %s", resp.Status)
	}
	s.contacted()
	return nil
}

//go:embed templates/status.html
var statusFS embed.FS

var statusPage = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(evidence.Zone).Format("2006-01-02 15:04:05")
	},
	"mib": func(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) },
	"pct": func(done, total int64) int {
		if total <= 0 {
			return 0
		}
		return int(done * 100 / total)
	},
}).ParseFS(statusFS, "templates/status.html"))

// statusView is the page's data: the status and the words.
type statusView struct {
	Status
	p *locale.Printer
}

func (v statusView) T(key string, args ...any) string { return v.p.T(key, args...) }
func (v statusView) Msg(m evidence.Message) string    { return v.p.Msg(m) }

// Handler serves the local status page (/, in Chinese unless ?lang=en)
// and its data (/status.json), for the station's own screen: listen on
// 127.0.0.1 only.
func (s *Station) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status.json", func(w http.ResponseWriter, r *http.Request) {
		st, err := s.Snapshot(r.Context(), 200)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st) //nolint:errcheck // a client gone is not ours to report
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		st, err := s.Snapshot(r.Context(), 200)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = "zh-CN"
		}
		var buf bytes.Buffer
		if err := statusPage.Execute(&buf, statusView{Status: st, p: locale.New(lang)}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Write(buf.Bytes())
	})
	return mux
}

// Serve serves Handler on addr until ctx ends.
func (s *Station) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close() //nolint:errcheck // shutting down
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
