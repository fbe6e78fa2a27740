package dossier

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Sources of a document: where it comes from decides its legal validity
// (QĐ 03/2020 Đ8–9; shared/DOMAIN.md, rows 1–7), plus documents kyso's
// units issue natively (results, letters, notices).
const (
	SourceAccount  = "account"           // 1: account data verified against a national database
	SourceCitizen  = "citizen_digitized" // 2: digitized by the citizen submitting online
	SourceDesk     = "desk_digitized"    // 3: digitized at the intake desk
	SourceAgency   = "agency_digitized"  // 4: digitized while processing at the deciding agency
	SourceResult   = "result_digitized"  // 5: a digitized result of the deciding agency
	SourceNational = "national_database" // 6: a national database connected to the portal
	SourceOther    = "other_system"      // 7: another system the province names
	SourceIssued   = "issued"            // issued electronically by a unit (result, letter, notice)
)

var sources = []string{SourceAccount, SourceCitizen, SourceDesk, SourceAgency, SourceResult, SourceNational, SourceOther, SourceIssued}

// Roles of a document in its dossier.
const (
	DocComponent  = "component"          // thành phần hồ sơ
	DocSupplement = "supplement"         // a supplement the applicant brought
	DocReceipt    = "receipt"            // giấy tiếp nhận và hẹn trả kết quả (mẫu 01)
	DocGuidance   = "supplement_request" // phiếu yêu cầu bổ sung, hoàn thiện (mẫu 02)
	DocRefusal    = "refusal"            // phiếu từ chối (mẫu 03)
	DocApology    = "apology_letter"     // phiếu xin lỗi và hẹn lại ngày trả (mẫu 04)
	DocControl    = "control_sheet"      // phiếu kiểm soát quá trình (mẫu 05)
	DocStepResult = "step_result"        // the signed result of one step of an inter-agency chain
	DocResult     = "result"             // kết quả giải quyết
	DocWorking    = "working"            // a working document of the agency (draft, opinion)
)

var docRoles = []string{DocComponent, DocSupplement, DocReceipt, DocGuidance, DocRefusal, DocApology, DocControl, DocStepResult, DocResult, DocWorking}

// Facts are what the uploader states about a document, checked where kyso
// can check them. They are kept with the document version.
type Facts struct {
	// National database reference (sources 1 and 6): which database, and
	// the record's identifier there.
	Database  string `json:"database,omitempty"`
	Reference string `json:"reference,omitempty"`
	// VerifiedBy: the agency verified account data directly (source 1).
	VerifiedBy string `json:"verified_by,omitempty"`
	// System names the other system a document came from (source 7).
	System string `json:"system,omitempty"`
	// Typed: data typed into the system, not a scan (source 4b).
	Typed bool `json:"typed,omitempty"`
	// SealVisible: the scan shows the full signatures and red seal of the
	// paper document (sources 4d, 5b), as the digitizing officer states.
	SealVisible bool `json:"seal_visible,omitempty"`
	// Digitization is the TT 01/2023 record of a desk scan (JSON).
	Digitization json.RawMessage `json:"digitization,omitempty"`
	// LetterKind: for letters, which letter this is; NewAppointment the
	// new date an apology letter announces.
	LetterKind     string     `json:"letter_kind,omitempty"`
	NewAppointment *time.Time `json:"new_appointment,omitempty"`
	// ReusedFrom: the version of another dossier this one reuses
	// (TT 01/2023); it is assessed as made by that version's uploader at
	// that version's time.
	ReusedFrom int64 `json:"reused_from,omitempty"`
}

// DocumentInput is a document to add.
type DocumentInput struct {
	Role      string    // one of the Doc… roles
	Source    string    // one of the Source… constants
	Component string    // component code of the procedure (components)
	Title     string    // human title, e.g. "Giấy đề nghị đăng ký hộ kinh doanh"
	Name      string    // file name
	MediaType string    // default application/pdf
	Body      io.Reader // the bytes
	Facts     Facts
	// Version, when non-zero, makes this a new version of that document
	// lineage (e.g. the signed version of a draft).
	Version int64
}

