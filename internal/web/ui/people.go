package ui

import (
	"context"
	"sync"

	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
)

// directory holds every account (disabled ones too: someone who has left
// still stands behind what they did) so that a page can show people the
// way the bureau knows them, by name and officer number, where the data
// names them by sign-in name or officer number. A bureau has hundreds of
// accounts, so one query per page that shows people is cheap.
type directory struct {
	byName   map[string]store.StatUser
	byNumber map[string]store.StatUser
}

// directory returns a loader that reads the accounts once, on first use.
// A failed read leaves the directory empty: pages then show sign-in names
// and numbers as stored rather than fail.
func (h *Handler) directory(ctx context.Context) func() *directory {
	return sync.OnceValue(func() *directory {
		d := &directory{byName: map[string]store.StatUser{}, byNumber: map[string]store.StatUser{}}
		if h.DB == nil {
			return d
		}
		err := h.DB.View(ctx, func(tx *store.Tx) error {
			us, err := tx.StatUsers(ctx)
			for _, u := range us {
				d.byName[u.Name] = u
				if u.OfficerNo != "" {
					d.byNumber[u.OfficerNo] = u
				}
			}
			return err
		})
		if err != nil && h.Logger != nil {
			h.Logger.Warn("ui: people directory", "err", err)
		}
		return d
	})
}

// personText writes a person as 张伟（000123）, or 张伟 without an officer
// number; English uses ASCII brackets.
func personText(lang, label, number string) string {
	if number == "" {
		return label
	}
	if lang == locale.English {
		return label + " (" + number + ")"
	}
	return label + "（" + number + "）"
}

// Person shows the account with sign-in name name (as custody entries,
// requests and grants store it) by its person's name and number. Names
// that are not accounts (system, demo, cli) are the custody log's actors.
func (p *page) Person(name string) string {
	if p.people != nil {
		if u, ok := p.people().byName[name]; ok {
			return personText(p.Lang, u.Label, u.OfficerNo)
		}
	}
	return p.Actor(name)
}

// Officer shows the person holding officer number no, or the number alone
// when no account holds it (a recording of an officer not yet registered).
func (p *page) Officer(no string) string {
	if p.people != nil {
		if u, ok := p.people().byNumber[no]; ok {
			return personText(p.Lang, u.Label, no)
		}
	}
	return no
}

// UserPerson is Person for an account already at hand.
func (p *page) UserPerson(u evidence.User) string {
	return personText(p.Lang, u.Label(), u.OfficerNo)
}
