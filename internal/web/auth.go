package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

func userOf(r *http.Request) evidence.User {
	u, _ := auth.UserFrom(r.Context())
	return u
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// login exchanges a name and password for a bearer token that expires after
// SessionTTL. Every success and failure is in the custody log (X-SEC-1).
// Failures do not say whether the name exists.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || req.Name == "" {
		return evidence.Errorf(evidence.EInvalid, "want a JSON body with name and password")
	}
	ctx := r.Context()
	select { // argon2id holds 64 MiB a check: bound how many run at once
	case s.logins <- struct{}{}:
		defer func() { <-s.logins }()
	case <-ctx.Done():
		return ctx.Err()
	}
	var u evidence.User
	var hash string
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		u, hash, err = tx.UserByName(ctx, req.Name)
		return err
	})
	if err != nil && evidence.ErrorCode(err) != evidence.ENotFound {
		return err
	}
	if err == nil && !u.Disabled && hash != "" {
		err = auth.CheckPassword(hash, req.Password)
	} else {
		// Spend the same time on unknown names, so timing reveals nothing.
		auth.CheckPassword(s.dummyHash(), req.Password)
		err = auth.ErrMismatch
	}
	details := map[string]string{"remote": r.RemoteAddr}
	if err != nil {
		name := printable(req.Name)
		if !errors.Is(err, auth.ErrMismatch) {
			s.cfg.Logger.Error("password check", "user", req.Name, "err", err)
		}
		if aerr := s.audit(ctx, audit.Entry{Actor: name, Action: "user.login_failed", Object: "user:" + name, Outcome: audit.OutcomeFailed, Details: details}); aerr != nil {
			return aerr
		}
		return evidence.Errorf(evidence.EUnauthorized, "wrong name or password")
	}
	token, tokenHash := auth.NewToken()
	var expires any
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		exp := tx.Now().Add(s.cfg.SessionTTL)
		expires = exp
		if err := tx.CreateSession(ctx, u.ID, tokenHash, exp); err != nil {
			return err
		}
		details["request_id"] = requestID(ctx)
		_, err := tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "user.login", Object: "user:" + u.Name, Outcome: audit.OutcomeOK, Details: details})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": token, "expires_at": expires, "user": u})
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
