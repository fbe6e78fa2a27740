package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

// eventKindVN names an event kind for the history.
func eventKindVN(kind string) string {
	switch kind {
	case dossier.KindSubmitted:
		return "Nộp / tiếp nhận hồ sơ"
	case dossier.KindAccepted:
		return "Tiếp nhận hồ sơ hợp lệ"
	case dossier.KindSupplement:
		return "Yêu cầu bổ sung, hoàn thiện"
	case dossier.KindSupplied:
		return "Bổ sung hồ sơ"
	case dossier.KindRejected:
		return "Từ chối"
	case dossier.KindTransfer:
		return "Chuyển cơ quan giải quyết"
	case dossier.KindExtended:
		return "Gia hạn giải quyết"
	case dossier.KindResult:
		return "Ghi nhận kết quả đã ký"
	case dossier.KindReady:
		return "Chuyển trả kết quả"
	case dossier.KindOriginals:
		return "Đối chiếu bản gốc"
	case dossier.KindFeePaid:
		return "Thu phí, lệ phí"
	case dossier.KindFeeRefund:
		return "Hoàn trả phí, lệ phí"
	case dossier.KindLetter:
		return "Gửi văn bản đã ký"
	case dossier.KindReturned:
		return "Trả kết quả"
	case dossier.KindCancelled:
		return "Hủy kết quả"
	case dossier.KindVoid:
		return "Hồ sơ điện tử hết hiệu lực"
	case "document_added":
		return "Thêm văn bản"
	case "document_reused":
		return "Sử dụng lại thành phần đã số hóa"
	case "letter_drafted":
		return "Soạn văn bản"
	case "verification_code":
		return "Cấp mã tra cứu"
	}
	return kind
}

// docRoleVN names a document role.
func docRoleVN(role string) string {
	switch role {
	case dossier.DocComponent:
		return "Thành phần hồ sơ"
	case dossier.DocSupplement:
		return "Hồ sơ bổ sung"
	case dossier.DocReceipt:
		return "Giấy tiếp nhận và hẹn trả kết quả"
	case dossier.DocGuidance:
		return "Phiếu yêu cầu bổ sung"
	case dossier.DocRefusal:
		return "Phiếu từ chối"
	case dossier.DocApology:
		return "Phiếu xin lỗi"
	case dossier.DocControl:
		return "Phiếu kiểm soát"
	case dossier.DocStepResult:
		return "Kết quả bước liên thông"
	case dossier.DocResult:
		return "Kết quả giải quyết"
	case dossier.DocWorking:
		return "Văn bản xử lý"
	}
	return role
}

// sourceVN names a document source (QĐ 03/2020 Đ8).
func sourceVN(src string) string {
	switch src {
	case dossier.SourceAccount:
		return "Dữ liệu tài khoản đã xác thực"
	case dossier.SourceCitizen:
		return "Công dân số hóa khi nộp trực tuyến"
	case dossier.SourceDesk:
		return "Số hóa tại Bộ phận Một cửa"
	case dossier.SourceAgency:
		return "Số hóa tại cơ quan giải quyết"
	case dossier.SourceResult:
		return "Số hóa kết quả của cơ quan giải quyết"
	case dossier.SourceNational:
		return "Cơ sở dữ liệu quốc gia"
	case dossier.SourceOther:
		return "Hệ thống thông tin khác"
	case dossier.SourceIssued:
		return "Văn bản điện tử do cơ quan ban hành"
	}
	return src
}

func statusClass(s string) string {
	switch s {
	case dossier.StatusValid:
		return "valid"
	case dossier.StatusProcessingOnly:
		return "partial"
	}
	return "invalid"
}

type eventView struct {
	Seq              int
	Kind, Reason     string
	From, To         dossier.State
	Changed          bool
	Actor, ActorName string
	Role             dossier.Role
	Unit, UnitName   string
	At               time.Time
	Items            []string
	Deadline         *time.Time
	TargetUnit       string
	LogIndex         uint64
}

type lineageView struct {
	Lineage    int64
	Title      string
	Role       string
	RoleVN     string
	Component  string
	Latest     *versionView
	Versions   []*versionView // newest first
	LetterKind string
}

type versionView struct {
	ID, Lineage int64
	Version     int
	Name        string
	SourceVN    string
	MediaType   string
	SHA256      string
	Size        int64
	CreatedBy   string
	CreatedAt   time.Time
	Status      string
	StatusVN    string
	StatusClass string
	Summary     string
	Conditions  []dossier.Condition
	Owed        []dossier.Owed
	Signatures  []dossier.Signature
	Indication  string
	PDF         bool
}

