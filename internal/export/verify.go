package export

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// Problem is one thing wrong with a package: the file it concerns and what
// is wrong, as a catalogue message (the verifier prints it in Chinese and
// English).
type Problem struct {
	File string
	Msg  evidence.Message
}

// Report is the outcome of Verify.
type Report struct {
	Problems []Problem
	// Files counts the files whose SHA-256 was checked, Entries the
	// custody entries whose inclusion was proved.
	Files, Entries int
	// Key names the key the checkpoint was checked with (name and hash),
	// for the reader to compare with the one the archive publishes;
	// Size is the checkpoint's tree size.
	Key  string
	Size uint64
}

// OK reports whether nothing is wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(file, key string, args ...any) {
	r.Problems = append(r.Problems, Problem{File: file, Msg: evidence.Msg(key, args...)})
}

// Verify checks the package in root (a directory: os.DirFS, or an image
// read out): every file against MANIFEST, every file listed, the
// checkpoint's signature by the package's key, every custody entry's
// inclusion proof against the checkpoint, and that MANIFEST and each
// original are the ones the custody log recorded. Each problem names its
// file. pinnedKey, when set, is the verifier key the reader holds from the
// archive: the package's key must be it.
func Verify(root fs.FS, pinnedKey string) Report {
	var r Report
	manifest, err := fs.ReadFile(root, ManifestName)
	var lines []ManifestLine
	if err != nil {
		r.add(ManifestName, "pkg.file_missing", ManifestName)
	} else if lines, err = ParseManifest(manifest); err != nil {
		r.add(ManifestName, "pkg.manifest_bad", err.Error())
	}
	listed := map[string]string{}
	for _, l := range lines {
		listed[l.Path] = l.SHA256
		sum, err := hashFile(root, l.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.add(l.Path, "pkg.file_missing", l.Path)
		case err != nil:
			r.add(l.Path, "pkg.file_unreadable", l.Path, err.Error())
		case sum != l.SHA256:
			r.add(l.Path, "pkg.file_changed", l.Path)
		default:
			r.Files++
		}
	}
	_ = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			r.add(p, "pkg.file_unreadable", p, err.Error())
			return nil
		}
		if d.IsDir() || p == ManifestName || strings.HasPrefix(p, CustodyDir+"/") {
			return nil
		}
		if _, ok := listed[p]; !ok && manifest != nil {
			r.add(p, "pkg.file_unlisted", p)
		}
		return nil
	})

	// The key and the checkpoint it signs.
	keyText, err := fs.ReadFile(root, KeyName)
	if err != nil {
		r.add(KeyName, "pkg.file_missing", KeyName)
		return r
	}
	key := strings.TrimSpace(string(keyText))
	v, err := note.NewVerifier(key)
	if err != nil {
		r.add(KeyName, "pkg.key_bad", err.Error())
		return r
	}
	r.Key = key
	if pinnedKey != "" && strings.TrimSpace(pinnedKey) != key {
		r.add(KeyName, "pkg.key_not_pinned", key)
	}
	cpText, err := fs.ReadFile(root, CheckpointName)
	if err != nil {
		r.add(CheckpointName, "pkg.file_missing", CheckpointName)
		return r
	}
	cp, err := audit.ParseCheckpoint(string(cpText), v, v.Name())
	if err != nil {
		r.add(CheckpointName, "pkg.checkpoint_bad", err.Error())
		return r
	}
	r.Size = cp.Size

	// The custody excerpts, entry by entry against the checkpoint.
	names, _ := fs.Glob(root, CustodyDir+"/recording-*.json")
	if len(names) == 0 {
		r.add(CustodyDir, "pkg.no_trails")
		return r
	}
	mhex := ""
	if manifest != nil {
		s := sha256.Sum256(manifest)
		mhex = hex.EncodeToString(s[:])
	}
	recorded := map[string]string{} // path → digest hex the log recorded for it
	for _, name := range names {
		data, err := fs.ReadFile(root, name)
		if err != nil {
			r.add(name, "pkg.file_unreadable", name, err.Error())
			continue
		}
		t, err := ParseTrail(data)
		if err != nil {
			r.add(name, "pkg.trail_bad", name, err.Error())
			continue
		}
		if t.Size != cp.Size {
			r.add(name, "pkg.trail_size", name, t.Size, cp.Size)
			continue
		}
		var entries []audit.Entry
		for _, te := range t.Entries {
			e, err := audit.Decode(te.Data)
			if err != nil || e.Index != te.Index {
				r.add(name, "pkg.entry_bad", name, te.Index)
				continue
			}
			if err := audit.VerifyInclusion(te.Data, te.Index, cp.Size, cp.Root, te.Proof); err != nil {
				r.add(name, "pkg.proof_bad", name, te.Index)
				continue
			}
			if e.Object != "recording:"+itoa(t.RecordingID) {
				r.add(name, "pkg.entry_other", name, te.Index, e.Object)
				continue
			}
			r.Entries++
			entries = append(entries, e)
		}
		checkBinding(&r, name, mhex, entries, listed, recorded)
	}
	for _, l := range lines {
		if strings.HasPrefix(l.Path, OriginalsDir+"/") || strings.HasPrefix(l.Path, ClipsDir+"/") {
			if _, ok := recorded[l.Path]; !ok {
				r.add(l.Path, "pkg.file_unrecorded", l.Path)
			}
		}
	}
	return r
}