// DocumentVersion is one stored version of a dossier document.
type DocumentVersion struct {
	ID         int64       `json:"id"`       // dossier_documents row
	Lineage    int64       `json:"lineage"`  // id of the first version
	Version    int         `json:"version"`  // 1, 2, …
	Document   int64       `json:"document"` // storage documents row
	Dossier    string      `json:"dossier"`
	Role       string      `json:"role"`
	Source     string      `json:"source"`
	Component  string      `json:"component,omitempty"`
	Title      string      `json:"title"`
	Name       string      `json:"name"`
	MediaType  string      `json:"media_type"`
	SHA256     string      `json:"sha256"`
	Size       int64       `json:"size"`
	Facts      Facts       `json:"facts"`
	CreatedBy  string      `json:"created_by"`
	CreatedAt  time.Time   `json:"created_at"`
	Assessment *Assessment `json:"assessment,omitempty"`
	Inspection *Inspection `json:"inspection,omitempty"`
}

// MaxDocumentSize bounds one document (uploads are refused beyond it).
const MaxDocumentSize = 512 << 20

// spooled is a document's bytes on disk while it is inspected and stored.
type spooled struct {
	f    *os.File
	size int64
	sum  storage.Sum
}

func (sp *spooled) Close() { sp.f.Close(); os.Remove(sp.f.Name()) }

