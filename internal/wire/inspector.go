package wire

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/verifier"
)

// Inspector validates documents with package verifier.
type Inspector struct {
	Trust       *certs.TrustStore
	Revocation  certs.RevocationMode
	AllowOnline bool
	HTTPClient  *http.Client
	// PDF bounds reading hostile files (the verifier's defaults when nil).
	PDF *pdf.Options
}

// Inspect implements dossier.Inspector. A file the verifier cannot read
// is not an error of the dossier: it is reported as INDETERMINATE with no
// signatures, so an unsigned scan is still a document.
func (i *Inspector) Inspect(ctx context.Context, r io.ReaderAt, size int64) (*dossier.Inspection, error) {
	rep, err := verifier.Verify(ctx, r, size, verifier.Options{Trust: i.Trust, Revocation: i.Revocation,
		AllowOnline: i.AllowOnline, HTTPClient: i.HTTPClient, PDF: i.PDF})
	if err != nil {
		return nil, err
	}
	return Inspection(rep)
}

// Inspection converts a verifier report.
func Inspection(rep *verifier.Report) (*dossier.Inspection, error) {
	raw, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	in := &dossier.Inspection{Indication: string(rep.Indication), Summary: rep.VerdictText("vi"), Report: raw,
		Signatures: []dossier.Signature{}}
	for _, s := range rep.Signatures {
		if s.Kind != "signature" {
			continue
		}
		sg := dossier.Signature{Valid: s.Indication == verifier.TotalPassed, Indication: string(s.Indication),
			SubIndication: string(s.SubIndication), SigningTime: s.BestTime, Level: s.Level}
		if s.ClaimedTime != nil && s.BestTimeProof == "validation-time" {
			sg.SigningTime = *s.ClaimedTime
		}
		if si := s.Signer; si != nil {
			sg.Organisation, sg.Name, sg.Title, sg.Unit, sg.Organization = si.Organisation, si.Name, si.Title, si.Unit, si.Organization
			sg.IDKind, sg.IDNumber, sg.AgencyCode = si.IDKind, si.IDNumber, si.AgencyCode
		}
		in.Signatures = append(in.Signatures, sg)
	}
	return in, nil
}
