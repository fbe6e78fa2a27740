package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Errors of the processing clock.
var (
	ErrAlreadyPaused = errors.New("clock is already paused")
	ErrNotPaused     = errors.New("clock is running, not paused")
	ErrTimeBackwards = errors.New("time goes backwards")
	ErrInvalidClock  = errors.New("invalid clock")
)

// Clock is the processing clock of a dossier (QĐ 03/2020 Vĩnh Phúc,
// Điều 13 khoản 3): it starts when the intake desk accepts the dossier as
// valid with a budget of working time (the procedure's processing time);
// a request to supplement the dossier pauses it; a valid supplement
// resumes it with the remaining working time, and the system announces the
// new return date, [Clock.Deadline].
//
// A Clock is an immutable value: Pause and Resume return the new clock and
// leave the old one unchanged, also when they fail. Its JSON form (from
// json.Marshal) is what the dossier engine stores; [Calendar.LoadClock]
// reads it back. The deadline is fixed when the clock starts or resumes
// (it is the appointment given to the citizen); a holiday announced later
// does not move it.
type Clock struct {
	cal      *Calendar
	budget   time.Duration
	started  time.Time
	used     time.Duration // working time consumed before since
	since    time.Time     // start of the current run, or of the pause
	paused   bool
	deadline time.Time
	pauses   []Pause
}

// Pause is one suspension of a clock; To is zero while it lasts.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// StartClock starts a processing clock at at (the acceptance) with a
// budget of working time; its deadline is AddWorking(at, budget).
func (c *Calendar) StartClock(at time.Time, budget time.Duration) (Clock, error) {
	if budget <= 0 {
		return Clock{}, fmt.Errorf("%w: budget %v must be positive", ErrNegative, budget)
	}
	at = at.In(c.profile.loc)
	deadline, err := c.AddWorking(at, budget)
	if err != nil {
		return Clock{}, err
	}
	return Clock{cal: c, budget: budget, started: at, since: at, deadline: deadline}, nil
}

// Budget returns the working time the clock was started with.
func (k Clock) Budget() time.Duration { return k.budget }

// Started returns when the clock was started.
func (k Clock) Started() time.Time { return k.started }

// Paused reports whether the clock is paused.
func (k Clock) Paused() bool { return k.paused }

// Pauses returns the clock's suspensions, the last one open while paused.
func (k Clock) Pauses() []Pause { return slices.Clone(k.pauses) }

// Deadline returns the current deadline and true while the clock runs;
// the last deadline and false while it is paused. A clock resumed after
// its deadline had passed keeps that past deadline.
func (k Clock) Deadline() (time.Time, bool) { return k.deadline, !k.paused }

func (k Clock) check(at time.Time) error {
	if k.cal == nil {
		return fmt.Errorf("%w: zero Clock: use Calendar.StartClock or Calendar.LoadClock", ErrInvalidClock)
	}
	if at.Before(k.since) {
		return fmt.Errorf("%w: %s is before the clock's last event at %s", ErrTimeBackwards,
			at.In(k.cal.profile.loc).Format(time.RFC3339), k.since.Format(time.RFC3339))
	}
	return nil
}

// Remaining returns the working time left at at; negative once the
// deadline has passed. at must not be before the clock's last event.
func (k Clock) Remaining(at time.Time) (time.Duration, error) {
	if err := k.check(at); err != nil {
		return 0, err
	}
	if k.paused {
		return k.budget - k.used, nil
	}
	run, err := k.cal.WorkingTimeBetween(k.since, at)
	if err != nil {
		return 0, err
	}
	return k.budget - k.used - run, nil
}

// Pause stops the clock at at (a supplement was requested). Pausing a
// paused clock is ErrAlreadyPaused; at before the last event
// ErrTimeBackwards.
func (k Clock) Pause(at time.Time) (Clock, error) {
	if err := k.check(at); err != nil {
		return k, err
	}
	if k.paused {
		return k, fmt.Errorf("%w since %s", ErrAlreadyPaused, k.since.Format(time.RFC3339))
	}
	run, err := k.cal.WorkingTimeBetween(k.since, at)
	if err != nil {
		return k, err
	}
	at = at.In(k.cal.profile.loc)
	n := k
	n.used += run
	n.since, n.paused = at, true
	n.pauses = append(slices.Clone(k.pauses), Pause{From: at})
	return n, nil
}

