package auth

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shilu/internal/evidence"
)

// Policy is the sign-in policy (X-SEC-1, 等保 2.0 identification and
// authentication): password quality and rotation, lockout, idle timeout
// and who needs a second factor. The zero value of a field means its
// default (WithDefaults).
type Policy struct {
	// MinLength counts characters (runes), not bytes: a Chinese
	// passphrase is as long as it looks.
	MinLength int
	// MinClasses of the four classes lower case, upper case, digit and
	// other (symbols, and any script without case).
	MinClasses int
	// MaxAge is how long a password lasts before it must be changed.
	MaxAge time.Duration
	// MaxFailures consecutive failed sign-ins lock the account for
	// Lockout.
	MaxFailures int
	Lockout     time.Duration
	// AddressFailures failed sign-ins from one client address within
	// AddressWindow refuse that address's further attempts, so that one
	// stranger cannot lock every account in turn.
	AddressFailures int
	AddressWindow   time.Duration
	// IdleTimeout ends a session unused for this long. Station API tokens
	// have none.
	IdleTimeout time.Duration
	// TOTPRoles must sign in with a second factor; others may opt in.
	TOTPRoles []evidence.Role
}

// DefaultPolicy is the policy without configuration.
func DefaultPolicy() Policy {
	return Policy{
		MinLength:       12,
		MinClasses:      3,
		MaxAge:          90 * 24 * time.Hour,
		MaxFailures:     5,
		Lockout:         15 * time.Minute,
		AddressFailures: 10,
		AddressWindow:   15 * time.Minute,
		IdleTimeout:     30 * time.Minute,
		// The three separated administrators (三员分立, X-SEC-2).
		TOTPRoles: []evidence.Role{evidence.RoleSysAdmin, evidence.RoleSecAdmin, evidence.RoleAuditor},
	}
}

// WithDefaults returns p with its zero fields set from DefaultPolicy.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	if p.MinLength <= 0 {
		p.MinLength = d.MinLength
	}
	if p.MinClasses <= 0 {
		p.MinClasses = d.MinClasses
	}
	if p.MaxAge <= 0 {
		p.MaxAge = d.MaxAge
	}
	if p.MaxFailures <= 0 {
		p.MaxFailures = d.MaxFailures
	}
	if p.Lockout <= 0 {
		p.Lockout = d.Lockout
	}
	if p.AddressFailures <= 0 {
		p.AddressFailures = d.AddressFailures
	}
	if p.AddressWindow <= 0 {
		p.AddressWindow = d.AddressWindow
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = d.IdleTimeout
	}
	if p.TOTPRoles == nil {
		p.TOTPRoles = d.TOTPRoles
	}
	return p
}

// CheckPassword returns an EInvalid error naming what a new password of
// user name lacks, or nil when it meets the policy.
func (p Policy) CheckPassword(name, password string) error {
	if n := utf8.RuneCountInString(password); n < p.MinLength {
		return evidence.Errorf(evidence.EInvalid, "err.password.too_short", p.MinLength, n)
	}
	var lower, upper, digit, other int
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if n := lower + upper + digit + other; n < p.MinClasses {
		return evidence.Errorf(evidence.EInvalid, "err.password.classes", p.MinClasses, n)
	}
	if name != "" && strings.Contains(strings.ToLower(password), strings.ToLower(name)) {
		return evidence.Errorf(evidence.EInvalid, "err.password.contains_name")
	}
	return nil
}

// PasswordExpired reports whether a password set at changed is due for
// rotation at now. A password with no date (none yet) is not.
func (p Policy) PasswordExpired(changed *time.Time, now time.Time) bool {
	return changed != nil && !now.Before(changed.Add(p.MaxAge))
}

// RequiresTOTP reports whether role r must sign in with a second factor.
func (p Policy) RequiresTOTP(r evidence.Role) bool {
	for _, x := range p.TOTPRoles {
		if x == r {
			return true
		}
	}
	return false
}
