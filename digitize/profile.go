package digitize

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// A Profile is the data that governs digitization at one desk: quality
// thresholds, the metadata field set, the result-code format and the
// defaults for OCR. Profiles are plain data (JSON) so provinces can change
// them without a new release.
type Profile struct {
	Name string `json:"name"`

	// MinDPI is the lowest accepted resolution; NĐ 30/2020 asks 200 dpi
	// for electronic copies of paper documents.
	MinDPI float64 `json:"min_dpi"`
	// DefaultDPI is assumed for an image that records no resolution and
	// whose shape matches no known paper size; a warning says so.
	DefaultDPI float64 `json:"default_dpi"`
	// RequireColour refuses grey and bilevel scans (NĐ 30/2020 asks colour
	// for electronic copies "SAO Y").
	RequireColour bool `json:"require_colour"`
	// MaxPixels bounds the size of one page image, checked from the file
	// header before anything is decoded.
	MaxPixels int64 `json:"max_pixels"`
	// MaxFileBytes bounds the size of one input file.
	MaxFileBytes int64 `json:"max_file_bytes"`
	// VerifyPixels decodes every JPEG to check its compressed data (about
	// 90 ms per A4 page at 300 dpi on one core). Otherwise its structure is
	// checked: markers, a scan and the end-of-image marker, which catches
	// truncated files; the bytes are embedded unchanged either way.
	VerifyPixels bool `json:"verify_pixels"`

	// Fields is the metadata field set of a component (TT 01/2023: the
	// official list is not confirmed, so it is data).
	Fields []Field `json:"fields"`
	// ResultCode is the template of the digitization-result code, with
	// {dossier}, {component}, {date} (YYMMDD of capture), {seq} (2 digits,
	// per batch) and {sha8} (first 8 hex digits of the unsigned PDF).
	ResultCode string `json:"result_code"`

	// OCR turns the Vietnamese text layer on by default.
	OCR          bool          `json:"ocr"`
	OCRLanguages string        `json:"ocr_languages"`
	OCRTimeout   time.Duration `json:"ocr_timeout"`

	// Blank-page detection: a page is blank when fewer than BlankInk of
	// its sampled pixels are darker than BlankThreshold (0–255).
	BlankThreshold uint8   `json:"blank_threshold"`
	BlankInk       float64 `json:"blank_ink"`

	// FooterHeight is the height in points of the band added below every
	// page for the digitization statement and the signature.
	FooterHeight float64 `json:"footer_height"`
}

// A Field describes one metadata field.
type Field struct {
	Key      string `json:"key"`      // JSON key and XMP property name
	Label    string `json:"label"`    // Vietnamese label
	Required bool   `json:"required"` // needed before a result code is assigned
	Type     string `json:"type"`     // "text" (default) or "date" (YYYY-MM-DD)
}

// Keys of the standard metadata fields.
const (
	FieldDossierCode   = "dossier_code"
	FieldComponentCode = "component_code"
	FieldComponentName = "component_name"
	FieldNumberSymbol  = "number_symbol"
	FieldIssueDate     = "issue_date"
	FieldIssuingAgency = "issuing_agency"
	FieldValidUntil    = "valid_until"
)

// DefaultProfile returns the profile used when none is given: 200 dpi
// minimum, colour not required, 200 megapixels per page, the field set of
// TT 01/2023 as understood today, OCR off.
func DefaultProfile() *Profile {
	return &Profile{
		Name:         "default",
		MinDPI:       200,
		DefaultDPI:   300,
		MaxPixels:    200_000_000,
		MaxFileBytes: 1 << 30,
		Fields: []Field{
			{Key: FieldDossierCode, Label: "Mã hồ sơ"},
			{Key: FieldComponentCode, Label: "Mã thành phần hồ sơ"},
			{Key: FieldComponentName, Label: "Tên thành phần hồ sơ"},
			{Key: FieldNumberSymbol, Label: "Số và ký hiệu"},
			{Key: FieldIssueDate, Label: "Ngày ban hành", Type: "date"},
			{Key: FieldIssuingAgency, Label: "Cơ quan ban hành"},
			{Key: FieldValidUntil, Label: "Thời hạn hiệu lực", Type: "date"},
		},
		ResultCode:     "{dossier}.SH{seq}",
		OCRLanguages:   "vie",
		OCRTimeout:     2 * time.Minute,
		BlankThreshold: 160,
		BlankInk:       0.002,
		FooterHeight:   60,
	}
}

// CopyProfile returns the profile for electronic copies of paper
// documents ("SAO Y", NĐ 30/2020): colour at 200 dpi or more.
func CopyProfile() *Profile {
	p := DefaultProfile()
	p.Name = "sao-y"
	p.RequireColour = true
	return p
}

// LoadProfile reads a profile from a JSON file; absent keys keep the
// default profile's values.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := DefaultProfile()
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	return p, p.check()
}

func (p *Profile) check() error {
	switch {
	case p.MinDPI < 0 || p.DefaultDPI <= 0:
		return fmt.Errorf("profile %s: min_dpi and default_dpi must be positive", p.Name)
	case p.MaxPixels <= 0 || p.MaxFileBytes <= 0:
		return fmt.Errorf("profile %s: max_pixels and max_file_bytes must be positive", p.Name)
	case p.FooterHeight < 0:
		return fmt.Errorf("profile %s: footer_height must not be negative", p.Name)
	}
	seen := map[string]bool{}
	for _, f := range p.Fields {
		if !isXMPName(f.Key) || seen[f.Key] {
			return fmt.Errorf("profile %s: bad or repeated field key %q", p.Name, f.Key)
		}
		seen[f.Key] = true
	}
	return nil
}

func isXMPName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}