// Resume restarts a paused clock at at (a valid supplement was received)
// and returns it with its new deadline: the remaining working time added
// to at. Resuming a running clock is ErrNotPaused.
func (k Clock) Resume(at time.Time) (Clock, error) {
	if err := k.check(at); err != nil {
		return k, err
	}
	if !k.paused {
		return k, ErrNotPaused
	}
	at = at.In(k.cal.profile.loc)
	n := k
	if rem := k.budget - k.used; rem > 0 {
		d, err := k.cal.AddWorking(at, rem)
		if err != nil {
			return k, err
		}
		n.deadline = d
	}
	n.since, n.paused = at, false
	n.pauses = slices.Clone(k.pauses)
	n.pauses[len(n.pauses)-1].To = at
	return n, nil
}

// clockJSON is the stored form of a Clock.
type clockJSON struct {
	Profile  string    `json:"profile"`
	Budget   string    `json:"budget"` // Go duration: "37h30m0s"
	Started  time.Time `json:"started"`
	Used     string    `json:"used"`
	Since    time.Time `json:"since"`
	Paused   bool      `json:"paused"`
	Deadline time.Time `json:"deadline"`
	Pauses   []Pause   `json:"pauses,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (k Clock) MarshalJSON() ([]byte, error) {
	if k.cal == nil {
		return nil, fmt.Errorf("%w: zero Clock", ErrInvalidClock)
	}
	return json.Marshal(clockJSON{Profile: k.cal.ID(), Budget: k.budget.String(), Started: k.started,
		Used: k.used.String(), Since: k.since, Paused: k.paused, Deadline: k.deadline, Pauses: k.pauses})
}

// LoadClock reads a clock stored with json.Marshal, checking that it
// belongs to this calendar's profile and is consistent.
func (c *Calendar) LoadClock(data []byte) (Clock, error) {
	var j clockJSON
	fail := func(format string, args ...any) (Clock, error) {
		return Clock{}, fmt.Errorf("%w: %s", ErrInvalidClock, fmt.Sprintf(format, args...))
	}
	if err := decodeStrict(data, &j); err != nil {
		return fail("%v", err)
	}
	if j.Profile != c.ID() {
		return fail("it belongs to profile %q, not %q", j.Profile, c.ID())
	}
	budget, err1 := time.ParseDuration(j.Budget)
	used, err2 := time.ParseDuration(j.Used)
	switch {
	case err1 != nil || err2 != nil:
		return fail("budget %q / used %q: %v", j.Budget, j.Used, errors.Join(err1, err2))
	case budget <= 0 || used < 0:
		return fail("budget %v must be positive and used %v not negative", budget, used)
	case j.Started.IsZero() || j.Since.Before(j.Started) || j.Deadline.IsZero():
		return fail("started %s, since %s, deadline %s are inconsistent", j.Started, j.Since, j.Deadline)
	}
	last := j.Started
	for i, p := range j.Pauses {
		open := p.To.IsZero()
		switch {
		case p.From.Before(last) || (!open && p.To.Before(p.From)):
			return fail("pauses[%d] goes backwards", i)
		case open && i != len(j.Pauses)-1:
			return fail("pauses[%d] is open but not the last", i)
		}
		last = p.To
		if open {
			last = p.From
		}
	}
	if j.Paused != (len(j.Pauses) > 0 && j.Pauses[len(j.Pauses)-1].To.IsZero()) || !last.Equal(j.Since) {
		return fail("paused %v and the pauses %v disagree with since %s", j.Paused, j.Pauses, j.Since)
	}
	loc := c.profile.loc
	k := Clock{cal: c, budget: budget, started: j.Started.In(loc), used: used, since: j.Since.In(loc),
		paused: j.Paused, deadline: j.Deadline.In(loc), pauses: j.Pauses}
	for i := range k.pauses {
		k.pauses[i].From = k.pauses[i].From.In(loc)
		if !k.pauses[i].To.IsZero() {
			k.pauses[i].To = k.pauses[i].To.In(loc)
		}
	}
	return k, nil
}
