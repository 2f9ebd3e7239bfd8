package app

import (
	"sync"
	"time"
)

// grantCache keeps the live grants that the content route found, so that
// the range requests of a playback are authorised without a grant query
// (issue 15). It is correct because of what it holds on to and when it
// lets go:
//
//   - An entry holds for one grants generation (store.Tx.GrantGeneration),
//     which every change of a grant bumps in the transaction that makes it
//     (a trigger, migration 0014): an approval, a revocation, a change of a
//     granted request's recordings. Each range request reads the generation
//     in its own snapshot, one row by its primary key, and a different one
//     empties the cache. So a revocation takes effect at the next request,
//     as before, whichever process committed it: another instance when
//     Shilu scales out (issue 12), or the CLI. We chose the database's
//     counter over a time to live because no TTL short enough for "the next
//     request" saves anything.
//   - Expiry needs no change: every look-up compares the grant's period with
//     the request's clock.
//   - Only live grants are kept, never their absence: a grant whose period
//     starts later becomes live without any change to bump the generation.
//
// At most grantCacheMax entries: a cache that fills up starts over.
type grantCache struct {
	mu  sync.Mutex
	gen int64
	m   map[grantKey]cachedGrant
}

const grantCacheMax = 10_000

type grantKey struct{ user, recording int64 }

// cachedGrant is what authorising a range needs of a grant.
type cachedGrant struct {
	id          int64
	from, until time.Time
}

func newGrantCache() *grantCache { return &grantCache{gen: -1, m: map[grantKey]cachedGrant{}} }

// get returns user's live grant for recording at now, if the cache holds
// one for generation gen.
func (c *grantCache) get(gen, user, recording int64, now time.Time) (cachedGrant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return cachedGrant{}, false
	}
	g, ok := c.m[grantKey{user, recording}]
	if !ok || now.Before(g.from) || !now.Before(g.until) {
		return cachedGrant{}, false
	}
	return g, true
}

// put keeps g as user's live grant for recording, read at generation gen.
// A newer generation empties the cache; a grant read in an older snapshot
// than the cache's (a request that began before a change another one has
// already seen) is not kept.
func (c *grantCache) put(gen, user, recording int64, g cachedGrant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return
	case gen > c.gen || len(c.m) >= grantCacheMax:
		c.gen, c.m = gen, map[grantKey]cachedGrant{}
	}
	c.m[grantKey{user, recording}] = g
}
