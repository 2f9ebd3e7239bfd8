package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/secret"
	"shilu/internal/store"
)

func userOf(r *http.Request) evidence.User {
	u, _ := auth.UserFrom(r.Context())
	return u
}

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

var (
	errWrongLogin = evidence.Errorf(evidence.EUnauthorized, "wrong name or password")
	errLocked     = evidence.Errorf(evidence.EUnauthorized, "the account is locked after repeated failed sign-ins; try again later")
)

// login exchanges a name, password and (when enabled) TOTP code for a
// session: a cookie for browsers and a bearer token for API clients
// (X-SEC-1). Failures do not say whether the name exists or, on a locked
// account, whether the password was right. Every success, failure and
// lockout is a custody entry, committed with the state it changes.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	// Only JSON is accepted: a page on another site can post a form here,
	// but not with this content type (that needs a CORS preflight, which
	// is never granted), so nobody is signed in to an attacker's account
	// behind their back (login CSRF).
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return evidence.Errorf(evidence.EInvalid, "send the credentials as JSON (Content-Type: application/json)")
	}
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil || req.Name == "" {
		return evidence.Errorf(evidence.EInvalid, "want a JSON body with name and password")
	}
	ctx := r.Context()
	select { // argon2id holds 64 MiB a check: bound how many run at once
	case s.logins <- struct{}{}:
		defer func() { <-s.logins }()
	case <-ctx.Done():
		return ctx.Err()
	}
	var a store.Account
	var locked bool
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		a, err = tx.AccountByName(ctx, req.Name)
		locked = err == nil && a.LockedUntil != nil && tx.Now().Before(*a.LockedUntil)
		return err
	})
	if err != nil && evidence.ErrorCode(err) != evidence.ENotFound {
		return err
	}
	known := err == nil && !a.Disabled && a.HasPassword()
	name := printable(req.Name)
	details := map[string]string{"remote": r.RemoteAddr}
	if known && locked {
		details["reason"] = "locked"
		if err := s.audit(ctx, audit.Entry{Actor: name, Action: "user.login_failed", Object: "user:" + name, Outcome: audit.OutcomeDenied, Details: details}); err != nil {
			return err
		}
		return errLocked
	}
	if known {
		err = auth.CheckPassword(a.PasswordHash, req.Password)
	} else {
		// Spend the same time on unknown names, so timing reveals nothing.
		auth.CheckPassword(s.dummyHash(), req.Password)
		err = auth.ErrMismatch
	}
	if err != nil && !errors.Is(err, auth.ErrMismatch) {
		s.cfg.Logger.Error("password check", "user", name, "err", err)
	}
	if err != nil {
		details["reason"] = "password"
		return s.loginFailed(ctx, "user.login_failed", a, known, name, details, errWrongLogin)
	}
	if a.TOTPEnabled && req.TOTP == "" {
		// The password was right; the client asks for the code and tries
		// again. Not counted towards lockout: guessing passwords still is.
		details["reason"] = "totp_missing"
		if err := s.audit(ctx, audit.Entry{Actor: name, Action: "user.login_failed", Object: "user:" + name, Outcome: audit.OutcomeFailed, Details: details}); err != nil {
			return err
		}
		return &evidence.Error{Code: evidence.EUnauthorized, Msg: evidence.Msg("a one-time code is required"), Details: map[string]any{"totp_required": true}}
	}
	token, tokenHash := auth.NewToken()
	var sess store.Session
	var now time.Time
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		now = tx.Now()
		if a.TOTPEnabled {
			totpSecret, err := tx.TOTPSecret(ctx, a.ID)
			if err != nil {
				return err
			}
			step, ok := auth.CheckTOTP(totpSecret, req.TOTP, now, a.TOTPLastStep)
			if ok {
				// Conditional on the step being new, inside the write
				// transaction: two sign-ins racing with one code cannot
				// both win.
				var err error
				if ok, err = tx.UseTOTPStep(ctx, a.ID, step); err != nil {
					return err
				}
			}
			if !ok {
				return errWrongTOTP
			}
		}
		if err := tx.RecordLoginSuccess(ctx, a.ID); err != nil {
			return err
		}
		var err error
		if sess, err = tx.CreateSession(ctx, a.ID, tokenHash, now.Add(s.cfg.SessionTTL)); err != nil {
			return err
		}
		details["request_id"] = requestID(ctx)
		_, err = tx.Audit(ctx, audit.Entry{Actor: a.Name, Action: "user.login", Object: "user:" + a.Name, Outcome: audit.OutcomeOK, Details: details})
		return err
	})
	if errors.Is(err, errWrongTOTP) {
		details["reason"] = "totp"
		return s.loginFailed(ctx, "user.login_failed", a, true, name, details, errWrongTOTP)
	}
	if errors.Is(err, secret.ErrUnreadable) {
		// X-SEC-3: the sealed secret does not open with this server's
		// secrets.key (another key, an altered row). No code can pass and
		// the person cannot fix it: say so, log it once for the operator,
		// and do not count it towards lockout.
		s.cfg.Logger.Error("totp secret unreadable; reset the user's second factor (shilu user reset --totp)", "user", name, "err", err)
		details["reason"] = "totp_unreadable"
		return s.loginFailed(ctx, "user.login_failed", a, false, name, details, errTOTPUnreadable)
	}
	if err != nil {
		return err
	}
	a.FailedLogins, a.LockedUntil = 0, nil
	setSessionCookie(w, r, token)
	ans := s.describe(a, &sess, token, now)
	ans.Token = token
	return writeJSON(w, http.StatusOK, ans)
}

