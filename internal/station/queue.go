package station

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the queue's database driver

	"shilu/internal/evidence"
)

// State is where a file stands in the station's queue. A file moves
// forward only: found → buffered → uploaded → confirmed → cleared (or kept,
// when the station does not clear, or the device marked it important or
// locked). Each step is committed to the queue's database before the next
// begins, so a station killed at any point resumes from the last committed
// step; every step is idempotent.
type State string

// The states of a queued file.
const (
	Found     State = "found"     // seen on the device, not yet copied
	Buffered  State = "buffered"  // copied 1:1 into the buffer, its SHA-256 known
	Uploaded  State = "uploaded"  // the archive answered with a recording
	Confirmed State = "confirmed" // the archive holds a recording with this SHA-256; buffer wiped
	Cleared   State = "cleared"   // removed from the device (R-UPL-2)
	Kept      State = "kept"      // confirmed and left on the device (not clearing, or important/locked)
)

// done reports whether nothing is left to do with a file in state s.
func (s State) done() bool { return s == Cleared || s == Kept }

// File is one recording in the queue.
type File struct {
	ID int64 `json:"id"`
	// DeviceKey names the device it came from: the ZFY_INFO serial, or
	// the mount's name when the device gave none. With Rel, Size and
	// ModTime it identifies the file across dockings.
	DeviceKey string    `json:"device_key"`
	Rel       string    `json:"rel"`
	Source    string    `json:"source"` // absolute path at the last docking
	Size      int64     `json:"size"`
	ModTime   time.Time `json:"mod_time"`
	Device    string    `json:"device,omitempty"` // ZFY_INFO serial, if known
	Officer   string    `json:"officer,omitempty"`
	// Important is the device's important mark (X-DEV-3); Locked, that the
	// file was read-only on the device. Both are declared as important.
	Important bool   `json:"important,omitempty"`
	Locked    bool   `json:"locked,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Buffer    string `json:"buffer,omitempty"`
	// DeviceTime and StationTime are the device's and the station's clocks
	// read together at docking (R-DEV-2), RFC 3339; "" when not read.
	DeviceTime  string    `json:"device_time,omitempty"`
	StationTime string    `json:"station_time,omitempty"`
	State       State     `json:"state"`
	RecordingID int64     `json:"recording_id,omitempty"`
	Attempts    int       `json:"attempts"`
	Error       string    `json:"error,omitempty"`
	FoundAt     time.Time `json:"found_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// queue is the station's persistent state: a small SQLite database in the
// state directory (synchronous=FULL: a committed step survives power loss).
type queue struct {
	db  *sql.DB
	now func() time.Time
}

const queueSchema = `
CREATE TABLE IF NOT EXISTS files (
    id           INTEGER PRIMARY KEY,
    device_key   TEXT    NOT NULL,
    rel          TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    mtime        INTEGER NOT NULL,
    device       TEXT    NOT NULL DEFAULT '',
    officer      TEXT    NOT NULL DEFAULT '',
    important    INTEGER NOT NULL DEFAULT 0,
    locked       INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT    NOT NULL DEFAULT '',
    buffer       TEXT    NOT NULL DEFAULT '',
    device_time  TEXT    NOT NULL DEFAULT '',
    station_time TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL,
    recording_id INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    found_at     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (device_key, rel, size, mtime)
);
CREATE INDEX IF NOT EXISTS files_state ON files(state, id);
CREATE TABLE IF NOT EXISTS errors (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    message TEXT    NOT NULL
);`

func openQueue(ctx context.Context, dir string, now func() time.Time) (*queue, error) {
	dsn := "file:" + filepath.Join(dir, "station.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("station: queue: %w", err)
	}
	// One connection: the queue is small and its writers few; SQLite
	// serializes them anyway.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, queueSchema); err != nil {
		db.Close() //nolint:errcheck // the open failed; its error is the one to report
		return nil, fmt.Errorf("station: queue: %w", err)
	}
	return &queue{db: db, now: now}, nil
}

func (q *queue) close() error { return q.db.Close() }

const fileCols = `id, device_key, rel, source, size, mtime, device, officer, important, locked, sha256, buffer, device_time, station_time,
	state, recording_id, attempts, error, found_at, updated_at`

func scanFile(scan func(...any) error) (File, error) {
	var f File
	var mtime, found, updated int64
	var state string
	err := scan(&f.ID, &f.DeviceKey, &f.Rel, &f.Source, &f.Size, &mtime, &f.Device, &f.Officer, &f.Important, &f.Locked, &f.SHA256,
		&f.Buffer, &f.DeviceTime, &f.StationTime, &state, &f.RecordingID, &f.Attempts, &f.Error, &found, &updated)
	f.ModTime, f.FoundAt, f.UpdatedAt, f.State = time.UnixMicro(mtime).UTC(), time.UnixMicro(found).UTC(), time.UnixMicro(updated).UTC(), State(state)
	return f, err
}