type dossierView struct {
	D              *dossier.Dossier
	UnitName       string
	ProcessingName string
	Applicant      dossier.Applicant
	Masked         bool
	ChannelVN      string
	Now            time.Time
	IntakeLeft     time.Duration
	IntakeOverdue  bool
	InIntake       bool
	DeadlineLeft   time.Duration
	Overdue        bool
	Events         []eventView
	Documents      []*lineageView
	Procedure      *dossier.Procedure
	Agencies       []dossier.Unit
	Actions        actionSet
	SignedLetters  []*lineageView // signed apology letters not yet used
	Results        []*lineageView // result candidates
	Fee            int64
}

// actionSet is what the user may do on this dossier now (the engine
// checks again).
type actionSet struct {
	Accept, Reject, Supplement, Transfer, Digitize bool
	Extend, Attach, RecordResult, DraftLate, Issue bool
	Ready, Originals, Fee, Refund, Return, Void    bool
	Any                                            bool
}

func (c *console) loadDossier(w http.ResponseWriter, r *http.Request) (*dossier.Dossier, bool) {
	d, err := c.s.eng.Dossier(r.Context(), chi.URLParam(r, "code"))
	if errors.Is(err, dossier.ErrNotFound) {
		c.message(w, r, http.StatusNotFound, "Không tìm thấy hồ sơ", "Không có hồ sơ này, hoặc hồ sơ không thuộc đơn vị của bạn.")
		return nil, false
	}
	if err != nil {
		c.failed(w, r, err)
		return nil, false
	}
	if !principalFrom(r.Context()).Sees(d) {
		c.s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": http.StatusNotFound, "reason": "not-visible"})
		c.message(w, r, http.StatusNotFound, "Không tìm thấy hồ sơ", "Không có hồ sơ này, hoặc hồ sơ không thuộc đơn vị của bạn.")
		return nil, false
	}
	return c.named(d), true
}

func (c *console) dossierPage(w http.ResponseWriter, r *http.Request) {
	d, ok := c.loadDossier(w, r)
	if !ok {
		return
	}
	v, err := c.dossierView(r.Context(), d)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "dossier", consolePage{Title: "Hồ sơ " + d.Code, Nav: "dossier", Body: v, AgentCSP: true})
}

func (c *console) dossierView(ctx context.Context, d *dossier.Dossier) (*dossierView, error) {
	p := principalFrom(ctx)
	names := c.unitNames(ctx)
	now := c.s.eng.Now()
	v := &dossierView{D: d, UnitName: names[d.Unit], ProcessingName: names[d.ProcessingUnit], Applicant: d.Applicant,
		ChannelVN: channelVN(d.Channel), Now: now}
	units := p.Units()
	if !slices.Contains(units, d.Unit) && !slices.Contains(units, d.ProcessingUnit) {
		v.Applicant, v.Masked = d.Applicant.Masked(), true
	}
	if d.State == dossier.StateSubmitted || d.State == dossier.StateReceived {
		v.InIntake = true
		v.IntakeLeft = d.IntakeDeadline.Sub(now)
		v.IntakeOverdue = v.IntakeLeft < 0
	}
	if !d.Deadline.IsZero() {
		v.DeadlineLeft = d.Deadline.Sub(now)
		v.Overdue = v.DeadlineLeft < 0 && !d.State.Final()
	}
	staffNames := map[string]string{}
	if all, err := c.s.eng.StaffList(ctx); err == nil {
		for _, s := range all {
			staffNames[s.Username] = s.FullName
		}
	}
	for i := len(d.Events) - 1; i >= 0; i-- {
		ev := d.Events[i]
		name := staffNames[ev.Actor]
		if ev.Role == dossier.RoleCitizen {
			name = "Công dân (" + d.Applicant.Masked().Name + ")"
		}
		v.Events = append(v.Events, eventView{Seq: ev.Seq, Kind: eventKindVN(ev.Kind), Reason: ev.Reason, From: ev.From, To: ev.To,
			Changed: ev.From != ev.To, Actor: ev.Actor, ActorName: name, Role: ev.Role, Unit: ev.Unit, UnitName: names[ev.Unit], At: ev.At,
			Items: ev.Data.Items, Deadline: ev.Data.Deadline, TargetUnit: names[ev.Data.Unit], LogIndex: ev.LogIndex})
	}
	docs, err := c.s.eng.Documents(ctx, d.Code)
	if err != nil {
		return nil, err
	}
	v.Documents = lineages(docs)
	used := map[int64]bool{}
	for _, ev := range d.Events {
		if ev.Data.Letter != 0 {
			used[ev.Data.Letter] = true
		}
	}
	for _, l := range v.Documents {
		if l.Role == dossier.DocApology && l.Latest.Status == dossier.StatusValid && !used[l.Lineage] {
			v.SignedLetters = append(v.SignedLetters, l)
		}
		if l.Role == dossier.DocResult || l.Role == dossier.DocStepResult {
			v.Results = append(v.Results, l)
		}
	}
	if prof, err := c.s.eng.Profiles().Profile(d.Profile); err == nil {
		if proc, err := prof.Procedure(d.Procedure); err == nil {
			v.Procedure = proc
			v.Fee = proc.Fee
		}
	}
	if all, err := c.s.eng.Units(ctx); err == nil {
		for _, u := range all {
			if u.Profile == d.Profile && u.Code != d.Unit && (u.Kind == dossier.UnitAgency || u.Kind == dossier.UnitCommune) {
				v.Agencies = append(v.Agencies, u)
			}
		}
	}
	v.Actions = actionsFor(p, d)
	return v, nil
}