// errTOTPUnreadable answers a right password whose account's TOTP secret
// cannot be read: only an administrator's reset helps.
var errTOTPUnreadable = evidence.Errorf(evidence.EUnauthorized, "two-factor sign-in of this account cannot be checked; ask an administrator to reset it")

// errWrongTOTP keeps totp_required in its details so that a client goes on
// asking for the code.
var errWrongTOTP = &evidence.Error{Code: evidence.EUnauthorized, Msg: evidence.Msg("wrong or already used one-time code"), Details: map[string]any{"totp_required": true}}

// loginFailed records a failed check of a password or code as action:
// for a known account it counts towards lockout and, when this failure
// locks it, logs user.lockout in the same transaction. It returns answer.
func (s *Server) loginFailed(ctx context.Context, action string, a store.Account, known bool, name string, details map[string]string, answer error) error {
	p := s.policy()
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		details["request_id"] = requestID(ctx)
		if _, err := tx.Audit(ctx, audit.Entry{Actor: name, Action: action, Object: "user:" + name, Outcome: audit.OutcomeFailed, Details: details}); err != nil {
			return err
		}
		if !known {
			return nil
		}
		locked, err := tx.RecordLoginFailure(ctx, a.ID, p.MaxFailures, p.Lockout)
		if err != nil || !locked {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: a.Name, Action: "user.lockout", Object: "user:" + a.Name, Outcome: audit.OutcomeDenied,
			Details: map[string]string{"failures": strconv.Itoa(p.MaxFailures), "until": tx.Now().Add(p.Lockout).Format(time.RFC3339), "request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	return answer
}

// logout ends the caller's session and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.resolve(ctx, r)
	if err != nil {
		return err
	}
	if c.session == nil {
		return evidence.Errorf(evidence.EInvalid, "an API token is not a session; an administrator revokes it")
	}
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if err := tx.EndSession(ctx, c.session.ID); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Entry{Actor: c.account.Name, Action: "user.logout", Object: "user:" + c.account.Name, Outcome: audit.OutcomeOK,
			Details: map[string]string{"request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
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

// changePassword replaces the caller's password after checking the current
// one (a wrong one counts towards lockout, so a stolen session cannot guess
// it) and the policy. The caller's other sessions end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var b passwordChange
	if err := decodeJSON(r, &b); err != nil || b.Old == "" || b.New == "" {
		return evidence.Errorf(evidence.EInvalid, "want a JSON body with old_password and new_password")
	}
	ctx := r.Context()
	c, err := s.resolve(ctx, r)
	if err != nil {
		return err
	}
	a, err := s.account(ctx, c.account.ID)
	if err != nil {
		return err
	}
	if !a.HasPassword() {
		return evidence.Errorf(evidence.EInvalid, "this account signs in with a token, not a password")
	}
	p := s.policy()
	if err := p.CheckPassword(a.Name, b.New); err != nil {
		return err
	}
	if b.New == b.Old {
		return evidence.Errorf(evidence.EInvalid, "the new password must differ from the current one")
	}
	select {
	case s.logins <- struct{}{}:
		defer func() { <-s.logins }()
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := auth.CheckPassword(a.PasswordHash, b.Old); err != nil {
		if !errors.Is(err, auth.ErrMismatch) {
			return err
		}
		details := map[string]string{"reason": "password"}
		return s.loginFailed(ctx, "user.password_change", a, true, a.Name, details, evidence.Errorf(evidence.EForbidden, "wrong current password"))
	}
	hash, err := auth.HashPassword(b.New, s.cfg.Argon2)
	if err != nil {
		return err
	}
	var keep int64
	if c.session != nil {
		keep = c.session.ID
	}
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, a.ID, hash, false); err != nil {
			return err
		}
		if err := tx.EndUserSessions(ctx, a.ID, keep); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Entry{Actor: a.Name, Action: "user.password_change", Object: "user:" + a.Name, Outcome: audit.OutcomeOK,
			Details: map[string]string{"request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// totpSetup makes a new TOTP secret for the caller and shows it once, with
// the otpauth:// URI for a QR code. It is not in force until confirmed by
// totpEnable, and cannot replace an enabled one (an administrator resets
// that first). It is stored sealed (X-SEC-3).
func (s *Server) totpSetup(w http.ResponseWriter, r *http.Request) error {
	u, ctx := userOf(r), r.Context()
	secret := auth.NewTOTPSecret()
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error { return tx.SetTOTPSecret(ctx, u.ID, secret) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "uri": auth.TOTPURI("Shilu", u.Name, secret)})
}

// totpEnable confirms the secret of totpSetup with a code from the app;
// from then on sign-in needs a code.
func (s *Server) totpEnable(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &b); err != nil || b.Code == "" {
		return evidence.Errorf(evidence.EInvalid, "want a JSON body with the code")
	}
	u, ctx := userOf(r), r.Context()
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		a, err := tx.Account(ctx, u.ID)
		if err != nil {
			return err
		}
		if a.TOTPEnabled {
			return evidence.Errorf(evidence.EConflict, "two-factor sign-in is already enabled")
		}
		totpSecret, err := tx.TOTPSecret(ctx, a.ID)
		if evidence.ErrorCode(err) == evidence.ENotFound {
			return evidence.Errorf(evidence.EInvalid, "set up a secret first (POST /api/v1/totp/setup)")
		}
		if errors.Is(err, secret.ErrUnreadable) {
			// Set up under another secrets key: a new setup replaces it.
			return evidence.Errorf(evidence.EInvalid, "the secret set up earlier cannot be read; set up a new one (POST /api/v1/totp/setup)")
		}
		if err != nil {
			return err
		}
		step, ok := auth.CheckTOTP(totpSecret, b.Code, tx.Now(), a.TOTPLastStep)
		if !ok {
			return evidence.Errorf(evidence.EInvalid, "wrong one-time code")
		}
		if err := tx.EnableTOTP(ctx, a.ID, step); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: a.Name, Action: "user.totp_enable", Object: "user:" + a.Name, Outcome: audit.OutcomeOK,
			Details: map[string]string{"request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// printable makes an untrusted string fit for the custody log: valid UTF-8,
// control characters replaced, at most 128 bytes.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	for len(s) > 128 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}
