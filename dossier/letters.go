package dossier

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// Letter kinds: which letter, which rule, who signs.
const (
	LetterReceipt              = "receipt"                       // mẫu 01: receipt and appointment
	LetterGuidance             = "supplement_request"            // mẫu 02: request to supplement
	LetterRefusal              = "refusal"                       // mẫu 03: refusal
	LetterSupplementIntake     = "apology_supplement_intake"     // Đ13.2: second guidance at intake
	LetterSupplementProcessing = "apology_supplement_processing" // Đ14.1: second request during processing
	LetterExtension            = "apology_extension"             // Đ14.4: extension with a new date
	LetterLateApology          = "apology_late"                  // Đ22.7: late through the agency's fault
)

// Letter is what a letter is rendered from: the dossier's data and what
// the letter says. The renderer (dossier/forms) lays it out as the
// one-stop form of the dossier's rule set.
type Letter struct {
	Kind      string   // one of the Letter… kinds
	Forms     string   // forms version of the dossier's rule set (e.g. tt01-2018)
	Number    string   // số, e.g. "15/PXL"
	Dossier   *Dossier // the dossier
	Procedure *Procedure
	Receiving Unit // the receiving unit
	Deciding  Unit // the deciding agency (zero at intake)
	Province  string
	Date      time.Time
	// ReceivedBy is the intake officer who received the dossier;
	// DraftedBy the staff member drafting the letter (who guides, refuses).
	ReceivedBy, DraftedBy string
	// Round of a supplement request.
	Round int
	// Content.
	Reason         string
	Items          []string  // what to supplement, or why refused
	NewAppointment time.Time // apology letters with a new date
	// Signatory is who signs (name and title), when kyso knows them.
	SignatoryName, SignatoryTitle string
	// QR: the name of the document the top-left QR names (TT 01/2023:
	// with the dossier code, procedure code and applicant identifier).
	QR string
}

// RenderedLetter is a rendered letter.
type RenderedLetter struct {
	PDF []byte
	// SignatureRect is where the visible signature goes: page (1-based)
	// and the rectangle in PDF points from the bottom-left.
	Page                int
	X, Y, Width, Height float64
	Title               string // the letter's title (Vietnamese)
}

// SigningRequest says who must sign a drafted document and where.
type SigningRequest struct {
	Version      int64   `json:"version"` // the draft's dossier_documents id
	Lineage      int64   `json:"lineage"`
	Role         Role    `json:"role"` // role that signs
	Unit         string  `json:"unit"` // in this unit
	Organisation bool    `json:"organisation"`
	Page         int     `json:"page"`
	X            float64 `json:"x"`
	Y            float64 `json:"y"`
	Width        float64 `json:"width"`
	Height       float64 `json:"height"`
	Rule         string  `json:"rule"`
}

// LetterRequest is what DraftLetter needs from the caller.
type LetterRequest struct {
	Kind           string
	Reason         string
	Items          []string
	NewAppointment time.Time
}

