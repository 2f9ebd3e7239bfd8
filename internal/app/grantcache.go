package app

import (
	"sync"
	"time"

	"shilu/internal/evidence"
)

// accessCache keeps what the content route found in the database, the
// recordings and their viewers' live grants, so that the range requests of
// a playback are authorised without a query for either (issue 15). It is
// correct because of what it holds on to and when it lets go:
//
//   - Everything it holds holds for one access generation
//     (store.Tx.AccessGeneration), which every change of a grant or a
//     recording bumps in the transaction that makes it (triggers, migration
//     0017): an approval, a revocation, a change of a granted request's
//     recordings, a correction of a recording. Each range request reads the
//     generation in its own snapshot, one row by its primary key, and a
//     different one empties the cache. So a revocation takes effect at the
//     next request, as before, whichever process committed it: another
//     instance when Shilu scales out (issue 12), or the CLI. We chose the
//     database's counter over a time to live because no TTL short enough
//     for "the next request" would save anything.
//   - Expiry needs no change: every look-up compares the grant's period with
//     the request's clock.
//   - Only live grants are kept, never their absence: a grant whose period
//     starts later becomes live without a change to bump the generation.
//
// At most accessCacheMax grants and as many recordings: a cache that fills
// up starts over.
type accessCache struct {
	mu         sync.Mutex
	gen        int64
	grants     map[grantKey]cachedGrant
	recordings map[int64]evidence.Recording
}

const accessCacheMax = 10_000

type grantKey struct{ user, recording int64 }

// cachedGrant is what authorising a range needs of a grant.
type cachedGrant struct {
	id          int64
	from, until time.Time
	// registered: a custodian (or the policy) registered the grant, which
	// updates its row and so bumps the generation (Art. 16).
	registered bool
}

func newAccessCache() *accessCache {
	return &accessCache{gen: -1, grants: map[grantKey]cachedGrant{}, recordings: map[int64]evidence.Recording{}}
}

// recording returns recording id, if the cache holds it for generation gen.
func (c *accessCache) recording(gen, id int64) (evidence.Recording, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return evidence.Recording{}, false
	}
	r, ok := c.recordings[id]
	return r, ok
}

// grant returns user's live grant for recording at now, if the cache holds
// one for generation gen.
func (c *accessCache) grant(gen, user, recording int64, now time.Time) (cachedGrant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return cachedGrant{}, false
	}
	g, ok := c.grants[grantKey{user, recording}]
	if !ok || now.Before(g.from) || !now.Before(g.until) {
		return cachedGrant{}, false
	}
	return g, true
}

// at readies the cache to keep what was read at generation gen: a newer
// generation, or a full cache, empties it. It reports false for a
// generation older than the cache's (read in a snapshot taken before a
// change that another request has already seen), whose reads are not
// kept. The caller holds c.mu.
func (c *accessCache) at(gen int64) bool {
	switch {
	case gen < c.gen:
		return false
	case gen > c.gen || len(c.grants) >= accessCacheMax || len(c.recordings) >= accessCacheMax:
		c.gen, c.grants, c.recordings = gen, map[grantKey]cachedGrant{}, map[int64]evidence.Recording{}
	}
	return true
}

// putRecording keeps r, read at generation gen.
func (c *accessCache) putRecording(gen int64, r evidence.Recording) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at(gen) {
		c.recordings[r.ID] = r
	}
}

// putGrant keeps g as user's live grant for recording, read at generation
// gen.
func (c *accessCache) putGrant(gen, user, recording int64, g cachedGrant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at(gen) {
		c.grants[grantKey{user, recording}] = g
	}
}
