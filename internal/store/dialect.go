package store

import (
	"strconv"
	"strings"
	"time"
)

// dialect holds every difference between the SQL databases the store runs
// on, so that callers and queries stay the same. Queries are written with
// '?' placeholders and rebound here.
type dialect struct {
	name string // also the migrations sub-directory
	// dollar placeholders ($1, $2, …) instead of '?'.
	dollar bool
}

var sqlite = dialect{name: "sqlite"}

// rebind rewrites '?' placeholders for databases that number them. Queries
// in this package contain no '?' inside string literals.
func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// micros is the stored form of a time: microseconds since the epoch, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}
