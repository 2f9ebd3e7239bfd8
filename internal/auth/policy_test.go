package auth

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// X-SEC-1: password length, character classes, no user name; rotation.
func TestPolicyCheckPassword(t *testing.T) {
	p := Policy{}.WithDefaults()
	tests := []struct {
		name, user, pw string
		want           evidence.Message // zero: accepted
	}{
		{"OK", "zhangwei", "Correct-horse-7", evidence.Message{}},
		{"OKThreeClasses", "zhangwei", "correcthorse7X", evidence.Message{}},
		{"OKChinese", "zhangwei", "执法记录仪保管密码abc1", evidence.Message{}},
		{"ErrShort", "zhangwei", "Sh0rt-pass", evidence.Msg("err.password.too_short", 12, 10)},
		{"ErrShortInCharacters", "zhangwei", "执法记录仪密码1aB", evidence.Msg("err.password.too_short", 12, 10)},
		{"ErrTwoClasses", "zhangwei", "correcthorsebattery7", evidence.Msg("err.password.classes", 3, 2)},
		{"ErrContainsName", "zhangwei", "My-ZhangWei-2026", evidence.Msg("err.password.contains_name")},
		{"ErrEmpty", "zhangwei", "", evidence.Msg("err.password.too_short", 12, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckPassword(tt.user, tt.pw)
			if diff := cmp.Diff(tt.want, evidence.ErrorMessage(err)); diff != "" {
				t.Errorf("err = %v (-want +got):\n%s", err, diff)
			}
			if err != nil && evidence.ErrorCode(err) != evidence.EInvalid {
				t.Errorf("code = %s, want invalid", evidence.ErrorCode(err))
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	p := Policy{MinLength: 16}.WithDefaults()
	if p.MinLength != 16 || p.MaxFailures != 5 || p.Lockout != 15*time.Minute || p.IdleTimeout != 30*time.Minute || p.MaxAge != 90*24*time.Hour {
		t.Errorf("policy = %+v", p)
	}
	for r, want := range map[evidence.Role]bool{evidence.RoleSysAdmin: true, evidence.RoleSecAdmin: true, evidence.RoleAuditor: true, evidence.RoleOfficer: false} {
		if p.RequiresTOTP(r) != want {
			t.Errorf("RequiresTOTP(%s) = %v", r, !want)
		}
	}
	set := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if p.PasswordExpired(&set, set.Add(89*24*time.Hour)) || !p.PasswordExpired(&set, set.Add(90*24*time.Hour)) || p.PasswordExpired(nil, set) {
		t.Error("rotation after 90 days")
	}
}

// X-SEC-1: the CSRF token is the session's and nobody else's.
func TestCSRFToken(t *testing.T) {
	a, _ := NewToken()
	b, _ := NewToken()
	if !CheckCSRF(a, CSRFToken(a)) || CheckCSRF(a, CSRFToken(b)) || CheckCSRF(a, "") || CSRFToken(a) == a {
		t.Error("CSRF token does not belong to its session alone")
	}
}
