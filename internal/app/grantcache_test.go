package app

import (
	"testing"
	"time"
)

// R-VIEW-1 (issue 15): the access cache answers only for the generation it
// read at and within a grant's period; what an older snapshot read is not
// kept over what a newer one did.
func TestAccessCache(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	g := cachedGrant{id: 7, from: now.Add(-time.Hour), until: now.Add(time.Hour)}
	for _, tt := range []struct {
		name string
		prep func(c *accessCache)
		gen  int64
		at   time.Time
		want bool
	}{
		{"Hit", func(c *accessCache) { c.putGrant(3, 1, 2, g) }, 3, now, true},
		{"OtherGeneration", func(c *accessCache) { c.putGrant(3, 1, 2, g) }, 4, now, false},
		{"Expired", func(c *accessCache) { c.putGrant(3, 1, 2, g) }, 3, now.Add(time.Hour), false},
		{"NotYetStarted", func(c *accessCache) { c.putGrant(3, 1, 2, g) }, 3, now.Add(-2 * time.Hour), false},
		{"OtherViewer", func(c *accessCache) { c.putGrant(3, 9, 2, g) }, 3, now, false},
		{"NewerGenerationEmpties", func(c *accessCache) { c.putGrant(3, 1, 2, g); c.putGrant(4, 9, 2, g) }, 3, now, false},
		{"OlderSnapshotNotKept", func(c *accessCache) { c.putGrant(4, 9, 2, g); c.putGrant(3, 1, 2, g) }, 3, now, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newAccessCache()
			tt.prep(c)
			if _, ok := c.grant(tt.gen, 1, 2, tt.at); ok != tt.want {
				t.Errorf("grant found: %v, want %v", ok, tt.want)
			}
		})
	}
}
