package wire

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage"
)

// ArchiveMigrations are the tables of imported packages (versions 300–399):
// a dossier imported into this instance is kept as the package described
// it, so that exporting it again gives the same payload.
func ArchiveMigrations() []storage.Migration {
	v300 := `
CREATE TABLE archive_imports (
	code           TEXT PRIMARY KEY,
	unit           TEXT NOT NULL,
	closed_at      TEXT NOT NULL,
	record         TEXT NOT NULL,
	imported_at    TEXT NOT NULL
);
`
	return []storage.Migration{{Version: 300, Name: "archive: imported dossiers", SQLite: v300, Postgres: v300}}
}

// ErrNotClosed: only closed dossiers (returned, rejected, cancelled, void)
// go to the archive.
var ErrNotClosed = errors.New("the dossier is not closed")

// Archive adapts kyso's dossiers to package archive: it is the export's
// Source (the engine's closed dossiers, and dossiers imported from
// packages), the import's Sink, and the VersionStore that keeps the B-LTA
// versions made before export and at renewal. Actor is who preserves
// documents (an archivist, or dossier.System for the command line).
type Archive struct {
	Engine *dossier.Engine
	Actor  dossier.Actor
}

// record is an imported dossier as stored: archive.Dossier with the
// members its JSON form leaves to files of their own.
type record struct {
	Dossier      *archive.Dossier        `json:"dossier"`
	History      []archive.StateChange   `json:"history"`
	Digitization json.RawMessage         `json:"digitization,omitempty"`
	Provenance   json.RawMessage         `json:"provenance,omitempty"`
	Validation   json.RawMessage         `json:"validation,omitempty"`
	Archived     *archive.EvidenceBundle `json:"archived"`
}

// Dossiers implements archive.Source: the selected dossiers in code order.
func (a *Archive) Dossiers(ctx context.Context, sel archive.Selection) iter.Seq2[*archive.Dossier, error] {
	return func(yield func(*archive.Dossier, error) bool) {
		codes, err := a.codes(ctx, sel)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, c := range codes {
			d, err := a.dossier(ctx, c, sel.MetadataOnly)
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}

func (a *Archive) codes(ctx context.Context, sel archive.Selection) ([]string, error) {
	var codes []string
	if len(sel.Codes) > 0 {
		codes = slices.Clone(sel.Codes)
	} else {
		live, err := a.Engine.Closed(ctx, sel.ClosedBefore, sel.Unit)
		if err != nil {
			return nil, err
		}
		codes = append(codes, live...)
		err = a.Engine.Store().Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			rows, err := tx.Query(ctx, "SELECT code FROM archive_imports WHERE closed_at < $1 AND ($2 = '' OR unit = $2)",
				storage.FormatTime(sel.ClosedBefore), sel.Unit)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					return err
				}
				codes = append(codes, c)
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes), nil
}

// dossier builds the export record of one dossier.
func (a *Archive) dossier(ctx context.Context, code string, metadataOnly bool) (*archive.Dossier, error) {
	if rec, err := a.imported(ctx, code); err == nil {
		d := rec.Dossier
		d.History, d.Digitization, d.Provenance, d.Validation, d.Archived = rec.History, rec.Digitization, rec.Provenance, rec.Validation, rec.Archived
		return d, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	eng := a.Engine
	d, err := eng.Dossier(ctx, code)
	if errors.Is(err, dossier.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", archive.ErrNoDossier, code)
	}
	if err != nil {
		return nil, err
	}
	if !d.State.Final() {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotClosed, code, d.State)
	}
	unit, err := eng.Unit(ctx, d.Unit)
	if err != nil {
		return nil, err
	}
	masked := d.Applicant.Masked()
	out := &archive.Dossier{Code: d.Code, Title: fmt.Sprintf("Hồ sơ %s của %s", d.ProcedureName, masked.Name),
		Procedure: d.ProcedureName, ProcedureCode: d.Procedure, UnitCode: d.Unit, UnitName: unit.Name,
		Applicant: masked.Name, Opened: d.SubmittedAt, Closed: d.ClosedAt,
		// TT 13/2023: the retention of TTHC dossiers follows the agency's
		// list; ten years is the common term for results of this kind.
		Retention: "10 năm", AccessLevel: "Hạn chế", Language: "Tiếng Việt",
		Keywords:   []string{d.ProcedureName, unit.Name, d.State.Vietnamese()},
		HandedOver: d.HandedOver,
		Archive: archive.ArchiveFields{Reliability: "Bản điện tử có chữ ký số", OriginalPaperCode: d.Code,
			BackupMode: "Lưu trữ đối tượng theo mã băm SHA-256 (" + eng.Store().Objects.Name() + ")", BackupStatus: "Đã sao lưu"},
		Documents: []archive.Document{}}
	if out.Closed.IsZero() {
		out.Closed = d.LastEvent().At
	}
	if metadataOnly {
		return out, nil
	}
	if out.EntryIndexes, err = eng.LogEntries(ctx, code); err != nil {
		return nil, err
	}
	for _, ev := range d.Events {
		if ev.From != ev.To {
			out.History = append(out.History, archive.StateChange{From: string(ev.From), To: string(ev.To), Actor: ev.Actor,
				Role: string(ev.Role), Unit: ev.Unit, Time: ev.At, Reason: ev.Reason})
		}
	}
	versions, err := eng.Documents(ctx, code)
	if err != nil {
		return nil, err
	}
	var digitization, provenance, validation []any
	byLineage := map[int64]int{}
	for _, v := range versions {
		i, ok := byLineage[v.Lineage]
		if !ok {
			i = len(out.Documents)
			byLineage[v.Lineage] = i
			out.Documents = append(out.Documents, archive.Document{ID: strconv.FormatInt(v.Lineage, 10)})
		}
		kind := archive.Signed
		if v.Version == 1 {
			kind = archive.Received
		}
		out.Documents[i].Versions = append(out.Documents[i].Versions, archive.Version{Kind: kind, Role: v.Role, Source: v.Source,
			MediaType: v.MediaType, Name: v.Name, SHA256: v.SHA256, Size: v.Size, Created: v.CreatedAt})
		if len(v.Facts.Digitization) > 0 {
			digitization = append(digitization, map[string]any{"document": v.Lineage, "version": v.Version, "sha256": v.SHA256,
				"record": v.Facts.Digitization})
		}
		if v.Assessment != nil {
			provenance = append(provenance, v.Assessment)
		}
		if v.Inspection != nil {
			validation = append(validation, map[string]any{"document": v.Lineage, "version": v.Version, "sha256": v.SHA256,
				"indication": v.Inspection.Indication, "report": json.RawMessage(v.Inspection.Report)})
		}
	}
	for _, blob := range []struct {
		dst *json.RawMessage
		v   []any
	}{{&out.Digitization, digitization}, {&out.Provenance, provenance}, {&out.Validation, validation}} {
		if blob.v == nil {
			blob.v = []any{}
		}
		if *blob.dst, err = json.Marshal(blob.v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (a *Archive) imported(ctx context.Context, code string) (*record, error) {
	var raw string
	err := a.Engine.Store().Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, "SELECT record FROM archive_imports WHERE code = $1", code).Scan(&raw)
	})
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, fmt.Errorf("imported dossier %s: %w", code, err)
	}
	return &rec, nil
}

