// Package seed builds a realistic deployment of one province profile for
// the demo and for tests: the receiving centre, deciding agencies and a
// commune with official codes, staff for every role with signing
// certificates from the development PKI, and a digitization assignment
// decision. `kyso demo` and the scenario tests share it, so the demo is
// exactly what the tests walk through.
package seed

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/signer"
)

// Unit keys of a World.
const (
	Centre   = "centre"   // province public-administration service centre (receives)
	Agency   = "agency"   // a province department (decides)
	District = "district" // a district people's committee office (decides, chains)
	Commune  = "commune"  // a commune people's committee (receives and decides)
)

// Member keys of a World.
const (
	Intake          = "intake"           // desk officer of the centre (assigned to digitize)
	Director        = "director"         // director of the centre
	CentreSeal      = "centre_seal"      // seal keeper of the centre
	Specialist      = "specialist"       // specialist of the agency
	Head            = "head"             // head of the agency
	Seal            = "seal"             // seal keeper of the agency
	DistrictOfficer = "district_officer" // specialist of the district
	DistrictHead    = "district_head"
	DistrictSeal    = "district_seal"
	CommuneIntake   = "commune_intake"
	CommuneHead     = "commune_head" // chairman of the commune
	Archivist       = "archivist"
	Admin           = "admin"
)

// A Member is a staff member with the credential they sign with.
type Member struct {
	Staff      dossier.Staff
	Actor      dossier.Actor // their main role in their unit
	Credential *signer.Credential
}

// World is one province's seeded deployment.
type World struct {
	Profile    string
	Units      map[string]dossier.Unit
	Members    map[string]*Member
	Citizen    dossier.Actor
	Applicant  dossier.Applicant
	CitizenKey *signer.Credential // the applicant's own signing certificate
	Assignment dossier.Assignment
	PKI        *certs.DevPKI
	// Seals are the organisation credentials of the units, by unit key.
	Seals map[string]*signer.Credential
}

// province holds the per-province names and codes of the demo.
type province struct {
	name, letter string // "Vĩnh Phúc", "H62" (the province part of agency codes)
	city         string
	commune      string
	district     string
	cccd         string // the province's CCCD prefix (first 3 digits)
}

// Province letters of agency codes (QĐ 20/2020/QĐ-TTg): Quảng Ngãi H48 is
// seen in real data; the others follow the alphabetical order real codes fit
// (dossier/profiles/README.md) and are unconfirmed.
var provinces = map[string]province{
	"vinh-phuc":  {"Vĩnh Phúc", "H62", "Thành phố Vĩnh Yên", "xã Tam Hồng", "huyện Yên Lạc", "026"},
	"cao-bang":   {"Cao Bằng", "H13", "Thành phố Cao Bằng", "xã Hưng Đạo", "huyện Hòa An", "004"},
	"binh-dinh":  {"Bình Định", "H09", "Thành phố Quy Nhơn", "xã Phước Mỹ", "huyện Tuy Phước", "052"},
	"binh-phuoc": {"Bình Phước", "H10", "Thành phố Đồng Xoài", "xã Tiến Hưng", "huyện Đồng Phú", "070"},
	"quang-ngai": {"Quảng Ngãi", "H48", "Thành phố Quảng Ngãi", "xã Tịnh Ấn Tây", "huyện Sơn Tịnh", "051"},
}

