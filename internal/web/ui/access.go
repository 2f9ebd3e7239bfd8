package ui

import (
	"context"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// GrantState says where a grant stands in words, the way the access pages
// show it: 未开始，15:00 生效 (with the date when it is not today, in
// Beijing time), 生效中，剩余 2 天 3 小时, 已到期, 已撤销.
func (p *page) GrantState(st evidence.GrantState, from, until time.Time) string {
	switch st {
	case evidence.GrantUpcoming:
		return p.T("grant.state.upcoming", p.When(from))
	case evidence.GrantLive:
		return p.T("grant.state.live", p.Left(until))
	case evidence.GrantRevoked:
		return p.T("grant.state.revoked")
	}
	return p.T("grant.state.expired")
}

// RequestGrantState is GrantState for the grant of an approved request;
// "" when there is none.
func (p *page) RequestGrantState(r evidence.AccessRequest) string {
	if r.GrantFrom == nil || r.GrantUntil == nil {
		return ""
	}
	st := p.GrantState(r.GrantState, *r.GrantFrom, *r.GrantUntil)
	if !r.GrantRegistered && !r.GrantState.Ended() {
		st += " · " + p.T("reg.waiting") // Art. 16: no viewing before the custodian registers
	}
	return st
}

// GrantShortened reports whether the leader granted less than the request
// asked for (the start is compared from the approval on: a grant never
// starts before it).
func (p *page) GrantShortened(r evidence.AccessRequest) bool {
	if r.GrantFrom == nil || r.GrantUntil == nil {
		return false
	}
	from := r.From
	if r.DecidedAt != nil && from.Before(*r.DecidedAt) {
		from = *r.DecidedAt
	}
	return r.GrantUntil.Before(r.Until) || r.GrantFrom.After(from)
}

// When is a moment near now in Beijing time: 15:00 today, 12月6日 15:00
// this year, 2027-01-02 15:00 otherwise.
func (p *page) When(t time.Time) string {
	t, now := t.In(shanghai), p.now.In(shanghai)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format(p.Text("time.month_day"))
	}
	return t.Format("2006-01-02 15:04")
}

// grantClass is the tag colour of a grant state.
func grantClass(st evidence.GrantState) string {
	switch st {
	case evidence.GrantLive:
		return "success"
	case evidence.GrantUpcoming:
		return "info"
	case evidence.GrantRevoked:
		return "danger"
	}
	return "muted"
}

// menuCounts puts the number of items waiting for u next to the menu
// items that have them: the requests this leader decides (scoped as
// app.Decide is, by department) and, for reviewers, the open findings
// (those the findings page lists under 待处理). An indexed query each,
// once per page view; 0 shows nothing. A failed count leaves the menu
// without it rather than fail the page.
func (h *Handler) menuCounts(ctx context.Context, p *page) {
	decides, reviews := p.User.Role.Can(evidence.PermAccessApprove), p.User.Role.Can(evidence.PermActivitiesReview)
	registers := p.User.Role.Can(evidence.PermGrantRegister)
	if h.DB == nil || p.User.ID == 0 || !decides && !reviews && !registers {
		return
	}
	counts := map[string]int{}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		if registers {
			n, err := tx.CountUnregistered(ctx, p.User.ID)
			if err != nil {
				return err
			}
			counts["/grants/register"] = n
		}
		if decides {
			n, err := tx.PendingDecisions(ctx, p.User.ID)
			if err != nil {
				return err
			}
			// Extractions wait in the same queue (Art. 15, 18).
			m, err := tx.PendingExtractions(ctx, p.User.ID)
			if err != nil {
				return err
			}
			counts["/approvals"] = n + m
		}
		if reviews {
			n, err := tx.CountFindings(ctx, store.FindingFilter{Status: evidence.FindingOpen})
			if err != nil {
				return err
			}
			counts["/findings"] = n
		}
		return nil
	})
	if err != nil {
		if h.Logger != nil {
			h.Logger.Warn("ui: menu counts", "err", err, "user", p.User.Name)
		}
		return
	}
	for href, n := range counts {
		if n == 0 {
			delete(counts, href)
		}
	}
	p.Counts = counts
}

// CountLabel reads a menu item's count aloud: 3 项待办.
func (p *page) CountLabel(n int) string { return p.T("menu.pending_count", n) }

// approvalRecording is a recording as the approval dialog shows it.
type approvalRecording struct {
	evidence.Recording
	Duration time.Duration
}

// requestDetails reads the recordings the requests name, for the approval
// dialog: name, officer, time and duration (at most 500).
func requestDetails(ctx context.Context, tx *store.Tx, list []evidence.AccessRequest) (map[int64]approvalRecording, error) {
	recs, err := recordingsByID(ctx, tx, requestRecordings(list))
	out := make(map[int64]approvalRecording, len(recs))
	for id, rec := range recs {
		out[id] = approvalRecording{rec, recordingDuration(rec)}
	}
	return out, err
}

// GrantStart is the earliest start an approval of r now can give its
// grant: the start asked, or now when that has passed.
func (p *page) GrantStart(r evidence.AccessRequest) time.Time {
	if r.From.Before(p.now) {
		return p.now
	}
	return r.From
}
