package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pdfText returns the text of a PDF by pdftotext (poppler-utils), skipping
// when it is missing unless SHILU_TEST_DISALLOW_SKIP=1.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatal("pdftotext not installed (Debian poppler-utils)")
		}
		t.Skip("pdftotext not installed (Debian poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func sampleLog(rows int) CustodyLog {
	shanghai := time.FixedZone("CST", 8*3600)
	doc := CustodyLog{
		Title:       "保管链记录",
		Scope:       []Field{{"操作人", "张警官"}, {"对象", "全部"}, {"时间范围", "2026-11-01 至 2026-11-27"}},
		KeyName:     "shilu-test+1234abcd+AbCdEf",
		Size:        uint64(rows + 1),
		Root:        bytes.Repeat([]byte{0xab, 0x12}, 16),
		GeneratedAt: time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC),
		GeneratedBy: "审计员李四",
		Zone:        shanghai,
		HasExport:   true, ExportIndex: uint64(rows),
	}
	t0 := time.Date(2026, 11, 20, 1, 2, 3, 0, time.UTC)
	for i := range rows {
		r := Row{Index: uint64(i), Time: t0.Add(time.Duration(i) * time.Minute), Actor: "张警官", Action: "查看音像记录内容",
			Object: fmt.Sprintf("recording:%d", i), Outcome: "成功",
			Details: "用途=办案; 事由=核查现场执法过程是否规范，涉及当事人王某某的陈述与现场录像比对"}
		if i%5 == 0 {
			r.Digests = []string{"sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
			r.Action = "音像记录入库"
		}
		if i%7 == 3 {
			r.Outcome, r.Failed = "拒绝", true
		}
		doc.Rows = append(doc.Rows, r)
	}
	doc.Matched = rows
	return doc
}

// The report renders Chinese text that a PDF reader extracts back, over
// several numbered pages.
func TestRenderCustody(t *testing.T) {
	font := systemFont(t)
	p, err := RenderCustody(sampleLog(60), font)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SHILU_REPORT_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "custody.pdf"), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := pdfText(t, out.Bytes())
	// pdftotext drops the spaces between Chinese characters.
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), "第1页/共") {
		t.Error("text lacks the page numbers")
	}
	for _, want := range []string{"保管链记录", "张警官", "查看音像记录内容", "审计员李四", "当事人王某某的陈述", "shilu-test+1234abcd", "序号", "详情", "sha256-0123456789ab"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(text, "{nb}") {
		t.Error("page count alias not replaced")
	}
}

func TestRenderCustodyEmpty(t *testing.T) {
	font := systemFont(t)
	doc := sampleLog(0)
	p, err := RenderCustody(doc, font)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, out.Bytes()); !strings.Contains(text, "无符合条件的记录") {
		t.Errorf("text lacks the empty note:\n%s", text)
	}
}

// R-AUD-1: the custody PDF is dense enough to print a long log: at least
// 30 entries with readable details a page of A4 landscape (it held 9
// before), in a body font still 7.5 pt.
func TestCustodyDensity(t *testing.T) {
	font := systemFont(t)
	doc := sampleLog(300)
	for i := range doc.Rows {
		doc.Rows[i].Actor = "张伟（000123）"
		doc.Rows[i].Object = fmt.Sprintf("音像记录 %d", i)
		doc.Rows[i].Details = "申请编号：12；用途：办案；期限：2026-12-05 15:00 至 2026-12-12 15:00；理由：核查现场执法过程是否规范"
	}
	p, err := RenderCustody(doc, font)
	if err != nil {
		t.Fatal(err)
	}
	pages := p.f.PageNo()
	perPage := float64(len(doc.Rows)) / float64(pages)
	t.Logf("%d rows on %d pages: %.1f rows a page", len(doc.Rows), pages, perPage)
	if perPage < 30 {
		t.Errorf("%.1f rows a page, want at least 30", perPage)
	}
}
