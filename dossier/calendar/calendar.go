package calendar

import (
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrUnknownProfile is wrapped by [ForProfile]'s error for an id that has
// no embedded calendar profile.
var ErrUnknownProfile = errors.New("unknown calendar profile")

// The calendar data of each province profile, one file per profile id.
//
// What the seeds say about working time (checked in ../shared/seeds):
// none of the five decisions sets working hours or days of its own.
// Vĩnh Phúc QĐ 03/2020 Đ13.1 counts "giờ làm việc" and "buổi làm việc"
// without defining them; Bình Định QĐ 44/2019 Đ14.5 staffs the desk "vào
// các ngày làm việc trong tuần (trừ các ngày lễ, tết theo quy định)" and
// answers feedback within 3 working days (Đ11); Cao Bằng QĐ 22/2024 Đ16
// within 10 working days; Quảng Ngãi QĐ 03/2016 Đ11.4 transfers a dossier
// within ½ working day; Bình Phước QĐ 28/2021 counts no working time. So
// all five share the default week (Monday–Friday, 07:30–11:30 and
// 13:30–17:00, Asia/Ho_Chi_Minh) and the national holidays, and no
// profile has days of its own; a deployment whose province differs edits
// its profile file.
//
//go:embed profiles/*.json
var embeddedProfiles embed.FS

// Session is one working session of a day, [Start, End) after midnight.
type Session struct {
	Start, End time.Duration
}

// String returns "07:30–11:30".
func (s Session) String() string {
	return hhmm(int(s.Start/time.Minute)) + "–" + hhmm(int(s.End/time.Minute))
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// profileFile is the JSON form of profiles/<id>.json.
type profileFile struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"` // Vietnamese
	TimeZone    string   `json:"time_zone"`
	WorkingDays []string `json:"working_days"` // "monday" … "sunday"
	Sessions    []struct {
		Start string `json:"start"` // "07:30"
		End   string `json:"end"`
	} `json:"sessions"`
	Days []DayEntry `json:"days"` // province-specific days, any year
	Note string     `json:"note,omitempty"`
}

// profile is a parsed, validated profileFile.
type profile struct {
	id, name string
	loc      *time.Location
	weekdays [7]bool
	sessions []session // minutes after midnight, sorted, disjoint
	days     []DayEntry
}

type session struct{ start, end int }

// Calendar is the working-time calendar of one province profile: its
// working week and sessions, the Labour Code's holidays computed from the
// Vietnamese lunar calendar, and the yearly announcements that override
// them. Every result is in the profile's time zone (Asia/Ho_Chi_Minh,
// UTC+7). A Calendar is safe for concurrent use; it computes each year's
// table once, on first use, and keeps it unchanged.
type Calendar struct {
	profile       profile
	announcements map[int]*Announcement

	mu    sync.Mutex
	years map[int]*yearTable
}

// Option changes how [ForProfile] builds a Calendar.
type Option func(*options)

type options struct{ announcements []*Announcement }

// WithAnnouncements adds announcements (e.g. from [LoadAnnouncementFile]).
// An announcement for a year that has an embedded one replaces it whole:
// one file describes one year.
func WithAnnouncements(a ...*Announcement) Option {
	return func(o *options) { o.announcements = append(o.announcements, a...) }
}

// Profiles returns the ids of the embedded calendar profiles, sorted.
func Profiles() []string {
	entries, _ := embeddedProfiles.ReadDir("profiles")
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.TrimSuffix(e.Name(), ".json"))
	}
	slices.Sort(ids)
	return ids
}

// ForProfile returns the calendar of an embedded province profile
// ("vinh-phuc", "cao-bang", "binh-dinh", "binh-phuoc", "quang-ngai") with
// the embedded announcements (2024–2026) and any given with
// [WithAnnouncements]. An unknown id is an error wrapping
// ErrUnknownProfile; broken data an error wrapping ErrInvalidData.
func ForProfile(id string, opts ...Option) (*Calendar, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if !slices.Contains(Profiles(), id) {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownProfile, id, strings.Join(Profiles(), ", "))
	}
	name := path.Join("profiles", id+".json")
	data, err := embeddedProfiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	p, err := parseProfile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p.id != id {
		return nil, fmt.Errorf("%w: %s: holds profile %q", ErrInvalidData, name, p.id)
	}
	anns, err := builtinAnnouncements()
	if err != nil {
		return nil, err
	}
	for _, a := range o.announcements {
		if a == nil {
			return nil, fmt.Errorf("%w: nil announcement", ErrInvalidData)
		}
		if err := a.validate(); err != nil { // it may have been built in code
			return nil, err
		}
		cp := *a // the Calendar keeps its own copy
		cp.Replaces, cp.Days = slices.Clone(a.Replaces), slices.Clone(a.Days)
		anns[a.Year] = &cp
	}
	return &Calendar{profile: p, announcements: anns, years: map[int]*yearTable{}}, nil
}

// parseWeekday parses "monday" … "sunday".
func parseWeekday(name string) (time.Weekday, bool) {
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.ToLower(wd.String()) == name {
			return wd, true
		}
	}
	return 0, false
}

