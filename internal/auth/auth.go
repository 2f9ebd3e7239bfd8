// Package auth holds the credentials of Shilu's users: argon2id password
// hashes and API tokens.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters. Each hash holds Memory KiB while
// it runs, so servers bound concurrent logins.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommendation (t=3, 64 MiB);
// about 60 ms a hash on the reference machine.
var DefaultParams = Params{Time: 3, Memory: 64 << 10, Threads: 2}

// ErrMismatch reports a wrong password.
var ErrMismatch = errors.New("auth: password mismatch")

// HashPassword returns the PHC-format argon2id hash of password:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword returns nil when password matches hash, ErrMismatch when it
// does not, and another error when hash is malformed. The comparison is in
// constant time.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("auth: not an argon2id hash")
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return fmt.Errorf("auth: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("auth: bad argon2 parameters %q: %w", parts[3], err)
	}
	if p.Memory > 1<<20 || p.Time > 64 || p.Threads == 0 { // refuse hashes that would exhaust the server
		return fmt.Errorf("auth: argon2 parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err := errors.Join(err1, err2); err != nil || len(want) == 0 {
		return fmt.Errorf("auth: bad argon2 hash encoding")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// RandomPassword returns an initial password of 16 characters from an
// alphabet without look-alikes, with at least one digit, upper and lower
// case letter, so that it passes any reasonable policy.
func RandomPassword() string {
	const lower, upper, digits = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
	all := lower + upper + digits
	b := make([]byte, 16)
	rand.Read(b)
	out := make([]byte, len(b))
	for i, c := range b {
		set := all
		switch i {
		case 0:
			set = upper
		case 1:
			set = lower
		case 2:
			set = digits
		}
		out[i] = set[int(c)%len(set)]
	}
	return string(out)
}

// TokenPrefix starts every API token so that leaked tokens are easy to find.
const TokenPrefix = "shl_"

// NewToken returns a new API token and the hash to store.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a token: its SHA-256. Tokens are
// 256-bit random, so a fast hash suffices (no dictionary to resist).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
