package dossier

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/kyso-vn/kyso/storage"
)

// A MonthlyReport counts, per unit and procedure, what happened in one
// month (QĐ 03/2020 Đ24): dossiers received, accepted, finished on time or
// late, extended, apology letters issued, fees refunded. Intake counts go
// to the receiving unit, processing counts to the deciding agency.
type MonthlyReport struct {
	Month       string      `json:"month"` // YYYY-MM
	From        time.Time   `json:"from"`
	To          time.Time   `json:"to"`
	DueBy       time.Time   `json:"due_by"` // the report is due by this day of the next month
	GeneratedAt time.Time   `json:"generated_at"`
	Rows        []ReportRow `json:"rows"`
	Totals      ReportRow   `json:"totals"`
	Late        []LateEntry `json:"late"` // the public list of late units and persons (Cao Bằng)
}

// ReportRow is one unit × procedure of a report.
type ReportRow struct {
	Unit          string `json:"unit"`
	UnitName      string `json:"unit_name"`
	Procedure     string `json:"procedure"`
	ProcedureName string `json:"procedure_name"`
	Received      int    `json:"received"`
	Accepted      int    `json:"accepted"`
	Rejected      int    `json:"rejected"`
	Finished      int    `json:"finished"` // results signed in the month
	OnTime        int    `json:"on_time"`
	Late          int    `json:"late"`
	Extended      int    `json:"extended"`
	Apologies     int    `json:"apology_letters"`
	Refunds       int    `json:"fees_refunded"`
	RefundAmount  int64  `json:"fees_refunded_amount"`
	Returned      int    `json:"returned"`
	Cancelled     int    `json:"cancelled"`
	Void          int    `json:"void"`
}

// LateEntry is one dossier finished late, with the unit and the person who
// handled it.
type LateEntry struct {
	Dossier    string    `json:"dossier"`
	Procedure  string    `json:"procedure"`
	Unit       string    `json:"unit"`
	UnitName   string    `json:"unit_name"`
	Person     string    `json:"person"` // full name of the handling specialist
	Username   string    `json:"username"`
	Deadline   time.Time `json:"deadline"`
	FinishedAt time.Time `json:"finished_at"`
	Extended   bool      `json:"extended"`
}

