package dossier

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Rule keys. Every refusal names one; every profile cites, per key, the
// article it follows (Profile.Rules).
const (
	RuleDossierCode         = "dossier.code"                  // TT 01/2018 Đ19
	RuleLifecycle           = "dossier.lifecycle"             // the order of the steps
	RuleIntakeHour          = "intake.working_hour"           // QĐ 03/2020 Đ13.1
	RuleIntakeTransfer      = "intake.transfer"               // Quảng Ngãi: ½ working day
	RuleClockStart          = "clock.start_at_acceptance"     // QĐ 03/2020 Đ13.3
	RuleClockPause          = "clock.pause_on_supplement"     // QĐ 03/2020 Đ13.3
	RuleSupplementOnce      = "supplement.once"               // QĐ 03/2020 Đ14.1
	RuleApologyIntake       = "supplement.apology_intake"     // QĐ 03/2020 Đ13.2
	RuleApologyProcessing   = "supplement.apology_processing" // QĐ 03/2020 Đ14.1
	RuleExtensionOnce       = "extension.once"                // QĐ 03/2020 Đ14.4d
	RuleExtensionLead       = "extension.before_deadline"     // QĐ 03/2020 Đ14.4c
	RuleExtensionLetter     = "extension.apology_letter"      // QĐ 03/2020 Đ14.4a,b
	RuleExtensionLate       = "extension.counts_late"         // QĐ 03/2020 Đ14.4đ
	RuleLateApology         = "late.apology"                  // QĐ 03/2020 Đ22.7
	RuleChainStep           = "chain.step_result"             // Bình Phước: each step's signed result first
	RuleResultSignatures    = "result.signatures"             // QĐ 03/2020 Đ9.5c, NĐ 30/2020 Đ5
	RuleOriginals           = "return.originals_compared"     // QĐ 03/2020 Đ16.1
	RuleForgery             = "return.forgery_cancels"        // QĐ 03/2020 Đ16.1
	RuleOriginalsDeadline   = "return.originals_deadline"     // QĐ 03/2020 Đ16.1: 15 days
	RuleLevel4Signature     = "level4.signature"              // Bình Định, Quảng Ngãi
	RuleCertifiedCopies     = "level4.certified_copies"       // Quảng Ngãi Đ7.2a
	RuleFees                = "fees.timing"                   // QĐ 03/2020 Đ15.4
	RuleFeeRefund           = "fees.refund"                   // Bình Định, Quảng Ngãi
	RuleSourceAccount       = "source.account"                // QĐ 03/2020 Đ9.1
	RuleSourceCitizen       = "source.citizen_digitized"      // QĐ 03/2020 Đ9.2
	RuleSourceDesk          = "source.desk_digitized"         // QĐ 03/2020 Đ9.3
	RuleSourceAgency        = "source.agency_digitized"       // QĐ 03/2020 Đ9.4
	RuleSourceResult        = "source.result_digitized"       // QĐ 03/2020 Đ9.5
	RuleSourceNational      = "source.national_database"      // QĐ 03/2020 Đ9.6
	RuleSourceOther         = "source.other_system"           // QĐ 03/2020 Đ9.7
	RuleSourceIssued        = "source.issued"                 // NĐ 30/2020 Đ5, NĐ 45/2020 Đ14
	RuleLetterSigned        = "letter.signed_before_sending"  // letters are sent signed
	RuleMonthlyReport       = "report.monthly"                // QĐ 03/2020 Đ24
	RulePublicLateList      = "report.public_late_list"       // Cao Bằng
	RuleFeedback            = "feedback.deadline"             // Bình Định 3, Cao Bằng 10 working days
	RuleQRLookup            = "result.qr_lookup"              // Cao Bằng Đ13.6b
	RulePersonalDataStore   = "result.personal_data_store"    // Cao Bằng Đ13.5
	RuleDigitizationQuality = "digitization.quality"          // NĐ 30/2020, Quảng Ngãi Đ7.1a
)