// lineages groups versions by document, newest version first.
func lineages(docs []*dossier.DocumentVersion) []*lineageView {
	var out []*lineageView
	by := map[int64]*lineageView{}
	for _, dv := range docs {
		l := by[dv.Lineage]
		if l == nil {
			l = &lineageView{Lineage: dv.Lineage, Component: dv.Component}
			by[dv.Lineage] = l
			out = append(out, l)
		}
		vv := versionOf(dv)
		l.Versions = append([]*versionView{vv}, l.Versions...)
		l.Latest = vv
		l.Title, l.Role, l.RoleVN, l.LetterKind = dv.Title, dv.Role, docRoleVN(dv.Role), dv.Facts.LetterKind
	}
	return out
}

func versionOf(dv *dossier.DocumentVersion) *versionView {
	vv := &versionView{ID: dv.ID, Lineage: dv.Lineage, Version: dv.Version, Name: dv.Name, SourceVN: sourceVN(dv.Source), MediaType: dv.MediaType,
		SHA256: dv.SHA256, Size: dv.Size, CreatedBy: dv.CreatedBy, CreatedAt: dv.CreatedAt, PDF: dv.MediaType == "application/pdf"}
	if a := dv.Assessment; a != nil {
		vv.Status, vv.StatusVN, vv.StatusClass, vv.Summary = a.Status, dossier.StatusVietnamese(a.Status), statusClass(a.Status), a.Summary
		vv.Conditions, vv.Owed = a.Conditions, a.Owed
	} else {
		vv.Status, vv.StatusVN, vv.StatusClass = dossier.StatusNotValid, "Chưa đánh giá", "invalid"
	}
	if in := dv.Inspection; in != nil {
		vv.Signatures, vv.Indication = in.Signatures, in.Indication
	}
	return vv
}

// actionsFor: which forms to show. The console hides what the user's
// roles cannot do; the server checks again on every POST (actorFor), and
// the engine a third time.
func actionsFor(p *Principal, d *dossier.Dossier) actionSet {
	intake := p.Staff.Holds(dossier.RoleIntake, d.Unit)
	proc := d.ProcessingUnit != "" && (p.Staff.Holds(dossier.RoleSpecialist, d.ProcessingUnit) || p.Staff.Holds(dossier.RoleHead, d.ProcessingUnit))
	agency := proc || d.ProcessingUnit != "" && p.Staff.Holds(dossier.RoleSeal, d.ProcessingUnit)
	var a actionSet
	switch d.State {
	case dossier.StateSubmitted, dossier.StateReceived:
		a.Accept, a.Reject, a.Supplement, a.Digitize = intake, intake, intake, intake
	case dossier.StateAccepted:
		a.Transfer, a.Digitize, a.Reject = intake, intake, false
	case dossier.StateProcessing:
		a.Supplement, a.Reject, a.Extend, a.Attach, a.DraftLate = proc, proc, proc, agency, proc
		a.RecordResult, a.Transfer = agency, agency
	case dossier.StateSigned:
		a.Ready = agency || intake
	case dossier.StateReady:
		a.Originals, a.Fee, a.Return, a.Void = intake, intake, intake, intake
		a.Refund = intake && d.FeePaid > d.FeeRefunded
	case dossier.StateSupplement:
		a.Reject = intake && d.Stage() == dossier.StageIntake || proc && d.Stage() == dossier.StageProcessing
	}
	if d.State == dossier.StateAccepted || d.State == dossier.StateProcessing {
		a.Fee = intake
		a.Void = intake && d.HandledLevel == 3
	}
	a.Issue = !d.State.Final() && (intake || agency)
	a.Any = a.Accept || a.Reject || a.Supplement || a.Transfer || a.Digitize || a.Extend || a.Attach || a.RecordResult ||
		a.DraftLate || a.Ready || a.Originals || a.Fee || a.Refund || a.Return || a.Void
	return a
}

