package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/export"
	"shilu/internal/media"
	"shilu/internal/store"
)

// Packaging configures the making of evidence packages (issue 10 point 3).
// A zero Dir makes none: approved extractions wait.
type Packaging struct {
	// Dir holds the finished images, extraction-<id>.iso, and the
	// temporary trees they are made from (beside them, so that a finished
	// image is renamed into place).
	Dir   string
	Blobs blob.Store
	// Font is TrueType with CJK glyphs for the PDFs (report.LoadFont).
	Font []byte
	// VerifierKey is the custody log's verifier key, which every package
	// carries.
	VerifierKey string
	// Verifiers is the directory with export.VerifierBinaries (made by
	// `make verifiers`); "" makes packages without them.
	Verifiers       string
	FFmpeg, Xorriso string
	// ProduceWithin is how long an approved extraction may wait for its
	// package before CheckExtractions raises a finding (default 24 h).
	ProduceWithin time.Duration
}

// ISOPath is where extraction id's image is kept.
func (p Packaging) ISOPath(id int64) string {
	return filepath.Join(p.Dir, "extraction-"+strconv.FormatInt(id, 10)+".iso")
}

// packNow wakes the packaging job, if one runs.
func (a *App) packNow() {
	select {
	case a.pack <- struct{}{}:
	default:
	}
}

// RunPackager makes the packages of approved extractions, one at a time,
// when an approval wakes it and every interval; and raises the findings
// about extractions (CheckExtractions). It returns when ctx ends.
func (a *App) RunPackager(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		a.PackageApproved(ctx)
		if err := a.CheckExtractions(ctx, a.packaging.produceWithin()); err != nil && ctx.Err() == nil {
			a.log.Error("extraction findings", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.pack:
		}
	}
}

func (p Packaging) produceWithin() time.Duration {
	if p.ProduceWithin <= 0 {
		return 24 * time.Hour
	}
	return p.ProduceWithin
}

// PackageApproved makes the package of every approved extraction; failures
// are logged and recorded on the extraction.
func (a *App) PackageApproved(ctx context.Context) {
	if a.packaging.Dir == "" {
		return
	}
	var list []evidence.Extraction
	if err := a.view(ctx, func(tx *store.Tx) error {
		var err error
		list, err = tx.Extractions(ctx, store.ExtractionFilter{Status: evidence.ExtractionApproved})
		return err
	}); err != nil {
		a.log.Error("extractions to package", "err", err)
		return
	}
	for i := len(list) - 1; i >= 0 && ctx.Err() == nil; i-- { // oldest first
		if _, err := a.MakePackage(ctx, list[i].ID); err != nil {
			a.log.Error("evidence package", "extraction", list[i].ID, "err", err)
		}
	}
}

