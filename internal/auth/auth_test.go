package auth

import (
	"errors"
	"testing"
)

func TestPassword(t *testing.T) {
	p := Params{Time: 1, Memory: 8 << 10, Threads: 1} // cheap for tests
	h, err := HashPassword("正确的密码 Correct1", p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hash, pw string
		want           error
		malformed      bool
	}{
		{"OK", h, "正确的密码 Correct1", nil, false},
		{"ErrMismatch", h, "wrong", ErrMismatch, false},
		{"ErrMismatchEmpty", h, "", ErrMismatch, false},
		{"ErrMalformed", "$argon2id$v=19$m=1$x$y", "x", nil, true},
		{"ErrNotArgon", "plaintext", "plaintext", nil, true},
		{"ErrHugeMemory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.hash, tt.pw)
			if tt.malformed {
				if err == nil || errors.Is(err, ErrMismatch) {
					t.Fatalf("err = %v, want a malformed-hash error", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRandomPasswordAndToken(t *testing.T) {
	a, b := RandomPassword(), RandomPassword()
	if a == b || len(a) != 16 {
		t.Fatalf("RandomPassword gave %q and %q", a, b)
	}
	tok, h := NewToken()
	if string(HashToken(tok)) != string(h) || tok[:4] != TokenPrefix {
		t.Fatalf("token %q does not hash to its stored hash", tok)
	}
}
