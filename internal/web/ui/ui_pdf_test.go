package ui

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// Without the font the answer is 503 naming the Debian package, and
// nothing is rendered.
func TestCustodyPDFNoFont(t *testing.T) {
	h := &Handler{Logger: slog.New(slog.DiscardHandler)}
	w := httptest.NewRecorder()
	if _, ok, err := h.pdfFont(w, filepath.Join(t.TempDir(), "none.ttc")); ok || err != nil {
		t.Errorf("no font: ok=%v err=%v", ok, err)
	}
	if w.Code != 503 || !strings.Contains(w.Body.String(), "fonts-wqy-microhei") {
		t.Errorf("no font: %d %s", w.Code, w.Body.String())
	}
}