// dossierAction runs one step of the engine from a form of the dossier
// page, then goes back to the page (or shows the refusal on it).
func (c *console) dossierAction(w http.ResponseWriter, r *http.Request) {
	d, ok := c.loadDossier(w, r)
	if !ok {
		return
	}
	action := chi.URLParam(r, "action")
	if action == "attach" {
		c.attachDocument(w, r, d)
		return
	}
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	ctx := r.Context()
	eng := c.s.eng
	type step struct {
		who func(d *dossier.Dossier) (bool, []dossier.Role, []string)
		run func(a dossier.Actor) (string, error)
	}
	lines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	lineage := func(name string) int64 { n, _ := strconv.ParseInt(f.Get(name), 10, 64); return n }
	amount := func() int64 {
		n, _ := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", " ", "").Replace(f.Get("amount")), 10, 64)
		return n
	}
	steps := map[string]step{
		"accept": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.Accept(ctx, d.Code, a, f.Get("reason"))
			return "accepted", err
		}},
		"reject": {byStage, func(a dossier.Actor) (string, error) {
			_, err := eng.Reject(ctx, d.Code, a, f.Get("reason"))
			return "rejected", err
		}},
		"supplement": {byStage, func(a dossier.Actor) (string, error) {
			_, err := eng.RequestSupplement(ctx, d.Code, a, dossier.SupplementRequest{Items: lines(f.Get("items")), Reason: f.Get("reason"),
				WrongGuidance: f.Get("wrong_guidance") != "", Letter: lineage("letter")})
			return "supplement", err
		}},
		"transfer": {func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
			if d.State == dossier.StateProcessing {
				return false, rolesAgency, []string{d.ProcessingUnit}
			}
			return atIntake(d)
		}, func(a dossier.Actor) (string, error) {
			_, err := eng.Transfer(ctx, d.Code, a, f.Get("to"), lineage("step_result"))
			return "transferred", err
		}},
		"letter": {staffOfDossier, func(a dossier.Actor) (string, error) {
			var at time.Time
			if s := f.Get("new_appointment"); s != "" {
				t, err := time.ParseInLocation("2006-01-02T15:04", s, c.zone)
				if err != nil {
					return "", fmt.Errorf("%w: ngày hẹn mới %q không đúng dạng", dossier.ErrInvalid, s)
				}
				at = t
			}
			_, _, err := eng.DraftLetter(ctx, d.Code, a, dossier.LetterRequest{Kind: f.Get("kind"), Reason: f.Get("reason"), Items: lines(f.Get("items")), NewAppointment: at})
			return "drafted", err
		}},
		"extend": {atAgency(rolesProcessing), func(a dossier.Actor) (string, error) {
			l := lineage("letter")
			lv, err := eng.Latest(ctx, l)
			if err != nil {
				return "", err
			}
			if lv.Facts.NewAppointment == nil {
				return "", fmt.Errorf("%w: thư xin lỗi không ghi ngày hẹn mới", dossier.ErrInvalid)
			}
			_, err = eng.Extend(ctx, d.Code, a, *lv.Facts.NewAppointment, l)
			return "extended", err
		}},
		"result": {atAgency(rolesAgency), func(a dossier.Actor) (string, error) {
			_, err := eng.RecordResult(ctx, d.Code, a, lineage("document"))
			return "result", err
		}},
		"ready": {func(d *dossier.Dossier) (bool, []dossier.Role, []string) {
			return false, []dossier.Role{dossier.RoleSpecialist, dossier.RoleSeal, dossier.RoleIntake}, []string{d.ProcessingUnit, d.Unit}
		}, func(a dossier.Actor) (string, error) {
			_, err := eng.ReadyForReturn(ctx, d.Code, a)
			return "ready", err
		}},
		"originals": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.CheckOriginals(ctx, d.Code, a, f.Get("match") == "yes", f.Get("note"))
			return "originals", err
		}},
		"fee": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.PayFee(ctx, d.Code, a, amount(), f.Get("receipt"))
			return "fee", err
		}},
		"refund": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.RefundFee(ctx, d.Code, a, amount(), f.Get("reason"))
			return "refund", err
		}},
		"return": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.Return(ctx, d.Code, a)
			return "returned", err
		}},
		"void": {atIntake, func(a dossier.Actor) (string, error) {
			_, err := eng.Void(ctx, d.Code, a)
			return "voided", err
		}},
		"issue": {staffOfDossier, func(a dossier.Actor) (string, error) {
			_, err := eng.IssueLetter(ctx, d.Code, a, lineage("letter"))
			return "issued", err
		}},
	}
	st, ok := steps[action]
	if !ok {
		c.message(w, r, http.StatusNotFound, "Không có thao tác này", "Thao tác "+action+" không tồn tại.")
		return
	}
	_, roles, units := st.who(d)
	p := principalFrom(ctx)
	a, ok := p.ActIn(roles, units...)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.dossierError(w, r, d, http.StatusForbidden, "Bạn không có vai trò thực hiện bước này trong đơn vị của hồ sơ.")
		return
	}
	flash, err := st.run(a)
	if err != nil {
		status, msg := c.explain(r, err)
		c.dossierError(w, r, d, status, msg)
		return
	}
	back(w, r, "/console/dossiers/"+d.Code, flash)
}

