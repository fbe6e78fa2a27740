package forms

import "time"

// StopNotice is TT 03/2025's form 05, the notice that processing of a
// dossier stops (Thông báo dừng giải quyết hồ sơ). The 2018 set has no
// such form.
type StopNotice struct {
	Agency      Agency
	Number      string // after "Số:"
	IssuedAt    time.Time
	Addressee   string // after "Kính gửi:"
	Address     string // optional
	Procedure   Procedure
	DossierCode string
	ReceivedAt  time.Time
	// Reasons processing stops (e.g. the applicant asked to withdraw), at
	// least one.
	Reasons   []string
	Signatory Signatory
	QR        *QR
}

func (StopNotice) Kind() Kind { return KindStopNotice }

// SignerRole: the head of the deciding agency.
func (StopNotice) SignerRole() Role { return RoleAgencyHead }

func (s StopNotice) issued() time.Time { return s.IssuedAt }

func (s StopNotice) check(c *checker) {
	c.agency("Agency", s.Agency)
	c.text("Number", s.Number)
	c.time("IssuedAt", s.IssuedAt)
	c.text("Addressee", s.Addressee)
	c.line("Address", s.Address)
	c.text("Procedure.Name", s.Procedure.Name)
	c.line("Procedure.Code", s.Procedure.Code)
	c.text("DossierCode", s.DossierCode)
	c.time("ReceivedAt", s.ReceivedAt)
	if !s.ReceivedAt.IsZero() && !s.IssuedAt.IsZero() && s.IssuedAt.Before(s.ReceivedAt) {
		c.fail("IssuedAt", "before ReceivedAt (%s)", DateTime(s.ReceivedAt))
	}
	c.list("Reasons", s.Reasons)
	c.text("Signatory.Title", s.Signatory.Title)
	c.text("Signatory.Name", s.Signatory.Name)
	c.line("Signatory.Authority", s.Signatory.Authority)
	c.qr("QR", s.QR)
}

func (s StopNotice) draw(c *canvas, t template) error {
	if err := c.header(s.Agency, s.Number, s.IssuedAt, s.QR); err != nil {
		return err
	}
	c.title(t.title)
	c.y += 4
	c.centred("Kính gửi: "+s.Addressee, "", c.body, c.ml, c.contentW())
	if s.Address != "" {
		c.centred("Địa chỉ: "+s.Address, "", c.body, c.ml, c.contentW())
	}
	c.y += 6
	p := para{align: alignJustify, indent: 20}
	c.paragraph(sentence(Date(s.ReceivedAt))+", "+s.Agency.Name+" tiếp nhận hồ sơ đề nghị "+s.Procedure.Name+" của Ông/Bà; mã hồ sơ: "+s.DossierCode+".", p)
	c.paragraph(s.Agency.Name+" thông báo dừng giải quyết hồ sơ của Ông/Bà với lý do sau:", p)
	bulleted(c, s.Reasons)
	c.paragraph("Xin thông báo để Ông/Bà được biết./.", p)
	c.signatures(letterSignature(c, s.Signatory))
	return nil
}
