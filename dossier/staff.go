package dossier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// A Role is what a staff member may do, always within one unit.
type Role string

// Roles (shared/DESIGN.md "Who uses it").
const (
	RoleIntake     Role = "intake"     // Bộ phận một cửa: receives, digitizes, accepts, returns
	RoleSpecialist Role = "specialist" // chuyên viên: processes, drafts results, asks for extensions
	RoleHead       Role = "head"       // lãnh đạo: centre director, commune chairman, agency head; signs personally
	RoleSeal       Role = "seal"       // văn thư: applies the unit's organisation signature
	RoleArchivist  Role = "archivist"  // exports closed dossiers
	RoleAdmin      Role = "admin"      // operator: units, staff, assignment decisions
	// RoleCitizen is the applicant acting through the portal (not staff).
	RoleCitizen Role = "citizen"
	// RoleSystem is kyso itself (sweeps, imports).
	RoleSystem Role = "system"
)

// StaffRoles are the roles a staff member can hold.
var staffRoles = []Role{RoleIntake, RoleSpecialist, RoleHead, RoleSeal, RoleArchivist, RoleAdmin}

// ParseRole checks a staff role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(staffRoles, r) {
		return "", fmt.Errorf("%w: %q (known: intake, specialist, head, seal, archivist, admin)", ErrUnknownRole, s)
	}
	return r, nil
}

// Vietnamese is the role's name for staff pages.
func (r Role) Vietnamese() string {
	switch r {
	case RoleIntake:
		return "Cán bộ tiếp nhận (Bộ phận Một cửa)"
	case RoleSpecialist:
		return "Chuyên viên xử lý"
	case RoleHead:
		return "Lãnh đạo"
	case RoleSeal:
		return "Văn thư"
	case RoleArchivist:
		return "Lưu trữ viên"
	case RoleAdmin:
		return "Quản trị hệ thống"
	case RoleCitizen:
		return "Công dân, tổ chức"
	case RoleSystem:
		return "Hệ thống"
	}
	return string(r)
}

// An Actor is who takes a step: a staff member acting in one of their
// roles in one unit, a citizen, or the system.
type Actor struct {
	Username string // staff username, citizen account, or "kyso"
	Role     Role
	Unit     string // the unit the role is held in (staff only)
}

// String is the actor as evidence entries name it: "role:username@unit".
func (a Actor) String() string {
	if a.Unit == "" {
		return string(a.Role) + ":" + a.Username
	}
	return string(a.Role) + ":" + a.Username + "@" + a.Unit
}

// System is kyso acting on its own (e.g. voiding overdue dossiers).
var System = Actor{Username: "kyso", Role: RoleSystem}

// Unit kinds and levels.
const (
	UnitCentre  = "centre"  // Trung tâm Phục vụ hành chính công / Bộ phận một cửa
	UnitAgency  = "agency"  // a deciding agency (sở, phòng, …)
	UnitCommune = "commune" // Ủy ban nhân dân cấp xã (receives and decides)

	LevelProvince = "province"
	LevelDistrict = "district"
	LevelCommune  = "commune"
)

// A Unit is a receiving unit or deciding agency with its official code
// (mã định danh, QĐ 20/2020/QĐ-TTg), e.g. "000.00.31.H62".
type Unit struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Level   string `json:"level"` // province, district, commune
	Kind    string `json:"kind"`  // centre, agency, commune
	Parent  string `json:"parent,omitempty"`
	Profile string `json:"profile"`
}

// Staff is a staff member with an official account (tài khoản công vụ).
type Staff struct {
	ID              int64        `json:"id"`
	Username        string       `json:"username"`
	FullName        string       `json:"full_name"`
	Title           string       `json:"title,omitempty"`
	Unit            string       `json:"unit"`
	OfficialAccount string       `json:"official_account,omitempty"`
	PersonalID      string       `json:"personal_id,omitempty"` // CCCD number, as in the signing certificate's UID
	Roles           []RoleInUnit `json:"roles"`
}

// RoleInUnit is one role held in one unit.
type RoleInUnit struct {
	Role Role   `json:"role"`
	Unit string `json:"unit"`
}