// MakePackage makes the package of approved extraction id: the tree
// (export.Build), the custody entries that record its MANIFEST, the custody
// excerpt proved against a checkpoint that includes them, and the ISO
// image, renamed into place whole. A blob that fails its hash stops it: the
// extraction fails, the custody log and a finding say why, nothing is
// packaged. Whatever fails, nothing half-made is left behind.
func (a *App) MakePackage(ctx context.Context, id int64) (evidence.Extraction, error) {
	p := a.packaging
	if p.Dir == "" {
		return evidence.Extraction{}, errors.New("app: packaging is not configured")
	}
	spec, x, err := a.packageSpec(ctx, id)
	if err != nil {
		return x, err
	}
	if err := os.MkdirAll(p.Dir, 0o750); err != nil {
		return x, err
	}
	tmp, err := os.MkdirTemp(p.Dir, ".extraction-"+strconv.FormatInt(id, 10)+"-")
	if err != nil {
		return x, a.packageFailed(ctx, x, err)
	}
	defer func() {
		// Nothing half-made is left behind: the tree, and the image
		// unless it was renamed into place.
		if err := os.RemoveAll(tmp); err != nil {
			a.log.Error("remove a temporary package tree", "dir", tmp, "err", err)
		}
	}()
	tree := filepath.Join(tmp, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		return x, err
	}
	built, err := export.Build(ctx, spec, tree)
	if err != nil {
		return x, a.packageFailed(ctx, x, err)
	}
	// The custody log records MANIFEST (and each clip's lineage) before
	// the excerpt is read, so that the excerpt proves the record.
	who := System("system")
	err = a.update(ctx, who, func(c *change) error {
		for _, f := range built.Files {
			if f.Kind != "original" && f.Kind != "clip" {
				continue
			}
			details := map[string]string{"extraction": itoa(x.ID), "case_number": x.CaseNumber, "manifest": built.Manifest,
				"file": f.Path, "size": strconv.FormatInt(f.Size, 10)}
			rec, err := c.Recording(ctx, f.RecordingID)
			if err != nil {
				return err
			}
			if f.Clip != nil {
				sum, _ := blob.ParseDigest("sha256-" + f.SHA256)
				details["parent"], details["tool"] = f.Clip.Parent.String(), f.Clip.Tool
				details["start_ms"], details["end_ms"] = strconv.FormatInt(f.Clip.Start.Milliseconds(), 10), strconv.FormatInt(f.Clip.End.Milliseconds(), 10)
				if err := c.log(evidence.ActionExtractionClip, objRecording(f.RecordingID), details, rec.Digest, sum); err != nil {
					return err
				}
				continue
			}
			if err := c.log(evidence.ActionExtractionPackage, objRecording(f.RecordingID), details, rec.Digest); err != nil {
				return err
			}
		}
		// The package's excerpts are proved against a checkpoint that
		// includes these entries: checkpoints are signed per batch, so
		// the head is signed now (issue 9 point 7).
		_, err := c.SignHead(ctx)
		return err
	})
	if err != nil {
		return x, err
	}
	var trails []export.Trail
	var checkpoint string
	err = a.view(ctx, func(tx *store.Tx) error {
		// The newest checkpoint: the one signed above, or a later one if
		// other entries were appended and signed since.
		cp, _, err := tx.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		size := cp.Size
		checkpoint = cp.Note
		for _, it := range x.Items {
			t := export.Trail{RecordingID: it.RecordingID, Size: size}
			datas, err := tx.AuditTrail(ctx, objRecording(it.RecordingID), 100000)
			if err != nil {
				return err
			}
			for _, data := range datas {
				e, err := audit.Decode(data)
				if err != nil {
					return err
				}
				proof, err := audit.InclusionProof(ctx, tx, e.Index, size)
				if err != nil {
					return err
				}
				t.Entries = append(t.Entries, export.TrailEntry{Index: e.Index, Data: data, Proof: proof})
			}
			trails = append(trails, t)
		}
		return nil
	})
	if err != nil {
		return x, err
	}
	if err := export.WriteCustody(tree, p.VerifierKey, checkpoint, trails); err != nil {
		return x, a.packageFailed(ctx, x, err)
	}
	iso := filepath.Join(tmp, "package.iso")
	img, err := export.MakeISO(ctx, p.Xorriso, tree, iso, fmt.Sprintf("SHILU_EXTRACT_%d", x.ID))
	if err != nil {
		return x, a.packageFailed(ctx, x, err)
	}
	sum, size := img.SHA256, img.Size
	final := p.ISOPath(x.ID)
	if err := os.Rename(iso, final); err != nil {
		return x, err
	}
	if err := syncDir(p.Dir); err != nil {
		return x, err
	}
	err = a.update(ctx, who, func(c *change) error {
		if err := c.PackageMade(ctx, x.ID, built.Manifest, sum, size); err != nil {
			return err
		}
		var err error
		x, err = c.Extraction(ctx, x.ID)
		return err
	})
	if err != nil {
		err = errors.Join(err, os.Remove(final))
	}
	return x, err
}

// packageFailed records why extraction x's package could not be made and
// returns err: a blob that failed its hash is entered on its recording's
// custody trail and raised as a finding (X-EVD-1: footage whose integrity
// cannot be shown is not handed out as evidence); a full disk is said so.
// Both leave the extraction failed; anything else (a crash of ffmpeg, a
// cancelled context) leaves it approved for the next run.
func (a *App) packageFailed(ctx context.Context, x evidence.Extraction, err error) error {
	var corrupt *export.CorruptError
	key := ""
	switch {
	case errors.As(err, &corrupt):
		key = "err.extract.corrupt"
	case errors.Is(err, export.ErrNoSpace):
		key = "err.extract.no_space"
	case errors.Is(err, export.ErrNoXorriso):
		key = "err.extract.no_xorriso"
	default:
		return err
	}
	uerr := a.update(ctx, System("system"), func(c *change) error {
		if err := c.PackageFailed(ctx, x.ID, key); err != nil {
			return err
		}
		if corrupt == nil {
			return nil
		}
		rec, err := c.Recording(ctx, corrupt.RecordingID)
		if err != nil {
			return err
		}
		if err := c.log(evidence.ActionExtractionFail, objRecording(rec.ID), map[string]string{"extraction": itoa(x.ID),
			"case_number": x.CaseNumber, "want": corrupt.Want, "got": corrupt.Got}, rec.Digest); err != nil {
			return err
		}
		_, ferr := c.RaiseFindings(ctx, []evidence.Finding{{Key: "extraction_corrupt:" + itoa(rec.ID), Rule: evidence.RuleExtractionCorrupt,
			Article: "Art. 18", Officer: rec.Officer, RecordingIDs: []int64{rec.ID}, Status: evidence.FindingOpen,
			Severity: evidence.SeveritySerious, Evidence: evidence.Msg("finding.extraction_corrupt", rec.Filename, x.ID)}})
		return ferr
	})
	if uerr != nil {
		return errors.Join(err, uerr)
	}
	switch {
	case corrupt != nil:
		return evidence.Errorf(evidence.EConflict, "err.extract.corrupt", corrupt.RecordingID)
	case key == "err.extract.no_space":
		return fmt.Errorf("%w: %w", evidence.Errorf(evidence.EInternal, "err.extract.no_space"), err)
	}
	return fmt.Errorf("%w: %w", evidence.Errorf(evidence.EInternal, "err.extract.no_xorriso"), err)
}

