package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
)

// digitizeMetadata is the metadata part of a digitization upload.
type digitizeMetadata struct {
	// Split: per-file (default), ranges, blank or separator.
	Split  string `json:"split,omitempty"`
	Ranges string `json:"ranges,omitempty"` // for split "ranges", e.g. "1-3,4,5-8"
	OCR    bool   `json:"ocr,omitempty"`
	// Components: the metadata of each produced document, in order
	// (fields per the TT 01/2023 field set: component_code, component_name, …).
	Components []digitize.Metadata `json:"components,omitempty"`
	// Sign: "server" signs every document with the officer's server-held
	// key (one action for the batch); "none" stores them unsigned, for
	// the two-phase batch flow (POST /signing/batch/prepare).
	Sign string `json:"sign,omitempty"`
	// AsCentre: the centre's organisation signature instead of the officer's.
	AsCentre bool `json:"as_centre,omitempty"`
}

// digitizeResponse is what became of a digitization batch.
type digitizeResponse struct {
	Documents []*dossier.DocumentVersion `json:"documents"` // stored, each with its provenance assessment
	Reused    []*dossier.DocumentVersion `json:"reused"`    // components already digitized for the applicant, linked instead
	Files     []digitizeFile             `json:"files"`     // per input file
	Errors    []string                   `json:"errors"`    // per produced document that was not stored
	Signed    bool                       `json:"signed"`
}

type digitizeFile struct {
	Name     string   `json:"name"`
	Pages    int      `json:"pages"`
	Error    string   `json:"error,omitempty"` // why this file was refused; the others went on
	Warnings []string `json:"warnings,omitempty"`
}

// maxDigitizeFiles bounds one batch.
const maxDigitizeFiles = 200

// digitizeDossier turns an upload of scans (multipart: part metadata,
// then one part "file" per scanner file) into desk-digitized components of
// the dossier (issue 9; QĐ 03/2020 Đ9.3, TT 01/2023).
func (s *Server) digitizeDossier(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	a, ok := s.actorFor(w, r, d, false, []dossier.Role{dossier.RoleIntake}, d.Unit)
	if !ok {
		return
	}
	var m digitizeMetadata
	mr, ok := s.multipartOf(w, r, &m)
	if !ok {
		return
	}
	split := digitize.SplitPerFile
	if m.Split != "" {
		var err error
		if split, err = digitize.ParseSplitMode(m.Split); err != nil {
			writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: "metadata.split: " + err.Error()})
			return
		}
	}
	dir, err := os.MkdirTemp("", "kyso-digitize-*")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	var inputs []digitize.Input
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		if part.FormName() != "file" {
			s.uploadErr(w, r, fmt.Errorf("%w: expected parts named file, got %q", errMultipart, part.FormName()))
			return
		}
		if i >= maxDigitizeFiles {
			writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity,
				Detail: fmt.Sprintf("at most %d files per batch", maxDigitizeFiles)})
			return
		}
		sp, err := spoolPart(part)
		if err != nil {
			s.uploadErr(w, r, err)
			return
		}
		path := filepath.Join(dir, fmt.Sprintf("%03d", i))
		sp.f.Close()
		if err := os.Rename(sp.f.Name(), path); err != nil {
			os.Remove(sp.f.Name())
			s.fail(w, r, err)
			return
		}
		inputs = append(inputs, digitize.Input{Name: safeFileName(part.FileName(), fmt.Sprintf("scan-%d", i+1)), Path: path})
	}
	if len(inputs) == 0 {
		s.uploadErr(w, r, fmt.Errorf("%w: no file part", errMultipart))
		return
	}
	req := wire.DigitizeRequest{Inputs: inputs, Split: split, Ranges: m.Ranges, OCR: m.OCR, Components: m.Components,
		AsCentre: m.AsCentre, Level: s.signLevel(), TSA: s.cfg.TSA}
	resp := digitizeResponse{Documents: []*dossier.DocumentVersion{}, Reused: []*dossier.DocumentVersion{}, Files: []digitizeFile{}, Errors: []string{}}
	switch m.Sign {
	case "", "server":
		if s.cfg.Keys == nil {
			writeProblem(w, r, Problem{Type: problemBase + "no-server-key", Status: http.StatusConflict,
				Detail: "the server holds no signing keys: upload with sign \"none\" and sign through the two-phase batch flow"})
			return
		}
		cred, err := s.cfg.Keys.Credential(r.Context(), a.Username)
		if errors.Is(err, ErrNoServerKey) {
			writeProblem(w, r, Problem{Type: problemBase + "no-server-key", Status: http.StatusConflict,
				Detail: "the server holds no key of " + a.Username + ": upload with sign \"none\" and sign through the two-phase batch flow"})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if m.AsCentre {
			if !s.holdsSeal(r, d.Unit) {
				s.deny(w, r, http.StatusForbidden, "digitize", "only the unit's seal keeper applies its organisation signature")
				return
			}
		}
		req.Credential, resp.Signed = cred, true
	case "none":
	default:
		writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: `metadata.sign: want "server" or "none"`})
		return
	}
	res, err := wire.Digitize(r.Context(), s.eng, d.Code, a, req)
	if err != nil {
		s.uploadErr(w, r, err)
		return
	}
	resp.Documents = append(resp.Documents, res.Versions...)
	resp.Reused = append(resp.Reused, res.Reused...)
	resp.Errors = append(resp.Errors, res.Errors...)
	for _, f := range res.Batch.Files {
		df := digitizeFile{Name: f.Name, Pages: f.Pages, Warnings: f.Warnings}
		if f.Err != nil {
			df.Error = f.Err.Error()
		}
		resp.Files = append(resp.Files, df)
	}
	status := http.StatusCreated
	if len(resp.Documents)+len(resp.Reused) == 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, resp)
}

// holdsSeal: the principal is the seal keeper of unit.
func (s *Server) holdsSeal(r *http.Request, unit string) bool {
	_, ok := principalFrom(r.Context()).Act(dossier.RoleSeal, unit)
	return ok
}
