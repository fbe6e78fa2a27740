package calendar

import (
	"errors"
	"testing"
	"time"
)

// vn parses "2006-01-02 15:04" in Vietnam's time (+07:00).
func vn(t testing.TB, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if v, err := time.Parse(layout+" -07:00", s+" +07:00"); err == nil {
			return v
		}
	}
	t.Fatalf("bad time %q", s)
	return time.Time{}
}

const layout = "2006-01-02 15:04:05 Mon"

// TestIntakeDeadline reads QĐ 03/2020 Vĩnh Phúc Điều 13.1 literally: one
// working hour; after hours, or with less than an hour left in the
// session, the hour starts at the beginning of the next session. Days off
// follow the Labour Code 2019 (Điều 112, 111.3) and the notices.
func TestIntakeDeadline(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	tests := []struct{ submitted, want, rule string }{
		{"2026-03-02 09:00", "2026-03-02 10:00", "Đ13.1: one working hour within the morning session"},
		{"2026-03-02 07:30", "2026-03-02 08:30", "Đ13.1: submitted as the session opens"},
		{"2026-03-02 10:30", "2026-03-02 11:30", "Đ13.1: exactly one hour left is enough"},
		{"2026-03-02 10:30:01", "2026-03-02 14:30", "Đ13.1: less than an hour left → starts at 13:30"},
		{"2026-03-02 11:00", "2026-03-02 14:30", "Đ13.1: 11:00, half an hour left in the morning → 13:30 + 1h"},
		{"2026-03-02 11:30", "2026-03-02 14:30", "Đ13.1: at 11:30 the morning session is over"},
		{"2026-03-02 12:15", "2026-03-02 14:30", "Đ13.1: lunch break is outside working time"},
		{"2026-03-02 16:00", "2026-03-02 17:00", "Đ13.1: the afternoon's last full hour"},
		{"2026-03-06 16:30", "2026-03-09 08:30", "Đ13.1: Friday 16:30 → Monday's first session"},
		{"2026-03-02 18:00", "2026-03-03 08:30", "Đ13.1: after hours → next morning"},
		{"2026-03-03 06:00", "2026-03-03 08:30", "Đ13.1: before opening"},
		{"2026-03-07 10:00", "2026-03-09 08:30", "Đ13.1: Saturday → Monday"},
		{"2026-02-13 16:30", "2026-02-23 08:30", "Tết 2026 (14–22/02): the hour starts after Tết"},
		{"2026-02-18 10:00", "2026-02-23 08:30", "submitted on mùng 2 Tết"},
		{"2026-01-10 09:00", "2026-01-10 10:00", "make-up Saturday 10/01/2026 (12729/VPCP-KGVX) is a working day"},
		{"2026-01-10 16:30", "2026-01-12 08:30", "make-up Saturday afternoon → Monday"},
		{"2026-01-02 09:00", "2026-01-05 08:30", "02/01/2026 swapped off (12729/VPCP-KGVX)"},
		{"2026-04-27 09:00", "2026-04-28 08:30", "compensatory day: Hùng Kings on Sunday 26/4 (Đ111.3)"},
		{"2026-04-24 16:30", "2026-04-28 08:30", "Friday before the compensatory Monday"},
		{"2026-04-29 16:45", "2026-05-04 08:30", "30/4 and 1/5 (Đ112.1.d, đ)"},
	}
	for _, tc := range tests {
		got, err := c.IntakeDeadline(vn(t, tc.submitted))
		if err != nil {
			t.Errorf("%s: %v", tc.submitted, err)
			continue
		}
		if want := vn(t, tc.want); !got.Equal(want) || got.Location() != c.Location() {
			t.Errorf("IntakeDeadline(%s) = %s, want %s (%s)", tc.submitted, got.Format(layout), want.Format(layout), tc.rule)
		}
	}
}

