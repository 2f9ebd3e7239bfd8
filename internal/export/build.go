package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/dustin/go-humanize"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/report"
)

// Spec is what a package is made of: the extraction, its case, the people
// and the recordings, every text as the description prints it.
type Spec struct {
	ExtractionID int64
	Case         evidence.Case
	Purpose      evidence.ExtractionPurpose
	Recipient    string
	Proves       string // 证明对象
	Place        string // 制作地点
	Extractor    string // 提取人: name and officer number
	Approver     string // 批准人
	ExtractedAt  time.Time
	Items        []Item
	// VerifierKey is the custody log's verifier key, printed in the
	// description for the reader to compare.
	VerifierKey string
	Font        []byte // TrueType with CJK glyphs (report.LoadFont)
	// Verifiers is the directory holding VerifierBinaries; "" makes a
	// package without them (its README says so).
	Verifiers string
	// FFmpeg cuts clips ("" = ffmpeg from PATH).
	FFmpeg string
}

// Item is one recording of the package.
type Item struct {
	Recording evidence.Recording
	Maker     string // 制作人: the officer (name, number) who recorded it
	Duration  time.Duration
	Bookmarks []evidence.Bookmark
	// Start and End ask for a clip of that span beside the original.
	Start, End *time.Duration
	// Open reads the original's bytes (the blob).
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Path, when set, is a read-only file holding those bytes (a disk
	// blob store's own file): it is hard-linked into the tree rather than
	// copied, when it is on the same file system, and hashed all the same.
	// The tree is temporary and only read (by xorriso), so the link never
	// lets anything write to the original.
	Path string
}

// File is a file written into a package.
type File struct {
	Path        string
	SHA256      string
	Size        int64
	RecordingID int64  // for an original or a clip
	Clip        *Clip  // for a clip
	Kind        string // original, clip, document, verifier
}

// Clip is a clip's lineage (issue 10 point 5).
type Clip struct {
	Parent     blob.Digest
	Start, End time.Duration
	Tool       string // e.g. "ffmpeg 5.1.6 -c copy"
}

// Built is a package's tree as made by Build.
type Built struct {
	Files    []File
	Manifest string // SHA-256 hex of MANIFEST
}

// CorruptError says that a recording's blob did not have its digest when it
// was read for the package: it was not packaged (R-STORE-2).
type CorruptError struct {
	RecordingID int64
	Want, Got   string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("export: recording %d: blob has SHA-256 %s, want %s", e.RecordingID, e.Got, e.Want)
}

// ErrNoSpace reports that the disk filled while a package was made.
var ErrNoSpace = errors.New("export: no space left on the package disk")

// copyBuf is the unit of the streaming copies: memory stays flat whatever
// the size of the package.
const copyBuf = 1 << 20

// Build writes the package tree of s into dir, which must exist and be
// empty (a temporary directory beside the target: the caller renames the
// finished product into place). Originals are copied byte for byte and
// hashed on the way; one that does not have its recording's digest stops
// the build with a *CorruptError. The tree is an intermediate that only
// xorriso reads: its files are not synced one by one (a crash leaves a
// temporary directory to remove, never a package); the image is. The
// custody excerpt (WriteCustody) comes after, once the log records MANIFEST.
func Build(ctx context.Context, s Spec, dir string) (Built, error) {
	var b Built
	for _, d := range []string{OriginalsDir, VerifiersDir, CustodyDir} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return b, err
		}
	}
	for i, it := range s.Items {
		rec := it.Recording
		name := fmt.Sprintf("%s/%02d_%s", OriginalsDir, i+1, safeName(rec.Filename, rec.ID))
		sum, size, err := linkIn(dir, name, it.Path)
		if err != nil {
			sum, size, err = copyIn(ctx, dir, name, func() (io.ReadCloser, error) { return it.Open(ctx) })
		}
		if err != nil {
			return b, err
		}
		if sum != rec.Digest.Hex() {
			return b, &CorruptError{RecordingID: rec.ID, Want: rec.Digest.Hex(), Got: sum}
		}
		b.Files = append(b.Files, File{Path: name, SHA256: sum, Size: size, RecordingID: rec.ID, Kind: "original"})
		if it.Start != nil && it.End != nil {
			f, err := cutClip(ctx, s.FFmpeg, dir, name, i+1, it)
			if err != nil {
				return b, err
			}
			b.Files = append(b.Files, f)
		}
	}
	if s.Verifiers != "" {
		for _, v := range VerifierBinaries {
			name := VerifiersDir + "/" + v
			sum, size, err := copyIn(ctx, dir, name, func() (io.ReadCloser, error) { return os.Open(filepath.Join(s.Verifiers, v)) })
			if err != nil {
				return b, fmt.Errorf("export: verifier %s: %w", v, err)
			}
			if strings.HasSuffix(v, "linux-amd64") {
				if err := os.Chmod(filepath.Join(dir, name), 0o755); err != nil {
					return b, err
				}
			}
			b.Files = append(b.Files, File{Path: name, SHA256: sum, Size: size, Kind: "verifier"})
		}
	}
	docs := []struct {
		name   string
		render func(io.Writer) error
	}{
		{ReadmeName, func(w io.Writer) error { _, err := w.Write(readme(s)); return err }},
		{DescriptionName, func(w io.Writer) error { return report.RenderDescription(description(s, b.Files), s.Font, w) }},
		{ListPDFName, func(w io.Writer) error {
			return report.RenderDataList("电子数据清单", listHeading(s), described(s, b.Files), s.ExtractedAt, s.Font, w)
		}},
		{ListCSVName, func(w io.Writer) error { return listCSV(s, b.Files, w) }},
	}
	for _, d := range docs {
		var buf bytes.Buffer
		if err := d.render(&buf); err != nil {
			return b, err
		}
		sum, size, err := copyIn(ctx, dir, d.name, func() (io.ReadCloser, error) { return io.NopCloser(&buf), nil })
		if err != nil {
			return b, err
		}
		b.Files = append(b.Files, File{Path: d.name, SHA256: sum, Size: size, Kind: "document"})
	}
	lines := make([]ManifestLine, len(b.Files))
	for i, f := range b.Files {
		lines[i] = ManifestLine{SHA256: f.SHA256, Path: f.Path}
	}
	slices.SortFunc(lines, func(a, b ManifestLine) int { return strings.Compare(a.Path, b.Path) })
	data := FormatManifest(lines)
	if err := WriteFile(filepath.Join(dir, ManifestName), data); err != nil {
		return b, err
	}
	m := sha256.Sum256(data)
	b.Manifest = hex.EncodeToString(m[:])
	return b, nil
}

