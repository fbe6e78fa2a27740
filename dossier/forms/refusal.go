package forms

import "time"

// Refusal is form 03, the refusal to accept a dossier for processing
// (Phiếu từ chối tiếp nhận giải quyết hồ sơ).
type Refusal struct {
	Agency Agency
	// Number after "Số:", e.g. "03/TCGQ". Optional.
	Number   string
	IssuedAt time.Time
	// Unit is the receiving unit as written in the body.
	Unit string
	// DossierCode, when the submission already has one (online
	// submissions do). Optional.
	DossierCode string
	Applicant   Applicant
	Procedure   Procedure
	// Reasons the dossier is not accepted, at least one.
	Reasons []string
	// RefusedBy is the intake officer's full name.
	RefusedBy string
	QR        *QR
}

func (Refusal) Kind() Kind { return KindRefusal }

// SignerRole: the intake officer who refuses.
func (Refusal) SignerRole() Role { return RoleIntakeOfficer }

func (r Refusal) issued() time.Time { return r.IssuedAt }

func (r Refusal) check(c *checker) {
	c.agency("Agency", r.Agency)
	c.line("Number", r.Number)
	c.time("IssuedAt", r.IssuedAt)
	c.text("Unit", r.Unit)
	c.line("DossierCode", r.DossierCode)
	c.applicant("Applicant", r.Applicant)
	c.text("Procedure.Name", r.Procedure.Name)
	c.line("Procedure.Code", r.Procedure.Code)
	c.list("Reasons", r.Reasons)
	c.text("RefusedBy", r.RefusedBy)
	c.qr("QR", r.QR)
}

func (r Refusal) draw(c *canvas, t template) error {
	if err := c.header(r.Agency, r.Number, r.IssuedAt, r.QR); err != nil {
		return err
	}
	c.title(t.title)
	if r.DossierCode != "" {
		c.centred("Mã hồ sơ: "+r.DossierCode, "B", c.body, c.ml, c.contentW())
	}
	c.y += 6
	p := para{align: alignJustify}
	c.paragraph(r.Unit+":", p)
	c.paragraph("Tiếp nhận hồ sơ của: "+r.Applicant.Name, p)
	c.paragraph("Địa chỉ: "+dots(r.Applicant.Address), p)
	c.paragraph("Số điện thoại: "+dots(r.Applicant.Phone)+"; Email: "+dots(r.Applicant.Email), p)
	c.paragraph("Nội dung yêu cầu giải quyết: "+r.Procedure.Name, p)
	c.paragraph("Qua xem xét, "+r.Unit+" thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:", p)
	bulleted(c, r.Reasons)
	c.paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện./.", p)
	half := c.contentW() / 2
	c.signatures(
		sigBlock{x: c.ml, w: half, lines: []string{"Người nộp hồ sơ"}, note: "(Ký và ghi rõ họ tên)", name: r.Applicant.Name},
		sigBlock{x: c.ml + half, w: half, lines: []string{"Người tiếp nhận hồ sơ"}, note: "(Ký và ghi rõ họ tên)", name: r.RefusedBy, box: true},
	)
	return nil
}
