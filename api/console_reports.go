package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

// reportUnits: the units a user's report covers (admins: every unit), or
// false when their roles see no reports (heads, archivists, admins do).
func reportUnits(p *Principal) ([]string, bool) {
	if len(unitsWith(p, dossier.RoleAdmin)) > 0 {
		return nil, true
	}
	units := unitsWith(p, dossier.RoleHead, dossier.RoleArchivist)
	return units, len(units) > 0
}

type reportView struct {
	Month    string
	Report   *dossier.MonthlyReport
	JSONLink string
	CSVLink  string
	LateLink string
}

func (c *console) reportMonth(r *http.Request) (time.Time, string) {
	m := r.URL.Query().Get("month")
	t, err := time.ParseInLocation("2006-01", m, c.zone)
	if err != nil {
		t = c.s.eng.Now()
		m = t.Format("2006-01")
	}
	return t, m
}

// reports shows the monthly report (QĐ 03/2020 Đ24) of the user's units
// and the list of late dossiers.
func (c *console) reports(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	units, ok := reportUnits(p)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Báo cáo dành cho lãnh đạo, lưu trữ viên và quản trị hệ thống.")
		return
	}
	t, m := c.reportMonth(r)
	rep, err := c.s.eng.MonthlyReport(r.Context(), t, units)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	q := "?month=" + m
	c.render(w, r, http.StatusOK, "reports", consolePage{Title: "Báo cáo tháng " + m, Nav: "reports", Body: reportView{Month: m, Report: rep,
		JSONLink: "/console/reports/monthly.json" + q, CSVLink: "/console/reports/monthly.csv" + q, LateLink: "/console/reports/monthly.late.csv" + q}})
}

// reportDownload serves the report as JSON or CSV (monthly.late.csv: the
// late list).
func (c *console) reportDownload(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	units, ok := reportUnits(p)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Báo cáo dành cho lãnh đạo, lưu trữ viên và quản trị hệ thống.")
		return
	}
	t, m := c.reportMonth(r)
	rep, err := c.s.eng.MonthlyReport(r.Context(), t, units)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	switch chi.URLParam(r, "format") {
	case "json":
		w.Header().Set("Content-Disposition", `attachment; filename="bao-cao-`+m+`.json"`)
		writeJSON(w, http.StatusOK, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="bao-cao-`+m+`.csv"`)
		rep.WriteCSV(w)
	case "late.csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="tre-han-`+m+`.csv"`)
		rep.WriteLateCSV(w)
	default:
		http.NotFound(w, r)
	}
}

type archiveView struct {
	Closed []dossierRow
}

// archivePage lists closed dossiers for archivists. The export itself
// (package archive, BagIt packages) is not on this branch yet: the page
// says so.
func (c *console) archivePage(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	units := unitsWith(p, dossier.RoleArchivist)
	if len(units) == 0 {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Xuất hồ sơ lưu trữ dành cho lưu trữ viên.")
		return
	}
	ds, _, err := c.s.eng.List(r.Context(), dossier.Filter{Units: units, Limit: 500,
		States: []dossier.State{dossier.StateReturned, dossier.StateRejected, dossier.StateCancelled, dossier.StateVoid}})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	v := archiveView{}
	now := c.s.eng.Now()
	for _, d := range ds {
		v.Closed = append(v.Closed, c.row(d, now))
	}
	c.render(w, r, http.StatusOK, "archive", consolePage{Title: "Xuất hồ sơ lưu trữ", Nav: "archive", Body: v})
}
