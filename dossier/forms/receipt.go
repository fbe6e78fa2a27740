package forms

import (
	"fmt"
	"strings"
	"time"
)

// Receipt is form 01, the receipt and appointment (Giấy tiếp nhận hồ sơ và
// hẹn trả kết quả) the one-stop unit issues when it accepts a dossier.
type Receipt struct {
	Agency Agency
	// Unit is the agency whose one-stop desk receives, as printed after
	// "Bộ phận tiếp nhận và trả kết quả:", e.g. "Sở Tư pháp tỉnh Vĩnh
	// Phúc" or "UBND xã Tam Hồng".
	Unit        string
	DossierCode string
	Applicant   Applicant
	Procedure   Procedure
	Components  []Component
	// Sets is the number of dossier sets handed in (bộ); 0 means 1.
	Sets int
	// ProcessingTime is the time the procedure takes by law, as printed,
	// e.g. "05 ngày làm việc".
	ProcessingTime string
	ReceivedAt     time.Time
	AppointmentAt  time.Time
	// ReturnPlace is where the applicant collects the result (đăng ký
	// nhận kết quả tại), e.g. the unit or a postal address.
	ReturnPlace string
	// ReceivedBy is the intake officer's full name.
	ReceivedBy string
	Channel    Channel
	// Book and Entry are the dossier log volume and line (Vào Sổ theo dõi
	// hồ sơ, Quyển số … Số thứ tự …); empty leaves dots to fill in.
	Book  string
	Entry string
	QR    *QR
}

func (Receipt) Kind() Kind { return KindReceipt }

// SignerRole: an electronic receipt carries the receiving unit's
// organisation signature (TT 01/2018; DOMAIN.md).
func (Receipt) SignerRole() Role { return RoleReceivingUnit }

func (r Receipt) issued() time.Time { return r.ReceivedAt }

func (r Receipt) check(c *checker) {
	c.agency("Agency", r.Agency)
	c.text("Unit", r.Unit)
	c.text("DossierCode", r.DossierCode)
	c.applicant("Applicant", r.Applicant)
	c.line("Procedure.Code", r.Procedure.Code)
	c.text("Procedure.Name", r.Procedure.Name)
	if len(r.Components) == 0 {
		c.fail("Components", "empty list")
	}
	for i, comp := range r.Components {
		c.text(fmt.Sprintf("Components[%d].Name", i), comp.Name)
		c.text(fmt.Sprintf("Components[%d].Kind", i), string(comp.Kind))
		if comp.Count < 1 {
			c.fail(fmt.Sprintf("Components[%d].Count", i), "must be at least 1, is %d", comp.Count)
		}
	}
	if r.Sets < 0 {
		c.fail("Sets", "negative (%d)", r.Sets)
	}
	c.text("ProcessingTime", r.ProcessingTime)
	c.time("ReceivedAt", r.ReceivedAt)
	c.time("AppointmentAt", r.AppointmentAt)
	if !r.ReceivedAt.IsZero() && !r.AppointmentAt.IsZero() && !r.AppointmentAt.After(r.ReceivedAt) {
		c.fail("AppointmentAt", "must be after ReceivedAt (%s), is %s", DateTime(r.ReceivedAt), DateTime(r.AppointmentAt))
	}
	c.text("ReturnPlace", r.ReturnPlace)
	c.text("ReceivedBy", r.ReceivedBy)
	c.line("Channel", string(r.Channel))
	c.line("Book", r.Book)
	c.line("Entry", r.Entry)
	c.qr("QR", r.QR)
}

func (r Receipt) draw(c *canvas, t template) error {
	if err := c.header(r.Agency, "", r.ReceivedAt, r.QR); err != nil {
		return err
	}
	c.title(t.title)
	c.centred("Mã hồ sơ: "+r.DossierCode, "B", c.body, c.ml, c.contentW())
	c.y += 6
	p := para{align: alignJustify}
	c.paragraph("Bộ phận tiếp nhận và trả kết quả: "+r.Unit, p)
	who := "Tiếp nhận hồ sơ của: " + r.Applicant.Name
	if r.Applicant.ID != "" {
		who += "; số định danh: " + r.Applicant.ID
	}
	c.paragraph(who, p)
	c.paragraph("Địa chỉ: "+dots(r.Applicant.Address), p)
	c.paragraph("Số điện thoại: "+dots(r.Applicant.Phone)+"; Email: "+dots(r.Applicant.Email), p)
	content := r.Procedure.Name
	if r.Procedure.Code != "" {
		content += " (mã thủ tục: " + r.Procedure.Code + ")"
	}
	c.paragraph("Nội dung yêu cầu giải quyết: "+content, p)
	c.paragraph("1. Thành phần hồ sơ nộp gồm:", para{before: 2})
	componentList(c, r.Components)
	sets := max(r.Sets, 1)
	c.paragraph(fmt.Sprintf("2. Số lượng hồ sơ: %02d (bộ)", sets), p)
	c.paragraph("3. Thời gian giải quyết hồ sơ theo quy định là: "+r.ProcessingTime, p)
	got := DateTime(r.ReceivedAt)
	if r.Channel != "" {
		got += " (" + strings.ToLower(string(r.Channel)) + ")"
	}
	c.paragraph("4. Thời gian nhận hồ sơ: "+got, p)
	c.paragraph("5. Thời gian trả kết quả giải quyết hồ sơ: "+DateTime(r.AppointmentAt), p)
	c.paragraph("6. Đăng ký nhận kết quả tại: "+r.ReturnPlace, p)
	c.paragraph("Vào Sổ theo dõi hồ sơ, Quyển số: "+dots(r.Book)+"; Số thứ tự: "+dots(r.Entry), p)
	small := para{size: c.body - 2, align: alignJustify}
	c.paragraph("Ghi chú:", para{style: "I", size: small.size, before: 2})
	c.paragraph("- Giấy tiếp nhận và hẹn trả kết quả được lập thành 2 liên; một liên chuyển kèm theo Phiếu kiểm soát quá trình giải quyết hồ sơ và được lưu tại Bộ phận tiếp nhận và trả kết quả; một liên giao cho cá nhân, tổ chức nộp hồ sơ;", small)
	c.paragraph("- Cá nhân, tổ chức có thể đăng ký nhận kết quả tại Bộ phận tiếp nhận và trả kết quả hoặc tại nhà (trụ sở tổ chức) qua dịch vụ bưu chính.", small)
	half := c.contentW() / 2
	c.signatures(
		sigBlock{x: c.ml, w: half, lines: []string{"Người nộp hồ sơ"}, note: "(Ký và ghi rõ họ tên)", name: r.Applicant.Name},
		sigBlock{x: c.ml + half, w: half, lines: []string{"Người tiếp nhận hồ sơ"}, note: "(Ký và ghi rõ họ tên)", name: r.ReceivedBy, box: true},
	)
	return nil
}

// componentList lists the components handed in, as "(1) name: kind, 01
// bản".
func componentList(c *canvas, comps []Component) {
	for i, comp := range comps {
		c.paragraph(fmt.Sprintf("(%d) %s: %s, %02d bản.", i+1, strings.TrimRight(comp.Name, ". "), comp.Kind, comp.Count),
			para{align: alignJustify, indent: 12, hang: 26})
	}
}

// dots stands in for an empty value, as on the paper form.
func dots(s string) string {
	if s == "" {
		return "……………"
	}
	return s
}
