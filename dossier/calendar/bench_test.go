package calendar

import (
	"testing"
	"time"
)

// These run inside request handlers: a deadline for a dossier, the
// holiday list of a year.

func BenchmarkAddWorkingDays60(b *testing.B) {
	c := mustCalendar(b, "vinh-phuc")
	at := vn(b, "2026-01-05 09:00")
	for b.Loop() {
		if _, err := c.AddWorkingDays(at, 60); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWorkingTimeBetween60Days(b *testing.B) {
	c := mustCalendar(b, "vinh-phuc")
	from, to := vn(b, "2026-01-05 09:00"), vn(b, "2026-04-01 09:00")
	for b.Loop() {
		if _, err := c.WorkingTimeBetween(from, to); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIntakeDeadline(b *testing.B) {
	c := mustCalendar(b, "vinh-phuc")
	at := vn(b, "2026-02-13 16:30")
	for b.Loop() {
		if _, err := c.IntakeDeadline(at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHolidays is the cached case: the year's table exists.
func BenchmarkHolidays(b *testing.B) {
	c := mustCalendar(b, "vinh-phuc")
	for b.Loop() {
		if _, err := c.Holidays(2026); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHolidaysFirstUse builds the year's table each time (lunar
// conversions, announcement, compensation).
func BenchmarkHolidaysFirstUse(b *testing.B) {
	c := mustCalendar(b, "vinh-phuc")
	for b.Loop() {
		c.years = map[int]*yearTable{}
		if _, err := c.Holidays(2026); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkForProfile(b *testing.B) {
	for b.Loop() {
		mustCalendar(b, "vinh-phuc")
	}
}

func BenchmarkToLunar(b *testing.B) {
	d := Date{2026, time.February, 17}
	for b.Loop() {
		if _, err := ToLunar(d); err != nil {
			b.Fatal(err)
		}
	}
}