// copyIn streams what open reads into dir/name, hashing it on the way.
func copyIn(ctx context.Context, dir, name string, open func() (io.ReadCloser, error)) (sum string, size int64, err error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	r, err := open()
	if err != nil {
		return "", 0, err
	}
	defer r.Close() //nolint:errcheck // the source is only read
	f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = noSpace(cerr)
		}
	}()
	h := sha256.New()
	buf := make([]byte, copyBuf)
	size, err = io.CopyBuffer(io.MultiWriter(f, h), struct{ io.Reader }{r}, buf)
	if err != nil {
		return "", size, noSpace(fmt.Errorf("export: %s: %w", name, err))
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// linkIn hard-links the file at path to dir/name and hashes it; an error
// (no path, another file system) makes the caller copy instead.
func linkIn(dir, name, path string) (string, int64, error) {
	if path == "" {
		return "", 0, errors.New("export: no file to link")
	}
	dst := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.Link(path, dst); err != nil {
		return "", 0, err
	}
	sum, size, err := hashPath(dst)
	if err != nil {
		os.Remove(dst) //nolint:errcheck // the caller copies instead, and the tree is removed whole after
	}
	return sum, size, err
}

// noSpace marks a full disk with ErrNoSpace, for a clear message.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// WriteFile writes data to path (a new file) and syncs it.
func WriteFile(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = noSpace(cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return noSpace(err)
	}
	return noSpace(f.Sync())
}

// safeName is a recording's file name as the package names it: its base
// name with path separators and control characters replaced, never empty.
func safeName(name string, id int64) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, filepath.Base(name))
	if name == "" || name == "." || name == ".." {
		name = fmt.Sprintf("recording-%d", id)
	}
	return name
}

// cutClip cuts item's span out of the original at name with ffmpeg's
// stream copy (no re-encoding: the clip's frames are the original's, cut at
// keyframes).
func cutClip(ctx context.Context, ffmpeg, dir, name string, n int, it Item) (File, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	version := toolVersion(ctx, ffmpeg)
	base := filepath.Base(name)
	base = strings.TrimPrefix(base, base[:strings.IndexByte(base, '_')+1])
	clip := fmt.Sprintf("%s/%02d_%s-%s_%s", ClipsDir, n, spanName(*it.Start), spanName(*it.End), base)
	if err := os.MkdirAll(filepath.Join(dir, ClipsDir), 0o755); err != nil {
		return File{}, err
	}
	out := filepath.Join(dir, filepath.FromSlash(clip))
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-ss", seconds(*it.Start), "-to", seconds(*it.End),
		"-i", filepath.Join(dir, filepath.FromSlash(name)), "-map", "0", "-c", "copy", "-avoid_negative_ts", "make_zero", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return File{}, fmt.Errorf("export: clip of recording %d: %w: %s", it.Recording.ID, err, bytes.TrimSpace(msg))
	}
	sum, size, err := hashPath(out)
	if err != nil {
		return File{}, err
	}
	return File{Path: clip, SHA256: sum, Size: size, RecordingID: it.Recording.ID, Kind: "clip",
		Clip: &Clip{Parent: it.Recording.Digest, Start: *it.Start, End: *it.End, Tool: version + " -c copy"}}, nil
}

