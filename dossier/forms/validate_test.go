package forms_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier/forms"
)

// fieldsOf lists the fields named by the FieldErrors in err (which may be
// several joined).
func fieldsOf(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		var fe *forms.FieldError
		if x, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range x.Unwrap() {
				walk(c)
			}
		} else if errors.As(e, &fe) {
			out = append(out, fe.Field)
		}
	}
	walk(err)
	return out
}

func TestInvalidInput(t *testing.T) {
	tt01, err := forms.VersionByID("TT01-2018")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		form  forms.Form
		field string // the field the error must name
	}{
		{"apology without a new appointment", func() forms.Form { a := apology(); a.NewAppointment = time.Time{}; return a }(), "NewAppointment"},
		{"apology new appointment not after the original", func() forms.Form {
			a := apology()
			a.NewAppointment = a.OriginalAppointment
			return a
		}(), "NewAppointment"},
		{"apology new appointment before the original", func() forms.Form {
			a := apology()
			a.NewAppointment = a.OriginalAppointment.Add(-24 * time.Hour)
			return a
		}(), "NewAppointment"},
		{"apology without a reason", func() forms.Form { a := apology(); a.Reason = "  "; return a }(), "Reason"},
		{"apology without a number", func() forms.Form { a := apology(); a.Number = ""; return a }(), "Number"},
		{"apology without a signatory", func() forms.Form { a := apology(); a.Signatory.Name = ""; return a }(), "Signatory.Name"},
		{"apology original appointment before receipt", func() forms.Form {
			a := apology()
			a.OriginalAppointment = a.ReceivedAt.Add(-time.Hour)
			return a
		}(), "OriginalAppointment"},
		{"apology unknown cause", func() forms.Form { a := apology(); a.Cause = 9; return a }(), "Cause"},
		{"extension at intake", func() forms.Form { a := extension2025(); a.Stage = forms.StageIntake; return a }(), "Stage"},
		{"extension issued after the deadline", func() forms.Form {
			a := extension2025()
			a.IssuedAt = a.OriginalAppointment.Add(time.Hour)
			return a
		}(), "IssuedAt"},
		{"agency without a place", func() forms.Form { a := apology(); a.Agency.Place = ""; return a }(), "Agency.Place"},
		{"refusal with no reasons", func() forms.Form { r := refusal(); r.Reasons = nil; return r }(), "Reasons"},
		{"refusal with an empty reason", func() forms.Form { r := refusal(); r.Reasons = []string{"ok", ""}; return r }(), "Reasons[1]"},
		{"supplement with no items", func() forms.Form { s := supplement(); s.Items = []string{}; return s }(), "Items"},
		{"supplement round 0", func() forms.Form { s := supplement(); s.Round = 0; return s }(), "Round"},
		{"supplement without the guiding officer", func() forms.Form { s := supplement(); s.GuidedBy = ""; return s }(), "GuidedBy"},
		{"receipt with no components", func() forms.Form { r := receipt(); r.Components = nil; return r }(), "Components"},
		{"receipt component count 0", func() forms.Form { r := receipt(); r.Components[1].Count = 0; return r }(), "Components[1].Count"},
		{"receipt component without kind", func() forms.Form { r := receipt(); r.Components[2].Kind = ""; return r }(), "Components[2].Kind"},
		{"receipt appointment before receipt", func() forms.Form {
			r := receipt()
			r.AppointmentAt = r.ReceivedAt.Add(-time.Minute)
			return r
		}(), "AppointmentAt"},
		{"receipt without a dossier code", func() forms.Form { r := receipt(); r.DossierCode = ""; return r }(), "DossierCode"},
		{"receipt name with a newline", func() forms.Form { r := receipt(); r.Applicant.Name = "Nguyễn\nThị Hằng"; return r }(), "Applicant.Name"},
		{"receipt name in a script the typeface lacks", func() forms.Form { r := receipt(); r.Applicant.Name = "王小明"; return r }(), "Applicant.Name"},
		{"receipt received in year 1", func() forms.Form { r := receipt(); r.ReceivedAt = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC); return r }(), "ReceivedAt"},
		{"QR without the applicant identifier", func() forms.Form { r := receipt(); r.QR.ApplicantID = ""; return r }(), "QR.ApplicantID"},
		{"control sheet handovers out of order", func() forms.Form {
			s := controlSheet()
			s.Handovers[1].At = s.Handovers[0].At.Add(-time.Minute)
			return s
		}(), "Handovers[1].At"},
		{"control sheet unknown result", func() forms.Form {
			s := controlSheet()
			s.Handovers[0].Result = "Sớm"
			return s
		}(), "Handovers[0].Result"},
		{"control sheet without handovers", func() forms.Form { s := controlSheet(); s.Handovers = nil; return s }(), "Handovers"},
		{"dossier log without rows", func() forms.Form { l := dossierLog(); l.Rows = nil; return l }(), "Rows"},
		{"dossier log period reversed", func() forms.Form { l := dossierLog(); l.From, l.To = l.To, l.From; return l }(), "To"},
		{"dossier log returned before received", func() forms.Form {
			l := dossierLog()
			l.Rows[0].ReturnedAt = l.Rows[0].ReceivedAt.Add(-time.Hour)
			return l
		}(), "Rows[0].ReturnedAt"},
		{"stop notice without reasons", func() forms.Form { s := stopNotice(); s.Reasons = nil; return s }(), "Reasons"},
	}
	tt03, err := forms.VersionByID("TT03-2025")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := tt01
			if tc.form.Kind() == forms.KindStopNotice {
				set = tt03
			}
			doc, err := set.Render(tc.form)
			if err == nil {
				t.Fatalf("rendered (%d bytes), want an error naming %s", len(doc.PDF), tc.field)
			}
			if !errors.Is(err, forms.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			got := fieldsOf(err)
			found := false
			for _, f := range got {
				found = found || f == tc.field
			}
			if !found {
				t.Errorf("error names %v, want %s: %v", got, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name %s", err, tc.field)
			}
		})
	}
}

