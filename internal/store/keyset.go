package store

import (
	"context"
	"fmt"
	"slices"

	"shilu/internal/evidence"
)

// CountLimit is how many matching rows a list counts at most: counting a
// million recordings cost more than reading the page, so a list that
// matches more says so (Over) instead of how many.
const CountLimit = 10_000

// countUpTo counts the rows of from (a FROM clause with its WHERE) up to one
// more than CountLimit, and whether there are more than CountLimit.
func (tx *Tx) countUpTo(ctx context.Context, what, from string, args []any) (int, bool, error) {
	var n int
	if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM (SELECT 1 FROM `+from+` LIMIT ?) AS c`, append(slices.Clone(args), CountLimit+1)...); err != nil {
		return 0, false, fmt.Errorf("store: count %s: %w", what, err)
	}
	return min(n, CountLimit), n > CountLimit, nil
}

// keysetPage reads a page of limit rows of a list paged by position (keyset
// paging): after the cursor after, or before the cursor before (nearest
// first from read, returned in the list's order). read(at, back, n) returns
// up to n rows listed after at, or before it when back (from an end when at
// is nil); cursor gives a row's position. prev and next are the cursors of
// the neighbouring pages, nil at the list's ends.
func keysetPage[T any](after, before *evidence.Cursor, limit int, read func(at *evidence.Cursor, back bool, n int) ([]T, error),
	cursor func(T) evidence.Cursor) (list []T, prev, next *evidence.Cursor, err error) {
	back := before != nil && after == nil
	at := after
	if back {
		at = before
	}
	if list, err = read(at, back, limit+1); err != nil {
		return nil, nil, nil, err
	}
	more := len(list) > limit
	list = list[:min(len(list), limit)]
	if back {
		slices.Reverse(list)
	}
	if len(list) == 0 {
		return list, nil, nil, nil
	}
	first, last := cursor(list[0]), cursor(list[len(list)-1])
	// The end the page was read towards has rows beyond it when the read
	// found one more than the page; the other end, when one row lies
	// beyond it (the page the cursor came from may have changed since).
	further := func(c evidence.Cursor, back bool) (bool, error) {
		beyond, err := read(&c, back, 1)
		return len(beyond) > 0, err
	}
	hasPrev, hasNext := more && back, more && !back
	if at != nil && !back {
		hasPrev, err = further(first, true)
	} else if back {
		hasNext, err = further(last, false)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if hasPrev {
		prev = &first
	}
	if hasNext {
		next = &last
	}
	return list, prev, next, nil
}
