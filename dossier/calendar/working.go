package calendar

import (
	"errors"
	"fmt"
	"time"
)

// ErrNegative is wrapped by the error for a negative working time or
// number of working days.
var ErrNegative = errors.New("negative working time")

// IntakeTime is the working time the intake desk has to check, accept or
// return an online submission (QĐ 03/2020 Vĩnh Phúc, Điều 13 khoản 1:
// "trong vòng một giờ làm việc").
const IntakeTime = time.Hour

// forward calls yield with each working interval [from, to) at or after t,
// in order, the first one clipped to start at t, until yield returns
// false. It fails when it walks out of the years the calendar knows.
func (c *Calendar) forward(t time.Time, yield func(from, to time.Time) bool) error {
	loc := c.profile.loc
	t = t.In(loc)
	year, yday := t.Year(), t.YearDay()-1
	for ; ; year, yday = year+1, 0 {
		tab, err := c.table(year)
		if err != nil {
			return err
		}
		for ; yday < len(tab.off); yday++ {
			if tab.off[yday] {
				continue
			}
			midnight := time.Date(year, time.January, 1+yday, 0, 0, 0, 0, loc)
			// Sessions are wall-clock times: add them to midnight unless the
			// zone changes its offset that day (never in Vietnam since 1975).
			_, off0 := midnight.Zone()
			_, off1 := midnight.Add(24 * time.Hour).Zone()
			at := func(minute int) time.Time {
				if off0 == off1 {
					return midnight.Add(time.Duration(minute) * time.Minute)
				}
				return time.Date(year, time.January, 1+yday, 0, minute, 0, 0, loc)
			}
			for _, s := range c.profile.sessions {
				from, to := at(s.start), at(s.end)
				if !to.After(t) {
					continue
				}
				if from.Before(t) {
					from = t
				}
				if !yield(from, to) {
					return nil
				}
			}
		}
	}
}

// IsWorking reports whether t lies in a working session [start, end) of a
// working day: 11:30 and 17:00 are already outside.
func (c *Calendar) IsWorking(t time.Time) (bool, error) {
	t = t.In(c.profile.loc)
	day := dateFromTime(t)
	ok, err := c.IsWorkingDay(day)
	if err != nil || !ok {
		return false, err
	}
	for _, s := range c.profile.sessions {
		if !t.Before(day.at(s.start, c.profile.loc)) && t.Before(day.at(s.end, c.profile.loc)) {
			return true, nil
		}
	}
	return false, nil
}

// NextWorkingStart returns the earliest working instant at or after t: t
// itself inside a session, else the start of the next session of a
// working day.
func (c *Calendar) NextWorkingStart(t time.Time) (time.Time, error) {
	var out time.Time
	err := c.forward(t, func(from, _ time.Time) bool { out = from; return false })
	return out, err
}

// AddWorking returns the instant when d of working time has passed after
// t: working time counts only inside the sessions of working days, so
// from outside working time it starts at the next session. When d runs out
// exactly at the end of a session the result is that end (17:00, not the
// next morning). AddWorking(t, 0) is t. A negative d is an error wrapping
// ErrNegative.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fmt.Errorf("%w: %v", ErrNegative, d)
	}
	if d == 0 {
		return t.In(c.profile.loc), nil
	}
	var out time.Time
	rem := d
	err := c.forward(t, func(from, to time.Time) bool {
		if avail := to.Sub(from); rem > avail {
			rem -= avail
			return true
		}
		out = from.Add(rem)
		return false
	})
	return out, err
}

// AddWorkingDays returns AddWorking(t, n × DayLength()): n working days
// counted as working time, so that a dossier received at 09:00 on a Monday
// is due at 09:00 on Thursday for n = 3 when no holiday intervenes, and one
// received outside working time starts counting at the next session
// (Saturday + 1 working day is Monday 17:00). Holidays, compensatory and
// announced days off do not count; announced working Saturdays do.
func (c *Calendar) AddWorkingDays(t time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("%w: %d working days", ErrNegative, n)
	}
	return c.AddWorking(t, time.Duration(n)*c.DayLength())
}

// WorkingTimeBetween returns the working time between a and b; negative
// when b is before a.
func (c *Calendar) WorkingTimeBetween(a, b time.Time) (time.Duration, error) {
	if b.Before(a) {
		d, err := c.WorkingTimeBetween(b, a)
		return -d, err
	}
	var sum time.Duration
	err := c.forward(a, func(from, to time.Time) bool {
		if !from.Before(b) {
			return false
		}
		if to.After(b) {
			to = b
		}
		sum += to.Sub(from)
		return true
	})
	return sum, err
}

// IntakeDeadline returns when the intake desk must have checked an online
// submission, reading QĐ 03/2020 Vĩnh Phúc Điều 13 khoản 1 literally: one
// working hour from submission; when it is submitted outside working time,
// or when the current session has less than that hour left ("vào cuối giờ
// làm việc mà không đủ thời gian một giờ"), the hour starts at the
// beginning of the next session. So 09:00 gives 10:00, 10:30 gives 11:30,
// 11:00 gives 13:30 + 1h = 14:30, Friday 16:30 gives Monday 08:30 (the
// next working day's, after holidays).
func (c *Calendar) IntakeDeadline(submitted time.Time) (time.Time, error) {
	t := submitted.In(c.profile.loc)
	var from, to time.Time
	if err := c.forward(t, func(f, e time.Time) bool { from, to = f, e; return false }); err != nil {
		return time.Time{}, err
	}
	if from.Equal(t) { // inside a session
		if to.Sub(t) >= IntakeTime {
			return t.Add(IntakeTime), nil
		}
		var err error
		if from, err = c.NextWorkingStart(to); err != nil {
			return time.Time{}, err
		}
	}
	return c.AddWorking(from, IntakeTime)
}

// TransferDeadline returns when the intake desk must have passed a
// complete, valid dossier to the specialist department under Quảng Ngãi's
// rule (QĐ 03/2016 Điều 11 khoản 4: "trong thời hạn 1/2 ngày làm việc"):
// half a working day of working time, DayLength()/2 (3h45m by default),
// after receipt.
func (c *Calendar) TransferDeadline(received time.Time) (time.Time, error) {
	return c.AddWorking(received, c.DayLength()/2)
}
