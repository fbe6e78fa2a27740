package dossier

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Submit creates a dossier: online by the applicant (state submitted,
// with the intake window of Đ13.1), or at the desk or by post by the
// receiving unit's intake staff (state received). The dossier code is
// the receiving unit's code, the date YYMMDD and a 4-digit sequence
// restarting each day (TT 01/2018 Đ19), unique under concurrency.
func (e *Engine) Submit(ctx context.Context, actor Actor, app Application) (*Dossier, error) {
	unit, err := e.Unit(ctx, app.Unit)
	if err != nil {
		return nil, err
	}
	if unit.Kind == UnitAgency {
		return nil, invalidf("unit %s is a deciding agency, not a receiving unit (centre or commune)", unit.Code)
	}
	p, err := e.profiles.Profile(unit.Profile)
	if err != nil {
		return nil, err
	}
	proc, err := p.Procedure(app.Procedure)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(proc.Levels, app.Level) {
		return nil, invalidf("procedure %s is not offered at service level %d (levels %v)", proc.Code, app.Level, proc.Levels)
	}
	switch app.Channel {
	case ChannelOnline:
		if actor.Role != RoleCitizen {
			return nil, fmt.Errorf("%w: an online submission is made by the applicant", ErrForbidden)
		}
		if app.Level < 3 {
			return nil, invalidf("an online submission needs service level 3 or 4, not %d", app.Level)
		}
	case ChannelDesk, ChannelPost:
		if actor.Role != RoleIntake || actor.Unit != unit.Code {
			return nil, fmt.Errorf("%w: a %s submission is received by intake staff of %s", ErrForbidden, app.Channel, unit.Code)
		}
	default:
		return nil, invalidf("channel %q: want online, desk or post", app.Channel)
	}
	a := app.Applicant
	if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.IDNumber) == "" {
		return nil, invalidf("applicant: name and ID number are required")
	}
	now := e.clock()
	rs, err := e.rules.At(now)
	if err != nil {
		return nil, err
	}
	cal, err := e.calendar(p)
	if err != nil {
		return nil, err
	}
	var docs []*prepared
	for i, in := range app.Documents {
		if in.Role == "" {
			in.Role = DocComponent
		}
		if in.Role != DocComponent {
			return nil, invalidf("documents[%d]: a submission holds components, not %s", i, in.Role)
		}
		pd, err := e.prepare(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("documents[%d]: %w", i, err)
		}
		docs = append(docs, pd)
	}
	applicant, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var d *Dossier
	err = e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		day := now.Format("060102")
		if err := tx.Lock(ctx, "dossier_code:"+unit.Code+":"+day); err != nil {
			return err
		}
		var seq int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) + 1 FROM dossiers WHERE unit = $1 AND day = $2", unit.Code, day).Scan(&seq); err != nil {
			return err
		}
		if seq > 9999 {
			return p.refuse(RuleDossierCode, "unit %s received 9999 dossiers on %s: the 4-digit sequence is exhausted", unit.Code, day)
		}
		code := fmt.Sprintf("%s-%s-%04d", unit.Code, day, seq)
		d = &Dossier{Code: code, Unit: unit.Code, Profile: p.ID, RuleSet: rs.ID, Procedure: proc.Code, ProcedureName: proc.Name,
			Level: app.Level, Channel: app.Channel, Applicant: a, SubmittedAt: now, Supplements: map[string]int{}}
		if err := tx.QueryRow(ctx, `INSERT INTO dossiers (code, unit, day, seq, profile, rule_set, procedure_code, level, channel, applicant, submitted_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, code, unit.Code, day, seq, p.ID, rs.ID, proc.Code,
			app.Level, app.Channel, string(applicant), storage.FormatTime(now), actor.String()).Scan(&d.ID); err != nil {
			return err
		}
		staff, err := e.authorize(ctx, tx, actor)
		if err != nil {
			return err
		}
		s := &step{e: e, tx: tx, d: d, p: p, rules: rs, cal: cal, actor: actor, staff: staff, now: now}
		for _, pd := range docs {
			if _, err := s.insert(ctx, pd); err != nil {
				return err
			}
		}
		ev := &Event{Kind: KindSubmitted, To: StateReceived, Reason: "Tiếp nhận hồ sơ " + map[string]string{
			ChannelDesk: "trực tiếp tại Bộ phận Một cửa", ChannelPost: "qua dịch vụ bưu chính công ích"}[app.Channel]}
		if app.Channel == ChannelOnline {
			deadline, err := intakeDeadline(p, cal, now)
			if err != nil {
				return err
			}
			ev.To, ev.Reason, ev.Data.IntakeDeadline = StateSubmitted, "Nộp hồ sơ trực tuyến", &deadline
		}
		s.entries = append(s.entries, evidence.Entry{Type: EventDossierSubmitted, Time: now, Actor: actor.String(),
			Subject: evidence.Subject{Dossier: code}, Data: map[string]any{"unit": unit.Code, "procedure": proc.Code, "level": app.Level,
				"channel": app.Channel, "rule_set": rs.ID, "profile": p.ID, "applicant_sha256": storage.SumOf(applicant).String()}})
		return s.record(ctx, ev)
	})
	if err != nil {
		return nil, err
	}
	return e.Dossier(ctx, d.Code)
}

// intakeDeadline: QĐ 03/2020 Đ13.1 read literally for the one-hour rule
// (the calendar's IntakeDeadline); a profile's other window is working
// time from the submission.
func intakeDeadline(p *Profile, cal Calendar, at time.Time) (time.Time, error) {
	if p.IntakeWorkingHours == 1 {
		return cal.IntakeDeadline(at)
	}
	return cal.AddWorking(at, time.Duration(p.IntakeWorkingHours*float64(time.Hour)))
}

// Accept accepts the dossier as valid (intake staff of the receiving
// unit). The processing clock starts now (Đ13.3): the appointment is the
// procedure's processing time in working days from acceptance. A level-4
// submission whose components lack the applicant's signature is handled
// as level 3 where the profile says so.
func (e *Engine) Accept(ctx context.Context, code string, actor Actor, reason string) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("accept", StateSubmitted, StateReceived); err != nil {
			return nil, err
		}
		if err := s.as("accepting a dossier", []Role{RoleIntake}, s.d.Unit); err != nil {
			return nil, err
		}
		proc, err := s.p.Procedure(s.d.Procedure)
		if err != nil {
			return nil, err
		}
		budget := workingDays(s.cal, proc.ProcessingWorkingDays)
		deadline, err := s.cal.AddWorking(s.now, budget)
		if err != nil {
			return nil, err
		}
		ev := &Event{Kind: KindAccepted, To: StateAccepted, Reason: reason, Data: EventData{Deadline: &deadline, Budget: budget, Level: s.d.Level}}
		if !s.d.IntakeDeadline.IsZero() && s.now.After(s.d.IntakeDeadline) {
			ev.Data.LateIntake = true
		}
		if s.p.TransferWorkingDays > 0 {
			by, err := s.cal.AddWorking(s.now, workingDays(s.cal, s.p.TransferWorkingDays))
			if err != nil {
				return nil, err
			}
			ev.Data.TransferBy = &by
		}
		if s.d.Level == 4 && s.p.Level4WithoutSignature == "level3" {
			unsigned, err := s.unsignedComponents(ctx)
			if err != nil {
				return nil, err
			}
			if len(unsigned) > 0 {
				ev.Data.Level = 3
				ev.Data.LevelReason = fmt.Sprintf("%s: hồ sơ mức độ 4 không có chữ ký số (%s) được xử lý như mức độ 3",
					s.p.Cite(RuleLevel4Signature), strings.Join(unsigned, ", "))
				ev.Data.Owed = append(ev.Data.Owed, "Xuất trình bản gốc để đối chiếu khi nhận kết quả")
				if s.p.CertifiedCopiesByPost {
					ev.Data.Owed = append(ev.Data.Owed, fmt.Sprintf("%s: gửi qua bưu điện hồ sơ có chứng thực, ghi rõ mã hồ sơ %s",
						s.p.Cite(RuleCertifiedCopies), s.d.Code))
				}
			}
		}
		return ev, nil
	})
}

// unsignedComponents lists the applicant's own uploads whose latest
// version is not signed by the applicant.
func (s *step) unsignedComponents(ctx context.Context) ([]string, error) {
	vs, err := versionsTx(ctx, s.tx, "dd.dossier_id = $1", s.d.ID)
	if err != nil {
		return nil, err
	}
	latest := map[int64]*DocumentVersion{}
	for _, v := range vs {
		latest[v.Lineage] = v
	}
	var out []string
	for _, v := range vs {
		if latest[v.Lineage] != v || v.Source != SourceCitizen {
			continue
		}
		if v.Assessment == nil || v.Assessment.Status != StatusValid {
			out = append(out, v.Title)
		}
	}
	return out, nil
}

// SupplementRequest asks the applicant to supplement the dossier.
type SupplementRequest struct {
	Items  []string // what to supplement or correct
	Reason string
	// WrongGuidance: this request is needed because an earlier guidance
	// was wrong or vague. A second request is allowed only then, with an
	// apology letter signed by the competent person (Letter).
	WrongGuidance bool
	Letter        int64 // lineage of the signed apology letter
}

// RequestSupplement returns the dossier to the applicant for a
// supplement: at intake by the receiving unit's intake staff (Đ13.2),
// during processing by the deciding agency (Đ14.1), where it pauses the
// processing clock (Đ13.3). Allowed once; a further request only when the
// earlier guidance was wrong or vague, with the signed apology letter.
func (e *Engine) RequestSupplement(ctx context.Context, code string, actor Actor, r SupplementRequest) (*Dossier, error) {
	if len(r.Items) == 0 {
		return nil, invalidf("a supplement request names what to supplement (items is empty)")
	}
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		stage := s.d.Stage()
		ev := &Event{Kind: KindSupplement, To: StateSupplement, Reason: r.Reason,
			Data: EventData{Stage: stage, Items: r.Items, WrongGuidance: r.WrongGuidance}}
		apologyRule, letterKind := RuleApologyIntake, LetterSupplementIntake
		if stage == StageIntake {
			if err := s.in("request a supplement of", StateSubmitted, StateReceived); err != nil {
				return nil, err
			}
			if err := s.as("requesting a supplement at intake", []Role{RoleIntake}, s.d.Unit); err != nil {
				return nil, err
			}
		} else {
			apologyRule, letterKind = RuleApologyProcessing, LetterSupplementProcessing
			if err := s.in("request a supplement of", StateProcessing); err != nil {
				return nil, err
			}
			if err := s.as("requesting a supplement during processing", []Role{RoleSpecialist, RoleHead}, s.d.ProcessingUnit); err != nil {
				return nil, err
			}
			left, err := s.cal.WorkingTimeBetween(s.now, s.d.Deadline)
			if err != nil {
				return nil, err
			}
			ev.Data.Remaining = max(0, left)
		}
		ev.Data.Round = s.d.Supplements[stage] + 1
		if ev.Data.Round > s.rules.SupplementRequests {
			if !r.WrongGuidance {
				return nil, s.refuse(RuleSupplementOnce, "a supplement was already requested %d time(s) at %s; another request is allowed only when the earlier guidance was wrong or vague, with an apology letter",
					s.d.Supplements[stage], stage)
			}
			v, err := s.signedLetter(ctx, r.Letter, letterKind, apologyRule)
			if err != nil {
				return nil, err
			}
			ev.Data.Letter, ev.Data.LetterKind = v.Lineage, letterKind
			s.entries = append(s.entries, letterEntry(s, v))
		}
		return ev, nil
	})
}

func letterEntry(s *step, v *DocumentVersion) evidence.Entry {
	return evidence.Entry{Type: evidence.LetterIssued, Time: s.now, Actor: s.actor.String(),
		Subject: evidence.Subject{SHA256: v.SHA256, Document: v.Document, Dossier: s.d.Code},
		Data:    map[string]any{"kind": v.Facts.LetterKind, "lineage": v.Lineage, "version": v.ID}}
}

// Supplement records the applicant's supplement (through the portal, or
// brought to the desk). At intake the dossier goes back to the desk's
// check with a new intake window; during processing the clock resumes with
// the working time that was left, giving a new appointment (Đ13.3).
func (e *Engine) Supplement(ctx context.Context, code string, actor Actor, docs []DocumentInput) (*Dossier, error) {
	if len(docs) == 0 {
		return nil, invalidf("a supplement brings at least one document")
	}
	var prepared []*prepared
	for i, in := range docs {
		in.Role = DocSupplement
		p, err := e.prepare(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("documents[%d]: %w", i, err)
		}
		prepared = append(prepared, p)
	}
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("supplement", StateSupplement); err != nil {
			return nil, err
		}
		switch s.actor.Role {
		case RoleCitizen:
		case RoleIntake:
			if err := s.as("receiving a supplement", []Role{RoleIntake}, s.d.Unit); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: a supplement comes from the applicant or through the intake desk", ErrForbidden)
		}
		for _, p := range prepared {
			if err := s.mayAdd(p.in); err != nil {
				return nil, err
			}
			if _, err := s.insert(ctx, p); err != nil {
				return nil, err
			}
		}
		last := s.lastOf(KindSupplement)
		ev := &Event{Kind: KindSupplied, Reason: "Nộp bổ sung hồ sơ"}
		if last.Data.Stage == StageIntake {
			ev.To = StateReceived
			if s.d.Channel == ChannelOnline {
				ev.To = StateSubmitted
				deadline, err := intakeDeadline(s.p, s.cal, s.now)
				if err != nil {
					return nil, err
				}
				ev.Data.IntakeDeadline = &deadline
			}
			return ev, nil
		}
		deadline, err := s.cal.AddWorking(s.now, s.d.Remaining)
		if err != nil {
			return nil, err
		}
		ev.To, ev.Data.Deadline, ev.Data.Stage = StateProcessing, &deadline, StageProcessing
		ev.Reason = "Nộp bổ sung hồ sơ hợp lệ; tiếp tục tính thời gian giải quyết, hẹn trả mới " + formatVN(deadline)
		return ev, nil
	})
}

// lastOf returns the newest event of kind.
func (s *step) lastOf(kind string) Event {
	for i := len(s.d.Events) - 1; i >= 0; i-- {
		if s.d.Events[i].Kind == kind {
			return s.d.Events[i]
		}
	}
	return Event{}
}

// Reject refuses the dossier: at intake (intake staff, form 03), or by the
// deciding agency during processing.
func (e *Engine) Reject(ctx context.Context, code string, actor Actor, reason string) (*Dossier, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, invalidf("a refusal states its reason")
	}
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if s.d.Stage() == StageIntake {
			if err := s.in("reject", StateSubmitted, StateReceived); err != nil {
				return nil, err
			}
			if err := s.as("refusing a dossier at intake", []Role{RoleIntake}, s.d.Unit); err != nil {
				return nil, err
			}
		} else {
			if err := s.in("reject", StateProcessing); err != nil {
				return nil, err
			}
			if err := s.as("refusing a dossier", []Role{RoleHead, RoleSpecialist}, s.d.ProcessingUnit); err != nil {
				return nil, err
			}
		}
		ev := &Event{Kind: KindRejected, To: StateRejected, Reason: reason}
		if s.d.FeePaid > s.d.FeeRefunded && s.p.FeesRefundable {
			ev.Data.Owed = []string{fmt.Sprintf("%s: hoàn trả phí, lệ phí đã nộp (%d đồng)", s.p.Cite(RuleFeeRefund), s.d.FeePaid-s.d.FeeRefunded)}
		}
		return ev, nil
	})
}

// Transfer sends the dossier to a deciding agency: from the desk after
// acceptance (intake staff), or, in an inter-agency chain, from one
// agency to the next — only once the current step's approved, signed
// result (a step_result document) is attached (Bình Phước).
func (e *Engine) Transfer(ctx context.Context, code string, actor Actor, to string, stepResult int64) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		target, err := unitTx(ctx, s.tx, to)
		if err != nil {
			return nil, err
		}
		if target.Kind == UnitCentre {
			return nil, invalidf("unit %s is a receiving centre, not a deciding agency", to)
		}
		proc, err := s.p.Procedure(s.d.Procedure)
		if err != nil {
			return nil, err
		}
		steps := max(1, len(proc.Chain))
		ev := &Event{Kind: KindTransfer, To: StateProcessing, Data: EventData{Unit: to}}
		switch s.d.State {
		case StateAccepted:
			if err := s.as("transferring to the deciding agency", []Role{RoleIntake}, s.d.Unit); err != nil {
				return nil, err
			}
			ev.Data.Step = 1
			ev.Reason = "Chuyển hồ sơ đến " + target.Name
			if by := s.lastOf(KindAccepted).Data.TransferBy; by != nil && s.now.After(*by) {
				ev.Data.LateTransfer = true
			}
		case StateProcessing:
			if err := s.as("transferring to the next agency", []Role{RoleSpecialist, RoleHead, RoleSeal}, s.d.ProcessingUnit); err != nil {
				return nil, err
			}
			if s.d.Step >= steps {
				return nil, s.refuse(RuleChainStep, "procedure %s has %d step(s); the dossier is at the last one (%s)", proc.Code, steps, s.d.ProcessingUnit)
			}
			v, err := s.validDocument(ctx, stepResult, DocStepResult, RuleChainStep)
			if err != nil {
				return nil, err
			}
			ev.Data.Step, ev.Data.Document = s.d.Step+1, v.Lineage
			ev.Reason = fmt.Sprintf("Chuyển liên thông bước %d đến %s", s.d.Step+1, target.Name)
		default:
			return nil, s.in("transfer", StateAccepted, StateProcessing)
		}
		return ev, nil
	})
}

// validDocument: the latest version of lineage is a document of role in
// this dossier, legally valid, made by the current processing unit.
func (s *step) validDocument(ctx context.Context, lineage int64, role, rule string) (*DocumentVersion, error) {
	if lineage == 0 {
		return nil, s.refuse(rule, "the signed %s of %s must be attached first", role, s.d.ProcessingUnit)
	}
	v, err := latestVersionTx(ctx, s.tx, lineage)
	if err != nil {
		return nil, err
	}
	if v.Dossier != s.d.Code || v.Role != role {
		return nil, s.refuse(rule, "document %d is not a %s of dossier %s", lineage, role, s.d.Code)
	}
	if v.Assessment == nil || v.Assessment.Status != StatusValid {
		why := "no assessment"
		if v.Assessment != nil {
			why = v.Assessment.Summary
		}
		return nil, s.refuse(rule, "the %s %d is not validly signed: %s", role, lineage, why)
	}
	return v, nil
}

// Extend moves the appointment once (Đ14.4): the deciding agency sends an
// apology letter with the new date, signed by the agency (province and
// district) or signed or red-seal-scanned by the commune, at least one
// working day before the deadline; the dossier counts as late.
func (e *Engine) Extend(ctx context.Context, code string, actor Actor, newDeadline time.Time, letter int64) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("extend", StateProcessing); err != nil {
			return nil, err
		}
		if err := s.as("asking for an extension", []Role{RoleSpecialist, RoleHead}, s.d.ProcessingUnit); err != nil {
			return nil, err
		}
		if s.d.Extensions >= s.rules.Extensions {
			return nil, s.refuse(RuleExtensionOnce, "dossier %s was already extended %d time(s); an extension is allowed once", s.d.Code, s.d.Extensions)
		}
		if !newDeadline.After(s.d.Deadline) {
			return nil, invalidf("the new appointment %s is not after the current one %s", formatVN(newDeadline), formatVN(s.d.Deadline))
		}
		lead := workingDays(s.cal, s.rules.ExtensionLeadWorkingDays)
		left, err := s.cal.WorkingTimeBetween(s.now, s.d.Deadline)
		if err != nil {
			return nil, err
		}
		if left < lead {
			return nil, s.refuse(RuleExtensionLead, "the apology letter must go at least %v working day(s) before the deadline %s; only %s of working time is left",
				s.rules.ExtensionLeadWorkingDays, formatVN(s.d.Deadline), left)
		}
		v, err := s.signedLetter(ctx, letter, LetterExtension, RuleExtensionLetter)
		if err != nil {
			return nil, err
		}
		if na := v.Facts.NewAppointment; na == nil || !na.Equal(newDeadline) {
			return nil, s.refuse(RuleExtensionLetter, "the apology letter announces %v, not the new appointment %s", na, formatVN(newDeadline))
		}
		s.entries = append(s.entries, letterEntry(s, v))
		nd := newDeadline.In(vietnam)
		return &Event{Kind: KindExtended, Reason: "Gia hạn thời gian giải quyết, hẹn trả mới " + formatVN(nd),
			Data: EventData{Deadline: &nd, Letter: v.Lineage, LetterKind: LetterExtension, Late: true}}, nil
	})
}

// RecordResult records the signed result (the deciding agency): its
// latest version must carry the head's personal signature and the unit's
// organisation signature. In a chain, only the last agency issues it.
func (e *Engine) RecordResult(ctx context.Context, code string, actor Actor, result int64) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("record the result of", StateProcessing); err != nil {
			return nil, err
		}
		if err := s.as("recording the result", []Role{RoleSpecialist, RoleHead, RoleSeal}, s.d.ProcessingUnit); err != nil {
			return nil, err
		}
		proc, err := s.p.Procedure(s.d.Procedure)
		if err != nil {
			return nil, err
		}
		if steps := max(1, len(proc.Chain)); s.d.Step < steps {
			return nil, s.refuse(RuleChainStep, "the dossier is at step %d of %d; the final result comes from the last agency", s.d.Step, steps)
		}
		v, err := s.validDocument(ctx, result, DocResult, RuleResultSignatures)
		if err != nil {
			return nil, err
		}
		if _, err := s.verificationCode(ctx, v.Lineage); err != nil {
			return nil, err
		}
		ev := &Event{Kind: KindResult, To: StateSigned, Reason: "Kết quả đã được ký số", Data: EventData{Document: v.Lineage}}
		if s.now.After(s.d.Deadline) {
			ev.Data.Late = true
		}
		return ev, nil
	})
}

// ReadyForReturn moves the signed result to the return desk. A result
// signed after the deadline needs the deciding agency head's signed
// apology letter first (Đ22.7).
func (e *Engine) ReadyForReturn(ctx context.Context, code string, actor Actor) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("move to the return desk", StateSigned); err != nil {
			return nil, err
		}
		if err := s.as("moving the result to the return desk", []Role{RoleSpecialist, RoleSeal, RoleIntake}, s.d.ProcessingUnit, s.d.Unit); err != nil {
			return nil, err
		}
		if s.d.ResultLate && !s.d.LateApology {
			return nil, s.refuse(RuleLateApology, "the result was signed after the deadline %s; the head of %s must first send a signed apology letter",
				formatVN(s.d.Deadline), s.d.ProcessingUnit)
		}
		return &Event{Kind: KindReady, To: StateReady, Reason: "Chuyển kết quả đến Bộ phận trả kết quả"}, nil
	})
}

// CheckOriginals records the comparison of the paper originals with the
// electronic copies (Đ16.1): a match re-assesses the applicant's
// documents (source 2 becomes valid once checked); a forgery cancels the
// result.
func (e *Engine) CheckOriginals(ctx context.Context, code string, actor Actor, match bool, note string) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("compare the originals of", StateAccepted, StateProcessing, StateSigned, StateReady); err != nil {
			return nil, err
		}
		if err := s.as("comparing the originals", []Role{RoleIntake}, s.d.Unit); err != nil {
			return nil, err
		}
		m := match
		if !match {
			if strings.TrimSpace(note) == "" {
				return nil, invalidf("a forgery finding states what differs")
			}
			return &Event{Kind: KindCancelled, To: StateCancelled, Reason: note, Data: EventData{Match: &m, Document: s.d.Result}}, nil
		}
		ev := &Event{Kind: KindOriginals, Reason: "Đối chiếu bản gốc với bản điện tử: không có sai khác. " + note, Data: EventData{Match: &m}}
		s.d.OriginalsOK = true
		if err := s.reassessDossier(ctx, "originals checked at the desk"); err != nil {
			return nil, err
		}
		return ev, nil
	})
}

// PayFee records a fee payment (QĐ 03/2020 Đ15.4: level 4 pays right
// after acceptance, level 3 at the latest when bringing the originals).
func (e *Engine) PayFee(ctx context.Context, code string, actor Actor, amount int64, receipt string) (*Dossier, error) {
	if amount <= 0 {
		return nil, invalidf("fee amount %d: want > 0", amount)
	}
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if s.d.AcceptedAt.IsZero() || s.d.State.Final() {
			return nil, s.refuse(RuleFees, "fees are paid from acceptance until return (state %s)", s.d.State)
		}
		if err := s.as("recording a fee", []Role{RoleIntake}, s.d.Unit); err != nil {
			return nil, err
		}
		return &Event{Kind: KindFeePaid, Reason: "Nộp phí, lệ phí: biên lai " + receipt, Data: EventData{Amount: amount}}, nil
	})
}

// RefundFee refunds fees when the service was not performed (profiles
// with fees_refundable: Bình Định, Quảng Ngãi).
func (e *Engine) RefundFee(ctx context.Context, code string, actor Actor, amount int64, reason string) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if !s.p.FeesRefundable {
			return nil, s.refuse(RuleFees, "profile %s has no fee refund rule", s.p.ID)
		}
		if !slices.Contains([]State{StateRejected, StateCancelled, StateVoid}, s.d.State) {
			return nil, s.refuse(RuleFeeRefund, "fees are refunded when the service is not performed, not in state %s", s.d.State)
		}
		if amount <= 0 || amount > s.d.FeePaid-s.d.FeeRefunded {
			return nil, invalidf("refund %d: %d đồng paid, %d refunded", amount, s.d.FeePaid, s.d.FeeRefunded)
		}
		if err := s.as("refunding a fee", []Role{RoleIntake}, s.d.Unit); err != nil {
			return nil, err
		}
		return &Event{Kind: KindFeeRefund, Reason: reason, Data: EventData{Amount: amount}}, nil
	})
}

// Return hands the result over (intake staff of the receiving unit).
// Level 3: the originals must have been compared first; the fee paid.
func (e *Engine) Return(ctx context.Context, code string, actor Actor) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("return", StateReady); err != nil {
			return nil, err
		}
		if err := s.as("returning a result", []Role{RoleIntake}, s.d.Unit); err != nil {
			return nil, err
		}
		if s.d.HandledLevel == 3 && !s.d.OriginalsOK {
			return nil, s.refuse(RuleOriginals, "a level-3 dossier's originals are compared with the electronic copies before the result is returned")
		}
		proc, err := s.p.Procedure(s.d.Procedure)
		if err != nil {
			return nil, err
		}
		if s.d.FeePaid < proc.Fee {
			return nil, s.refuse(RuleFees, "the fee of %d đồng is not paid (%d paid)", proc.Fee, s.d.FeePaid)
		}
		return &Event{Kind: KindReturned, To: StateReturned, Reason: "Trả kết quả cho tổ chức, cá nhân", Data: EventData{Late: s.d.Late}}, nil
	})
}

// Void ends a level-3 dossier whose originals were not brought within
// the profile's days of acceptance (Đ16.1: 15 days).
func (e *Engine) Void(ctx context.Context, code string, actor Actor) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.in("void", StateAccepted, StateProcessing, StateSupplement, StateSigned, StateReady); err != nil {
			return nil, err
		}
		if actor != System {
			if err := s.as("voiding a dossier", []Role{RoleIntake}, s.d.Unit); err != nil {
				return nil, err
			}
		}
		if s.d.HandledLevel != 3 {
			return nil, s.refuse(RuleOriginalsDeadline, "only level-3 dossiers are voided for missing originals (this one is handled at level %d)", s.d.HandledLevel)
		}
		if s.d.OriginalsOK {
			return nil, s.refuse(RuleOriginalsDeadline, "the originals were brought and compared")
		}
		due := s.d.AcceptedAt.AddDate(0, 0, s.p.OriginalsDays)
		if s.now.Before(due) {
			return nil, s.refuse(RuleOriginalsDeadline, "the originals are due within %d days of acceptance, until %s", s.p.OriginalsDays, formatVN(due))
		}
		return &Event{Kind: KindVoid, To: StateVoid, Reason: fmt.Sprintf("Quá %d ngày kể từ ngày tiếp nhận mà không nộp bản gốc", s.p.OriginalsDays)}, nil
	})
}
