package dossier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Legal-validity statuses of a document version.
const (
	StatusValid          = "legally_valid"   // có giá trị pháp lý
	StatusProcessingOnly = "processing_only" // dùng làm căn cứ xử lý; còn nghĩa vụ
	StatusNotValid       = "not_valid"       // không có giá trị pháp lý
)

// StatusVietnamese names a status for staff and citizens.
func StatusVietnamese(s string) string {
	switch s {
	case StatusValid:
		return "Có giá trị pháp lý"
	case StatusProcessingOnly:
		return "Chỉ dùng làm căn cứ xử lý, chưa đủ giá trị pháp lý"
	case StatusNotValid:
		return "Chưa có giá trị pháp lý"
	}
	return s
}

// An Assessment is the provenance engine's statement about one document
// version: which conditions of its source hold, what proves each, what is
// still owed, and the resulting status. It is never edited: new evidence
// produces a new assessment.
type Assessment struct {
	Version    int64       `json:"version"` // dossier_documents id
	Lineage    int64       `json:"lineage"`
	Dossier    string      `json:"dossier"`
	SHA256     string      `json:"sha256"`
	Source     string      `json:"source"`
	Role       string      `json:"role"`
	Status     string      `json:"status"`
	Summary    string      `json:"summary"` // Vietnamese, one sentence
	Conditions []Condition `json:"conditions"`
	Owed       []Owed      `json:"owed,omitempty"`
	RuleSet    string      `json:"rule_set"`
	Profile    string      `json:"profile"`
	AssessedAt time.Time   `json:"assessed_at"`
	Trigger    string      `json:"trigger"` // what caused this assessment
}

// A Condition is one condition of legal validity.
type Condition struct {
	Rule     string `json:"rule"`     // rule key
	Citation string `json:"citation"` // where it is written
	Text     string `json:"text"`     // the condition, Vietnamese
	Held     bool   `json:"held"`
	Evidence string `json:"evidence"` // what proves it, or why it does not hold (Vietnamese)
}

// Owed is something still due before the document is fully valid.
type Owed struct {
	Rule     string `json:"rule"`
	Citation string `json:"citation"`
	Text     string `json:"text"` // Vietnamese
}

// signer is a signature with who it belongs to in kyso's directory.
type signer struct {
	Signature
	staff *Staff // personal signature of a known staff member
	unit  *Unit  // organisation signature of a known unit
}

// assessInput is everything the rules look at.
type assessInput struct {
	p           *Profile
	d           *Dossier
	v           *DocumentVersion
	uploader    Actor
	staff       *Staff // the uploader, when staff
	assignments []Assignment
	signers     []signer
	units       map[string]Unit
	now         time.Time
	at          time.Time // when the document was made (digitized)
}

