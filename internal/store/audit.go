package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

var (
	_ audit.Tx     = (*Tx)(nil)
	_ audit.Reader = (*Tx)(nil)
)

// LogState implements audit.Tx. The compact range is stored as its hashes
// concatenated (each is 32 bytes).
//
// In a write transaction it locks the state row until the transaction
// ends (the dialect's FOR UPDATE): every append reads the state first, so
// appends of concurrent transactions, in this process or another on the
// same database, queue here and each sees the one before it committed —
// no two entries get the same index, and the log never forks. (SQLite
// gets the same from its single writer.) PostgreSQL's baseline creates the
// row, so that the lock holds on an empty log too.
func (tx *Tx) LogState(ctx context.Context) (uint64, [][]byte, error) {
	var size int64
	var packed []byte
	q := `SELECT size, hashes FROM audit_state WHERE id = 1`
	if !tx.readOnly {
		q += tx.d.forUpdate
	}
	err := tx.get(ctx, []any{&size, &packed}, q)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: audit state: %w", err)
	}
	if len(packed)%32 != 0 {
		return 0, nil, fmt.Errorf("store: audit state: %d bytes of hashes", len(packed))
	}
	var hashes [][]byte
	for i := 0; i < len(packed); i += 32 {
		hashes = append(hashes, packed[i:i+32])
	}
	return uint64(size), hashes, nil
}

// StoreAppend implements audit.Tx.
func (tx *Tx) StoreAppend(ctx context.Context, index uint64, data, leafHash []byte, nodes []audit.Node, hashes [][]byte) error {
	// The action and time are columns too, for lookups (ActionStats, the
	// log's filters); the encoding stays what the hashes cover.
	e, err := audit.Decode(data)
	if err != nil {
		return fmt.Errorf("store: audit append %d: %w", index, err)
	}
	if err := tx.exec(ctx, `INSERT INTO audit_entries (idx, data, leaf_hash, action, at) VALUES (?, ?, ?, ?, ?)`,
		int64(index), data, leafHash, string(e.Action), micros(e.Time)); err != nil {
		return fmt.Errorf("store: audit append %d: %w", index, err)
	}
	for _, n := range nodes {
		if err := tx.exec(ctx, `INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)`, int64(n.ID.Level), int64(n.ID.Index), n.Hash); err != nil {
			return fmt.Errorf("store: audit node %v: %w", n.ID, err)
		}
	}
	packed := bytes.Join(hashes, nil)
	if err := tx.exec(ctx, `INSERT INTO audit_state (id, size, hashes) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes`, int64(index+1), packed); err != nil {
		return fmt.Errorf("store: audit state: %w", err)
	}
	return nil
}

// StoreCheckpoint implements audit.Tx.
func (tx *Tx) StoreCheckpoint(ctx context.Context, cp audit.Checkpoint) error {
	if err := tx.exec(ctx, `INSERT INTO audit_checkpoints (size, root, note) VALUES (?, ?, ?)`, int64(cp.Size), cp.Root, cp.Note); err != nil {
		return fmt.Errorf("store: audit checkpoint %d: %w", cp.Size, err)
	}
	return nil
}

