package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// PreambleKeys are the items of the spoken preamble (X-ACT-2: 开封, 魏县 and
// 巨鹿 ask officers to state them on the recording before the work starts),
// in the order they are spoken.
var PreambleKeys = []string{"time", "place", "officers", "party", "step"}

// NoticeOfficer is one officer on the activity as the notice names them.
type NoticeOfficer struct {
	Number string `json:"number"`
	// Name is the account's display name (or account name); the officer
	// number when no account carries it.
	Name string `json:"name"`
	// userID is the account holding the number, 0 if none.
	userID int64
}

// PreambleItem is one item of the preamble with the value the written
// record holds for it: what the officer is expected to say. Values are in
// Chinese whatever the UI language, because that is what is said aloud.
type PreambleItem struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Stated bool   `json:"stated"`
}

// Notice is the notice of one activity, as the API answers it and the
// activity page shows it (templates/_notice.html).
type Notice struct {
	ActivityID int64 `json:"activity_id"`
	// Text is the standard notice of Art. 8 with the officers' names.
	Text     string          `json:"text"`
	Officers []NoticeOfficer `json:"officers"`
	Preamble []PreambleItem  `json:"preamble"`
	// Confirmed is the flag the rules read (notice_missing); ConfirmedBy
	// and ConfirmedAt are empty when it came from another system.
	Confirmed   bool   `json:"confirmed"`
	ConfirmedBy string `json:"confirmed_by,omitempty"`
	// ConfirmedByName is the confirming account's display name, for people
	// to read; ConfirmedBy is the account, as the custody log names it.
	ConfirmedByName string     `json:"confirmed_by_name,omitempty"`
	ConfirmedAt     *time.Time `json:"confirmed_at,omitempty"`
	Stated          []string   `json:"stated"`
}

// spokenTime is how the preamble states a time: the local date and minute,
// as an officer reads it out.
const spokenTime = "2006年1月2日 15时04分"

// LoadNotice builds the notice of activity a: the officers' names from the
// officer directory, in the activity's officer order, and the preamble
// items with their values from the written record.
func LoadNotice(ctx context.Context, tx *store.Tx, a evidence.Activity) (Notice, error) {
	v := Notice{ActivityID: a.ID, Officers: []NoticeOfficer{}}
	dir, err := tx.OfficerDirectory(ctx)
	if err != nil {
		return v, err
	}
	n, err := tx.Notice(ctx, a.ID)
	if err != nil {
		return v, err
	}
	names, spoken := make([]string, 0, len(a.Officers)), make([]string, 0, len(a.Officers))
	for _, no := range a.Officers {
		o := NoticeOfficer{Number: no, Name: no}
		if d, ok := dir[no]; ok {
			o.Name, o.userID = d.Name, d.UserID
		}
		v.Officers = append(v.Officers, o)
		names = append(names, o.Name)
		if o.Name == no {
			spoken = append(spoken, no)
		} else {
			spoken = append(spoken, o.Name+"（"+no+"）")
		}
	}
	v.Text = evidence.NoticeText(names)
	v.Confirmed, v.Stated = n.Given, n.Stated
	// A feed may have cleared notice_given after a confirmation here
	// (PATCH of the activity); then no one stands behind it any more.
	if n.Given && n.ConfirmedBy != "" {
		v.ConfirmedBy, v.ConfirmedByName, v.ConfirmedAt = n.ConfirmedBy, n.ConfirmedBy, n.ConfirmedAt
		switch acc, err := tx.AccountByName(ctx, n.ConfirmedBy); {
		case err == nil:
			v.ConfirmedByName = acc.Label()
		case evidence.ErrorCode(err) != evidence.ENotFound:
			return v, err
		}
	}
	values := map[string]string{
		"time":     a.Arrival.In(evidence.Zone).Format(spokenTime),
		"place":    a.Place.Address,
		"officers": strings.Join(spoken, "、"),
		"party":    a.Party,
		"step":     a.Type.Label(),
	}
	for _, k := range PreambleKeys {
		v.Preamble = append(v.Preamble, PreambleItem{Key: k, Value: values[k], Stated: slices.Contains(n.Stated, k)})
	}
	return v, nil
}

