package dossier

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

//go:embed profiles/*.json
var profileFiles embed.FS

// A Profile is one province's rules as data: what its regulation (one of
// the seeds in shared/seeds) adds to or changes in the national rules. The
// five profiles are embedded JSON files (profiles/<id>.json), validated at
// load.
type Profile struct {
	ID       string   `json:"id"`       // vinh-phuc, cao-bang, binh-dinh, binh-phuoc, quang-ngai
	Province string   `json:"province"` // "Vĩnh Phúc"
	Decision Citation `json:"decision"` // the provincial regulation
	// Calendar is the dossier/calendar profile id of the working sessions
	// and holidays (usually the same as ID).
	Calendar string `json:"calendar"`

	// IntakeWorkingHours: an online submission is checked and accepted or
	// returned within this many working hours (QĐ 03/2020 Đ13.1: 1).
	IntakeWorkingHours float64 `json:"intake_working_hours"`
	// TransferWorkingDays, when set, bounds the time from acceptance to
	// the transfer to the processing specialist, in working days
	// (Quảng Ngãi Đ11.4: "1/2 ngày làm việc").
	TransferWorkingDays float64 `json:"transfer_working_days,omitempty"`

	// Level4WithoutSignature says how a level-4 submission that lacks the
	// citizen's digital signature is handled: "" (as level 4), "level3"
	// (Bình Định, Quảng Ngãi) — with CertifiedCopiesByPost the citizen
	// also owes certified paper copies by post quoting the dossier code
	// (Quảng Ngãi QĐ 03/2016 Đ7.2a).
	Level4WithoutSignature string `json:"level4_without_signature,omitempty"`
	CertifiedCopiesByPost  bool   `json:"certified_copies_by_post,omitempty"`

	// OriginalsDays: a level-3 dossier whose originals are not brought
	// within this many days of acceptance is void (QĐ 03/2020 Đ16.1: 15).
	OriginalsDays int `json:"originals_days"`
	// FeedbackWorkingDays: citizens' feedback is answered within this many
	// working days (Bình Định 3, Cao Bằng 10; 0: no provincial rule).
	FeedbackWorkingDays int `json:"feedback_working_days,omitempty"`
	// FeesRefundable: fees are refunded when the service is not performed.
	FeesRefundable bool `json:"fees_refundable,omitempty"`
	// QRLookup: every dossier has a QR code for public lookup (Cao Bằng
	// Đ13.6b); PublicDownload lets the public page offer the signed original.
	QRLookup       bool `json:"qr_lookup"`
	PublicDownload bool `json:"public_download,omitempty"`
	// PersonalDataStore: electronic results go to the citizen's personal
	// data store (Cao Bằng Đ13.5).
	PersonalDataStore bool `json:"personal_data_store,omitempty"`
	// InterAgency: procedures may pass through a chain of agencies
	// identified by their official codes (Bình Phước).
	InterAgency bool `json:"inter_agency,omitempty"`
	// MonthlyReportDay: the monthly report is due by this day of the next
	// month (QĐ 03/2020 Đ24: 20).
	MonthlyReportDay int `json:"monthly_report_day"`
	// PublicLateList: late units and persons are published (Cao Bằng).
	PublicLateList bool `json:"public_late_list,omitempty"`
	// OtherSystems are the systems the province names whose documents are
	// accepted (source 7 of QĐ 03/2020 Đ8–9), by identifier.
	OtherSystems []string `json:"other_systems,omitempty"`
	// OneFilePerPaper: digitization makes one file per paper document
	// (Quảng Ngãi Đ7.1a).
	OneFilePerPaper bool `json:"one_file_per_paper,omitempty"`
	// MinScanDPI is the minimum resolution of electronic copies (NĐ 30/2020: 200).
	MinScanDPI int `json:"min_scan_dpi"`

	// Procedures this profile offers (a sample catalogue for the
	// deployment and the demo; a real one is loaded from the province's
	// published list).
	Procedures []Procedure `json:"procedures"`

	// Rules cites, per rule key (see the Rule… constants), the article of
	// the seed or national rule this profile follows.
	Rules map[string]Citation `json:"rules"`
}

// A Citation names a legal source: a document and an article.
type Citation struct {
	Document string `json:"document"`          // "QĐ 03/2020/QĐ-UBND tỉnh Vĩnh Phúc"
	Article  string `json:"article,omitempty"` // "Điều 13 khoản 1"
	Seed     string `json:"seed,omitempty"`    // file in shared/seeds, when it is one
	Quote    string `json:"quote,omitempty"`   // the words the rule rests on (Vietnamese)
	// Effective is the date the document took effect (YYYY-MM-DD).
	Effective string `json:"effective,omitempty"`
}

// String is the short form used in error messages: "QĐ 03/2020 Đ13.1".
func (c Citation) String() string {
	if c.Article == "" {
		return c.Document
	}
	return c.Document + " " + c.Article
}

// A Procedure is one administrative procedure (thủ tục hành chính).
type Procedure struct {
	Code string `json:"code"` // national procedure code, e.g. "1.001612"
	Name string `json:"name"`
	// Levels are the online service levels offered (2, 3, 4).
	Levels []int `json:"levels"`
	// ProcessingWorkingDays is the announced processing time.
	ProcessingWorkingDays float64 `json:"processing_working_days"`
	// Fee in đồng (0: none).
	Fee int64 `json:"fee,omitempty"`
	// Components are the documents the dossier must contain.
	Components []Component `json:"components"`
	// Chain lists the kinds of agencies the dossier passes through in
	// order (inter-agency procedures); empty: the receiving unit's own
	// deciding agency.
	Chain []string `json:"chain,omitempty"`
}

