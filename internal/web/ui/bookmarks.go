package ui

import (
	"context"
	"strconv"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// bookmarkPanel is the bookmark strip and list under a recording's player.
type bookmarkPanel struct {
	// DurationMS scales the strip: the media's length, or when unknown a
	// little beyond the last bookmark (the script rescales to the
	// player's duration once it knows it).
	DurationMS int64
	Known      bool // DurationMS is the media's length
	CanAdd     bool
	Items      []bookmarkItem
	Kinds      []evidence.BookmarkKind
}

// bookmarkItem is one bookmark as the page shows it: X and W place it on
// the strip in percent of DurationMS (SVG attributes: the CSP allows no
// inline styles).
type bookmarkItem struct {
	evidence.Bookmark
	CanRemove bool
	X, W      string
	When      string // m:ss, or m:ss–m:ss for a span
	EndAt     int64  // end offset in ms, 0 for a point
}

func newBookmarkItem(b evidence.Bookmark, pct func(int64) string) bookmarkItem {
	it := bookmarkItem{Bookmark: b, X: pct(b.OffsetMS), W: pct(b.End().Milliseconds() - b.OffsetMS), When: app.MediaTime(b.OffsetMS)}
	if b.EndMS != nil {
		it.EndAt = *b.EndMS
		it.When += "–" + app.MediaTime(*b.EndMS)
	}
	return it
}

// loadBookmarkPanel reads what the recording page shows of its bookmarks
// for u: the same rules as the API decide the add and remove buttons.
func loadBookmarkPanel(ctx context.Context, tx *store.Tx, u evidence.User, rec evidence.Recording) (bookmarkPanel, error) {
	p := bookmarkPanel{Kinds: evidence.BookmarkKinds()}
	list, err := tx.Bookmarks(ctx, rec.ID)
	if err != nil {
		return p, err
	}
	p.DurationMS = app.MediaDuration(rec).Milliseconds()
	p.Known = p.DurationMS > 0
	if !p.Known {
		p.DurationMS = 60_000
		for _, b := range list {
			p.DurationMS = max(p.DurationMS, b.End().Milliseconds()*11/10)
		}
	}
	if u.Role.Can(evidence.PermBookmark) {
		if p.CanAdd, err = app.MayBookmark(ctx, tx, u, rec); err != nil {
			return p, err
		}
	}
	leads := map[int64]bool{}
	pct := func(ms int64) string {
		return strconv.FormatFloat(min(100, float64(ms)*100/float64(p.DurationMS)), 'f', 3, 64) + "%"
	}
	for _, b := range list {
		it := newBookmarkItem(b, pct)
		if p.CanAdd {
			if _, ok := leads[b.CreatedByID]; !ok {
				may, err := app.MayRemoveBookmark(ctx, tx, u, b)
				if err != nil {
					return p, err
				}
				leads[b.CreatedByID] = may
			}
			it.CanRemove = leads[b.CreatedByID]
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}

// BMTime formats a bookmark offset for a page (m:ss).
func (p *page) BMTime(ms int64) string { return app.MediaTime(ms) }

// BMSeconds is an offset in seconds for a #t= link to the player.
func (p *page) BMSeconds(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }

// BMKind names a bookmark kind in the page's language.
func (p *page) BMKind(k evidence.BookmarkKind) string { return p.T("bm.kind." + string(k)) }

// activityBookmarks lists the bookmarks of an activity's linked recordings
// for its page, each linking to its moment in the player (#t=).
func activityBookmarks(ctx context.Context, tx *store.Tx, activityID int64) ([]bookmarkItem, error) {
	list, err := tx.ActivityBookmarks(ctx, activityID)
	if err != nil {
		return nil, err
	}
	items := make([]bookmarkItem, 0, len(list))
	for _, b := range list {
		items = append(items, newBookmarkItem(b, func(int64) string { return "0%" }))
	}
	return items, nil
}
