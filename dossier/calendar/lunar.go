package calendar

import (
	"errors"
	"fmt"
	"math"
)

// The Vietnamese lunisolar calendar (âm lịch), computed astronomically for
// the meridian of UTC+7 with the algorithm Hồ Ngọc Đức published
// ("Âm lịch Việt Nam", after Jean Meeus' Astronomical Algorithms):
//
//   - a month begins on the day (at UTC+7) of a new moon;
//   - month 11 is the month containing the winter solstice;
//   - when 13 new moons begin between two months 11, the first month after
//     month 11 that contains no major solar term (trung khí: the sun
//     entering a multiple of 30° of longitude) is a leap month and takes
//     the number of the month before it.
//
// It differs from the Chinese calendar, computed for UTC+8, whenever a new
// moon or a solar term falls between 16:00 and 17:00 UTC: Tết 1985 was
// 21/01/1985 in Vietnam and 20/02 in China, Tết 2007 17/02 and 18/02,
// Tết 2030 02/02 and 03/02. Before 1968 North Vietnam used UTC+8; this
// package applies UTC+7 to every year.

// ErrInvalidLunarDate is wrapped by every error about a lunar date that
// does not exist (month 13, day 31, day 30 of a 29-day month, a leap month
// the year does not have).
var ErrInvalidLunarDate = errors.New("invalid lunar date")

// ErrOutOfRange is wrapped by errors about dates outside the years this
// package computes ([MinYear], [MaxYear]; holidays from MinHolidayYear).
var ErrOutOfRange = errors.New("date out of the supported range")

// LunarDate is a date of the Vietnamese lunar calendar. Year is the
// Gregorian year in which the lunar year begins (Tết Bính Ngọ is
// LunarDate{2026, 1, 1, false}); Leap marks the days of a leap month
// (tháng nhuận), which follows the ordinary month of the same number.
type LunarDate struct {
	Year  int  `json:"year"`
	Month int  `json:"month"`
	Day   int  `json:"day"`
	Leap  bool `json:"leap,omitempty"`
}

// String returns e.g. "10/3/2026" or "15/6 nhuận/2025".
func (l LunarDate) String() string {
	if l.Leap {
		return fmt.Sprintf("%d/%d nhuận/%d", l.Day, l.Month, l.Year)
	}
	return fmt.Sprintf("%d/%d/%d", l.Day, l.Month, l.Year)
}

// YearName returns the sexagenary (can chi) name of the lunar year,
// e.g. "Bính Ngọ" for 2026.
func (l LunarDate) YearName() string { return yearName(l.Year) }

func yearName(y int) string {
	stems := [10]string{"Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"}
	branches := [12]string{"Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"}
	return stems[((y+6)%10+10)%10] + " " + branches[((y+8)%12+12)%12]
}