// Build seeds the units, staff and assignment of profile into eng, issuing
// their certificates from pki. now dates the certificates and decisions.
func Build(ctx context.Context, eng *dossier.Engine, pki *certs.DevPKI, profile string, now time.Time) (*World, error) {
	pv, ok := provinces[profile]
	if !ok {
		return nil, fmt.Errorf("seed: %w: %q", dossier.ErrUnknownProfile, profile)
	}
	w := &World{Profile: profile, Units: map[string]dossier.Unit{}, Members: map[string]*Member{}, PKI: pki, Seals: map[string]*signer.Credential{}}
	code := func(group, n string) string { return fmt.Sprintf("000.%s.%s.%s", group, n, pv.letter) }
	units := []dossier.Unit{
		{Code: code("00", "31"), Name: "Trung tâm Phục vụ hành chính công tỉnh " + pv.name, Level: dossier.LevelProvince, Kind: dossier.UnitCentre},
		{Code: code("00", "12"), Name: "Sở Tư pháp tỉnh " + pv.name, Level: dossier.LevelProvince, Kind: dossier.UnitAgency},
		{Code: code("21", "00"), Name: "Ủy ban nhân dân " + pv.district, Level: dossier.LevelDistrict, Kind: dossier.UnitAgency},
		{Code: code("21", "05"), Name: "Ủy ban nhân dân " + pv.commune, Level: dossier.LevelCommune, Kind: dossier.UnitCommune},
	}
	for i, key := range []string{Centre, Agency, District, Commune} {
		u := units[i]
		u.Profile = profile
		if key == Commune {
			u.Parent = units[2].Code
		}
		if err := eng.AddUnit(ctx, dossier.System, u); err != nil {
			return nil, err
		}
		w.Units[key] = u
	}
	type person struct {
		key, user, name, title, cccd, unit string
		roles                              []dossier.Role
		org                                bool // signs with the unit's organisation certificate
	}
	slug := pv.letter[1:] // usernames unique per province
	people := []person{
		{Intake, "tiepnhan" + slug, "Nguyễn Văn An", "Chuyên viên Bộ phận Một cửa", "090001234", Centre, []dossier.Role{dossier.RoleIntake}, false},
		{Director, "giamdoc" + slug, "Phạm Thị Dung", "Giám đốc Trung tâm", "180007777", Centre, []dossier.Role{dossier.RoleHead}, false},
		{CentreSeal, "vanthutt" + slug, "Đỗ Thị Hạnh", "Văn thư Trung tâm", "092004444", Centre, []dossier.Role{dossier.RoleSeal}, true},
		{Specialist, "chuyenvien" + slug, "Lê Văn Cường", "Chuyên viên", "091002222", Agency, []dossier.Role{dossier.RoleSpecialist}, false},
		{Head, "lanhdao" + slug, "Trần Thị Bình", "Giám đốc Sở", "185004321", Agency, []dossier.Role{dossier.RoleHead}, false},
		{Seal, "vanthu" + slug, "Vũ Thị Giang", "Văn thư Sở", "093005555", Agency, []dossier.Role{dossier.RoleSeal}, true},
		{DistrictOfficer, "cvhuyen" + slug, "Ngô Văn Khải", "Chuyên viên Phòng Tài chính - Kế hoạch", "094006666", District, []dossier.Role{dossier.RoleSpecialist}, false},
		{DistrictHead, "ctHuyen" + slug, "Bùi Văn Long", "Chủ tịch UBND huyện", "175008888", District, []dossier.Role{dossier.RoleHead}, false},
		{DistrictSeal, "vthuyen" + slug, "Lý Thị Mai", "Văn thư UBND huyện", "095009999", District, []dossier.Role{dossier.RoleSeal}, true},
		{CommuneIntake, "tnxa" + slug, "Đinh Văn Nam", "Công chức Bộ phận Một cửa xã", "096001111", Commune, []dossier.Role{dossier.RoleIntake, dossier.RoleSpecialist}, false},
		{CommuneHead, "ctxa" + slug, "Hồ Thị Oanh", "Chủ tịch UBND xã", "178002222", Commune, []dossier.Role{dossier.RoleHead, dossier.RoleSeal}, false},
		{Archivist, "luutru" + slug, "Tạ Văn Phúc", "Lưu trữ viên", "097003333", Centre, []dossier.Role{dossier.RoleArchivist}, false},
		{Admin, "quantri" + slug, "Mai Văn Quang", "Quản trị hệ thống", "098004444", Centre, []dossier.Role{dossier.RoleAdmin}, false},
	}
	for _, p := range people {
		u := w.Units[p.unit]
		id := pv.cccd + p.cccd
		s := dossier.Staff{Username: lower(p.user), FullName: p.name, Title: p.title, Unit: u.Code,
			OfficialAccount: lower(p.user) + "@" + profile + ".gov.vn", PersonalID: id}
		for _, r := range p.roles {
			s.Roles = append(s.Roles, dossier.RoleInUnit{Role: r, Unit: u.Code})
		}
		s, err := eng.AddStaff(ctx, dossier.System, s)
		if err != nil {
			return nil, err
		}
		m := &Member{Staff: s, Actor: dossier.Actor{Username: s.Username, Role: p.roles[0], Unit: u.Code}}
		if p.org {
			if w.Seals[p.unit] == nil {
				c, err := issue(pki, "seal-"+u.Code, certs.IssueRequest{Kind: certs.KindOrganisation, NotBefore: now.Add(-time.Hour),
					Subject: certs.Subject{CommonName: u.Name, Organization: "Ủy ban nhân dân tỉnh " + pv.name, Locality: pv.city,
						Province: pv.name, UID: "MNS:" + id[len(id)-7:], AgencyCode: u.Code}})
				if err != nil {
					return nil, err
				}
				w.Seals[p.unit] = c
			}
			m.Credential = w.Seals[p.unit]
		} else {
			c, err := issue(pki, "staff-"+s.Username, certs.IssueRequest{Kind: certs.KindPersonal, NotBefore: now.Add(-time.Hour),
				Subject: certs.Subject{CommonName: p.name, Title: p.title, Unit: u.Name, Organization: "Ủy ban nhân dân tỉnh " + pv.name,
					Locality: pv.city, Province: pv.name, UID: "CCCD:" + id}})
			if err != nil {
				return nil, err
			}
			m.Credential = c
		}
		w.Members[p.key] = m
	}
	// The commune head signs also as the commune (its seal).
	if c, err := issue(pki, "seal-"+w.Units[Commune].Code, certs.IssueRequest{Kind: certs.KindOrganisation, NotBefore: now.Add(-time.Hour),
		Subject: certs.Subject{CommonName: w.Units[Commune].Name, Province: pv.name, AgencyCode: w.Units[Commune].Code}}); err != nil {
		return nil, err
	} else {
		w.Seals[Commune] = c
	}
	a, err := eng.RecordAssignment(ctx, dossier.System, dossier.Assignment{Number: "15/QĐ-TTPVHCC", SignedOn: now.AddDate(0, -1, 0),
		SignedBy: "Phạm Thị Dung, Giám đốc Trung tâm", Unit: w.Units[Centre].Code,
		Staff: []string{w.Members[Intake].Staff.Username, w.Members[CommuneIntake].Staff.Username}, ValidFrom: now.AddDate(0, -1, 0)})
	if err != nil {
		return nil, err
	}
	w.Assignment = a
	w.Applicant = dossier.Applicant{Name: "Hoàng Văn Em", IDNumber: pv.cccd + "095003333", Address: pv.commune + ", " + pv.district + ", tỉnh " + pv.name,
		Phone: "0912345678", Email: "hoangvanem@example.vn", Account: "vneid-" + pv.cccd + "095003333"}
	w.Citizen = dossier.Actor{Username: w.Applicant.Account, Role: dossier.RoleCitizen}
	if w.CitizenKey, err = issue(pki, "citizen-"+w.Applicant.IDNumber, certs.IssueRequest{Kind: certs.KindPersonal, NotBefore: now.Add(-time.Hour),
		Subject: certs.Subject{CommonName: w.Applicant.Name, Province: pv.name, UID: "CCCD:" + w.Applicant.IDNumber}}); err != nil {
		return nil, err
	}
	return w, nil
}

func issue(pki *certs.DevPKI, name string, req certs.IssueRequest) (*signer.Credential, error) {
	id, err := pki.Issue(name, req)
	if err != nil {
		return nil, fmt.Errorf("seed: issuing %s: %w", name, err)
	}
	return &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: []*x509.Certificate{pki.Intermediate.Certificate}}, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
