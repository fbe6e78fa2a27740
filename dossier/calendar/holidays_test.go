package calendar

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func mustCalendar(t testing.TB, id string, opts ...Option) *Calendar {
	t.Helper()
	c, err := ForProfile(id, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// offWeekdays lists the Monday–Friday days of year y that are not working
// days, and the Saturdays and Sundays that are.
func offWeekdays(t *testing.T, c *Calendar, y int) (off, working []string) {
	t.Helper()
	for d := (Date{y, 1, 1}); d.Year == y; d = d.AddDays(1) {
		w, err := c.IsWorkingDay(d)
		if err != nil {
			t.Fatal(err)
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		switch {
		case !weekend && !w:
			off = append(off, d.String()[5:])
		case weekend && w:
			working = append(working, d.String()[5:])
		}
	}
	return off, working
}

// TestAnnouncedYears checks 2024–2026 against the government's notices
// (announcements/*.json): the weekdays off and the working weekend days.
func TestAnnouncedYears(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	tests := []struct {
		year         int
		off, working []string
		why          string
	}{
		{2024,
			[]string{"01-01", "02-08", "02-09", "02-12", "02-13", "02-14", "04-18", "04-29", "04-30", "05-01", "09-02", "09-03"},
			[]string{"05-04"},
			"8662/VPCP-KGVX: Tết 08/02–14/02, Quốc khánh 31/8–03/9; 2450/VPCP-KGVX: 29/4 swapped with Saturday 04/5; Hùng Kings Thursday 18/4"},
		{2025,
			[]string{"01-01", "01-27", "01-28", "01-29", "01-30", "01-31", "04-07", "04-30", "05-01", "05-02", "09-01", "09-02"},
			[]string{"04-26"},
			"8726/VPCP-KGVX: Tết 25/01–02/02, 30/4–04/5 with Saturday 26/4 worked, Quốc khánh 30/8–02/9; Hùng Kings Monday 07/4"},
		{2026,
			[]string{"01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "04-27", "04-30", "05-01", "08-31", "09-01", "09-02"},
			[]string{"01-10", "08-22"},
			"12729/VPCP-KGVX: 02/01 swapped with Saturday 10/01; Tết 14/02–22/02; Hùng Kings on Sunday 26/4 → Monday 27/4 off (Điều 111.3); Quốc khánh 29/8–02/9 with 31/8 swapped with Saturday 22/8"},
	}
	for _, tc := range tests {
		off, working := offWeekdays(t, c, tc.year)
		if !slices.Equal(off, tc.off) || !slices.Equal(working, tc.working) {
			t.Errorf("%d (%s):\n off     %v\n want    %v\n working %v\n want    %v", tc.year, tc.why, off, tc.off, working, tc.working)
		}
	}
	// DOMAIN.md: "Tết 2026: 14–22/02/2026 for civil servants".
	for d := (Date{2026, 2, 13}); !d.After(Date{2026, 2, 23}); d = d.AddDays(1) {
		w, _ := c.IsWorkingDay(d)
		if want := d.Day == 13 || d.Day == 23; w != want {
			t.Errorf("%s %s: working %v, want %v", d, d.WeekdayVI(), w, want)
		}
	}
}

// TestComputedDefaults checks years without an announcement: the Labour
// Code 2019 Điều 112.1 holidays, Tết as the last day of the lunar year and
// mùng 1–4, 2/9 with its default neighbour, and compensation (Điều 111.3).
func TestComputedDefaults(t *testing.T) {
	c := mustCalendar(t, "cao-bang")
	tests := []struct {
		year int
		off  []string
		why  string
	}{
		{2027, []string{"01-01", "02-05", "02-08", "02-09", "02-10", "02-11", "04-16", "04-30", "05-03", "09-02", "09-03"},
			"Tết Đinh Mùi is Saturday 06/02: 29 Chạp (Fri 05/02) + mùng 1–4, Sat and Sun compensated on Wed 10 and Thu 11; 1/5 Saturday → Monday 03/5; 2/9 Thursday + 3/9"},
		{2023, []string{"01-02", "01-23", "01-24", "01-25", "01-26", "01-27", "05-01", "05-02", "05-03", "09-01", "09-04"},
			"1/1 Sunday → Monday 02/01; 30 Chạp Saturday 21/01 and mùng 1 Sunday → 26, 27/01; Hùng Kings Saturday 29/4 and 30/4 Sunday → 02/5, 03/5; 2/9 Saturday: 1/9 and Monday 04/9"},
	}
	for _, tc := range tests {
		off, working := offWeekdays(t, c, tc.year)
		if !slices.Equal(off, tc.off) || len(working) != 0 {
			t.Errorf("%d (%s):\n off  %v\n want %v (working weekend days %v)", tc.year, tc.why, off, tc.off, working)
		}
	}
	days, err := c.Holidays(2027)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range days {
		kinds = append(kinds, d.Date.String()[5:]+" "+string(d.Kind))
		if d.Reason == "" || d.Source == "" || d.Weekday != d.Date.WeekdayVI() || d.Working != (d.Kind == KindWorkingDay) {
			t.Errorf("incomplete %+v", d)
		}
	}
	want := []string{"01-01 holiday", "02-05 holiday", "02-06 holiday", "02-07 holiday", "02-08 holiday", "02-09 holiday",
		"02-10 compensatory", "02-11 compensatory", "04-16 holiday", "04-30 holiday", "05-01 holiday", "05-03 compensatory",
		"09-02 holiday", "09-03 holiday"}
	if !slices.Equal(kinds, want) {
		t.Errorf("Holidays(2027):\n %v\nwant\n %v", kinds, want)
	}
	if d := days[1]; d.Reason != "Tết Âm lịch (29 tháng Chạp năm Bính Ngọ)" || d.Source != "Bộ luật Lao động 2019, Điều 112 khoản 1" {
		t.Errorf("%+v", d)
	}
	if d := days[6]; !strings.Contains(d.Reason, "Thứ Bảy 06/02/2027") || d.Source != "Bộ luật Lao động 2019, Điều 111 khoản 3" {
		t.Errorf("%+v", d)
	}
}

// TestLabourCodeVersions: before 2021 the Labour Code 2012 (Điều 115)
// gave Quốc khánh one day; before 2014 kyso has no holiday rules (the
// 2012 Code took effect on 01/5/2013, after Tết).
func TestLabourCodeVersions(t *testing.T) {
	c := mustCalendar(t, "binh-dinh")
	days, err := c.Holidays(2020)
	if err != nil {
		t.Fatal(err)
	}
	var national []string
	for _, d := range days {
		if d.Occasion == OccasionNationalDay {
			national = append(national, d.Date.String())
		}
		if d.Kind == KindHoliday && !strings.HasPrefix(d.Source, "Bộ luật Lao động 2012, Điều 115") {
			t.Errorf("2020 %s cites %q", d.Date, d.Source)
		}
	}
	if !slices.Equal(national, []string{"2020-09-02"}) {
		t.Errorf("2020 Quốc khánh: %v", national)
	}
	for _, y := range []int{2013, 2012, 1990, 2200} {
		if _, err := c.Holidays(y); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("Holidays(%d): %v, want ErrOutOfRange", y, err)
		}
		if _, err := c.IsWorkingDay(Date{y, 3, 2}); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("IsWorkingDay(%d): %v", y, err)
		}
	}
}

// TestNationalDayNeighbour checks the default neighbour of 2/9 against
// the choices announced 2021–2026 and the documented rule.
func TestNationalDayNeighbour(t *testing.T) {
	for y, want := range map[int]int{2021: 3, 2022: 1, 2023: 1, 2024: 3, 2025: 1, 2026: 1, 2027: 3, 2029: 3, 2030: 3} {
		if got := nationalDayNeighbour(y); got != (Date{y, 9, want}) {
			t.Errorf("%d (2/9 a %s): neighbour %s, want %d/9", y, Date{y, 9, 2}.Weekday(), got, want)
		}
	}
}

// TestEveryYear builds every year with holiday rules and checks the
// invariants: no two computed holidays on one date, compensatory days on
// working weekdays after their holiday, 10 (2014–2020) or 11 (2021–)
// holiday days when no announcement changes the year.
func TestEveryYear(t *testing.T) {
	c := mustCalendar(t, "binh-phuoc")
	for y := MinHolidayYear; y <= MaxYear; y++ {
		law, _ := lawFor(y)
		computed, err := computedHolidays(y, law)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[Date]bool{}
		for _, d := range computed {
			if seen[d.Date] {
				t.Fatalf("%d: two holidays on %s", y, d.Date)
			}
			seen[d.Date] = true
		}
		days, err := c.Holidays(y)
		if err != nil {
			t.Fatal(err)
		}
		holidays := 0
		for _, d := range days {
			switch d.Kind {
			case KindHoliday:
				holidays++
			case KindCompensatory:
				if wd := d.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
					t.Fatalf("%d: compensatory %s on a %s", y, d.Date, wd)
				}
			}
			if w, _ := c.IsWorkingDay(d.Date); w != d.Working {
				t.Fatalf("%d: %+v but IsWorkingDay %v", y, d, w)
			}
		}
		want := 11
		if y < 2021 {
			want = 10
		}
		if holidays != want {
			t.Fatalf("%d: %d holiday days, want %d", y, holidays, want)
		}
	}
}

func TestHolidaysIsACopy(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	a, _ := c.Holidays(2026)
	a[0].Reason = "changed"
	b, _ := c.Holidays(2026)
	if b[0].Reason == "changed" {
		t.Error("Holidays returns the calendar's own table")
	}
	out, err := json.Marshal(b[:1])
	if err != nil || !strings.Contains(string(out), `"date":"2026-01-01","weekday":"Thứ Năm","kind":"holiday","occasion":"new-year","working":false,"reason":"Tết Dương lịch"`) {
		t.Errorf("JSON %s %v", out, err)
	}
}

func TestProfiles(t *testing.T) {
	want := []string{"binh-dinh", "binh-phuoc", "cao-bang", "quang-ngai", "vinh-phuc"}
	if got := Profiles(); !slices.Equal(got, want) {
		t.Fatalf("Profiles() = %v", got)
	}
	for _, id := range want {
		c := mustCalendar(t, id)
		// None of the seeds sets working hours (see the comment on
		// embeddedProfiles): all use the default.
		if got := c.Sessions(); len(got) != 2 || got[0].String() != "07:30–11:30" || got[1].String() != "13:30–17:00" {
			t.Errorf("%s sessions %v", id, got)
		}
		if c.DayLength() != 7*time.Hour+30*time.Minute || c.ID() != id || !strings.HasPrefix(c.Name(), "Tỉnh ") {
			t.Errorf("%s: day %v, id %q, name %q", id, c.DayLength(), c.ID(), c.Name())
		}
		if off := time.Date(2026, 1, 1, 0, 0, 0, 0, c.Location()).Format("-07:00"); off != "+07:00" {
			t.Errorf("%s zone offset %s", id, off)
		}
	}
	for _, bad := range []string{"", "ha-noi", "Vinh-Phuc", "../profiles/vinh-phuc"} {
		_, err := ForProfile(bad)
		if !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), "vinh-phuc") {
			t.Errorf("ForProfile(%q): %v", bad, err)
		}
	}
}

