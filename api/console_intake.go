package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

// homeView is the console's start page: what the user's roles can do.
type homeView struct {
	Intake, Head, Seal, Reports, Archive bool
	Recent                               []dossierRow
}

func (c *console) home(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	v := homeView{}
	for _, ru := range p.Staff.Roles {
		switch ru.Role {
		case dossier.RoleIntake:
			v.Intake = true
		case dossier.RoleHead:
			v.Head, v.Reports = true, true
		case dossier.RoleSeal:
			v.Seal = true
		case dossier.RoleArchivist:
			v.Archive, v.Reports = true, true
		case dossier.RoleAdmin:
			v.Reports = true
		}
	}
	ds, _, err := c.s.eng.List(r.Context(), dossier.Filter{Units: p.Units(), Limit: 500})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	slices.SortFunc(ds, func(a, b *dossier.Dossier) int { return b.LastEvent().At.Compare(a.LastEvent().At) })
	now := c.s.eng.Now()
	for i, d := range ds {
		if i == 30 {
			break
		}
		v.Recent = append(v.Recent, c.row(d, now))
	}
	c.render(w, r, http.StatusOK, "home", consolePage{Title: "Bảng điều khiển", Nav: "home", Body: v})
}

// dossierRow is one dossier in a queue.
type dossierRow struct {
	Code, Procedure, Applicant, Channel string
	State                               dossier.State
	Level                               int
	SubmittedAt, Updated                time.Time
	// Intake timer (submitted, received).
	IntakeDeadline time.Time
	Left           time.Duration
	Overdue        bool
	// Processing clock.
	Deadline  time.Time
	Paused    bool
	Remaining time.Duration
	Late      bool
}

func channelVN(ch string) string {
	switch ch {
	case dossier.ChannelOnline:
		return "Trực tuyến"
	case dossier.ChannelDesk:
		return "Tại quầy"
	case dossier.ChannelPost:
		return "Bưu chính"
	}
	return ch
}

func (c *console) row(d *dossier.Dossier, now time.Time) dossierRow {
	c.named(d)
	row := dossierRow{Code: d.Code, Procedure: d.ProcedureName, Applicant: d.Applicant.Name, Channel: channelVN(d.Channel),
		State: d.State, Level: d.Level, SubmittedAt: d.SubmittedAt, Updated: d.LastEvent().At,
		Deadline: d.Deadline, Paused: d.Paused, Remaining: d.Remaining, Late: d.Late}
	if row.Procedure == "" {
		row.Procedure = d.Procedure
	}
	if (d.State == dossier.StateSubmitted || d.State == dossier.StateReceived) && !d.IntakeDeadline.IsZero() {
		row.IntakeDeadline = d.IntakeDeadline
		row.Left = d.IntakeDeadline.Sub(now)
		row.Overdue = row.Left < 0
	}
	if !d.Deadline.IsZero() && now.After(d.Deadline) && !d.State.Final() {
		row.Late = true
	}
	return row
}

type intakeView struct {
	Waiting  []dossierRow // submitted, received: the one-hour window
	Accepted []dossierRow // accepted, to transfer
	Return   []dossierRow // ready for return
	Other    []dossierRow // supplement requested
	Now      time.Time
}

// intakeQueue lists the dossiers of the user's intake units.
func (c *console) intakeQueue(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	units := unitsWith(p, dossier.RoleIntake)
	if len(units) == 0 {
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Hàng đợi tiếp nhận dành cho cán bộ tiếp nhận (Bộ phận Một cửa).")
		return
	}
	ds, _, err := c.s.eng.List(r.Context(), dossier.Filter{Units: units, Limit: 500,
		States: []dossier.State{dossier.StateSubmitted, dossier.StateReceived, dossier.StateAccepted, dossier.StateReady, dossier.StateSupplement}})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	now := c.s.eng.Now()
	v := intakeView{Now: now}
	for _, d := range ds {
		if !slices.Contains(units, d.Unit) {
			continue
		}
		row := c.row(d, now)
		switch d.State {
		case dossier.StateSubmitted, dossier.StateReceived:
			v.Waiting = append(v.Waiting, row)
		case dossier.StateAccepted:
			v.Accepted = append(v.Accepted, row)
		case dossier.StateReady:
			v.Return = append(v.Return, row)
		default:
			if d.Stage() == dossier.StageIntake {
				v.Other = append(v.Other, row)
			}
		}
	}
	slices.SortFunc(v.Waiting, func(a, b dossierRow) int { return a.IntakeDeadline.Compare(b.IntakeDeadline) })
	c.render(w, r, http.StatusOK, "intake", consolePage{Title: "Hàng đợi tiếp nhận", Nav: "intake", Body: v})
}

// deskView is the form receiving a dossier at the desk.
type deskView struct {
	Units      []dossier.Unit
	Procedures []procedureView
	Form       deskForm
}

type procedureView struct {
	Code, Name string
	Levels     []int
	Profile    string
	Components []dossier.Component
}

type deskForm struct {
	Unit, Procedure, Channel       string
	Level                          int
	Name, IDNumber, Address, Phone string
	Email, Kind                    string
}

func (c *console) deskView(r *http.Request, f deskForm) (deskView, error) {
	p := principalFrom(r.Context())
	units := unitsWith(p, dossier.RoleIntake)
	v := deskView{Form: f}
	seen := map[string]bool{}
	for _, code := range units {
		u, err := c.s.eng.Unit(r.Context(), code)
		if err != nil {
			return v, err
		}
		v.Units = append(v.Units, u)
		if seen[u.Profile] {
			continue
		}
		seen[u.Profile] = true
		prof, err := c.s.eng.Profiles().Profile(u.Profile)
		if err != nil {
			return v, err
		}
		for _, pr := range prof.Procedures {
			v.Procedures = append(v.Procedures, procedureView{Code: pr.Code, Name: pr.Name, Levels: pr.Levels, Profile: prof.ID, Components: pr.Components})
		}
	}
	return v, nil
}

func (c *console) deskForm(w http.ResponseWriter, r *http.Request) {
	v, err := c.deskView(r, deskForm{Channel: dossier.ChannelDesk, Level: 2})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	if len(v.Units) == 0 {
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Tiếp nhận hồ sơ tại quầy dành cho cán bộ tiếp nhận.")
		return
	}
	c.render(w, r, http.StatusOK, "desk", consolePage{Title: "Tiếp nhận hồ sơ tại quầy", Nav: "intake", Body: v})
}

// deskSubmit receives a dossier at the desk (or by post) through the
// engine, then goes on to digitize its papers.
func (c *console) deskSubmit(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	level, _ := strconv.Atoi(f.Get("level"))
	form := deskForm{Unit: f.Get("unit"), Procedure: f.Get("procedure"), Channel: f.Get("channel"), Level: level,
		Name: strings.TrimSpace(f.Get("name")), IDNumber: strings.TrimSpace(f.Get("id_number")), Address: strings.TrimSpace(f.Get("address")),
		Phone: strings.TrimSpace(f.Get("phone")), Email: strings.TrimSpace(f.Get("email")), Kind: f.Get("kind")}
	again := func(status int, msg string) {
		v, err := c.deskView(r, form)
		if err != nil {
			c.failed(w, r, err)
			return
		}
		c.render(w, r, status, "desk", consolePage{Title: "Tiếp nhận hồ sơ tại quầy", Nav: "intake", Error: msg, Body: v})
	}
	p := principalFrom(r.Context())
	actor, ok := p.Act(dossier.RoleIntake, form.Unit)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		again(http.StatusForbidden, "Bạn không phải cán bộ tiếp nhận của đơn vị này.")
		return
	}
	if form.Channel != dossier.ChannelDesk && form.Channel != dossier.ChannelPost {
		again(http.StatusUnprocessableEntity, "Hình thức tiếp nhận phải là tại quầy hoặc qua bưu chính.")
		return
	}
	if form.Name == "" || form.IDNumber == "" {
		again(http.StatusUnprocessableEntity, "Hãy nhập họ tên và số định danh (CCCD hoặc mã số thuế) của người nộp.")
		return
	}
	kind := ""
	if form.Kind == "organisation" {
		kind = "organisation"
	}
	d, err := c.s.eng.Submit(r.Context(), actor, dossier.Application{Unit: form.Unit, Procedure: form.Procedure, Level: form.Level,
		Channel: form.Channel, Applicant: dossier.Applicant{Name: form.Name, Kind: kind, IDNumber: form.IDNumber, Address: form.Address,
			Phone: form.Phone, Email: form.Email}})
	if err != nil {
		_, msg := c.explain(r, err)
		again(http.StatusUnprocessableEntity, msg)
		return
	}
	back(w, r, "/console/dossiers/"+d.Code+"/digitize", "received")
}

// parseForm parses a URL-encoded form of a bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Biểu mẫu không hợp lệ.", http.StatusBadRequest)
		return false
	}
	return true
}
