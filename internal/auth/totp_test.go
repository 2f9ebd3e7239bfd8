package auth

import (
	"strings"
	"testing"
	"time"
)

// X-SEC-1: the second factor computes RFC 6238's SHA-1 test vectors
// (Appendix B, the last six of the eight digits).
func TestTOTPCode(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(secret, TOTPStep(time.Unix(tt.unix, 0)))
		if err != nil || got != tt.want {
			t.Errorf("T=%d: %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
}

// X-SEC-1: codes of the neighbouring steps are accepted, farther ones and
// steps already used are not.
func TestCheckTOTP(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Date(2026, 11, 26, 1, 0, 10, 0, time.UTC)
	cur := TOTPStep(now)
	code := func(step int64) string { c, _ := TOTPCode(secret, step); return c }
	tests := []struct {
		name   string
		code   string
		after  int64
		wantOK bool
	}{
		{"OK", code(cur), 0, true},
		{"OKPrevious", code(cur - 1), 0, true},
		{"OKNext", code(cur + 1), 0, true},
		{"ErrTooOld", code(cur - 2), 0, false},
		{"ErrReused", code(cur), cur, false},
		{"ErrShort", code(cur)[:5], 0, false},
		{"ErrEmpty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := CheckTOTP(secret, tt.code, now, tt.after); ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
		})
	}
	if uri := TOTPURI("Shilu", "zhang wei", secret); !strings.HasPrefix(uri, "otpauth://totp/Shilu:zhang%20wei?") || !strings.Contains(uri, "secret="+secret) || !strings.Contains(uri, "issuer=Shilu") {
		t.Errorf("uri = %s", uri)
	}
}
