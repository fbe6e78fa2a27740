package api

import (
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
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
	Closed []archiveRow
	Due    []archive.DueDossier
}

type archiveRow struct {
	dossierRow
	ClosedAt, HandedOver time.Time
}

// archivePage lists the closed dossiers of the archivist's units, which of
// them were handed over and which are due (TT 13/2023: within a year of
// closing), with an export button per dossier.
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
		if slices.Contains(units, d.Unit) {
			v.Closed = append(v.Closed, archiveRow{dossierRow: c.row(d, now), ClosedAt: d.ClosedAt, HandedOver: d.HandedOver})
		}
	}
	src := &wire.Archive{Engine: c.s.eng, Actor: dossier.System}
	for _, u := range units {
		for due, err := range archive.Due(r.Context(), src, u, now) {
			if err != nil {
				c.failed(w, r, err)
				return
			}
			v.Due = append(v.Due, due)
		}
	}
	c.render(w, r, http.StatusOK, "archive", consolePage{Title: "Xuất hồ sơ lưu trữ", Nav: "archive", Body: v})
}

// archiveExport exports one closed dossier of the archivist's unit and
// downloads the package (the hand-over is recorded).
func (c *console) archiveExport(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	d, err := c.s.eng.Dossier(r.Context(), chi.URLParam(r, "code"))
	if err != nil || !p.Sees(d) {
		c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không có hồ sơ này.")
		return
	}
	a, ok := p.Act(dossier.RoleArchivist, d.Unit)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role", "dossier": d.Code})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Chỉ lưu trữ viên của đơn vị tiếp nhận được xuất hồ sơ này.")
		return
	}
	pkg, err := c.s.exportPackage(r.Context(), d, a)
	if err != nil {
		status, msg := c.explain(r, err)
		c.message(w, r, status, "Không xuất được gói lưu trữ", msg)
		return
	}
	defer pkg.remove()
	f, err := os.Open(pkg.path)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/x-tar")
	h.Set("Content-Disposition", attachmentHeader("ho-so-"+d.Code+".tar", ""))
	h.Set("X-Kyso-Package-SHA256", pkg.res.SHA256)
	http.ServeContent(w, r, "", time.Time{}, f)
}
