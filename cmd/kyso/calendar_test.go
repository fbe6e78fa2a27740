package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarCommand(t *testing.T) {
	t.Setenv("KYSO_PROFILE", "")
	os.Unsetenv("KYSO_PROFILE")
	dir := filepath.Join(t.TempDir(), "kyso-data")
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return kysoIn(t, dir, append([]string{"calendar"}, args...)...)
	}
	notice := filepath.Join(t.TempDir(), "2027.json")
	os.WriteFile(notice, []byte(`{"year": 2027, "days": [
		{"date": "2027-03-01", "kind": "day-off", "occasion": "other", "reason": "Ngày nghỉ thử nghiệm", "source": "kyso test data"}]}`), 0o644)
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, []byte(`{"year": 2027, "days": [
		{"date": "2027-03-06", "kind": "day-off", "occasion": "other", "reason": "x", "source": "y"}]}`), 0o644)

	deadlines := []struct {
		args []string
		want string
	}{
		// QĐ 03/2020 Đ13.1: 11:00 has half an hour left in the morning → 13:30 + 1h.
		{[]string{"--profile", "vinh-phuc", "--from", "2026-03-02T11:00:00+07:00", "--intake"}, "2026-03-02T14:30:00+07:00"},
		{[]string{"--from", "2026-02-13T16:30:00+07:00", "--intake"}, "2026-02-23T08:30:00+07:00"},
		{[]string{"--from", "2026-03-02T09:00:00+07:00", "--working-days", "3"}, "2026-03-05T09:00:00+07:00"},
		{[]string{"--from", "2026-04-29T09:00:00+07:00", "--working-days", "1", "--profile", "binh-dinh"}, "2026-05-04T09:00:00+07:00"},
		{[]string{"--from", "2026-03-02T04:00:00Z", "--working-hours", "1.5"}, "2026-03-02T14:30:00+07:00"}, // 11:00 in Hanoi
		{[]string{"--from", "2026-03-02T09:00", "--working-hours", "0"}, "2026-03-02T09:00:00+07:00"},
		{[]string{"--from", "2027-02-26T16:00:00+07:00", "--working-hours", "2", "--announcements", notice}, "2027-03-02T08:30:00+07:00"},
	}
	for _, tc := range deadlines {
		code, out, errs := run(append([]string{"deadline"}, tc.args...)...)
		if code != exitOK || out != tc.want+"\n" {
			t.Errorf("deadline %v: exit %d, %q (stderr %q), want %s", tc.args, code, out, errs, tc.want)
		}
	}

	code, out, errs := run("holidays", "--year", "2026")
	if code != exitOK {
		t.Fatalf("holidays: %d %s", code, errs)
	}
	for _, want := range []string{
		"2026-02-16  Thứ Hai   holiday       Tết Âm lịch (29 tháng Chạp năm Ất Tỵ)",
		"2026-01-10  Thứ Bảy   working-day   Làm bù cho thứ Sáu 02/01/2026 [Văn bản 12729/VPCP-KGVX ngày 25/12/2025",
		"2026-04-27  Thứ Hai   compensatory  Nghỉ bù: Giỗ Tổ Hùng Vương",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("holidays output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 16 {
		t.Errorf("%d lines for 2026, want 16", n)
	}
	code, out, errs = run("holidays", "--year", "2027", "--json", "--profile", "cao-bang", "--announcements", notice)
	var doc struct {
		Profile string
		Year    int
		Days    []struct{ Date, Kind, Reason, Source string }
	}
	if code != exitOK || json.Unmarshal([]byte(out), &doc) != nil || doc.Profile != "cao-bang" || doc.Year != 2027 {
		t.Fatalf("holidays --json: %d %q %q", code, out, errs)
	}
	if len(doc.Days) == 0 || doc.Days[0].Date != "2027-01-01" || !strings.Contains(out, `"reason": "Ngày nghỉ thử nghiệm"`) {
		t.Errorf("holidays --json days: %+v", doc.Days)
	}

	failures := []struct {
		args []string
		want string
	}{
		{[]string{"deadline", "--profile", "ha-noi", "--from", "2026-03-02T09:00:00+07:00", "--intake"}, `unknown calendar profile "ha-noi"`},
		{[]string{"deadline", "--from", "2026-13-02T09:00", "--intake"}, `--from: malformed time "2026-13-02T09:00"`},
		{[]string{"deadline", "--intake"}, "missing --from TIME"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00"}, "give exactly one of"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--intake", "--working-days", "2"}, "give exactly one of"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--working-days", "-3"}, "--working-days -3 is negative"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--working-days", "2.5"}, `--working-days "2.5" is not a whole number`},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--working-hours", "-1"}, "--working-hours -1 is negative"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--working-hours", "NaN"}, `--working-hours "NaN" is not a number`},
		{[]string{"deadline", "--from", "2012-03-02T09:00:00+07:00", "--intake"}, "no holiday rules for 2012"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--intake", "--announcements", broken}, broken + ": invalid calendar data"},
		{[]string{"deadline", "--from", "2026-03-02T09:00:00+07:00", "--intake", "extra"}, `unexpected argument "extra"`},
		{[]string{"holidays"}, "missing --year Y"},
		{[]string{"holidays", "--year", "MMXXVI"}, `--year "MMXXVI" is not a year`},
		{[]string{"holidays", "--year", "1990"}, "no holiday rules for 1990"},
		{[]string{"holidays", "--year", "2026", "--announcements", filepath.Join(dir, "none.json")}, "none.json"},
		{[]string{"lunar"}, `unknown subcommand "lunar"`},
		{nil, "missing subcommand"},
	}
	for _, tc := range failures {
		code, out, errs := run(tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 with one line containing %q (stdout %q)", tc.args, code, errs, tc.want, out)
		}
	}

	// The profile defaults to KYSO_PROFILE.
	t.Setenv("KYSO_PROFILE", "quang-ngai")
	if code, out, errs := run("holidays", "--year", "2025", "--json"); code != exitOK || !strings.Contains(out, `"profile": "quang-ngai"`) {
		t.Errorf("KYSO_PROFILE: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the calendar command created the data directory")
	}
}
