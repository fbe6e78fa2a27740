package digitize

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Step is one of the four steps of digitization in TT 01/2023/TT-VPCP
// (capture, extract metadata, assign a result code, store). A Record
// moves through them in order; Advance refuses anything else.
type Step int

const (
	StepNone      Step = iota
	StepCaptured       // bước 1: the paper is captured into a PDF
	StepExtracted      // bước 2: metadata extracted (entered or from OCR/separator)
	StepCoded          // bước 3: a digitization-result code is assigned
	StepStored         // bước 4: stored (output file and sidecar; later the database)
)

var stepNames = [...]string{"none", "captured", "metadata_extracted", "code_assigned", "stored"}

func (s Step) String() string {
	if s >= 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// MarshalText makes a Step a JSON string.
func (s Step) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a Step name.
func (s *Step) UnmarshalText(b []byte) error {
	for i, n := range stepNames {
		if n == string(b) {
			*s = Step(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown step %q", ErrStep, b)
}

// A Transition records when a Record entered a step.
type Transition struct {
	Step Step      `json:"step"`
	At   time.Time `json:"at"`
}

// Exclusion marks a paper document that TT 01/2023 says not to digitize.
type Exclusion string

const (
	ExcludeNone       Exclusion = ""
	ExcludeSharedData Exclusion = "shared_data" // already available as valid shared data
	ExcludePhotocopy  Exclusion = "photocopy"   // photocopies and certified paper copies
	ExcludeShownOnly  Exclusion = "shown_only"  // documents only shown for comparison
	ExcludeSecret     Exclusion = "secret"      // state-secret documents
)

var exclusionText = map[Exclusion]string{
	ExcludeSharedData: "đã có dữ liệu dùng chung hợp lệ (already available as valid shared data)",
	ExcludePhotocopy:  "bản chụp/bản sao giấy (photocopy or certified paper copy)",
	ExcludeShownOnly:  "giấy tờ chỉ xuất trình (document only shown)",
	ExcludeSecret:     "tài liệu mật (secret document)",
}

// Metadata is what the operator tells about one paper document (one
// component of a dossier). Fields holds the profile's fields by key.
type Metadata struct {
	Fields map[string]string `json:"fields,omitempty"`
	// Exclude marks a document TT 01/2023 excludes from digitization;
	// Process refuses it with ErrExcluded.
	Exclude Exclusion `json:"exclude,omitempty"`
	// Rescan makes a new digitization even when Options.Existing finds an
	// already-digitized component.
	Rescan bool `json:"rescan,omitempty"`
	// Name is the output file name without extension; derived when empty.
	Name string `json:"name,omitempty"`
}

// Get returns a field's value.
func (m Metadata) Get(key string) string { return m.Fields[key] }

func (m *Metadata) set(key, v string) {
	if m.Fields == nil {
		m.Fields = map[string]string{}
	}
	m.Fields[key] = v
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// check validates m against the profile's field set.
func (m Metadata) check(p *Profile) error {
	known := map[string]Field{}
	for _, f := range p.Fields {
		known[f.Key] = f
	}
	for k, v := range m.Fields {
		f, ok := known[k]
		if !ok {
			return fmt.Errorf("%w: field %q is not in profile %s", ErrBadMetadata, k, p.Name)
		}
		if f.Type == "date" && v != "" {
			if _, err := time.Parse("2006-01-02", v); err != nil || !dateRE.MatchString(v) {
				return fmt.Errorf("%w: %s (%s) %q is not a date YYYY-MM-DD", ErrBadMetadata, f.Label, k, v)
			}
		}
	}
	for _, f := range p.Fields {
		if f.Required && strings.TrimSpace(m.Fields[f.Key]) == "" {
			return fmt.Errorf("%w: %s (%s) is required", ErrBadMetadata, f.Label, f.Key)
		}
	}
	switch m.Exclude {
	case ExcludeNone, ExcludeSharedData, ExcludePhotocopy, ExcludeShownOnly, ExcludeSecret:
	default:
		return fmt.Errorf("%w: unknown exclusion %q", ErrBadMetadata, m.Exclude)
	}
	return nil
}

// Operator is the staff member at the desk.
type Operator struct {
	Name    string `json:"name"`              // full name, shown in the footer and signature
	Account string `json:"account,omitempty"` // official account (tài khoản công vụ)
	Title   string `json:"title,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

// An Assignment is the written decision assigning staff to digitization
// (QĐ 03/2020 Điều 9.3 b): by the centre director or commune chairman.
type Assignment struct {
	Number    string    `json:"number"`            // số, e.g. "12/QĐ-TTPVHCC"
	Date      time.Time `json:"date"`              // ngày ký
	SignedBy  string    `json:"signed_by"`         // người ký
	Staff     []string  `json:"staff"`             // accounts or names of the assigned staff
	ValidFrom time.Time `json:"valid_from"`        // in force from
	ValidTo   time.Time `json:"valid_to,omitzero"` // until (zero: no end)
}

// Covers reports whether the decision assigns op and is in force at t.
func (a *Assignment) Covers(op Operator, t time.Time) (bool, string) {
	if a == nil {
		return false, "không có quyết định phân công số hóa (no assignment decision)"
	}
	if t.Before(a.ValidFrom) {
		return false, fmt.Sprintf("quyết định %s chưa có hiệu lực lúc %s (not yet in force)", a.Number, displayTime(t))
	}
	if !a.ValidTo.IsZero() && t.After(a.ValidTo) {
		return false, fmt.Sprintf("quyết định %s đã hết hiệu lực lúc %s (no longer in force)", a.Number, displayTime(t))
	}
	for _, s := range a.Staff {
		s = strings.TrimSpace(s)
		if s != "" && (strings.EqualFold(s, op.Account) || strings.EqualFold(s, op.Name)) {
			return true, fmt.Sprintf("quyết định %s ngày %s của %s", a.Number, a.Date.Format("02/01/2006"), a.SignedBy)
		}
	}
	return false, fmt.Sprintf("%s không có tên trong quyết định %s (not assigned by it)", op.Name, a.Number)
}

// A Condition is one condition of legal validity, whether it held and
// what proves it.
type Condition struct {
	Rule     string `json:"rule"`     // e.g. "QĐ 03/2020 Đ9.3a"
	Text     string `json:"text"`     // the condition, in Vietnamese
	Held     bool   `json:"held"`     // whether it holds
	Evidence string `json:"evidence"` // what proves it, or why not
}

// Validity is the legal-validity assessment of a desk-digitized document
// (QĐ 03/2020 Điều 9.3, source 3 of shared/DOMAIN.md).
type Validity struct {
	Valid      bool        `json:"valid"`
	Reason     string      `json:"reason"`
	Conditions []Condition `json:"conditions"`
}

// Signature describes the signature applied to a document.
type Signature struct {
	Signer      string    `json:"signer"` // certificate subject common name
	Serial      string    `json:"serial"` // certificate serial, hex
	Level       string    `json:"level"`  // PAdES level
	SigningTime time.Time `json:"signing_time"`
	// Organisation marks the centre's (or commune's) signature.
	Organisation bool `json:"organisation,omitempty"`
}

// A Record is the metadata record of one digitized component: the
// operator's metadata, the provenance and the four-step state. It is
// written to the PDF's XMP and as a JSON sidecar, and later to the
// database.
type Record struct {
	ResultCode  string            `json:"result_code,omitempty"`
	Metadata    Metadata          `json:"metadata"`
	Step        Step              `json:"step"`
	History     []Transition      `json:"history"`
	DigitizedBy Operator          `json:"digitized_by"`
	DigitizedAt time.Time         `json:"digitized_at"`
	Assignment  *Assignment       `json:"assignment,omitempty"`
	Sources     []PageSource      `json:"sources"`
	Pages       int               `json:"pages"`
	OCR         bool              `json:"ocr"`
	SHA256      string            `json:"sha256,omitempty"` // of the final (signed) PDF
	UnsignedSHA string            `json:"unsigned_sha256,omitempty"`
	Signature   *Signature        `json:"signature,omitempty"`
	Validity    Validity          `json:"validity"`
	ReusedFrom  string            `json:"reused_from,omitempty"`
	Warnings    []string          `json:"warnings,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`
}

// PageSource tells where a page came from.
type PageSource struct {
	File   string  `json:"file"`
	Page   int     `json:"page"` // 1-based within the file
	Format string  `json:"format"`
	Width  int     `json:"width_px,omitempty"`
	Height int     `json:"height_px,omitempty"`
	DPI    float64 `json:"dpi,omitempty"`
	// DPISource is "file", "paper size" or "assumed".
	DPISource string `json:"dpi_source,omitempty"`
	Colour    string `json:"colour,omitempty"` // "colour", "grey" or "bilevel"
	Encoding  string `json:"encoding"`         // how the page is embedded: "DCT pass-through", ...
}

// Advance moves r to step s at t. Steps go strictly in order.
func (r *Record) Advance(s Step, t time.Time) error {
	if s != r.Step+1 {
		return fmt.Errorf("%w: %s after %s", ErrStep, s, r.Step)
	}
	r.Step = s
	r.History = append(r.History, Transition{Step: s, At: t})
	return nil
}

// JSON returns the record as indented JSON (the sidecar).
func (r *Record) JSON() []byte {
	b, _ := json.MarshalIndent(r, "", "  ")
	return append(b, '\n')
}

// assess computes the legal validity of a desk-digitized document:
// (a) made through an official account, (b) by staff assigned by a
// written decision in force at capture time, (c) signed by that staff
// member (or the centre).
func (r *Record) assess() {
	var cs []Condition
	a := Condition{Rule: "QĐ 03/2020 Đ9.3a", Text: "thực hiện trên hệ thống bằng tài khoản công vụ"}
	if r.DigitizedBy.Account != "" {
		a.Held, a.Evidence = true, "tài khoản "+r.DigitizedBy.Account
	} else {
		a.Evidence = "không có tài khoản công vụ (no official account given)"
	}
	b := Condition{Rule: "QĐ 03/2020 Đ9.3b", Text: "cán bộ được phân công số hóa bằng văn bản"}
	b.Held, b.Evidence = r.Assignment.Covers(r.DigitizedBy, r.DigitizedAt)
	c := Condition{Rule: "QĐ 03/2020 Đ9.3c", Text: "có chữ ký số của cán bộ số hóa hoặc của Trung tâm/UBND xã"}
	if s := r.Signature; s != nil {
		c.Evidence = fmt.Sprintf("chữ ký số %s của %s (serial %s)", s.Level, s.Signer, s.Serial)
		c.Held = s.Organisation || strings.EqualFold(strings.TrimSpace(s.Signer), strings.TrimSpace(r.DigitizedBy.Name))
		if !c.Held {
			c.Evidence += " — không phải của cán bộ số hóa " + r.DigitizedBy.Name + " (not the digitizing officer's)"
		}
	} else {
		c.Evidence = "chưa ký số (not signed)"
	}
	cs = append(cs, a, b, c)
	v := Validity{Valid: true, Conditions: cs, Reason: "đủ điều kiện có giá trị pháp lý (QĐ 03/2020 Đ9.3)"}
	var missing []string
	for _, c := range cs {
		if !c.Held {
			v.Valid = false
			missing = append(missing, c.Rule+": "+c.Evidence)
		}
	}
	if !v.Valid {
		v.Reason = "không có giá trị pháp lý: " + strings.Join(missing, "; ")
	}
	r.Validity = v
}

// vietnam is the time zone in which times are shown (UTC+7).
var vietnam = time.FixedZone("ICT", 7*3600)

func displayTime(t time.Time) string { return t.In(vietnam).Format("2006-01-02T15:04:05-07:00") }
