package app

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// StateProblem is a row of the archive's state that its custody log does
// not account for: changed behind the application's back (Differs), gone
// although the log says it was made (Missing), or there without the entry
// that every change writes (Unlogged).
type StateProblem struct {
	Object string // as custody entries name it: "recording:12", "user:zhangwei"
	Kind   string // StateDiffers, StateMissing, StateUnlogged
	Detail string
}

// The kinds of StateProblem.
const (
	StateDiffers  = "differs"
	StateMissing  = "missing"
	StateUnlogged = "unlogged"
)

func (p StateProblem) String() string {
	return fmt.Sprintf("%s %s: %s", p.Object, p.Kind, p.Detail)
}

// stateActions are the custody actions whose entries CheckState replays.
var stateActions = []evidence.Action{evidence.ActionRecordingIngest, evidence.ActionUserCreate, evidence.ActionUserRoleChange}

// CheckState replays the custody log's record of the security-relevant
// state and compares it with the tables (issue 9 point 6: the log is the
// source of truth, and a row changed with sqlite3 used to pass both
// verifications). It covers, so far:
//
//   - recordings: every row has its ingest entry with the same digest and
//     size (swapping two digests would make one recording serve another's
//     bytes), and every ingested recording still has its row;
//   - accounts: every account has its user.create entry and the role its
//     last role entry gave it (a role raised in the database would grant
//     rights nobody gave).
//
// Run it on a log that audit.Verify has verified: it trusts the entries.
func (a *App) CheckState(ctx context.Context) ([]StateProblem, error) {
	type ingested struct {
		digest blob.Digest
		size   int64
	}
	logged := map[int64]ingested{}
	roles := map[string]evidence.Role{}
	var problems []StateProblem
	err := a.view(ctx, func(tx *store.Tx) error {
		err := tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			if !mentionsAny(data, stateActions) {
				return nil // most entries: skip decoding
			}
			e, err := audit.Decode(data)
			if err != nil {
				return err
			}
			switch e.Action {
			case evidence.ActionRecordingIngest:
				id, err := strconv.ParseInt(strings.TrimPrefix(e.Object, "recording:"), 10, 64)
				size, serr := strconv.ParseInt(e.Details["size"], 10, 64)
				if err != nil || serr != nil || len(e.Digests) != 1 {
					return nil // an entry without the facts (old test fixtures); the row is then unlogged
				}
				logged[id] = ingested{e.Digests[0], size}
			case evidence.ActionUserCreate:
				roles[strings.TrimPrefix(e.Object, "user:")] = evidence.Role(e.Details["role"])
			case evidence.ActionUserRoleChange:
				roles[strings.TrimPrefix(e.Object, "user:")] = evidence.Role(e.Details["to"])
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows := map[int64]ingested{}
		if err := tx.AllDigests(ctx, func(id int64, d blob.Digest, size int64) error {
			rows[id] = ingested{d, size}
			return nil
		}); err != nil {
			return err
		}
		for id, row := range rows {
			obj := objRecording(id)
			want, ok := logged[id]
			switch {
			case !ok:
				problems = append(problems, StateProblem{obj, StateUnlogged, "no ingest entry in the custody log"})
			case row.digest != want.digest:
				problems = append(problems, StateProblem{obj, StateDiffers, fmt.Sprintf("digest %s, the log says %s", row.digest, want.digest)})
			case row.size != want.size:
				problems = append(problems, StateProblem{obj, StateDiffers, fmt.Sprintf("size %d, the log says %d", row.size, want.size)})
			}
		}
		for id, want := range logged {
			if _, ok := rows[id]; !ok {
				problems = append(problems, StateProblem{objRecording(id), StateMissing, fmt.Sprintf("ingested as %s, no row", want.digest)})
			}
		}
		accounts, err := tx.Accounts(ctx)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, acc := range accounts {
			obj := objUser(acc.Name)
			seen[acc.Name] = true
			want, ok := roles[acc.Name]
			switch {
			case !ok:
				problems = append(problems, StateProblem{obj, StateUnlogged, "no user.create entry in the custody log"})
			case acc.Role != want:
				problems = append(problems, StateProblem{obj, StateDiffers, fmt.Sprintf("role %s, the log says %s", acc.Role, want)})
			}
		}
		for name := range roles {
			if !seen[name] {
				problems = append(problems, StateProblem{objUser(name), StateMissing, "created in the log, no row"})
			}
		}
		return nil
	})
	sort.Slice(problems, func(i, j int) bool { return problems[i].Object < problems[j].Object })
	return problems, err
}

// mentionsAny reports whether an entry's encoding names one of actions, a
// cheap test before decoding it.
func mentionsAny(data []byte, actions []evidence.Action) bool {
	for _, a := range actions {
		if bytes.Contains(data, []byte(`"action":"`+string(a)+`"`)) {
			return true
		}
	}
	return false
}