// TestValidFixtures: every fixture is valid, so the cases above fail for
// the one change they make.
func TestValidFixtures(t *testing.T) {
	for _, c := range cases() {
		set, err := forms.Version(c.received)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := set.Render(c.form); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestStopNoticeNotIn2018(t *testing.T) {
	set, err := forms.VersionByID("TT01-2018")
	if err != nil {
		t.Fatal(err)
	}
	_, err = set.Render(stopNotice())
	if !errors.Is(err, forms.ErrNotInVersion) {
		t.Fatalf("err = %v, want ErrNotInVersion", err)
	}
	if errors.Is(err, forms.ErrInvalid) {
		t.Error("a missing template is not invalid data")
	}
}

func TestGuidanceApologyNeedsNoDates(t *testing.T) {
	set, _ := forms.VersionByID("TT01-2018")
	a := guidanceApology()
	doc, err := set.Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "THƯ XIN LỖI" || doc.Signer != forms.RoleIntakeHead {
		t.Errorf("title %q signer %q", doc.Title, doc.Signer)
	}
	// Dates, when given, must still be in order.
	a.OriginalAppointment = at(2025, time.July, 15, 16, 30)
	a.NewAppointment = at(2025, time.July, 10, 16, 30)
	if _, err := set.Render(a); !errors.Is(err, forms.ErrInvalid) {
		t.Errorf("reversed dates accepted: %v", err)
	}
}

func TestSignerRoles(t *testing.T) {
	late := apology()
	atIntake := apology()
	atIntake.Stage = forms.StageIntake
	tests := []struct {
		form forms.Form
		want forms.Role
		org  bool
	}{
		{receipt(), forms.RoleReceivingUnit, true},
		{supplement(), forms.RoleIntakeOfficer, false},
		{func() forms.Form { s := supplement(); s.Stage = forms.StageProcessing; return s }(), forms.RoleSpecialist, false},
		{refusal(), forms.RoleIntakeOfficer, false},
		{late, forms.RoleAgencyHead, false},
		{atIntake, forms.RoleIntakeHead, false},
		{extension2025(), forms.RoleDecidingAgency, true},
		{stopNotice(), forms.RoleAgencyHead, false},
		{controlSheet(), forms.RoleReceivingUnit, true},
		{dossierLog(), forms.RoleReceivingUnit, true},
	}
	for _, tc := range tests {
		if got := tc.form.SignerRole(); got != tc.want || got.Organisation() != tc.org {
			t.Errorf("%s: role %q (organisation %v), want %q (%v)", tc.form.Kind(), got, got.Organisation(), tc.want, tc.org)
		}
	}
}
