package app

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addressLimit bounds failed sign-ins per client address, so that one
// stranger cannot guess at, and lock, account after account: the account
// lockout protects one account against many guesses, this protects the
// accounts against one guesser. Each address may fail burst times, and one
// more failure is forgiven every window/burst. An address over the limit is
// refused before any password is checked, and its attempts count towards
// no account's lockout.
//
// The counts live in this process: with several servers behind a load
// balancer each keeps its own, which multiplies the limit by their number
// but still bounds it.
type addressLimit struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	m     map[string]*rate.Limiter
}

// maxAddresses bounds the memory of the limit: past it, addresses whose
// failures have all been forgiven are forgotten, and if that is not enough
// new addresses share one count (overflow) until some are.
const (
	maxAddresses = 10000
	overflow     = "overflow"
)

func newAddressLimit(burst int, window time.Duration) *addressLimit {
	return &addressLimit{every: rate.Every(window / time.Duration(burst)), burst: burst, m: map[string]*rate.Limiter{}}
}

// host is the address without its port: a client gets a new port per
// connection.
func host(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// allowed reports whether remote may try to sign in at now.
func (l *addressLimit) allowed(remote string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[host(remote)]
	if !ok && len(l.m) >= maxAddresses {
		lim, ok = l.m[overflow]
	}
	return !ok || lim.TokensAt(now) >= 1
}

// failed counts a failed sign-in from remote at now.
func (l *addressLimit) failed(remote string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := host(remote)
	lim, ok := l.m[h]
	if !ok {
		if len(l.m) >= maxAddresses {
			for k, v := range l.m {
				if v.TokensAt(now) >= float64(l.burst) {
					delete(l.m, k)
				}
			}
		}
		if len(l.m) >= maxAddresses {
			h = overflow
		}
		if lim, ok = l.m[h]; !ok {
			lim = rate.NewLimiter(l.every, l.burst)
			l.m[h] = lim
		}
	}
	lim.AllowN(now, 1)
}
