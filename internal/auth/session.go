package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// SessionCookie is the name of the cookie that carries a sign-in session's
// token.
const SessionCookie = "shilu_session"

// CSRFToken returns the anti-forgery token of the session whose token is
// sessionToken: an HMAC of a fixed label keyed by the session token. It is
// derived rather than stored, so it needs no column and is the same on every
// read of the session, yet it reveals nothing of the session token. A
// cross-site page can make the browser send the cookie but can read neither
// the cookie nor this token, so it cannot forge a state-changing request.
func CSRFToken(sessionToken string) string {
	mac := hmac.New(sha256.New, []byte(sessionToken))
	mac.Write([]byte("shilu csrf v1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckCSRF reports, in constant time, whether got is the CSRF token of the
// session.
func CheckCSRF(sessionToken, got string) bool {
	return got != "" && hmac.Equal([]byte(CSRFToken(sessionToken)), []byte(got))
}
