// Package export makes and checks evidence packages (证据包; Art. 15, 18;
// R-EXP-1, R-EXP-2, X-EXP-1/2/3, X-EVD-1): a directory tree with the
// originals byte for byte, the clips cut from them, the 文字说明 and the
// 电子数据清单, a MANIFEST of every file's SHA-256, and the custody excerpt
// that lets anyone check the package against the archive's signed custody
// log without the archive: then written as an ISO 9660 image.
//
// # Layout
//
//	README.txt              what the court clerk runs (Chinese)
//	文字说明.pdf            the description (X-EXP-1, X-EXP-2)
//	电子数据清单.pdf, .csv  the list of electronic data (X-EXP-3)
//	MANIFEST                "<sha256 hex>  <path>" per file, sha256sum's format
//	原始文件/NN_<name>      the originals, byte for byte
//	片段/NN_<span>_<name>   clips (a span of an original, stream copy)
//	校验工具/               standalone verifiers for Linux and Windows (amd64)
//	保管链/key.txt          the archive's verifier key (signed-note format)
//	保管链/checkpoint.txt   a signed checkpoint of the custody log
//	保管链/recording-N.json each recording's custody entries with their
//	                        inclusion proofs against that checkpoint
//
// # What binds what
//
// MANIFEST lists every file outside 保管链/. The custody log holds, for
// every recording of the package, an extraction.package entry naming the
// SHA-256 of MANIFEST, the original's path and its digest, and the
// recording's ingest entry with the same digest. The entries are proved
// included in the checkpoint, whose signature the key checks. So a flipped
// byte fails its MANIFEST line; an edited MANIFEST no longer matches the
// package entries; an edited entry or a swapped checkpoint fails its proof
// or its signature. The key itself is compared by the reader with the one
// the archive publishes (printed in the description too).
package export

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// The names of the package's parts.
const (
	ManifestName    = "MANIFEST"
	ReadmeName      = "README.txt"
	DescriptionName = "文字说明.pdf"
	ListPDFName     = "电子数据清单.pdf"
	ListCSVName     = "电子数据清单.csv"
	OriginalsDir    = "原始文件"
	ClipsDir        = "片段"
	VerifiersDir    = "校验工具"
	CustodyDir      = "保管链"
	KeyName         = CustodyDir + "/key.txt"
	CheckpointName  = CustodyDir + "/checkpoint.txt"
)

// The standalone verifier binaries a package carries, by platform.
var VerifierBinaries = []string{"shilu-verify-linux-amd64", "shilu-verify-windows-amd64.exe"}

// ManifestLine is one line of MANIFEST: a file's path in the package
// (slash-separated, relative) and its SHA-256.
type ManifestLine struct {
	SHA256 string // lower-case hex
	Path   string
}

// maxManifest bounds MANIFEST's size: a package of 100 recordings with
// clips has a few hundred lines.
const maxManifest = 4 << 20

// ParseManifest reads MANIFEST: lines "<64 hex>  <path>" in sha256sum's
// format, so that `sha256sum -c MANIFEST` checks a package too. Paths are
// relative, clean, slash-separated and unique; nothing else is accepted.
func ParseManifest(data []byte) ([]ManifestLine, error) {
	if len(data) > maxManifest {
		return nil, fmt.Errorf("MANIFEST: larger than %d bytes", maxManifest)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("MANIFEST: not UTF-8")
	}
	var out []ManifestLine
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxManifest)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		sum, p, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || strings.ToLower(sum) != sum {
			return nil, fmt.Errorf("MANIFEST line %d: want \"<sha256>  <path>\"", n)
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, fmt.Errorf("MANIFEST line %d: digest is not hex", n)
		}
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("MANIFEST line %d: %w", n, err)
		}
		if seen[p] {
			return nil, fmt.Errorf("MANIFEST line %d: %s listed twice", n, p)
		}
		seen[p] = true
		out = append(out, ManifestLine{SHA256: sum, Path: p})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("MANIFEST: %w", err)
	}
	return out, nil
}

// FormatManifest writes lines in ParseManifest's format.
func FormatManifest(lines []ManifestLine) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.SHA256 + "  " + l.Path + "\n")
	}
	return b.Bytes()
}

// checkPath accepts a relative, clean, slash-separated path inside the
// package that names no control character.
func checkPath(p string) error {
	switch {
	case p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %q is not a clean relative path", p)
	case strings.ContainsAny(p, "\\\x00\r\n"):
		return fmt.Errorf("path %q has a forbidden character", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("path %q has a control character", p)
		}
	}
	return nil
}

// Trail is one recording's custody excerpt: its entries in the custody
// log, each with its inclusion proof against the package's checkpoint.
type Trail struct {
	RecordingID int64        `json:"recording_id"`
	Size        uint64       `json:"checkpoint_size"`
	Entries     []TrailEntry `json:"entries"`
}

// TrailEntry is one custody entry: its index, its canonical encoding (the
// hashed bytes, audit's format) and the proof's hashes.
type TrailEntry struct {
	Index uint64   `json:"index"`
	Data  []byte   `json:"data"`
	Proof [][]byte `json:"proof"`
}

// maxTrail bounds a trail file's size.
const maxTrail = 64 << 20

// ParseTrail reads a recording's custody excerpt. It checks the shape
// only; Verify checks the entries and the proofs.
func ParseTrail(data []byte) (Trail, error) {
	var t Trail
	if len(data) > maxTrail {
		return t, fmt.Errorf("larger than %d bytes", maxTrail)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, err
	}
	if dec.More() {
		return t, fmt.Errorf("data after the excerpt")
	}
	if t.RecordingID <= 0 {
		return t, fmt.Errorf("no recording")
	}
	for _, e := range t.Entries {
		if len(e.Data) == 0 || len(e.Proof) > 64 {
			return t, fmt.Errorf("entry %d: malformed", e.Index)
		}
		for _, h := range e.Proof {
			if len(h) != 32 {
				return t, fmt.Errorf("entry %d: a proof hash of %d bytes", e.Index, len(h))
			}
		}
	}
	return t, nil
}

// TrailName is the path of recording id's excerpt in the package.
func TrailName(id int64) string { return fmt.Sprintf("%s/recording-%d.json", CustodyDir, id) }
