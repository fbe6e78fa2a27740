package forms

import (
	"fmt"
	"time"
)

// SupplementRequest is form 02, the request to supplement and complete a
// dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).
type SupplementRequest struct {
	Agency Agency
	// Number is the paper's number as printed after "Số:", e.g. "15/HDHS".
	// Optional.
	Number   string
	IssuedAt time.Time
	// Unit is the unit issuing the guidance as written in the body.
	Unit        string
	DossierCode string
	Applicant   Applicant
	Procedure   Procedure
	// Items are what the applicant must supplement or complete, one line
	// each.
	Items []string
	// Reason is why (Lý do).
	Reason string
	// Round is the request's round, 1 for the first; a second round needs
	// an apology letter sent with it (QĐ 03/2020 Điều 13.2, 14.1).
	Round int
	// Contact is whom to ask (name and phone), e.g. "bà Lê Thu Hà, số điện
	// thoại 0211 3862 123"; empty: the unit itself.
	Contact string
	// GuidedBy is the officer who gives the guidance and signs.
	GuidedBy string
	Stage    Stage
	QR       *QR
}

func (SupplementRequest) Kind() Kind { return KindSupplementRequest }

// SignerRole: the officer who guides — the intake officer at the desk, the
// specialist during processing.
func (s SupplementRequest) SignerRole() Role {
	if s.Stage == StageProcessing {
		return RoleSpecialist
	}
	return RoleIntakeOfficer
}

func (s SupplementRequest) issued() time.Time { return s.IssuedAt }

func (s SupplementRequest) check(c *checker) {
	c.agency("Agency", s.Agency)
	c.line("Number", s.Number)
	c.time("IssuedAt", s.IssuedAt)
	c.text("Unit", s.Unit)
	c.text("DossierCode", s.DossierCode)
	c.applicant("Applicant", s.Applicant)
	c.text("Procedure.Name", s.Procedure.Name)
	c.line("Procedure.Code", s.Procedure.Code)
	c.list("Items", s.Items)
	c.text("Reason", s.Reason)
	if s.Round < 1 {
		c.fail("Round", "must be at least 1, is %d", s.Round)
	}
	c.line("Contact", s.Contact)
	c.text("GuidedBy", s.GuidedBy)
	if s.Stage != StageIntake && s.Stage != StageProcessing {
		c.fail("Stage", "unknown stage %d", int(s.Stage))
	}
	c.qr("QR", s.QR)
}

func (s SupplementRequest) draw(c *canvas, t template) error {
	if err := c.header(s.Agency, s.Number, s.IssuedAt, s.QR); err != nil {
		return err
	}
	c.title(t.title)
	if s.Round > 1 {
		c.centred(fmt.Sprintf("(Lần %d)", s.Round), "I", c.body, c.ml, c.contentW())
	}
	c.centred("Mã hồ sơ: "+s.DossierCode, "B", c.body, c.ml, c.contentW())
	c.y += 6
	p := para{align: alignJustify}
	c.paragraph(s.Unit+":", p)
	c.paragraph("Tiếp nhận hồ sơ của: "+s.Applicant.Name, p)
	c.paragraph("Nội dung yêu cầu giải quyết: "+s.Procedure.Name, p)
	c.paragraph("Địa chỉ: "+dots(s.Applicant.Address), p)
	c.paragraph("Số điện thoại: "+dots(s.Applicant.Phone)+"; Email: "+dots(s.Applicant.Email), p)
	c.paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", p)
	numbered(c, s.Items)
	c.paragraph("Lý do: "+s.Reason, p)
	contact := s.Contact
	if contact == "" {
		contact = s.Unit
	}
	c.paragraph("Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với "+contact+" để được hướng dẫn./.", p)
	half := c.contentW() / 2
	c.signatures(sigBlock{x: c.ml + half, w: half, lines: []string{"Người hướng dẫn"}, note: "(Ký và ghi rõ họ tên)", name: s.GuidedBy, box: true})
	return nil
}

// numbered sets a numbered list with hanging indents.
func numbered(c *canvas, items []string) {
	for i, it := range items {
		c.paragraph(fmt.Sprintf("%d. %s", i+1, it), para{align: alignJustify, indent: 14, hang: 26})
	}
}

// bulleted sets a dashed list with hanging indents.
func bulleted(c *canvas, items []string) {
	for _, it := range items {
		c.paragraph("- "+it, para{align: alignJustify, indent: 14, hang: 22})
	}
}
