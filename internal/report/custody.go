package report

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// CustodyLog is a custody log report: a title, what the report covers, the
// checkpoint a reader verifies the rows against, and the rows. The caller
// bounds Rows (the web layer caps them at its query limit) and gives
// every text already in the reader's language.
type CustodyLog struct {
	Title string // 保管链记录, 音像记录保管链
	// Scope lists what the report covers (filters, the recording) as
	// label–value pairs, in order.
	Scope []Field
	// KeyName names the key that signs the log's checkpoints; Size and
	// Root are the latest checkpoint when the rows were read.
	KeyName string
	Size    uint64
	Root    []byte
	// Checkpoint is the signed checkpoint of Size and Root, the note as
	// `shilu audit verify --checkpoint FILE` reads it: the report ends
	// with it, so that the report itself witnesses the log (issue 9
	// point 7). Empty: no such section.
	Checkpoint string
	// ExportIndex is the custody entry recording this export, if any
	// (HasExport).
	ExportIndex uint64
	HasExport   bool
	GeneratedAt time.Time
	GeneratedBy string
	Zone        *time.Location // the zone times show in
	Rows        []Row
	// Matched counts the entries that matched, at least as far as one
	// beyond the rows: more than len(Rows) means the report was cut at the
	// limit (the count is then not the total: the reader is not walked
	// through a log of millions of entries to count it).
	Matched int
}

// Field is one label–value pair of a report's heading.
type Field struct{ Label, Value string }

// Row is one custody entry as the report shows it.
type Row struct {
	Index   uint64
	Time    time.Time
	Actor   string
	Action  string
	Object  string
	Outcome string
	Failed  bool // a denied or failed outcome, shown in red
	Digests []string
	Details string
}

// Page geometry: A4 landscape, in millimetres. Dense enough for a long
// log on paper (33 entries with a line of details a page, where the
// first layout's 14 mm margins, 8.5 pt and 4.6 mm lines held 9) and still
// readable: 7.5 pt, the size of a dense printed form.
const (
	margin     = 8.0
	headTop    = 3.5 // the running head's line
	lineHeight = 3.5
	cellPad    = 0.8
	bodySize   = 7.5
	headRow    = 5.5 // the table's heading row
	footSpace  = 6.0 // room for the footer above the bottom margin
)

// columns of the table, with their widths (sum: 297 − 2×margin); the time
// fits one line, and the details, in words, have the most room.
var columns = []struct {
	title string
	width float64
	align string
}{
	{"序号", 10, "C"}, {"时间", 27, "C"}, {"操作人", 24, "L"}, {"操作", 24, "L"},
	{"对象", 20, "L"}, {"结果", 9, "C"}, {"摘要", 32, "L"}, {"详情", 135, "L"},
}

// CustodyPDF is a rendered report, ready to be written.
type CustodyPDF struct{ f *fpdf.Fpdf }

// Output writes the PDF to w.
func (p *CustodyPDF) Output(w io.Writer) error { return p.f.Output(w) }

