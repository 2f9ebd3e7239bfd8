package web

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"shilu/internal/apierr"
	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// The API's refusals speak the catalogue: for a bad request to each
// handler that validates its query (and the server's own refusals), the
// answer keeps its machine code and catalogue key in every language, its
// message is the catalogue's text in the negotiated language — Chinese
// with Han characters for zh-CN, English without for en — and nothing of
// it is English text standing in for a key (issue 8: Chinese everywhere).
func TestAPIErrorsSpeakTheCatalogue(t *testing.T) {
	ts := newTestServer(t)
	var cp struct{ Size uint64 }
	if code := ts.call(t, "GET", "/api/v1/audit/checkpoint", evidence.RoleAuditor, "", &cp); code != 200 || cp.Size == 0 {
		t.Fatalf("checkpoint: %d, size %d", code, cp.Size)
	}
	// A role with perm, and one without.
	with := func(perm evidence.Permission) evidence.Role {
		for _, r := range evidence.Roles {
			if r.Can(perm) {
				return r
			}
		}
		t.Fatalf("no role may %s", perm)
		return ""
	}
	without := func(perm evidence.Permission) evidence.Role {
		for _, r := range evidence.Roles {
			if !r.Can(perm) {
				return r
			}
		}
		t.Fatalf("every role may %s", perm)
		return ""
	}
	msg := evidence.Msg
	for _, tc := range []struct {
		name   string
		method string
		path   string
		role   evidence.Role
		code   evidence.Code
		want   evidence.Message
	}{
		{"RecordingKind", "GET", "/api/v1/recordings?kind=film", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.recording.kind_unknown", "film")},
		{"RecordingOrphan", "GET", "/api/v1/recordings?orphan=yes", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.recording.orphan")},
		{"RecordingFrom", "GET", "/api/v1/recordings?from=yesterday", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.time", "from")},
		{"RecordingDigest", "GET", "/api/v1/recordings?sha256=abc", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.recording.sha256")},
		{"RecordingLimit", "GET", "/api/v1/recordings?limit=1001", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.query.range", "limit", 0, 1000)},
		{"RecordingOffset", "GET", "/api/v1/recordings?offset=100", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.query.offset")},
		{"Cursor", "GET", "/api/v1/recordings?after=1.0", with(evidence.PermRecordingsList), evidence.EInvalid, msg("err.query.cursor")},
		{"RecordingID", "GET", "/api/v1/recordings/abc", with(evidence.PermRecordingsRead), evidence.EInvalid, msg("err.bad_id")},
		{"AccessRequestNotFound", "GET", "/api/v1/access-requests/9999", with(evidence.PermAccessRequest), evidence.ENotFound, msg("err.access.not_found", 9999)},
		{"RegisterTo", "GET", "/api/v1/register?to=tomorrow", with(evidence.PermRegisterRead), evidence.EInvalid, msg("err.time", "to")},
		{"ActivityType", "GET", "/api/v1/activities?type=party", with(evidence.PermActivitiesRead), evidence.EInvalid, msg("err.activity.type_unknown", "party")},
		{"FindingStatus", "GET", "/api/v1/findings?status=closed", with(evidence.PermActivitiesRead), evidence.EInvalid, msg("err.finding.status_unknown", "closed")},
		{"FindingActivity", "GET", "/api/v1/findings?activity=x", with(evidence.PermActivitiesRead), evidence.EInvalid, msg("err.query.id", "activity")},
		{"OrphanLimit", "GET", "/api/v1/recordings/orphans?limit=0", with(evidence.PermActivitiesRead), evidence.EInvalid, msg("err.query.range", "limit", 1, 5000)},
		{"AuditIndex", "GET", "/api/v1/audit/entries/first", with(evidence.PermAuditRead), evidence.EInvalid, msg("err.audit.index")},
		{"AuditSize", "GET", fmt.Sprintf("/api/v1/audit/entries/0?size=%d", cp.Size+1), with(evidence.PermAuditRead), evidence.EInvalid, msg("err.audit.size", cp.Size)},
		{"AuditNoEntry", "GET", fmt.Sprintf("/api/v1/audit/entries/%d", cp.Size), with(evidence.PermAuditRead), evidence.ENotFound, msg("err.audit.no_entry", cp.Size, cp.Size)},
		{"Forbidden", "GET", "/api/v1/register", without(evidence.PermRegisterRead), evidence.EForbidden,
			msg("err.auth.forbidden_role", msg("role."+string(without(evidence.PermRegisterRead))), msg("perm.access_register"))},
		{"LogoutWithToken", "POST", "/api/v1/logout", evidence.RoleStation, evidence.EInvalid, msg("err.auth.token_logout")},
		{"Unauthorized", "GET", "/api/v1/recordings", "", evidence.EUnauthorized, msg("err.auth.credentials")},
		{"BadJSON", "POST", "/api/v1/activities", with(evidence.PermActivitiesRecord), evidence.EInvalid, msg("err.json", "EOF")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range locale.Languages() {
				req := httptest.NewRequest(tc.method, tc.path, nil)
				req.Header.Set("Accept-Language", lang)
				if tc.role != "" {
					req.Header.Set("Authorization", "Bearer "+ts.tokens[tc.role])
				}
				w := httptest.NewRecorder()
				ts.ServeHTTP(w, req)
				var b apierr.Body
				if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
					t.Fatalf("%s: %d %q: %v", lang, w.Code, w.Body.String(), err)
				}
				got := b.Error
				if got.Code != tc.code || got.Key != tc.want.Key {
					t.Errorf("%s: code %q key %q, want %q %q", lang, got.Code, got.Key, tc.code, tc.want.Key)
				}
				if w.Code != apierr.Status(evidence.Errorf(tc.code, "err.internal")) {
					t.Errorf("%s: status %d for code %s", lang, w.Code, got.Code)
				}
				if cl := w.Header().Get("Content-Language"); cl != lang {
					t.Errorf("Content-Language %q, want %q", cl, lang)
				}
				p := locale.New(lang)
				if _, ok := p.Lookup(tc.want.Key); !ok {
					t.Fatalf("no key %q in the catalogue", tc.want.Key)
				}
				if want := p.Msg(tc.want); got.Message != want {
					t.Errorf("%s message %q, want the catalogue's %q", lang, got.Message, want)
				}
				if han := strings.IndexFunc(got.Message, isHan) >= 0; han != (lang == locale.Chinese) {
					t.Errorf("%s message %q: Han characters %v", lang, got.Message, han)
				}
			}
		})
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// A refusal names the permission the route needs in words: every
// permission of the route table has its name in the catalogue.
func TestRoutePermissionsNamed(t *testing.T) {
	ts := newTestServer(t)
	p := locale.New(locale.Chinese)
	for _, rt := range ts.routes() {
		if rt.perm == open || rt.perm == signedIn {
			continue
		}
		key := "perm." + strings.ReplaceAll(string(rt.perm), ".", "_")
		if _, ok := p.Lookup(key); !ok {
			t.Errorf("%s %s: no name %q for its permission", rt.method, rt.pattern, key)
		}
	}
}