// assess applies the rules of the document's source.
func assess(in assessInput) Assessment {
	a := Assessment{Version: in.v.ID, Lineage: in.v.Lineage, Dossier: in.d.Code, SHA256: in.v.SHA256, Source: in.v.Source,
		Role: in.v.Role, RuleSet: in.d.RuleSet, Profile: in.p.ID, AssessedAt: in.now}
	cond := func(rule, text string, held bool, ev string) bool {
		a.Conditions = append(a.Conditions, Condition{Rule: rule, Citation: in.p.Cite(rule).String(), Text: text, Held: held, Evidence: ev})
		return held
	}
	owe := func(rule, text string) {
		a.Owed = append(a.Owed, Owed{Rule: rule, Citation: in.p.Cite(rule).String(), Text: text})
	}
	all := func() bool {
		for _, c := range a.Conditions {
			if !c.Held {
				return false
			}
		}
		return len(a.Conditions) > 0
	}
	status := func(ok bool) {
		if ok {
			a.Status = StatusValid
		} else {
			a.Status = StatusNotValid
		}
	}

	switch in.v.Source {
	case SourceAccount:
		f := in.v.Facts
		held, ev := false, "Chưa có kết quả xác minh với cơ sở dữ liệu quốc gia hoặc xác minh trực tiếp"
		switch {
		case slices.Contains(nationalDatabases, f.Database) && f.Reference != "":
			held, ev = true, fmt.Sprintf("Đã xác minh qua %s, mã tham chiếu %s", databaseName(f.Database), f.Reference)
		case f.VerifiedBy != "":
			held, ev = true, "Được cơ quan nhà nước xác minh trực tiếp: "+f.VerifiedBy
		case f.Database != "" && !slices.Contains(nationalDatabases, f.Database):
			ev = fmt.Sprintf("%q không phải cơ sở dữ liệu được quy định (dân cư, số điện thoại di động, mã số thuế, mã số doanh nghiệp, mã thẻ bảo hiểm y tế)", f.Database)
		}
		status(cond(RuleSourceAccount, "Thông tin tài khoản được cơ quan nhà nước xác minh trực tiếp hoặc qua cơ sở dữ liệu quốc gia", held, ev))

	case SourceCitizen:
		sig, ev := in.applicantSignature()
		if cond(RuleSourceCitizen, "Có chữ ký số của tổ chức, cá nhân nộp hồ sơ", sig, ev) {
			a.Status = StatusValid
			break
		}
		if in.d.OriginalsOK {
			// Đ9.2: without the signature the paper original is verified
			// when the result is returned; once it is, the copy is valid.
			cond(RuleOriginals, "Hồ sơ giấy (bản gốc) đã được xác minh khi trả kết quả", true, "Đã đối chiếu bản gốc, không có sai khác")
			a.Status = StatusValid
			break
		}
		a.Status = StatusProcessingOnly
		owe(RuleOriginals, "Xác minh hồ sơ giấy (bản gốc) tại thời điểm trả kết quả")
		if in.d.Level == 4 && in.p.Level4WithoutSignature == "level3" {
			owe(RuleLevel4Signature, "Hồ sơ mức độ 4 không có chữ ký số được xử lý như hồ sơ mức độ 3")
			if in.p.CertifiedCopiesByPost {
				owe(RuleCertifiedCopies, fmt.Sprintf("Gửi kèm qua bưu điện hồ sơ có chứng thực của cơ quan, tổ chức có thẩm quyền, ghi rõ mã hồ sơ %s", in.d.Code))
			}
		}

	case SourceDesk:
		c1 := in.officialAccount(RoleIntake, in.d.Unit)
		c2, ev2 := in.assignment()
		cond(RuleSourceDesk, "Số hóa trực tiếp trên hệ thống thông qua tài khoản công vụ", c1.held, c1.evidence)
		cond(RuleSourceDesk, "Số hóa bởi cán bộ được phân công nhiệm vụ số hóa bằng văn bản của Giám đốc Trung tâm / Chủ tịch UBND cấp xã", c2, ev2)
		c3, ev3 := in.signedBy(func(s signer) bool {
			return s.staff != nil && in.staff != nil && s.staff.Username == in.staff.Username ||
				s.unit != nil && s.unit.Code == in.d.Unit
		}, "nhân sự số hóa hoặc của Trung tâm / UBND cấp xã")
		cond(RuleSourceDesk, "Đính kèm chữ ký số của nhân sự số hóa hoặc của Trung tâm / UBND cấp xã", c3, ev3)
		status(all())

	case SourceAgency:
		c1 := in.officialAccount(RoleSpecialist, in.d.ProcessingUnit, RoleHead, RoleSeal)
		cond(RuleSourceAgency, "Số hóa trực tiếp trên hệ thống thông qua tài khoản công vụ", c1.held, c1.evidence)
		switch f := in.v.Facts; {
		case f.Typed:
			cond(RuleSourceAgency, "Thông tin nhập trực tiếp dưới dạng ký tự có giá trị trao đổi", true, "Dữ liệu nhập trực tiếp trên hệ thống")
		case f.SealVisible:
			cond(RuleSourceAgency, "Bản số hóa văn bản bảo đảm đầy đủ chữ ký, con dấu", true, "Cán bộ số hóa xác nhận bản quét thể hiện đầy đủ chữ ký, con dấu")
			ok, ev := in.signedBy(func(s signer) bool { return s.unit != nil && s.unit.Code == in.d.ProcessingUnit }, "cơ quan giải quyết thủ tục hành chính")
			cond(RuleSourceAgency, "Đính kèm chữ ký số của cơ quan giải quyết thủ tục hành chính", ok, ev)
		default:
			ok, ev := in.signedBy(func(s signer) bool { return s.staff != nil && in.staff != nil && s.staff.Username == in.staff.Username },
				"nhân sự đang trực tiếp xử lý hồ sơ")
			cond(RuleSourceAgency, "Đính kèm chữ ký số của nhân sự đang trực tiếp xử lý hồ sơ", ok, ev)
		}
		status(all())

	case SourceResult:
		c1 := in.officialAccount(RoleSpecialist, in.d.ProcessingUnit, RoleHead, RoleSeal)
		cond(RuleSourceResult, "Số hóa trực tiếp trên hệ thống thông qua tài khoản công vụ", c1.held, c1.evidence)
		cond(RuleSourceResult, "Bản chụp, bản quét nguyên vẹn kết quả đã ký và đóng dấu", in.v.Facts.SealVisible,
			map[bool]string{true: "Cán bộ số hóa xác nhận bản quét nguyên vẹn, có chữ ký và con dấu", false: "Chưa có xác nhận bản quét thể hiện chữ ký và con dấu"}[in.v.Facts.SealVisible])
		ok, ev := in.signedBy(func(s signer) bool { return s.unit != nil && s.unit.Code == in.d.ProcessingUnit }, "đơn vị")
		cond(RuleSourceResult, "Chữ ký số của người ký và của đơn vị, hoặc chữ ký số của đơn vị", ok, ev)
		status(all())

	case SourceNational:
		held := in.v.Facts.Database != ""
		ev := "Không rõ cơ sở dữ liệu quốc gia nguồn"
		if held {
			ev = fmt.Sprintf("Từ %s, mã tham chiếu %s", databaseName(in.v.Facts.Database), in.v.Facts.Reference)
		}
		status(cond(RuleSourceNational, "Nguồn từ cơ sở dữ liệu quốc gia được liên thông: mặc định có giá trị pháp lý", held, ev))

	case SourceOther:
		sys := in.v.Facts.System
		held := sys != "" && slices.Contains(in.p.OtherSystems, sys)
		ev := fmt.Sprintf("Hệ thống %q không nằm trong danh mục tỉnh %s quy định", sys, in.p.Province)
		if held {
			ev = fmt.Sprintf("Hệ thống %q được tỉnh %s quy định", sys, in.p.Province)
		}
		status(cond(RuleSourceOther, "Nguồn từ hệ thống thông tin khác được Ủy ban nhân dân tỉnh quy định", held, ev))

	case SourceIssued:
		req := requiredSigners(in.p, in.d, in.v, in.units)
		for _, r := range req {
			ok, ev := in.signedBy(r.match, r.who)
			cond(r.rule, r.text, ok, ev)
		}
		status(all())
		if len(req) == 0 {
			a.Status = StatusNotValid
		}
	}
	a.Summary = summarize(a)
	return a
}