// TestAddWorkingDays: n working days are n × 7h30 of working time.
func TestAddWorkingDays(t *testing.T) {
	c := mustCalendar(t, "binh-dinh")
	tests := []struct {
		from      string
		n         int
		want, why string
	}{
		{"2026-03-02 09:00", 3, "2026-03-05 09:00", "Monday 09:00 + 3 → Thursday 09:00"},
		{"2026-03-02 09:00", 0, "2026-03-02 09:00", "zero days"},
		{"2026-03-02 17:00", 1, "2026-03-03 17:00", "from the end of a day → end of the next"},
		{"2026-03-07 10:00", 1, "2026-03-09 17:00", "from Saturday: counting starts Monday 07:30"},
		{"2026-03-02 11:45", 1, "2026-03-03 11:30", "from the lunch break: counting starts 13:30"},
		{"2026-04-29 09:00", 1, "2026-05-04 09:00", "30/4 Thursday, 1/5 Friday (Đ112.1)"},
		{"2026-04-29 09:00", 2, "2026-05-05 09:00", "across 30/4–1/5 2026"},
		{"2026-04-24 09:00", 1, "2026-04-28 09:00", "Monday 27/4/2026 compensates Hùng Kings' Sunday (Đ111.3)"},
		{"2025-04-25 09:00", 1, "2025-04-26 09:00", "Saturday 26/4/2025 is a make-up day (8726/VPCP-KGVX)"},
		{"2025-04-25 09:00", 3, "2025-04-29 09:00", "make-up Saturday, Monday, Tuesday"},
		{"2025-04-25 09:00", 4, "2025-05-05 09:00", "30/4, 1/5 and the swapped 2/5/2025 off"},
		{"2024-04-26 09:00", 3, "2024-05-04 09:00", "2024: 29/4 swapped off, 30/4, 1/5 holidays, Saturday 4/5 worked (2450/VPCP-KGVX)"},
		{"2025-08-29 09:00", 1, "2025-09-03 09:00", "2/9/2025 Tuesday + 1/9 (Đ112.1.e)"},
		{"2024-08-30 09:00", 1, "2024-09-04 09:00", "2/9/2024 Monday + 3/9"},
		{"2026-08-28 09:00", 1, "2026-09-03 09:00", "2/9/2026: 31/8 swapped off, 1/9 and 2/9 holidays"},
		{"2026-08-21 09:00", 1, "2026-08-22 09:00", "Saturday 22/8/2026 is a make-up day"},
		{"2026-02-13 09:00", 1, "2026-02-23 09:00", "Tết 2026: 14–22/02"},
		{"2026-02-09 09:00", 5, "2026-02-23 09:00", "five working days around Tết 2026"},
		{"2025-12-31 09:00", 1, "2026-01-05 09:00", "1/1/2026 and the swapped 2/1 (across the year)"},
	}
	for _, tc := range tests {
		got, err := c.AddWorkingDays(vn(t, tc.from), tc.n)
		if err != nil {
			t.Errorf("%s + %d: %v", tc.from, tc.n, err)
			continue
		}
		if want := vn(t, tc.want); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s (%s)", tc.from, tc.n, got.Format(layout), want.Format(layout), tc.why)
		}
		if d, _ := c.WorkingTimeBetween(vn(t, tc.from), got); d != time.Duration(tc.n)*c.DayLength() {
			t.Errorf("WorkingTimeBetween(%s, %s) = %v", tc.from, got.Format(layout), d)
		}
	}
}