// A Component is one required document of a procedure.
type Component struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Original bool   `json:"original,omitempty"` // the paper original must be shown/checked
}

// Profiles holds the loaded profiles. It is immutable after load.
type Profiles struct {
	byID map[string]*Profile
}

// LoadProfiles loads and validates the embedded profiles.
func LoadProfiles() (*Profiles, error) {
	return loadProfiles(profileFiles, "profiles")
}

func loadProfiles(fsys fs.FS, dir string) (*Profiles, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	ps := &Profiles{byID: map[string]*Profile{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p, err := ParseProfile(b)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", path.Base(name), err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); p.ID != want {
			return nil, fmt.Errorf("profile %s: %w: id %q does not match the file name", path.Base(name), ErrInvalidProfile, p.ID)
		}
		ps.byID[p.ID] = p
	}
	if len(ps.byID) == 0 {
		return nil, fmt.Errorf("%w: no profiles in %s", ErrInvalidProfile, dir)
	}
	return ps, nil
}

// ParseProfile decodes and validates one profile. Unknown fields are errors.
func ParseProfile(b []byte) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProfile, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProfile, err)
	}
	return &p, nil
}

func (p *Profile) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.ID == "" || strings.ToLower(p.ID) != p.ID || strings.ContainsAny(p.ID, " /\\.") {
		bad("id %q: want a lower-case slug", p.ID)
	}
	if p.Province == "" {
		bad("province is empty")
	}
	if p.Decision.Document == "" {
		bad("decision.document is empty")
	}
	if p.Calendar == "" {
		bad("calendar is empty")
	}
	if p.IntakeWorkingHours <= 0 || p.IntakeWorkingHours > 8 {
		bad("intake_working_hours %v: want 0 < h <= 8", p.IntakeWorkingHours)
	}
	if p.TransferWorkingDays < 0 {
		bad("transfer_working_days %v is negative", p.TransferWorkingDays)
	}
	switch p.Level4WithoutSignature {
	case "", "level3":
	default:
		bad("level4_without_signature %q: want \"\" or \"level3\"", p.Level4WithoutSignature)
	}
	if p.CertifiedCopiesByPost && p.Level4WithoutSignature != "level3" {
		bad("certified_copies_by_post needs level4_without_signature \"level3\"")
	}
	if p.OriginalsDays <= 0 {
		bad("originals_days %d: want > 0", p.OriginalsDays)
	}
	if p.FeedbackWorkingDays < 0 {
		bad("feedback_working_days %d is negative", p.FeedbackWorkingDays)
	}
	if p.MonthlyReportDay < 1 || p.MonthlyReportDay > 28 {
		bad("monthly_report_day %d: want 1..28", p.MonthlyReportDay)
	}
	if p.MinScanDPI < 72 {
		bad("min_scan_dpi %d: want >= 72", p.MinScanDPI)
	}
	codes := map[string]bool{}
	for i, pr := range p.Procedures {
		switch {
		case pr.Code == "" || pr.Name == "":
			bad("procedures[%d]: code and name are required", i)
		case codes[pr.Code]:
			bad("procedures[%d]: code %s given twice", i, pr.Code)
		}
		codes[pr.Code] = true
		if len(pr.Levels) == 0 {
			bad("procedure %s: no service levels", pr.Code)
		}
		for _, l := range pr.Levels {
			if l < 2 || l > 4 {
				bad("procedure %s: service level %d: want 2, 3 or 4", pr.Code, l)
			}
		}
		if pr.ProcessingWorkingDays <= 0 {
			bad("procedure %s: processing_working_days %v: want > 0", pr.Code, pr.ProcessingWorkingDays)
		}
		if len(pr.Components) == 0 {
			bad("procedure %s: no components", pr.Code)
		}
		if len(pr.Chain) > 0 && !p.InterAgency {
			bad("procedure %s: an agency chain needs inter_agency", pr.Code)
		}
	}
	if len(p.Procedures) == 0 {
		bad("no procedures")
	}
	for _, key := range requiredRules {
		if c, ok := p.Rules[key]; !ok || c.Document == "" {
			bad("rules.%s: no citation", key)
		}
	}
	for key := range p.Rules {
		if !slices.Contains(allRules, key) {
			bad("rules.%s: unknown rule key", key)
		}
	}
	return errors.Join(errs...)
}

// Profile returns the profile id.
func (ps *Profiles) Profile(id string) (*Profile, error) {
	p, ok := ps.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownProfile, id, strings.Join(ps.IDs(), ", "))
	}
	return p, nil
}

// IDs lists the profile ids in order.
func (ps *Profiles) IDs() []string {
	ids := make([]string, 0, len(ps.byID))
	for id := range ps.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Procedure returns the procedure code of the profile.
func (p *Profile) Procedure(code string) (*Procedure, error) {
	for i := range p.Procedures {
		if p.Procedures[i].Code == code {
			return &p.Procedures[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q in profile %s", ErrUnknownProcedure, code, p.ID)
}

// Cite returns the citation of rule key under this profile.
func (p *Profile) Cite(key string) Citation {
	if c, ok := p.Rules[key]; ok {
		return c
	}
	return Citation{Document: "kyso rule " + key}
}