// nationalDatabases are the databases of QĐ 03/2020 Đ9.1.
var nationalDatabases = []string{"population", "mobile", "tax", "business", "health_insurance"}

func databaseName(id string) string {
	switch id {
	case "population":
		return "Cơ sở dữ liệu quốc gia về dân cư"
	case "mobile":
		return "cơ sở dữ liệu số điện thoại di động"
	case "tax":
		return "cơ sở dữ liệu mã số thuế"
	case "business":
		return "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"
	case "health_insurance":
		return "cơ sở dữ liệu mã thẻ bảo hiểm y tế"
	}
	return id
}

func summarize(a Assessment) string {
	s := StatusVietnamese(a.Status)
	var missing []string
	for _, c := range a.Conditions {
		if !c.Held {
			missing = append(missing, c.Text)
		}
	}
	if len(missing) > 0 {
		s += ". Chưa đáp ứng: " + strings.Join(missing, "; ")
	}
	if len(a.Owed) > 0 {
		var owed []string
		for _, o := range a.Owed {
			owed = append(owed, o.Text)
		}
		s += ". Còn phải: " + strings.Join(owed, "; ")
	}
	return s + "."
}

type held struct {
	held     bool
	evidence string
}

// officialAccount: the uploader is staff with an official account, acting
// in one of roles (pairs of role, unit... given as role then unit) in unit.
func (in assessInput) officialAccount(role Role, unit string, more ...Role) held {
	if in.staff == nil {
		return held{false, fmt.Sprintf("Tải lên bởi %s, không phải tài khoản công vụ", in.uploader)}
	}
	if in.staff.OfficialAccount == "" {
		return held{false, fmt.Sprintf("%s (%s) chưa có tài khoản công vụ", in.staff.FullName, in.staff.Username)}
	}
	roles := append([]Role{role}, more...)
	if !slices.Contains(roles, in.uploader.Role) || in.uploader.Unit != unit {
		return held{false, fmt.Sprintf("Tài khoản công vụ %s thao tác với vai trò %s tại %s, không thuộc đơn vị %s", in.staff.OfficialAccount, in.uploader.Role, in.uploader.Unit, unit)}
	}
	return held{true, fmt.Sprintf("Tài khoản công vụ %s của %s, %s", in.staff.OfficialAccount, in.staff.FullName, in.uploader.Role.Vietnamese())}
}

