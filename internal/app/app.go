// Package app is Shilu's application layer: the use cases (create a user,
// request and approve viewing, record a viewing, link a recording, explain
// an interruption, …). Each use case owns its transaction: the change, its
// custody-log entries and the re-evaluation of the rules it affects commit
// together or not at all (R-AUD-1). The web server, the CLI, the demo
// seeding and the ingest hook call it; none of them composes a change on
// its own.
//
// Authorization by role is the route table's (web); what the use cases
// check is what depends on the data: a leader decides only for the people
// they lead, a requester withdraws only their own request.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Config wires the application to its parts.
type Config struct {
	DB *store.DB
	// Argon2 sets the cost of the password hashes the use cases make and
	// check; LoginSlots bounds concurrent password checks, each of which
	// holds Argon2.Memory KiB.
	Argon2     auth.Params
	LoginSlots int
	// SessionTTL is the lifetime of a session, however busy (X-SEC-1).
	SessionTTL time.Duration
	// Policy is the sign-in policy; zero fields take auth.DefaultPolicy's.
	Policy auth.Policy
	Logger *slog.Logger
	// Packaging makes evidence packages of approved extractions.
	Packaging Packaging
}

// App runs the use cases.
type App struct {
	db         *store.DB
	argon2     auth.Params
	params     compliance.Params
	policy     auth.Policy
	sessionTTL time.Duration
	logins     chan struct{}
	addresses  *addressLimit
	// dummyHash is checked against for unknown names, so that a failed
	// sign-in takes as long whether or not the name exists. It is made on
	// first use: hashing holds 64 MiB, which a server that only ingests
	// should never pay.
	dummyHash func() string
	log       *slog.Logger
	// access and viewings keep playback off the writer (issue 15): the
	// recordings and live grants found, and the viewings open
	// (grantcache.go, viewings.go).
	access    *accessCache
	viewings  *viewingLog
	packaging Packaging
	pack      chan struct{} // wakes RunPackager
	// evalSlice is evaluatorSlice; tests that count batches lengthen it.
	evalSlice time.Duration
}

