package digitize

import (
	"encoding/json"
	"fmt"
	"os"
)

// A Manifest is what an operator (or the console) says about a batch, as
// JSON: the metadata common to every document, per-document metadata in
// order, the operator and the assignment decision. kyso digitize --meta
// reads one.
//
//	{"common": {"dossier_code": "000.00.01.H12-250701-0001"},
//	 "components": [{"fields": {"component_code": "TP01", "component_name": "Đơn đề nghị"}},
//	                {"fields": {"component_code": "TP02"}, "exclude": "photocopy"}],
//	 "operator": {"name": "Nguyễn Văn An", "account": "an.nv@motcua"},
//	 "assignment": {"number": "12/QĐ-TTPVHCC", "date": "2025-01-02T00:00:00+07:00",
//	                "signed_by": "Giám đốc Trung tâm", "staff": ["an.nv@motcua"],
//	                "valid_from": "2025-01-02T00:00:00+07:00"}}
type Manifest struct {
	Common     map[string]string `json:"common,omitempty"`
	Components []Metadata        `json:"components,omitempty"`
	Operator   *Operator         `json:"operator,omitempty"`
	Assignment *Assignment       `json:"assignment,omitempty"`
}

// LoadManifest reads a manifest; unknown keys are errors, so a typing
// mistake is not silently ignored.
func LoadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadMetadata, path, err)
	}
	return &m, nil
}
