package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // a base32 TOTP secret

func mustBox(t testing.TB, key []byte) *Box {
	t.Helper()
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// X-SEC-3: a sealed TOTP secret opens only with the key that sealed it and
// for the owner it was sealed for; every alteration is a clear error that
// names no part of the secret, never a panic.
func TestSealOpen(t *testing.T) {
	key := NewKey()
	box := mustBox(t, key)
	ad := []byte("totp:user:7")
	sealed := box.Seal([]byte(plain), ad)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil {
		t.Fatalf("sealed value %q is not v1:base64: %v", sealed, err)
	}
	flip := func(i int) string {
		r := bytes.Clone(raw)
		r[i] ^= 0x01
		return "v1:" + base64.StdEncoding.EncodeToString(r)
	}
	otherKey := NewKey()
	otherKey[0] = key[0] ^ 0xff // never equal to key, however unlikely
	tests := []struct {
		name   string
		box    *Box
		sealed string
		ad     string
		want   string // "" with a name starting "Err": an error wrapping ErrUnreadable
	}{
		{"OK", box, sealed, "totp:user:7", plain},
		{"OKEmpty", box, box.Seal(nil, ad), "totp:user:7", ""},
		{"ErrWrongUser", box, sealed, "totp:user:8", ""},
		{"ErrNoAdditionalData", box, sealed, "", ""},
		{"ErrWrongKey", mustBox(t, otherKey), sealed, "totp:user:7", ""},
		{"ErrFlippedNonceByte", box, flip(0), "totp:user:7", ""},
		{"ErrFlippedCiphertextByte", box, flip(12), "totp:user:7", ""},
		{"ErrFlippedTagByte", box, flip(len(raw) - 1), "totp:user:7", ""},
		{"ErrTruncatedTag", box, "v1:" + base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), "totp:user:7", ""},
		{"ErrTruncatedToNonce", box, "v1:" + base64.StdEncoding.EncodeToString(raw[:12]), "totp:user:7", ""},
		{"ErrEmptyBody", box, "v1:", "totp:user:7", ""},
		{"ErrBadBase64", box, "v1:" + strings.Repeat("*", 40), "totp:user:7", ""},
		{"ErrUnknownVersion", box, "v2:" + sealed[3:], "totp:user:7", ""},
		{"ErrPlaintext", box, plain, "totp:user:7", ""},
		{"ErrEmpty", box, "", "totp:user:7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed, []byte(tt.ad))
			if strings.HasPrefix(tt.name, "Err") {
				if !errors.Is(err, ErrUnreadable) {
					t.Fatalf("Open = %q, %v; want an error wrapping ErrUnreadable", got, err)
				}
				if strings.Contains(err.Error(), plain) || len(tt.sealed) > 3 && strings.Contains(err.Error(), tt.sealed[3:]) {
					t.Errorf("error %q repeats the secret or the sealed value", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Open = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// X-SEC-3: a fresh nonce per value, so equal secrets do not look equal in
// the database, and the stored text never contains the plaintext.
func TestSealFreshNonce(t *testing.T) {
	box := mustBox(t, NewKey())
	a, b := box.Seal([]byte(plain), nil), box.Seal([]byte(plain), nil)
	if a == b {
		t.Fatalf("two seals of one value are equal: %s", a)
	}
	ra, _ := base64.StdEncoding.DecodeString(a[3:])
	rb, _ := base64.StdEncoding.DecodeString(b[3:])
	if bytes.Equal(ra[:12], rb[:12]) {
		t.Errorf("nonce repeated: %x", ra[:12])
	}
	if len(ra) != 12+len(plain)+16 {
		t.Errorf("sealed length %d, want nonce 12 + %d + tag 16", len(ra), len(plain))
	}
	if strings.Contains(a, plain) {
		t.Errorf("sealed value %s contains the plaintext", a)
	}
}

func TestNewBoxKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := NewBox(make([]byte, n)); err == nil {
			t.Errorf("NewBox with a %d-byte key: no error", n)
		}
	}
}

func TestIsSealed(t *testing.T) {
	for s, want := range map[string]bool{
		"v1:abc": true, "v12:": true, plain: false, "": false, "v:abc": false,
		"va:x": false, "V1:abc": false, "x1:abc": false, "v1": false,
	} {
		if got := IsSealed(s); got != want {
			t.Errorf("IsSealed(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzOpen: whatever the database holds, Open answers with a value or
// ErrUnreadable and never panics.
func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{7}, KeySize)
	box := mustBox(f, key)
	f.Add(box.Seal([]byte(plain), []byte("totp:user:1")))
	f.Add("v1:")
	f.Add("v9:AAAA")
	f.Add(plain)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := box.Open(s, []byte("totp:user:1")); err != nil && !errors.Is(err, ErrUnreadable) {
			t.Fatalf("Open(%q): %v does not wrap ErrUnreadable", s, err)
		}
	})
}
