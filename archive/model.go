package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
)

// Dossier is what is exported of one dossier. Fields tagged "-" are
// written to their own files in the bag (see LAYOUT.md).
type Dossier struct {
	Code          string    `json:"code"` // mã hồ sơ
	Title         string    `json:"title"`
	Procedure     string    `json:"procedure"`                // name of the administrative procedure
	ProcedureCode string    `json:"procedure_code,omitempty"` // its code in the national catalogue
	UnitCode      string    `json:"unit_code"`                // receiving unit's official code (mã định danh)
	UnitName      string    `json:"unit_name"`
	Applicant     string    `json:"applicant"` // as given, already masked by the dossier domain
	Opened        time.Time `json:"opened"`
	Closed        time.Time `json:"closed"`
	Retention     string    `json:"retention"`    // thời hạn bảo quản: "10 năm", "Vĩnh viễn", …
	AccessLevel   string    `json:"access_level"` // chế độ sử dụng: "Công khai", "Hạn chế", …
	Language      string    `json:"language"`     // ngôn ngữ, e.g. "Tiếng Việt" or "vi"
	Keywords      []string  `json:"keywords,omitempty"`
	// Archive holds the remaining TT 05/2025 file-level fields.
	Archive ArchiveFields `json:"archive"`

	Documents []Document `json:"documents"`
	// EntryIndexes are the indexes of the dossier's evidence-log entries.
	EntryIndexes []uint64 `json:"evidence_entries"`

	History      []StateChange   `json:"-"` // history.json
	Digitization json.RawMessage `json:"-"` // digitization.json (TT 01/2023 metadata), as stored
	Provenance   json.RawMessage `json:"-"` // provenance.json, the provenance assessments, as stored
	Validation   json.RawMessage `json:"-"` // validation/stored-reports.json, the stored validation reports

	// Archived is the evidence of a dossier imported from a package: its
	// entries, proofs and checkpoint as they were exported. When set, it is
	// exported as is instead of being read from the live log.
	Archived *EvidenceBundle `json:"-"`
	// HandedOver is when the dossier was handed over to the archive (zero:
	// not yet). Not exported; Due uses it.
	HandedOver time.Time `json:"-"`
}

// ArchiveFields are the file-level archive metadata of Thông tư
// 05/2025/TT-BNV that the dossier record does not already carry.
type ArchiveFields struct {
	InformationSymbol string `json:"information_symbol,omitempty"`  // ký hiệu thông tin
	Reliability       string `json:"reliability,omitempty"`         // mức độ tin cậy
	OriginalPaperCode string `json:"original_paper_code,omitempty"` // mã hồ sơ giấy gốc
	PhysicalState     string `json:"physical_state,omitempty"`      // tình trạng vật lý (digitized files)
	SheetCount        int    `json:"sheet_count,omitempty"`         // số lượng tờ (digitized files)
	BackupMode        string `json:"backup_mode,omitempty"`         // chế độ dự phòng
	BackupStatus      string `json:"backup_status,omitempty"`       // tình trạng dự phòng
}

// Document is one dossier component with every version of it.
type Document struct {
	ID       string    `json:"id"` // stable within the dossier
	Versions []Version `json:"versions"`
}

// Version kinds.
const (
	Received = "received" // as it arrived (upload, scan, national database, …)
	Signed   = "signed"   // after a signature, a DSS or a document time-stamp
)

// Version is one stored version of a document.
type Version struct {
	Kind      string    `json:"kind"`   // Received or Signed
	Role      string    `json:"role"`   // what it is in the dossier: application, id-copy, result, apology-letter, …
	Source    string    `json:"source"` // where it came from (DOMAIN.md sources): upload, scan, signed, result, letter, …
	MediaType string    `json:"media_type"`
	Name      string    `json:"name"`
	SHA256    string    `json:"sha256"` // hex
	Size      int64     `json:"size"`
	Created   time.Time `json:"created"`
	// Path is the member's path in the bag, set by Export.
	Path string `json:"path,omitempty"`
	// Open returns the bytes; when nil, Source.Open(SHA256) does.
	Open func(ctx context.Context) (io.ReadCloser, error) `json:"-"`
}

// StateChange is one step of the dossier's state history.
type StateChange struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role,omitempty"`
	Unit   string    `json:"unit,omitempty"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason,omitempty"`
}

// EvidenceBundle is a dossier's evidence as a package carries it: its
// entries with inclusion proofs against one signed checkpoint, and the key
// that checks the checkpoint.
type EvidenceBundle struct {
	Checkpoint  string        `json:"checkpoint"`   // C2SP signed note
	VerifierKey string        `json:"verifier_key"` // note verifier key
	Entries     []ProvenEntry `json:"entries"`
}