// dayMonthVI is the traditional Vietnamese name of a lunar day and month:
// "mùng 1 tháng Giêng", "30 tháng Chạp", "10 tháng Ba".
func (l LunarDate) dayMonthVI() string {
	months := [13]string{"", "Giêng", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười", "Mười Một", "Chạp"}
	day := fmt.Sprint(l.Day)
	if l.Day <= 10 {
		day = "mùng " + day
	}
	s := day + " tháng " + months[l.Month]
	if l.Leap {
		s += " nhuận"
	}
	return s
}

// lunarMonth is one month of the lunar calendar.
type lunarMonth struct {
	year, month int
	leap        bool
	start       int // Julian day number of day 1
	days        int // 29 or 30
}

const (
	timeZone  = 7.0          // hours east of UTC
	synodic   = 29.530588853 // mean synodic month, days
	epochJD   = 2415021.076998695
	moonEpoch = 2415021 // JDN of 1900-01-01, the epoch of newMoon's k
)

// newMoon returns the Julian date (UT) of the k-th new moon after the one
// of 1900-01-01 (Meeus, Astronomical Algorithms, ch. 47, as simplified by
// Hồ Ngọc Đức).
func newMoon(k int) float64 {
	kk := float64(k)
	t := kk / 1236.85 // Julian centuries from 1900-01-00.5
	t2, t3 := t*t, t*t*t
	const dr = math.Pi / 180
	jd1 := 2415020.75933 + 29.53058868*kk + 0.0001178*t2 - 0.000000155*t3
	jd1 += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*dr)
	m := 359.2242 + 29.10535608*kk - 0.0000333*t2 - 0.00000347*t3    // sun's mean anomaly
	mpr := 306.0253 + 385.81691806*kk + 0.0107306*t2 + 0.00001236*t3 // moon's mean anomaly
	f := 21.2964 + 390.67050646*kk - 0.0016528*t2 - 0.00000239*t3    // moon's argument of latitude
	c1 := (0.1734-0.000393*t)*math.Sin(m*dr) + 0.0021*math.Sin(2*dr*m)
	c1 = c1 - 0.4068*math.Sin(mpr*dr) + 0.0161*math.Sin(dr*2*mpr)
	c1 -= 0.0004 * math.Sin(dr*3*mpr)
	c1 = c1 + 0.0104*math.Sin(dr*2*f) - 0.0051*math.Sin(dr*(m+mpr))
	c1 = c1 - 0.0074*math.Sin(dr*(m-mpr)) + 0.0004*math.Sin(dr*(2*f+m))
	c1 = c1 - 0.0004*math.Sin(dr*(2*f-m)) - 0.0006*math.Sin(dr*(2*f+mpr))
	c1 = c1 + 0.0010*math.Sin(dr*(2*f-mpr)) + 0.0005*math.Sin(dr*(2*mpr+m))
	var deltaT float64
	if t < -11 {
		deltaT = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		deltaT = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return jd1 + c1 - deltaT
}

// sunLongitude returns the sun's apparent longitude in radians, [0, 2π),
// at Julian date jd (UT).
func sunLongitude(jd float64) float64 {
	t := (jd - 2451545.0) / 36525 // Julian centuries from 2000-01-01 12:00 UT
	t2 := t * t
	const dr = math.Pi / 180
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2 // mean anomaly
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2                  // mean longitude
	dl := (1.914600 - 0.004817*t - 0.000014*t2) * math.Sin(dr*m)
	dl += (0.019993-0.000101*t)*math.Sin(dr*2*m) + 0.000290*math.Sin(dr*3*m)
	l := (l0 + dl) * dr
	return l - 2*math.Pi*math.Floor(l/(2*math.Pi))
}

// newMoonDay is the JDN of the local (UTC+7) day of the k-th new moon.
func newMoonDay(k int) int { return int(math.Floor(newMoon(k) + 0.5 + timeZone/24)) }

// sunSector is the 30° sector (0..11) of the sun's longitude at local
// midnight starting day jdn; sector 9 begins at the winter solstice.
func sunSector(jdn int) int {
	return int(math.Floor(sunLongitude(float64(jdn)-0.5-timeZone/24) / math.Pi * 6))
}

// month11 returns the JDN of the first day of the lunar month containing
// the winter solstice of Gregorian year y.
func month11(y int) int {
	off := NewDate(y, 12, 31).julianDay() - moonEpoch
	k := int(math.Floor(float64(off) / synodic))
	nm := newMoonDay(k)
	if sunSector(nm) >= 9 { // that new moon is after the solstice
		nm = newMoonDay(k - 1)
	}
	return nm
}

// sui returns the months from month 11 of Gregorian year y up to (not
// including) month 11 of y+1: 12 or 13 months, numbered and assigned to
// their lunar years.
func sui(y int) []lunarMonth {
	a11, b11 := month11(y), month11(y+1)
	k := int(math.Floor(0.5 + (float64(a11)-epochJD)/synodic))
	n := 12
	if b11-a11 > 365 {
		n = 13
	}
	starts := make([]int, n+1)
	for i := range n {
		starts[i] = newMoonDay(k + i)
	}
	starts[n] = b11
	leap := -1 // offset of the leap month from month 11
	if n == 13 {
		// The first month after month 11 whose start and end lie in the
		// same sector contains no major solar term.
		for i := 1; i < n; i++ {
			if sunSector(starts[i]) == sunSector(starts[i+1]) {
				leap = i
				break
			}
		}
	}
	months := make([]lunarMonth, n)
	lunarYear, number := y, 11
	for i := range n {
		m := lunarMonth{start: starts[i], days: starts[i+1] - starts[i]}
		switch {
		case i == 0:
		case i == leap:
			m.leap = true
		default:
			number = number%12 + 1
			if number == 1 {
				lunarYear = y + 1
			}
		}
		m.year, m.month = lunarYear, number
		months[i] = m
	}
	return months
}

func checkYear(y int) error {
	if y < MinYear || y > MaxYear {
		return fmt.Errorf("%w: year %d is not in %d..%d", ErrOutOfRange, y, MinYear, MaxYear)
	}
	return nil
}

// ToLunar converts a solar date to the Vietnamese lunar calendar.
func ToLunar(d Date) (LunarDate, error) {
	if !d.valid() {
		return LunarDate{}, fmt.Errorf("%w: %d-%02d-%02d is not a date", ErrOutOfRange, d.Year, int(d.Month), d.Day)
	}
	if err := checkYear(d.Year); err != nil {
		return LunarDate{}, err
	}
	jd := d.julianDay()
	y := d.Year
	if jd < month11(y) {
		y--
	}
	for _, m := range sui(y) {
		if jd >= m.start && jd < m.start+m.days {
			return LunarDate{Year: m.year, Month: m.month, Day: jd - m.start + 1, Leap: m.leap}, nil
		}
	}
	// Unreachable: sui(y) covers month11(y) .. month11(y+1)-1.
	return LunarDate{}, fmt.Errorf("calendar: %s not found in the lunar year table", d)
}

// lunarMonthOf returns the month l names, or an error naming why it does
// not exist.
func lunarMonthOf(year, month int, leap bool) (lunarMonth, error) {
	if month < 1 || month > 12 {
		return lunarMonth{}, fmt.Errorf("%w: month %d is not in 1..12", ErrInvalidLunarDate, month)
	}
	if year < MinYear-1 || year > MaxYear { // January 1900 is in lunar 1899
		return lunarMonth{}, fmt.Errorf("%w: lunar year %d is not in %d..%d", ErrOutOfRange, year, MinYear-1, MaxYear)
	}
	y := year - 1 // months 1..10 (and leap 10) lie in the sui of the year before
	if month >= 11 {
		y = year
	}
	table := sui(y)
	for _, m := range table {
		if m.year == year && m.month == month && m.leap == leap {
			return m, nil
		}
	}
	if leap {
		if lm := LeapMonth(year); lm != 0 {
			return lunarMonth{}, fmt.Errorf("%w: lunar year %d (%s) has no leap month %d, its leap month is %d", ErrInvalidLunarDate, year, yearName(year), month, lm)
		}
		return lunarMonth{}, fmt.Errorf("%w: lunar year %d (%s) has no leap month", ErrInvalidLunarDate, year, yearName(year))
	}
	return lunarMonth{}, fmt.Errorf("calendar: lunar month %d/%d not found in the year table", month, year)
}

// FromLunar converts a Vietnamese lunar date to the solar calendar. A
// lunar date that does not exist is an error wrapping ErrInvalidLunarDate
// that says why.
func FromLunar(l LunarDate) (Date, error) {
	m, err := lunarMonthOf(l.Year, l.Month, l.Leap)
	if err != nil {
		return Date{}, err
	}
	switch {
	case l.Day < 1 || l.Day > 30:
		return Date{}, fmt.Errorf("%w: %s: day %d is not in 1..30", ErrInvalidLunarDate, l, l.Day)
	case l.Day > m.days:
		return Date{}, fmt.Errorf("%w: %s: month %s of %d (%s) has only 29 days", ErrInvalidLunarDate, l, monthLabel(m), l.Year, yearName(l.Year))
	}
	d := dateFromJulianDay(m.start + l.Day - 1)
	if err := checkYear(d.Year); err != nil {
		return Date{}, err
	}
	return d, nil
}

func monthLabel(m lunarMonth) string {
	if m.leap {
		return fmt.Sprintf("%d nhuận", m.month)
	}
	return fmt.Sprint(m.month)
}

// LeapMonth returns the number of the leap month of lunar year y, or 0
// when the year has none (or is out of range).
func LeapMonth(y int) int {
	if y < MinYear-1 || y > MaxYear {
		return 0
	}
	for _, s := range [2]int{y - 1, y} {
		for _, m := range sui(s) {
			if m.leap && m.year == y {
				return m.month
			}
		}
	}
	return 0
}

// MonthDays returns the length (29 or 30) of a lunar month.
func MonthDays(year, month int, leap bool) (int, error) {
	m, err := lunarMonthOf(year, month, leap)
	return m.days, err
}

// LunarNewYear returns the solar date of Tết Nguyên đán, the first day of
// lunar year y.
func LunarNewYear(y int) (Date, error) { return FromLunar(LunarDate{Year: y, Month: 1, Day: 1}) }
