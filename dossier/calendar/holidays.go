package calendar

import (
	"fmt"
	"slices"
	"time"
)

// Kind says why a day appears in [Calendar.Holidays].
type Kind string

const (
	// KindHoliday is a public holiday (ngày nghỉ lễ, tết) of the Labour
	// Code: 2019 Điều 112.1 (2012 Điều 115.1 before 2021).
	KindHoliday Kind = "holiday"
	// KindCompensatory is a day off in compensation for a holiday that fell
	// on a weekly rest day (nghỉ bù, Labour Code 2019 Điều 111.3).
	KindCompensatory Kind = "compensatory"
	// KindDayOff is a working day given off by a yearly announcement,
	// usually swapped with a weekend day made a working day (hoán đổi).
	KindDayOff Kind = "day-off"
	// KindWorkingDay is a weekly rest day made a working day by a yearly
	// announcement (ngày làm bù).
	KindWorkingDay Kind = "working-day"
)

func (k Kind) valid() bool {
	return k == KindHoliday || k == KindCompensatory || k == KindDayOff || k == KindWorkingDay
}

// Occasion identifies a holiday of the Labour Code; announcements replace
// the computed days of an occasion by naming it.
type Occasion string

const (
	OccasionNewYear     Occasion = "new-year"     // Tết Dương lịch, 1/1
	OccasionTet         Occasion = "tet"          // Tết Âm lịch, 5 days
	OccasionHungKings   Occasion = "hung-kings"   // Giỗ Tổ Hùng Vương, 10/3 lunar
	OccasionVictoryDay  Occasion = "victory-day"  // Ngày Chiến thắng, 30/4
	OccasionLabourDay   Occasion = "labour-day"   // Ngày Quốc tế Lao động, 1/5
	OccasionNationalDay Occasion = "national-day" // Quốc khánh, 2/9 (+1 adjacent day from 2021)
	OccasionOther       Occasion = "other"        // anything else an announcement or a profile adds
)

// occasions returns every occasion, in the order of the Code.
func occasions() []Occasion {
	return []Occasion{OccasionNewYear, OccasionTet, OccasionHungKings, OccasionVictoryDay,
		OccasionLabourDay, OccasionNationalDay, OccasionOther}
}

func (o Occasion) valid() bool { return slices.Contains(occasions(), o) }

// Day is one entry of [Calendar.Holidays]: a non-working day other than an
// ordinary weekend day, or a weekend day made a working day.
type Day struct {
	Date     Date     `json:"date"`
	Weekday  string   `json:"weekday"` // Vietnamese: "Thứ Hai" … "Chủ nhật"
	Kind     Kind     `json:"kind"`
	Occasion Occasion `json:"occasion,omitempty"`
	Working  bool     `json:"working"` // true only for KindWorkingDay
	Reason   string   `json:"reason"`  // Vietnamese
	Source   string   `json:"source"`  // the legal basis or the announcement's document
}

// MinHolidayYear is the first year with holiday rules: the Labour Code
// 2012 (10/2012/QH13, in force from 01/5/2013, so first for a whole year
// in 2014; Điều 115) until 2020, the
// Labour Code 2019 (45/2019/QH14, from 01/01/2021; Điều 112) after.
const MinHolidayYear = 2014

// holidayLaw is one version of the Labour Code's holiday article.
type holidayLaw struct {
	from         int // first year it governs
	article      string
	compensation string
	nationalDays int // days of Quốc khánh
}

// holidayLaws returns the versions of the holiday article, oldest first.
func holidayLaws() []holidayLaw {
	return []holidayLaw{
		{2014, "Bộ luật Lao động 2012, Điều 115 khoản 1", "Bộ luật Lao động 2012, Điều 115 khoản 3", 1},
		{2021, "Bộ luật Lao động 2019, Điều 112 khoản 1", "Bộ luật Lao động 2019, Điều 111 khoản 3", 2},
	}
}

func lawFor(year int) (holidayLaw, error) {
	if year < MinHolidayYear || year > MaxYear {
		return holidayLaw{}, fmt.Errorf("%w: no holiday rules for %d (kyso knows the Labour Codes of 2012, from 2014, and 2019, from 2021, up to %d)", ErrOutOfRange, year, MaxYear)
	}
	laws := holidayLaws()
	law := laws[0]
	for _, l := range laws {
		if year >= l.from {
			law = l
		}
	}
	return law, nil
}

// legalDays is the number of holiday days of an occasion in year y.
func legalDays(o Occasion, law holidayLaw) int {
	switch o {
	case OccasionTet:
		return 5
	case OccasionNationalDay:
		return law.nationalDays
	case OccasionOther:
		return -1
	}
	return 1
}

// nationalDayNeighbour is the default "adjacent day" of 2/9 when no
// announcement fixes it: the neighbour that is a working day and, where
// possible, joins the holiday to a weekend — 1/9 when 2/9 is a Tuesday,
// Wednesday, Friday or Saturday; 3/9 when it is a Sunday, Monday or
// Thursday. (Announced choices: 2021 Thu→3/9, 2022 Fri→1/9, 2023 Sat→1/9,
// 2024 Mon→3/9, 2025 Tue→1/9, 2026 Wed→1/9.)
func nationalDayNeighbour(year int) Date {
	d := Date{year, time.September, 2}
	switch d.Weekday() {
	case time.Sunday, time.Monday, time.Thursday:
		return d.AddDays(1)
	}
	return d.AddDays(-1)
}

