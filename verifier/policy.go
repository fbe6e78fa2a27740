package verifier

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
)

// Policy says which signatures a kind of document needs, as data. Its
// requirements are matched in order against the document's passing
// signatures: each must be met by a signature later than the one that met
// the requirement before it.
type Policy struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Require     []Requirement `json:"require"`
}

// Requirement is one signature a policy needs.
type Requirement struct {
	Description string `json:"description"`
	// Signer is "personal" or "organisation" ("" for either).
	Signer string `json:"signer,omitempty"`
	// Titles, when not empty, lists acceptable titles of a personal signer.
	Titles []string `json:"titles,omitempty"`
	// MinLevel is the lowest acceptable PAdES level (B-B, B-T, B-LT, B-LTA).
	MinLevel string `json:"min_level,omitempty"`
	// SameOrganisation requires the same organisation (O) as the signer
	// that met the previous requirement.
	SameOrganisation bool `json:"same_organisation,omitempty"`
}

// PolicyResult is the outcome of a policy check.
type PolicyResult struct {
	Name     string   `json:"name"`
	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
	Matched  []int    `json:"matched,omitempty"` // signature index per requirement
}

//go:embed policies/*.json
var builtinPolicies embed.FS

// ErrUnknownPolicy is returned for a policy name that is neither built in
// nor a readable file.
var ErrUnknownPolicy = errors.New("unknown policy")

// LoadPolicy returns a built-in policy by name ("result", "seal",
// "digitized", "apology-letter") or reads one from a JSON file.
func LoadPolicy(name string) (*Policy, error) {
	b, err := builtinPolicies.ReadFile(path.Join("policies", name+".json"))
	if err != nil {
		if b, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("%w %q (built in: %s)", ErrUnknownPolicy, name, strings.Join(PolicyNames(), ", "))
		}
	}
	var p Policy
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	for i, r := range p.Require {
		if r.Signer != "" && r.Signer != "personal" && r.Signer != "organisation" {
			return nil, fmt.Errorf("policy %s: requirement %d: signer %q (want personal or organisation)", name, i+1, r.Signer)
		}
		if r.MinLevel != "" && levelRank(r.MinLevel) < 0 {
			return nil, fmt.Errorf("policy %s: requirement %d: level %q", name, i+1, r.MinLevel)
		}
	}
	return &p, nil
}

// PolicyNames lists the built-in policies.
func PolicyNames() []string {
	entries, _ := builtinPolicies.ReadDir("policies")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	slices.Sort(out)
	return out
}

func levelRank(l string) int {
	return slices.Index([]string{"B-B", "B-T", "B-LT", "B-LTA"}, l)
}

// Check matches the policy against a report.
func (p *Policy) Check(rep *Report) *PolicyResult {
	res := &PolicyResult{Name: p.Name, Passed: true}
	from := 0
	var prev *Signature
	for i, req := range p.Require {
		found := false
		for j := from; j < len(rep.Signatures); j++ {
			s := rep.Signatures[j]
			if s.Kind != "signature" || s.Indication != TotalPassed || s.Signer == nil {
				continue
			}
			if req.Signer == "personal" && s.Signer.Organisation || req.Signer == "organisation" && !s.Signer.Organisation {
				continue
			}
			if len(req.Titles) > 0 && !slices.Contains(req.Titles, s.Signer.Title) {
				continue
			}
			if req.MinLevel != "" && levelRank(s.Level) < levelRank(req.MinLevel) {
				continue
			}
			if req.SameOrganisation && prev != nil && !strings.EqualFold(strings.TrimSpace(s.Signer.Organization), strings.TrimSpace(prev.Signer.Organization)) {
				continue
			}
			res.Matched = append(res.Matched, s.Index)
			prev, from, found = s, j+1, true
			break
		}
		if !found {
			res.Passed = false
			res.Failures = append(res.Failures, fmt.Sprintf("requirement %d not met: %s", i+1, req.Description))
			break
		}
	}
	return res
}