func TestProfileData(t *testing.T) {
	base := `{"id":"x","name":"Tỉnh X","time_zone":"Asia/Ho_Chi_Minh","working_days":["monday","tuesday","wednesday","thursday","friday"],
		"sessions":[{"start":"07:30","end":"11:30"},{"start":"13:30","end":"17:00"}],"days":[%s]}`
	with := func(days string) string { return strings.Replace(base, "%s", days, 1) }
	tests := []struct{ name, json, want string }{
		{"unknown field", strings.Replace(with(""), `"days"`, `"holidays":[],"days"`, 1), "unknown field"},
		{"bad zone", strings.Replace(with(""), "Asia/Ho_Chi_Minh", "Asia/Hanoi_City", 1), `time zone "Asia/Hanoi_City"`},
		{"bad weekday", strings.Replace(with(""), `"friday"`, `"fri"`, 1), `unknown day "fri"`},
		{"weekday twice", strings.Replace(with(""), `"friday"`, `"monday"`, 1), `"monday" given twice`},
		{"bad time", strings.Replace(with(""), "17:00", "5pm", 1), `time "5pm": want HH:MM`},
		{"hour 25", strings.Replace(with(""), "17:00", "25:00", 1), `time "25:00"`},
		{"backwards", strings.Replace(with(""), `"13:30","end":"17:00"`, `"13:30","end":"13:00"`, 1), "ends before it starts"},
		{"overlap", strings.Replace(with(""), `"start":"13:30"`, `"start":"11:00"`, 1), "overlaps"},
		{"no sessions", strings.Replace(with(""), `{"start":"07:30","end":"11:30"},{"start":"13:30","end":"17:00"}`, ``, 1), "no sessions"},
		{"labour code day", with(`{"date":"2026-03-02","kind":"holiday","occasion":"tet","reason":"x","source":"y"}`), `only occasion "other"`},
		{"day twice", with(`{"date":"2026-03-02","kind":"day-off","reason":"x","source":"y"},{"date":"2026-03-02","kind":"day-off","reason":"x","source":"y"}`), "given twice"},
	}
	for _, tc := range tests {
		_, err := parseProfile([]byte(tc.json))
		if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A province's own day off (occasion "other") counts.
	p, err := parseProfile([]byte(with(`{"date":"2026-03-02","kind":"day-off","occasion":"other","reason":"Ngày thành lập tỉnh","source":"QĐ tỉnh"}`)))
	if err != nil {
		t.Fatal(err)
	}
	c := mustCalendar(t, "vinh-phuc")
	c.profile = p
	if w, _ := c.IsWorkingDay(Date{2026, 3, 2}); w {
		t.Error("the profile's day off is a working day")
	}
	days, _ := c.Holidays(2026)
	if !slices.ContainsFunc(days, func(d Day) bool { return d.Date == (Date{2026, 3, 2}) && d.Reason == "Ngày thành lập tỉnh" }) {
		t.Error("the profile's day is not listed")
	}
}

// TestBrokenAnnouncements loads every file of testdata/announcements/broken
// and checks the error names the problem.
func TestBrokenAnnouncements(t *testing.T) {
	want := map[string]string{
		"unknown-field":            `unknown field "extra_field"`,
		"trailing-data":            "data after the JSON object",
		"not-json":                 "invalid character",
		"impossible-date":          `malformed date "2027-02-30"`,
		"date-in-another-year":     "2026-12-31: not in 2027",
		"duplicate-date":           "date already given by days[0]",
		"unknown-kind":             `unknown kind "holyday"`,
		"unknown-occasion":         `unknown occasion "tet-nguyen-dan"`,
		"working-day-on-monday":    "a working-day must be a weekly rest day, and 2027-03-01 is a Monday",
		"day-off-on-saturday":      "a day-off must be a working weekday, and 2027-03-06 is a Saturday",
		"missing-reason":           "missing reason",
		"blank-source":             "missing source",
		"holiday-without-occasion": "a holiday needs an occasion",
		"holiday-not-replaced":     `add "national-day" to replaces`,
		"tet-four-days":            `replaces "tet" but lists 4 holiday days for it; Bộ luật Lao động 2019, Điều 112 khoản 1 gives 5`,
		"tet-without-mung-1":       `replaces "tet" but 2027-02-06 (Thứ Bảy) is not one of its holiday days`,
		"replaces-unknown":         `replaces[1]: unknown occasion "christmas"`,
		"replaces-other":           `replaces[1]: unknown occasion "other"`,
		"replaces-twice":           `replaces[1]: occasion "tet" given twice`,
		"year-without-rules":       "no holiday rules for 2012",
		"year-out-of-range":        "no holiday rules for 2300",
	}
	files, _ := filepath.Glob("testdata/announcements/broken/*.json")
	if len(files) != len(want) {
		t.Errorf("%d broken files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		_, err := LoadAnnouncementFile(f)
		if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), want[name]) || !strings.Contains(err.Error(), f) || want[name] == "" {
			t.Errorf("%s: %v\n want an ErrInvalidData naming the file and %q", name, err, want[name])
		}
	}
	if _, err := LoadAnnouncementFile("testdata/announcements/missing.json"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestExtraAnnouncement: a deployment adds next year's notice from disk,
// and one file replaces the embedded notice of its year whole.
func TestExtraAnnouncement(t *testing.T) {
	a, err := LoadAnnouncementFile("testdata/announcements/2027.json")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCalendar(t, "quang-ngai", WithAnnouncements(a))
	off, working := offWeekdays(t, c, 2027)
	if want := []string{"01-01", "02-04", "02-05", "02-08", "02-09", "02-10", "02-11", "04-16", "04-30", "05-03", "09-02", "09-03"}; !slices.Equal(off, want) || !slices.Equal(working, []string{"02-20"}) {
		t.Errorf("2027 with the test notice: off %v, working %v", off, working)
	}
	a.Days[0].Reason = "changed after ForProfile"
	if days, _ := c.Holidays(2027); days[1].Reason == "changed after ForProfile" {
		t.Error("the calendar shares the caller's announcement")
	}
	// Another year's dates relabelled are refused (here: 20/02 is a Friday
	// in 2026, so it cannot be a working weekend day).
	data, _ := os.ReadFile("testdata/announcements/2027.json")
	moved := strings.ReplaceAll(strings.ReplaceAll(string(data), `"year": 2027`, `"year": 2026`), "2027-", "2026-")
	if _, err := ParseAnnouncement([]byte(moved)); !errors.Is(err, ErrInvalidData) {
		t.Errorf("2027's notice relabelled 2026: %v", err)
	}
	// One file replaces the embedded notice of its year whole: the swapped
	// 02/01/2026 is a working day again.
	only := &Announcement{Year: 2026, Days: []DayEntry{{Date: Date{2026, 3, 2}, Kind: KindDayOff, Occasion: OccasionOther, Reason: "Thử nghiệm", Source: "test"}}}
	c = mustCalendar(t, "quang-ngai", WithAnnouncements(only))
	if w, _ := c.IsWorkingDay(Date{2026, 1, 2}); !w {
		t.Error("the embedded 2026 notice still applies after a replacement")
	}
	if w, _ := c.IsWorkingDay(Date{2026, 3, 2}); w {
		t.Error("the replacement's day off does not apply")
	}
	bad := &Announcement{Year: 2026, Days: []DayEntry{{Date: Date{2026, 3, 7}, Kind: KindDayOff, Reason: "x", Source: "y"}}}
	if _, err := ForProfile("quang-ngai", WithAnnouncements(bad)); !errors.Is(err, ErrInvalidData) {
		t.Errorf("an invalid announcement built in code: %v", err)
	}
	if _, err := ForProfile("quang-ngai", WithAnnouncements(nil)); !errors.Is(err, ErrInvalidData) {
		t.Errorf("nil announcement: %v", err)
	}
}

func TestEmbeddedAnnouncementNames(t *testing.T) {
	data, _ := embeddedAnnouncements.ReadFile("announcements/2026.json")
	_, err := announcementsFrom(fstest.MapFS{"a/2025.json": {Data: data}}, "a")
	if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), "must be named 2026.json") {
		t.Errorf("misnamed file: %v", err)
	}
	anns, err := builtinAnnouncements()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range []int{2024, 2025, 2026} {
		if anns[y] == nil || anns[y].Note == "" {
			t.Errorf("no embedded announcement for %d", y)
		}
	}
}

func FuzzParseAnnouncement(f *testing.F) {
	for _, pattern := range []string{"announcements/*.json", "testdata/announcements/*.json", "testdata/announcements/broken/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAnnouncement(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidData) {
				t.Fatalf("error without ErrInvalidData: %v", err)
			}
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseAnnouncement(out)
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, a, b)
		}
		c, err := ForProfile("vinh-phuc", WithAnnouncements(a))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Holidays(a.Year); err != nil {
			t.Fatal(err)
		}
	})
}