// MayConfirmNotice reports whether u may confirm the notice of v. The notice is
// a fact of the site visit, so the people who were there confirm it: an
// account whose officer number is on the activity. While none of the
// activity's officers has an account with that number (an archive whose
// accounts do not carry officer numbers yet, or officers fed from another
// system), anyone who records the work (PermAccessRequest, as for every
// activity write) may, or the notice could never be confirmed at all. A
// leader is no exception: they were not there to hear it.
func MayConfirmNotice(u evidence.User, v Notice) bool {
	if !u.Role.Can(evidence.PermActivitiesRecord) {
		return false
	}
	mapped := false
	for _, o := range v.Officers {
		if o.userID != 0 {
			mapped = true
			if o.userID == u.ID {
				return true
			}
		}
	}
	return !mapped
}

// parseStated checks the preamble item keys and returns them in spoken
// order. Missing items are allowed: the notice of Art. 8 is what the rules
// require, the preamble is the sister bureaus' practice (X-ACT-2), so an
// incomplete one is shown on the activity rather than raised as a finding,
// which would be noise next to the breaches of the regulation itself.
func parseStated(stated []string) ([]string, error) {
	out := make([]string, 0, len(stated))
	for _, k := range stated {
		if !slices.Contains(PreambleKeys, k) {
			return nil, evidence.Errorf(evidence.EInvalid, "err.notice.item_unknown", k)
		}
		if slices.Contains(out, k) {
			return nil, evidence.Errorf(evidence.EInvalid, "err.notice.item_twice", k)
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(PreambleKeys, a) - slices.Index(PreambleKeys, b) })
	return out, nil
}

// ConfirmNotice records that the party was told recording is on (Art. 8)
// and which preamble items were stated (X-ACT-2), and re-evaluates the
// activity in the same transaction so the notice_missing finding closes
// with the fact that closes it. Confirming again replaces the items; the
// custody log keeps every confirmation. A refusal is logged too (R-ACC-1).
func (a *App) ConfirmNotice(ctx context.Context, who Actor, id int64, stated []string) (Notice, error) {
	stated, err := parseStated(stated)
	if err != nil {
		return Notice{}, err
	}
	var v Notice
	err = a.update(ctx, who, func(c *change) error {
		x, err := c.standing(ctx, id)
		if err != nil {
			return err
		}
		if v, err = LoadNotice(ctx, c.Tx, x); err != nil {
			return err
		}
		if !MayConfirmNotice(who.User, v) {
			return evidence.Errorf(evidence.EForbidden, "err.notice.not_officer", strings.Join(x.Officers, "、"))
		}
		if _, err := c.Tx.ConfirmNotice(ctx, id, who.User.Name, stated); err != nil {
			return err
		}
		var missing []string
		for _, k := range PreambleKeys {
			if !slices.Contains(stated, k) {
				missing = append(missing, k)
			}
		}
		details := map[string]string{"stated": strings.Join(stated, ","), "missing": strings.Join(missing, ","), "text": v.Text}
		if err := c.activityState(id, details); err != nil {
			return err
		}
		if err := c.log(evidence.ActionActivityNotice, objActivity(id), details); err != nil {
			return err
		}
		if err := reevaluate(ctx, c.Tx, id, a.params); err != nil {
			return err
		}
		v, err = LoadNotice(ctx, c.Tx, x)
		return err
	})
	if evidence.ErrorCode(err) == evidence.EForbidden {
		// The transaction above rolled back, so the refusal is written on
		// its own.
		if aerr := a.Record(ctx, who, evidence.ActionActivityNotice, objActivity(id), audit.OutcomeDenied,
			map[string]string{"reason": "not an officer of the activity"}); aerr != nil {
			return v, aerr
		}
	}
	return v, err
}
