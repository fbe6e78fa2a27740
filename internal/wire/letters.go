package wire

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/dossier/forms"
)

// Letters renders the dossier's letters with package dossier/forms, in the
// template set of the dossier's rule set.
type Letters struct {
	// PublicURL prefixes the lookup URL put in the QR ("" for none).
	PublicURL string
}

// Render implements dossier.LetterRenderer.
func (lr Letters) Render(ctx context.Context, l *dossier.Letter) (*dossier.RenderedLetter, error) {
	set, err := forms.VersionByID(l.Forms)
	if err != nil {
		return nil, err
	}
	d := l.Dossier
	agency := func(u dossier.Unit) forms.Agency {
		parent := "UBND tỉnh " + l.Province
		if u.Kind == dossier.UnitCommune || u.Level != dossier.LevelProvince && strings.HasPrefix(u.Name, "Ủy ban") {
			parent = ""
		}
		return forms.Agency{Parent: parent, Name: u.Name, Place: l.Province}
	}
	applicant := forms.Applicant{Name: d.Applicant.Name, ID: d.Applicant.Masked().IDNumber, Address: d.Applicant.Address,
		Phone: d.Applicant.Phone, Email: d.Applicant.Email}
	proc := forms.Procedure{Code: l.Procedure.Code, Name: l.Procedure.Name}
	qr := &forms.QR{DossierCode: d.Code, ProcedureCode: l.Procedure.Code, ApplicantID: d.Applicant.Masked().IDNumber, DocumentName: l.QR}
	addressee := "Ông/Bà " + d.Applicant.Name
	signatory := forms.Signatory{Title: l.SignatoryTitle, Name: l.SignatoryName}
	var f forms.Form
	switch l.Kind {
	case dossier.LetterReceipt:
		var comps []forms.Component
		kind := forms.Original
		if d.Channel == dossier.ChannelOnline {
			kind = forms.Electronic
		}
		for _, c := range l.Procedure.Components {
			comps = append(comps, forms.Component{Name: c.Name, Kind: kind, Count: 1})
		}
		ch := map[string]forms.Channel{dossier.ChannelDesk: forms.ChannelDesk, dossier.ChannelOnline: forms.ChannelOnline, dossier.ChannelPost: forms.ChannelPost}[d.Channel]
		f = forms.Receipt{Agency: agency(l.Receiving), Unit: l.Receiving.Name, DossierCode: d.Code, Applicant: applicant, Procedure: proc,
			Components: comps, ProcessingTime: strconv.FormatFloat(l.Procedure.ProcessingWorkingDays, 'f', -1, 64) + " ngày làm việc",
			ReceivedAt: d.SubmittedAt, AppointmentAt: d.Deadline, ReturnPlace: l.Receiving.Name, ReceivedBy: l.ReceivedBy, Channel: ch, QR: qr}
	case dossier.LetterGuidance:
		st, u := forms.StageIntake, l.Receiving
		if d.Stage() == dossier.StageProcessing {
			st, u = forms.StageProcessing, l.Deciding
		}
		f = forms.SupplementRequest{Agency: agency(u), Number: l.Number, IssuedAt: l.Date, Unit: u.Name, DossierCode: d.Code,
			Applicant: applicant, Procedure: proc, Items: l.Items, Reason: l.Reason, Round: l.Round, Stage: st, GuidedBy: l.DraftedBy, QR: qr}
	case dossier.LetterRefusal:
		reasons := l.Items
		if len(reasons) == 0 {
			reasons = []string{l.Reason}
		}
		f = forms.Refusal{Agency: agency(l.Receiving), Number: l.Number, IssuedAt: l.Date, Unit: l.Receiving.Name, DossierCode: d.Code,
			Applicant: applicant, Procedure: proc, Reasons: reasons, RefusedBy: l.DraftedBy, QR: qr}
	case dossier.LetterSupplementIntake, dossier.LetterSupplementProcessing, dossier.LetterExtension, dossier.LetterLateApology:
		a := forms.Apology{Number: l.Number, IssuedAt: l.Date, Addressee: addressee, Address: d.Applicant.Address, Procedure: proc,
			DossierCode: d.Code, ReceivedAt: d.SubmittedAt, OriginalAppointment: d.Deadline, Reason: l.Reason,
			NewAppointment: l.NewAppointment, Signatory: signatory, QR: qr}
		switch l.Kind {
		case dossier.LetterSupplementIntake:
			a.Agency, a.Cause, a.Stage = agency(l.Receiving), forms.CauseGuidance, forms.StageIntake
			if a.Signatory.Title == "" {
				a.Signatory.Title = "Giám đốc"
			}
		case dossier.LetterSupplementProcessing:
			a.Agency, a.Cause, a.Stage = agency(l.Deciding), forms.CauseGuidance, forms.StageProcessing
		case dossier.LetterExtension:
			a.Agency, a.Cause, a.Stage = agency(l.Deciding), forms.CauseExtension, forms.StageProcessing
			a.Signatory = forms.Signatory{Authority: "TM. " + strings.ToUpper(l.Deciding.Name), Title: l.SignatoryTitle, Name: l.SignatoryName}
		case dossier.LetterLateApology:
			a.Agency, a.Cause, a.Stage = agency(l.Deciding), forms.CauseLate, forms.StageProcessing
		}
		if a.Signatory.Title == "" {
			a.Signatory.Title = "Thủ trưởng cơ quan"
		}
		if d.Deadline.IsZero() {
			a.OriginalAppointment = l.NewAppointment
		}
		f = a
	default:
		return nil, fmt.Errorf("%w: letter kind %q has no form", dossier.ErrInvalid, l.Kind)
	}
	doc, err := set.Render(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", dossier.ErrInvalid, err)
	}
	b := doc.Signature
	return &dossier.RenderedLetter{PDF: doc.PDF, Page: b.Page, X: b.X, Y: b.Y, Width: b.W, Height: b.H, Title: doc.Title}, nil
}