// requiredRules must be cited by every profile.
var requiredRules = []string{
	RuleDossierCode, RuleLifecycle, RuleIntakeHour, RuleClockStart, RuleClockPause,
	RuleSupplementOnce, RuleApologyIntake, RuleApologyProcessing,
	RuleExtensionOnce, RuleExtensionLead, RuleExtensionLetter, RuleExtensionLate, RuleLateApology,
	RuleResultSignatures, RuleOriginals, RuleForgery, RuleOriginalsDeadline, RuleFees,
	RuleSourceAccount, RuleSourceCitizen, RuleSourceDesk, RuleSourceAgency, RuleSourceResult,
	RuleSourceNational, RuleSourceOther, RuleSourceIssued, RuleLetterSigned, RuleMonthlyReport,
}

// allRules are the known keys.
var allRules = append(append([]string{}, requiredRules...),
	RuleIntakeTransfer, RuleChainStep, RuleLevel4Signature, RuleCertifiedCopies, RuleFeeRefund,
	RulePublicLateList, RuleFeedback, RuleQRLookup, RulePersonalDataStore, RuleDigitizationQuality)

// A RuleSet is one version of the national rules, in force from a date.
// Several were replaced in 2024–2025 (NĐ 61/2018 and NĐ 107/2021 by NĐ
// 118/2025 from 01/7/2025; TT 01/2018's forms in part by TT 03/2025): a
// dossier keeps the version in force when it was received.
type RuleSet struct {
	ID        string     `json:"id"`
	Effective string     `json:"effective"` // YYYY-MM-DD, Asia/Ho_Chi_Minh
	Sources   []Citation `json:"sources"`   // the national texts of this version
	// Forms is the set of one-stop forms (dossier/forms version id).
	Forms string `json:"forms"`
	// SupplementRequests: how many supplement requests are allowed without
	// an apology letter.
	SupplementRequests int `json:"supplement_requests"`
	// Extensions per dossier.
	Extensions int `json:"extensions"`
	// ExtensionLeadWorkingDays: the apology letter with the new date is
	// sent at least this many working days before the deadline.
	ExtensionLeadWorkingDays float64 `json:"extension_lead_working_days"`
	effective                time.Time
}

//go:embed rules.json
var ruleSetsJSON []byte

// RuleSets are the national rule versions in effective order.
type RuleSets struct{ sets []RuleSet }

// LoadRuleSets loads the embedded rule versions.
func LoadRuleSets() (*RuleSets, error) { return parseRuleSets(ruleSetsJSON) }

func parseRuleSets(b []byte) (*RuleSets, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sets []RuleSet
	if err := dec.Decode(&sets); err != nil {
		return nil, fmt.Errorf("rules.json: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for i := range sets {
		s := &sets[i]
		t, err := time.ParseInLocation(time.DateOnly, s.Effective, vietnam)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule set %q: effective: %w", s.ID, err))
		}
		s.effective = t
		if s.ID == "" || seen[s.ID] {
			errs = append(errs, fmt.Errorf("rule set %d: id %q empty or given twice", i, s.ID))
		}
		seen[s.ID] = true
		if s.Forms == "" || s.SupplementRequests < 1 || s.Extensions < 0 || s.ExtensionLeadWorkingDays < 0 || len(s.Sources) == 0 {
			errs = append(errs, fmt.Errorf("rule set %q: forms, sources, supplement_requests >= 1, extensions >= 0 and a lead time >= 0 are required", s.ID))
		}
	}
	if len(sets) == 0 {
		errs = append(errs, errors.New("rules.json: no rule sets"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].effective.Before(sets[j].effective) })
	return &RuleSets{sets: sets}, nil
}

// At returns the rule set in force at t.
func (rs *RuleSets) At(t time.Time) (*RuleSet, error) {
	var in *RuleSet
	for i := range rs.sets {
		if !rs.sets[i].effective.After(t) {
			in = &rs.sets[i]
		}
	}
	if in == nil {
		return nil, fmt.Errorf("%w: no rule set in force at %s (the first takes effect %s)", ErrInvalid, t.Format(time.RFC3339), rs.sets[0].Effective)
	}
	return in, nil
}

// ByID returns the rule set id (the version a dossier keeps).
func (rs *RuleSets) ByID(id string) (*RuleSet, error) {
	for i := range rs.sets {
		if rs.sets[i].ID == id {
			return &rs.sets[i], nil
		}
	}
	return nil, fmt.Errorf("%w: rule set %q", ErrNotFound, id)
}