func hashPath(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, copyBuf))
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// toolVersion is the first line's first three words of `tool -version`,
// e.g. "ffmpeg version 5.1.6-0+deb12u1" → "ffmpeg 5.1.6-0+deb12u1".
func toolVersion(ctx context.Context, tool string) string {
	out, err := exec.CommandContext(ctx, tool, "-version").Output()
	if err != nil {
		return filepath.Base(tool)
	}
	f := strings.Fields(string(out))
	if len(f) >= 3 && f[1] == "version" {
		return f[0] + " " + f[2]
	}
	return filepath.Base(tool)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// spanName writes an offset for a file name: 0m05s, 1h02m03s.
func spanName(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}

// clock writes an offset for people: 00:01:05.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

var purposeNames = map[evidence.ExtractionPurpose]string{
	evidence.ExtractCaseFile:  "作为证据附卷",
	evidence.ExtractCourt:     "提交人民法院",
	evidence.ExtractAuthority: "移送其他机关",
}

func localTime(t time.Time) string { return t.In(evidence.Zone).Format("2006年01月02日 15:04:05") }

func description(s Spec, files []File) report.Description {
	var makers, times []string
	for _, it := range s.Items {
		m := it.Maker
		if it.Recording.Device != "" {
			m += "，设备 " + it.Recording.Device
		}
		if !slices.Contains(makers, m) {
			makers = append(makers, m)
		}
		if st, en := it.Recording.CorrectedStart(), it.Recording.CorrectedEnd(); st != nil {
			t := localTime(*st)
			if en != nil {
				t += " 至 " + en.In(evidence.Zone).Format("15:04:05")
			}
			times = append(times, t)
		}
	}
	place := s.Place
	if place == "" {
		place = "（未填写）"
	}
	fields := []report.Field{
		{Label: "案件编号", Value: s.Case.Number},
		{Label: "案件名称", Value: s.Case.Title},
		{Label: "提取编号", Value: fmt.Sprintf("第 %d 号", s.ExtractionID)},
		{Label: "提取目的", Value: purposeNames[s.Purpose]},
	}
	if s.Recipient != "" {
		fields = append(fields, report.Field{Label: "接收单位", Value: s.Recipient})
	}
	fields = append(fields,
		report.Field{Label: "证明对象", Value: s.Proves},
		report.Field{Label: "制作人", Value: strings.Join(makers, "；")},
		report.Field{Label: "制作方法", Value: "执法记录仪现场同步录音录像；原始文件经采集站导入实录证据库，入库时计算 SHA-256 并记入保管链"},
		report.Field{Label: "制作时间", Value: strings.Join(times, "；")},
		report.Field{Label: "制作地点", Value: place},
		report.Field{Label: "提取人", Value: s.Extractor},
		report.Field{Label: "批准人", Value: s.Approver},
		report.Field{Label: "提取时间", Value: localTime(s.ExtractedAt)},
		report.Field{Label: "提取方法", Value: "从实录证据库存储中复制原始文件，逐字节一致，复制时重新计算 SHA-256 与入库记录核对；片段以 ffmpeg 流复制截取（不重新编码），原始文件同时附上"},
	)
	return report.Description{
		Title:  "视听资料文字说明",
		Fields: fields,
		Files:  described(s, files),
		Closing: []report.Field{
			{Label: "校验方法", Value: "见 README.txt：运行 校验工具 中的程序，或 shilu package verify；亦可用 sha256sum -c MANIFEST 核对各文件"},
			{Label: "保管链公钥", Value: s.VerifierKey},
		},
		Signatures:  []string{"提取人签名", "批准人签名", "制作人签名"},
		GeneratedAt: s.ExtractedAt,
	}
}

func described(s Spec, files []File) []report.DescribedFile {
	items := map[int64]Item{}
	for _, it := range s.Items {
		items[it.Recording.ID] = it
	}
	var out []report.DescribedFile
	for _, f := range files {
		it, ok := items[f.RecordingID]
		if !ok || (f.Kind != "original" && f.Kind != "clip") {
			continue
		}
		d := report.DescribedFile{Name: f.Path, Kind: "原始文件", Size: humanize.IBytes(uint64(f.Size)) + fmt.Sprintf("（%d 字节）", f.Size),
			Duration: clock(it.Duration), SHA256: f.SHA256, Source: it.Maker}
		if it.Recording.Device != "" {
			d.Source += "，" + it.Recording.Device
		}
		if f.Clip != nil {
			d.Kind, d.Duration = "片段", clock(f.Clip.End-f.Clip.Start)
			d.Notes = append(d.Notes, fmt.Sprintf("截取自原始文件（SHA-256 %s）的 %s 至 %s，工具 %s，未重新编码",
				f.Clip.Parent.Hex(), clock(f.Clip.Start), clock(f.Clip.End), f.Clip.Tool))
		} else {
			for _, bm := range it.Bookmarks {
				span := clock(bm.Offset())
				if bm.EndMS != nil {
					span += " 至 " + clock(bm.End())
				}
				note := "关键片段 " + span + "：" + bm.Kind.Label()
				if bm.Label != "" {
					note += "，" + bm.Label
				}
				d.Notes = append(d.Notes, note)
			}
		}
		out = append(out, d)
	}
	return out
}

func listHeading(s Spec) []report.Field {
	return []report.Field{{Label: "案件", Value: s.Case.Number + " " + s.Case.Title}, {Label: "提取人", Value: s.Extractor},
		{Label: "提取时间", Value: localTime(s.ExtractedAt)}}
}

func listCSV(s Spec, files []File, w io.Writer) error {
	// A byte-order mark: spreadsheet programs on Chinese Windows read
	// UTF-8 only with it.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	// Write's errors are the writer's, and Error returns them after Flush.
	_ = cw.Write([]string{"序号", "名称", "类型", "大小（字节）", "时长", "来源", "SHA-256"})
	for i, d := range described(s, files) {
		size := strings.TrimSuffix(d.Size[strings.Index(d.Size, "（")+len("（"):], " 字节）")
		_ = cw.Write([]string{fmt.Sprint(i + 1), safeCell(d.Name), d.Kind, size, d.Duration, safeCell(d.Source), d.SHA256})
	}
	cw.Flush()
	return cw.Error()
}

func readme(s Spec) []byte {
	tools := "校验工具/shilu-verify-windows-amd64.exe（Windows）或 校验工具/shilu-verify-linux-amd64（Linux）"
	if s.Verifiers == "" {
		tools = "实录系统的 shilu package verify 命令（本包未附独立校验程序）"
	}
	text := fmt.Sprintf(`证据包使用说明（%s，提取编号 %d）

本光盘是从实录执法音像记录证据库提取的电子证据，供案卷、法院或接收单位核验。

一、内容
  原始文件/      执法记录仪原始音像文件，与证据库存储逐字节一致
  片段/          从原始文件截取的片段（如有），以流复制截取，未重新编码
  文字说明.pdf   视听资料文字说明：制作人、提取人、提取时间、证明对象、关键片段、每个文件的 SHA-256
  电子数据清单   PDF 与 CSV 两种格式
  MANIFEST       本包每个文件的 SHA-256
  保管链/        每个记录的保管链条目、包含证明、签名的检查点和证据库公钥
  校验工具/      独立校验程序

二、如何核验
  1. 在光盘所在目录运行 %s，
     不需联网、不需安装。程序逐一核对每个文件的 SHA-256、每个保管链条目的包含证明和检查点的签名，
     最后以中文和英文给出结论：“校验通过”或“校验失败”并列出有问题的文件。
  2. 核对程序显示的公钥与证据库公布的公钥一致：
     %s
  3. 也可用任何 SHA-256 工具核对，例如 Linux 上 sha256sum -c MANIFEST。

三、注意
  任何一个字节被改动、文件被删除或说明被修改，校验都会失败并指出对应文件。
  原始文件以外的内容（片段、文字说明）均由证据库生成，原始文件从未被修改。
`, s.Case.Number, s.ExtractionID, tools, s.VerifierKey)
	// CRLF and a byte-order mark, for Notepad on older Windows.
	return append([]byte("\ufeff"), strings.ReplaceAll(text, "\n", "\r\n")...)
}

// safeCell keeps a spreadsheet from taking a cell for a formula (a device's
// file name is outside input): a leading =, +, -, @, tab or CR gets an
// apostrophe, as the workbench's CSV downloads do.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