// add enters f as found unless the queue holds it already (same device,
// path, size and time), in which case its source path is brought up to
// date (the mount point may differ between dockings). It returns the
// queued file either way.
func (q *queue) add(ctx context.Context, f File) (File, error) {
	now := q.now().UnixMicro()
	_, err := q.db.ExecContext(ctx, `INSERT INTO files (device_key, rel, source, size, mtime, device, officer, important, locked,
		device_time, station_time, state, found_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_key, rel, size, mtime) DO UPDATE SET source = excluded.source`,
		f.DeviceKey, f.Rel, f.Source, f.Size, f.ModTime.UnixMicro(), f.Device, f.Officer, f.Important, f.Locked, f.DeviceTime, f.StationTime,
		string(Found), now, now)
	if err != nil {
		return f, fmt.Errorf("station: queue %s: %w", f.Source, err)
	}
	row := q.db.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE device_key = ? AND rel = ? AND size = ? AND mtime = ?`,
		f.DeviceKey, f.Rel, f.Size, f.ModTime.UnixMicro())
	return scanFile(row.Scan)
}

func (q *queue) get(ctx context.Context, id int64) (File, error) {
	f, err := scanFile(q.db.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE id = ?`, id).Scan)
	if err != nil {
		return f, fmt.Errorf("station: queue file %d: %w", id, err)
	}
	return f, nil
}

// inState returns up to limit files in state s, oldest first, whose ids
// are not in skip.
func (q *queue) inState(ctx context.Context, s State, limit int) ([]File, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+fileCols+` FROM files WHERE state = ? ORDER BY id LIMIT ?`, string(s), limit)
	if err != nil {
		return nil, fmt.Errorf("station: queue: %w", err)
	}
	defer rows.Close()
	var list []File
	for rows.Next() {
		f, err := scanFile(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("station: queue: %w", err)
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// all returns every file not yet done, and the newest done ones, up to
// limit, for the status page.
func (q *queue) recent(ctx context.Context, limit int) ([]File, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+fileCols+` FROM files ORDER BY (state IN ('cleared', 'kept')), updated_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("station: queue: %w", err)
	}
	defer rows.Close()
	var list []File
	for rows.Next() {
		f, err := scanFile(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("station: queue: %w", err)
		}
		list = append(list, f)
	}
	return list, rows.Err()
}

// counts returns how many files are in each state.
func (q *queue) counts(ctx context.Context) (map[State]int, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM files GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("station: queue: %w", err)
	}
	defer rows.Close()
	out := map[State]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[State(s)] = n
	}
	return out, rows.Err()
}

// step moves file id from state from to state to, setting the given
// columns; it fails when the file is no longer in from (another worker
// took it), so that no step is done twice.
func (q *queue) step(ctx context.Context, id int64, from, to State, set map[string]any) error {
	cols, args := "state = ?, updated_at = ?, error = ''", []any{string(to), q.now().UnixMicro()}
	for _, k := range []string{"sha256", "buffer", "recording_id", "source", "attempts"} {
		if v, ok := set[k]; ok {
			cols += ", " + k + " = ?"
			args = append(args, v)
		}
	}
	res, err := q.db.ExecContext(ctx, `UPDATE files SET `+cols+` WHERE id = ? AND state = ?`, append(args, id, string(from))...)
	if err != nil {
		return fmt.Errorf("station: queue file %d → %s: %w", id, to, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("station: queue file %d is no longer %s", id, from)
	}
	return nil
}

// failed records a failed attempt on file id, keeping its state.
func (q *queue) failed(ctx context.Context, id int64, m evidence.Message) error {
	text, _ := json.Marshal(m)
	_, err := q.db.ExecContext(ctx, `UPDATE files SET attempts = attempts + 1, error = ?, updated_at = ? WHERE id = ?`, string(text), q.now().UnixMicro(), id)
	if err != nil {
		return err
	}
	return q.logError(ctx, m)
}

// maxErrors is how many of the latest errors the queue keeps.
const maxErrors = 50

// logError keeps m among the latest errors.
func (q *queue) logError(ctx context.Context, m evidence.Message) error {
	text, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, `INSERT INTO errors (at, message) VALUES (?, ?)`, q.now().UnixMicro(), string(text)); err != nil {
		return err
	}
	_, err = q.db.ExecContext(ctx, `DELETE FROM errors WHERE id <= (SELECT MAX(id) FROM errors) - ?`, maxErrors)
	return err
}

// ErrorEntry is one of the latest errors.
type ErrorEntry struct {
	At      time.Time        `json:"at"`
	Message evidence.Message `json:"message"`
}

func (q *queue) errors(ctx context.Context, limit int) ([]ErrorEntry, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT at, message FROM errors ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ErrorEntry
	for rows.Next() {
		var at int64
		var text string
		if err := rows.Scan(&at, &text); err != nil {
			return nil, err
		}
		e := ErrorEntry{At: time.UnixMicro(at).UTC()}
		if json.Unmarshal([]byte(text), &e.Message) != nil {
			continue
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
