package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"shilu/internal/tusclient"
)

// upload sends files to a server over tus, resuming interrupted uploads
// (also across runs, through --state), declaring each file's SHA-256 so the
// server refuses bytes that changed on the way.
func (e *cmdEnv) upload(args []string) error {
	fs := e.newFlags("upload", "upload --server URL --token TOKEN [flags] FILE... | --dir DIR")
	server := fs.String("server", "", "server URL, e.g. http://archive:8080")
	token := fs.String("token", "", "API token (shilu token create)")
	device := fs.String("device", "", "device serial (ZFY_INFO product serial), if known")
	officer := fs.String("officer", "", "officer number, if known")
	deviceTime := fs.String("device-time", "", "the device's clock when docked, RFC 3339 (e.g. 2026-11-26T10:01:30+08:00): the server measures the\ndevice's clock offset from it (R-DEV-2) and corrects the recordings' times")
	stationTime := fs.String("station-time", "", "this station's clock at the moment --device-time was read, RFC 3339 (default: now)")
	stateDir := fs.String("state", defaultStateDir(), "where interrupted uploads are remembered for resuming")
	chunk := fs.Int64("chunk-size", 0, "bytes per PATCH request (0 = whole file)")
	quiet := fs.Bool("quiet", false, "no progress bars")
	dir := fs.String("dir", "", "walk this mounted card for recordings instead of naming files: the station's queue (in --state), verified\nagainst the archive before anything is cleared")
	clear := fs.Bool("clear", false, "with --dir: remove each file from the card once the archive has confirmed its SHA-256 (R-UPL-2)")
	clearImportant := fs.Bool("clear-important", false, "with --dir --clear: also remove files marked important or locked (X-DEV-3)")
	parallel := fs.Int("parallel", 2, "with --dir: files uploaded at once")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if err := requireFlags(fs, "server", "token"); err != nil {
		return err
	}
	if *dir != "" {
		if fs.NArg() > 0 || *deviceTime != "" {
			fs.Usage()
			return fmt.Errorf("--dir takes no files and no --device-time (the card's ZFY_INFO gives its clock): %w", errUsage)
		}
		return e.uploadDir(*server, *token, *stateDir, *dir, *clear, *clearImportant, *parallel)
	}
	if *clear {
		fs.Usage()
		return fmt.Errorf("--clear needs --dir: %w", errUsage)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("no files given: %w", errUsage)
	}
	// Read the clock first: without --station-time the device was read
	// "now", and every moment spent later would count as device drift.
	clock, err := dockingClock(*deviceTime, *stationTime, time.Now())
	if err != nil {
		fs.Usage()
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	base := strings.TrimSuffix(*server, "/")
	c := &tusclient.Client{Endpoint: base + "/api/v1/uploads/", Token: *token, ChunkSize: *chunk, StateDir: *stateDir}
	failed := 0
	for _, path := range fs.Args() {
		id, err := e.uploadOne(c, base, *token, path, *device, *officer, clock, *quiet)
		switch {
		case err == nil:
			e.printf("%s\trecording %d\n", path, id)
		case id > 0: // identical content already archived
			e.printf("%s\trecording %d (already archived)\n", path, id)
		default:
			failed++
			e.eprintf("%s\tFAILED: %v\n", path, err)
		}
		if e.ctx.Err() != nil {
			return e.ctx.Err()
		}
	}
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

func defaultStateDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "shilu", "uploads")
	}
	return ""
}

// dockingClock checks the device and station clock readings and returns
// them as Upload-Metadata (device_time, station_time), or nil when the
// device's clock was not read.
func dockingClock(deviceTime, stationTime string, now time.Time) (map[string]string, error) {
	if deviceTime == "" {
		if stationTime != "" {
			return nil, errors.New("--station-time needs --device-time")
		}
		return nil, nil
	}
	if _, err := time.Parse(time.RFC3339Nano, deviceTime); err != nil {
		return nil, fmt.Errorf("--device-time: want RFC 3339 such as 2026-11-26T10:01:30+08:00: %v", err)
	}
	if stationTime == "" {
		stationTime = now.Format(time.RFC3339Nano)
	} else if _, err := time.Parse(time.RFC3339Nano, stationTime); err != nil {
		return nil, fmt.Errorf("--station-time: want RFC 3339 such as 2026-11-26T10:01:30+08:00: %v", err)
	}
	return map[string]string{"device_time": deviceTime, "station_time": stationTime}, nil
}

func (e *cmdEnv) uploadOne(c *tusclient.Client, server, token, path, device, officer string, clock map[string]string, quiet bool) (int64, error) {
	bar := func(desc string) func(done, total int64) {
		if quiet {
			return nil
		}
		var b *progressbar.ProgressBar
		return func(done, total int64) {
			if b == nil {
				b = progressbar.NewOptions64(total, progressbar.OptionSetDescription(desc), progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionShowCount(), progressbar.OptionOnCompletion(func() { e.eprintf("\n") }), progressbar.OptionClearOnFinish())
			}
			e.keep(b.Set64(done))
		}
	}
	name := filepath.Base(path)
	sum, size, err := tusclient.HashFile(e.ctx, path, bar("hashing "+name))
	if err != nil {
		return 0, err
	}
	meta := map[string]string{}
	if device != "" {
		meta["device"] = device
	}
	if officer != "" {
		meta["officer"] = officer
	}
	if clock != nil {
		for k, v := range clock {
			meta[k] = v
		}
		// The station's clock at creation: the server compares it with
		// its own to take the station's error off the device's offset. An
		// upload resumed in a later run keeps what its creation sent.
		meta["sent_at"] = time.Now().Format(time.RFC3339Nano)
	}
	res, err := c.Upload(e.ctx, tusclient.Upload{Path: path, Size: size, SHA256: sum, Metadata: meta}, bar("uploading "+name))
	var se *tusclient.StatusError
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		var body struct {
			Error struct {
				Details struct {
					RecordingID int64 `json:"recording_id"`
				} `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(se.Body, &body) == nil && body.Error.Details.RecordingID > 0 {
			return body.Error.Details.RecordingID, err
		}
	}
	if err != nil {
		return 0, err
	}
	if res.RecordingID > 0 {
		return res.RecordingID, nil
	}
	// The upload completed but its answer was lost: the server archives it
	// (at once, or on restart), so look it up by content.
	return lookupByDigest(e, server, token, hex.EncodeToString(sum[:]))
}

func lookupByDigest(e *cmdEnv, server, token, hexSum string) (int64, error) {
	for attempt := 0; attempt < 240; attempt++ { // the server's sweeper finishes a stranded upload within ~3 min
		req, err := http.NewRequestWithContext(e.ctx, "GET", server+"/api/v1/recordings?sha256="+url.QueryEscape(hexSum), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var list struct {
				Recordings []struct {
					ID int64 `json:"id"`
				} `json:"recordings"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			if derr == nil && len(list.Recordings) > 0 {
				return list.Recordings[0].ID, nil
			}
		}
		select {
		case <-e.ctx.Done():
			return 0, e.ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return 0, fmt.Errorf("upload complete but no recording with sha256 %s appeared", hexSum)
}