// computedHolidays returns the Labour Code's holidays of year y as
// computed without any announcement. Tết is the last day of the old lunar
// year and the first four days of the new one — the Code says "5 days"
// and leaves the choice to the Prime Minister each year (Điều 112.3); this
// default is the one announced for 2026 and the usual shape of the
// announcements (2024 took 2 days before Tết, 2025 two before and three
// after: those years' announcement files say so).
func computedHolidays(y int, law holidayLaw) ([]Day, error) {
	src := law.article
	day := func(d Date, o Occasion, reason string) Day {
		return Day{Date: d, Kind: KindHoliday, Occasion: o, Reason: reason, Source: src}
	}
	tet, err := LunarNewYear(y)
	if err != nil {
		return nil, err
	}
	hung, err := FromLunar(LunarDate{Year: y, Month: 3, Day: 10})
	if err != nil {
		return nil, err
	}
	days := []Day{day(Date{y, time.January, 1}, OccasionNewYear, "Tết Dương lịch")}
	for i := -1; i < 4; i++ {
		d := tet.AddDays(i)
		l, err := ToLunar(d)
		if err != nil {
			return nil, err
		}
		days = append(days, day(d, OccasionTet, fmt.Sprintf("Tết Âm lịch (%s năm %s)", l.dayMonthVI(), l.YearName())))
	}
	days = append(days,
		day(hung, OccasionHungKings, "Giỗ Tổ Hùng Vương (10 tháng 3 âm lịch)"),
		day(Date{y, time.April, 30}, OccasionVictoryDay, "Ngày Chiến thắng (30/4)"),
		day(Date{y, time.May, 1}, OccasionLabourDay, "Ngày Quốc tế Lao động (1/5)"),
		day(Date{y, time.September, 2}, OccasionNationalDay, "Quốc khánh (2/9)"))
	if law.nationalDays == 2 {
		n := nationalDayNeighbour(y)
		days = append(days, day(n, OccasionNationalDay, fmt.Sprintf("Quốc khánh (ngày liền kề %d/9)", n.Day)))
	}
	return days, nil
}

// anchor is a date an announcement replacing an occasion must keep as a
// holiday: the day the occasion is about.
func anchor(o Occasion, y int) (Date, error) {
	switch o {
	case OccasionNewYear:
		return Date{y, time.January, 1}, nil
	case OccasionTet:
		return LunarNewYear(y)
	case OccasionHungKings:
		return FromLunar(LunarDate{Year: y, Month: 3, Day: 10})
	case OccasionVictoryDay:
		return Date{y, time.April, 30}, nil
	case OccasionLabourDay:
		return Date{y, time.May, 1}, nil
	case OccasionNationalDay:
		return Date{y, time.September, 2}, nil
	}
	return Date{}, nil
}

// yearTable is the immutable working-day table of one year of a Calendar.
type yearTable struct {
	year int
	off  []bool // by YearDay-1: true when not a working day
	days []Day  // what Holidays returns
}

func (t *yearTable) working(d Date) bool { return !t.off[d.YearDay()-1] }

// buildYear computes year y: the weekly rest days of the profile; the
// computed holidays of the Labour Code, minus the occasions the year's
// announcement replaces; the announcement's and the profile's own days,
// which win over a computed day of the same date; and a compensatory day
// for each computed holiday on a weekly rest day.
func (c *Calendar) buildYear(y int) (*yearTable, error) {
	law, err := lawFor(y)
	if err != nil {
		return nil, err
	}
	computed, err := computedHolidays(y, law)
	if err != nil {
		return nil, err
	}
	var explicit []Day
	if ann := c.announcements[y]; ann != nil {
		computed = slices.DeleteFunc(computed, func(d Day) bool { return slices.Contains(ann.Replaces, d.Occasion) })
		for _, e := range ann.Days {
			explicit = append(explicit, e.day())
		}
	}
	for _, e := range c.profile.days {
		if e.Date.Year == y {
			explicit = append(explicit, e.day())
		}
	}
	computed = slices.DeleteFunc(computed, func(d Day) bool {
		return slices.ContainsFunc(explicit, func(e Day) bool { return e.Date == d.Date })
	})
	slices.SortStableFunc(computed, func(a, b Day) int { return a.Date.Compare(b.Date) })

	start := Date{y, time.January, 1}
	off := make([]bool, Date{y, time.December, 31}.YearDay())
	for i := range off {
		off[i] = !c.profile.weekdays[start.AddDays(i).Weekday()]
	}
	for _, d := range computed {
		off[d.Date.YearDay()-1] = true
	}
	for _, d := range explicit {
		off[d.Date.YearDay()-1] = d.Kind != KindWorkingDay
	}
	// Compensation (Điều 111.3): a computed holiday on a weekly rest day
	// gives the next working day off. Announced days are taken as they
	// are: an announcement that fixes an occasion lists its compensatory
	// days itself.
	days := append(explicit, computed...)
	for i, h := range computed {
		if c.profile.weekdays[h.Date.Weekday()] || (i > 0 && computed[i-1].Date == h.Date) {
			continue
		}
		d := h.Date.AddDays(1)
		for d.Year == y && off[d.YearDay()-1] {
			d = d.AddDays(1)
		}
		if d.Year != y {
			continue // cannot happen with the Code's dates: none is near 31/12
		}
		off[d.YearDay()-1] = true
		days = append(days, Day{Date: d, Kind: KindCompensatory, Occasion: h.Occasion,
			Reason: fmt.Sprintf("Nghỉ bù: %s trùng ngày nghỉ hằng tuần (%s %s)", h.Reason, h.Date.WeekdayVI(), h.Date.viShort()),
			Source: law.compensation})
	}
	for i := range days {
		days[i].Weekday = days[i].Date.WeekdayVI()
		days[i].Working = days[i].Kind == KindWorkingDay
	}
	slices.SortStableFunc(days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return &yearTable{year: y, off: off, days: days}, nil
}
