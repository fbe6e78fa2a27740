package calendar

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestClockAcrossHoliday follows QĐ 03/2020 Điều 13.3: the clock starts
// at acceptance, a supplement request pauses it, a valid supplement
// resumes it with the remaining working time and a new return date — here
// across the compensatory day for Hùng Kings 2026 and 30/4–1/5.
func TestClockAcrossHoliday(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	budget := 3 * c.DayLength() // 3 working days
	k, err := c.StartClock(vn(t, "2026-04-21 09:00"), budget)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := k.Deadline(); !ok || !d.Equal(vn(t, "2026-04-24 09:00")) {
		t.Fatalf("deadline %s %v", d.Format(layout), ok)
	}
	paused, err := k.Pause(vn(t, "2026-04-22 09:00")) // 6h Tuesday + 1h30 Wednesday used
	if err != nil {
		t.Fatal(err)
	}
	if rem, _ := paused.Remaining(vn(t, "2026-04-23 10:00")); rem != 15*time.Hour {
		t.Errorf("remaining while paused %v, want 15h", rem)
	}
	if _, ok := paused.Deadline(); ok {
		t.Error("a paused clock reports a running deadline")
	}
	resumed, err := paused.Resume(vn(t, "2026-04-24 16:30"))
	if err != nil {
		t.Fatal(err)
	}
	// 30 min Friday; Monday 27/4 compensatory (Đ111.3); 7h30 Tuesday;
	// 7h Wednesday → 16:30 Wednesday 29/4, before 30/4.
	if d, ok := resumed.Deadline(); !ok || !d.Equal(vn(t, "2026-04-29 16:30")) {
		t.Errorf("new deadline %s %v, want Wednesday 2026-04-29 16:30", d.Format(layout), ok)
	}
	if rem, _ := resumed.Remaining(vn(t, "2026-04-28 17:00")); rem != 7*time.Hour {
		t.Errorf("remaining Tuesday evening %v, want 7h", rem)
	}
	if rem, _ := resumed.Remaining(vn(t, "2026-05-04 08:30")); rem != -90*time.Minute {
		t.Errorf("remaining after the deadline %v, want -1h30m (30 min Wednesday + 1h Monday, 30/4 and 1/5 not counted)", rem)
	}
	if p := resumed.Pauses(); len(p) != 1 || !p[0].From.Equal(vn(t, "2026-04-22 09:00")) || !p[0].To.Equal(vn(t, "2026-04-24 16:30")) {
		t.Errorf("pauses %+v", p)
	}
	// The values before are unchanged.
	if k.Paused() || !paused.Paused() || resumed.Paused() || len(k.Pauses()) != 0 {
		t.Error("Pause or Resume changed the clock it was called on")
	}
}

// TestClockAcrossTet: five working days from Monday 09/02/2026 end on
// Monday 23/02, after Tết 14–22/02.
func TestClockAcrossTet(t *testing.T) {
	c := mustCalendar(t, "cao-bang")
	k, err := c.StartClock(vn(t, "2026-02-09 09:00"), 5*c.DayLength())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := k.Deadline(); !d.Equal(vn(t, "2026-02-23 09:00")) {
		t.Errorf("deadline %s", d.Format(layout))
	}
	// Paused over Tết on Friday 13/02 at 15:00: Tết costs nothing.
	k, _ = k.Pause(vn(t, "2026-02-13 15:00"))
	k, _ = k.Resume(vn(t, "2026-02-23 07:30"))
	if d, _ := k.Deadline(); !d.Equal(vn(t, "2026-02-23 11:00")) {
		t.Errorf("deadline after a pause over Tết %s, want 11:00 (the 2h of Friday afternoon moved on)", d.Format(layout))
	}
}

