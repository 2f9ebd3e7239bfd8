package auth

import (
	"testing"
	"time"

	"shilu/internal/evidence"
)

// X-SEC-1: password length, character classes, no user name; rotation.
func TestPolicyCheckPassword(t *testing.T) {
	p := Policy{}.WithDefaults()
	tests := []struct {
		name, user, pw string
		ok             bool
	}{
		{"OK", "zhangwei", "Correct-horse-7", true},
		{"OKThreeClasses", "zhangwei", "correcthorse7X", true},
		{"OKChinese", "zhangwei", "执法记录仪保管密码abc1", true},
		{"ErrShort", "zhangwei", "Sh0rt-pass", false},
		{"ErrTwoClasses", "zhangwei", "correcthorsebattery7", false},
		{"ErrContainsName", "zhangwei", "My-ZhangWei-2026", false},
		{"ErrEmpty", "zhangwei", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckPassword(tt.user, tt.pw)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
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
