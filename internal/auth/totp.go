package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP second factor, RFC 6238 with the parameters every authenticator app
// supports: HMAC-SHA-1, 6 digits, 30-second steps. Written here rather than
// taken from a module (github.com/pquerna/otp): it is forty lines of
// standard library, and the one decision that matters — never accepting a
// step twice — needs the store anyway.
const (
	totpPeriod = 30
	totpDigits = 6
	// totpSkew is how many steps either side of now are accepted, for
	// clocks that drift and codes typed at the end of their step (§5.2).
	totpSkew = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random secret in base32, the form
// authenticator apps take. 160 bits, the HMAC-SHA-1 key length RFC 4226
// §4 recommends.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return b32.EncodeToString(b)
}

// TOTPStep returns the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode returns the code of secret for a time step.
func TOTPCode(secret string, step int64) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", fmt.Errorf("auth: bad TOTP secret: %w", err)
	}
	mac := hmac.New(sha1.New, key)
	mac.Write(binary.BigEndian.AppendUint64(nil, uint64(step))) // the counter as 8 bytes, big-endian (RFC 4226 §5.1)
	sum := mac.Sum(nil)
	// Dynamic truncation (RFC 4226 §5.3).
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000), nil
}

// CheckTOTP returns the time step whose code is code, among the steps
// around now that are later than after (the last step already accepted:
// a code is good once), and whether there is one.
func CheckTOTP(secret, code string, now time.Time, after int64) (int64, bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := TOTPCode(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > after {
			return step, true
		}
	}
	return 0, false
}

// TOTPURI returns the otpauth:// URI that authenticator apps read from a
// QR code (the Key Uri Format of Google Authenticator).
func TOTPURI(issuer, account, secret string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}