// Open implements archive.Source: the object's bytes, verified.
func (a *Archive) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	s, err := storage.ParseSum(sum)
	if err != nil {
		return nil, err
	}
	return a.Engine.Store().Objects.Open(ctx, s)
}

// PutObject implements archive.Sink.
func (a *Archive) PutObject(ctx context.Context, sum string, size int64, r io.Reader) error {
	info, err := a.Engine.Store().Objects.Put(ctx, r)
	if err != nil {
		return err
	}
	if info.SHA256.String() != sum || info.Size != size {
		return fmt.Errorf("imported object %s: stored %s (%d bytes), the package says %d bytes", sum, info.SHA256, info.Size, size)
	}
	return nil
}

// PutDossier implements archive.Sink: the imported dossier, its objects
// referenced (so GC keeps them), in one transaction; a code this instance
// already holds is refused.
func (a *Archive) PutDossier(ctx context.Context, d *archive.Dossier) error {
	if _, err := a.Engine.Dossier(ctx, d.Code); err == nil {
		return fmt.Errorf("dossier %s exists in this instance", d.Code)
	}
	rec := record{Dossier: d, History: d.History, Digitization: d.Digitization, Provenance: d.Provenance, Validation: d.Validation, Archived: d.Archived}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return a.Engine.Store().Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		for _, doc := range d.Documents {
			for _, v := range doc.Versions {
				s, err := storage.ParseSum(v.SHA256)
				if err != nil {
					return err
				}
				if err := tx.ReferenceObject(ctx, s, v.Size); err != nil {
					return err
				}
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO archive_imports (code, unit, closed_at, record, imported_at) VALUES ($1, $2, $3, $4, $5)",
			d.Code, d.UnitCode, storage.FormatTime(d.Closed), string(raw), storage.FormatTime(time.Now()))
		if err != nil {
			return fmt.Errorf("dossier %s: %w", d.Code, err)
		}
		return nil
	})
}

// AddVersion implements archive.VersionStore: the B-LTA version of a
// document of a live dossier, with its evidence (document.signed).
// Imported dossiers are kept as their package had them.
func (a *Archive) AddVersion(ctx context.Context, code, document string, v archive.Version, r io.Reader) error {
	lineage, err := strconv.ParseInt(document, 10, 64)
	if err != nil {
		return fmt.Errorf("document %q of dossier %s: not one of this instance's documents", document, code)
	}
	_, err = a.Engine.AddArchivalVersion(ctx, code, a.Actor, lineage, r)
	return err
}

// HandOver records the hand-over of the exported live dossiers.
func (a *Archive) HandOver(ctx context.Context, codes []string, packageSHA256 string) error {
	for _, c := range codes {
		if _, err := a.imported(ctx, c); err == nil {
			continue
		}
		if _, err := a.Engine.RecordHandover(ctx, c, a.Actor, packageSHA256); err != nil {
			return err
		}
	}
	return nil
}
