package httpx

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"testing"
)

// Issue 9 point 8: no cell of an export is read as a formula, a leading
// tab or carriage return included (spreadsheets skip them and then see
// the formula).
func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"张伟", "张伟"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"-3", "-3"},
		{"+8.5", "+8.5"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVWriterMakesEveryCellSafe(t *testing.T) {
	w := httptest.NewRecorder()
	cw := CSV(w, "x.csv")
	cw.Write([]string{"\t=cmd()", "ok", "-1"})
	cw.Flush()
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(w.Body.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0][0] != "'\t=cmd()" || rows[0][1] != "ok" || rows[0][2] != "-1" {
		t.Errorf("rows %q", rows)
	}
}
