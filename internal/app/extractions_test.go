package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/export"
	"shilu/internal/media"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// extractFixture is activityFixture's bureau with a blob store, a case
// (丰医保罚〔2026〕7号, handled by 张伟) whose file holds two generated
// body-camera clips of 张伟, the first with a bookmark, and packaging set
// up in a temporary directory.
type extractFixture struct {
	*activityFixture
	clock  *storetest.Clock
	dbPath string
	blobs  *disk.Store
	pkgDir string
	cs     evidence.Case
	recs   []evidence.Recording
}

// needTools skips a test whose tools are missing, unless CI says a skip
// is a failure.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
				t.Fatalf("%s not installed", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	if _, err := os.Stat(report.DefaultFontPath); err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// bodyCam makes a small MP4 like a body camera's: 4 s of test picture and
// tone, a keyframe every second, so that a clip can be cut by stream copy.
func bodyCam(t *testing.T, dir, name string, freq int) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=4",
		"-f", "lavfi", "-i", "sine=frequency="+itoa(int64(freq))+":duration=4", "-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-shortest", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, msg)
	}
	return out
}

func newExtractFixture(t *testing.T) *extractFixture {
	t.Helper()
	needTools(t, "ffmpeg", "xorriso")
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, evidence.Zone)
	f := &extractFixture{clock: storetest.NewClock(now)}
	skey, vkey, err := audit.GenerateKey(storetest.Origin)
	if err != nil {
		t.Fatal(err)
	}
	log, _, err := audit.NewLog(storetest.Origin, skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f.dbPath = filepath.Join(dir, "shilu.db")
	db, err := store.OpenSQLite(ctx, f.dbPath, store.Options{Log: log, Clock: f.clock.Now, Secrets: storetest.SecretBox(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { noErr(t, db.Close()) })
	if f.blobs, err = disk.Open(filepath.Join(dir, "blobs")); err != nil {
		t.Fatal(err)
	}
	font, err := report.LoadFont(report.DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	f.pkgDir = filepath.Join(dir, "packages")
	f.activityFixture = &activityFixture{db: db, now: now, who: map[string]Actor{}}
	f.app = New(Config{DB: db, Argon2: fastHash, Packaging: Packaging{Dir: f.pkgDir, Blobs: f.blobs, Font: font, VerifierKey: vkey}})
	f.people(t)
	tmp := t.TempDir()
	for i, name := range []string{"DSJ0A12_20261205093000.mp4", "DSJ0A12_20261205094500.mp4"} {
		f.recs = append(f.recs, f.ingest(t, bodyCam(t, tmp, name, 440+220*i)))
	}
	f.cs, err = f.app.CreateCase(ctx, f.who["zhangwei"], evidence.Case{Number: "丰医保罚〔2026〕7号", Title: "某药房销售过期药品案", Officers: []string{"000123"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.Attach(ctx, f.who["zhangwei"], f.cs.ID, []CaseItemRef{{Kind: evidence.CaseItemRecording, ID: f.recs[0].ID},
		{Kind: evidence.CaseItemRecording, ID: f.recs[1].ID}}); err != nil {
		t.Fatal(err)
	}
	end := int64(3000)
	if _, err := f.app.AddBookmark(ctx, f.who["zhangwei"], evidence.Bookmark{RecordingID: f.recs[0].ID, OffsetMS: 1000, EndMS: &end,
		Kind: evidence.BookmarkViolation, Label: "货架上的过期药品"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// people makes activityFixture's bureau in f.db.
func (f *extractFixture) people(t *testing.T) {
	ctx := context.Background()
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		d1, err := tx.CreateDepartment(ctx, "一科", nil)
		if err != nil {
			return err
		}
		d2, err := tx.CreateDepartment(ctx, "二科", nil)
		if err != nil {
			return err
		}
		for _, p := range []struct {
			name, display, no string
			role              evidence.Role
			dept              int64
		}{
			{"zhangwei", "张伟", "000123", evidence.RoleOfficer, d1.ID},
			{"lina", "李娜", "000124", evidence.RoleOfficer, d1.ID},
			{"liuyang", "刘洋", "", evidence.RoleLeader, d1.ID},
			{"chenjing", "陈静", "", evidence.RoleLeader, d2.ID},
			{"custodian", "保管员", "", evidence.RoleCustodian, d1.ID},
		} {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: p.name, DisplayName: p.display, OfficerNo: p.no, Role: p.role, DepartmentID: &p.dept})
			if err != nil {
				return err
			}
			f.who[p.name] = Actor{User: a.User}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ingest archives the file at path as 张伟's recording, as the ingest does:
// blob, row and custody entry.
func (f *extractFixture) ingest(t *testing.T, path string) evidence.Recording {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := blob.Sum(data)
	if err := f.blobs.Put(ctx, d, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	facts, err := media.Prober{}.Probe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mj, _ := json.Marshal(facts)
	var rec evidence.Recording
	err = f.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(data)), Filename: filepath.Base(path), Kind: evidence.KindVideo,
			Device: "DSJ0A12", Officer: "000123", Media: mj}, f.who["zhangwei"].User.ID)
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: "station", Action: evidence.ActionRecordingIngest, Object: objRecording(rec.ID),
			Outcome: audit.OutcomeOK, Digests: []blob.Digest{d}, Details: map[string]string{"filename": rec.Filename}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (f *extractFixture) ask() ExtractionAsk {
	s, e := int64(1000), int64(3000)
	return ExtractionAsk{CaseID: f.cs.ID, Purpose: evidence.ExtractCourt, Recipient: "丰南区人民法院", Proves: "当事人销售过期药品的事实",
		Place: "丰南区某药房", Items: []evidence.ExtractionItem{{RecordingID: f.recs[0].ID}, {RecordingID: f.recs[1].ID, StartMS: &s, EndMS: &e}}}
}

// R-EXP-1, R-VIEW-3: an extraction is asked by an officer of the case and
// decided by the requester's leader alone — not by the requester, not by
// another department's leader, not by a fellow officer; what is asked must
// be in the case's file and say what it proves and, going outside, to whom.
func TestExtractionApproval(t *testing.T) {
	f := newExtractFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(*ExtractionAsk)
		who  string
		want evidence.Code
		key  string
	}{
		{"ErrInvalidNoRecipient", func(a *ExtractionAsk) { a.Recipient = "" }, "zhangwei", evidence.EInvalid, "err.extract.recipient"},
		{"ErrInvalidProves", func(a *ExtractionAsk) { a.Proves = "证据" }, "zhangwei", evidence.EInvalid, "err.extract.proves_length"},
		{"ErrInvalidSpan", func(a *ExtractionAsk) { e := int64(500); a.Items[1].EndMS = &e }, "zhangwei", evidence.EInvalid, "err.extract.span"},
		{"ErrInvalidNotInCase", func(a *ExtractionAsk) { a.Items[0].RecordingID = 999 }, "zhangwei", evidence.EInvalid, "err.extract.not_in_case"},
		{"ErrForbiddenNotHandling", func(*ExtractionAsk) {}, "lina", evidence.EForbidden, "err.case.not_yours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ask := f.ask()
			tc.edit(&ask)
			_, err := f.app.RequestExtraction(ctx, f.who[tc.who], ask)
			wantCode(t, err, tc.want, tc.key)
		})
	}
	x, err := f.app.RequestExtraction(ctx, f.who["zhangwei"], f.ask())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, who string
		want      evidence.Code
		key       string
	}{
		{"ErrForbiddenOwn", "zhangwei", evidence.EForbidden, "err.extract.own_request"},
		{"ErrForbiddenOtherLeader", "chenjing", evidence.EForbidden, "err.extract.not_leader"},
		{"ErrForbiddenFellowOfficer", "lina", evidence.EForbidden, "err.extract.not_leader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.app.DecideExtraction(ctx, f.who[tc.who], x.ID, true, "")
			wantCode(t, err, tc.want, tc.key)
		})
	}
	t.Run("ErrInvalidRejectWithoutReason", func(t *testing.T) {
		_, err := f.app.DecideExtraction(ctx, f.who["liuyang"], x.ID, false, "")
		wantCode(t, err, evidence.EInvalid, "err.access.reject_comment")
	})
	x, err = f.app.DecideExtraction(ctx, f.who["liuyang"], x.ID, true, "同意提交法院")
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != evidence.ExtractionApproved || x.DecidedBy != "liuyang" {
		t.Fatalf("after approval: %+v", x)
	}
	t.Run("ErrConflictTwice", func(t *testing.T) {
		_, err := f.app.DecideExtraction(ctx, f.who["liuyang"], x.ID, false, "再议")
		wantCode(t, err, evidence.EConflict, "err.extract.not_pending")
	})
	// Both recordings' custody trails show the request and the approval.
	err = f.db.View(ctx, func(tx *store.Tx) error {
		for _, rec := range f.recs {
			entries, err := trail(ctx, tx, rec.ID)
			if err != nil {
				return err
			}
			var got []string
			for _, e := range entries {
				if e.Details["extraction"] == itoa(x.ID) {
					got = append(got, string(e.Action)+" "+e.Actor)
				}
			}
			if want := "extraction.request zhangwei,extraction.approve liuyang"; strings.Join(got, ",") != want {
				t.Errorf("recording %d: %q, want %q", rec.ID, strings.Join(got, ","), want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// approved files f.ask() as 张伟 and has 刘洋 approve it.
func (f *extractFixture) approved(t *testing.T) evidence.Extraction {
	t.Helper()
	ctx := context.Background()
	x, err := f.app.RequestExtraction(ctx, f.who["zhangwei"], f.ask())
	if err != nil {
		t.Fatal(err)
	}
	if x, err = f.app.DecideExtraction(ctx, f.who["liuyang"], x.ID, true, "同意"); err != nil {
		t.Fatal(err)
	}
	return x
}

// extractISO reads image iso into a new directory.
func extractISO(t *testing.T, iso string) string {
	t.Helper()
	dir := t.TempDir()
	if err := export.ExtractISO(context.Background(), "", iso, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// R-EXP-1, R-EXP-2, X-EXP-1, X-EXP-2, X-EXP-3: the package of an approved
// extraction is an ISO image whose tree holds the originals byte for byte,
// a clip of the span asked with its lineage, the description naming
// 制作人, 提取人, 提取时间, 证明对象 and every file's SHA-256, the list of
// electronic data, and a custody excerpt against which the package
// verifies offline; the register records the image's digest.
func TestMakePackage(t *testing.T) {
	f := newExtractFixture(t)
	ctx := context.Background()
	x := f.approved(t)
	// A checkpoint older than the package's, for swapping in below.
	var earlier string
	noErr(t, f.db.Update(ctx, func(tx *store.Tx) error {
		cp, err := tx.SignHead(ctx)
		earlier = cp.Note
		return err
	}))
	x, err := f.app.MakePackage(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != evidence.ExtractionPackaged || len(x.ISOSHA256) != 64 || len(x.ManifestSHA256) != 64 {
		t.Fatalf("after packaging: %+v", x)
	}
	iso := f.app.packaging.ISOPath(x.ID)
	if sum, size, err := hashFile(iso); err != nil || sum != x.ISOSHA256 || size != x.ISOSize {
		t.Fatalf("image %s: %s %d %v, register says %s %d", iso, sum, size, err, x.ISOSHA256, x.ISOSize)
	}
	if left, _ := filepath.Glob(filepath.Join(f.pkgDir, ".extraction-*")); len(left) > 0 {
		t.Errorf("temporary trees left behind: %v", left)
	}
	tree := extractISO(t, iso)
	if r := export.Verify(os.DirFS(tree), ""); !r.OK() || r.Files < 6 {
		t.Fatalf("fresh package: %+v", r)
	}
	tamperPackage(t, tree, f.recs[0].Filename, earlier)
	for i, rec := range f.recs {
		got, err := os.ReadFile(filepath.Join(tree, export.OriginalsDir, "0"+itoa(int64(i+1))+"_"+rec.Filename))
		if err != nil || blob.Sum(got) != rec.Digest {
			t.Errorf("original %s not byte for byte (%v)", rec.Filename, err)
		}
	}
	clips, _ := filepath.Glob(filepath.Join(tree, export.ClipsDir, "*"))
	if len(clips) != 1 || !strings.Contains(clips[0], "0m01s-0m03s") {
		t.Fatalf("clips: %v", clips)
	}
	text, err := exec.Command("pdftotext", "-layout", filepath.Join(tree, export.DescriptionName), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	manifest, _ := os.ReadFile(filepath.Join(tree, export.ManifestName))
	lines, _ := export.ParseManifest(manifest)
	want := []string{"制作人", "提取人", "提取时间", "证明对象", "当事人销售过期药品的事实", "张伟", "丰医保罚〔2026〕7号",
		"货架上的过期药品", "00:00:01 至 00:00:03", "ffmpeg"}
	for _, l := range lines {
		if strings.HasPrefix(l.Path, export.OriginalsDir) || strings.HasPrefix(l.Path, export.ClipsDir) {
			want = append(want, l.SHA256)
		}
	}
	for _, w := range want {
		if !strings.Contains(string(text), w) {
			t.Errorf("description lacks %q:\n%s", w, text)
		}
	}
	list, _ := os.ReadFile(filepath.Join(tree, export.ListCSVName))
	if !strings.Contains(string(list), f.recs[1].Digest.Hex()) {
		t.Errorf("list of electronic data lacks %s:\n%s", f.recs[1].Digest.Hex(), list)
	}
	// The package and the clip are on the recordings' custody trails.
	err = f.db.View(ctx, func(tx *store.Tx) error {
		entries, err := trail(ctx, tx, f.recs[1].ID)
		if err != nil {
			return err
		}
		var clip, pkg bool
		for _, e := range entries {
			clip = clip || e.Action == evidence.ActionExtractionClip && e.Details["parent"] == f.recs[1].Digest.String() && e.Details["start_ms"] == "1000"
			pkg = pkg || e.Action == evidence.ActionExtractionPackage && e.Details["manifest"] == x.ManifestSHA256
		}
		if !clip || !pkg {
			t.Errorf("trail of recording %d: clip %v, package %v", f.recs[1].ID, clip, pkg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// R-STORE-2, X-EVD-1: a recording whose blob no longer has its digest is
// never packaged: the extraction fails, the custody trail and a finding say
// so, and nothing is left in the package directory.
func TestMakePackageRefusesCorruptBlob(t *testing.T) {
	f := newExtractFixture(t)
	ctx := context.Background()
	x := f.approved(t)
	p := f.blobs.Path(f.recs[1].Digest)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	noErr(t, os.Chmod(p, 0o644))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.MakePackage(ctx, x.ID)
	wantCode(t, err, evidence.EConflict, "err.extract.corrupt")
	err = f.db.View(ctx, func(tx *store.Tx) error {
		got, err := tx.Extraction(ctx, x.ID)
		if err != nil {
			return err
		}
		if got.Status != evidence.ExtractionFailed || got.Failure != "err.extract.corrupt" {
			t.Errorf("extraction: %s %q", got.Status, got.Failure)
		}
		fs, err := tx.Findings(ctx, store.FindingFilter{Rule: evidence.RuleExtractionCorrupt})
		if err != nil {
			return err
		}
		if len(fs) != 1 || fs[0].RecordingIDs[0] != f.recs[1].ID {
			t.Errorf("findings: %+v", fs)
		}
		entries, err := trail(ctx, tx, f.recs[1].ID)
		if err != nil {
			return err
		}
		if last := entries[len(entries)-1]; last.Action != evidence.ActionExtractionFail {
			t.Errorf("last entry %s, want extraction.fail", last.Action)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The finding survives a re-check of the recording's own signs.
	if err := f.db.Update(ctx, func(tx *store.Tx) error { return checkRecording(ctx, tx, f.recs[1].ID, f.app.params) }); err != nil {
		t.Fatal(err)
	}
	noErr(t, f.db.View(ctx, func(tx *store.Tx) error {
		fs, _ := tx.Findings(ctx, store.FindingFilter{Rule: evidence.RuleExtractionCorrupt})
		if len(fs) != 1 || fs[0].ResolvedAt != nil {
			t.Errorf("after a re-check: %+v", fs)
		}
		return nil
	}))
	if left, _ := os.ReadDir(f.pkgDir); len(left) > 0 {
		t.Errorf("left in the package directory: %v", left)
	}
}

// Issue 10 point 4: an approved extraction not produced in time is a
// finding, resolved once it is; a package whose approval the custody log
// does not hold (the tables were edited) is a serious one.
func TestExtractionFindings(t *testing.T) {
	f := newExtractFixture(t)
	ctx := context.Background()
	x := f.approved(t)
	open := func(rule string) int {
		var n int
		noErr(t, f.db.View(ctx, func(tx *store.Tx) error {
			fs, err := tx.Findings(ctx, store.FindingFilter{Rule: rule})
			for _, x := range fs {
				if x.ResolvedAt == nil {
					n++
				}
			}
			return err
		}))
		return n
	}
	if err := f.app.CheckExtractions(ctx, time.Hour); err != nil || open(evidence.RuleExtractionUnproduced) != 0 {
		t.Fatalf("at once: %v, %d findings", err, open(evidence.RuleExtractionUnproduced))
	}
	f.clock.Add(2 * time.Hour)
	if err := f.app.CheckExtractions(ctx, time.Hour); err != nil || open(evidence.RuleExtractionUnproduced) != 1 {
		t.Fatalf("two hours on: %v, %d findings", err, open(evidence.RuleExtractionUnproduced))
	}
	if _, err := f.app.MakePackage(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.app.CheckExtractions(ctx, time.Hour); err != nil || open(evidence.RuleExtractionUnproduced) != 0 || open(evidence.RuleExtractionUnapproved) != 0 {
		t.Fatalf("packaged: %v, %d/%d findings", err, open(evidence.RuleExtractionUnproduced), open(evidence.RuleExtractionUnapproved))
	}
	// A pending request turned into a package by editing the tables.
	y, err := f.app.RequestExtraction(ctx, f.who["zhangwei"], f.ask())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { noErr(t, raw.Close()) }()
	if _, err := raw.Exec(`UPDATE extractions SET status = 'packaged', packaged_at = 1, manifest_sha256 = 'x' WHERE id = ?`, y.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.app.CheckExtractions(ctx, time.Hour); err != nil || open(evidence.RuleExtractionUnapproved) != 1 {
		t.Fatalf("edited: %v, %d findings", err, open(evidence.RuleExtractionUnapproved))
	}
}

// tamperPackage checks R-EXP-2 on copies of the package tree at tree: one
// flipped byte of an original, one removed file, an edited description, an
// edited MANIFEST, a checkpoint swapped for another of the same log, an
// extra file: each fails, naming what is wrong.
func tamperPackage(t *testing.T, tree, original, earlier string) {
	t.Helper()
	orig := filepath.Join(export.OriginalsDir, "01_"+original)
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string // the file the report must name
	}{
		{"FlippedByte", func(t *testing.T, dir string) { flip(t, filepath.Join(dir, orig)) }, filepath.ToSlash(orig)},
		{"RemovedFile", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, export.ListCSVName)); err != nil {
				t.Fatal(err)
			}
		}, export.ListCSVName},
		{"EditedDescription", func(t *testing.T, dir string) { flip(t, filepath.Join(dir, export.DescriptionName)) }, export.DescriptionName},
		{"EditedManifest", func(t *testing.T, dir string) {
			// The description edited and its line in MANIFEST updated to
			// match: MANIFEST is then not the one the custody log records.
			p := filepath.Join(dir, export.DescriptionName)
			flip(t, p)
			data, _ := os.ReadFile(p)
			m, _ := os.ReadFile(filepath.Join(dir, export.ManifestName))
			lines, _ := export.ParseManifest(m)
			for i := range lines {
				if lines[i].Path == export.DescriptionName {
					lines[i].SHA256 = blob.Sum(data).Hex()
				}
			}
			noErr(t, os.WriteFile(filepath.Join(dir, export.ManifestName), export.FormatManifest(lines), 0o644))
		}, export.ManifestName},
		{"EditedCheckpoint", func(t *testing.T, dir string) {
			cp, _ := os.ReadFile(filepath.Join(dir, export.CheckpointName))
			lines := strings.SplitN(string(cp), "\n", 4)
			n, _ := strconv.Atoi(lines[1])
			lines[1] = strconv.Itoa(n - 1)
			noErr(t, os.WriteFile(filepath.Join(dir, export.CheckpointName), []byte(strings.Join(lines, "\n")), 0o644))
		}, export.CheckpointName},
		{"SwappedCheckpoint", func(t *testing.T, dir string) {
			// Another checkpoint of the same log, validly signed: the
			// proofs do not lead to its root, and each excerpt says so.
			if err := os.WriteFile(filepath.Join(dir, export.CheckpointName), []byte(earlier), 0o644); err != nil {
				t.Fatal(err)
			}
		}, export.CustodyDir + "/recording-"},
		{"ExtraFile", func(t *testing.T, dir string) {
			noErr(t, os.WriteFile(filepath.Join(dir, export.OriginalsDir, "03_inserted.mp4"), []byte("x"), 0o644))
		}, export.OriginalsDir + "/03_inserted.mp4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(tree)); err != nil {
				t.Fatal(err)
			}
			tc.tamper(t, dir)
			r := export.Verify(os.DirFS(dir), "")
			if r.OK() || !slices.ContainsFunc(r.Paths(), func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Fatalf("problems name %v, want %s (%+v)", r.Paths(), tc.want, r.Problems)
			}
		})
	}
}

func flip(t *testing.T, path string) {
	t.Helper()
	noErr(t, os.Chmod(path, 0o644))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// X-EVD-1, issue 10 (bad input): a package that cannot be made — the disk
// of the packages fills, or xorriso is missing — fails the extraction with
// a clear reason and leaves nothing behind. The full disk is a 256 KiB
// tmpfs, mounted where the test may mount (as root).
func TestMakePackageFailsClean(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, f *extractFixture)
		key   string
	}{
		{"NoXorriso", func(t *testing.T, f *extractFixture) { f.app.packaging.Xorriso = filepath.Join(t.TempDir(), "xorriso") }, "err.extract.no_xorriso"},
		{"NoSpace", func(t *testing.T, f *extractFixture) {
			dir := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
				t.Skipf("cannot mount a small file system here: %v %s", err, out)
			}
			t.Cleanup(func() { noErr(t, exec.Command("umount", dir).Run()) })
			f.app.packaging.Dir, f.pkgDir = dir, dir
		}, "err.extract.no_space"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newExtractFixture(t)
			ctx := context.Background()
			tc.setup(t, f)
			x := f.approved(t)
			_, err := f.app.MakePackage(ctx, x.ID)
			if evidence.ErrorMessage(err).Key != tc.key {
				t.Fatalf("err = %v, want %s", err, tc.key)
			}
			noErr(t, f.db.View(ctx, func(tx *store.Tx) error {
				got, err := tx.Extraction(ctx, x.ID)
				if err != nil || got.Status != evidence.ExtractionFailed || got.Failure != tc.key {
					t.Errorf("extraction: %s %q %v", got.Status, got.Failure, err)
				}
				return nil
			}))
			if left, _ := os.ReadDir(f.pkgDir); len(left) > 0 {
				t.Errorf("left in the package directory: %v", left)
			}
		})
	}
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close() //nolint:errcheck // read-only
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// noErr fails the test on err.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
