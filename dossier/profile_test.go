package dossier

import (
	"errors"
	"strings"
	"testing"
)

func TestEmbeddedProfilesLoad(t *testing.T) {
	ps, err := LoadProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Profile("vinh-phuc"); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Profile("ha-noi"); !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestParseProfileRejects(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"unknown field": {`{"id":"x","nope":1}`, "unknown field"},
		"empty":         {`{}`, "province is empty"},
		"bad level":     {`{"id":"x","province":"X","decision":{"document":"d"},"calendar":"x","intake_working_hours":1,"originals_days":15,"monthly_report_day":20,"min_scan_dpi":200,"procedures":[{"code":"1","name":"n","levels":[5],"processing_working_days":1,"components":[{"code":"a","name":"b"}]}]}`, "service level 5"},
		"not json":      {`{`, "unexpected EOF"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseProfile([]byte(tc.json))
			if !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseProfile = %v; want ErrInvalidProfile mentioning %q", err, tc.want)
			}
		})
	}
}

func TestRuleSets(t *testing.T) {
	rs, err := LoadRuleSets()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ at, want string }{
		{"2024-03-01T09:00:00+07:00", "nd61-2018"},
		{"2025-06-30T23:59:59+07:00", "nd61-2018"},
		{"2025-07-01T00:00:00+07:00", "nd118-2025"},
	} {
		s, err := rs.At(mustTime(t, tc.at))
		if err != nil || s.ID != tc.want {
			t.Errorf("At(%s) = %v, %v; want %s", tc.at, s, err, tc.want)
		}
	}
	if _, err := rs.At(mustTime(t, "2010-01-01T00:00:00+07:00")); !errors.Is(err, ErrInvalid) {
		t.Errorf("At(2010) = %v; want ErrInvalid", err)
	}
}