// LatestCheckpoint implements audit.Tx: the signed checkpoint of the largest
// size. With checkpoints signed per batch it is usually smaller than the
// log (LogState): the newest entries wait for the next signature.
func (tx *Tx) LatestCheckpoint(ctx context.Context) (audit.Checkpoint, bool, error) {
	var cp audit.Checkpoint
	var size int64
	err := tx.get(ctx, []any{&size, &cp.Root, &cp.Note}, `SELECT size, root, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Checkpoint{}, false, nil
	}
	if err != nil {
		return audit.Checkpoint{}, false, fmt.Errorf("store: latest audit checkpoint: %w", err)
	}
	cp.Size = uint64(size)
	return cp, true, nil
}

// SignHead signs a checkpoint of the log's current size in this
// transaction unless one exists, and returns the newest checkpoint: what an
// export carries, so that it covers every entry it shows (issue 9 point 7).
// On an empty log it returns the zero Checkpoint.
func (tx *Tx) SignHead(ctx context.Context) (audit.Checkpoint, error) {
	if tx.log == nil {
		return audit.Checkpoint{}, errors.New("store: sign: no log configured")
	}
	cp, signed, err := tx.log.SignHead(ctx, tx)
	if err != nil {
		return cp, err
	}
	if signed {
		tx.signed = &cp
	}
	return cp, nil
}

// signDue runs at the end of every write transaction: one that appended
// signs the head if the log's rule says so (audit.CheckpointEvery), once
// for all its entries.
func (tx *Tx) signDue(ctx context.Context) error {
	if !tx.appended || tx.log == nil {
		return nil
	}
	cp, signed, err := tx.log.SignDue(ctx, tx, tx.now)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if signed {
		tx.signed = &cp
	}
	return nil
}

// SignHead signs the head of the log in a transaction of its own if it is
// unsigned, as the server does when it starts and stops, and returns the
// newest checkpoint (zero for an empty log).
func (db *DB) SignHead(ctx context.Context) (audit.Checkpoint, error) {
	var cp audit.Checkpoint
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		cp, err = tx.SignHead(ctx)
		return err
	})
	return cp, err
}

// SignDue signs the head in a transaction of its own if the log's rule
// says it is time, and returns the newest checkpoint (zero for an unsigned
// log): the server calls it every few seconds, so that an idle log's newest
// entries wait at most about audit.CheckpointAfter, and hands what it
// returns to its witnesses, which so also see checkpoints that another
// process (a command) signed.
func (db *DB) SignDue(ctx context.Context) (audit.Checkpoint, error) {
	if db.log == nil {
		return audit.Checkpoint{}, errors.New("store: sign: no log configured")
	}
	var cp audit.Checkpoint
	err := db.Update(ctx, func(tx *Tx) error {
		var signed bool
		var err error
		cp, signed, err = db.log.SignDue(ctx, tx, tx.now)
		if signed {
			tx.signed = &cp
		}
		return err
	})
	return cp, err
}

// OnCheckpoint has fn called with every checkpoint signed from now on,
// after the transaction that signed it commits, on that transaction's
// goroutine: fn must not block (the witnesses queue what they send). One
// fn at a time; nil stops the calls.
func (db *DB) OnCheckpoint(fn func(audit.Checkpoint)) {
	if fn == nil {
		db.signed.Store(nil)
		return
	}
	db.signed.Store(&fn)
}

// Appended reports whether a transaction through db has added to the
// custody log since it was opened: a command that did signs the head
// before it exits, so that the log at rest is signed to its end.
func (db *DB) Appended() bool { return db.appended.Load() }

func (db *DB) published(cp *audit.Checkpoint) {
	if cp == nil {
		return
	}
	if fn := db.signed.Load(); fn != nil {
		(*fn)(*cp)
	}
}

// Entries implements audit.Reader. It reads a batch of entries at a time
// (keyset paging on idx) and calls fn after the batch's rows are closed:
// fn may query the same transaction (audit.Verify asks for node hashes),
// and a PostgreSQL connection runs one query at a time. The slices fn gets
// point into the batch's buffer, valid only during the call, as
// audit.Reader allows: one buffer per batch rather than a copy per row,
// which was a third of reading a million entries.
func (tx *Tx) Entries(ctx context.Context, start uint64, fn func(index uint64, data, leafHash []byte) error) error {
	const batch = 1024
	type entry struct {
		idx            uint64
		data, leafHash []byte
	}
	next := int64(start)
	var buf []byte
	list := make([]entry, 0, batch)
	for {
		rows, err := tx.query(ctx, `SELECT idx, data, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?`, next, batch)
		if err != nil {
			return fmt.Errorf("store: audit entries: %w", err)
		}
		buf, list = buf[:0], list[:0]
		var spans [][2]int // data and leaf hash ends in buf, per entry
		for rows.Next() {
			var idx int64
			var data, leaf sql.RawBytes
			if err := rows.Scan(&idx, &data, &leaf); err != nil {
				rows.Close()
				return fmt.Errorf("store: audit entries: %w", err)
			}
			buf = append(buf, data...)
			d := len(buf)
			buf = append(buf, leaf...)
			spans = append(spans, [2]int{d, len(buf)})
			list = append(list, entry{idx: uint64(idx)})
			next = idx + 1
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: audit entries: %w", err)
		}
		rows.Close()
		// Sliced after the batch: buf may have moved while it grew.
		from := 0
		for i := range list {
			list[i].data = buf[from:spans[i][0]:spans[i][0]]
			list[i].leafHash = buf[spans[i][0]:spans[i][1]:spans[i][1]]
			from = spans[i][1]
		}
		for _, e := range list {
			if err := fn(e.idx, e.data, e.leafHash); err != nil {
				return err
			}
		}
		if len(list) < batch {
			return nil
		}
	}
}

// NodeHashes implements audit.Reader. audit.Verify asks for a thousand
// nodes at a time, consecutive at each level though interleaved across
// levels, and a query per node was a fifth of its time; so the ids are
// grouped by level into runs of consecutive indexes, and each run of more
// than one node is one range query.
func (tx *Tx) NodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	order := make([]int, len(ids)) // positions in ids, by level and index
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(ids[a].Level, ids[b].Level), cmp.Compare(ids[a].Index, ids[b].Index))
	})
	for i := 0; i < len(order); {
		first := ids[order[i]]
		j := i + 1
		for j < len(order) && ids[order[j]].Level == first.Level && ids[order[j]].Index-ids[order[j-1]].Index <= 1 {
			j++
		}
		run := order[i:j]
		i = j
		if last := ids[run[len(run)-1]]; last.Index == first.Index {
			var h []byte
			var err error
			if first.Level == 0 {
				err = tx.get(ctx, []any{&h}, `SELECT leaf_hash FROM audit_entries WHERE idx = ?`, int64(first.Index))
			} else {
				err = tx.get(ctx, []any{&h}, `SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?`, int64(first.Level), int64(first.Index))
			}
			if err != nil {
				return nil, fmt.Errorf("store: audit node %d/%d: %w", first.Level, first.Index, err)
			}
			for _, k := range run {
				out[k] = h
			}
			continue
		}
		if err := tx.nodeRun(ctx, ids, run, out); err != nil {
			return nil, err
		}
	}
	// A node the ranges did not have is reported as the query for it
	// alone would, the first in the order asked.
	for i, h := range out {
		if h == nil {
			return nil, fmt.Errorf("store: audit node %d/%d: %w", ids[i].Level, ids[i].Index, sql.ErrNoRows)
		}
	}
	return out, nil
}

// nodeRun fills out at the positions in run, ids of one level sorted by
// index without gaps, from one range query.
func (tx *Tx) nodeRun(ctx context.Context, ids []compact.NodeID, run []int, out [][]byte) error {
	first, last := ids[run[0]], ids[run[len(run)-1]]
	q, args := `SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx BETWEEN ? AND ? ORDER BY idx`, []any{int64(first.Level), int64(first.Index), int64(last.Index)}
	if first.Level == 0 { // leaves are the entries' leaf hashes (audit.Reader)
		q, args = `SELECT idx, leaf_hash FROM audit_entries WHERE idx BETWEEN ? AND ? ORDER BY idx`, args[1:]
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: audit nodes %d/%d-%d: %w", first.Level, first.Index, last.Index, err)
	}
	defer rows.Close()
	// The hashes are copied from the driver's bytes into one buffer: a
	// slice each was a tenth of reading them.
	buf := make([]byte, 0, 32*len(run))
	k := 0
	for rows.Next() {
		var idx int64
		var raw sql.RawBytes
		if err := rows.Scan(&idx, &raw); err != nil {
			return fmt.Errorf("store: audit nodes %d/%d-%d: %w", first.Level, first.Index, last.Index, err)
		}
		if len(buf)+len(raw) > cap(buf) {
			buf = make([]byte, 0, max(32*len(run), len(raw)))
		}
		buf = append(buf, raw...)
		h := buf[len(buf)-len(raw) : len(buf) : len(buf)]
		for k < len(run) && ids[run[k]].Index < uint64(idx) {
			k++ // missing: left nil
		}
		for ; k < len(run) && ids[run[k]].Index == uint64(idx); k++ {
			out[run[k]] = h
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: audit nodes %d/%d-%d: %w", first.Level, first.Index, last.Index, err)
	}
	return nil
}

// Checkpoints implements audit.Reader. They are read first and handed to
// fn after the rows are closed, as in Entries: fn may query the same
// transaction. There are few (one per signed batch).
func (tx *Tx) Checkpoints(ctx context.Context, fn func(audit.Checkpoint) error) error {
	rows, err := tx.query(ctx, `SELECT size, root, note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return fmt.Errorf("store: audit checkpoints: %w", err)
	}
	defer rows.Close()
	var list []audit.Checkpoint
	for rows.Next() {
		var cp audit.Checkpoint
		var size int64
		if err := rows.Scan(&size, &cp.Root, &cp.Note); err != nil {
			return fmt.Errorf("store: audit checkpoints: %w", err)
		}
		cp.Size = uint64(size)
		list = append(list, cp)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: audit checkpoints: %w", err)
	}
	rows.Close()
	for _, cp := range list {
		if err := fn(cp); err != nil {
			return err
		}
	}
	return nil
}

