package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of rendering; test with errors.Is.
var (
	// ErrInvalid: the form's data is incomplete or inconsistent. The error
	// names the field (see FieldError).
	ErrInvalid = errors.New("invalid form data")
	// ErrNoVersion: no template set was in force at the requested time.
	ErrNoVersion = errors.New("no one-stop form template set in force")
	// ErrNotInVersion: the template set has no template for this form
	// (e.g. the stop notice, which exists only since TT 03/2025).
	ErrNotInVersion = errors.New("the template set has no such form")
)

// FieldError names one field that fails validation. It matches ErrInvalid
// under errors.Is.
type FieldError struct {
	Form    Kind   // the form being validated
	Field   string // Go field path in the form, e.g. "NewAppointment" or "Components[2].Count"
	Problem string // what is wrong, in English
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("forms: %s: %s: %s", e.Form, e.Field, e.Problem)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Kind identifies a one-stop form.
type Kind string

// The forms of the one-stop mechanism (TT 01/2018/TT-VPCP Phụ lục, TT
// 03/2025/TT-VPCP Phụ lục I).
const (
	KindReceipt           Kind = "receipt"            // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	KindSupplementRequest Kind = "supplement-request" // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	KindRefusal           Kind = "refusal"            // Phiếu từ chối tiếp nhận giải quyết hồ sơ
	KindApology           Kind = "apology"            // Phiếu xin lỗi và hẹn lại ngày trả kết quả
	KindStopNotice        Kind = "stop-notice"        // Thông báo dừng giải quyết hồ sơ (TT 03/2025 only)
	KindControlSheet      Kind = "control-sheet"      // Phiếu kiểm soát quá trình giải quyết hồ sơ
	KindDossierLog        Kind = "dossier-log"        // Sổ theo dõi hồ sơ
)

// Role is who must sign a form. The dossier engine maps it onto its staff
// roles and decides the final routing; a form only states its default.
type Role string

const (
	// RoleReceivingUnit: the organisation signature ("digital seal") of the
	// receiving one-stop unit (Bộ phận tiếp nhận và trả kết quả / Trung tâm
	// Phục vụ hành chính công).
	RoleReceivingUnit Role = "receiving-unit"
	// RoleIntakeOfficer: the civil servant at the intake desk, personally.
	RoleIntakeOfficer Role = "intake-officer"
	// RoleSpecialist: the specialist of the deciding agency handling the
	// dossier, personally.
	RoleSpecialist Role = "specialist"
	// RoleIntakeHead: the director of the public-service centre or the
	// chairman of the commune people's committee (QĐ 03/2020 Điều 13.2).
	RoleIntakeHead Role = "intake-head"
	// RoleAgencyHead: the head of the deciding agency, personally (QĐ
	// 03/2020 Điều 14.1, 22.7).
	RoleAgencyHead Role = "agency-head"
	// RoleDecidingAgency: the organisation signature of the deciding agency
	// (an extension letter, QĐ 03/2020 Điều 14.4).
	RoleDecidingAgency Role = "deciding-agency"
)

// Organisation reports whether the role signs with an organisation
// certificate (signer.Organisation appearance) rather than a personal one.
func (r Role) Organisation() bool { return r == RoleReceivingUnit || r == RoleDecidingAgency }

// Stage is when in a dossier's life a letter is issued; it decides who
// signs.
type Stage int

const (
	// StageIntake: at the one-stop desk, before acceptance.
	StageIntake Stage = iota
	// StageProcessing: at the deciding agency, after acceptance.
	StageProcessing
)

func (s Stage) String() string {
	switch s {
	case StageIntake:
		return "intake"
	case StageProcessing:
		return "processing"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Agency is the issuing agency as written in the top-left header (NĐ
// 30/2020 Phụ lục I, ô 2) and in running text.
type Agency struct {
	// Parent is the governing body, printed upright in capitals above the
	// agency, e.g. "UBND tỉnh Vĩnh Phúc". Optional.
	Parent string
	// Name as written in running text, e.g. "Trung tâm Phục vụ hành chính
	// công tỉnh Vĩnh Phúc"; printed in bold capitals in the header.
	Name string
	// Place is the place name of the date line, e.g. "Vĩnh Phúc".
	Place string
}

// Applicant is the citizen or organisation the dossier belongs to.
type Applicant struct {
	Name string
	// ID is the identifier as it may be printed (personal identification
	// number, tax code), already masked as the caller decides. Optional.
	ID      string
	Address string
	Phone   string
	Email   string
}

// Procedure is the administrative procedure (thủ tục hành chính).
type Procedure struct {
	Code string // code in the national procedure database, e.g. "1.001193"
	Name string
}

// CopyKind is the form in which a component was handed in.
type CopyKind string

const (
	Original      CopyKind = "Bản chính"
	CertifiedCopy CopyKind = "Bản sao có chứng thực"
	Copy          CopyKind = "Bản sao"
	Photocopy     CopyKind = "Bản chụp"
	Electronic    CopyKind = "Bản điện tử"
)

// Component is one document of a dossier (thành phần hồ sơ).
type Component struct {
	Name  string
	Kind  CopyKind
	Count int // number of copies, at least 1
}

// Channel is how a dossier was handed in.
type Channel string

const (
	ChannelDesk   Channel = "Trực tiếp"
	ChannelOnline Channel = "Trực tuyến"
	ChannelPost   Channel = "Qua dịch vụ bưu chính"
)

// Signatory is the person in a signature block (NĐ 30/2020 Phụ lục I ô 7):
// the authority line(s), the title and the full name.
type Signatory struct {
	// Authority is an optional first line such as "KT. GIÁM ĐỐC" or
	// "TM. ỦY BAN NHÂN DÂN".
	Authority string
	// Title is the position, e.g. "Giám đốc"; printed in capitals.
	Title string
	Name  string
}

// QR is the content of the QR code printed in the top-left corner (TT
// 01/2023/TT-VPCP): at least the dossier code, the procedure code, the
// applicant's identifier and the document's name.
type QR struct {
	DossierCode   string `json:"dossier"`
	ProcedureCode string `json:"procedure"`
	ApplicantID   string `json:"applicant"`
	DocumentName  string `json:"document"`
	// URL of the public lookup page, optional.
	URL string `json:"url,omitempty"`
}

// Payload is the exact text encoded in the QR symbol: compact JSON with the
// keys dossier, procedure, applicant, document and (when set) url.
func (q QR) Payload() string {
	b, _ := json.Marshal(q) // cannot fail: strings only
	return string(b)
}

// SignatureBox is where the form's signature goes: page (1-based) and a
// rectangle in PDF points with the origin at the bottom left of the page,
// the convention of signer.Rect. Use it as
//
//	signer.Appearance{Page: b.Page, Rect: signer.Rect{X: b.X, Y: b.Y, W: b.W, H: b.H}, …}
type SignatureBox struct {
	Page       int
	X, Y, W, H float64
}

// Document is a rendered form.
type Document struct {
	PDF      []byte
	Kind     Kind
	Version  string // template set, e.g. "TT01-2018"
	Template string // e.g. "Mẫu số 04"
	Title    string // as printed
	Pages    int
	// Signature is the signature block's blank rectangle.
	Signature SignatureBox
	// Signer is the form's default signatory role.
	Signer Role
}

// Form is one of the form data types of this package: Receipt,
// SupplementRequest, Refusal, Apology, StopNotice, ControlSheet and
// DossierLog.
type Form interface {
	Kind() Kind
	// SignerRole is the role that signs the form by default.
	SignerRole() Role
	check(c *checker)
	issued() time.Time
	draw(c *canvas, t template) error
}

// checker collects field errors of one form.
type checker struct {
	form Kind
	cov  *coverage
	errs []error
}

func (c *checker) fail(field, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Form: c.form, Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error { return errors.Join(c.errs...) }

// text requires a non-empty single-line value.
func (c *checker) text(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.fail(field, "missing")
		return
	}
	c.line(field, v)
}

// line allows an empty value but no control characters.
func (c *checker) line(field, v string) {
	if !utf8.ValidString(v) {
		c.fail(field, "not valid UTF-8")
		return
	}
	for _, r := range v {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			c.fail(field, "contains a control character (%U)", r)
			return
		}
		if c.cov != nil && !c.cov.has(r) {
			c.fail(field, "contains %q (%U), which the forms' typeface cannot print", r, r)
			return
		}
	}
	if len(v) > 2000 {
		c.fail(field, "longer than 2000 bytes")
	}
}

func (c *checker) time(field string, t time.Time) {
	if t.IsZero() {
		c.fail(field, "missing")
	} else if y := t.Year(); y < 2000 || y > 2200 {
		c.fail(field, "year %d out of range", y)
	}
}

func (c *checker) agency(field string, a Agency) {
	c.line(field+".Parent", a.Parent)
	c.text(field+".Name", a.Name)
	c.text(field+".Place", a.Place)
}

func (c *checker) qr(field string, q *QR) {
	if q == nil {
		return
	}
	c.text(field+".DossierCode", q.DossierCode)
	c.text(field+".ProcedureCode", q.ProcedureCode)
	c.text(field+".ApplicantID", q.ApplicantID)
	c.text(field+".DocumentName", q.DocumentName)
	c.line(field+".URL", q.URL)
	if len(q.Payload()) > 1200 {
		c.fail(field, "payload longer than 1200 bytes")
	}
}

func (c *checker) applicant(field string, a Applicant) {
	c.text(field+".Name", a.Name)
	c.line(field+".ID", a.ID)
	c.line(field+".Address", a.Address)
	c.line(field+".Phone", a.Phone)
	c.line(field+".Email", a.Email)
}

func (c *checker) list(field string, items []string) {
	if len(items) == 0 {
		c.fail(field, "empty list")
	}
	for i, s := range items {
		c.text(fmt.Sprintf("%s[%d]", field, i), s)
	}
}
