package seed

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/signer"
)

// Unit keys of a World.
const (
	Centre   = "centre"   // province public-administration service centre (receives)
	Agency   = "agency"   // a province department (decides)
	District = "district" // the city (district-level) people's committee (decides)
	Commune  = "commune"  // a ward people's committee (receives and decides)
	// Inter-agency chain units (profiles with inter_agency: Bình Phước).
	LandBranch = "land_branch" // branch of the land registration office (chain step 1)
	TaxOffice  = "tax_office"  // the city tax office (chain step 2)
)

// Member keys of a World.
const (
	Intake          = "intake"           // desk officer of the centre (assigned to digitize)
	Director        = "director"         // director of the centre
	CentreSeal      = "centre_seal"      // seal keeper of the centre
	Specialist      = "specialist"       // specialist of the agency
	Head            = "head"             // head of the agency
	Seal            = "seal"             // seal keeper of the agency
	DistrictOfficer = "district_officer" // specialist of the city people's committee
	DistrictHead    = "district_head"    // its chairman
	DistrictSeal    = "district_seal"    // its seal keeper
	CommuneIntake   = "commune_intake"   // one-stop officer of the ward (intake and specialist)
	CommuneHead     = "commune_head"     // chairman of the ward
	CommuneSeal     = "commune_seal"     // seal keeper of the ward
	Archivist       = "archivist"
	Admin           = "admin"
	LandOfficer     = "land_officer" // chain step 1
	LandHead        = "land_head"
	LandSeal        = "land_seal"
	TaxOfficer      = "tax_officer" // chain step 2
	TaxHead         = "tax_head"
	TaxSeal         = "tax_seal"
)

// A Member is a staff member with the credential they sign with (the
// unit's organisation credential for seal keepers).
type Member struct {
	Key        string // member key (Intake, Head, …)
	Staff      dossier.Staff
	Actor      dossier.Actor // their main role in their unit
	Credential *signer.Credential
	// UnitKey is the key of the member's unit in World.Units.
	UnitKey string
}

// World is one province's seeded deployment.
type World struct {
	Profile  string
	Province string // "Vĩnh Phúc"
	City     string // the province's capital city, e.g. "Thành phố Vĩnh Yên"
	Units    map[string]dossier.Unit
	Members  map[string]*Member
	// Order lists the member keys in the order they were seeded.
	Order []string
	// Citizen, Applicant and CitizenKey are the first of Applicants with
	// their portal actor and signing certificate.
	Citizen    dossier.Actor
	Applicant  dossier.Applicant
	CitizenKey *signer.Credential
	// Applicants are the province's demo applicants (citizens of its ward).
	Applicants []dossier.Applicant
	Assignment dossier.Assignment // the centre's digitization assignment decision
	// CommuneAssignment is the ward chairman's decision for its desk.
	CommuneAssignment dossier.Assignment
	PKI               *certs.DevPKI
	// Seals are the organisation credentials of the units, by unit key.
	Seals map[string]*signer.Credential

	opts    Options
	notBef  time.Time
	mu      sync.Mutex
	citizen map[string]*signer.Credential
}

// Options change how Build seeds.
type Options struct {
	// ECDSA issues P-256 keys for staff, seals and applicants instead of
	// RSA-2048: generating ~80 RSA keys takes seconds, P-256 keys
	// microseconds, and both are accepted by kyso's verifier and pdfsig.
	ECDSA bool
	// Reuse keeps units, staff and credentials that already exist (a
	// second round of the demo into the same data) instead of failing.
	Reuse bool
	// Credential returns a credential kept from an earlier round (by
	// credential name, see CredentialName); an error means "issue one".
	Credential func(name string) (*signer.Credential, error)
}

// Build seeds the units, staff and assignment decisions of profile into
// eng, issuing certificates from pki valid from an hour before now (the
// time the decisions are dated from).
func Build(ctx context.Context, eng *dossier.Engine, pki *certs.DevPKI, profile string, now time.Time) (*World, error) {
	return BuildWith(ctx, eng, pki, profile, now, Options{})
}

