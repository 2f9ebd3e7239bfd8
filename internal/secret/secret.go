// Package secret seals small secrets kept in the metadata store (the TOTP
// secrets of X-SEC-1) so that a copy of the database alone — a backup, a
// stolen disk — does not reveal them (X-SEC-3, GB/T 22239-2019 数据保密性).
//
// A sealed value is text, to live in the column that held the plaintext:
//
//	v1:<base64 of nonce(12) || AES-256-GCM ciphertext and tag>
//
// The version prefix lets a later algorithm (SM4 for X-SEC-5, a new key)
// sit beside v1 values and lets readers tell a sealed value from a
// plaintext one written before sealing existed.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes: AES-256.
const KeySize = 32

// prefix marks the only format there is so far.
const prefix = "v1:"

// ErrUnreadable is what Open's errors wrap: the value is not one this key
// sealed for this additional data (another key, another owner, tampered with,
// truncated, an unknown version). The errors never contain the value.
var ErrUnreadable = errors.New("secret: sealed value cannot be opened")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for key, which must be KeySize random bytes.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key of %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	// The standard 12-byte nonce, random per value: at most a few thousand
	// values are ever sealed under one key, far below the 2^32 after which
	// random GCM nonces risk repeating (NIST SP 800-38D §8.3).
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// NewKey returns a new random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand since Go 1.24)
	return k
}

// Seal encrypts plaintext bound to ad (GCM's additional data, not stored
// in the result): Open with any other ad fails, so a sealed value copied to another row (another user's TOTP
// secret) is useless there. Each call draws a fresh nonce, so sealing the
// same value twice gives different text.
func (b *Box) Seal(plaintext, ad []byte) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	return prefix + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plaintext, ad))
}

// Open returns the plaintext of a value Seal made with this key and ad;
// otherwise an error wrapping ErrUnreadable.
func (b *Box) Open(sealed string, ad []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		if IsSealed(sealed) {
			return nil, fmt.Errorf("%w: unknown version %q", ErrUnreadable, sealed[:strings.IndexByte(sealed, ':')])
		}
		return nil, fmt.Errorf("%w: not a sealed value", ErrUnreadable)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed base64", ErrUnreadable)
	}
	n := b.aead.NonceSize()
	if len(raw) < n+b.aead.Overhead() {
		return nil, fmt.Errorf("%w: truncated", ErrUnreadable)
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], ad)
	if err != nil {
		// GCM does not say why; for the operator the likely causes are
		// a different key file or a value moved between rows.
		return nil, fmt.Errorf("%w: wrong key, wrong owner or altered", ErrUnreadable)
	}
	return plain, nil
}

// IsSealed reports whether s has the form of a sealed value of any version
// ("v<digits>:..."), as opposed to a plaintext secret stored before sealing.
// TOTP secrets are upper-case base32, which has neither 'v' nor ':', so the
// two cannot be confused.
func IsSealed(s string) bool {
	v, _, ok := strings.Cut(s, ":")
	if !ok || len(v) < 2 || v[0] != 'v' {
		return false
	}
	for _, c := range v[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
