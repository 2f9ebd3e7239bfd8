package report

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
)

// Description is the 文字说明 of an evidence package (Art. 15; X-EXP-1,
// X-EXP-2): who made the recordings and who extracted them, when and how,
// what they prove, the key segments and every file with its SHA-256. The
// caller gives every text already in Chinese.
type Description struct {
	Title  string  // 视听资料文字说明
	Fields []Field // 案件, 提取人, 提取时间, 制作人, 制作方法, … in order
	Files  []DescribedFile
	// Closing lists what follows the files: the key that signs the
	// custody log, the checkpoint, how to verify.
	Closing     []Field
	Signatures  []string // labels of the signature lines (提取人签名, …)
	GeneratedAt time.Time
}

// DescribedFile is one file of the package as the description and the list
// of electronic data (电子数据清单) show it.
type DescribedFile struct {
	Name     string // its path in the package
	Kind     string // 原始文件, 片段
	Size     string
	Duration string
	SHA256   string // full hex: the reader compares it, so it is never cut
	Source   string // device and officer
	Notes    []string
}

// RenderDescription lays out the description on A4 portrait.
func RenderDescription(d Description, font []byte, w io.Writer) error {
	f, err := newPortrait(d.Title, d.GeneratedAt, font)
	if err != nil {
		return err
	}
	pageW, _ := f.GetPageSize()
	lm, _, _, _ := f.GetMargins()
	width := pageW - 2*lm
	f.SetFont("wqy", "", 16)
	f.CellFormat(width, 10, d.Title, "", 1, "C", false, 0, "")
	f.Ln(2)
	fields := func(list []Field) {
		for _, fl := range list {
			f.SetFont("wqy", "", 10)
			y := f.GetY()
			f.SetXY(lm, y)
			f.CellFormat(32, 6, fl.Label+"：", "", 0, "L", false, 0, "")
			for i, line := range wrap(f, clean(fl.Value), width-32) {
				if i > 0 {
					f.SetX(lm + 32)
				}
				f.CellFormat(width-32, 6, line, "", 1, "L", false, 0, "")
			}
			if f.GetY() == y {
				f.Ln(6)
			}
		}
	}
	fields(d.Fields)
	f.Ln(3)
	f.SetFont("wqy", "", 12)
	f.CellFormat(width, 8, "文件清单", "", 1, "L", false, 0, "")
	for i, file := range d.Files {
		f.SetFont("wqy", "", 10)
		for _, line := range wrap(f, clean(fmt.Sprintf("%d. %s（%s）", i+1, file.Name, file.Kind)), width) {
			f.CellFormat(width, 6, line, "", 1, "L", false, 0, "")
		}
		f.SetFont("wqy", "", 9)
		f.CellFormat(width, 5, clean(fmt.Sprintf("大小 %s　时长 %s　来源 %s", file.Size, file.Duration, file.Source)), "", 1, "L", false, 0, "")
		// The digest on one line, whole: pdftotext and a reader's eye must
		// both find it.
		f.SetFont("wqy", "", 8)
		f.CellFormat(width, 5, "SHA-256 "+file.SHA256, "", 1, "L", false, 0, "")
		f.SetFont("wqy", "", 9)
		for _, n := range file.Notes {
			for _, line := range wrap(f, clean(n), width-6) {
				f.SetX(lm + 6)
				f.CellFormat(width-6, 5, line, "", 1, "L", false, 0, "")
			}
		}
		f.Ln(2)
	}
	f.Ln(2)
	fields(d.Closing)
	f.Ln(8)
	f.SetFont("wqy", "", 10)
	for _, s := range d.Signatures {
		f.CellFormat(width, 10, s+"：______________________　日期：____年__月__日", "", 1, "L", false, 0, "")
	}
	return output(f, w)
}

// RenderDataList lays out the list of electronic data (电子数据清单, X-EXP-3)
// as a table on A4 landscape.
func RenderDataList(title string, heading []Field, files []DescribedFile, at time.Time, font []byte, w io.Writer) error {
	f := fpdf.New("L", "mm", "A4", "")
	f.AddUTF8FontFromBytes("wqy", "", font)
	if f.Err() {
		return fmt.Errorf("report: font: %w", f.Error())
	}
	setMeta(f, title, at)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	f.AddPage()
	pageW, _ := f.GetPageSize()
	width := pageW - 2*margin
	f.SetFont("wqy", "", 16)
	f.CellFormat(width, 10, title, "", 1, "C", false, 0, "")
	f.SetFont("wqy", "", 10)
	for _, h := range heading {
		f.CellFormat(width, 6, clean(h.Label+"："+h.Value), "", 1, "L", false, 0, "")
	}
	f.Ln(2)
	cols := []struct {
		title string
		w     float64
	}{{"序号", 10}, {"名称", 70}, {"类型", 16}, {"大小", 22}, {"时长", 18}, {"来源", 40}, {"SHA-256", width - 176}}
	f.SetFont("wqy", "", 8)
	for _, c := range cols {
		f.CellFormat(c.w, 6, c.title, "1", 0, "C", false, 0, "")
	}
	f.Ln(-1)
	for i, file := range files {
		name := wrap(f, clean(file.Name), cols[1].w)
		src := wrap(f, clean(file.Source), cols[5].w)
		h := 5 * float64(max(len(name), len(src), 1))
		x, y := f.GetXY()
		vals := []string{fmt.Sprint(i + 1), "", file.Kind, file.Size, file.Duration, "", file.SHA256}
		for j, c := range cols {
			f.Rect(x, y, c.w, h, "D")
			lines := []string{vals[j]}
			switch j {
			case 1:
				lines = name
			case 5:
				lines = src
			}
			if j == 6 {
				f.SetFont("wqy", "", 6)
			}
			for k, l := range lines {
				f.SetXY(x, y+float64(k)*5)
				f.CellFormat(c.w, 5, l, "", 0, "L", false, 0, "")
			}
			f.SetFont("wqy", "", 8)
			x += c.w
		}
		f.SetXY(margin, y+h)
	}
	return output(f, w)
}

func newPortrait(title string, at time.Time, font []byte) (*fpdf.Fpdf, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("wqy", "", font)
	if f.Err() {
		return nil, fmt.Errorf("report: font: %w", f.Error())
	}
	setMeta(f, title, at)
	f.SetMargins(margin+5, margin, margin+5)
	f.SetAutoPageBreak(true, margin)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-10)
		f.SetFont("wqy", "", 7)
		f.CellFormat(0, 4, fmt.Sprintf("第 %d 页 / 共 {nb} 页", f.PageNo()), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	return f, nil
}

func setMeta(f *fpdf.Fpdf, title string, at time.Time) {
	f.SetTitle(title, true)
	f.SetCreator("实录 Shilu", true)
	f.SetCreationDate(at)
	f.SetModificationDate(at)
}

func output(f *fpdf.Fpdf, w io.Writer) error {
	if f.Err() {
		return fmt.Errorf("report: %w", f.Error())
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