// DraftLetter renders a letter for the dossier, stores it as an unsigned
// draft and says who must sign it and where. A letter is sent only once
// signed by that role (IssueLetter, or the step it goes with).
func (e *Engine) DraftLetter(ctx context.Context, code string, actor Actor, lr LetterRequest) (*DocumentVersion, []SigningRequest, error) {
	if e.letters == nil {
		return nil, nil, fmt.Errorf("%w: no letter renderer configured", ErrInvalid)
	}
	d, err := e.Dossier(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	p, err := e.profiles.Profile(d.Profile)
	if err != nil {
		return nil, nil, err
	}
	rs, err := e.rules.ByID(d.RuleSet)
	if err != nil {
		return nil, nil, err
	}
	proc, err := p.Procedure(d.Procedure)
	if err != nil {
		return nil, nil, err
	}
	recv, err := e.Unit(ctx, d.Unit)
	if err != nil {
		return nil, nil, err
	}
	var dec Unit
	if d.ProcessingUnit != "" {
		if dec, err = e.Unit(ctx, d.ProcessingUnit); err != nil {
			return nil, nil, err
		}
	}
	role, title, err := letterRole(lr.Kind)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(lr.Reason) == "" && lr.Kind != LetterReceipt {
		return nil, nil, invalidf("letter %s: the reason is empty", lr.Kind)
	}
	number := fmt.Sprintf("%d/%s", len(d.Events)+1, letterSymbol(lr.Kind))
	l := &Letter{Kind: lr.Kind, Forms: rs.Forms, Number: number, Dossier: d, Procedure: proc, Receiving: recv, Deciding: dec,
		Province: p.Province, Date: e.clock(), Reason: lr.Reason, Items: lr.Items, NewAppointment: lr.NewAppointment,
		Round: d.Supplements[d.Stage()] + 1, QR: title}
	if st, err := e.Staff(ctx, actor.Username); err == nil {
		l.DraftedBy = st.FullName
	}
	for _, ev := range d.Events {
		if ev.Kind == KindAccepted || ev.Kind == KindSubmitted && d.Channel != ChannelOnline {
			if st, err := e.Staff(ctx, ev.Actor); err == nil {
				l.ReceivedBy = st.FullName
			}
		}
	}
	probe := &DocumentVersion{Role: role, Facts: Facts{LetterKind: lr.Kind}}
	// The signature block names the head of the signing unit, also when
	// the unit signs as an organisation (TM. …).
	if reqs := requiredSigners(p, d, probe, map[string]Unit{recv.Code: recv, dec.Code: dec}); len(reqs) == 1 {
		if st, err := e.headOf(ctx, reqs[0].unit); err == nil {
			l.SignatoryName, l.SignatoryTitle = st.FullName, st.Title
		}
	}
	rendered, err := e.letters.Render(ctx, l)
	if err != nil {
		return nil, nil, fmt.Errorf("letter %s: %w", lr.Kind, err)
	}
	v, err := e.AddDraft(ctx, code, actor, DocumentInput{Role: role, Source: SourceIssued, Title: rendered.Title,
		Name: d.Code + "-" + lr.Kind + ".pdf", Body: bytes.NewReader(rendered.PDF), Facts: Facts{LetterKind: lr.Kind, NewAppointment: optTime(lr.NewAppointment)}})
	if err != nil {
		return nil, nil, err
	}
	var reqs []SigningRequest
	for _, r := range requiredSigners(p, d, v, map[string]Unit{recv.Code: recv, dec.Code: dec}) {
		sr := SigningRequest{Version: v.ID, Lineage: v.Lineage, Page: rendered.Page, X: rendered.X, Y: rendered.Y,
			Width: rendered.Width, Height: rendered.Height, Rule: r.rule}
		sr.Role, sr.Unit, sr.Organisation = r.role, r.unit, r.role == RoleSeal
		reqs = append(reqs, sr)
	}
	return v, reqs, nil
}

// headOf returns a staff member holding the head role in unit.
func (e *Engine) headOf(ctx context.Context, unit string) (Staff, error) {
	all, err := e.StaffList(ctx)
	if err != nil {
		return Staff{}, err
	}
	for _, s := range all {
		if s.Holds(RoleHead, unit) {
			return s, nil
		}
	}
	return Staff{}, fmt.Errorf("%w: no head in %s", ErrUnknownStaff, unit)
}

func letterRole(kind string) (role, title string, err error) {
	switch kind {
	case LetterReceipt:
		return DocReceipt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", nil
	case LetterGuidance:
		return DocGuidance, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", nil
	case LetterRefusal:
		return DocRefusal, "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", nil
	case LetterSupplementIntake, LetterSupplementProcessing, LetterExtension, LetterLateApology:
		return DocApology, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", nil
	}
	return "", "", invalidf("letter kind %q", kind)
}

func letterSymbol(kind string) string {
	switch kind {
	case LetterReceipt:
		return "TNHS"
	case LetterGuidance:
		return "PBS"
	case LetterRefusal:
		return "PTC"
	}
	return "PXL"
}

// AddDraft stores a document drafted by kyso (a letter) without the
// checks of AddDocument's roles: drafts are made by the engine.
func (e *Engine) AddDraft(ctx context.Context, code string, actor Actor, in DocumentInput) (*DocumentVersion, error) {
	p, err := e.prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	var v *DocumentVersion
	_, err = e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if s.d.State.Final() {
			return nil, s.refuse(RuleLifecycle, "dossier %s is closed (%s)", s.d.Code, s.d.State)
		}
		if err := s.as("drafting a letter", []Role{RoleIntake, RoleSpecialist, RoleHead, RoleSeal}, s.d.Unit, s.d.ProcessingUnit); err != nil {
			return nil, err
		}
		var err error
		if v, err = s.insert(ctx, p); err != nil {
			return nil, err
		}
		return &Event{Kind: "letter_drafted", Reason: v.Title, Data: EventData{Document: v.Lineage, LetterKind: in.Facts.LetterKind}}, nil
	})
	return v, err
}

// signedLetter checks that the latest version of lineage is a letter of
// kind, legally valid (signed by the role its kind requires).
func (s *step) signedLetter(ctx context.Context, lineage int64, kind, rule string) (*DocumentVersion, error) {
	if lineage == 0 {
		return nil, s.refuse(rule, "an apology letter (%s) signed by the competent person is required", kind)
	}
	v, err := latestVersionTx(ctx, s.tx, lineage)
	if err != nil {
		return nil, err
	}
	if v.Dossier != s.d.Code || v.Facts.LetterKind != kind {
		return nil, s.refuse(rule, "document %d is not a %s letter of dossier %s", lineage, kind, s.d.Code)
	}
	if v.Assessment == nil || v.Assessment.Status != StatusValid {
		why := "it is not signed"
		if v.Assessment != nil {
			why = v.Assessment.Summary
		}
		return nil, &RuleError{Rule: RuleLetterSigned, Citation: s.p.Cite(RuleLetterSigned),
			Reason: fmt.Sprintf("letter %d cannot be sent: %s", lineage, why)}
	}
	return v, nil
}

// IssueLetter sends a signed letter that goes on its own (the late
// apology of Đ22.7, notices). Letters that go with a step (second
// supplement request, extension) are passed to that step instead.
func (e *Engine) IssueLetter(ctx context.Context, code string, actor Actor, lineage int64) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		v, err := latestVersionTx(ctx, s.tx, lineage)
		if err != nil {
			return nil, err
		}
		kind := v.Facts.LetterKind
		rule := RuleLetterSigned
		if kind == LetterLateApology {
			rule = RuleLateApology
		}
		if _, err := s.signedLetter(ctx, lineage, kind, rule); err != nil {
			return nil, err
		}
		if err := s.as("sending a letter", []Role{RoleIntake, RoleSpecialist, RoleHead, RoleSeal}, s.d.Unit, s.d.ProcessingUnit); err != nil {
			return nil, err
		}
		return &Event{Kind: KindLetter, Reason: v.Title, Data: EventData{Letter: lineage, LetterKind: kind}}, nil
	})
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
