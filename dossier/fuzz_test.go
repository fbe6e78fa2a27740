package dossier

import (
	"testing"
	"time"
)

// FuzzParseProfile: a profile file is data a deployment edits; no input
// may crash the loader, and whatever it accepts is valid.
func FuzzParseProfile(f *testing.F) {
	b, err := profileFiles.ReadFile("profiles/vinh-phuc.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","procedures":[{"levels":[9]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProfile(b)
		if err != nil {
			return
		}
		if err := p.validate(); err != nil {
			t.Fatalf("accepted an invalid profile: %v", err)
		}
	})
}

// FuzzParseRuleSets: the rule versions are data too.
func FuzzParseRuleSets(f *testing.F) {
	f.Add(ruleSetsJSON)
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":"a","effective":"2020-02-30"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := parseRuleSets(b)
		if err != nil {
			return
		}
		if _, err := rs.At(time.Date(2200, 1, 1, 0, 0, 0, 0, vietnam)); err != nil {
			t.Fatalf("accepted rule sets with none in force in 2200: %v", err)
		}
	})
}