// Checkpoint returns the checkpoint of the given size; ENotFound if none is
// stored (the log signs per batch, so most sizes have none).
func (tx *Tx) Checkpoint(ctx context.Context, size uint64) (audit.Checkpoint, error) {
	cp := audit.Checkpoint{Size: size}
	err := tx.get(ctx, []any{&cp.Root, &cp.Note}, `SELECT root, note FROM audit_checkpoints WHERE size = ?`, int64(size))
	if errors.Is(err, sql.ErrNoRows) {
		return cp, evidence.Errorf(evidence.ENotFound, "err.audit.no_checkpoint", size)
	}
	if err != nil {
		return cp, fmt.Errorf("store: audit checkpoint %d: %w", size, err)
	}
	return cp, nil
}

// AuditEntry returns the stored encoding of entry idx.
func (tx *Tx) AuditEntry(ctx context.Context, idx uint64) ([]byte, error) {
	var data []byte
	err := tx.get(ctx, []any{&data}, `SELECT data FROM audit_entries WHERE idx = ?`, int64(idx))
	if err != nil {
		return nil, fmt.Errorf("store: audit entry %d: %w", idx, err)
	}
	return data, nil
}

// IndexAuditObject records that entry idx concerns object (e.g.
// "recording:42"), so a recording's custody trail is one indexed query.
func (tx *Tx) IndexAuditObject(ctx context.Context, object string, idx uint64) error {
	if err := tx.exec(ctx, `INSERT INTO audit_objects (object, idx) VALUES (?, ?)`, object, int64(idx)); err != nil {
		return fmt.Errorf("store: audit object %s: %w", object, err)
	}
	return nil
}