// assignment: a decision in force when the document was digitized names the uploader.
func (in assessInput) assignment() (bool, string) {
	if in.staff == nil {
		return false, "Người số hóa không phải cán bộ"
	}
	at := in.at
	for i := range in.assignments {
		if a := &in.assignments[i]; a.Covers(in.staff.Username, at) {
			return true, a.Describe()
		}
	}
	if len(in.assignments) > 0 {
		return false, fmt.Sprintf("Các quyết định phân công của %s không có hiệu lực vào %s", in.staff.FullName, at.In(vietnam).Format("02/01/2006 15:04"))
	}
	return false, fmt.Sprintf("Chưa có văn bản phân công %s làm nhiệm vụ số hóa", in.staff.FullName)
}

// applicantSignature: a valid signature of the applicant (personal, by ID
// number; or the organisation's, by tax/business code).
func (in assessInput) applicantSignature() (bool, string) {
	var others []string
	for _, s := range in.signers {
		if !s.Valid {
			others = append(others, fmt.Sprintf("chữ ký của %s không hợp lệ (%s)", s.Name, s.Indication))
			continue
		}
		if s.IDNumber != "" && s.IDNumber == in.d.Applicant.IDNumber {
			return true, fmt.Sprintf("Chữ ký số hợp lệ của %s (%s %s), ký lúc %s", s.Name, s.IDKind, s.IDNumber, formatVN(s.SigningTime))
		}
		others = append(others, fmt.Sprintf("chữ ký của %s không phải của người nộp hồ sơ", s.Name))
	}
	if len(others) == 0 {
		return false, "Tài liệu không có chữ ký số"
	}
	return false, strings.Join(others, "; ")
}

// signedBy: a valid signature that match accepts.
func (in assessInput) signedBy(match func(signer) bool, who string) (bool, string) {
	var notes []string
	for _, s := range in.signers {
		if !match(s) {
			if s.Valid {
				notes = append(notes, fmt.Sprintf("chữ ký của %s không phải của %s", s.Name, who))
			}
			continue
		}
		if !s.Valid {
			notes = append(notes, fmt.Sprintf("chữ ký của %s không hợp lệ (%s %s)", s.Name, s.Indication, s.SubIndication))
			continue
		}
		kind := "cá nhân"
		if s.Organisation {
			kind = "tổ chức"
		}
		return true, fmt.Sprintf("Chữ ký số %s hợp lệ của %s, ký lúc %s", kind, s.Name, formatVN(s.SigningTime))
	}
	if len(in.signers) == 0 {
		return false, "Tài liệu không có chữ ký số"
	}
	return false, strings.Join(notes, "; ")
}

func formatVN(t time.Time) string { return t.In(vietnam).Format("15:04 02/01/2006") }

