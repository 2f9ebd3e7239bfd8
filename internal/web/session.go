package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Sign-in sessions (X-SEC-1). A person signs in with name, password and,
// where required, a TOTP code, and gets a session: its token comes back as
// an HttpOnly cookie for the browser and in the JSON answer for API
// clients. Stations use API tokens instead (shilu token create, POST
// /api/v1/users/{id}/tokens), which have no idle timeout and none of the
// confinements below, since no person types a password for them.

// touchEvery bounds how often a session's last use is written: the idle
// timeout is measured to within this, and a busy session costs one write a
// minute rather than one a request.
const touchEvery = time.Minute

// csrfHeader carries the session's CSRF token on state-changing requests
// that a cookie authenticates.
const csrfHeader = "X-CSRF-Token"

// passwordChangeRoutes are all a user whose password is initial or expired
// may reach: change it, see why, read the notice of a reset, sign out.
var passwordChangeRoutes = map[string]bool{
	"POST /api/v1/password":                 true,
	"GET /api/v1/session":                   true,
	"POST /api/v1/logout":                   true,
	"GET /api/v1/reset-notice":              true,
	"POST /api/v1/reset-notice/acknowledge": true,
}

// totpSetupRoutes are all an administrator without a second factor may
// reach: set one up, and what a password change allows.
var totpSetupRoutes = map[string]bool{
	"POST /api/v1/totp/setup":               true,
	"POST /api/v1/totp/enable":              true,
	"POST /api/v1/password":                 true,
	"GET /api/v1/session":                   true,
	"POST /api/v1/logout":                   true,
	"GET /api/v1/reset-notice":              true,
	"POST /api/v1/reset-notice/acknowledge": true,
}

// policy returns the sign-in policy with its defaults.
func (s *Server) policy() auth.Policy { return s.app.Policy() }

// credential is what a request presented: a session's token (from the
// cookie or as a bearer token) or a station's API token.
type credential struct {
	token    string
	byCookie bool
}

// credentialOf returns r's credential; the Authorization header wins over
// the cookie.
func credentialOf(r *http.Request) (credential, bool) {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		return credential{token: tok}, true
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		return credential{token: c.Value, byCookie: true}, true
	}
	return credential{}, false
}

// caller is an authenticated request's account and, when it signed in with
// a password, its session.
type caller struct {
	account store.Account
	session *store.Session
	cred    credential
	now     time.Time // the store's clock when the request was authenticated
}

// resolve authenticates r: a live session (cookie or bearer) or an API
// token (bearer only). It records the session's use for the idle timeout.
func (s *Server) resolve(ctx context.Context, r *http.Request) (caller, error) {
	cred, ok := credentialOf(r)
	if !ok {
		return caller{}, evidence.Errorf(evidence.EUnauthorized, "err.auth.credentials")
	}
	c := caller{cred: cred}
	idle := s.policy().IdleTimeout
	var touch bool
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		c.now = tx.Now()
		h := auth.HashToken(cred.token)
		sess, a, err := tx.SessionByToken(ctx, h, idle)
		if err == nil {
			c.account, c.session = a, &sess
			touch = tx.Now().Sub(sess.LastSeen) >= touchEvery
			return nil
		}
		if evidence.ErrorCode(err) != evidence.EUnauthorized || cred.byCookie {
			return err
		}
		u, err := tx.UserByToken(ctx, h)
		c.account.User = u
		return err
	})
	if err != nil {
		return c, err
	}
	if touch {
		err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, c.session.ID) })
	}
	return c, err
}

// admit applies the rules of a session to r, whose Pattern is its route's
// (method and path, as in the route table): the CSRF token on unsafe
// requests that a cookie authenticates, then the confinement of an initial
// or expired password and of an administrator without a second factor.
func (s *Server) admit(c caller, r *http.Request) error {
	if c.session == nil {
		return nil // a station's API token
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		// Bearer requests need no CSRF token: a browser never adds an
		// Authorization header on its own, but it does send cookies.
		if c.cred.byCookie && !auth.CheckCSRF(c.cred.token, r.Header.Get(csrfHeader)) {
			return evidence.Errorf(evidence.EForbidden, "err.auth.csrf", csrfHeader)
		}
	}
	p := s.policy()
	a := c.account
	if (a.MustChange || p.PasswordExpired(a.PasswordChangedAt, c.now)) && !passwordChangeRoutes[r.Pattern] {
		return &evidence.Error{Code: evidence.EPasswordChange, Msg: evidence.Msg("err.auth.password_change")}
	}
	if p.RequiresTOTP(a.Role) && !a.TOTPEnabled && !totpSetupRoutes[r.Pattern] {
		return &evidence.Error{Code: evidence.EForbidden, Msg: evidence.Msg("err.auth.totp_setup"),
			Details: map[string]any{"totp_setup_required": true}}
	}
	return nil
}

// setSessionCookie gives the browser the session's token. HttpOnly keeps it
// from scripts; SameSite=Strict keeps other sites' requests from carrying
// it; Secure when the browser's connection is encrypted (overTLS). No
// Expires: the browser drops it when it closes, and the server ends it
// anyway.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r), MaxAge: -1})
}
