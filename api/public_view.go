package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/verifier"
)

// Verdicts of a verification.
const (
	VerdictValid         = "valid"         // Văn bản hợp lệ
	VerdictInvalid       = "invalid"       // Văn bản không hợp lệ
	VerdictIndeterminate = "indeterminate" // Chưa xác định được
	VerdictNotFound      = "not_found"     // Không tìm thấy
)

// verdictTexts are the verdicts as citizens read them.
var verdictTexts = map[string]string{
	VerdictValid:         "Văn bản hợp lệ",
	VerdictInvalid:       "Văn bản không hợp lệ",
	VerdictIndeterminate: "Chưa xác định được",
	VerdictNotFound:      "Không tìm thấy văn bản",
}

// A Verification is what the public pages state about a document: the
// page of a verification code (GET /v/{code}) and the result of an
// uploaded PDF (POST /verify), in HTML and as JSON. Every member is
// always present; a member that does not apply is null (objects) or []
// (lists), so an unknown code has the same shape as a known one.
type Verification struct {
	Verdict     string `json:"verdict"`      // valid, invalid, indeterminate, not_found
	VerdictText string `json:"verdict_text"` // Vietnamese
	Reason      string `json:"reason"`       // why, in Vietnamese
	// Development: the server runs on a development PKI (no legal value).
	Development bool              `json:"development"`
	Document    *PublicDocument   `json:"document"`
	Issuer      *PublicUnit       `json:"issuer"` // the unit that issued the result
	Dossier     *PublicDossier    `json:"dossier"`
	Signers     []PublicSigner    `json:"signers"`
	Provenance  *PublicProvenance `json:"provenance"` // the legal-validity statement
	Evidence    *PublicEvidence   `json:"evidence"`   // inclusion in the evidence log
	Links       PublicLinks       `json:"links"`
	// Upload: for POST /verify, the uploaded file and whether kyso holds it.
	Upload *PublicUpload `json:"upload,omitempty"`
	// CheckedAt is when these facts were read (UTC); null when not found.
	CheckedAt *time.Time `json:"checked_at"`
}

