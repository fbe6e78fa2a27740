package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/signer"
)

// DigitizeRequest is a batch of scans brought to the desk for a dossier.
type DigitizeRequest struct {
	Inputs     []digitize.Input
	Split      digitize.SplitMode
	Ranges     string
	OCR        bool
	Components []digitize.Metadata // per produced document, in order
	// Credential signs every produced document (one PIN entry for the
	// batch); nil leaves them unsigned for the two-phase flow.
	Credential *signer.Credential
	AsCentre   bool // an organisation signature of the centre instead of the officer's
	Level      signer.Level
	TSA        *signer.TSA
	Profile    *digitize.Profile // nil: digitize.DefaultProfile with the dossier profile's resolution
}

// DigitizeResult is what became of a batch: the stored versions, the
// documents offered for reuse instead, and per-file reports.
type DigitizeResult struct {
	Batch    *digitize.Batch
	Versions []*dossier.DocumentVersion
	Reused   []*dossier.DocumentVersion
	Errors   []string // per document that was not stored
}

// Digitize turns the scans into one PDF per paper document (package
// digitize: PDF/A, footer, TT 01/2023 record), signs them as the assigned
// officer, and adds each to the dossier as a desk-digitized component
// whose provenance the engine assesses (QĐ 03/2020 Đ9.3). A component the
// applicant's earlier dossiers already hold digitized and valid is reused
// instead of stored again. Files that fail are reported and the others go
// on; nothing half-stored remains.
func Digitize(ctx context.Context, eng *dossier.Engine, code string, actor dossier.Actor, req DigitizeRequest) (*DigitizeResult, error) {
	if actor.Role != dossier.RoleIntake {
		return nil, fmt.Errorf("%w: digitization at the desk is done by intake staff", dossier.ErrForbidden)
	}
	d, err := eng.Dossier(ctx, code)
	if err != nil {
		return nil, err
	}
	staff, err := eng.Staff(ctx, actor.Username)
	if err != nil {
		return nil, err
	}
	prof := req.Profile
	if prof == nil {
		prof = digitize.CopyProfile()
		if p, err := eng.Profiles().Profile(d.Profile); err == nil && p.MinScanDPI > 0 {
			prof.MinDPI = float64(p.MinScanDPI)
		}
	}
	opts := &digitize.Options{Profile: prof, Split: req.Split, Ranges: req.Ranges, OCR: req.OCR,
		Common: map[string]string{digitize.FieldDossierCode: code}, Components: req.Components,
		Operator: digitize.Operator{Name: staff.FullName, Account: staff.OfficialAccount, Title: staff.Title, Unit: staff.Unit},
		Time:     eng.Now()}
	as, err := eng.Assignments(ctx, staff.Username)
	if err != nil {
		return nil, err
	}
	for i := len(as) - 1; i >= 0; i-- {
		a := as[i]
		if a.Covers(staff.Username, opts.Time) {
			opts.Assignment = &digitize.Assignment{Number: a.Number, Date: a.SignedOn, SignedBy: a.SignedBy,
				Staff: []string{staff.OfficialAccount}, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo}
			break
		}
	}
	reuse := map[string]*dossier.DocumentVersion{}
	opts.Existing = func(ctx context.Context, m digitize.Metadata) (*digitize.Record, error) {
		comp := m.Get(digitize.FieldComponentCode)
		if comp == "" {
			return nil, nil
		}
		v, err := eng.FindDigitized(ctx, d.Applicant.IDNumber, comp)
		if errors.Is(err, dossier.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var rec digitize.Record
		if len(v.Facts.Digitization) > 0 {
			if err := json.Unmarshal(v.Facts.Digitization, &rec); err != nil {
				return nil, err
			}
		}
		rec.SHA256 = v.SHA256
		reuse[comp] = v
		return &rec, nil
	}
	if req.Credential != nil {
		level := req.Level
		if level < signer.LevelBT {
			level = signer.LevelBT
		}
		opts.Sign = &digitize.SignOptions{Credential: req.Credential, Level: level, TSA: req.TSA, AsCentre: req.AsCentre, Time: opts.Time}
	}
	batch, err := digitize.Process(ctx, req.Inputs, opts)
	if err != nil {
		return nil, err
	}
	res := &DigitizeResult{Batch: batch}
	for _, doc := range batch.Documents {
		comp := doc.Record.Metadata.Get(digitize.FieldComponentCode)
		if doc.Reused() {
			if v := reuse[comp]; v != nil {
				nv, err := eng.Reuse(ctx, code, actor, v.ID)
				if err != nil {
					res.Errors = append(res.Errors, fmt.Sprintf("%s: reuse: %v", doc.Name, err))
					continue
				}
				res.Reused = append(res.Reused, nv)
			}
			continue
		}
		if doc.Err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", doc.Name, doc.Err))
			continue
		}
		title := doc.Record.Metadata.Get(digitize.FieldComponentName)
		if title == "" {
			title = doc.Name
		}
		v, err := eng.AddDocument(ctx, code, actor, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceDesk,
			Component: comp, Title: title, Name: doc.Name + ".pdf", Body: bytes.NewReader(doc.PDF),
			Facts: dossier.Facts{Digitization: doc.Record.JSON()}})
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", doc.Name, err))
			continue
		}
		res.Versions = append(res.Versions, v)
	}
	return res, nil
}
