package api

import (
	"strconv"
	"sync"
	"time"
)

// A Limiter is a token bucket per key (client IP, account), bounded in
// memory: when it tracks maxKeys keys it drops the fullest buckets, which
// are the ones that would allow a request anyway.
type Limiter struct {
	name    string
	rate    float64 // tokens per second
	burst   float64
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows rate requests per second per key with bursts of burst.
func NewLimiter(name string, rate float64, burst int) *Limiter {
	return &Limiter{name: name, rate: rate, burst: float64(burst), maxKeys: 100_000, buckets: map[string]*bucket{}}
}

// Allow takes a token for key at now; when none is left it reports the
// seconds to wait (for Retry-After).
func (l *Limiter) Allow(key string, now time.Time) (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, ""
	}
	wait := (1 - b.tokens) / l.rate
	return false, strconv.Itoa(int(wait) + 1)
}

// evict drops buckets that have refilled completely.
func (l *Limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.maxKeys { // all busy: start over rather than grow
		clear(l.buckets)
	}
}