// Holds reports whether s holds role r in unit.
func (s *Staff) Holds(r Role, unit string) bool {
	return slices.Contains(s.Roles, RoleInUnit{r, unit})
}

// An Assignment is a written decision assigning staff to digitization
// (QĐ 03/2020 Đ9.3b): by the centre director or the commune chairman.
type Assignment struct {
	ID        int64     `json:"id"`
	Number    string    `json:"number"`    // số, e.g. "12/QĐ-TTPVHCC"
	SignedOn  time.Time `json:"signed_on"` // ngày ký
	SignedBy  string    `json:"signed_by"` // người ký (name and title)
	Unit      string    `json:"unit"`
	Staff     []string  `json:"staff"` // usernames
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to,omitzero"` // zero: no end
	Document  int64     `json:"document,omitempty"`
}

// Covers reports whether the decision assigns username and is in force at t.
func (a *Assignment) Covers(username string, t time.Time) bool {
	return slices.Contains(a.Staff, username) && !t.Before(a.ValidFrom) && (a.ValidTo.IsZero() || t.Before(a.ValidTo))
}

// Describe is the decision as the provenance statement cites it.
func (a *Assignment) Describe() string {
	s := fmt.Sprintf("Quyết định số %s ngày %s do %s ký, hiệu lực từ %s", a.Number, a.SignedOn.In(vietnam).Format("02/01/2006"),
		a.SignedBy, a.ValidFrom.In(vietnam).Format("02/01/2006"))
	if !a.ValidTo.IsZero() {
		s += " đến " + a.ValidTo.In(vietnam).Format("02/01/2006")
	}
	return s
}

// Event types of the directory in the evidence log.
const (
	EventUnitAdded        = "unit.added"
	EventStaffAdded       = "staff.added"
	EventRoleGranted      = "staff.role_granted"
	EventRoleRevoked      = "staff.role_revoked"
	EventAssignment       = "assignment.recorded"
	EventDossierSubmitted = "dossier.submitted"
)

// AddUnit records a unit. Only an admin (or the system) may.
func (e *Engine) AddUnit(ctx context.Context, actor Actor, u Unit) error {
	if _, err := e.profiles.Profile(u.Profile); err != nil {
		return err
	}
	switch {
	case !validUnitCode(u.Code):
		return invalidf("unit code %q: want an official agency code like 000.00.31.H62", u.Code)
	case strings.TrimSpace(u.Name) == "":
		return invalidf("unit %s: name is empty", u.Code)
	case !slices.Contains([]string{UnitCentre, UnitAgency, UnitCommune}, u.Kind):
		return invalidf("unit %s: kind %q: want centre, agency or commune", u.Code, u.Kind)
	case !slices.Contains([]string{LevelProvince, LevelDistrict, LevelCommune}, u.Level):
		return invalidf("unit %s: level %q: want province, district or commune", u.Code, u.Level)
	}
	return e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := e.authorizeAdmin(ctx, tx, actor); err != nil {
			return err
		}
		if u.Parent != "" {
			if _, err := unitTx(ctx, tx, u.Parent); err != nil {
				return err
			}
		}
		now := e.clock()
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_units (code, name, level, kind, parent, profile, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, u.Code, u.Name, u.Level, u.Kind, u.Parent, u.Profile, storage.FormatTime(now)); err != nil {
			if isUnique(err) {
				return fmt.Errorf("%w: unit %s exists", ErrInvalid, u.Code)
			}
			return err
		}
		_, err := e.log.Append(ctx, tx, evidence.Entry{Type: EventUnitAdded, Time: now, Actor: actor.String(), Data: u})
		return err
	})
}

// validUnitCode accepts the dotted official codes (QĐ 20/2020/QĐ-TTg:
// letters, digits and dots, e.g. 000.00.31.H62, H62.21.5).
func validUnitCode(c string) bool {
	if len(c) < 3 || len(c) > 32 || strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".") || strings.Contains(c, "..") {
		return false
	}
	for _, r := range c {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '.') {
			return false
		}
	}
	return true
}