// ProvenEntry is one evidence entry with its inclusion proof.
type ProvenEntry struct {
	Index uint64   `json:"index"`
	Body  string   `json:"body"`  // canonical JSON (evidence/SCHEMA.md)
	Proof [][]byte `json:"proof"` // RFC 6962 audit path, base64
}

// Selection says which dossiers to export.
type Selection struct {
	Codes []string // these dossiers; or, when empty:
	// ClosedBefore selects the dossiers closed before this time, of Unit
	// when Unit is not empty.
	ClosedBefore time.Time
	Unit         string
	// MetadataOnly tells the source that documents, history and JSON
	// blobs are not needed (Due lists dossiers only).
	MetadataOnly bool
}

func (s Selection) String() string {
	if len(s.Codes) > 0 {
		return "dossiers " + strings.Join(s.Codes, ",")
	}
	return fmt.Sprintf("closed before %s, unit %q", s.ClosedBefore.UTC().Format(time.RFC3339), s.Unit)
}

// Source is where dossiers are exported from.
type Source interface {
	// Dossiers yields the selected dossiers one at a time, in ascending
	// order of their codes, so an export can resume after the last one it
	// completed. A code that does not exist is an error wrapping
	// ErrNoDossier.
	Dossiers(ctx context.Context, sel Selection) iter.Seq2[*Dossier, error]
	// Open returns the bytes of a stored object by its SHA-256 (hex).
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// Evidence is the evidence log as export needs it; LogEvidence adapts an
// *evidence.Log.
type Evidence interface {
	// Checkpoint returns a signed checkpoint covering every entry so far.
	Checkpoint(ctx context.Context) (evidence.Checkpoint, error)
	// VerifierKey is the public key that checks checkpoints (note format).
	VerifierKey() string
	// Entry returns the canonical body of the entry at index.
	Entry(ctx context.Context, index uint64) ([]byte, error)
	// InclusionProof proves entry index in the tree of size entries.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
}

// LogEvidence adapts an evidence log; verifierKey is its public key.
func LogEvidence(l *evidence.Log, verifierKey string) Evidence {
	return logEvidence{l: l, key: verifierKey}
}

type logEvidence struct {
	l   *evidence.Log
	key string
}

func (e logEvidence) Checkpoint(ctx context.Context) (evidence.Checkpoint, error) {
	return e.l.Checkpoint(ctx)
}
func (e logEvidence) VerifierKey() string { return e.key }
func (e logEvidence) Entry(ctx context.Context, index uint64) ([]byte, error) {
	s, err := e.l.Entry(ctx, index)
	return s.Body, err
}
func (e logEvidence) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return e.l.InclusionProof(ctx, index, size)
}

// Sink receives imported dossiers in a fresh instance.
type Sink interface {
	// PutObject stores bytes whose SHA-256 the package proved; it must be
	// idempotent (the same object may come twice).
	PutObject(ctx context.Context, sha256 string, size int64, r io.Reader) error
	// PutDossier stores a dossier after all its objects. d.Archived holds
	// its evidence as exported: keep it and hand it back from
	// Source.Dossiers, so that exporting the dossier again gives the same
	// payload. A dossier whose code exists already is an error (import is
	// into a fresh instance).
	PutDossier(ctx context.Context, d *Dossier) error
}

// VersionStore adds new versions of documents: the B-LTA extension before
// export and the renewals. The implementation stores the bytes and records
// the new version, and its evidence entry (document.signed with
// data.level "B-LTA" and data.previous_sha256), in one transaction.
type VersionStore interface {
	AddVersion(ctx context.Context, dossier, document string, v Version, r io.Reader) error
}

// Errors; test with errors.Is.
var (
	// ErrNoDossier: a selected dossier does not exist.
	ErrNoDossier = errors.New("no such dossier")
	// ErrBadSource: the source broke its contract (order, sizes, hashes).
	ErrBadSource = errors.New("export source")
	// ErrNotLTA: a signed document is not at PAdES B-LTA and no extension was configured.
	ErrNotLTA = errors.New("signed document not at PAdES B-LTA")
	// ErrNotBag: the file is not a BagIt package kyso can read.
	ErrNotBag = errors.New("not a BagIt package")
	// ErrInvalid: Verify found problems (Import refuses the package).
	ErrInvalid = errors.New("the package does not verify")
)

// latest returns the document's last version.
func (d *Document) latest() *Version {
	if len(d.Versions) == 0 {
		return nil
	}
	return &d.Versions[len(d.Versions)-1]
}
