package seed

import (
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

// OfficeHours is a working-time calendar of Monday to Friday, 07:30–11:30
// and 13:30–17:00 in Vietnam, without holidays. It stands in for the
// province calendars of package dossier/calendar where those are not
// wired (they add the public holidays, lunar ones included).
type OfficeHours struct{}

var _ dossier.Calendar = OfficeHours{}

var sessions = [][2]time.Duration{{7*time.Hour + 30*time.Minute, 11*time.Hour + 30*time.Minute}, {13*time.Hour + 30*time.Minute, 17 * time.Hour}}

func dayStart(t time.Time) time.Time {
	t = t.In(vietnam)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, vietnam)
}

func workingDay(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }

// WorkingDay is 7½ hours.
func (OfficeHours) WorkingDay() time.Duration { return 7*time.Hour + 30*time.Minute }

// AddWorking returns the time d of working time after t.
func (OfficeHours) AddWorking(t time.Time, d time.Duration) time.Time {
	for day := dayStart(t); ; day = day.AddDate(0, 0, 1) {
		if !workingDay(day) {
			continue
		}
		for _, s := range sessions {
			a, b := day.Add(s[0]), day.Add(s[1])
			if t.After(a) {
				a = t
			}
			if !a.Before(b) {
				continue
			}
			if left := b.Sub(a); d <= left {
				return a.Add(d)
			} else {
				d -= left
			}
		}
	}
}

// AddWorkingDays returns the time n working days after t.
func (c OfficeHours) AddWorkingDays(t time.Time, n float64) time.Time {
	return c.AddWorking(t, time.Duration(n*float64(c.WorkingDay())))
}

// WorkingTimeBetween is the working time in [a, b).
func (OfficeHours) WorkingTimeBetween(a, b time.Time) time.Duration {
	var total time.Duration
	for day := dayStart(a); day.Before(b); day = day.AddDate(0, 0, 1) {
		if !workingDay(day) {
			continue
		}
		for _, s := range sessions {
			x, y := day.Add(s[0]), day.Add(s[1])
			if x.Before(a) {
				x = a
			}
			if y.After(b) {
				y = b
			}
			if y.After(x) {
				total += y.Sub(x)
			}
		}
	}
	return total
}

// IntakeDeadline is one working hour after t, starting at the next
// session when the current one has less than an hour left.
func (OfficeHours) IntakeDeadline(t time.Time) time.Time {
	for day := dayStart(t); ; day = day.AddDate(0, 0, 1) {
		if !workingDay(day) {
			continue
		}
		for _, s := range sessions {
			a, b := day.Add(s[0]), day.Add(s[1])
			if t.After(a) {
				a = t
			}
			if b.Sub(a) >= time.Hour {
				return a.Add(time.Hour)
			}
		}
	}
}