// A requirement is one signature a document issued by a unit needs.
type requirement struct {
	rule, text, who string
	role            Role // RoleHead (personal) or RoleSeal (organisation)
	unit            string
	match           func(signer) bool
}

func headOf(unit string) func(signer) bool {
	return func(s signer) bool { return s.staff != nil && s.staff.Holds(RoleHead, unit) }
}

func sealOf(unit string) func(signer) bool {
	return func(s signer) bool { return s.unit != nil && s.unit.Code == unit }
}

func needHead(rule, text, who, unit string) requirement {
	return requirement{rule: rule, text: text, who: who + " " + unit, role: RoleHead, unit: unit, match: headOf(unit)}
}

func needSeal(rule, text, who, unit string) requirement {
	return requirement{rule: rule, text: text, who: who + " " + unit, role: RoleSeal, unit: unit, match: sealOf(unit)}
}

// requiredSigners: who must sign a document a unit issues.
func requiredSigners(p *Profile, d *Dossier, v *DocumentVersion, units map[string]Unit) []requirement {
	deciding := d.ProcessingUnit
	switch v.Role {
	case DocResult, DocStepResult:
		return []requirement{
			needHead(RuleResultSignatures, "Chữ ký số của người có thẩm quyền (lãnh đạo cơ quan giải quyết)", "lãnh đạo", deciding),
			needSeal(RuleResultSignatures, "Chữ ký số của cơ quan, đơn vị giải quyết", "cơ quan", deciding),
		}
	case DocReceipt, DocGuidance, DocRefusal, DocControl:
		return []requirement{needSeal(RuleSourceIssued, "Chữ ký số của đơn vị tiếp nhận (biểu mẫu điện tử)", "đơn vị", d.Unit)}
	case DocApology:
		switch v.Facts.LetterKind {
		case LetterSupplementIntake:
			return []requirement{needHead(RuleApologyIntake, "Thư xin lỗi do Giám đốc Trung tâm / Chủ tịch UBND cấp xã ký số", "lãnh đạo", d.Unit)}
		case LetterSupplementProcessing:
			return []requirement{needHead(RuleApologyProcessing, "Thư xin lỗi do Thủ trưởng cơ quan giải quyết ký số", "thủ trưởng", deciding)}
		case LetterLateApology:
			return []requirement{needHead(RuleLateApology, "Thư xin lỗi do Thủ trưởng cơ quan giải quyết ký số", "thủ trưởng", deciding)}
		case LetterExtension:
			if u, ok := units[deciding]; ok && u.Level == LevelCommune {
				// Đ14.4b: the commune signs, or scans the letter with its red seal.
				r := needSeal(RuleExtensionLetter, "Thư xin lỗi được UBND cấp xã ký số hoặc quét văn bản có dấu đỏ", "UBND xã", deciding)
				r.match = func(s signer) bool { return sealOf(deciding)(s) || headOf(deciding)(s) }
				return []requirement{r}
			}
			return []requirement{needSeal(RuleExtensionLetter, "Thư xin lỗi kèm thời gian hẹn trả mới có chữ ký số của cơ quan, đơn vị", "cơ quan", deciding)}
		}
	}
	return nil
}

