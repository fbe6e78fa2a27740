package calendar

import (
	"fmt"
	"time"
)

// Supported years. The lunar calendar's astronomical formulas (Hồ Ngọc
// Đức's, after Jean Meeus) are accurate well inside this range; holidays
// exist only from MinHolidayYear on (see [Calendar.Holidays]).
const (
	MinYear = 1900
	MaxYear = 2199
)

// Date is a civil (solar, Gregorian) date without a time of day or zone.
// The zero value is not a valid date. Its JSON and text form is
// "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, normalising overflowing days and months as
// time.Date does (2026-02-30 is 2026-03-02).
func NewDate(year int, month time.Month, day int) Date {
	return dateFromTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses "YYYY-MM-DD" strictly: 2026-02-30 is an error.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("malformed date %q: want YYYY-MM-DD", s)
	}
	return dateFromTime(t), nil
}

func dateFromTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String returns "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// valid reports whether d is a real calendar date (not normalised).
func (d Date) valid() bool { return NewDate(d.Year, d.Month, d.Day) == d }

// utc is midnight UTC of d, the base of the day arithmetic.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// YearDay returns the day of the year, 1 to 366.
func (d Date) YearDay() int { return d.utc().YearDay() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.utc().Compare(e.utc()) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// julianDay returns the Julian day number of d (the JDN of noon UTC).
func (d Date) julianDay() int { return int(d.utc().Unix()/86400) + 2440588 }

func dateFromJulianDay(jd int) Date { return dateFromTime(time.Unix(int64(jd-2440588)*86400, 0).UTC()) }

// at returns the instant h:m on d in loc.
func (d Date) at(minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, minute/60, minute%60, 0, 0, loc)
}

// WeekdayVI returns the Vietnamese name of the day of the week of d
// ("Thứ Hai" … "Chủ nhật").
func (d Date) WeekdayVI() string {
	return [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}[d.Weekday()]
}

// viShort is d as Vietnamese texts write it: "26/04/2026".
func (d Date) viShort() string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year) }