// Unit returns the unit code.
func (e *Engine) Unit(ctx context.Context, code string) (Unit, error) {
	var u Unit
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		u, err = unitTx(ctx, tx, code)
		return err
	})
	return u, err
}

// Units lists every unit, by code.
func (e *Engine) Units(ctx context.Context) ([]Unit, error) {
	var out []Unit
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, "SELECT code, name, level, kind, parent, profile FROM dossier_units ORDER BY code")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u Unit
			if err := rows.Scan(&u.Code, &u.Name, &u.Level, &u.Kind, &u.Parent, &u.Profile); err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

func unitTx(ctx context.Context, tx *storage.Tx, code string) (Unit, error) {
	u := Unit{Code: code}
	err := tx.QueryRow(ctx, "SELECT name, level, kind, parent, profile FROM dossier_units WHERE code = $1", code).
		Scan(&u.Name, &u.Level, &u.Kind, &u.Parent, &u.Profile)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: %s", ErrUnknownUnit, code)
	}
	return u, err
}

// AddStaff records a staff member and grants their roles.
func (e *Engine) AddStaff(ctx context.Context, actor Actor, s Staff) (Staff, error) {
	if !validUsername(s.Username) {
		return s, invalidf("username %q: want 3–64 characters of a-z, 0-9, '.', '_' or '-'", s.Username)
	}
	if strings.TrimSpace(s.FullName) == "" {
		return s, invalidf("staff %s: full name is empty", s.Username)
	}
	for _, r := range s.Roles {
		if _, err := ParseRole(string(r.Role)); err != nil {
			return s, err
		}
	}
	err := e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := e.authorizeAdmin(ctx, tx, actor); err != nil {
			return err
		}
		if _, err := unitTx(ctx, tx, s.Unit); err != nil {
			return err
		}
		for _, r := range s.Roles {
			if _, err := unitTx(ctx, tx, r.Unit); err != nil {
				return err
			}
		}
		now := e.clock()
		err := tx.QueryRow(ctx, `INSERT INTO dossier_staff (username, full_name, title, unit, official_account, personal_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.Username, s.FullName, s.Title, s.Unit, s.OfficialAccount,
			s.PersonalID, storage.FormatTime(now)).Scan(&s.ID)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("%w: staff %s exists", ErrInvalid, s.Username)
			}
			return err
		}
		for _, r := range s.Roles {
			if _, err := tx.Exec(ctx, `INSERT INTO dossier_roles (staff_id, role, unit, op, at, actor) VALUES ($1, $2, $3, 'grant', $4, $5)`,
				s.ID, string(r.Role), r.Unit, storage.FormatTime(now), actor.String()); err != nil {
				return err
			}
		}
		_, err = e.log.Append(ctx, tx, evidence.Entry{Type: EventStaffAdded, Time: now, Actor: actor.String(), Data: s})
		return err
	})
	return s, err
}

func validUsername(u string) bool {
	if len(u) < 3 || len(u) > 64 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// GrantRole gives a staff member a role in a unit; RevokeRole takes it away.
func (e *Engine) GrantRole(ctx context.Context, actor Actor, username string, r RoleInUnit) error {
	return e.changeRole(ctx, actor, username, r, "grant")
}

// RevokeRole takes a role away (a revoke row; the grant stays on record).
func (e *Engine) RevokeRole(ctx context.Context, actor Actor, username string, r RoleInUnit) error {
	return e.changeRole(ctx, actor, username, r, "revoke")
}

func (e *Engine) changeRole(ctx context.Context, actor Actor, username string, r RoleInUnit, op string) error {
	if _, err := ParseRole(string(r.Role)); err != nil {
		return err
	}
	return e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := e.authorizeAdmin(ctx, tx, actor); err != nil {
			return err
		}
		s, err := staffTx(ctx, tx, username)
		if err != nil {
			return err
		}
		if _, err := unitTx(ctx, tx, r.Unit); err != nil {
			return err
		}
		if held := s.Holds(r.Role, r.Unit); held == (op == "grant") {
			return fmt.Errorf("%w: %s %s role %s in %s already", ErrInvalid, username, map[bool]string{true: "holds", false: "does not hold"}[held], r.Role, r.Unit)
		}
		now := e.clock()
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_roles (staff_id, role, unit, op, at, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.ID, string(r.Role), r.Unit, op, storage.FormatTime(now), actor.String()); err != nil {
			return err
		}
		typ := EventRoleGranted
		if op == "revoke" {
			typ = EventRoleRevoked
		}
		_, err = e.log.Append(ctx, tx, evidence.Entry{Type: typ, Time: now, Actor: actor.String(),
			Data: map[string]any{"username": username, "role": r.Role, "unit": r.Unit}})
		return err
	})
}

// Staff returns the staff member username with their current roles.
func (e *Engine) Staff(ctx context.Context, username string) (Staff, error) {
	var s Staff
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		s, err = staffTx(ctx, tx, username)
		return err
	})
	return s, err
}

// StaffList lists staff, by username.
func (e *Engine) StaffList(ctx context.Context) ([]Staff, error) {
	var out []Staff
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, "SELECT username FROM dossier_staff ORDER BY username")
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			s, err := staffTx(ctx, tx, n)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

func staffTx(ctx context.Context, tx *storage.Tx, username string) (Staff, error) {
	s := Staff{Username: username}
	err := tx.QueryRow(ctx, `SELECT id, full_name, title, unit, official_account, personal_id FROM dossier_staff WHERE username = $1`, username).
		Scan(&s.ID, &s.FullName, &s.Title, &s.Unit, &s.OfficialAccount, &s.PersonalID)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("%w: %s", ErrUnknownStaff, username)
	}
	if err != nil {
		return s, err
	}
	rows, err := tx.Query(ctx, "SELECT role, unit, op FROM dossier_roles WHERE staff_id = $1 ORDER BY id", s.ID)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var r RoleInUnit
		var op string
		if err := rows.Scan(&r.Role, &r.Unit, &op); err != nil {
			return s, err
		}
		if op == "grant" {
			if !s.Holds(r.Role, r.Unit) {
				s.Roles = append(s.Roles, r)
			}
		} else {
			s.Roles = slices.DeleteFunc(s.Roles, func(x RoleInUnit) bool { return x == r })
		}
	}
	return s, rows.Err()
}

// staffByPersonalID finds the staff member whose CCCD is id.
func staffByPersonalID(ctx context.Context, tx *storage.Tx, id string) (Staff, error) {
	var username string
	err := tx.QueryRow(ctx, "SELECT username FROM dossier_staff WHERE personal_id = $1 AND personal_id <> '' ORDER BY id LIMIT 1", id).Scan(&username)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, fmt.Errorf("%w: no staff member with personal id %s", ErrUnknownStaff, id)
	}
	if err != nil {
		return Staff{}, err
	}
	return staffTx(ctx, tx, username)
}

// authorize checks that a staff actor holds their role in their unit.
// Citizens and the system pass here; each step checks which roles it
// accepts.
func (e *Engine) authorize(ctx context.Context, tx *storage.Tx, a Actor) (*Staff, error) {
	switch a.Role {
	case RoleCitizen:
		if a.Username == "" {
			return nil, fmt.Errorf("%w: a citizen actor needs an account", ErrForbidden)
		}
		return nil, nil
	case RoleSystem:
		if a != System {
			return nil, fmt.Errorf("%w: only kyso itself acts as the system", ErrForbidden)
		}
		return nil, nil
	}
	s, err := staffTx(ctx, tx, a.Username)
	if errors.Is(err, ErrUnknownStaff) {
		return nil, fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	if err != nil {
		return nil, err
	}
	if !s.Holds(a.Role, a.Unit) {
		return nil, fmt.Errorf("%w: %s does not hold role %s in unit %s", ErrForbidden, a.Username, a.Role, a.Unit)
	}
	return &s, nil
}

// authorizeAdmin: admins, and the system (bootstrapping a fresh installation).
func (e *Engine) authorizeAdmin(ctx context.Context, tx *storage.Tx, a Actor) error {
	if a == System {
		return nil
	}
	if a.Role != RoleAdmin {
		return fmt.Errorf("%w: only an admin manages units, staff and assignment decisions (not %s)", ErrForbidden, a.Role)
	}
	_, err := e.authorize(ctx, tx, a)
	return err
}

// RecordAssignment records a digitization assignment decision and
// re-assesses the documents it now covers.
func (e *Engine) RecordAssignment(ctx context.Context, actor Actor, a Assignment) (Assignment, error) {
	switch {
	case strings.TrimSpace(a.Number) == "":
		return a, invalidf("assignment: number (số) is empty")
	case a.SignedOn.IsZero():
		return a, invalidf("assignment %s: date signed is missing", a.Number)
	case strings.TrimSpace(a.SignedBy) == "":
		return a, invalidf("assignment %s: signed by (người ký) is empty", a.Number)
	case len(a.Staff) == 0:
		return a, invalidf("assignment %s: assigns nobody", a.Number)
	case a.ValidFrom.IsZero():
		return a, invalidf("assignment %s: valid from is missing", a.Number)
	case !a.ValidTo.IsZero() && !a.ValidTo.After(a.ValidFrom):
		return a, invalidf("assignment %s: valid to %s is not after valid from %s", a.Number, a.ValidTo.Format(time.DateOnly), a.ValidFrom.Format(time.DateOnly))
	}
	var affected []int64
	err := e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := e.authorizeAdmin(ctx, tx, actor); err != nil {
			return err
		}
		if _, err := unitTx(ctx, tx, a.Unit); err != nil {
			return err
		}
		var doc sql.NullInt64
		if a.Document != 0 {
			doc = sql.NullInt64{Int64: a.Document, Valid: true}
		}
		now := e.clock()
		if err := tx.QueryRow(ctx, `INSERT INTO dossier_assignments (number, signed_on, signed_by, unit, valid_from, valid_to, document_id, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, a.Number, storage.FormatTime(a.SignedOn), a.SignedBy, a.Unit,
			storage.FormatTime(a.ValidFrom), formatOptTime(a.ValidTo), doc, storage.FormatTime(now), actor.String()).Scan(&a.ID); err != nil {
			return err
		}
		for _, u := range a.Staff {
			s, err := staffTx(ctx, tx, u)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO dossier_assignment_staff (assignment_id, staff_id) VALUES ($1, $2)", a.ID, s.ID); err != nil {
				return err
			}
		}
		if _, err := e.log.Append(ctx, tx, evidence.Entry{Type: EventAssignment, Time: now, Actor: actor.String(), Data: a}); err != nil {
			return err
		}
		var err error
		affected, err = documentsBySource(ctx, tx, SourceDesk)
		return err
	})
	if err != nil {
		return a, err
	}
	for _, id := range affected {
		if _, err := e.Reassess(ctx, id, "assignment decision "+a.Number+" recorded"); err != nil {
			return a, err
		}
	}
	return a, nil
}

// assignmentsTx returns the assignment decisions of the unit that name username.
func assignmentsTx(ctx context.Context, tx *storage.Tx, username string) ([]Assignment, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.number, a.signed_on, a.signed_by, a.unit, a.valid_from, a.valid_to, a.document_id
		FROM dossier_assignments a JOIN dossier_assignment_staff x ON x.assignment_id = a.id JOIN dossier_staff s ON s.id = x.staff_id
		WHERE s.username = $1 ORDER BY a.id`, username)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var signed, from, to string
		var doc sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Number, &signed, &a.SignedBy, &a.Unit, &from, &to, &doc); err != nil {
			return nil, err
		}
		a.SignedOn, _ = storage.ParseTime(signed)
		a.ValidFrom, _ = storage.ParseTime(from)
		a.ValidTo = parseOptTime(to)
		a.Document = doc.Int64
		a.Staff = []string{username}
		out = append(out, a)
	}
	return out, rows.Err()
}

func formatOptTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return storage.FormatTime(t)
}

func parseOptTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := storage.ParseTime(s)
	return t
}

// isUnique reports a unique-constraint violation on either backend.
func isUnique(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key")
}
