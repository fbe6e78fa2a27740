package forms

import (
	"fmt"
	"strings"
	"time"
)

// HandoverResult is the state of a dossier when handed over, written by
// the receiving side.
type HandoverResult string

const (
	Early   HandoverResult = "Trước hạn"
	OnTime  HandoverResult = "Đúng hạn"
	Overdue HandoverResult = "Quá hạn"
)

// Handover is one row of the control sheet: the dossier passing from one
// unit to another.
type Handover struct {
	From, To string    // units, e.g. "Bộ phận TN&TKQ", "Phòng Tư pháp"
	At       time.Time // when it was handed over
	Giver    string    // who handed it over; optional
	Receiver string    // who took it; optional
	Result   HandoverResult
	Note     string
}

// ControlSheet is form 05 (TT 03/2025: 06), the processing control sheet
// (Phiếu kiểm soát quá trình giải quyết hồ sơ) that travels with the dossier.
type ControlSheet struct {
	Agency      Agency
	IssuedAt    time.Time // date of the sheet; usually the receipt
	Unit        string    // the receiving one-stop unit
	DossierCode string
	Applicant   Applicant
	ReceivedAt  time.Time
	// AppointmentAt is the return date on the receipt.
	AppointmentAt time.Time
	// DecidingAgency is the agency (unit) that decides (Cơ quan (bộ phận)
	// giải quyết hồ sơ).
	DecidingAgency string
	// Cooperating agencies (Cơ quan phối hợp giải quyết hồ sơ). Optional.
	Cooperating []string
	Handovers   []Handover
	QR          *QR
}

func (ControlSheet) Kind() Kind { return KindControlSheet }

// SignerRole: the receiving unit certifies the electronic sheet with its
// organisation signature (modelled; the paper sheet is signed row by row).
func (ControlSheet) SignerRole() Role { return RoleReceivingUnit }

func (s ControlSheet) issued() time.Time { return s.IssuedAt }

func (s ControlSheet) check(c *checker) {
	c.agency("Agency", s.Agency)
	c.time("IssuedAt", s.IssuedAt)
	c.text("Unit", s.Unit)
	c.text("DossierCode", s.DossierCode)
	c.applicant("Applicant", s.Applicant)
	c.time("ReceivedAt", s.ReceivedAt)
	c.time("AppointmentAt", s.AppointmentAt)
	if !s.ReceivedAt.IsZero() && !s.AppointmentAt.IsZero() && !s.AppointmentAt.After(s.ReceivedAt) {
		c.fail("AppointmentAt", "must be after ReceivedAt (%s), is %s", DateTime(s.ReceivedAt), DateTime(s.AppointmentAt))
	}
	c.text("DecidingAgency", s.DecidingAgency)
	for i, a := range s.Cooperating {
		c.text(fmt.Sprintf("Cooperating[%d]", i), a)
	}
	if len(s.Handovers) == 0 {
		c.fail("Handovers", "empty list")
	}
	var prev time.Time
	for i, h := range s.Handovers {
		f := fmt.Sprintf("Handovers[%d]", i)
		c.text(f+".From", h.From)
		c.text(f+".To", h.To)
		c.time(f+".At", h.At)
		c.line(f+".Giver", h.Giver)
		c.line(f+".Receiver", h.Receiver)
		c.line(f+".Note", h.Note)
		switch h.Result {
		case "", Early, OnTime, Overdue:
		default:
			c.fail(f+".Result", "unknown result %q (want %q, %q, %q or empty)", h.Result, Early, OnTime, Overdue)
		}
		if !h.At.IsZero() && !s.ReceivedAt.IsZero() && h.At.Before(s.ReceivedAt) {
			c.fail(f+".At", "before ReceivedAt (%s)", DateTime(s.ReceivedAt))
		}
		if !h.At.IsZero() && !prev.IsZero() && h.At.Before(prev) {
			c.fail(f+".At", "before the previous handover (%s)", DateTime(prev))
		}
		if !h.At.IsZero() {
			prev = h.At
		}
	}
	c.qr("QR", s.QR)
}

func (s ControlSheet) draw(c *canvas, t template) error {
	if err := c.header(s.Agency, "", s.IssuedAt, s.QR); err != nil {
		return err
	}
	c.title(t.title)
	c.centred("Mã hồ sơ: "+s.DossierCode, "B", c.body, c.ml, c.contentW())
	c.centred("(Kèm theo hồ sơ của: "+s.Applicant.Name+")", "I", c.body, c.ml, c.contentW())
	c.y += 6
	p := para{align: alignJustify}
	c.paragraph("Thời gian nhận hồ sơ: "+DateTime(s.ReceivedAt), p)
	c.paragraph("Thời gian hẹn trả kết quả: "+DateTime(s.AppointmentAt), p)
	c.paragraph("Cơ quan (bộ phận) giải quyết hồ sơ: "+s.DecidingAgency, p)
	coop := strings.Join(s.Cooperating, "; ")
	c.paragraph("Cơ quan phối hợp giải quyết hồ sơ: "+dots(coop), para{align: alignJustify, after: 4})
	w := c.contentW()
	cols := []column{
		{title: "TÊN CƠ QUAN", w: w * 0.28},
		{title: "THỜI GIAN GIAO, NHẬN HỒ SƠ", w: w * 0.34},
		{title: "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ đúng hạn/ quá hạn)", w: w * 0.2, align: alignCenter},
		{title: "GHI CHÚ", w: w * 0.18},
	}
	rows := make([][]string, len(s.Handovers))
	for i, h := range s.Handovers {
		who := DateTime(h.At)
		if h.Giver != "" {
			who += "\nNgười giao: " + h.Giver
		}
		if h.Receiver != "" {
			who += "\nNgười nhận: " + h.Receiver
		}
		rows[i] = []string{
			fmt.Sprintf("%d. Giao: %s\n%d. Nhận: %s", 2*i+1, h.From, 2*i+2, h.To),
			who,
			string(h.Result),
			h.Note,
		}
	}
	c.table(cols, rows, c.body-1.5)
	half := c.contentW() / 2
	c.signatures(sigBlock{x: c.ml + half, w: half, lines: []string{s.Unit}, box: true})
	return nil
}
