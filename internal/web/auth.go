package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"time"

	"shilu/internal/app"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"

	"github.com/skip2/go-qrcode"
)

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	// TOTP is the one-time code, needed once the user has enabled it.
	TOTP string `json:"totp,omitempty"`
}

// sessionAnswer describes a session to its holder: the answer of sign-in
// and of GET /api/v1/session.
type sessionAnswer struct {
	// Token is the session's bearer token, for API clients; browsers use
	// the cookie. Only sign-in returns it.
	Token     string        `json:"token,omitempty"`
	CSRFToken string        `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	User      store.Account `json:"user"`
	// The confinements of the session (session.go), for the client to
	// lead the user to the one thing they may do.
	PasswordChangeRequired bool `json:"password_change_required"`
	TOTPSetupRequired      bool `json:"totp_setup_required"`
}

func (s *Server) describe(a store.Account, sess *store.Session, token string, now time.Time) sessionAnswer {
	p := s.policy()
	ans := sessionAnswer{User: a,
		PasswordChangeRequired: sess != nil && (a.MustChange || p.PasswordExpired(a.PasswordChangedAt, now)),
		TOTPSetupRequired:      sess != nil && p.RequiresTOTP(a.Role) && !a.TOTPEnabled,
	}
	if sess != nil {
		ans.CSRFToken, ans.ExpiresAt = auth.CSRFToken(token), &sess.ExpiresAt
	}
	return ans
}

// login exchanges a name, password and (when enabled) TOTP code for a
// session (app.SignIn): a cookie for browsers and a bearer token for API
// clients (X-SEC-1).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	// Only JSON is accepted: a page on another site can post a form here,
	// but not with this content type (that needs a CORS preflight, which
	// is never granted), so nobody is signed in to an attacker's account
	// behind their back (login CSRF).
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return evidence.Errorf(evidence.EInvalid, "err.login.json")
	}
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil || req.Name == "" {
		return evidence.Errorf(evidence.EInvalid, "err.login.body")
	}
	in, err := s.app.SignIn(r.Context(), requestID(r.Context()), app.Credentials{Name: req.Name, Password: req.Password, TOTP: req.TOTP, Remote: r.RemoteAddr})
	if err != nil {
		return err
	}
	setSessionCookie(w, r, in.Token)
	ans := s.describe(in.Account, &in.Session, in.Token, in.Now)
	ans.Token = in.Token
	return writeJSON(w, http.StatusOK, ans)
}

// logout ends the caller's session and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.resolve(ctx, r)
	if err != nil {
		return err
	}
	if c.session == nil {
		return evidence.Errorf(evidence.EInvalid, "err.auth.token_logout")
	}
	if err := s.app.SignOut(ctx, app.Actor{User: c.account.User, RequestID: requestID(ctx)}, c.session.ID); err != nil {
		return err
	}
	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// logoutPage says that the session has ended. Signing out is the POST of
// logout, sent by the workbench with its CSRF token; a page that anyone
// can link to must not end a session (issue 9 point 8), so a browser that
// arrives here still signed in is sent back to the workbench.
func (s *Server) logoutPage(w http.ResponseWriter, r *http.Request) error {
	if c, err := s.resolve(r.Context(), r); err == nil && c.session != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.ui.LogoutPage(w, r)
}

// session describes the caller's session, with its CSRF token: a page
// loaded after sign-in reads it here, since the cookie is out of its reach.
func (s *Server) session(w http.ResponseWriter, r *http.Request) error {
	c, err := s.resolve(r.Context(), r)
	if err != nil {
		return err
	}
	if c.session == nil {
		// A station's token: the account, without a session's fields.
		c.account, err = s.account(r.Context(), c.account.ID)
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, s.describe(c.account, c.session, c.cred.token, c.now))
}

func (s *Server) account(ctx context.Context, id int64) (store.Account, error) {
	var a store.Account
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		a, err = tx.Account(ctx, id)
		return err
	})
	return a, err
}

type passwordChange struct {
	Old string `json:"old_password"`
	New string `json:"new_password"`
}

// changePassword replaces the caller's password (app.ChangePassword); the
// session making the change stays, the caller's others end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var b passwordChange
	if err := decodeJSON(r, &b); err != nil {
		return evidence.Errorf(evidence.EInvalid, "err.password.body")
	}
	ctx := r.Context()
	c, err := s.resolve(ctx, r)
	if err != nil {
		return err
	}
	var keep int64
	if c.session != nil {
		keep = c.session.ID
	}
	if err := s.app.ChangePassword(ctx, app.Actor{User: c.account.User, RequestID: requestID(ctx)}, keep, b.Old, b.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// totpSetup makes a new TOTP secret for the caller and shows it once, with
// the otpauth:// URI and that URI as a QR code for the authenticator app to
// scan (app.SetupTOTP). The code is a PNG made here, as a data: URL the
// page's img-src allows: the workbench works offline, and a secret must not
// travel to a QR service. Nothing of the answer may be kept by a cache.
func (s *Server) totpSetup(w http.ResponseWriter, r *http.Request) error {
	secret, uri, err := s.app.SetupTOTP(r.Context(), actor(r))
	if err != nil {
		return err
	}
	qr, err := totpQR(uri)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "uri": uri, "qr": qr})
}

// totpQR is uri as a QR code, a PNG in a data: URL. Level M (15% of the
// code may be lost) is what authenticator apps read reliably off a screen;
// 256 pixels leave every module of an otpauth URI's version (about 6) at
// four pixels or more.
func totpQR(uri string) (string, error) {
	png, err := qrcode.Encode(uri, qrcode.Medium, 256)
	if err != nil {
		return "", fmt.Errorf("web: totp qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// totpEnable confirms the secret of totpSetup with a code from the app
// (app.EnableTOTP).
func (s *Server) totpEnable(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return evidence.Errorf(evidence.EInvalid, "err.totp.body")
	}
	if err := s.app.EnableTOTP(r.Context(), actor(r), b.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// printable makes an untrusted string fit for the custody log (app.Printable).
func printable(s string) string { return app.Printable(s) }