func parseProfile(data []byte) (profile, error) {
	var f profileFile
	fail := func(format string, args ...any) (profile, error) {
		return profile{}, fmt.Errorf("%w: profile %q: %s", ErrInvalidData, f.ID, fmt.Sprintf(format, args...))
	}
	if err := decodeStrict(data, &f); err != nil {
		return fail("%v", err)
	}
	if f.ID == "" || strings.TrimSpace(f.Name) == "" {
		return fail("missing id or name")
	}
	p := profile{id: f.ID, name: f.Name}
	loc, err := time.LoadLocation(f.TimeZone)
	if err != nil || f.TimeZone == "" {
		if f.TimeZone != "Asia/Ho_Chi_Minh" {
			return fail("time zone %q: %v", f.TimeZone, err)
		}
		// No tz database on this machine and the program did not import
		// time/tzdata: Vietnam has kept UTC+07:00, without daylight saving
		// time, since 1975.
		loc = time.FixedZone("+07", 7*3600)
	}
	p.loc = loc
	for _, name := range f.WorkingDays {
		wd, ok := parseWeekday(name)
		if !ok {
			return fail("working_days: unknown day %q (want monday … sunday)", name)
		}
		if p.weekdays[wd] {
			return fail("working_days: %q given twice", name)
		}
		p.weekdays[wd] = true
	}
	if len(f.WorkingDays) == 0 {
		return fail("no working_days")
	}
	for i, s := range f.Sessions {
		start, err1 := parseHHMM(s.Start)
		end, err2 := parseHHMM(s.End)
		switch {
		case err1 != nil || err2 != nil:
			return fail("sessions[%d]: %v", i, errors.Join(err1, err2))
		case start >= end:
			return fail("sessions[%d]: %s–%s ends before it starts", i, s.Start, s.End)
		case i > 0 && start < p.sessions[i-1].end:
			return fail("sessions[%d]: %s–%s overlaps or precedes the session before", i, s.Start, s.End)
		}
		p.sessions = append(p.sessions, session{start, end})
	}
	if len(p.sessions) == 0 {
		return fail("no sessions")
	}
	seen := map[Date]bool{}
	for i, e := range f.Days {
		if err := validateEntry(e, p.weekdays); err != nil {
			return fail("days[%d] %s: %v", i, e.Date, err)
		}
		if e.Kind == KindHoliday || e.Kind == KindCompensatory {
			if e.Occasion != OccasionOther {
				return fail("days[%d] %s: a profile adds only occasion %q days; Labour Code holidays come from the computed calendar and announcements", i, e.Date, OccasionOther)
			}
		}
		if seen[e.Date] {
			return fail("days[%d] %s: date given twice", i, e.Date)
		}
		seen[e.Date] = true
		p.days = append(p.days, e)
	}
	return p, nil
}

// parseHHMM parses "07:30" into minutes after midnight; "24:00" is allowed
// as an end.
func parseHHMM(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

// ID returns the profile id.
func (c *Calendar) ID() string { return c.profile.id }

// Name returns the profile's Vietnamese name.
func (c *Calendar) Name() string { return c.profile.name }

// Location returns the time zone every result is in.
func (c *Calendar) Location() *time.Location { return c.profile.loc }

// Sessions returns the working sessions of a working day.
func (c *Calendar) Sessions() []Session {
	out := make([]Session, len(c.profile.sessions))
	for i, s := range c.profile.sessions {
		out[i] = Session{time.Duration(s.start) * time.Minute, time.Duration(s.end) * time.Minute}
	}
	return out
}

// DayLength returns the working time of one working day (7h30m by
// default): the unit of [Calendar.AddWorkingDays].
func (c *Calendar) DayLength() time.Duration {
	var d time.Duration
	for _, s := range c.profile.sessions {
		d += time.Duration(s.end-s.start) * time.Minute
	}
	return d
}

// table returns year y's table, computing it on first use.
func (c *Calendar) table(y int) (*yearTable, error) {
	c.mu.Lock()
	t := c.years[y]
	c.mu.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := c.buildYear(y)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.years[y]; old != nil {
		return old, nil // built concurrently: keep the first
	}
	c.years[y] = t
	return t, nil
}

// Holidays returns the year's days that differ from an ordinary week:
// holidays (also those on a weekend), compensatory days, announced days
// off and announced working weekend days, sorted by date, each with its
// Vietnamese reason and its source. Ordinary weekend days are not listed.
// The slice is the caller's.
func (c *Calendar) Holidays(year int) ([]Day, error) {
	t, err := c.table(year)
	if err != nil {
		return nil, err
	}
	return slices.Clone(t.days), nil
}

// IsWorkingDay reports whether d is a working day: a working weekday that
// is no holiday, compensatory or announced day off, or a weekend day an
// announcement made a working day.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	if !d.valid() {
		return false, fmt.Errorf("%w: %d-%02d-%02d is not a date", ErrOutOfRange, d.Year, int(d.Month), d.Day)
	}
	t, err := c.table(d.Year)
	if err != nil {
		return false, err
	}
	return t.working(d), nil
}

// DateOf returns the calendar date of instant t in the calendar's time
// zone (a submission at 2026-02-16T17:30:00Z is on 2026-02-17 in Vietnam).
func (c *Calendar) DateOf(t time.Time) Date { return dateFromTime(t.In(c.profile.loc)) }