// RenderCustody lays out doc with font, TrueType bytes from LoadFont. The
// whole document is held in memory until Output; its size is bounded by
// the number of rows.
func RenderCustody(doc CustodyLog, font []byte) (*CustodyPDF, error) {
	zone := doc.Zone
	if zone == nil {
		zone = time.UTC
	}
	f := fpdf.New("L", "mm", "A4", "")
	f.AddUTF8FontFromBytes("wqy", "", font)
	if f.Err() {
		return nil, fmt.Errorf("report: font: %w", f.Error())
	}
	f.SetTitle(doc.Title, true)
	f.SetAuthor(doc.GeneratedBy, true)
	f.SetCreator("实录 Shilu", true)
	f.SetCreationDate(doc.GeneratedAt)
	f.SetModificationDate(doc.GeneratedAt)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, margin+footSpace)
	f.AliasNbPages("{nb}")
	pageW, pageH := f.GetPageSize()
	bottom := pageH - margin - footSpace

	tableHead := func() {
		f.SetFont("wqy", "", 8)
		f.SetFillColor(31, 56, 100)
		f.SetTextColor(255, 255, 255)
		f.SetDrawColor(31, 56, 100)
		f.SetX(margin)
		for _, c := range columns {
			f.CellFormat(c.width, headRow, c.title, "1", 0, "C", true, 0, "")
		}
		f.Ln(-1)
		f.SetTextColor(0, 0, 0)
	}
	first, inTable := true, true
	f.SetHeaderFunc(func() {
		// A running head on every page, the title block on the first only.
		f.SetFont("wqy", "", 7)
		f.SetTextColor(110, 110, 110)
		f.SetXY(margin, headTop)
		f.CellFormat(pageW/2-margin, 4, "实录 · 执法音像记录证据管理系统", "", 0, "L", false, 0, "")
		f.CellFormat(pageW/2-margin, 4, doc.Title, "", 0, "R", false, 0, "")
		f.SetDrawColor(160, 160, 160)
		f.SetLineWidth(0.2)
		f.Line(margin, headTop+4.2, pageW-margin, headTop+4.2)
		f.SetTextColor(0, 0, 0)
		f.SetY(margin + 1)
		if first {
			first = false
			titleBlock(f, doc, zone, pageW)
		}
		if inTable {
			tableHead()
		}
	})
	f.SetFooterFunc(func() {
		f.SetY(pageH - margin - footSpace + 1.5)
		f.SetFont("wqy", "", 7)
		f.SetTextColor(110, 110, 110)
		f.SetDrawColor(160, 160, 160)
		f.Line(margin, pageH-margin-footSpace+1, pageW-margin, pageH-margin-footSpace+1)
		third := (pageW - 2*margin) / 3
		f.CellFormat(third, 5, "生成："+doc.GeneratedAt.In(zone).Format("2006-01-02 15:04:05")+"（北京时间）", "", 0, "L", false, 0, "")
		f.CellFormat(third, 5, fmt.Sprintf("第 %d 页 / 共 {nb} 页", f.PageNo()), "", 0, "C", false, 0, "")
		f.CellFormat(third, 5, fmt.Sprintf("日志规模 %d · 根 %s…", doc.Size, shortHex(doc.Root)), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()

	f.SetFont("wqy", "", bodySize)
	f.SetDrawColor(170, 170, 170)
	f.SetLineWidth(0.15)
	for i, r := range doc.Rows {
		cells := []string{
			fmt.Sprint(r.Index),
			r.Time.In(zone).Format("2006-01-02 15:04:05"),
			r.Actor, r.Action, r.Object, r.Outcome,
			strings.Join(shortDigests(r.Digests), "\n"),
			r.Details,
		}
		lines := make([][]string, len(cells))
		n := 1
		for j, c := range cells {
			lines[j] = wrap(f, clean(c), columns[j].width)
			n = max(n, len(lines[j]))
		}
		h := float64(n)*lineHeight + 2*cellPad
		if f.GetY()+h > bottom {
			f.AddPage()
			f.SetFont("wqy", "", bodySize)
			f.SetDrawColor(170, 170, 170)
			f.SetLineWidth(0.15)
		}
		x, y := margin, f.GetY()
		fill := "D"
		if i%2 == 1 {
			f.SetFillColor(242, 245, 250)
			fill = "FD"
		}
		for j, c := range columns {
			f.Rect(x, y, c.width, h, fill)
			if j == 5 && r.Failed {
				f.SetTextColor(180, 20, 20)
			}
			for k, l := range lines[j] {
				f.SetXY(x, y+cellPad+float64(k)*lineHeight)
				f.CellFormat(c.width, lineHeight, l, "", 0, c.align, false, 0, "")
			}
			f.SetTextColor(0, 0, 0)
			x += c.width
		}
		f.SetXY(margin, y+h)
	}
	if len(doc.Rows) == 0 {
		f.SetX(margin)
		f.CellFormat(pageW-2*margin, 10, "（无符合条件的记录）", "1", 1, "C", false, 0, "")
	}
	// Closing note: how to verify, and whether the report was cut.
	inTable = false
	f.Ln(3)
	f.SetFont("wqy", "", 8)
	f.SetTextColor(80, 80, 80)
	note := fmt.Sprintf("共列出 %d 条记录。", len(doc.Rows))
	if doc.Matched > len(doc.Rows) {
		note = fmt.Sprintf("符合条件的记录多于本报告所列的 %d 条（列出的是最早的）；请缩小时间范围后分次导出。", len(doc.Rows))
	}
	note += "每条记录可按序号取得其对 “日志规模 / 根哈希” 所示检查点的包含证明（GET /api/v1/audit/entries/{序号}），并以上述公钥核验检查点签名。"
	if f.GetY()+12 > bottom {
		f.AddPage()
	}
	f.SetX(margin)
	f.MultiCell(pageW-2*margin, 4.2, note, "", "L", false)
	if doc.Checkpoint != "" {
		// The note exactly, line by line: copied into a file it is what
		// audit verify --checkpoint reads.
		lines := strings.Split(strings.TrimSuffix(doc.Checkpoint, "\n"), "\n")
		if f.GetY()+8+4.2*float64(len(lines)+1) > bottom {
			f.AddPage()
		}
		f.Ln(3)
		f.SetX(margin)
		f.SetTextColor(0, 0, 0)
		f.CellFormat(pageW-2*margin, 5, "签名检查点（将以下各行原样存为文件，可用 shilu audit verify --checkpoint 文件 核验保管链是否仍包含本报告所列记录）", "", 1, "L", false, 0, "")
		for _, l := range lines {
			f.SetX(margin)
			f.CellFormat(pageW-2*margin, 4.2, l, "", 1, "L", false, 0, "")
		}
	}
	if f.Err() {
		return nil, fmt.Errorf("report: render: %w", f.Error())
	}
	return &CustodyPDF{f: f}, nil
}

// titleBlock draws the title and the facts a reader needs to verify.
func titleBlock(f *fpdf.Fpdf, doc CustodyLog, zone *time.Location, pageW float64) {
	w := pageW - 2*margin
	f.SetFont("wqy", "", 18)
	f.SetTextColor(160, 20, 20)
	f.SetX(margin)
	f.CellFormat(w, 10, doc.Title, "", 1, "C", false, 0, "")
	f.SetDrawColor(160, 20, 20)
	f.SetLineWidth(0.6)
	y := f.GetY() + 1
	f.Line(margin, y, pageW-margin, y)
	f.SetLineWidth(0.2)
	f.Line(margin, y+1, pageW-margin, y+1)
	f.SetTextColor(0, 0, 0)
	f.SetY(y + 3)

	fields := append([]Field{}, doc.Scope...)
	fields = append(fields,
		Field{"生成时间", doc.GeneratedAt.In(zone).Format("2006-01-02 15:04:05") + "（北京时间）"},
		Field{"生成人", doc.GeneratedBy},
		Field{"签名公钥", doc.KeyName},
	)
	if doc.Size > 0 {
		fields = append(fields, Field{"检查点", fmt.Sprintf("日志规模 %d 条", doc.Size)}, Field{"根哈希", hex.EncodeToString(doc.Root)})
	} else {
		fields = append(fields, Field{"检查点", "（日志为空）"})
	}
	if doc.HasExport {
		fields = append(fields, Field{"本次导出", fmt.Sprintf("已记入保管链，序号 %d", doc.ExportIndex)})
	}
	// Two columns of label–value pairs; the root hash gets a full line.
	labelW, half := 20.0, w/2
	f.SetFont("wqy", "", 9)
	col := 0
	for _, fd := range fields {
		full := f.GetStringWidth(fd.Value) > half-labelW-2 // long values take the whole line
		if full && col == 1 {
			f.Ln(5.5)
			col = 0
		}
		f.SetX(margin + float64(col)*half)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(labelW, 5.5, fd.Label+"：", "", 0, "L", false, 0, "")
		f.SetTextColor(0, 0, 0)
		vw := half - labelW
		if full {
			vw = w - labelW
		}
		f.CellFormat(vw, 5.5, clean(fd.Value), "", 0, "L", false, 0, "")
		if full || col == 1 {
			f.Ln(5.5)
			col = 0
		} else {
			col = 1
		}
	}
	if col == 1 {
		f.Ln(5.5)
	}
	f.Ln(2)
}

// wrap splits s into the lines that fit a cell of width w: at spaces,
// between Chinese characters, and within a word too long for the cell
// (digests, object names). fpdf's SplitText drops the character where it
// breaks between Chinese characters, so this is its own.
func wrap(f *fpdf.Fpdf, s string, w float64) []string {
	avail := w - 2*f.GetCellMargin()
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		lw := 0.0
		brk, space := -1, false // where line may break, and whether a space is there
		for _, r := range para {
			rw := f.GetStringWidth(string(r))
			if lw+rw > avail && len(line) > 0 {
				rest := []rune{}
				if brk > 0 {
					rest = append(rest, line[brk:]...)
					line = line[:brk]
					if space {
						rest = rest[1:]
					}
				}
				out = append(out, strings.TrimRight(string(line), " "))
				line, lw, brk = rest, f.GetStringWidth(string(rest)), -1
			}
			if r == ' ' {
				brk, space = len(line), true
			}
			line = append(line, r)
			lw += rw
			if unicode.Is(unicode.Han, r) || unicode.IsPunct(r) && r > 0x2000 {
				brk, space = len(line), false
			}
		}
		out = append(out, string(line))
	}
	return out
}

// clean replaces what the font cannot show: control characters and runes
// beyond the Basic Multilingual Plane (fpdf's width table ends there).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r > 0xFFFF || unicode.IsControl(r):
			return '?'
		}
		return r
	}, s)
}

// shortDigests shortens each digest to its algorithm and first 12 hex
// digits: enough to match against the full value the API gives.
func shortDigests(ds []string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if len(d) > 19 {
			d = d[:19] + "…"
		}
		out[i] = d
	}
	return out
}

func shortHex(b []byte) string {
	s := hex.EncodeToString(b)
	if len(s) > 16 {
		s = s[:16]
	}
	return s
}