// assessInTx assesses v within the step and stores the assessment.
func (s *step) assessInTx(ctx context.Context, v *DocumentVersion, trigger string) error {
	in := assessInput{p: s.p, d: s.d, v: v, now: s.now, units: map[string]Unit{}, at: v.CreatedAt}
	madeBy := v.CreatedBy
	if v.Facts.ReusedFrom != 0 {
		orig, err := versionsTx(ctx, s.tx, "dd.id = $1", v.Facts.ReusedFrom)
		if err != nil {
			return err
		}
		if len(orig) == 1 {
			madeBy, in.at = orig[0].CreatedBy, orig[0].CreatedAt
		}
	}
	var err error
	if in.uploader, err = parseActor(madeBy); err != nil {
		return err
	}
	if in.uploader.Role != RoleCitizen && in.uploader.Role != RoleSystem {
		st, err := staffTx(ctx, s.tx, in.uploader.Username)
		if err != nil && !errors.Is(err, ErrUnknownStaff) {
			return err
		}
		if err == nil {
			in.staff = &st
			if in.assignments, err = assignmentsTx(ctx, s.tx, st.Username); err != nil {
				return err
			}
		}
	}
	for _, code := range []string{s.d.Unit, s.d.ProcessingUnit} {
		if code == "" {
			continue
		}
		if u, err := unitTx(ctx, s.tx, code); err == nil {
			in.units[code] = u
		}
	}
	if v.Inspection != nil {
		for _, sig := range v.Inspection.Signatures {
			sg := signer{Signature: sig}
			if sig.Organisation && sig.AgencyCode != "" {
				if u, err := unitTx(ctx, s.tx, sig.AgencyCode); err == nil {
					sg.unit = &u
				}
			} else if !sig.Organisation && sig.IDNumber != "" {
				if st, err := staffByPersonalID(ctx, s.tx, sig.IDNumber); err == nil {
					sg.staff = &st
				}
			}
			in.signers = append(in.signers, sg)
		}
	}
	a := assess(in)
	a.Trigger = trigger
	v.Assessment = &a
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	sum, err := storage.ParseSum(v.SHA256)
	if err != nil {
		return err
	}
	rep, err := s.tx.InsertReport(ctx, storage.Report{Kind: "provenance", Subject: sum, Body: string(body), CreatedAt: s.now})
	if err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, "INSERT INTO dossier_assessments (version_id, report_id) VALUES ($1, $2)", v.ID, rep.ID); err != nil {
		return err
	}
	s.entries = append(s.entries, evidence.Entry{Type: evidence.ProvenanceAssessed, Time: s.now, Actor: s.actor.String(),
		Subject: evidence.Subject{SHA256: v.SHA256, Document: v.Document, Dossier: s.d.Code},
		Data:    map[string]any{"version": v.ID, "status": a.Status, "conditions": a.Conditions, "owed": a.Owed, "trigger": trigger}})
	return nil
}

// parseActor reads the "role:username@unit" form of Actor.String.
func parseActor(s string) (Actor, error) {
	role, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Actor{}, fmt.Errorf("malformed actor %q", s)
	}
	user, unit, _ := strings.Cut(rest, "@")
	return Actor{Username: user, Role: Role(role), Unit: unit}, nil
}

// Reassess assesses the document version id again (new evidence arrived:
// an assignment decision recorded, originals checked) and records the new
// assessment with its evidence entry.
func (e *Engine) Reassess(ctx context.Context, id int64, trigger string) (*Assessment, error) {
	var a *Assessment
	err := e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		vs, err := versionsTx(ctx, tx, "dd.id = $1", id)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return fmt.Errorf("%w: document version %d", ErrNotFound, id)
		}
		v := vs[0]
		if err := tx.Lock(ctx, "dossier:"+v.Dossier); err != nil {
			return err
		}
		d, err := loadDossier(ctx, tx, v.Dossier)
		if err != nil {
			return err
		}
		s, err := e.newStep(ctx, tx, d, System)
		if err != nil {
			return err
		}
		if err := s.assessInTx(ctx, v, trigger); err != nil {
			return err
		}
		a = v.Assessment
		idx, err := e.log.AppendBatch(ctx, tx, s.entries)
		if err != nil {
			return err
		}
		return noteEntries(ctx, tx, d.ID, idx)
	})
	return a, err
}

// reassessDossier re-assesses every latest version of the dossier (after
// the originals were checked) within the step.
func (s *step) reassessDossier(ctx context.Context, trigger string) error {
	vs, err := versionsTx(ctx, s.tx, "dd.dossier_id = $1", s.d.ID)
	if err != nil {
		return err
	}
	latest := map[int64]*DocumentVersion{}
	for _, v := range vs {
		latest[v.Lineage] = v
	}
	for _, v := range vs {
		if latest[v.Lineage] == v && v.Source == SourceCitizen {
			if err := s.assessInTx(ctx, v, trigger); err != nil {
				return err
			}
		}
	}
	return nil
}