// PublicDocument is the verified document version.
type PublicDocument struct {
	Title     string    `json:"title"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

// PublicUnit is a unit with its official code (mã định danh).
type PublicUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PublicDossier is what the public may know of a dossier; the applicant
// is masked (dossier.Applicant.Masked).
type PublicDossier struct {
	Code          string          `json:"code"`
	Procedure     PublicProcedure `json:"procedure"`
	State         string          `json:"state"`
	StateText     string          `json:"state_text"`
	ReceivingUnit *PublicUnit     `json:"receiving_unit"`
	Applicant     PublicApplicant `json:"applicant"`
	SubmittedAt   time.Time       `json:"submitted_at"`
	ResultAt      time.Time       `json:"result_at,omitzero"`
}

// PublicProcedure is an administrative procedure.
type PublicProcedure struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PublicApplicant is the masked applicant.
type PublicApplicant struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// PublicSigner is one signature of the document.
type PublicSigner struct {
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	Unit         string `json:"unit,omitempty"`
	Organization string `json:"organization,omitempty"`
	// Organisation: an organisation ("seal") signature of a unit.
	Organisation bool      `json:"organisation"`
	AgencyCode   string    `json:"agency_code,omitempty"`
	SigningTime  time.Time `json:"signing_time"`
	// TimeProof: signature-timestamp, document-timestamp, or claimed (the
	// signer's own clock, not proven).
	TimeProof      string `json:"time_proof"`
	TimeProofText  string `json:"time_proof_text"`
	Level          string `json:"level,omitempty"` // PAdES B-B, B-T, B-LT, B-LTA
	Indication     string `json:"indication"`      // TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE
	SubIndication  string `json:"sub_indication,omitempty"`
	IndicationText string `json:"indication_text"` // Vietnamese
	Valid          bool   `json:"valid"`
}

// PublicProvenance is the provenance engine's statement (dossier.Assessment).
type PublicProvenance struct {
	Status     string            `json:"status"` // legally_valid, processing_only, not_valid
	StatusText string            `json:"status_text"`
	Summary    string            `json:"summary"`
	Conditions []PublicCondition `json:"conditions"`
	Owed       []PublicOwed      `json:"owed"`
	AssessedAt time.Time         `json:"assessed_at"`
}

// PublicCondition is one condition of legal validity.
type PublicCondition struct {
	Text     string `json:"text"`
	Held     bool   `json:"held"`
	Evidence string `json:"evidence"`
	Citation string `json:"citation"`
}

// PublicOwed is something still due.
type PublicOwed struct {
	Text     string `json:"text"`
	Citation string `json:"citation"`
}

// PublicEvidence is the document's entry in the evidence log and its
// inclusion proof against the latest signed checkpoint.
type PublicEvidence struct {
	Entry          uint64   `json:"entry_index"`
	EntryBody      string   `json:"entry"` // canonical JSON (evidence/SCHEMA.md)
	CheckpointSize uint64   `json:"checkpoint_size"`
	Origin         string   `json:"checkpoint_origin"`
	Checkpoint     string   `json:"checkpoint"` // the signed note
	Proof          []string `json:"inclusion_proof"`
	Verified       bool     `json:"verified"`
	StatusText     string   `json:"status_text"`
}

// PublicLinks are the URLs of a page (relative to the server).
type PublicLinks struct {
	Page     string `json:"page,omitempty"`
	QR       string `json:"qr,omitempty"`
	Download string `json:"download,omitempty"` // only where the profile allows it
	Verify   string `json:"verify"`             // the upload form
}

// PublicUpload describes an uploaded file.
type PublicUpload struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Known: kyso holds a document with these bytes (then Document,
	// Dossier and Provenance describe it).
	Known bool `json:"known"`
}

func notFoundVerification(dev bool) *Verification {
	return &Verification{Verdict: VerdictNotFound, VerdictText: verdictTexts[VerdictNotFound],
		Reason:      "Không có văn bản nào ứng với mã tra cứu này. Vui lòng kiểm tra lại mã QR hoặc đường dẫn trên bản giấy.",
		Development: dev, Signers: []PublicSigner{}, Links: PublicLinks{Verify: "/verify"}}
}

// lookupQuery is the one query every request for a code makes, whether
// the code exists or not.
const lookupQuery = `SELECT dossier_id, lineage FROM dossier_verification_codes WHERE code = $1`

// lookupCode finds the dossier and document lineage of a code.
func (p *publicPages) lookupCode(ctx context.Context, code string) (dossierID, lineage int64, found bool, err error) {
	err = p.s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, lookupQuery, code).Scan(&dossierID, &lineage)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("verification code lookup: %w", err)
	}
	return dossierID, lineage, true, nil
}

// stamp identifies the state a code's page rests on: the dossier's
// newest event, the result's newest version, the newest report (a
// validation or provenance assessment) of any of its versions. A cached
// page whose stamp changed is rebuilt.
type stamp struct {
	Event, Version, Report int64
}

const stampQuery = `SELECT
	COALESCE((SELECT MAX(seq) FROM dossier_events WHERE dossier_id = $1), 0),
	COALESCE((SELECT MAX(id) FROM dossier_documents WHERE lineage = $2), 0),
	COALESCE((SELECT MAX(r.id) FROM dossier_documents dd JOIN documents doc ON doc.id = dd.document_id
		JOIN reports r ON r.subject_sha256 = doc.sha256 WHERE dd.lineage = $2), 0)`

func (p *publicPages) stamp(ctx context.Context, dossierID, lineage int64) (stamp, error) {
	var st stamp
	err := p.s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, stampQuery, dossierID, lineage).Scan(&st.Event, &st.Version, &st.Report)
	})
	if err != nil {
		return stamp{}, fmt.Errorf("verification page stamp: %w", err)
	}
	return st, nil
}

// pageEntry is a cached page: the facts and their rendered variants.
type pageEntry struct {
	stamp    stamp
	built    time.Time
	checked  atomic.Int64 // when the stamp was last found unchanged (Unix ns)
	view     *Verification
	html     rendered
	json     rendered
	result   *dossier.DocumentVersion // for the download
	download bool

	qrMu   sync.Mutex
	qrURL  string
	qrBody []byte
}

type rendered struct {
	body        []byte
	etag        string
	contentType string
}

func newRendered(body []byte, contentType string) rendered {
	sum := sha256.Sum256(body)
	return rendered{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, contentType: contentType}
}

// qrPNG is the QR code of url, made once per entry and URL.
func (e *pageEntry) qrPNG(url string) ([]byte, error) {
	e.qrMu.Lock()
	defer e.qrMu.Unlock()
	if e.qrURL == url && e.qrBody != nil {
		return e.qrBody, nil
	}
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	// Whole pixels per module (8), so that printing and scanning never
	// meet a module of uneven width.
	png, err := q.PNG(-8)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	e.qrURL, e.qrBody = url, png
	return png, nil
}

// render renders both variants of a verification.
func (p *publicPages) render(v *Verification, at time.Time) (*pageEntry, error) {
	var h bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&h, "page.html", pageView{Verification: v, CSS: p.cssPath}); err != nil {
		return nil, fmt.Errorf("rendering the verification page: %w", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	j = append(j, '\n')
	return &pageEntry{built: at, view: v, html: newRendered(h.Bytes(), "text/html; charset=utf-8"),
		json: newRendered(j, "application/json; charset=utf-8")}, nil
}

// pageView is what the page templates receive.
type pageView struct {
	*Verification
	CSS string
	// The upload form (verify.html).
	CSRF      string
	Error     string
	MaxUpload string
}

// build reads everything a code's page states.
func (p *publicPages) build(ctx context.Context, code string, st stamp) (*pageEntry, error) {
	eng := p.s.eng
	lk, err := eng.Lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	v, err := p.describe(ctx, lk.Dossier, lk.Result)
	if err != nil {
		return nil, err
	}
	at := now.UTC().Truncate(time.Second)
	v.CheckedAt = &at
	v.Links.Page, v.Links.QR = "/v/"+code, "/v/"+code+"/qr.png"
	download := false
	if prof, err := eng.Profiles().Profile(lk.Dossier.Profile); err == nil && prof.PublicDownload {
		download = true
		v.Links.Download = "/v/" + code + "/download"
	}
	e, err := p.render(v, now)
	if err != nil {
		return nil, err
	}
	e.stamp, e.result, e.download = st, lk.Result, download
	return e, nil
}

// describe states the facts of a document version of dossier d: its
// signatures (from the stored validation report), its provenance, its
// evidence entry, the dossier, and the verdict they add up to.
func (p *publicPages) describe(ctx context.Context, d *dossier.Dossier, ver *dossier.DocumentVersion) (*Verification, error) {
	eng := p.s.eng
	v := &Verification{Development: p.s.cfg.DevMode, Signers: []PublicSigner{}, Links: PublicLinks{Verify: "/verify"}}
	v.Document = &PublicDocument{Title: ver.Title, Name: ver.Name, MediaType: ver.MediaType, SHA256: ver.SHA256,
		Size: ver.Size, Version: ver.Version, CreatedAt: ver.CreatedAt}
	masked := d.Applicant.Masked()
	v.Dossier = &PublicDossier{Code: d.Code, Procedure: PublicProcedure{Code: d.Procedure, Name: d.ProcedureName},
		State: string(d.State), StateText: d.State.Vietnamese(), Applicant: PublicApplicant{Name: masked.Name, IDNumber: masked.IDNumber},
		SubmittedAt: d.SubmittedAt, ResultAt: d.ResultAt}
	if prof, err := eng.Profiles().Profile(d.Profile); err == nil {
		if proc, err := prof.Procedure(d.Procedure); err == nil {
			v.Dossier.Procedure.Name = proc.Name
		}
	}
	if u, err := eng.Unit(ctx, d.Unit); err == nil {
		v.Dossier.ReceivingUnit = &PublicUnit{Code: u.Code, Name: u.Name}
	} else {
		v.Dossier.ReceivingUnit = &PublicUnit{Code: d.Unit}
	}
	issuer := d.ProcessingUnit
	if issuer == "" {
		issuer = d.Unit
	}
	if u, err := eng.Unit(ctx, issuer); err == nil {
		v.Issuer = &PublicUnit{Code: u.Code, Name: u.Name}
	} else {
		v.Issuer = &PublicUnit{Code: issuer}
	}
	if a := ver.Assessment; a != nil {
		pv := &PublicProvenance{Status: a.Status, StatusText: dossier.StatusVietnamese(a.Status), Summary: a.Summary,
			Conditions: []PublicCondition{}, Owed: []PublicOwed{}, AssessedAt: a.AssessedAt}
		for _, c := range a.Conditions {
			pv.Conditions = append(pv.Conditions, PublicCondition{Text: c.Text, Held: c.Held, Evidence: c.Evidence, Citation: c.Citation})
		}
		for _, o := range a.Owed {
			pv.Owed = append(pv.Owed, PublicOwed{Text: o.Text, Citation: o.Citation})
		}
		v.Provenance = pv
	}
	rep, err := p.validationReport(ctx, ver.SHA256)
	if err != nil {
		return nil, err
	}
	if rep != nil {
		v.Signers = publicSigners(rep)
	}
	if v.Evidence, err = p.inclusion(ctx, d, ver); err != nil {
		return nil, err
	}
	v.Verdict, v.Reason = verdict(d, ver, rep)
	v.VerdictText = verdictTexts[v.Verdict]
	return v, nil
}

// validationReport is the newest stored verifier report of the bytes
// sum (nil when the document was never validated, e.g. not a PDF).
func (p *publicPages) validationReport(ctx context.Context, sum string) (*verifier.Report, error) {
	s, err := storage.ParseSum(sum)
	if err != nil {
		return nil, err
	}
	var reps []storage.Report
	if err := p.s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		reps, err = tx.Reports(ctx, s, "validation")
		return err
	}); err != nil {
		return nil, err
	}
	if len(reps) == 0 {
		return nil, nil
	}
	var rep verifier.Report
	if err := json.Unmarshal([]byte(reps[len(reps)-1].Body), &rep); err != nil {
		return nil, fmt.Errorf("validation report %d of %s: %w", reps[len(reps)-1].ID, sum, err)
	}
	return &rep, nil
}

// publicSigners lists the signatures (not the document time-stamps) of a
// verifier report.
func publicSigners(rep *verifier.Report) []PublicSigner {
	out := []PublicSigner{}
	for _, s := range rep.Signatures {
		if s.Kind != "signature" {
			continue
		}
		ps := PublicSigner{Indication: string(s.Indication), SubIndication: string(s.SubIndication),
			IndicationText: indicationText(s.Indication), Valid: s.Indication == verifier.TotalPassed, Level: s.Level,
			SigningTime: s.BestTime, TimeProof: s.BestTimeProof}
		if s.BestTimeProof == "validation-time" {
			ps.TimeProof = "claimed"
			ps.SigningTime = time.Time{}
			if s.ClaimedTime != nil {
				ps.SigningTime = *s.ClaimedTime
			}
		}
		ps.TimeProofText = timeProofTexts[ps.TimeProof]
		if si := s.Signer; si != nil {
			ps.Name, ps.Title, ps.Unit, ps.Organization = si.Name, si.Title, si.Unit, si.Organization
			ps.Organisation, ps.AgencyCode = si.Organisation, si.AgencyCode
		}
		if ps.Name == "" {
			ps.Name = "(không rõ người ký)"
		}
		out = append(out, ps)
	}
	return out
}

var timeProofTexts = map[string]string{
	"signature-timestamp": "được chứng minh bằng dấu thời gian của chữ ký",
	"document-timestamp":  "được chứng minh bằng dấu thời gian của văn bản",
	"claimed":             "theo đồng hồ của người ký, chưa được chứng minh",
}

func indicationText(i verifier.Indication) string {
	switch i {
	case verifier.TotalPassed:
		return "Chữ ký hợp lệ"
	case verifier.TotalFailed:
		return "Chữ ký không hợp lệ"
	}
	return "Chưa xác định được"
}

// subIndicationTexts explain, in Vietnamese, why a signature or document
// is not valid (ETSI EN 319 102-1 sub-indications and kyso's own).
var subIndicationTexts = map[verifier.SubIndication]string{
	verifier.FormatFailure:                  "chữ ký số sai định dạng",
	verifier.HashFailure:                    "nội dung văn bản đã bị thay đổi sau khi ký (mã băm không khớp)",
	verifier.SigCryptoFailure:               "chữ ký số không khớp với chứng thư số của người ký",
	verifier.Revoked:                        "chứng thư số của người ký đã bị thu hồi",
	verifier.RevokedNoPOE:                   "chứng thư số của người ký đã bị thu hồi",
	verifier.NoCertificateChainFound:        "chứng thư số của người ký không thuộc tổ chức cung cấp dịch vụ chứng thực chữ ký số được tin cậy",
	verifier.NoSigningCertificateFound:      "không tìm thấy chứng thư số của người ký",
	verifier.OutOfBoundsNoPOE:               "chứng thư số không còn hiệu lực tại thời điểm ký",
	verifier.Expired:                        "chứng thư số đã hết hạn",
	verifier.NotYetValid:                    "chứng thư số chưa có hiệu lực tại thời điểm ký",
	verifier.TryLater:                       "chưa kiểm tra được tình trạng thu hồi của chứng thư số, vui lòng thử lại sau",
	verifier.ChainConstraintsFailure:        "chuỗi chứng thư số không đáp ứng yêu cầu",
	verifier.SigConstraintsFailure:          "chữ ký không đáp ứng yêu cầu kiểm tra",
	verifier.CryptoConstraintsFailureNoPOE:  "thuật toán mật mã của chữ ký không còn đủ an toàn",
	verifier.TimestampOrderFailure:          "thứ tự các dấu thời gian không hợp lệ",
	verifier.CertificateChainGeneralFailure: "không kiểm tra được chuỗi chứng thư số",
	verifier.DisallowedModification:         "văn bản đã bị sửa đổi sau khi ký theo cách không được phép",
	verifier.SignedDataNotFound:             "văn bản không có chữ ký số",
	verifier.RevocationOutOfBoundsNoPOE:     "thông tin thu hồi chứng thư số không còn giá trị",
}

// reportReason explains a verifier report that is not TOTAL-PASSED.
func reportReason(rep *verifier.Report) string {
	if len(rep.Signatures) == 0 {
		return "Văn bản không có chữ ký số."
	}
	for _, s := range rep.Signatures {
		if s.Indication == verifier.TotalPassed {
			continue
		}
		what := "Chữ ký số thứ " + fmt.Sprint(s.Index)
		if s.Kind == "document-timestamp" {
			what = "Dấu thời gian văn bản thứ " + fmt.Sprint(s.Index)
		} else if s.Signer != nil && s.Signer.Name != "" {
			what += " (" + s.Signer.Name + ")"
		}
		why, ok := subIndicationTexts[s.SubIndication]
		if !ok {
			why = strings.ToLower(indicationText(s.Indication))
		}
		return what + ": " + why + "."
	}
	if rep.UncoveredBytes > 0 {
		return "Tệp có dữ liệu được thêm vào sau lần ký cuối cùng mà không thuộc cấu trúc văn bản."
	}
	if why, ok := subIndicationTexts[rep.SubIndication]; ok {
		return "Văn bản: " + why + "."
	}
	return "Văn bản chưa đáp ứng yêu cầu kiểm tra chữ ký số."
}

// verdict combines the dossier's state, the verifier's report on the
// version's bytes and its provenance assessment, in that order: a
// cancelled or void dossier's result is not valid whatever its
// signatures; a result still unsigned while the dossier is being decided
// is not decided yet; failed signatures make it invalid, undecidable ones
// indeterminate; then the legal-validity conditions of its source decide.
func verdict(d *dossier.Dossier, ver *dossier.DocumentVersion, rep *verifier.Report) (string, string) {
	a := ver.Assessment
	switch d.State {
	case dossier.StateCancelled, dossier.StateVoid:
		reason := "Hồ sơ " + d.Code + ": " + d.State.Vietnamese() + "."
		if ev := d.LastEvent(); ev.To == d.State && strings.TrimSpace(ev.Reason) != "" {
			reason += " Lý do: " + strings.TrimSuffix(strings.TrimSpace(ev.Reason), ".") + "."
		}
		return VerdictInvalid, reason
	}
	if rep == nil {
		return VerdictIndeterminate, "Văn bản chưa được kiểm tra chữ ký số."
	}
	if len(rep.Signatures) == 0 && d.Result != ver.Lineage && !d.State.Final() {
		return VerdictIndeterminate, "Kết quả chưa được ký số: hồ sơ " + d.Code + " đang được giải quyết (" + d.State.Vietnamese() + ")."
	}
	switch rep.Indication {
	case verifier.TotalFailed:
		return VerdictInvalid, reportReason(rep)
	case verifier.TotalPassed:
	default:
		return VerdictIndeterminate, reportReason(rep)
	}
	if a == nil {
		return VerdictIndeterminate, "Chữ ký số hợp lệ nhưng chưa có đánh giá giá trị pháp lý của văn bản."
	}
	switch a.Status {
	case dossier.StatusValid:
		return VerdictValid, "Các chữ ký số hợp lệ và văn bản đáp ứng đủ điều kiện về giá trị pháp lý: " + provenanceHeld(a) + "."
	case dossier.StatusProcessingOnly:
		return VerdictIndeterminate, a.Summary
	}
	return VerdictInvalid, a.Summary
}

func provenanceHeld(a *dossier.Assessment) string {
	var held []string
	for _, c := range a.Conditions {
		if c.Held {
			held = append(held, c.Text)
		}
	}
	return strings.Join(held, "; ")
}

// inclusion finds the document.received entry of ver in the evidence log
// (within the batches of the dossier's events about the document) and
// checks its inclusion proof against the latest signed checkpoint.
func (p *publicPages) inclusion(ctx context.Context, d *dossier.Dossier, ver *dossier.DocumentVersion) (*PublicEvidence, error) {
	lg := p.s.log
	var entry *evidence.StoredEntry
	const batchReach = 16 // entries of one step before its event's entry
search:
	for i := len(d.Events) - 1; i >= 0; i-- {
		ev := d.Events[i]
		if ev.Data.Document != ver.Lineage {
			continue
		}
		for j := uint64(0); j < batchReach && j <= ev.LogIndex; j++ {
			e, err := lg.Entry(ctx, ev.LogIndex-j)
			if err != nil {
				return nil, fmt.Errorf("evidence entry %d: %w", ev.LogIndex-j, err)
			}
			if e.Type == evidence.DocumentReceived && e.Subject.SHA256 == ver.SHA256 {
				entry = &e
				break search
			}
		}
	}
	if entry == nil {
		return &PublicEvidence{Proof: []string{}, StatusText: "Chưa tìm thấy mục ghi nhận văn bản trong nhật ký chứng cứ"}, nil
	}
	pe := &PublicEvidence{Entry: entry.Index, EntryBody: string(entry.Body), Proof: []string{}}
	cp, err := lg.Checkpoint(ctx)
	if err != nil {
		pe.StatusText = "Chưa kiểm chứng được: không đọc được điểm kiểm (checkpoint) đã ký của nhật ký"
		p.s.logger.WarnContext(ctx, "public page: no checkpoint", "err", err)
		return pe, nil
	}
	pe.CheckpointSize, pe.Origin, pe.Checkpoint = cp.Size, cp.Origin, string(cp.Note)
	proof, err := lg.InclusionProof(ctx, entry.Index, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of entry %d: %w", entry.Index, err)
	}
	for _, h := range proof {
		pe.Proof = append(pe.Proof, base64.StdEncoding.EncodeToString(h))
	}
	if err := evidence.VerifyInclusion(cp, entry.Index, entry.Body, proof); err != nil {
		pe.StatusText = "KHÔNG kiểm chứng được: bằng chứng bao hàm không khớp với điểm kiểm đã ký"
		p.s.logger.ErrorContext(ctx, "public page: inclusion proof fails", "entry", entry.Index, "size", cp.Size, "err", err)
		return pe, nil
	}
	pe.Verified = true
	pe.StatusText = "Đã kiểm chứng"
	return pe, nil
}
