package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/station"
)

// listFlag is a flag given several times, or once with commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// byteFlag is a size such as 50M or 1GiB (0 allowed).
type byteFlag int64

func (b *byteFlag) String() string { return humanize.IBytes(uint64(*b)) }
func (b *byteFlag) Set(v string) error {
	n, err := humanize.ParseBytes(v)
	if err != nil {
		return err
	}
	*b = byteFlag(n) //nolint:gosec // sizes fit
	return nil
}

// station runs the collection-station daemon (issue 13), or with "status"
// shows a running one's status in the terminal.
func (e *cmdEnv) station(args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return e.stationStatus(args[1:])
	}
	fs := e.newFlags("station", "station --server URL --token TOKEN --state DIR [--mount DIR]... [--media-root DIR] [flags]")
	server := fs.String("server", "", "archive URL, e.g. http://archive:8080")
	token := fs.String("token", "", "the station's API token (shilu token create)")
	state := fs.String("state", "/var/lib/shilu-station", "the station's queue, buffer and resume state; must survive reboots")
	var mounts listFlag
	fs.Var(&mounts, "mount", "a directory watched as a device (a card reader's mount point); repeat or separate with commas")
	mediaRoot := fs.String("media-root", "", "where new devices are mounted (e.g. /media): every file system mounted one or two levels below")
	clear := fs.Bool("clear", false, "remove a file from its device once the archive has confirmed its SHA-256 (R-UPL-2)")
	clearImportant := fs.Bool("clear-important", false, "with --clear, also remove files the device marked important or locked (X-DEV-3)")
	parallel := fs.Int("parallel", 2, "files uploaded at once")
	bw := byteFlag(0)
	fs.Var(&bw, "bwlimit", "upload bandwidth for all files together, bytes per second (e.g. 40M); 0 is no limit")
	minFree := byteFlag(1 << 30)
	fs.Var(&minFree, "min-free", "free space the buffer's disk keeps: below it copying waits and the disk-low alarm is raised")
	status := fs.String("status", "127.0.0.1:8089", "address of the local status page (keep it on 127.0.0.1)")
	poll := fs.Duration("poll", 2*time.Second, "how often devices are looked for")
	heartbeat := fs.Duration("heartbeat", 30*time.Second, "how often the station reports to the archive")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if err := requireFlags(fs, "server", "token", "state"); err != nil {
		return err
	}
	if len(mounts) == 0 && *mediaRoot == "" {
		fs.Usage()
		return fmt.Errorf("give --mount or --media-root: %w", errUsage)
	}
	st, err := station.New(e.ctx, station.Config{Server: *server, Token: *token, StateDir: *state, Mounts: mounts, MediaRoot: *mediaRoot,
		Poll: *poll, Clear: *clear, ClearImportant: *clearImportant, Parallel: *parallel, BandwidthLimit: int64(bw), MinFree: int64(minFree),
		Heartbeat: *heartbeat, Logger: slog.New(slog.NewTextHandler(e.stderr, nil)), Version: "shilu"})
	if err != nil {
		return err
	}
	defer st.Close() //nolint:errcheck // the queue's commits are already durable
	ln, err := net.Listen("tcp", *status)
	if err != nil {
		return fmt.Errorf("station: status page: %w", err)
	}
	e.printf("shilu station status http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- st.Serve(e.ctx, ln) }()
	if err := st.Run(e.ctx); err != nil {
		return err
	}
	return <-errc
}

// stationStatus prints a running station's status (its /status.json).
func (e *cmdEnv) stationStatus(args []string) error {
	fs := e.newFlags("station status", "station status [--status ADDR]")
	addr := fs.String("status", "127.0.0.1:8089", "address of the station's status page")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(e.ctx, "GET", "http://"+*addr+"/status.json", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("station status: is the station running? %w", err)
	}
	defer resp.Body.Close()
	var st station.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return fmt.Errorf("station status: %w", err)
	}
	p := locale.New(e.lang())
	at := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(evidence.Zone).Format("2006-01-02 15:04:05")
	}
	if st.Server.OK {
		e.printf("%s: %s · %s\n", p.T("station.server"), st.Server.URL, p.T("station.server_ok", at(st.Server.Contact)))
	} else {
		e.printf("%s: %s · %s\n", p.T("station.server"), st.Server.URL, p.T("station.server_down", at(st.Server.Contact)))
	}
	e.printf("%s · %s", p.T("station.queue", st.Queue), p.T("station.free", humanize.IBytes(uint64(max(st.Free, 0)))))
	if st.Low {
		e.printf(" · %s", p.T("station.disk_low"))
	}
	e.printf("\n\n%s\n", p.T("station.docked"))
	for _, d := range st.Docked {
		e.printf("  %s\t%s %s\t%s\t%s %s\n", d.Key, d.Identity.Officer, d.Identity.Name, d.Identity.UnitName, p.T("station.docked_at"), at(d.DockedAt))
	}
	if len(st.Docked) == 0 {
		e.printf("  %s\n", p.T("station.none_docked"))
	}
	e.printf("\n%s\n", p.T("station.files_title"))
	for _, f := range st.Files {
		progress := ""
		if f.Total > 0 {
			progress = fmt.Sprintf(" %3d%%", f.Done*100/f.Total)
		}
		rec := ""
		if f.RecordingID > 0 {
			rec = fmt.Sprintf(" #%d", f.RecordingID)
		}
		e.printf("  %s/%s\t%s\t%s%s%s\n", f.DeviceKey, f.Rel, humanize.IBytes(uint64(max(f.Size, 0))), p.T("station.state."+string(f.State)), progress, rec)
	}
	e.printf("\n%s\n", p.T("station.errors"))
	for _, er := range st.Errors {
		e.printf("  %s %s\n", at(er.At), p.Msg(er.Message))
	}
	if len(st.Errors) == 0 {
		e.printf("  %s\n", p.T("station.no_errors"))
	}
	return nil
}

// lang is the language of the environment for terminal output (LC_ALL,
// LC_MESSAGES, LANG), Chinese by default.
func (e *cmdEnv) lang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := e.getenv(v); s != "" {
			if l, ok := locale.Match(s); ok {
				return l
			}
			break
		}
	}
	return locale.Default
}

// uploadDir walks a mounted card (shilu upload --dir) with the station's
// queue and its verify-then-clear (issue 13 point 5).
func (e *cmdEnv) uploadDir(server, token, state, dir string, clear, clearImportant bool, parallel int) error {
	st, err := station.New(e.ctx, station.Config{Server: server, Token: token, StateDir: filepath.Join(state, "station"), Mounts: []string{dir},
		Clear: clear, ClearImportant: clearImportant, Parallel: parallel, Heartbeat: -1, MinFree: -1,
		Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer st.Close() //nolint:errcheck // the queue's commits are already durable
	files, err := st.Drain(e.ctx, 5)
	if err != nil {
		return err
	}
	p := locale.New(e.lang())
	failed := 0
	for _, f := range files {
		switch f.State {
		case station.Cleared, station.Kept:
			e.printf("%s\trecording %d\t%s\n", f.Source, f.RecordingID, p.T("station.state."+string(f.State)))
		default:
			failed++
			e.eprintf("%s\tFAILED (%s)\n", f.Source, p.T("station.state."+string(f.State)))
		}
	}
	if failed > 0 {
		return exitError(1)
	}
	return nil
}
