package calendar

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readTable returns the non-comment lines of a testdata file, split into
// fields; with n > 0 the n-th field holds the rest of the line.
func readTable(t *testing.T, name string, n int) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if n > 0 && len(fields) > n {
			fields = append(fields[:n-1], strings.Join(fields[n-1:], " "))
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", name)
	}
	return rows
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkKnownDates checks a file of "year vietnam china [note]" rows for
// lunar month/day.
func checkKnownDates(t *testing.T, file string, month, day int) {
	differ := 0
	for _, row := range readTable(t, file, 4) {
		year, err := strconv.Atoi(row[0])
		if err != nil {
			t.Fatalf("%s: bad year %q", file, row[0])
		}
		vn, cn := mustDate(t, row[1]), mustDate(t, row[2])
		note := ""
		if len(row) > 3 {
			note = row[3]
		}
		got, err := FromLunar(LunarDate{Year: year, Month: month, Day: day})
		if err != nil {
			t.Errorf("%d: %v", year, err)
			continue
		}
		if got != vn {
			t.Errorf("%d: %d/%d lunar is %s, want %s (%s)", year, day, month, got, vn, note)
		}
		if back, err := ToLunar(vn); err != nil || back != (LunarDate{Year: year, Month: month, Day: day}) {
			t.Errorf("%d: ToLunar(%s) = %v, %v", year, vn, back, err)
		}
		if wantDiffer := strings.HasPrefix(note, "VN≠CN"); (vn != cn) != wantDiffer {
			t.Errorf("%s %d: vietnam %s, china %s, but the note says %q", file, year, vn, cn, note)
		}
		if vn != cn {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("%s has no year where Vietnam and China differ: the test would not catch a Chinese calendar", file)
	}
}

// TestTetDates checks Tết against testdata/tet.txt (1985–2060), including
// the years Vietnam's calendar (UTC+7) and China's (UTC+8) differ.
func TestTetDates(t *testing.T) { checkKnownDates(t, "testdata/tet.txt", 1, 1) }

// TestHungKingsDays checks 10/3 lunar (Labour Code 2019 Điều 112.1.c)
// against testdata/hung-kings.txt.
func TestHungKingsDays(t *testing.T) { checkKnownDates(t, "testdata/hung-kings.txt", 3, 10) }

func TestInvalidLunarDates(t *testing.T) {
	for _, row := range readTable(t, "testdata/lunar-invalid.txt", 5) {
		var n [3]int
		for i := range n {
			v, err := strconv.Atoi(row[i])
			if err != nil {
				t.Fatalf("bad row %q", row)
			}
			n[i] = v
		}
		l := LunarDate{Year: n[0], Month: n[1], Day: n[2], Leap: row[3] == "true"}
		want := row[4]
		t.Run(l.String(), func(t *testing.T) {
			d, err := FromLunar(l)
			if err == nil {
				t.Fatalf("FromLunar(%v) = %s, want an error", l, d)
			}
			sentinel := ErrInvalidLunarDate
			if strings.Contains(want, "out of") {
				sentinel = ErrOutOfRange
			}
			if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), want) {
				t.Errorf("error %q: want %v containing %q", err, sentinel, want)
			}
		})
	}
}

func TestLunarKnownFacts(t *testing.T) {
	tests := []struct {
		solar string
		lunar LunarDate
		why   string
	}{
		{"2024-02-08", LunarDate{2023, 12, 29, false}, "2024 notice: 08/02 is 29 tháng Chạp Quý Mão"},
		{"2024-02-09", LunarDate{2023, 12, 30, false}, "Quý Mão's last month has 30 days"},
		{"2025-01-25", LunarDate{2024, 12, 26, false}, "2025 notice: 25/01 is 26 tháng Chạp Giáp Thìn"},
		{"2025-02-02", LunarDate{2025, 1, 5, false}, "2025 notice: 02/02 is mùng 5 Tết Ất Tỵ"},
		{"2026-02-14", LunarDate{2025, 12, 27, false}, "2026 notice: 14/02 is 27 tháng Chạp Ất Tỵ"},
		{"2026-02-16", LunarDate{2025, 12, 29, false}, "16/02 is 29 Chạp, the last day: no 30 Tết in 2026"},
		{"2026-02-22", LunarDate{2026, 1, 6, false}, "2026 notice: 22/02 is mùng 6 Tết Bính Ngọ"},
		{"2025-07-25", LunarDate{2025, 6, 1, true}, "Ất Tỵ has a leap 6th month"},
		{"2023-03-22", LunarDate{2023, 2, 1, true}, "Quý Mão had a leap 2nd month"},
		{"2033-12-22", LunarDate{2033, 11, 1, true}, "2033: leap 11th month (the '2033 problem' year)"},
		{"1985-03-21", LunarDate{1985, 2, 1, true}, "Vietnam's 1985 leap 2nd month, why Tết 1985 came a month before China's"},
	}
	for _, tc := range tests {
		d := mustDate(t, tc.solar)
		got, err := ToLunar(d)
		if err != nil || got != tc.lunar {
			t.Errorf("ToLunar(%s) = %v, %v; want %v (%s)", d, got, err, tc.lunar, tc.why)
		}
		back, err := FromLunar(tc.lunar)
		if err != nil || back != d {
			t.Errorf("FromLunar(%v) = %s, %v; want %s", tc.lunar, back, err, d)
		}
	}
	for y, want := range map[int]int{1984: 0, 1985: 2, 2020: 4, 2023: 2, 2024: 0, 2025: 6, 2026: 0, 2028: 5, 2033: 11} {
		if got := LeapMonth(y); got != want {
			t.Errorf("LeapMonth(%d) = %d, want %d", y, got, want)
		}
	}
	if n, err := MonthDays(2025, 12, false); err != nil || n != 29 {
		t.Errorf("MonthDays(2025, 12) = %d, %v; want 29", n, err)
	}
	if got := yearName(2026); got != "Bính Ngọ" {
		t.Errorf("yearName(2026) = %q", got)
	}
	if got := (LunarDate{2025, 12, 29, false}).dayMonthVI(); got != "29 tháng Chạp" {
		t.Errorf("dayMonthVI = %q", got)
	}
}