// BuildWith is Build with options.
func BuildWith(ctx context.Context, eng *dossier.Engine, pki *certs.DevPKI, profile string, now time.Time, opts Options) (*World, error) {
	pv, ok := provinces()[profile]
	if !ok {
		return nil, fmt.Errorf("seed: %w: %q", dossier.ErrUnknownProfile, profile)
	}
	p, err := eng.Profiles().Profile(profile)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	w := &World{Profile: profile, Province: pv.name, City: pv.city, Units: map[string]dossier.Unit{}, Members: map[string]*Member{},
		PKI: pki, Seals: map[string]*signer.Credential{}, opts: opts, notBef: now.Add(-time.Hour), citizen: map[string]*signer.Credential{}}
	for _, us := range unitsOf(pv, p.InterAgency) {
		u := dossier.Unit{Code: us.code, Name: us.name, Level: us.level, Kind: us.kind, Profile: profile}
		if us.parent != "" {
			u.Parent = w.Units[us.parent].Code
		}
		if err := addUnit(ctx, eng, u, opts.Reuse); err != nil {
			return nil, fmt.Errorf("seed %s: unit %s: %w", profile, u.Code, err)
		}
		w.Units[us.key] = u
	}
	for i, ps := range staffOf(pv, p.InterAgency) {
		m, err := w.addMember(ctx, eng, pv, ps, i)
		if err != nil {
			return nil, fmt.Errorf("seed %s: staff %s: %w", profile, ps.user, err)
		}
		w.Members[ps.key] = m
		w.Order = append(w.Order, ps.key)
	}
	// The written decisions assigning desk staff to digitization (QĐ
	// 03/2020 Đ9.3b): the centre director's and the ward chairman's (kept
	// when a second round finds them on record).
	dir, ch := w.Members[Director].Staff, w.Members[CommuneHead].Staff
	for _, a := range []struct {
		dst    *dossier.Assignment
		number string
		by     dossier.Staff
		unit   string
		staff  string
	}{
		{&w.Assignment, "15/QĐ-TTPVHCC", dir, Centre, Intake},
		{&w.CommuneAssignment, "08/QĐ-UBND", ch, Commune, CommuneIntake},
	} {
		username := w.Members[a.staff].Staff.Username
		if opts.Reuse {
			as, err := eng.Assignments(ctx, username)
			if err != nil {
				return nil, fmt.Errorf("seed %s: assignments: %w", profile, err)
			}
			if len(as) > 0 {
				*a.dst = as[len(as)-1]
				continue
			}
		}
		if *a.dst, err = eng.RecordAssignment(ctx, dossier.System, dossier.Assignment{Number: a.number, SignedOn: now.AddDate(0, -1, 0),
			SignedBy: a.by.FullName + ", " + a.by.Title, Unit: w.Units[a.unit].Code, Staff: []string{username}, ValidFrom: now.AddDate(0, -1, 0)}); err != nil {
			return nil, fmt.Errorf("seed %s: assignment: %w", profile, err)
		}
	}
	w.Applicants = applicantsOf(pv, w.Units[Commune].Name, w.Units[District].Name)
	w.Applicant = w.Applicants[0]
	w.Citizen = CitizenOf(w.Applicant)
	if w.CitizenKey, err = w.ApplicantKey(w.Applicant); err != nil {
		return nil, err
	}
	return w, nil
}

// CitizenOf is the portal actor of an applicant (their VNeID account).
func CitizenOf(a dossier.Applicant) dossier.Actor {
	return dossier.Actor{Username: a.Account, Role: dossier.RoleCitizen}
}

// CredentialName is the name a member's credential is kept under
// (internal/keystore): the username; seal keepers hold their unit's
// organisation credential under theirs.
func CredentialName(m *Member) string { return m.Staff.Username }

// ApplicantKey returns the applicant's own signing certificate (issued
// on first use): level-4 submissions carry the applicant's signature.
func (w *World) ApplicantKey(a dossier.Applicant) (*signer.Credential, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.citizen[a.IDNumber]; c != nil {
		return c, nil
	}
	name := "citizen-" + a.IDNumber
	c, err := w.credential(name, certs.IssueRequest{Kind: certs.KindPersonal, Subject: certs.Subject{CommonName: a.Name,
		Locality: w.City, Province: w.Province, UID: "CCCD:" + a.IDNumber}})
	if err != nil {
		return nil, err
	}
	w.citizen[a.IDNumber] = c
	return c, nil
}