// New returns the application over cfg.
func New(cfg Config) *App {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Argon2 == (auth.Params{}) {
		cfg.Argon2 = auth.DefaultParams
	}
	if cfg.LoginSlots <= 0 {
		cfg.LoginSlots = 2
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	policy := cfg.Policy.WithDefaults()
	a := &App{db: cfg.DB, argon2: cfg.Argon2, params: compliance.DefaultParams(evidence.Zone), policy: policy, evalSlice: evaluatorSlice,
		sessionTTL: cfg.SessionTTL, logins: make(chan struct{}, cfg.LoginSlots), log: cfg.Logger,
		addresses: newAddressLimit(policy.AddressFailures, policy.AddressWindow),
		packaging: cfg.Packaging, pack: make(chan struct{}, 1),
		dummyHash: sync.OnceValue(func() string {
			h, _ := auth.HashPassword("no one's password", cfg.Argon2)
			return h
		}),
		access: newAccessCache()}
	a.viewings = newViewingLog(a.flushViewings)
	return a
}

// Policy is the sign-in policy in force.
func (a *App) Policy() auth.Policy { return a.policy }

// Params are the thresholds the compliance rules run with.
func (a *App) Params() compliance.Params { return a.params }

// Actor is who performs a use case: a signed-in user, or the system itself
// (the CLI run by the server's operator, the demo seeding), whose User has
// only a Name.
type Actor struct {
	User evidence.User
	// RequestID ties the custody entries to the request that made them.
	RequestID string
}

// System is the actor for work done by the server's operator or the server
// itself, named e.g. "system" or "cli:root".
func System(name string) Actor { return Actor{User: evidence.User{Name: name}} }

// change is one use case's transaction: its custody entries and the
// activities whose rules must run again before it commits.
type change struct {
	*store.Tx
	ctx  context.Context
	app  *App
	who  Actor
	eval map[int64]bool // activities to re-evaluate at commit
	recs map[int64]bool // recordings whose own signs to re-check at commit
	rets map[int64]bool // recordings whose retention to recompute at commit
}

// update runs fn in a write transaction; the activities and recordings fn
// marked are re-evaluated at its end, once each, in the same transaction.
func (a *App) update(ctx context.Context, who Actor, fn func(c *change) error) error {
	return a.db.Update(ctx, func(tx *store.Tx) error {
		c := &change{Tx: tx, ctx: ctx, app: a, who: who, eval: map[int64]bool{}, recs: map[int64]bool{}, rets: map[int64]bool{}}
		if err := fn(c); err != nil {
			return err
		}
		for _, id := range slices.Sorted(maps.Keys(c.rets)) {
			if _, err := tx.Retain(ctx, id); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(c.recs)) {
			if err := checkRecording(ctx, tx, id, a.params); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(c.eval)) {
			if err := reevaluate(ctx, tx, id, a.params); err != nil {
				return err
			}
		}
		return nil
	})
}

// view runs fn in a read transaction.
func (a *App) view(ctx context.Context, fn func(tx *store.Tx) error) error { return a.db.View(ctx, fn) }

// log appends a custody entry by the change's actor, with the request ID.
func (c *change) log(action evidence.Action, object string, details map[string]string, digests ...blob.Digest) error {
	return c.logAs(c.who.User.Name, action, object, audit.OutcomeOK, details, digests...)
}

func (c *change) logAs(actor string, action evidence.Action, object, outcome string, details map[string]string, digests ...blob.Digest) error {
	e, err := entry(c.who, actor, action, object, outcome, details, digests)
	if err != nil {
		return err
	}
	_, err = c.Audit(c.ctx, e)
	return err
}

// reevaluate marks activity id for the rules to run again at commit.
func (c *change) reevaluate(id int64) { c.eval[id] = true }

// recheck marks recording id for its own signs to be checked at commit.
func (c *change) recheck(id int64) { c.recs[id] = true }

// retain marks recordings for their retain-until to be recomputed at
// commit (issue 11 point 1): whatever changes a rule's facts — a case's
// retention or status, an attachment, a link, a class, a hold — calls it.
func (c *change) retain(ids ...int64) {
	for _, id := range ids {
		c.rets[id] = true
	}
}

// entry makes a custody entry. Only the actions of evidence.Actions are
// written, so every entry has a name in the catalogue and in the custody
// log's filter.
func entry(who Actor, actor string, action evidence.Action, object, outcome string, details map[string]string, digests []blob.Digest) (audit.Entry, error) {
	if !action.Known() {
		return audit.Entry{}, fmt.Errorf("app: custody action %q is not one of evidence.Actions", action)
	}
	d := maps.Clone(details)
	if d == nil {
		d = map[string]string{}
	}
	if who.RequestID != "" {
		d["request_id"] = who.RequestID
	}
	return audit.Entry{Actor: actor, Action: action, Object: object, Outcome: outcome, Digests: digests, Details: d}, nil
}

// Record appends one custody entry in a transaction of its own, for what
// changes no other state: a read of evidence, an export, a refusal
// (R-ACC-1: who tried what).
func (a *App) Record(ctx context.Context, who Actor, action evidence.Action, object, outcome string, details map[string]string, digests ...blob.Digest) error {
	e, err := entry(who, who.User.Name, action, object, outcome, details, digests)
	if err != nil {
		return err
	}
	return a.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Audit(ctx, e)
		return err
	})
}

// Objects named in custody entries.
func objRecording(id int64) string { return "recording:" + strconv.FormatInt(id, 10) }
func objActivity(id int64) string  { return "activity:" + strconv.FormatInt(id, 10) }
func objUser(name string) string   { return "user:" + name }
func objDepartment(id int64) string {
	return "department:" + strconv.FormatInt(id, 10)
}

// ObjRecording names recording id in custody entries.
func ObjRecording(id int64) string { return objRecording(id) }

// ObjActivity names activity id in custody entries.
func ObjActivity(id int64) string { return objActivity(id) }

// checkText refuses control characters other than line breaks and tabs and
// texts longer than max characters: free text ends up in reports and the
// log. Limits count characters, not bytes: 800 Chinese characters are 800.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return evidence.Errorf(evidence.EInvalid, "err.text_not_utf8", evidence.Msg("field."+field))
	}
	if n := utf8.RuneCountInString(s); n > max {
		return evidence.Errorf(evidence.EInvalid, "err.text_too_long", evidence.Msg("field."+field), max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return evidence.Errorf(evidence.EInvalid, "err.text_control", evidence.Msg("field."+field))
		}
	}
	return nil
}

// checkLine is checkText for one-line values (names, labels).
func checkLine(field, s string, max int) error {
	if err := checkText(field, s, max); err != nil {
		return err
	}
	if strings.ContainsAny(s, "\r\n\t") {
		return evidence.Errorf(evidence.EInvalid, "err.text_one_line", evidence.Msg("field."+field))
	}
	return nil
}

// firstErr returns the first non-nil error: one message is enough.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// itoa formats an id for custody details.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// printable makes an untrusted string fit for the custody log: clean, at
// most 128 bytes.
func printable(s string) string {
	s = clean(s)
	for len(s) > 128 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// clean makes an untrusted string fit to show and store: valid UTF-8,
// control characters replaced. Limits on it count characters (clip).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
