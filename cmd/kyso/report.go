package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

const reportUsage = `report monthly --month YYYY-MM [--unit CODE]... [--format text|json|csv] [--late]

Counts, per unit and procedure, the dossiers received, accepted, finished on
time or late, extended, the apology letters issued and the fees refunded in
one month (QĐ 03/2020 Đ24; due by the profile's report day of the next
month). --late lists the late dossiers with their unit and handling person
(the public list of Cao Bằng) instead.`

func runReport(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, reportUsage, args, []subcommand{{"monthly", reportMonthly}})
}

type multiString []string

func (m *multiString) String() string     { return strings.Join(*m, ",") }
func (m *multiString) Set(s string) error { *m = append(*m, s); return nil }

func reportMonthly(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("report monthly", reportUsage, e.stdout)
	month := fs.String("month", "", "the month, YYYY-MM")
	format := fs.String("format", "text", "text, json or csv")
	late := fs.Bool("late", false, "list the late dossiers instead of the counts")
	var units multiString
	fs.Var(&units, "unit", "a unit's code (repeatable; default: every unit)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	m, err := time.Parse("2006-01", *month)
	if err != nil {
		return usageErrorf("--month %q: want YYYY-MM", *month)
	}
	if *format != "text" && *format != "json" && *format != "csv" {
		return usageErrorf("--format %q: want text, json or csv", *format)
	}
	rt, err := openDomain(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer rt.Close()
	rep, err := rt.eng.MonthlyReport(ctx, time.Date(m.Year(), m.Month(), 15, 12, 0, 0, 0, time.FixedZone("ICT", 7*3600)), units)
	if err != nil {
		return withCode(exitUsage, err)
	}
	switch {
	case *format == "json" && *late:
		return writeJSON(e.stdout, rep.Late)
	case *format == "json":
		return writeJSON(e.stdout, rep)
	case *format == "csv" && *late:
		return rep.WriteLateCSV(e.stdout)
	case *format == "csv":
		return rep.WriteCSV(e.stdout)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	if *late {
		fmt.Fprintf(tw, "Hồ sơ trễ hạn tháng %s\nMã hồ sơ\tĐơn vị\tNgười xử lý\tHạn\tHoàn thành\n", rep.Month)
		for _, l := range rep.Late {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Dossier, l.UnitName, l.Person, l.Deadline.Format("02/01/2006 15:04"), l.FinishedAt.Format("02/01/2006 15:04"))
		}
		return tw.Flush()
	}
	fmt.Fprintf(tw, "Báo cáo tháng %s (hạn nộp %s)\nĐơn vị\tThủ tục\tTiếp nhận\tChấp nhận\tĐúng hạn\tTrễ hạn\tGia hạn\tThư xin lỗi\tHoàn phí\n",
		rep.Month, rep.DueBy.Format("02/01/2006"))
	for _, r := range append(rep.Rows, rep.Totals) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.UnitName, r.Procedure, r.Received, r.Accepted, r.OnTime, r.Late, r.Extended, r.Apologies, r.Refunds)
	}
	return tw.Flush()
}