// credential reuses a kept credential or issues one.
func (w *World) credential(name string, req certs.IssueRequest) (*signer.Credential, error) {
	if w.opts.Credential != nil {
		if c, err := w.opts.Credential(name); err == nil {
			return c, nil
		}
	}
	req.ECDSA = w.opts.ECDSA
	req.NotBefore = w.notBef
	id, err := w.PKI.Issue(name, req)
	if err != nil {
		return nil, fmt.Errorf("seed: issuing %s: %w", name, err)
	}
	return &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: []*x509.Certificate{w.PKI.Intermediate.Certificate}}, nil
}

func addUnit(ctx context.Context, eng *dossier.Engine, u dossier.Unit, reuse bool) error {
	if reuse {
		if old, err := eng.Unit(ctx, u.Code); err == nil {
			if old.Profile != u.Profile || old.Name != u.Name {
				return fmt.Errorf("%w: unit %s exists as %q of %s", dossier.ErrInvalid, u.Code, old.Name, old.Profile)
			}
			return nil
		} else if !errors.Is(err, dossier.ErrUnknownUnit) {
			return err
		}
	}
	return eng.AddUnit(ctx, dossier.System, u)
}

// addMember records one staff member (or finds them, with Reuse) and
// gives them their credential.
func (w *World) addMember(ctx context.Context, eng *dossier.Engine, pv province, ps person, i int) (*Member, error) {
	u := w.Units[ps.unit]
	id := cccd(pv.cccd, ps.female, 1968+(i*7)%30, 1000+i*37+int(pv.letter[2]-'0')*101)
	s := dossier.Staff{Username: ps.user, FullName: ps.name, Title: ps.title, Unit: u.Code,
		OfficialAccount: ps.user + "@" + w.Profile + ".gov.vn", PersonalID: id}
	for _, r := range ps.roles {
		s.Roles = append(s.Roles, dossier.RoleInUnit{Role: r, Unit: u.Code})
	}
	isNew := true
	if w.opts.Reuse {
		if old, err := eng.Staff(ctx, s.Username); err == nil {
			s, isNew = old, false
		} else if !errors.Is(err, dossier.ErrUnknownStaff) {
			return nil, err
		}
	}
	if isNew {
		var err error
		if s, err = eng.AddStaff(ctx, dossier.System, s); err != nil {
			return nil, err
		}
	}
	m := &Member{Key: ps.key, Staff: s, Actor: dossier.Actor{Username: s.Username, Role: ps.roles[0], Unit: u.Code}, UnitKey: ps.unit}
	var err error
	if ps.org {
		if w.Seals[ps.unit] == nil {
			mns := fmt.Sprintf("%07d", 1000000+int(pv.letter[1]-'0')*100000+i*4099)
			if w.Seals[ps.unit], err = w.credential(s.Username, certs.IssueRequest{Kind: certs.KindOrganisation,
				Subject: certs.Subject{CommonName: u.Name, Organization: "Ủy ban nhân dân tỉnh " + pv.name, Locality: pv.city,
					Province: pv.name, UID: "MNS:" + mns, AgencyCode: u.Code}}); err != nil {
				return nil, err
			}
		}
		m.Credential = w.Seals[ps.unit]
	} else {
		if m.Credential, err = w.credential(s.Username, certs.IssueRequest{Kind: certs.KindPersonal,
			Subject: certs.Subject{CommonName: ps.name, Title: ps.title, Unit: u.Name, Organization: "Ủy ban nhân dân tỉnh " + pv.name,
				Locality: pv.city, Province: pv.name, UID: "CCCD:" + id}}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// cccd makes a citizen identity number (CCCD): the province's 3-digit
// code, the gender-and-century digit (0/1: man/woman born in the 1900s,
// 2/3: in the 2000s), the two-digit birth year and six digits.
func cccd(prefix string, female bool, year, n int) string {
	g := 0
	if year >= 2000 {
		g = 2
	}
	if female {
		g++
	}
	return fmt.Sprintf("%s%d%02d%06d", prefix, g, year%100, n%1000000)
}