func TestClockErrors(t *testing.T) {
	c := mustCalendar(t, "vinh-phuc")
	at := vn(t, "2026-03-02 09:00")
	k, _ := c.StartClock(at, 10*time.Hour)
	if _, err := k.Resume(at.Add(time.Hour)); !errors.Is(err, ErrNotPaused) {
		t.Errorf("resume while running: %v", err)
	}
	if _, err := k.Pause(at.Add(-time.Minute)); !errors.Is(err, ErrTimeBackwards) {
		t.Errorf("pause before the start: %v", err)
	}
	p, _ := k.Pause(at.Add(time.Hour))
	if _, err := p.Pause(at.Add(2 * time.Hour)); !errors.Is(err, ErrAlreadyPaused) {
		t.Errorf("pause while paused: %v", err)
	}
	if _, err := p.Resume(at.Add(30 * time.Minute)); !errors.Is(err, ErrTimeBackwards) {
		t.Errorf("resume before the pause: %v", err)
	}
	if _, err := p.Remaining(at); !errors.Is(err, ErrTimeBackwards) {
		t.Errorf("remaining before the last event: %v", err)
	}
	if r, err := p.Resume(at.Add(time.Hour)); err != nil || r.Paused() {
		t.Errorf("resume at the pause instant: %v", err)
	}
	for _, budget := range []time.Duration{0, -time.Hour} {
		if _, err := c.StartClock(at, budget); !errors.Is(err, ErrNegative) {
			t.Errorf("budget %v: %v", budget, err)
		}
	}
	var zero Clock
	if _, err := zero.Pause(at); !errors.Is(err, ErrInvalidClock) {
		t.Errorf("zero clock: %v", err)
	}
	if _, err := json.Marshal(zero); err == nil {
		t.Error("marshalled a zero clock")
	}
	// Resumed after its deadline had passed, a clock keeps that deadline.
	k, _ = c.StartClock(at, time.Hour)
	p, _ = k.Pause(vn(t, "2026-03-02 11:00"))
	r, _ := p.Resume(vn(t, "2026-03-03 09:00"))
	if d, _ := r.Deadline(); !d.Equal(vn(t, "2026-03-02 10:00")) {
		t.Errorf("overdue clock's deadline moved to %s", d.Format(layout))
	}
	if rem, _ := r.Remaining(vn(t, "2026-03-03 10:00")); rem != -2*time.Hour {
		t.Errorf("overdue remaining %v", rem)
	}
}

func TestClockJSON(t *testing.T) {
	c := mustCalendar(t, "binh-phuoc")
	k, _ := c.StartClock(vn(t, "2026-03-02 09:00"), 15*time.Hour)
	k, _ = k.Pause(vn(t, "2026-03-02 10:00"))
	k, _ = k.Resume(vn(t, "2026-03-04 14:00"))
	k, _ = k.Pause(vn(t, "2026-03-05 08:00"))
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"profile":"binh-phuoc","budget":"15h0m0s","started":"2026-03-02T09:00:00+07:00","used":"4h30m0s",` +
		`"since":"2026-03-05T08:00:00+07:00","paused":true,"deadline":"2026-03-06T11:00:00+07:00",` +
		`"pauses":[{"from":"2026-03-02T10:00:00+07:00","to":"2026-03-04T14:00:00+07:00"},{"from":"2026-03-05T08:00:00+07:00"}]}`
	if string(data) != want {
		t.Errorf("JSON\n %s\nwant\n %s", data, want)
	}
	back, err := c.LoadClock(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(data) {
		t.Errorf("round trip\n %s\n %s", again, data)
	}
	r, err := back.Resume(vn(t, "2026-03-06 07:30"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Deadline(); !d.Equal(vn(t, "2026-03-09 10:30")) { // 10h30 left: Friday 7h30 + 3h Monday
		t.Errorf("deadline after reload %s", d.Format(layout))
	}
	other := mustCalendar(t, "vinh-phuc")
	if _, err := other.LoadClock(data); !errors.Is(err, ErrInvalidClock) || !strings.Contains(err.Error(), `profile "binh-phuoc"`) {
		t.Errorf("another profile's clock: %v", err)
	}
	broken := map[string]string{
		"not json":        `{`,
		"unknown field":   strings.Replace(want, `"paused"`, `"stopped":1,"paused"`, 1),
		"bad budget":      strings.Replace(want, `"15h0m0s"`, `"15 hours"`, 1),
		"zero budget":     strings.Replace(want, `"15h0m0s"`, `"0s"`, 1),
		"negative used":   strings.Replace(want, `"4h30m0s"`, `"-1h"`, 1),
		"since < started": strings.Replace(want, `"started":"2026-03-02T09:00`, `"started":"2026-03-09T09:00`, 1),
		"not paused":      strings.Replace(want, `"paused":true`, `"paused":false`, 1),
		"open then more":  strings.Replace(want, `,"to":"2026-03-04T14:00:00+07:00"`, ``, 1),
		"pause backwards": strings.Replace(want, `"to":"2026-03-04T14:00:00+07:00"`, `"to":"2026-03-01T14:00:00+07:00"`, 1),
		"no deadline":     strings.Replace(want, `"deadline":"2026-03-06T11:00:00+07:00",`, ``, 1),
		"trailing":        want + `{}`,
	}
	for name, s := range broken {
		if _, err := c.LoadClock([]byte(s)); !errors.Is(err, ErrInvalidClock) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