// MonthlyReport computes the report of the month containing month, for
// the given units (empty: every unit).
func (e *Engine) MonthlyReport(ctx context.Context, month time.Time, units []string) (*MonthlyReport, error) {
	m := month.In(vietnam)
	from := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, vietnam)
	to := from.AddDate(0, 1, 0)
	rep := &MonthlyReport{Month: from.Format("2006-01"), From: from, To: to, GeneratedAt: e.clock(), Late: []LateEntry{}}
	rows := map[[2]string]*ReportRow{}
	names := map[string]string{}
	staffNames := map[string]string{}
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rs, err := tx.Query(ctx, `SELECT DISTINCT d.code FROM dossier_events ev JOIN dossiers d ON d.id = ev.dossier_id
			WHERE ev.at >= $1 AND ev.at < $2 ORDER BY d.code`, storage.FormatTime(from), storage.FormatTime(to))
		if err != nil {
			return err
		}
		var codes []string
		for rs.Next() {
			var c string
			if err := rs.Scan(&c); err != nil {
				rs.Close()
				return err
			}
			codes = append(codes, c)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		unitName := func(code string) string {
			if n, ok := names[code]; ok {
				return n
			}
			u, err := unitTx(ctx, tx, code)
			if err != nil {
				return ""
			}
			names[code] = u.Name
			return u.Name
		}
		personName := func(username string) string {
			if n, ok := staffNames[username]; ok {
				return n
			}
			s, err := staffTx(ctx, tx, username)
			if err != nil {
				return username
			}
			staffNames[username] = s.FullName
			return s.FullName
		}
		for _, code := range codes {
			d, err := loadDossier(ctx, tx, code)
			if err != nil {
				return err
			}
			p, _ := e.profiles.Profile(d.Profile)
			if p != nil && rep.DueBy.IsZero() {
				rep.DueBy = time.Date(to.Year(), to.Month(), p.MonthlyReportDay, 17, 0, 0, 0, vietnam)
			}
			row := func(unit string) *ReportRow {
				if len(units) > 0 && !slices.Contains(units, unit) {
					return nil
				}
				k := [2]string{unit, d.Procedure}
				r := rows[k]
				if r == nil {
					r = &ReportRow{Unit: unit, UnitName: unitName(unit), Procedure: d.Procedure}
					if p != nil {
						if pr, err := p.Procedure(d.Procedure); err == nil {
							r.ProcedureName = pr.Name
						}
					}
					rows[k] = r
				}
				return r
			}
			in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
			deciding := d.Unit // the agency the dossier ended at, or the receiving unit
			deadline := time.Time{}
			for _, ev := range d.Events {
				if ev.Kind == KindTransfer {
					deciding = ev.Data.Unit
				}
				if ev.Data.Deadline != nil {
					deadline = *ev.Data.Deadline
				}
				if !in(ev.At) {
					continue
				}
				var r *ReportRow
				switch ev.Kind {
				case KindSubmitted, KindAccepted:
					r = row(d.Unit)
				default:
					r = row(deciding)
				}
				if r == nil {
					continue
				}
				switch ev.Kind {
				case KindSubmitted:
					r.Received++
				case KindAccepted:
					r.Accepted++
				case KindRejected:
					r.Rejected++
				case KindExtended:
					r.Extended++
					r.Apologies++
				case KindSupplement:
					if ev.Data.Letter != 0 {
						r.Apologies++
					}
				case KindLetter:
					if ev.Data.LetterKind == LetterLateApology {
						r.Apologies++
					}
				case KindFeeRefund:
					r.Refunds++
					r.RefundAmount += ev.Data.Amount
				case KindReturned:
					r.Returned++
				case KindCancelled:
					r.Cancelled++
				case KindVoid:
					r.Void++
				case KindResult:
					r.Finished++
					if ev.Data.Late || d.Extensions > 0 {
						r.Late++
						rep.Late = append(rep.Late, LateEntry{Dossier: d.Code, Procedure: d.Procedure, Unit: deciding, UnitName: unitName(deciding),
							Person: personName(handler(d, deciding)), Username: handler(d, deciding), Deadline: deadline, FinishedAt: ev.At,
							Extended: d.Extensions > 0})
					} else {
						r.OnTime++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
		t := &rep.Totals
		t.Received += r.Received
		t.Accepted += r.Accepted
		t.Rejected += r.Rejected
		t.Finished += r.Finished
		t.OnTime += r.OnTime
		t.Late += r.Late
		t.Extended += r.Extended
		t.Apologies += r.Apologies
		t.Refunds += r.Refunds
		t.RefundAmount += r.RefundAmount
		t.Returned += r.Returned
		t.Cancelled += r.Cancelled
		t.Void += r.Void
	}
	rep.Totals.Unit, rep.Totals.UnitName = "*", "Tổng cộng"
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Unit != b.Unit {
			return a.Unit < b.Unit
		}
		return a.Procedure < b.Procedure
	})
	if rep.DueBy.IsZero() {
		rep.DueBy = time.Date(to.Year(), to.Month(), 20, 17, 0, 0, 0, vietnam)
	}
	return rep, nil
}

// handler is the staff member who last acted on the dossier at unit.
func handler(d *Dossier, unit string) string {
	for i := len(d.Events) - 1; i >= 0; i-- {
		ev := d.Events[i]
		if ev.Unit == unit && ev.Role == RoleSpecialist {
			return ev.Actor
		}
	}
	for i := len(d.Events) - 1; i >= 0; i-- {
		if d.Events[i].Unit == unit {
			return d.Events[i].Actor
		}
	}
	return ""
}

// WriteCSV writes the report's rows and totals as CSV (UTF-8 with a BOM, so
// spreadsheet programs read the Vietnamese names right).
func (r *MonthlyReport) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"thang", "ma_don_vi", "ten_don_vi", "ma_thu_tuc", "ten_thu_tuc", "tiep_nhan", "chap_nhan", "tu_choi",
		"da_giai_quyet", "dung_han", "tre_han", "gia_han", "thu_xin_loi", "hoan_phi_so_ho_so", "hoan_phi_so_tien", "da_tra", "huy", "het_hieu_luc"})
	for _, row := range append(r.Rows, r.Totals) {
		cw.Write([]string{r.Month, row.Unit, row.UnitName, row.Procedure, row.ProcedureName, itoa(row.Received), itoa(row.Accepted),
			itoa(row.Rejected), itoa(row.Finished), itoa(row.OnTime), itoa(row.Late), itoa(row.Extended), itoa(row.Apologies),
			itoa(row.Refunds), strconv.FormatInt(row.RefundAmount, 10), itoa(row.Returned), itoa(row.Cancelled), itoa(row.Void)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteLateCSV writes the public list of late units and persons.
func (r *MonthlyReport) WriteLateCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"thang", "ma_ho_so", "ma_thu_tuc", "ma_don_vi", "ten_don_vi", "nguoi_xu_ly", "han_giai_quyet", "ngay_hoan_thanh", "gia_han"})
	for _, l := range r.Late {
		cw.Write([]string{r.Month, l.Dossier, l.Procedure, l.Unit, l.UnitName, l.Person, l.Deadline.In(vietnam).Format(time.RFC3339),
			l.FinishedAt.In(vietnam).Format(time.RFC3339), strconv.FormatBool(l.Extended)})
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }
