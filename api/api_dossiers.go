package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
)

type submitRequest struct {
	Unit      string            `json:"unit"`
	Procedure string            `json:"procedure"`
	Level     int               `json:"level"`
	Channel   string            `json:"channel"` // online (portal), desk or post (intake staff)
	Applicant dossier.Applicant `json:"applicant"`
}

type reasonRequest struct {
	Reason string `json:"reason,omitempty"`
}

type supplementRequest struct {
	Items         []string `json:"items"`
	Reason        string   `json:"reason,omitempty"`
	WrongGuidance bool     `json:"wrong_guidance,omitempty"`
	Letter        int64    `json:"letter,omitempty"` // lineage of the signed apology letter (second request)
}

type transferRequest struct {
	To         string `json:"to"`                    // agency code
	StepResult int64  `json:"step_result,omitempty"` // chains: lineage of the current step's signed result
}

type extendRequest struct {
	NewDeadline time.Time `json:"new_deadline"`
	Letter      int64     `json:"letter"` // lineage of the signed apology letter
}

type documentRef struct {
	Document int64 `json:"document"` // lineage
}

type originalsRequest struct {
	Match bool   `json:"match"`
	Note  string `json:"note,omitempty"`
}

type feeRequest struct {
	Amount  int64  `json:"amount"` // đồng
	Receipt string `json:"receipt,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

type letterRequest struct {
	Kind           string    `json:"kind"`
	Reason         string    `json:"reason,omitempty"`
	Items          []string  `json:"items,omitempty"`
	NewAppointment time.Time `json:"new_appointment,omitzero"`
}

type letterDraft struct {
	Document        *dossier.DocumentVersion `json:"document"`
	SigningRequests []dossier.SigningRequest `json:"signing_requests"`
}

type dossierPage struct {
	Dossiers   []*dossier.Dossier `json:"dossiers"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// Cursors are opaque to clients: base64url of a tagged key.
func encodeCursor(kind, key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + key))
}

func decodeCursor(kind, c string) (string, bool) {
	if c == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	k, key, ok := strings.Cut(string(b), ":")
	return key, err == nil && ok && k == kind
}

func pageLimit(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "limit: want 1–500"})
		return 0, false
	}
	return n, true
}

func (s *Server) listDossiers(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	after, ok := decodeCursor("d", r.URL.Query().Get("cursor"))
	if !ok {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "cursor: not one this server issued"})
		return
	}
	limit, ok := pageLimit(w, r)
	if !ok {
		return
	}
	f := dossier.Filter{After: after, Limit: limit}
	for _, st := range r.URL.Query()["state"] {
		f.States = append(f.States, dossier.State(st))
	}
	if !p.Portal {
		if f.Units = p.Units(); len(f.Units) == 0 {
			writeJSON(w, http.StatusOK, dossierPage{Dossiers: []*dossier.Dossier{}})
			return
		}
	}
	ds, next, err := s.eng.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := dossierPage{Dossiers: []*dossier.Dossier{}, NextCursor: encodeCursor("d", next)}
	for _, d := range ds {
		if p.Sees(d) {
			out.Dossiers = append(out.Dossiers, d)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// dossierFor loads the route's dossier, answering 404 when it does not
// exist or the principal may not see it (the same answer: no existence
// leak; the second is recorded as a denial).
func (s *Server) dossierFor(w http.ResponseWriter, r *http.Request, code string) (*dossier.Dossier, bool) {
	d, err := s.eng.Dossier(r.Context(), code)
	if errors.Is(err, dossier.ErrNotFound) {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such dossier"})
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if !principalFrom(r.Context()).Sees(d) {
		s.deny(w, r, http.StatusNotFound, "not-visible", "no such dossier")
		return nil, false
	}
	return d, true
}

// actorFor picks the principal's actor for a step: one of roles held in
// one of units, the portal acting as the applicant when citizen is
// allowed. Else a 403 (recorded).
func (s *Server) actorFor(w http.ResponseWriter, r *http.Request, d *dossier.Dossier, citizen bool, roles []dossier.Role, units ...string) (dossier.Actor, bool) {
	p := principalFrom(r.Context())
	if p.Portal {
		if citizen && d.Applicant.Account != "" {
			return dossier.Actor{Username: d.Applicant.Account, Role: dossier.RoleCitizen}, true
		}
	} else if a, ok := p.ActIn(roles, units...); ok {
		return a, true
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	s.deny(w, r, http.StatusForbidden, "role", "this step needs the role "+strings.Join(names, " or ")+" in "+strings.Join(nonEmpty(units), " or "))
	return dossier.Actor{}, false
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// done writes the engine's answer: the dossier, or the problem for err
// (a refusal for role or unit by the engine is recorded as a denial).
func (s *Server) done(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		if errors.Is(err, dossier.ErrForbidden) {
			s.deny(w, r, http.StatusForbidden, "engine", err.Error())
			return
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.dossierFor(w, r, chi.URLParam(r, "code")); ok {
		writeJSON(w, http.StatusOK, d)
	}
}

func (s *Server) submitDossier(w http.ResponseWriter, r *http.Request) {
	var req submitRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	p := principalFrom(r.Context())
	var actor dossier.Actor
	switch {
	case p.Portal:
		if !p.HasScope(ScopeDossiersSubmit) || req.Channel != dossier.ChannelOnline {
			s.deny(w, r, http.StatusForbidden, "role", "the portal submits online dossiers with the scope dossiers:submit")
			return
		}
		if strings.TrimSpace(req.Applicant.Account) == "" {
			writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: "applicant.account (the VNeID/portal account) is required online"})
			return
		}
		actor = dossier.Actor{Username: req.Applicant.Account, Role: dossier.RoleCitizen}
	default:
		a, ok := p.Act(dossier.RoleIntake, req.Unit)
		if !ok || req.Channel == dossier.ChannelOnline || !p.HasScope(ScopeDossiersWrite) {
			s.deny(w, r, http.StatusForbidden, "role", "desk and postal submissions are received by intake staff of the receiving unit; online ones come through the portal")
			return
		}
		actor = a
	}
	d, err := s.eng.Submit(r.Context(), actor, dossier.Application{Unit: req.Unit, Procedure: req.Procedure, Level: req.Level,
		Channel: req.Channel, Applicant: req.Applicant})
	s.done(w, r, http.StatusCreated, d, err)
}

var (
	rolesIntake     = []dossier.Role{dossier.RoleIntake}
	rolesProcessing = []dossier.Role{dossier.RoleSpecialist, dossier.RoleHead}
	rolesAgency     = []dossier.Role{dossier.RoleSpecialist, dossier.RoleHead, dossier.RoleSeal}
	rolesStaff      = []dossier.Role{dossier.RoleIntake, dossier.RoleSpecialist, dossier.RoleHead, dossier.RoleSeal}
)

// stepHandler is the shape of every step: load, authorise, decode, run.
func (s *Server) stepHandler(in func() any, who func(d *dossier.Dossier) (citizen bool, roles []dossier.Role, units []string),
	run func(r *http.Request, d *dossier.Dossier, a dossier.Actor, body any) (*dossier.Dossier, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
		if !ok {
			return
		}
		citizen, roles, units := who(d)
		a, ok := s.actorFor(w, r, d, citizen, roles, units...)
		if !ok {
			return
		}
		var body any
		if in != nil {
			body = in()
			if !decodeJSON(w, r, body) {
				return
			}
		}
		nd, err := run(r, d, a, body)
		s.done(w, r, http.StatusOK, nd, err)
	}
}

func atIntake(d *dossier.Dossier) (bool, []dossier.Role, []string) {
	return false, rolesIntake, []string{d.Unit}
}

func (s *Server) acceptDossier(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &reasonRequest{} }, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		return s.eng.Accept(r.Context(), d.Code, a, b.(*reasonRequest).Reason)
	})(w, r)
}

func byStage(d *dossier.Dossier) (bool, []dossier.Role, []string) {
	if d.Stage() == dossier.StageIntake {
		return atIntake(d)
	}
	return false, rolesProcessing, []string{d.ProcessingUnit}
}

func (s *Server) requestSupplement(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &supplementRequest{} }, byStage, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*supplementRequest)
		return s.eng.RequestSupplement(r.Context(), d.Code, a, dossier.SupplementRequest{Items: q.Items, Reason: q.Reason, WrongGuidance: q.WrongGuidance, Letter: q.Letter})
	})(w, r)
}

func (s *Server) rejectDossier(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &reasonRequest{} }, byStage, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		return s.eng.Reject(r.Context(), d.Code, a, b.(*reasonRequest).Reason)
	})(w, r)
}

func (s *Server) transferDossier(w http.ResponseWriter, r *http.Request) {
	who := func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
		if d.State == dossier.StateProcessing {
			return false, rolesAgency, []string{d.ProcessingUnit}
		}
		return atIntake(d)
	}
	s.stepHandler(func() any { return &transferRequest{} }, who, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*transferRequest)
		return s.eng.Transfer(r.Context(), d.Code, a, q.To, q.StepResult)
	})(w, r)
}

func atAgency(roles []dossier.Role) func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
	return func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
		return false, roles, []string{d.ProcessingUnit}
	}
}

func (s *Server) extendDossier(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &extendRequest{} }, atAgency(rolesProcessing), func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*extendRequest)
		return s.eng.Extend(r.Context(), d.Code, a, q.NewDeadline, q.Letter)
	})(w, r)
}

func (s *Server) recordResult(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &documentRef{} }, atAgency(rolesAgency), func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		return s.eng.RecordResult(r.Context(), d.Code, a, b.(*documentRef).Document)
	})(w, r)
}

func (s *Server) readyForReturn(w http.ResponseWriter, r *http.Request) {
	who := func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
		return false, []dossier.Role{dossier.RoleSpecialist, dossier.RoleSeal, dossier.RoleIntake}, []string{d.ProcessingUnit, d.Unit}
	}
	s.stepHandler(nil, who, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, _ any) (*dossier.Dossier, error) {
		return s.eng.ReadyForReturn(r.Context(), d.Code, a)
	})(w, r)
}

func (s *Server) checkOriginals(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &originalsRequest{} }, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*originalsRequest)
		return s.eng.CheckOriginals(r.Context(), d.Code, a, q.Match, q.Note)
	})(w, r)
}

func (s *Server) payFee(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &feeRequest{} }, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*feeRequest)
		return s.eng.PayFee(r.Context(), d.Code, a, q.Amount, q.Receipt)
	})(w, r)
}

func (s *Server) refundFee(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(func() any { return &feeRequest{} }, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, b any) (*dossier.Dossier, error) {
		q := b.(*feeRequest)
		return s.eng.RefundFee(r.Context(), d.Code, a, q.Amount, q.Reason)
	})(w, r)
}

func (s *Server) returnResult(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(nil, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, _ any) (*dossier.Dossier, error) {
		return s.eng.Return(r.Context(), d.Code, a)
	})(w, r)
}

func (s *Server) voidDossier(w http.ResponseWriter, r *http.Request) {
	s.stepHandler(nil, atIntake, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, _ any) (*dossier.Dossier, error) {
		return s.eng.Void(r.Context(), d.Code, a)
	})(w, r)
}

func staffOfDossier(d *dossier.Dossier) (bool, []dossier.Role, []string) {
	return false, rolesStaff, []string{d.Unit, d.ProcessingUnit}
}

func (s *Server) draftLetter(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	_, roles, units := staffOfDossier(d)
	a, ok := s.actorFor(w, r, d, false, roles, units...)
	if !ok {
		return
	}
	var q letterRequest
	if !decodeJSON(w, r, &q) {
		return
	}
	v, reqs, err := s.eng.DraftLetter(r.Context(), d.Code, a, dossier.LetterRequest{Kind: q.Kind, Reason: q.Reason, Items: q.Items, NewAppointment: q.NewAppointment})
	if reqs == nil {
		reqs = []dossier.SigningRequest{}
	}
	s.done(w, r, http.StatusCreated, letterDraft{Document: v, SigningRequests: reqs}, err)
}

func (s *Server) issueLetter(w http.ResponseWriter, r *http.Request) {
	lineage, err := strconv.ParseInt(chi.URLParam(r, "lineage"), 10, 64)
	if err != nil {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such letter"})
		return
	}
	s.stepHandler(nil, staffOfDossier, func(r *http.Request, d *dossier.Dossier, a dossier.Actor, _ any) (*dossier.Dossier, error) {
		return s.eng.IssueLetter(r.Context(), d.Code, a, lineage)
	})(w, r)
}

// notImplemented answers 501 for documented routes whose engine part is
// not there yet.
func notImplemented(w http.ResponseWriter, r *http.Request, what string) {
	writeProblem(w, r, Problem{Type: problemBase + "not-implemented", Status: http.StatusNotImplemented, Detail: what + " is not implemented yet"})
}

func (s *Server) exportDossier(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	a, ok := s.actorFor(w, r, d, false, []dossier.Role{dossier.RoleArchivist}, d.Unit)
	if !ok {
		return
	}
	pkg, err := s.exportPackage(r.Context(), d, a)
	switch {
	case errors.Is(err, archive.ErrNotLTA), errors.Is(err, wire.ErrNotClosed):
		writeProblem(w, r, Problem{Type: problemBase + "export-refused", Status: http.StatusConflict, Detail: err.Error()})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	defer pkg.remove()
	path, res := pkg.path, pkg.res
	f, err := os.Open(path)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/x-tar")
	h.Set("Content-Disposition", attachmentHeader("ho-so-"+d.Code+".tar", ""))
	h.Set("X-Kyso-Package-SHA256", res.SHA256)
	http.ServeContent(w, r, "", time.Time{}, f)
}

// exported is a package written to a temporary directory.
type exported struct {
	path string
	res  *archive.ExportResult
	dir  string
}

func (e *exported) remove() { os.RemoveAll(e.dir) }

// exportPackage exports the closed dossier d as a BagIt package (its
// signed documents brought to B-LTA first) and records the hand-over, as
// actor (the unit's archivist).
func (s *Server) exportPackage(ctx context.Context, d *dossier.Dossier, actor dossier.Actor) (*exported, error) {
	if !d.State.Final() {
		return nil, fmt.Errorf("%w: %s is %s; only closed dossiers are handed over to the archive", wire.ErrNotClosed, d.Code, d.State)
	}
	dir, err := os.MkdirTemp("", "kyso-export-*")
	if err != nil {
		return nil, err
	}
	src := &wire.Archive{Engine: s.eng, Actor: actor}
	pkg := &exported{path: filepath.Join(dir, "ho-so-"+d.Code+".tar"), dir: dir}
	opts := archive.ExportOptions{Source: src, Evidence: archive.LogEvidence(s.log, s.log.VerifierKey()),
		Select: archive.Selection{Codes: []string{d.Code}}, Trust: s.cfg.Trust, Software: "kyso", Logger: s.logger}
	if u, err := s.eng.Unit(ctx, d.Unit); err == nil {
		opts.Organization = u.Name
	}
	if s.cfg.TSA != nil {
		opts.LTA = &archive.LTAOptions{Store: src, Extend: signer.ExtendOptions{TSA: s.cfg.TSA, HTTPClient: s.cfg.HTTPClient}}
	}
	if pkg.res, err = archive.Export(ctx, pkg.path, opts); err != nil {
		pkg.remove()
		s.logger.ErrorContext(ctx, "archive export failed", "dossier", d.Code, "err", err)
		return nil, err
	}
	if err := src.HandOver(ctx, pkg.res.Dossiers, pkg.res.SHA256); err != nil {
		pkg.remove()
		return nil, err
	}
	return pkg, nil
}

// monthlyReport is the monthly report (QĐ 03/2020 Đ24) of the units the
// principal holds a head, archivist or admin role in (unit= narrows it to
// some of them; another unit is refused), as JSON or CSV (format=csv;
// late=true: the list of dossiers finished late).
func (s *Server) monthlyReport(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	var mine []string
	if p.Staff != nil {
		for _, ru := range p.Staff.Roles {
			if (ru.Role == dossier.RoleHead || ru.Role == dossier.RoleArchivist || ru.Role == dossier.RoleAdmin) && !slices.Contains(mine, ru.Unit) {
				mine = append(mine, ru.Unit)
			}
		}
	}
	if len(mine) == 0 {
		s.deny(w, r, http.StatusForbidden, "role", "reports are for heads, archivists and admins")
		return
	}
	q := r.URL.Query()
	month, err := time.ParseInLocation("2006-01", q.Get("month"), time.FixedZone("ICT", 7*3600))
	if err != nil {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "month: want YYYY-MM"})
		return
	}
	units := mine
	if asked := q["unit"]; len(asked) > 0 {
		for _, u := range asked {
			if !slices.Contains(mine, u) {
				s.deny(w, r, http.StatusForbidden, "role", "you hold no head, archivist or admin role in "+u)
				return
			}
		}
		units = asked
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "format: json or csv"})
		return
	}
	rep, err := s.eng.MonthlyReport(r.Context(), month.AddDate(0, 0, 14), units)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", attachmentHeader("bao-cao-"+rep.Month+".csv", ""))
		if q.Get("late") == "true" {
			err = rep.WriteLateCSV(w)
		} else {
			err = rep.WriteCSV(w)
		}
		if err != nil {
			s.logger.ErrorContext(r.Context(), "report CSV", "err", err)
		}
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func slicesHasRole(p *Principal, roles ...dossier.Role) bool {
	if p == nil || p.Staff == nil {
		return false
	}
	for _, ru := range p.Staff.Roles {
		for _, r := range roles {
			if ru.Role == r {
				return true
			}
		}
	}
	return false
}
