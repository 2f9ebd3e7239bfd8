package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/secret"
	"shilu/internal/store"
)

// Credentials are what a person signs in with.
type Credentials struct {
	Name, Password string
	// TOTP is the one-time code, needed once the user has enabled it.
	TOTP string
	// Remote is the client's address, for the custody log.
	Remote string
}

// Session is a signed-in session: the account, the session and its bearer
// token (shown once), at the transaction's time.
type Session struct {
	Account store.Account
	Session store.Session
	Token   string
	Now     time.Time
}

// The answers of a failed sign-in. They do not say whether the name exists
// or, on a locked account, whether the password was right: a locked
// account is answered as a wrong name or password (whose message mentions
// the lockout), since only names that exist can be locked.
var (
	errWrongLogin = evidence.Errorf(evidence.EUnauthorized, "err.login.wrong")
	// errAddressLimited answers an address that failed too often lately,
	// whatever the name it tries.
	errAddressLimited = evidence.Errorf(evidence.ETooMany, "err.login.address_limited")
	// errTOTPUnreadable answers a right password whose account's TOTP
	// secret cannot be read: only an administrator's reset helps.
	errTOTPUnreadable = evidence.Errorf(evidence.EUnauthorized, "err.login.totp_unreadable")
)

// errTOTP answers a missing or wrong code; totp_required in its details
// keeps a client asking for it.
func errTOTP(key string) *evidence.Error {
	e := evidence.Errorf(evidence.EUnauthorized, key)
	e.Details = map[string]any{"totp_required": true}
	return e
}

// checking takes one of the slots for password checks: argon2id holds
// Argon2.Memory a check, so only so many run at once.
func (a *App) checking(ctx context.Context) (release func(), err error) {
	select {
	case a.logins <- struct{}{}:
		return func() { <-a.logins }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SignIn exchanges a name, password and (when enabled) TOTP code for a
// session (X-SEC-1). Every success, failure and lockout is a custody entry,
// committed with the state it changes.
func (a *App) SignIn(ctx context.Context, requestID string, c Credentials) (Session, error) {
	if c.Name == "" {
		return Session{}, evidence.Errorf(evidence.EInvalid, "err.login.body")
	}
	release, err := a.checking(ctx)
	if err != nil {
		return Session{}, err
	}
	defer release()
	var acc store.Account
	var locked bool
	var now time.Time
	err = a.view(ctx, func(tx *store.Tx) error {
		var err error
		now = tx.Now()
		acc, err = tx.AccountByName(ctx, c.Name)
		locked = err == nil && acc.LockedUntil != nil && now.Before(*acc.LockedUntil)
		return err
	})
	if err != nil && evidence.ErrorCode(err) != evidence.ENotFound {
		return Session{}, err
	}
	known := err == nil && !acc.Disabled && acc.HasPassword()
	name := Printable(c.Name)
	who := Actor{User: evidence.User{Name: name}, RequestID: requestID}
	details := map[string]string{"remote": c.Remote}
	if !a.addresses.allowed(c.Remote, now) {
		details["reason"] = "address_limited"
		if err := a.Record(ctx, who, evidence.ActionUserLoginFailed, objUser(name), audit.OutcomeDenied, details); err != nil {
			return Session{}, err
		}
		return Session{}, errAddressLimited
	}
	if known && locked {
		details["reason"] = "locked"
		a.addresses.failed(c.Remote, now)
		if err := a.Record(ctx, who, evidence.ActionUserLoginFailed, objUser(name), audit.OutcomeDenied, details); err != nil {
			return Session{}, err
		}
		return Session{}, errWrongLogin
	}
	if known {
		err = auth.CheckPassword(acc.PasswordHash, c.Password)
	} else {
		// Spend the same time on unknown names, so timing reveals nothing.
		_ = auth.CheckPassword(a.dummyHash(), c.Password) // the answer is a mismatch whatever it says
		err = auth.ErrMismatch
	}
	if err != nil && !errors.Is(err, auth.ErrMismatch) {
		a.log.Error("password check", "user", name, "err", err)
	}
	if err != nil {
		details["reason"] = "password"
		a.addresses.failed(c.Remote, now)
		return Session{}, a.failed(ctx, who, evidence.ActionUserLoginFailed, acc, known, details, errWrongLogin)
	}
	if acc.TOTPEnabled && c.TOTP == "" {
		// The password was right; the client asks for the code and tries
		// again. Not counted towards lockout: guessing passwords still is.
		details["reason"] = "totp_missing"
		if err := a.Record(ctx, who, evidence.ActionUserLoginFailed, objUser(name), audit.OutcomeFailed, details); err != nil {
			return Session{}, err
		}
		return Session{}, errTOTP("err.login.totp_required")
	}
	token, tokenHash := auth.NewToken()
	out := Session{Token: token}
	wrongCode := errTOTP("err.login.totp_wrong")
	err = a.update(ctx, Actor{User: acc.User, RequestID: requestID}, func(ch *change) error {
		out.Now = ch.Now()
		if acc.TOTPEnabled {
			totpSecret, err := ch.TOTPSecret(ctx, acc.ID)
			if err != nil {
				return err
			}
			step, ok := auth.CheckTOTP(totpSecret, c.TOTP, out.Now, acc.TOTPLastStep)
			if ok {
				// Conditional on the step being new, inside the write
				// transaction: two sign-ins racing with one code cannot
				// both win.
				if ok, err = ch.UseTOTPStep(ctx, acc.ID, step); err != nil {
					return err
				}
			}
			if !ok {
				return wrongCode
			}
		}
		if err := ch.RecordLoginSuccess(ctx, acc.ID); err != nil {
			return err
		}
		var err error
		if out.Session, err = ch.CreateSession(ctx, acc.ID, tokenHash, out.Now.Add(a.sessionTTL)); err != nil {
			return err
		}
		return ch.log(evidence.ActionUserLogin, objUser(acc.Name), details)
	})
	switch {
	case errors.Is(err, wrongCode):
		details["reason"] = "totp"
		a.addresses.failed(c.Remote, now)
		return Session{}, a.failed(ctx, who, evidence.ActionUserLoginFailed, acc, true, details, wrongCode)
	case errors.Is(err, secret.ErrUnreadable):
		// X-SEC-3: the sealed secret does not open with this server's
		// secrets.key (another key, an altered row). No code can pass and
		// the person cannot fix it: say so, log it once for the operator,
		// and do not count it towards lockout.
		a.log.Error("totp secret unreadable; reset the user's second factor (shilu user reset --totp)", "user", name, "err", err)
		details["reason"] = "totp_unreadable"
		return Session{}, a.failed(ctx, who, evidence.ActionUserLoginFailed, acc, false, details, errTOTPUnreadable)
	case err != nil:
		return Session{}, err
	}
	acc.FailedLogins, acc.LockedUntil = 0, nil
	out.Account = acc
	return out, nil
}

// failed records a failed check of a password or code as action: for a
// known account it counts towards lockout and, when this failure locks it,
// logs user.lockout in the same transaction. It returns answer.
func (a *App) failed(ctx context.Context, who Actor, action evidence.Action, acc store.Account, known bool, details map[string]string, answer error) error {
	err := a.update(ctx, who, func(c *change) error {
		if err := c.logAs(who.User.Name, action, objUser(who.User.Name), audit.OutcomeFailed, details); err != nil {
			return err
		}
		if !known {
			return nil
		}
		locked, err := c.RecordLoginFailure(ctx, acc.ID, a.policy.MaxFailures, a.policy.Lockout)
		if err != nil || !locked {
			return err
		}
		return c.logAs(acc.Name, evidence.ActionUserLockout, objUser(acc.Name), audit.OutcomeDenied,
			map[string]string{"failures": strconv.Itoa(a.policy.MaxFailures), "until": c.Now().Add(a.policy.Lockout).Format(time.RFC3339)})
	})
	if err != nil {
		return err
	}
	return answer
}

// SignOut ends session id of the actor.
func (a *App) SignOut(ctx context.Context, who Actor, sessionID int64) error {
	return a.update(ctx, who, func(c *change) error {
		if err := c.EndSession(ctx, sessionID); err != nil {
			return err
		}
		return c.log(evidence.ActionUserLogout, objUser(who.User.Name), nil)
	})
}

// ChangePassword replaces the actor's password after checking the current
// one (a wrong one counts towards lockout, so a stolen session cannot guess
// it) and the policy. The actor's other sessions end; keep (the session
// making the change, 0 for none) stays.
func (a *App) ChangePassword(ctx context.Context, who Actor, keep int64, old, new string) error {
	if old == "" || new == "" {
		return evidence.Errorf(evidence.EInvalid, "err.password.body")
	}
	var acc store.Account
	if err := a.view(ctx, func(tx *store.Tx) error { var err error; acc, err = tx.Account(ctx, who.User.ID); return err }); err != nil {
		return err
	}
	if !acc.HasPassword() {
		return evidence.Errorf(evidence.EInvalid, "err.password.token_account")
	}
	if err := a.policy.CheckPassword(acc.Name, new); err != nil {
		return err
	}
	if new == old {
		return evidence.Errorf(evidence.EInvalid, "err.password.same")
	}
	release, err := a.checking(ctx)
	if err != nil {
		return err
	}
	defer release()
	if err := auth.CheckPassword(acc.PasswordHash, old); err != nil {
		if !errors.Is(err, auth.ErrMismatch) {
			return err
		}
		return a.failed(ctx, who, evidence.ActionUserPasswordChange, acc, true, map[string]string{"reason": "password"},
			evidence.Errorf(evidence.EForbidden, "err.password.wrong"))
	}
	hash, err := auth.HashPassword(new, a.argon2)
	if err != nil {
		return err
	}
	return a.update(ctx, who, func(c *change) error {
		if err := c.SetPassword(ctx, acc.ID, hash, false); err != nil {
			return err
		}
		if err := c.EndUserSessions(ctx, acc.ID, keep); err != nil {
			return err
		}
		return c.log(evidence.ActionUserPasswordChange, objUser(acc.Name), map[string]string{detailPassword: passwordDigest(hash)})
	})
}

// SetupTOTP makes a new TOTP secret for the actor and returns it once, with
// the otpauth:// URI for a QR code. It is not in force until EnableTOTP
// confirms it, and cannot replace an enabled one (an administrator resets
// that first). It is stored sealed (X-SEC-3).
func (a *App) SetupTOTP(ctx context.Context, who Actor) (secretText, uri string, err error) {
	s := auth.NewTOTPSecret()
	if err := a.db.Update(ctx, func(tx *store.Tx) error { return tx.SetTOTPSecret(ctx, who.User.ID, s) }); err != nil {
		return "", "", err
	}
	return s, auth.TOTPURI("Shilu", who.User.Name, s), nil
}

// EnableTOTP confirms the secret of SetupTOTP with a code from the app; from
// then on sign-in needs a code.
func (a *App) EnableTOTP(ctx context.Context, who Actor, code string) error {
	if code == "" {
		return evidence.Errorf(evidence.EInvalid, "err.totp.body")
	}
	return a.update(ctx, who, func(c *change) error {
		acc, err := c.Account(ctx, who.User.ID)
		if err != nil {
			return err
		}
		if acc.TOTPEnabled {
			return evidence.Errorf(evidence.EConflict, "err.totp.enabled")
		}
		totpSecret, err := c.TOTPSecret(ctx, acc.ID)
		if evidence.ErrorCode(err) == evidence.ENotFound {
			return evidence.Errorf(evidence.EInvalid, "err.totp.no_secret")
		}
		if errors.Is(err, secret.ErrUnreadable) {
			// Set up under another secrets key: a new setup replaces it.
			return evidence.Errorf(evidence.EInvalid, "err.totp.unreadable")
		}
		if err != nil {
			return err
		}
		step, ok := auth.CheckTOTP(totpSecret, code, c.Now(), acc.TOTPLastStep)
		if !ok {
			return evidence.Errorf(evidence.EInvalid, "err.totp.wrong")
		}
		if err := c.EnableTOTP(ctx, acc.ID, step); err != nil {
			return err
		}
		sealed, err := c.TOTPSealed(ctx, acc.ID)
		if err != nil {
			return err
		}
		return c.log(evidence.ActionUserTOTPEnable, objUser(acc.Name), map[string]string{detailTOTP: secretDigest(sealed)})
	})
}

// Printable makes an untrusted string fit for the custody log: valid
// UTF-8, control characters replaced, at most 128 bytes.
func Printable(s string) string { return printable(s) }
