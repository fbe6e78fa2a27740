package seed

import (
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/wire"
)

// TestWorkingDays: the stories' days skip weekends and public holidays
// (the real calendar: Tết 2026 is 14–22 February for civil servants).
func TestWorkingDays(t *testing.T) {
	cals, err := wire.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := cals("vinh-phuc")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now  string
		want []string // days[0], days[1], …
	}{
		{"2026-02-23T09:00:00+07:00", []string{"2026-02-13", "2026-02-12", "2026-02-11"}}, // Monday after Tết
		{"2026-12-01T06:30:00+07:00", []string{"2026-11-30", "2026-11-27", "2026-11-26"}}, // Tuesday morning
		{"2026-09-07T10:00:00+07:00", []string{"2026-09-04", "2026-09-03", "2026-08-28"}}, // after National Day: 31/8–2/9 off in 2026
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		days, err := workingDays(cal, now, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range days {
			got = append(got, d.Format(time.DateOnly))
		}
		if len(got) != len(tc.want) || got[0] != tc.want[0] || got[1] != tc.want[1] || got[2] != tc.want[2] {
			t.Errorf("working days before %s: %v, want %v", tc.now, got, tc.want)
		}
	}
}
