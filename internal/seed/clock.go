package seed

import (
	"sync"
	"time"
)

// A Clock is the movable clock a scenario runs on: the engine's
// Options.Now, the signing times and the development time-stamp
// authority's time all read it, so a story told over past working days is
// consistent. It only moves forwards.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	wall bool
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t; a t before the clock's time is ignored.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t
	}
	c.mu.Unlock()
}

// Advance moves the clock forwards by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TSANow is the time the development time-stamp authority stamps with:
// the clock's time, or the wall clock while WallTSA runs (package
// digitize signs at the wall-clock time, and a time-stamp must not
// precede the signature's claimed time).
func (c *Clock) TSANow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		return time.Now()
	}
	return c.t
}

// WallTSA runs fn with the time-stamp authority on the wall clock.
func (c *Clock) WallTSA(fn func()) {
	c.mu.Lock()
	c.wall = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.wall = false
		c.mu.Unlock()
	}()
	fn()
}