// TestLunarRoundTrip converts days of 1900–2199 there and back, and checks
// the months: 29 or 30 days, a leap month only in a 13-month year, month 11
// containing the winter solstice.
func TestLunarRoundTrip(t *testing.T) {
	step := 1
	start, end := Date{1900, 1, 2}, Date{2199, 12, 31}
	step = 7 // every weekday in turn, ~15 600 days
	if testing.Short() {
		step = 29
	}
	check := func(d Date) LunarDate {
		l, err := ToLunar(d)
		if err != nil {
			t.Fatalf("ToLunar(%s): %v", d, err)
		}
		back, err := FromLunar(l)
		if err != nil || back != d {
			t.Fatalf("FromLunar(ToLunar(%s) = %v) = %s, %v", d, l, back, err)
		}
		return l
	}
	for d := start; !d.After(end); d = d.AddDays(step) {
		check(d)
	}
	// Every day of 2020–2030: consecutive lunar days.
	prev := check(Date{2019, 12, 31})
	for d := (Date{2020, 1, 1}); d.Year <= 2030; d = d.AddDays(1) {
		l := check(d)
		switch {
		case l.Day == prev.Day+1 && l.Month == prev.Month && l.Leap == prev.Leap && l.Year == prev.Year:
		case l.Day == 1 && (prev.Day == 29 || prev.Day == 30):
		default:
			t.Fatalf("%s: %v follows %v", d, l, prev)
		}
		prev = l
	}
	for y := MinYear; y <= MaxYear; y++ {
		months := sui(y)
		leaps := 0
		for i, m := range months {
			if m.days != 29 && m.days != 30 {
				t.Fatalf("sui(%d)[%d] %+v has %d days", y, i, m, m.days)
			}
			if m.leap {
				leaps++
			}
		}
		if want := len(months) - 12; leaps != want {
			t.Fatalf("sui(%d): %d months, %d leap", y, len(months), leaps)
		}
		if months[0].month != 11 || months[0].year != y {
			t.Fatalf("sui(%d) starts with %+v", y, months[0])
		}
		// Month 11 contains the winter solstice: the sun enters sector 9
		// (270°) during it.
		if s, e := sunSector(months[0].start), sunSector(months[1].start); s >= 9 || e < 9 {
			t.Fatalf("sui(%d): sun sectors %d..%d over month 11", y, s, e)
		}
	}
}

func TestLunarOutOfRange(t *testing.T) {
	for _, d := range []Date{{1899, 12, 31}, {2200, 1, 1}, {2026, 2, 30}, {}} {
		if _, err := ToLunar(d); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("ToLunar(%v): %v, want ErrOutOfRange", d, err)
		}
	}
	if _, err := LunarNewYear(2200); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("LunarNewYear(2200): %v", err)
	}
	if LeapMonth(3000) != 0 {
		t.Error("LeapMonth(3000) != 0")
	}
}

func TestParseDate(t *testing.T) {
	for _, bad := range []string{"2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "", "2026-1-1"} {
		if d, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, d)
		}
	}
	d := mustDate(t, "2026-02-17")
	if d.Weekday() != time.Tuesday || d.WeekdayVI() != "Thứ Ba" || d.String() != "2026-02-17" || d.viShort() != "17/02/2026" {
		t.Errorf("%v: %v %q %q", d, d.Weekday(), d.WeekdayVI(), d.viShort())
	}
}

func FuzzLunarRoundTrip(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1771264800)) // 2026-02-17 (Tết Bính Ngọ) 00:00 +07
	f.Add(int64(475113600))  // 1985-01-21
	f.Fuzz(func(t *testing.T, unix int64) {
		if unix < -2208988800 || unix > 7258118399 { // 1900-01-01 .. 2199-12-31 UTC
			return
		}
		d := dateFromTime(time.Unix(unix, 0).UTC())
		l, err := ToLunar(d)
		if err != nil {
			t.Fatal(err)
		}
		if l.Day < 1 || l.Day > 30 || l.Month < 1 || l.Month > 12 {
			t.Fatalf("%s → %v", d, l)
		}
		back, err := FromLunar(l)
		if err != nil || back != d {
			t.Fatalf("%s → %v → %s, %v", d, l, back, err)
		}
	})
}