// checkBinding checks that one recording's entries record this MANIFEST
// (an extraction.package entry naming its digest), and that the original
// and clips they name have in MANIFEST the digests the log recorded, the
// original's being the one it had when it was ingested.
func checkBinding(r *Report, name, mhex string, entries []audit.Entry, listed, recorded map[string]string) {
	ingested := map[string]bool{}
	for _, e := range entries {
		if e.Action == evidence.ActionRecordingIngest {
			for _, d := range e.Digests {
				ingested[d.Hex()] = true
			}
		}
	}
	found := false
	for _, e := range entries {
		if e.Details["manifest"] != mhex || mhex == "" {
			continue
		}
		file := e.Details["file"]
		switch {
		case e.Action == evidence.ActionExtractionPackage && len(e.Digests) == 1:
			found = true
			d := e.Digests[0].Hex()
			recorded[file] = d
			if listed[file] != d {
				r.add(file, "pkg.original_unrecorded", file)
			} else if !ingested[d] {
				r.add(file, "pkg.original_not_ingested", file)
			}
		case e.Action == evidence.ActionExtractionClip && len(e.Digests) == 2:
			d := e.Digests[1].Hex()
			recorded[file] = d
			if listed[file] != d {
				r.add(file, "pkg.original_unrecorded", file)
			}
		}
	}
	if !found {
		r.add(ManifestName, "pkg.manifest_unrecorded", name)
	}
}

func hashFile(root fs.FS, p string) (string, error) {
	f, err := root.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Paths lists the files a report's problems name, sorted, for tests and
// summaries.
func (r Report) Paths() []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.File)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Print writes r for a person: each problem and the verdict in Chinese,
// then in English (the court clerk and a foreign party's expert read the
// same output), and the key to compare with the one the archive publishes.
func Print(w io.Writer, r Report) error {
	var b strings.Builder
	for _, lang := range []string{"zh-CN", "en"} {
		p := locale.New(lang)
		for _, pr := range r.Problems {
			b.WriteString("  ✗ " + p.Msg(pr.Msg) + "\n")
		}
		if r.OK() {
			b.WriteString(p.T("pkg.verdict_ok", r.Files, r.Entries) + "\n")
		} else {
			b.WriteString(p.T("pkg.verdict_fail", len(r.Problems)) + "\n")
		}
		if r.Key != "" {
			b.WriteString(p.T("pkg.key", r.Key) + "\n")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
