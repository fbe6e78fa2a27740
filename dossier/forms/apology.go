package forms

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ApologyCause is why an apology letter is written.
type ApologyCause int

const (
	// CauseLate: the result is not returned by the appointment through
	// the agency's fault (QĐ 03/2020 Điều 22.7); a new date is required.
	CauseLate ApologyCause = iota
	// CauseExtension: the processing time is extended, once per dossier,
	// before the deadline (QĐ 03/2020 Điều 14.4); a new date is required.
	CauseExtension
	// CauseGuidance: a second supplement request because the first
	// guidance was wrong or vague (QĐ 03/2020 Điều 13.2, 14.1); sent with
	// the second guidance. Dates are optional.
	CauseGuidance
)

func (c ApologyCause) String() string {
	switch c {
	case CauseLate:
		return "late"
	case CauseExtension:
		return "extension"
	case CauseGuidance:
		return "guidance"
	}
	return fmt.Sprintf("ApologyCause(%d)", int(c))
}

// Apology is form 04, the apology letter with a new return date (Phiếu xin
// lỗi và hẹn lại ngày trả kết quả; TT 03/2025: Văn bản xin lỗi và đề nghị
// gia hạn thời gian giải quyết).
type Apology struct {
	Agency Agency
	// Number after "Số:", e.g. "12/PXL".
	Number   string
	IssuedAt time.Time
	// Addressee after "Kính gửi:", e.g. "Bà Nguyễn Thị Hằng".
	Addressee string
	// Address of the addressee, printed under the addressee. Optional.
	Address             string
	Procedure           Procedure
	DossierCode         string
	ReceivedAt          time.Time
	OriginalAppointment time.Time
	Reason              string
	NewAppointment      time.Time
	Cause               ApologyCause
	Stage               Stage
	Signatory           Signatory
	QR                  *QR
}

func (Apology) Kind() Kind { return KindApology }

// SignerRole: at intake the centre director or commune chairman (QĐ
// 03/2020 Điều 13.2); during processing the head of the deciding agency
// (Điều 14.1, 22.7); an extension letter carries the deciding agency's
// signature (Điều 14.4).
func (a Apology) SignerRole() Role {
	switch {
	case a.Cause == CauseExtension:
		return RoleDecidingAgency
	case a.Stage == StageIntake:
		return RoleIntakeHead
	default:
		return RoleAgencyHead
	}
}

func (a Apology) issued() time.Time { return a.IssuedAt }

func (a Apology) check(c *checker) {
	c.agency("Agency", a.Agency)
	c.text("Number", a.Number)
	c.time("IssuedAt", a.IssuedAt)
	c.text("Addressee", a.Addressee)
	c.line("Address", a.Address)
	c.text("Procedure.Name", a.Procedure.Name)
	c.line("Procedure.Code", a.Procedure.Code)
	c.text("DossierCode", a.DossierCode)
	c.time("ReceivedAt", a.ReceivedAt)
	c.text("Reason", a.Reason)
	c.text("Signatory.Title", a.Signatory.Title)
	c.text("Signatory.Name", a.Signatory.Name)
	c.line("Signatory.Authority", a.Signatory.Authority)
	c.qr("QR", a.QR)
	switch a.Cause {
	case CauseLate, CauseExtension:
		c.time("OriginalAppointment", a.OriginalAppointment)
		c.time("NewAppointment", a.NewAppointment)
	case CauseGuidance:
	default:
		c.fail("Cause", "unknown cause %d", int(a.Cause))
	}
	if a.Stage != StageIntake && a.Stage != StageProcessing {
		c.fail("Stage", "unknown stage %d", int(a.Stage))
	}
	if a.Cause == CauseExtension && a.Stage != StageProcessing {
		c.fail("Stage", "an extension is granted during processing, not at intake")
	}
	orig, next := a.OriginalAppointment, a.NewAppointment
	if !orig.IsZero() && !next.IsZero() && !next.After(orig) {
		c.fail("NewAppointment", "must be after OriginalAppointment (%s), is %s", DateTime(orig), DateTime(next))
	}
	if !a.ReceivedAt.IsZero() && !orig.IsZero() && !orig.After(a.ReceivedAt) {
		c.fail("OriginalAppointment", "must be after ReceivedAt (%s), is %s", DateTime(a.ReceivedAt), DateTime(orig))
	}
	if !a.ReceivedAt.IsZero() && !a.IssuedAt.IsZero() && a.IssuedAt.Before(a.ReceivedAt) {
		c.fail("IssuedAt", "before ReceivedAt (%s)", DateTime(a.ReceivedAt))
	}
	if a.Cause == CauseExtension && !orig.IsZero() && !a.IssuedAt.IsZero() && !a.IssuedAt.Before(orig) {
		c.fail("IssuedAt", "an extension letter must be issued before the original appointment (%s)", DateTime(orig))
	}
}

func (a Apology) draw(c *canvas, t template) error {
	if err := c.header(a.Agency, a.Number, a.IssuedAt, a.QR); err != nil {
		return err
	}
	c.title(t.title)
	c.y += 4
	c.centred("Kính gửi: "+a.Addressee, "", c.body, c.ml, c.contentW())
	if a.Address != "" {
		c.centred("Địa chỉ: "+a.Address, "", c.body, c.ml, c.contentW())
	}
	c.y += 6
	p := para{align: alignJustify, indent: 20}
	name := a.Agency.Name
	c.paragraph(sentence(Date(a.ReceivedAt))+", "+name+" tiếp nhận giải quyết hồ sơ đề nghị "+a.Procedure.Name+" của Ông/Bà; mã hồ sơ: "+a.DossierCode+".", p)
	switch a.Cause {
	case CauseLate, CauseExtension:
		c.paragraph("Thời gian hẹn trả kết quả giải quyết hồ sơ: "+DateTime(a.OriginalAppointment)+".", p)
		if a.Cause == CauseLate {
			c.paragraph("Tuy nhiên đến nay, "+name+" chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng hạn, lý do: "+period(a.Reason), p)
		} else {
			c.paragraph("Tuy nhiên, "+name+" không thể trả kết quả giải quyết hồ sơ của Ông/Bà đúng hạn, lý do: "+period(a.Reason), p)
		}
		c.paragraph("Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của Ông/Bà. "+name+" xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào "+DateTime(a.NewAppointment)+".", p)
	case CauseGuidance:
		c.paragraph("Việc hướng dẫn bổ sung, hoàn thiện hồ sơ lần đầu chưa đầy đủ, chính xác, lý do: "+period(a.Reason), p)
		c.paragraph(name+" xin lỗi Ông/Bà vì sự phiền hà này và gửi kèm theo đây hướng dẫn bổ sung, hoàn thiện hồ sơ lần thứ hai.", p)
		if !a.NewAppointment.IsZero() {
			c.paragraph("Thời gian hẹn trả kết quả giải quyết hồ sơ: "+DateTime(a.NewAppointment)+".", p)
		}
	}
	c.paragraph("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.", p)
	c.signatures(letterSignature(c, a.Signatory))
	return nil
}

// letterSignature is the right-hand signature block of a letter signed by
// a head: authority line, title, name.
func letterSignature(c *canvas, s Signatory) sigBlock {
	var lines []string
	if s.Authority != "" {
		lines = append(lines, s.Authority)
	}
	lines = append(lines, s.Title)
	w := c.contentW() * 0.55
	return sigBlock{x: c.w - c.mr - w, w: w, lines: lines, name: s.Name, box: true}
}

// sentence capitalises the first letter.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// period ends s with a full stop unless it has closing punctuation.
func period(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}
