package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// The answer carries the code and the message's key, which clients act on,
// and the message in the request's language; an internal error's own text
// never leaves the server.
func TestWrite(t *testing.T) {
	conflict := fmt.Errorf("store: %w", &evidence.Error{Code: evidence.EConflict, Msg: evidence.Msg("err.recording.duplicate", int64(7)),
		Details: map[string]any{"recording_id": 7}})
	for _, tc := range []struct {
		name, accept string
		err          error
		status       int
		code         evidence.Code
		key, message string
		lang         string
	}{
		{"ChineseByDefault", "", conflict, http.StatusConflict, evidence.EConflict, "err.recording.duplicate", "相同内容已归档为记录 7", locale.Chinese},
		{"English", "en", conflict, http.StatusConflict, evidence.EConflict, "err.recording.duplicate", "Identical content is already archived as recording 7", locale.English},
		{"InternalHidden", "en", errors.New("disk on fire at /var/lib/shilu"), http.StatusInternalServerError, evidence.EInternal, "err.internal",
			locale.New(locale.English).T("err.internal"), locale.English},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/recordings", nil)
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			w := httptest.NewRecorder()
			Write(w, r, tc.err, "rid1")
			var b Body
			if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || b.Error.Code != tc.code || b.Error.Key != tc.key || b.Error.Message != tc.message || b.Error.RequestID != "rid1" {
				t.Errorf("%d %+v", w.Code, b.Error)
			}
			if got := w.Header().Get("Content-Language"); got != tc.lang {
				t.Errorf("Content-Language %q, want %q", got, tc.lang)
			}
			if strings.Contains(w.Body.String(), "disk on fire") {
				t.Errorf("internal error leaked: %s", w.Body)
			}
		})
	}
}