// packageSpec reads what the package of extraction id is made of.
func (a *App) packageSpec(ctx context.Context, id int64) (export.Spec, evidence.Extraction, error) {
	p := a.packaging
	var s export.Spec
	var x evidence.Extraction
	err := a.view(ctx, func(tx *store.Tx) error {
		var err error
		if x, err = tx.Extraction(ctx, id); err != nil {
			return err
		}
		if x.Status != evidence.ExtractionApproved {
			return evidence.Errorf(evidence.EConflict, "err.extract.not_approved", id)
		}
		cs, err := tx.Case(ctx, x.CaseID)
		if err != nil {
			return err
		}
		dir, err := tx.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		requester, err := tx.Account(ctx, x.RequesterID)
		if err != nil {
			return err
		}
		s = export.Spec{ExtractionID: x.ID, Case: cs, Purpose: x.Purpose, Recipient: x.Recipient, Proves: x.Proves, Place: x.Place,
			Extractor: person(requester.User), Approver: x.DecidedBy, ExtractedAt: tx.Now(), VerifierKey: p.VerifierKey, Font: p.Font,
			Verifiers: p.Verifiers, FFmpeg: p.FFmpeg}
		for _, it := range x.Items {
			rec, err := tx.Recording(ctx, it.RecordingID)
			if err != nil {
				return err
			}
			bms, err := tx.Bookmarks(ctx, rec.ID)
			if err != nil {
				return err
			}
			maker := rec.Officer
			if o, ok := dir[rec.Officer]; ok {
				maker = o.Name + "（警号 " + o.Number + "）"
			}
			var facts media.Facts
			if len(rec.Media) > 0 {
				_ = json.Unmarshal(rec.Media, &facts) // unreadable facts: no duration
			}
			d := rec.Digest
			item := export.Item{Recording: rec, Maker: maker, Duration: facts.Duration, Bookmarks: live(bms),
				Start: it.Start, End: it.End, Open: func(ctx context.Context) (io.ReadCloser, error) { return p.Blobs.Open(ctx, d) }}
			// A store that keeps each blob as a file lends it to the tree
			// by a hard link: no second copy of gigabytes.
			if f, ok := p.Blobs.(interface{ Path(blob.Digest) string }); ok {
				item.Path = f.Path(d)
			}
			s.Items = append(s.Items, item)
		}
		return nil
	})
	return s, x, err
}

// live leaves out removed bookmarks.
func live(bms []evidence.Bookmark) []evidence.Bookmark {
	var out []evidence.Bookmark
	for _, b := range bms {
		if b.RemovedAt == nil {
			out = append(out, b)
		}
	}
	return out
}

// person names a user as documents do: display name and officer number.
func person(u evidence.User) string {
	s := u.Label()
	if u.OfficerNo != "" {
		s += "（警号 " + u.OfficerNo + "）"
	}
	return s
}

// trail decodes the custody entries about recording id.
func trail(ctx context.Context, tx *store.Tx, id int64) ([]audit.Entry, error) {
	datas, err := tx.AuditTrail(ctx, objRecording(id), 100000)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Entry, 0, len(datas))
	for _, d := range datas {
		e, err := audit.Decode(d)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close() //nolint:errcheck // read-only handle: Sync's error is the one that counts
	return d.Sync()
}

// PackageFile is the path of extraction id's image.
func (a *App) PackageFile(id int64) string { return a.packaging.ISOPath(id) }