func TestAddWorkingAndBetween(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	adds := []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-03-02 11:00", time.Hour, "2026-03-02 14:00"},
		{"2026-03-02 07:00", 4 * time.Hour, "2026-03-02 11:30"},
		{"2026-03-02 16:59", time.Minute, "2026-03-02 17:00"},
		{"2026-03-02 11:30", 0, "2026-03-02 11:30"},
		{"2026-03-02 11:30", time.Nanosecond, "2026-03-02 13:30:00"},
	}
	for _, tc := range adds {
		got, err := c.AddWorking(vn(t, tc.from), tc.d)
		want := vn(t, tc.want)
		if tc.d == time.Nanosecond {
			want = want.Add(time.Nanosecond)
		}
		if err != nil || !got.Equal(want) {
			t.Errorf("AddWorking(%s, %v) = %s, %v; want %s", tc.from, tc.d, got.Format(layout), err, want.Format(layout))
		}
	}
	betweens := []struct {
		a, b string
		want time.Duration
	}{
		{"2026-03-02 09:00", "2026-03-05 09:00", 22*time.Hour + 30*time.Minute},
		{"2026-03-06 16:30", "2026-03-09 08:30", 90 * time.Minute},
		{"2026-02-13 09:00", "2026-02-23 09:00", 7*time.Hour + 30*time.Minute},
		{"2026-03-05 09:00", "2026-03-02 09:00", -(22*time.Hour + 30*time.Minute)},
		{"2026-03-02 12:00", "2026-03-02 13:00", 0},
		{"2026-03-02 09:00", "2026-03-02 09:00", 0},
		{"2026-01-01 00:00", "2027-01-01 00:00", 250 * (7*time.Hour + 30*time.Minute)},
	}
	for _, tc := range betweens {
		got, err := c.WorkingTimeBetween(vn(t, tc.a), vn(t, tc.b))
		if err != nil || got != tc.want {
			t.Errorf("WorkingTimeBetween(%s, %s) = %v, %v; want %v", tc.a, tc.b, got, err, tc.want)
		}
	}
	if d := c.DateOf(time.Date(2026, 2, 16, 17, 30, 0, 0, time.UTC)); d != (Date{2026, 2, 17}) {
		t.Errorf("DateOf 17:30 UTC = %s, want the next day in Vietnam", d)
	}
	// A time given in another zone gives the same instant, reported in +07:00.
	utc := vn(t, "2026-03-02 11:00").UTC()
	got, _ := c.AddWorking(utc, time.Hour)
	if got.Format(time.RFC3339) != "2026-03-02T14:00:00+07:00" {
		t.Errorf("from UTC: %s", got.Format(time.RFC3339))
	}
}

func TestIsWorkingAndNextStart(t *testing.T) {
	c := mustCalendar(t, "cao-bang")
	for s, want := range map[string]bool{
		"2026-03-02 07:30": true, "2026-03-02 07:29:59": false, "2026-03-02 11:29:59": true, "2026-03-02 11:30": false,
		"2026-03-02 13:30": true, "2026-03-02 16:59:59": true, "2026-03-02 17:00": false, "2026-03-07 10:00": false,
		"2026-01-10 10:00": true, "2026-04-27 10:00": false, "2026-02-17 10:00": false,
	} {
		if got, err := c.IsWorking(vn(t, s)); err != nil || got != want {
			t.Errorf("IsWorking(%s) = %v, %v", s, got, err)
		}
	}
	for from, want := range map[string]string{
		"2026-03-02 09:00": "2026-03-02 09:00", "2026-03-02 11:30": "2026-03-02 13:30", "2026-03-02 17:00": "2026-03-03 07:30",
		"2026-01-03 10:00": "2026-01-05 07:30", "2026-01-09 18:00": "2026-01-10 07:30", "2026-02-13 17:00": "2026-02-23 07:30",
	} {
		if got, err := c.NextWorkingStart(vn(t, from)); err != nil || !got.Equal(vn(t, want)) {
			t.Errorf("NextWorkingStart(%s) = %s, %v; want %s", from, got.Format(layout), err, want)
		}
	}
}

// TestTransferDeadline: Quảng Ngãi QĐ 03/2016 Điều 11.4, ½ working day.
func TestTransferDeadline(t *testing.T) {
	c := mustCalendar(t, "quang-ngai")
	for from, want := range map[string]string{
		"2026-03-02 07:30": "2026-03-02 11:15",
		"2026-03-02 09:00": "2026-03-02 14:45",
		"2026-03-02 16:00": "2026-03-03 10:15",
		"2026-02-13 15:00": "2026-02-23 09:15",
		"2026-03-07 09:00": "2026-03-09 11:15",
	} {
		if got, err := c.TransferDeadline(vn(t, from)); err != nil || !got.Equal(vn(t, want)) {
			t.Errorf("TransferDeadline(%s) = %s, %v; want %s", from, got.Format(layout), err, want)
		}
	}
}

