package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// CreateExtraction stores a pending extraction request; its case and
// recordings must exist.
func (tx *Tx) CreateExtraction(ctx context.Context, x evidence.Extraction) (evidence.Extraction, error) {
	x.Status, x.CreatedAt = evidence.ExtractionPending, tx.now
	err := tx.get(ctx, []any{&x.ID}, `INSERT INTO extractions (case_id, requester_id, purpose, recipient, proves, place, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.CaseID, x.RequesterID, string(x.Purpose), x.Recipient, x.Proves, x.Place, string(x.Status), micros(tx.now))
	if err != nil {
		return x, fmt.Errorf("store: create extraction: %w", err)
	}
	for i, it := range x.Items {
		if _, err := tx.Recording(ctx, it.RecordingID); err != nil {
			return x, err
		}
		var start, end any
		if it.HasSpan() {
			start, end = it.Start.Milliseconds(), it.End.Milliseconds()
		}
		if err := tx.exec(ctx, `INSERT INTO extraction_items (extraction_id, position, recording_id, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)`,
			x.ID, i, it.RecordingID, start, end); err != nil {
			return x, fmt.Errorf("store: create extraction: %w", err)
		}
	}
	return tx.Extraction(ctx, x.ID)
}

const extractionCols = `x.id, x.case_id, c.number, x.requester_id, u.name, x.purpose, x.recipient, x.proves, x.place, x.status, x.created_at,
	COALESCE(d.name, ''), x.decided_at, x.comment, x.packaged_at, x.manifest_sha256, x.iso_sha256, x.iso_size, x.failure, x.receipt`

const extractionFrom = ` FROM extractions x JOIN cases c ON c.id = x.case_id JOIN users u ON u.id = x.requester_id
	LEFT JOIN users d ON d.id = x.decided_by`

func (tx *Tx) scanExtractions(ctx context.Context, where string, args ...any) ([]evidence.Extraction, error) {
	rows, err := tx.query(ctx, `SELECT `+extractionCols+extractionFrom+` WHERE `+where+` ORDER BY x.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: extractions: %w", err)
	}
	list := []evidence.Extraction{}
	for rows.Next() {
		var x evidence.Extraction
		var purpose, status string
		var created int64
		var decided, packaged sql.NullInt64
		if err := rows.Scan(&x.ID, &x.CaseID, &x.CaseNumber, &x.RequesterID, &x.Requester, &purpose, &x.Recipient, &x.Proves, &x.Place,
			&status, &created, &x.DecidedBy, &decided, &x.Comment, &packaged, &x.ManifestSHA256, &x.ISOSHA256, &x.ISOSize,
			&x.Failure, &x.Receipt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: extractions: %w", err)
		}
		x.Purpose, x.Status, x.CreatedAt = evidence.ExtractionPurpose(purpose), evidence.ExtractionStatus(status), fromMicros(created)
		if decided.Valid {
			t := fromMicros(decided.Int64)
			x.DecidedAt = &t
		}
		if packaged.Valid {
			t := fromMicros(packaged.Int64)
			x.PackagedAt = &t
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: extractions: %w", err)
	}
	for i := range list {
		if list[i].Items, err = tx.extractionItems(ctx, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (tx *Tx) extractionItems(ctx context.Context, id int64) ([]evidence.ExtractionItem, error) {
	rows, err := tx.query(ctx, `SELECT recording_id, start_ms, end_ms FROM extraction_items WHERE extraction_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("store: extraction %d items: %w", id, err)
	}
	defer rows.Close()
	items := []evidence.ExtractionItem{}
	for rows.Next() {
		var it evidence.ExtractionItem
		var start, end sql.NullInt64
		if err := rows.Scan(&it.RecordingID, &start, &end); err != nil {
			return nil, fmt.Errorf("store: extraction %d items: %w", id, err)
		}
		if start.Valid && end.Valid {
			s, e := time.Duration(start.Int64)*time.Millisecond, time.Duration(end.Int64)*time.Millisecond
			it.Start, it.End = &s, &e
		}
		it.Normalize()
		items = append(items, it)
	}
	return items, rows.Err()
}

// Extraction returns one extraction.
func (tx *Tx) Extraction(ctx context.Context, id int64) (evidence.Extraction, error) {
	list, err := tx.scanExtractions(ctx, `x.id = ?`, id)
	if err != nil {
		return evidence.Extraction{}, err
	}
	if len(list) == 0 {
		return evidence.Extraction{}, evidence.Errorf(evidence.ENotFound, "err.extract.not_found", id)
	}
	return list[0], nil
}

// ExtractionFilter selects extractions; zero fields do not filter.
type ExtractionFilter struct {
	Scope       Scope // whose requests: one account, or those a leader leads
	Status      evidence.ExtractionStatus
	CaseID      int64
	RecordingID int64
}

// Extractions lists extractions, newest first (at most 500).
func (tx *Tx) Extractions(ctx context.Context, f ExtractionFilter) ([]evidence.Extraction, error) {
	w, args := f.Scope.where("x.requester_id")
	where := []string{w}
	if f.Status != "" {
		where, args = append(where, "x.status = ?"), append(args, string(f.Status))
	}
	if f.CaseID != 0 {
		where, args = append(where, "x.case_id = ?"), append(args, f.CaseID)
	}
	if f.RecordingID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM extraction_items i WHERE i.extraction_id = x.id AND i.recording_id = ?)")
		args = append(args, f.RecordingID)
	}
	return tx.scanExtractions(ctx, strings.Join(where, " AND "), args...)
}

// DecideExtraction stores a decision made by evidence.Extraction.Decide,
// if the extraction is still pending.
func (tx *Tx) DecideExtraction(ctx context.Context, x evidence.Extraction, deciderID int64) (evidence.Extraction, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE extractions SET status = ?, decided_by = ?, decided_at = ?, comment = ?
		WHERE id = ? AND status = ?`), string(x.Status), deciderID, micros(tx.now), x.Comment, x.ID, string(evidence.ExtractionPending))
	if err != nil {
		return x, fmt.Errorf("store: decide extraction %d: %w", x.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return x, evidence.Errorf(evidence.EConflict, "err.extract.decided_meanwhile", x.ID)
	}
	return tx.Extraction(ctx, x.ID)
}

// PackageMade records that extraction id's package was made, from the
// approved state: its MANIFEST's and image's digests and the image's size.
func (tx *Tx) PackageMade(ctx context.Context, id int64, manifest, iso string, size int64) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE extractions SET status = ?, packaged_at = ?, manifest_sha256 = ?, iso_sha256 = ?,
		iso_size = ?, failure = '' WHERE id = ? AND status = ?`), string(evidence.ExtractionPackaged), micros(tx.now), manifest, iso, size,
		id, string(evidence.ExtractionApproved))
	if err != nil {
		return fmt.Errorf("store: package of extraction %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return evidence.Errorf(evidence.EConflict, "err.extract.not_approved", id)
	}
	return nil
}

// PackageFailed records why extraction id's package could not be made
// (failure is a catalogue key).
func (tx *Tx) PackageFailed(ctx context.Context, id int64, failure string) error {
	if err := tx.exec(ctx, `UPDATE extractions SET status = ?, failure = ? WHERE id = ? AND status = ?`,
		string(evidence.ExtractionFailed), failure, id, string(evidence.ExtractionApproved)); err != nil {
		return fmt.Errorf("store: package of extraction %d failed: %w", id, err)
	}
	return nil
}

// SetReceipt records the recipient's acknowledgement of a packaged
// extraction.
func (tx *Tx) SetReceipt(ctx context.Context, id int64, receipt string) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE extractions SET receipt = ? WHERE id = ? AND status = ?`),
		receipt, id, string(evidence.ExtractionPackaged))
	if err != nil {
		return fmt.Errorf("store: receipt of extraction %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return evidence.Errorf(evidence.EConflict, "err.extract.not_packaged", id)
	}
	return nil
}

// PendingExtractions counts the pending extractions leaderID decides, as
// PendingDecisions does for viewing.
func (tx *Tx) PendingExtractions(ctx context.Context, leaderID int64) (int, error) {
	var n int
	err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM extractions x
		WHERE x.status = ? AND x.requester_id <> ? AND x.requester_id IN `+ledAccounts,
		string(evidence.ExtractionPending), leaderID, leaderID)
	if err != nil {
		return 0, fmt.Errorf("store: pending extractions of %d: %w", leaderID, err)
	}
	return n, nil
}

// SyncRuleFindings records the findings of a sweep that judges everything
// its rules cover at once (the extractions never produced, the packages
// without approval): fs are upserted by key, and the unresolved findings of
// those rules not in fs are resolved.
func (tx *Tx) SyncRuleFindings(ctx context.Context, rules []string, fs []evidence.Finding) error {
	keys, err := tx.upsertFindings(ctx, fs)
	if err != nil {
		return err
	}
	if err := tx.resolveFindings(ctx, `rule IN (`+placeholders(len(rules))+`)`, ruleArgs(rules), keys); err != nil {
		return fmt.Errorf("store: resolve findings of %v: %w", rules, err)
	}
	return nil
}

// ApprovedBefore lists the extractions approved before t and still not
// packaged.
func (tx *Tx) ApprovedBefore(ctx context.Context, t time.Time) ([]evidence.Extraction, error) {
	return tx.scanExtractions(ctx, `x.status = ? AND x.decided_at < ?`, string(evidence.ExtractionApproved), micros(t))
}

// PackagedExtractions lists the extractions with a package (at most 500,
// newest first).
func (tx *Tx) PackagedExtractions(ctx context.Context) ([]evidence.Extraction, error) {
	return tx.scanExtractions(ctx, `x.packaged_at IS NOT NULL OR x.status = ?`, string(evidence.ExtractionPackaged))
}

func ruleArgs(rules []string) []any {
	args := make([]any, len(rules))
	for i, r := range rules {
		args[i] = r
	}
	return args
}
