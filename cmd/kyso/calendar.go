package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/dossier/calendar"
	"github.com/kyso-vn/kyso/internal/config"
)

const calendarUsage = `calendar deadline [--profile P] --from TIME (--working-hours N | --working-days N | --intake) [--announcements FILE]...
       kyso calendar holidays [--profile P] --year Y [--json] [--announcements FILE]...

deadline prints, as RFC 3339 in +07:00, when N working hours or N working
days (N × 7h30 of working time) after --from have passed, or the intake
deadline of QĐ 03/2020 Điều 13.1: one working hour, starting at the next
session when the current one has less than an hour left. holidays lists the
year's holidays, compensatory days, announced days off and working weekend
days with their reason and source. --profile defaults to KYSO_PROFILE
(vinh-phuc); --announcements FILE adds a year's notice (it replaces the
embedded notice of that year).`

func runCalendar(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, calendarUsage, args, []subcommand{
		{"deadline", noCtx(calendarDeadline)},
		{"holidays", noCtx(calendarHolidays)},
	})
}

// fileList is a repeatable flag.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(s string) error { *l = append(*l, s); return nil }

// openCalendar loads the profile's calendar with the extra announcement
// files; every failure is a usage error naming the profile or the file.
func openCalendar(profile string, files []string) (*calendar.Calendar, error) {
	var anns []*calendar.Announcement
	for _, f := range files {
		a, err := calendar.LoadAnnouncementFile(f)
		if err != nil {
			return nil, usageErrorf("--announcements: %v", err)
		}
		anns = append(anns, a)
	}
	c, err := calendar.ForProfile(profile, calendar.WithAnnouncements(anns...))
	if err != nil {
		return nil, usageErrorf("--profile: %v", err)
	}
	return c, nil
}

// calendarError maps the calendar's errors on input (dates out of range,
// negative times) to usage errors.
func calendarError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, calendar.ErrOutOfRange) || errors.Is(err, calendar.ErrNegative) {
		return usageErrorf("%v", err)
	}
	return err
}

func calendarDeadline(e *env, cfg config.Config, args []string) error {
	fs := newFlags("calendar deadline", "calendar deadline [--profile P] --from TIME (--working-hours N | --working-days N | --intake) [--announcements FILE]...", e.stdout)
	profile := fs.String("profile", cfg.Profile, "province profile: "+strings.Join(calendar.Profiles(), ", "))
	from := fs.String("from", "", "start time, RFC 3339 (e.g. 2026-02-13T16:30:00+07:00)")
	hours := fs.String("working-hours", "", "N working hours (decimals allowed: 0.5)")
	days := fs.String("working-days", "", "N working days of 7h30 working time")
	intake := fs.Bool("intake", false, "the intake deadline of QĐ 03/2020 Điều 13.1")
	var files fileList
	fs.Var(&files, "announcements", "a year's announcement file (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	modes := 0
	for _, set := range []bool{*hours != "", *days != "", *intake} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return usageErrorf("give exactly one of --working-hours N, --working-days N or --intake")
	}
	if *from == "" {
		return usageErrorf("missing --from TIME")
	}
	start, err := parseTime(*from)
	if err != nil {
		return usageErrorf("--from: %v", err)
	}
	c, err := openCalendar(*profile, files)
	if err != nil {
		return err
	}
	var deadline time.Time
	switch {
	case *intake:
		deadline, err = c.IntakeDeadline(start)
	case *hours != "":
		h, perr := strconv.ParseFloat(*hours, 64)
		switch {
		case perr != nil || math.IsNaN(h) || math.IsInf(h, 0):
			return usageErrorf("--working-hours %q is not a number", *hours)
		case h < 0:
			return usageErrorf("--working-hours %s is negative", *hours)
		case h > 1e6:
			return usageErrorf("--working-hours %s is too large", *hours)
		}
		deadline, err = c.AddWorking(start, time.Duration(math.Round(h*float64(time.Hour))))
	default:
		n, perr := strconv.Atoi(*days)
		switch {
		case perr != nil:
			return usageErrorf("--working-days %q is not a whole number", *days)
		case n < 0:
			return usageErrorf("--working-days %d is negative", n)
		case n > 100000:
			return usageErrorf("--working-days %d is too large", n)
		}
		deadline, err = c.AddWorkingDays(start, n)
	}
	if err != nil {
		return calendarError(err)
	}
	fmt.Fprintln(e.stdout, deadline.Format(time.RFC3339))
	return nil
}

func calendarHolidays(e *env, cfg config.Config, args []string) error {
	fs := newFlags("calendar holidays", "calendar holidays [--profile P] --year Y [--json] [--announcements FILE]...", e.stdout)
	profile := fs.String("profile", cfg.Profile, "province profile: "+strings.Join(calendar.Profiles(), ", "))
	year := fs.String("year", "", "the year, e.g. 2026")
	asJSON := fs.Bool("json", false, "machine-readable output")
	var files fileList
	fs.Var(&files, "announcements", "a year's announcement file (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *year == "" {
		return usageErrorf("missing --year Y")
	}
	y, err := strconv.Atoi(*year)
	if err != nil {
		return usageErrorf("--year %q is not a year", *year)
	}
	c, err := openCalendar(*profile, files)
	if err != nil {
		return err
	}
	days, err := c.Holidays(y)
	if err != nil {
		return calendarError(err)
	}
	if *asJSON {
		if days == nil {
			days = []calendar.Day{}
		}
		return writeJSON(e.stdout, map[string]any{"profile": c.ID(), "name": c.Name(), "year": y, "days": days})
	}
	for _, d := range days {
		fmt.Fprintf(e.stdout, "%s  %-8s  %-12s  %s [%s]\n", d.Date, d.Weekday, d.Kind, d.Reason, d.Source)
	}
	return nil
}