// AuditTrail returns the encodings of the entries about object, oldest first.
func (tx *Tx) AuditTrail(ctx context.Context, object string, limit int) ([][]byte, error) {
	rows, err := tx.query(ctx, `SELECT e.data FROM audit_objects o JOIN audit_entries e ON e.idx = o.idx
		WHERE o.object = ? ORDER BY o.idx LIMIT ?`, object, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit trail %s: %w", object, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("store: audit trail %s: %w", object, err)
		}
		out = append(out, data)
	}
	return out, rows.Err()
}

// Audit appends e to the custody log inside this transaction, stamped with
// the transaction's time, so the entry commits with the change it records
// or not at all. The entry's object is indexed for its custody trail.
func (tx *Tx) Audit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if tx.log == nil {
		return e, fmt.Errorf("store: audit: no log configured")
	}
	e.Time = tx.now
	e, err := tx.log.Append(ctx, tx, e)
	if err != nil {
		return e, fmt.Errorf("store: audit %s: %w", e.Action, err)
	}
	tx.appended = true
	if e.Object != "" {
		if err := tx.IndexAuditObject(ctx, e.Object, e.Index); err != nil {
			return e, err
		}
	}
	return e, nil
}

// fillEntryColumns gives the custody entries stored before migration 0025
// their action and time columns, from their encoding: once, at open, a
// thousand entries per transaction so that a large log does not hold the
// writer for long. Later opens find none and do nothing.
func (db *DB) fillEntryColumns(ctx context.Context) error {
	for {
		var n int
		err := db.Update(ctx, func(tx *Tx) error {
			rows, err := tx.query(ctx, `SELECT idx, data FROM audit_entries WHERE action IS NULL ORDER BY idx LIMIT 1000`)
			if err != nil {
				return err
			}
			type fill struct {
				idx    int64
				action string
				at     int64
			}
			var list []fill
			for rows.Next() {
				var idx int64
				var data []byte
				if err := rows.Scan(&idx, &data); err != nil {
					rows.Close()
					return err
				}
				e, err := audit.Decode(data)
				if err != nil {
					rows.Close()
					return fmt.Errorf("entry %d: %w", idx, err)
				}
				list = append(list, fill{idx, string(e.Action), micros(e.Time)})
			}
			if err := rows.Err(); err != nil {
				return err
			}
			rows.Close()
			for _, f := range list {
				if err := tx.exec(ctx, `UPDATE audit_entries SET action = ?, at = ? WHERE idx = ?`, f.action, f.at, f.idx); err != nil {
					return err
				}
			}
			n = len(list)
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: fill custody entry columns: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}
