package main

import (
	"context"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"report", "monthly", "--month", "2025-03", "--format", "csv"}, exitOK, "ma_don_vi"},
		{[]string{"report", "monthly", "--month", "2025-03", "--format", "json"}, exitOK, `"month": "2025-03"`},
		{[]string{"report", "monthly", "--month", "2025-03", "--late"}, exitOK, "Hồ sơ trễ hạn tháng 2025-03"},
		{[]string{"report", "monthly", "--month", "2025-3x"}, exitUsage, `--month "2025-3x": want YYYY-MM`},
		{[]string{"report", "monthly", "--month", "2025-03", "--format", "xml"}, exitUsage, `--format "xml"`},
		{[]string{"report"}, exitUsage, "missing subcommand"},
	} {
		code, out, errOut := kyso(t, ctx, append([]string{"--data", data}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.contains) {
			t.Errorf("kyso %s = %d, %q %q; want %d containing %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.contains)
		}
	}
}