// spool copies r to a temporary file, hashing it, refusing more than max bytes.
func spool(r io.Reader, max int64) (*spooled, error) {
	if r == nil {
		return nil, invalidf("document has no body")
	}
	f, err := os.CreateTemp("", "kyso-doc-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = fmt.Errorf("%w: document larger than %d bytes", ErrInvalid, max)
	}
	if err == nil && n == 0 {
		err = invalidf("document is empty (0 bytes)")
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	sp := &spooled{f: f, size: n}
	copy(sp.sum[:], h.Sum(nil))
	return sp, nil
}

// prepared is a document whose bytes are stored and inspected, waiting
// for its rows.
type prepared struct {
	in         DocumentInput
	info       storage.ObjectInfo
	inspection *Inspection
}

// prepare checks in, stores its bytes and inspects its signatures — the
// slow part, done before the transaction.
func (e *Engine) prepare(ctx context.Context, in DocumentInput) (*prepared, error) {
	if !slices.Contains(docRoles, in.Role) {
		return nil, invalidf("document role %q (known: %s)", in.Role, strings.Join(docRoles, ", "))
	}
	if !slices.Contains(sources, in.Source) {
		return nil, invalidf("document source %q (known: %s)", in.Source, strings.Join(sources, ", "))
	}
	if in.MediaType == "" {
		in.MediaType = "application/pdf"
	}
	if strings.TrimSpace(in.Title) == "" {
		return nil, invalidf("document title is empty")
	}
	if in.Name == "" {
		in.Name = in.Title + ".pdf"
	}
	sp, err := spool(in.Body, MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	defer sp.Close()
	p := &prepared{in: in}
	if in.MediaType == "application/pdf" {
		if !isPDF(sp.f) {
			return nil, invalidf("document %q is declared application/pdf but is not a PDF", in.Name)
		}
		if p.inspection, err = e.inspector.Inspect(ctx, sp.f, sp.size); err != nil {
			return nil, fmt.Errorf("document %q: %w", in.Name, err)
		}
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if p.info, err = e.store.Objects.Put(ctx, sp.f); err != nil {
		return nil, err
	}
	if p.info.SHA256 != sp.sum {
		return nil, fmt.Errorf("document %q: the object store kept %s, kyso hashed %s", in.Name, p.info.SHA256, sp.sum)
	}
	p.in.Body = nil
	return p, nil
}

func isPDF(f *os.File) bool {
	var b [1024]byte
	n, _ := f.ReadAt(b[:], 0)
	return strings.Contains(string(b[:n]), "%PDF-")
}

// insert adds the rows of a prepared document (document, object reference,
// dossier document, validation report) and its evidence entries to the step.
func (s *step) insert(ctx context.Context, p *prepared) (*DocumentVersion, error) {
	in := p.in
	v := &DocumentVersion{Dossier: s.d.Code, Role: in.Role, Source: in.Source, Component: in.Component, Title: in.Title,
		Name: in.Name, MediaType: in.MediaType, SHA256: p.info.SHA256.String(), Size: p.info.Size, Facts: in.Facts,
		CreatedBy: s.actor.String(), CreatedAt: s.now, Inspection: p.inspection, Version: 1}
	var parent int64
	var prevSHA string
	if in.Version != 0 {
		prev, err := latestVersionTx(ctx, s.tx, in.Version)
		if err != nil {
			return nil, err
		}
		if prev.Dossier != s.d.Code {
			return nil, fmt.Errorf("%w: document %d belongs to dossier %s", ErrInvalid, in.Version, prev.Dossier)
		}
		v.Lineage, v.Version, parent, prevSHA = prev.Lineage, prev.Version+1, prev.Document, prev.SHA256
		if v.Role != prev.Role {
			return nil, invalidf("a new version of a %s cannot be a %s", prev.Role, v.Role)
		}
	}
	doc, err := s.tx.InsertDocument(ctx, storage.Document{SHA256: p.info.SHA256, Size: p.info.Size, CreatedAt: s.now,
		DocumentMeta: storage.DocumentMeta{MediaType: in.MediaType, Name: in.Name, Source: in.Source, Dossier: s.d.Code,
			Uploader: s.actor.String(), Parent: parent}})
	if err != nil {
		return nil, err
	}
	v.Document = doc.ID
	facts, err := json.Marshal(in.Facts)
	if err != nil {
		return nil, err
	}
	if err := s.tx.QueryRow(ctx, `INSERT INTO dossier_documents (dossier_id, document_id, lineage, version, role, source, component, title, facts, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, s.d.ID, doc.ID, v.Lineage, v.Version, v.Role, v.Source,
		v.Component, v.Title, string(facts), v.CreatedBy, storage.FormatTime(s.now)).Scan(&v.ID); err != nil {
		return nil, err
	}
	if v.Lineage == 0 {
		v.Lineage = v.ID
		if _, err := s.tx.Exec(ctx, "UPDATE dossier_documents SET lineage = $1 WHERE id = $1 AND lineage = 0", v.ID); err != nil {
			return nil, err
		}
	}
	subject := evidence.Subject{SHA256: v.SHA256, Document: doc.ID, Dossier: s.d.Code}
	s.entries = append(s.entries, evidence.Entry{Type: evidence.DocumentReceived, Time: s.now, Actor: s.actor.String(), Subject: subject,
		Data: map[string]any{"size": v.Size, "media_type": v.MediaType, "name": v.Name, "source": v.Source, "role": v.Role,
			"component": v.Component, "lineage": v.Lineage, "version": v.Version, "parent": parent}})
	if p.inspection != nil {
		rep, err := s.tx.InsertReport(ctx, storage.Report{Kind: "validation", Subject: p.info.SHA256, Body: reportBody(p.inspection), CreatedAt: s.now})
		if err != nil {
			return nil, err
		}
		typ := evidence.DocumentValidated
		if v.Version > 1 && len(p.inspection.Signatures) > 0 {
			s.entries = append(s.entries, evidence.Entry{Type: evidence.DocumentSigned, Time: s.now, Actor: s.actor.String(), Subject: subject,
				Data: map[string]any{"signatures": len(p.inspection.Signatures), "previous_document": parent, "previous_sha256": prevSHA,
					"level": topLevel(p.inspection)}})
		}
		s.entries = append(s.entries, evidence.Entry{Type: typ, Time: s.now, Actor: s.actor.String(), Subject: subject,
			Data: map[string]any{"indication": p.inspection.Indication, "report": rep.ID, "signatures": signatureSummary(p.inspection)}})
	}
	if err := s.assessInTx(ctx, v, "document received"); err != nil {
		return nil, err
	}
	return v, nil
}

// storedInspection is the body of a validation report: what the engine
// uses, and the verifier's full report.
type storedInspection struct {
	Inspection
	Report json.RawMessage `json:"report,omitempty"`
}

func reportBody(in *Inspection) string {
	b, _ := json.Marshal(storedInspection{Inspection: *in, Report: in.Report})
	return string(b)
}

func signatureSummary(in *Inspection) []map[string]any {
	out := []map[string]any{}
	for _, sg := range in.Signatures {
		out = append(out, map[string]any{"name": sg.Name, "indication": sg.Indication, "organisation": sg.Organisation,
			"signing_time": sg.SigningTime.UTC().Format(time.RFC3339)})
	}
	return out
}

// AddDocument adds a document (or a new version of one) to a dossier:
// bytes first, then the rows, the validation report, the provenance
// assessment and their evidence entries in one transaction. Who may add
// what: the applicant components and supplements; intake staff of the
// receiving unit desk scans; the processing unit's staff working
// documents, step results and results.
func (e *Engine) AddDocument(ctx context.Context, code string, actor Actor, in DocumentInput) (*DocumentVersion, error) {
	p, err := e.prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	var v *DocumentVersion
	_, err = e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.mayAdd(p.in); err != nil {
			return nil, err
		}
		var err error
		v, err = s.insert(ctx, p)
		if err != nil {
			return nil, err
		}
		return &Event{Kind: "document_added", Reason: v.Title, Data: EventData{Document: v.Lineage}}, nil
	})
	return v, err
}

// mayAdd: who may add which document, in which state.
func (s *step) mayAdd(in DocumentInput) error {
	if s.d.State.Final() {
		return s.refuse(RuleLifecycle, "dossier %s is closed (%s)", s.d.Code, s.d.State)
	}
	switch in.Role {
	case DocComponent, DocSupplement:
		switch s.actor.Role {
		case RoleCitizen:
			if in.Source != SourceCitizen && in.Source != SourceAccount && in.Source != SourceNational && in.Source != SourceOther {
				return fmt.Errorf("%w: an applicant's upload cannot claim source %s", ErrForbidden, in.Source)
			}
			return nil
		case RoleIntake:
			return s.as("adding a component", []Role{RoleIntake}, s.d.Unit)
		case RoleSpecialist:
			if in.Source != SourceAgency {
				return fmt.Errorf("%w: a specialist adds components digitized at the agency (source %s)", ErrForbidden, SourceAgency)
			}
			return s.as("adding a component", []Role{RoleSpecialist}, s.d.ProcessingUnit)
		}
		return fmt.Errorf("%w: %s cannot add components", ErrForbidden, s.actor.Role)
	case DocWorking, DocStepResult, DocResult:
		if s.d.ProcessingUnit == "" {
			return s.refuse(RuleLifecycle, "dossier %s is not at a deciding agency yet", s.d.Code)
		}
		return s.as("adding a "+in.Role, []Role{RoleSpecialist, RoleHead, RoleSeal}, s.d.ProcessingUnit)
	default:
		// Letters and notices: drafted by the engine (DraftLetter), their
		// signed versions added by whoever signs them.
		if in.Version == 0 {
			return fmt.Errorf("%w: %s documents are drafted by DraftLetter", ErrInvalid, in.Role)
		}
		return s.as("signing a "+in.Role, []Role{RoleIntake, RoleSpecialist, RoleHead, RoleSeal}, s.d.Unit, s.d.ProcessingUnit)
	}
}

// Documents returns every version of every document of the dossier, with
// its latest assessment, oldest first.
func (e *Engine) Documents(ctx context.Context, code string) ([]*DocumentVersion, error) {
	var out []*DocumentVersion
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		out, err = versionsTx(ctx, tx, "dd.dossier_id = (SELECT id FROM dossiers WHERE code = $1)", code)
		return err
	})
	return out, err
}

// Version returns one document version (dossier_documents id).
func (e *Engine) Version(ctx context.Context, id int64) (*DocumentVersion, error) {
	var v *DocumentVersion
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		vs, err := versionsTx(ctx, tx, "dd.id = $1", id)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return fmt.Errorf("%w: document version %d", ErrNotFound, id)
		}
		v = vs[0]
		return nil
	})
	return v, err
}

// Latest returns the newest version of a lineage.
func (e *Engine) Latest(ctx context.Context, lineage int64) (*DocumentVersion, error) {
	var v *DocumentVersion
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		v, err = latestVersionTx(ctx, tx, lineage)
		return err
	})
	return v, err
}

func latestVersionTx(ctx context.Context, tx *storage.Tx, lineageOrID int64) (*DocumentVersion, error) {
	vs, err := versionsTx(ctx, tx, "dd.lineage = (SELECT lineage FROM dossier_documents WHERE id = $1)", lineageOrID)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: document %d", ErrNotFound, lineageOrID)
	}
	return vs[len(vs)-1], nil
}

func versionsTx(ctx context.Context, tx *storage.Tx, where string, args ...any) ([]*DocumentVersion, error) {
	rows, err := tx.Query(ctx, `SELECT dd.id, dd.lineage, dd.version, dd.document_id, d.code, dd.role, dd.source, dd.component, dd.title,
		doc.name, doc.media_type, doc.sha256, doc.size, dd.facts, dd.created_by, dd.created_at
		FROM dossier_documents dd JOIN dossiers d ON d.id = dd.dossier_id JOIN documents doc ON doc.id = dd.document_id
		WHERE `+where+` ORDER BY dd.lineage, dd.version`, args...)
	if err != nil {
		return nil, err
	}
	var out []*DocumentVersion
	for rows.Next() {
		v := &DocumentVersion{}
		var facts, created string
		if err := rows.Scan(&v.ID, &v.Lineage, &v.Version, &v.Document, &v.Dossier, &v.Role, &v.Source, &v.Component, &v.Title,
			&v.Name, &v.MediaType, &v.SHA256, &v.Size, &facts, &v.CreatedBy, &created); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(facts), &v.Facts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("document %d: facts: %w", v.ID, err)
		}
		v.CreatedAt, _ = storage.ParseTime(created)
		v.CreatedAt = v.CreatedAt.In(vietnam)
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Each version's current assessment and its bytes' latest validation:
	// one indexed row each, however many versions share the same bytes.
	for _, v := range out {
		var body string
		err := tx.QueryRow(ctx, `SELECT r.body FROM dossier_assessments a JOIN reports r ON r.id = a.report_id
			WHERE a.version_id = $1 ORDER BY a.report_id DESC LIMIT 1`, v.ID).Scan(&body)
		switch {
		case err == nil:
			var a Assessment
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				return nil, fmt.Errorf("document %d: assessment: %w", v.ID, err)
			}
			v.Assessment = &a
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
		err = tx.QueryRow(ctx, `SELECT body FROM reports WHERE subject_sha256 = $1 AND kind = 'validation'
			ORDER BY id DESC LIMIT 1`, v.SHA256).Scan(&body)
		switch {
		case err == nil:
			var si storedInspection
			if err := json.Unmarshal([]byte(body), &si); err == nil {
				si.Inspection.Report = si.Report
				v.Inspection = &si.Inspection
			}
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	return out, nil
}

// documentsBySource lists the document versions of a source (for re-assessment).
func documentsBySource(ctx context.Context, tx *storage.Tx, source string) ([]int64, error) {
	rows, err := tx.Query(ctx, "SELECT id FROM dossier_documents WHERE source = $1 ORDER BY id", source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Open returns the bytes of a document version, verified against its hash.
func (e *Engine) Open(ctx context.Context, v *DocumentVersion) (io.ReadCloser, error) {
	sum, err := storage.ParseSum(v.SHA256)
	if err != nil {
		return nil, err
	}
	return e.store.Objects.Open(ctx, sum)
}

// VerifierReport returns the verifier's full report kept in the body of a
// stored validation report (storage report kind "validation").
func VerifierReport(body string) (json.RawMessage, error) {
	var si storedInspection
	if err := json.Unmarshal([]byte(body), &si); err != nil {
		return nil, err
	}
	if len(si.Report) == 0 {
		return nil, fmt.Errorf("%w: the validation report holds no verifier report", ErrNotFound)
	}
	return si.Report, nil
}

// topLevel is the highest PAdES level the document's signatures reach.
func topLevel(in *Inspection) string {
	rank := map[string]int{"B-B": 1, "B-T": 2, "B-LT": 3, "B-LTA": 4}
	best := ""
	for _, sg := range in.Signatures {
		if rank[sg.Level] > rank[best] {
			best = sg.Level
		}
	}
	return best
}

// AddArchivalVersion adds a new version of a document of a closed dossier
// made for its preservation — the B-LTA extension before export to the
// archive, a time-stamp renewal — with its validation, assessment and
// document.signed entry. Only archivists (and kyso itself) may.
func (e *Engine) AddArchivalVersion(ctx context.Context, code string, actor Actor, lineage int64, body io.Reader) (*DocumentVersion, error) {
	if actor != System && actor.Role != RoleArchivist {
		return nil, fmt.Errorf("%w: only archivists preserve archived documents", ErrForbidden)
	}
	latest, err := e.Latest(ctx, lineage)
	if err != nil {
		return nil, err
	}
	if latest.Dossier != code {
		return nil, fmt.Errorf("%w: document %d belongs to dossier %s", ErrInvalid, lineage, latest.Dossier)
	}
	p, err := e.prepare(ctx, DocumentInput{Role: latest.Role, Source: latest.Source, Component: latest.Component, Title: latest.Title,
		Name: latest.Name, MediaType: latest.MediaType, Body: body, Facts: latest.Facts, Version: lineage})
	if err != nil {
		return nil, err
	}
	var v *DocumentVersion
	_, err = e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if actor != System && actor.Unit != s.d.Unit {
			return nil, fmt.Errorf("%w: the archivist of %s preserves its dossiers, not those of %s", ErrForbidden, actor.Unit, s.d.Unit)
		}
		var err error
		if v, err = s.insert(ctx, p); err != nil {
			return nil, err
		}
		return &Event{Kind: "document_preserved", Reason: "Bổ sung dữ liệu xác thực dài hạn (PAdES B-LTA) để lưu trữ", Data: EventData{Document: v.Lineage}}, nil
	})
	return v, err
}