// dossierError shows the dossier page again with the refusal on top.
func (c *console) dossierError(w http.ResponseWriter, r *http.Request, d *dossier.Dossier, status int, msg string) {
	if nd, err := c.s.eng.Dossier(r.Context(), d.Code); err == nil {
		d = c.named(nd)
	}
	v, err := c.dossierView(r.Context(), d)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.render(w, r, status, "dossier", consolePage{Title: "Hồ sơ " + d.Code, Nav: "dossier", Error: msg, Body: v, AgentCSP: true})
}

// attachDocument adds a document of the deciding agency (a result draft,
// a step result, a working document) from a multipart form: fields
// role, title, then the file part.
func (c *console) attachDocument(w http.ResponseWriter, r *http.Request, d *dossier.Dossier) {
	p := principalFrom(r.Context())
	a, ok := p.ActIn(rolesAgency, d.ProcessingUnit)
	if !ok || d.ProcessingUnit == "" {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.dossierError(w, r, d, http.StatusForbidden, "Chỉ chuyên viên, lãnh đạo hoặc văn thư của cơ quan giải quyết đính kèm văn bản.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.s.cfg.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		c.dossierError(w, r, d, http.StatusBadRequest, "Biểu mẫu tải lên không hợp lệ.")
		return
	}
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err != nil {
			c.dossierError(w, r, d, http.StatusBadRequest, "Chưa chọn tệp văn bản.")
			return
		}
		if part.FormName() != "file" {
			b := make([]byte, 4096)
			n, _ := readFull(part, b)
			fields[part.FormName()] = strings.TrimSpace(string(b[:n]))
			continue
		}
		role := fields["role"]
		if !slices.Contains([]string{dossier.DocResult, dossier.DocStepResult, dossier.DocWorking}, role) {
			c.dossierError(w, r, d, http.StatusUnprocessableEntity, "Loại văn bản không hợp lệ.")
			return
		}
		title := fields["title"]
		if title == "" {
			title = docRoleVN(role)
		}
		src := dossier.SourceIssued
		if role == dossier.DocWorking {
			src = dossier.SourceAgency
		}
		_, err = c.s.eng.AddDocument(r.Context(), d.Code, a, dossier.DocumentInput{Role: role, Source: src, Title: title,
			Name: cleanUploadName(part.FileName()), MediaType: "application/pdf", Body: part})
		if err != nil {
			status, msg := c.explain(r, err)
			c.dossierError(w, r, d, status, msg)
			return
		}
		back(w, r, "/console/dossiers/"+d.Code, "attached")
		return
	}
}

func readFull(r interface{ Read([]byte) (int, error) }, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