func TestWorkingErrors(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	now := vn(t, "2026-03-02 09:00")
	if _, err := c.AddWorking(now, -time.Minute); !errors.Is(err, ErrNegative) {
		t.Errorf("negative duration: %v", err)
	}
	if _, err := c.AddWorkingDays(now, -1); !errors.Is(err, ErrNegative) {
		t.Errorf("negative days: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := c.AddWorking(vn(t, "2012-06-01 09:00"), time.Hour); return err },
		func() error { _, err := c.AddWorkingDays(vn(t, "2199-12-30 09:00"), 10); return err },
		func() error { _, err := c.IsWorking(vn(t, "1999-06-01 09:00")); return err },
		func() error { _, err := c.IntakeDeadline(vn(t, "2199-12-31 16:30")); return err },
		func() error {
			_, err := c.WorkingTimeBetween(vn(t, "2026-03-02 09:00"), vn(t, "2300-01-01 09:00"))
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("out of range: %v", err)
		}
	}
}

// TestWorkingInvariants checks, over a grid of 2026, that
// WorkingTimeBetween(t, AddWorking(t, d)) == d and that AddWorking adds up.
func TestWorkingInvariants(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	durations := []time.Duration{time.Minute, time.Hour, 4 * time.Hour, 7*time.Hour + 30*time.Minute, 75 * time.Hour, 450 * time.Hour}
	for tt := vn(t, "2026-01-01 00:00"); tt.Year() == 2026; tt = tt.Add(137 * time.Minute) {
		for _, d := range durations {
			checkInvariants(t, c, tt, d, time.Hour)
		}
	}
}

func checkInvariants(t *testing.T, c *Calendar, at time.Time, d, split time.Duration) {
	t.Helper()
	end, err := c.AddWorking(at, d)
	if err != nil {
		t.Fatal(err)
	}
	if end.Before(at) {
		t.Fatalf("AddWorking(%s, %v) = %s is earlier", at.Format(layout), d, end.Format(layout))
	}
	if got, err := c.WorkingTimeBetween(at, end); err != nil || got != d {
		t.Fatalf("WorkingTimeBetween(%s, AddWorking(…, %v) = %s) = %v, %v", at.Format(layout), d, end.Format(layout), got, err)
	}
	if d > 0 {
		if w, _ := c.IsWorking(end.Add(-time.Nanosecond)); !w {
			t.Fatalf("AddWorking(%s, %v) = %s does not end working time", at.Format(layout), d, end.Format(layout))
		}
	}
	if split > 0 && split < d {
		mid, _ := c.AddWorking(at, split)
		if e2, _ := c.AddWorking(mid, d-split); !e2.Equal(end) {
			t.Fatalf("AddWorking(AddWorking(%s, %v), %v) = %s, want %s", at.Format(layout), split, d-split, e2.Format(layout), end.Format(layout))
		}
	}
}

func FuzzWorkingTime(f *testing.F) {
	f.Add(int64(0), uint32(60), uint32(30))
	f.Add(int64(3600*24*45+3600*9), uint32(450), uint32(449))   // 2026-02-14 16:00 +07
	f.Add(int64(3600*24*116+3600*2), uint32(60*24), uint32(61)) // late April 2026
	base := vn(f, "2026-01-01 00:00")
	c := mustCalendar(f, "vinh-phuc")
	f.Fuzz(func(t *testing.T, offset int64, minutes, splitMinutes uint32) {
		at := base.Add(time.Duration(offset%(3*365*24*3600)) * time.Second) // 2023–2028
		d := time.Duration(minutes%(60*24*90)) * time.Minute                // up to 90 days of working time
		checkInvariants(t, c, at, d, time.Duration(splitMinutes)*time.Minute)
		a, b := at, at.Add(time.Duration(splitMinutes)*time.Minute*7)
		ab, _ := c.WorkingTimeBetween(a, b)
		bc, _ := c.WorkingTimeBetween(b, b.Add(d))
		ac, _ := c.WorkingTimeBetween(a, b.Add(d))
		if ab+bc != ac {
			t.Fatalf("between(a,b) %v + between(b,c) %v != between(a,c) %v", ab, bc, ac)
		}
	})
}
