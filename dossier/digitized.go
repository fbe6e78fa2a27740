package dossier

import (
	"context"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Assignments returns the digitization assignment decisions naming username.
func (e *Engine) Assignments(ctx context.Context, username string) ([]Assignment, error) {
	var out []Assignment
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		out, err = assignmentsTx(ctx, tx, username)
		return err
	})
	return out, err
}

// FindDigitized returns the latest legally valid digitized version of a
// component of the applicant's earlier dossiers (TT 01/2023: what is
// digitized is never asked for again), or ErrNotFound.
func (e *Engine) FindDigitized(ctx context.Context, applicantID, component string) (*DocumentVersion, error) {
	var found *DocumentVersion
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.code, d.applicant FROM dossiers d
			WHERE EXISTS (SELECT 1 FROM dossier_documents dd WHERE dd.dossier_id = d.id AND dd.component = $1 AND dd.source = $2)
			ORDER BY d.id DESC`, component, SourceDesk)
		if err != nil {
			return err
		}
		var codes []string
		for rows.Next() {
			var code, applicant string
			if err := rows.Scan(&code, &applicant); err != nil {
				rows.Close()
				return err
			}
			codes = append(codes, code)
		}
		rows.Close()
		for _, code := range codes {
			d, err := loadDossier(ctx, tx, code)
			if err != nil {
				return err
			}
			if d.Applicant.IDNumber != applicantID || d.State == StateCancelled {
				continue
			}
			vs, err := versionsTx(ctx, tx, "dd.dossier_id = $1 AND dd.component = $2 AND dd.source = $3", d.ID, component, SourceDesk)
			if err != nil {
				return err
			}
			for i := len(vs) - 1; i >= 0; i-- {
				if vs[i].Assessment != nil && vs[i].Assessment.Status == StatusValid {
					found = vs[i]
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%w: no valid digitized %s of applicant", ErrNotFound, component)
	}
	return found, nil
}

// Reuse adds an already-digitized document version of another dossier of
// the same applicant to dossier code, instead of a new scan: the same
// bytes (no new object), a new document row, its own assessment.
func (e *Engine) Reuse(ctx context.Context, code string, actor Actor, versionID int64) (*DocumentVersion, error) {
	src, err := e.Version(ctx, versionID)
	if err != nil {
		return nil, err
	}
	var v *DocumentVersion
	_, err = e.change(ctx, code, actor, func(s *step) (*Event, error) {
		from, err := loadDossier(ctx, s.tx, src.Dossier)
		if err != nil {
			return nil, err
		}
		if from.Applicant.IDNumber != s.d.Applicant.IDNumber {
			return nil, fmt.Errorf("%w: document %d belongs to another applicant", ErrForbidden, versionID)
		}
		facts := src.Facts
		if facts.ReusedFrom == 0 {
			facts.ReusedFrom = src.ID
		}
		in := DocumentInput{Role: DocComponent, Source: src.Source, Component: src.Component, Title: src.Title, Name: src.Name,
			MediaType: src.MediaType, Facts: facts}
		if err := s.mayAdd(in); err != nil {
			return nil, err
		}
		sum, err := storage.ParseSum(src.SHA256)
		if err != nil {
			return nil, err
		}
		p := &prepared{in: in, info: storage.ObjectInfo{SHA256: sum, Size: src.Size}, inspection: src.Inspection}
		if v, err = s.insert(ctx, p); err != nil {
			return nil, err
		}
		return &Event{Kind: "document_reused", Reason: fmt.Sprintf("Sử dụng lại thành phần đã số hóa của hồ sơ %s", src.Dossier),
			Data: EventData{Document: v.Lineage}}, nil
	})
	return v, err
}

// Closed yields the codes of dossiers in a final state closed before t (of
// unit, when not empty), in code order.
func (e *Engine) Closed(ctx context.Context, before time.Time, unit string) ([]string, error) {
	var out []string
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.code FROM dossiers d JOIN dossier_events ev ON ev.dossier_id = d.id
			WHERE ev.to_state IN ('rejected', 'returned', 'cancelled', 'void') AND ev.from_state <> ev.to_state
			AND ev.at < $1 AND ($2 = '' OR d.unit = $2) ORDER BY d.code`, storage.FormatTime(before), unit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1] != c {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, err
}

// KindHandedOver records the hand-over of a closed dossier to the agency
// archive (TT 13/2023: within a year of closing).
const KindHandedOver = "handed_over"

// RecordHandover records that the closed dossier was exported to the
// archive in the package with this SHA-256 (archivists only).
func (e *Engine) RecordHandover(ctx context.Context, code string, actor Actor, packageSHA256 string) (*Dossier, error) {
	return e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if !s.d.State.Final() {
			return nil, s.refuse(RuleLifecycle, "only closed dossiers are handed over to the archive (state %s)", s.d.State)
		}
		if actor != System && (actor.Role != RoleArchivist || actor.Unit != s.d.Unit) {
			return nil, fmt.Errorf("%w: only archivists of %s hand its dossiers over to the archive", ErrForbidden, s.d.Unit)
		}
		s.entries = append(s.entries, evidence.Entry{Type: evidence.DossierExported, Time: s.now, Actor: s.actor.String(),
			Subject: evidence.Subject{Dossier: s.d.Code}, Data: map[string]any{"package_sha256": packageSHA256}})
		return &Event{Kind: KindHandedOver, Reason: "Nộp lưu hồ sơ vào Lưu trữ cơ quan"}, nil
	})
}
