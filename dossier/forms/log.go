package forms

import (
	"fmt"
	"time"
)

// LogRow is one dossier in the dossier log.
type LogRow struct {
	DossierCode    string
	Procedure      string // name of the procedure
	Sets           int    // dossier sets (bộ); 0 means 1
	Applicant      string // name of the person or organisation
	Contact        string // address and phone
	DecidingAgency string
	ReceivedAt     time.Time
	AppointmentAt  time.Time
	// The later dates are zero until they happen.
	TransferredAt    time.Time // sent to the deciding agency
	ResultReceivedAt time.Time // result received back from it
	ReturnedAt       time.Time // result returned to the applicant
	Note             string
}

// DossierLog is form 06 (TT 03/2025: 07), the dossier log (Sổ theo dõi hồ
// sơ) of a one-stop unit, on A4 landscape.
type DossierLog struct {
	Agency   Agency
	IssuedAt time.Time
	Unit     string // the one-stop unit keeping the log
	// Book is the volume (Quyển số). Optional.
	Book     string
	From, To time.Time // the period the extract covers
	Rows     []LogRow
	QR       *QR
}

func (DossierLog) Kind() Kind { return KindDossierLog }

// SignerRole: the unit keeping the log certifies an electronic extract
// with its organisation signature (modelled).
func (DossierLog) SignerRole() Role { return RoleReceivingUnit }

func (l DossierLog) issued() time.Time { return l.IssuedAt }

func (l DossierLog) check(c *checker) {
	c.agency("Agency", l.Agency)
	c.time("IssuedAt", l.IssuedAt)
	c.text("Unit", l.Unit)
	c.line("Book", l.Book)
	c.time("From", l.From)
	c.time("To", l.To)
	if !l.From.IsZero() && !l.To.IsZero() && l.To.Before(l.From) {
		c.fail("To", "before From (%s)", Date(l.From))
	}
	if len(l.Rows) == 0 {
		c.fail("Rows", "empty list")
	}
	for i, r := range l.Rows {
		f := fmt.Sprintf("Rows[%d]", i)
		c.text(f+".DossierCode", r.DossierCode)
		c.text(f+".Procedure", r.Procedure)
		c.text(f+".Applicant", r.Applicant)
		c.line(f+".Contact", r.Contact)
		c.line(f+".DecidingAgency", r.DecidingAgency)
		c.line(f+".Note", r.Note)
		if r.Sets < 0 {
			c.fail(f+".Sets", "negative (%d)", r.Sets)
		}
		c.time(f+".ReceivedAt", r.ReceivedAt)
		c.time(f+".AppointmentAt", r.AppointmentAt)
		if !r.ReceivedAt.IsZero() && !r.AppointmentAt.IsZero() && !r.AppointmentAt.After(r.ReceivedAt) {
			c.fail(f+".AppointmentAt", "must be after ReceivedAt (%s)", DateTime(r.ReceivedAt))
		}
		for _, d := range []struct {
			name string
			t    time.Time
		}{{"TransferredAt", r.TransferredAt}, {"ResultReceivedAt", r.ResultReceivedAt}, {"ReturnedAt", r.ReturnedAt}} {
			if !d.t.IsZero() && !r.ReceivedAt.IsZero() && d.t.Before(r.ReceivedAt) {
				c.fail(f+"."+d.name, "before ReceivedAt (%s)", DateTime(r.ReceivedAt))
			}
		}
	}
	c.qr("QR", l.QR)
}

func (l DossierLog) draw(c *canvas, t template) error {
	if err := c.header(l.Agency, "", l.IssuedAt, l.QR); err != nil {
		return err
	}
	c.title(t.title)
	sub := l.Unit
	if l.Book != "" {
		sub += " – Quyển số: " + l.Book
	}
	c.centred(sub, "B", c.body, c.ml, c.contentW())
	c.centred("(Từ "+Date(l.From)+" đến "+Date(l.To)+")", "I", c.body, c.ml, c.contentW())
	c.y += 6
	size := c.body - 2.5
	// The dossier-code column is as wide as the longest code, so codes are
	// never broken; the procedure column gives up the difference.
	codeW := 64.0
	for _, r := range l.Rows {
		codeW = max(codeW, c.textWidth(r.DossierCode, "", size)+8)
	}
	// Narrow columns have fixed widths; the text columns share the rest.
	narrow := 22.0 + codeW + 32 + 5*48 + 38
	rest := max(c.contentW()-narrow, 200)
	share := func(f float64) float64 { return rest * f / 5.1 }
	cols := []column{
		{title: "STT", w: 22, align: alignCenter},
		{title: "Mã hồ sơ", w: codeW},
		{title: "Tên thủ tục hành chính", w: share(1.3)},
		{title: "Số lượng hồ sơ (bộ)", w: 32, align: alignCenter},
		{title: "Tên cá nhân, tổ chức", w: share(1)},
		{title: "Địa chỉ, số điện thoại", w: share(1.1)},
		{title: "Cơ quan chủ trì giải quyết", w: share(0.9)},
		{title: "Ngày nhận hồ sơ", w: 48, align: alignCenter},
		{title: "Ngày hẹn trả kết quả", w: 48, align: alignCenter},
		{title: "Ngày chuyển hồ sơ đến cơ quan giải quyết", w: 48, align: alignCenter},
		{title: "Ngày nhận kết quả từ cơ quan giải quyết", w: 48, align: alignCenter},
		{title: "Ngày trả kết quả cho cá nhân, tổ chức", w: 48, align: alignCenter},
		{title: "Ký nhận", w: 38},
		{title: "Ghi chú", w: share(0.8)},
	}
	rows := make([][]string, len(l.Rows))
	for i, r := range l.Rows {
		rows[i] = []string{
			fmt.Sprint(i + 1), r.DossierCode, r.Procedure, fmt.Sprintf("%02d", max(r.Sets, 1)),
			r.Applicant, r.Contact, r.DecidingAgency,
			cellTime(r.ReceivedAt), cellTime(r.AppointmentAt), cellTime(r.TransferredAt),
			cellTime(r.ResultReceivedAt), cellTime(r.ReturnedAt), "", r.Note,
		}
	}
	c.table(cols, rows, size)
	third := c.contentW() / 3
	c.signatures(sigBlock{x: c.w - c.mr - third, w: third, lines: []string{l.Unit}, box: true})
	return nil
}

// cellTime is a date and time on two lines for narrow cells; zero is blank.
func cellTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(vietnam)
	return shortDate(t) + "\n" + fmt.Sprintf("%02d giờ %02d", t.Hour(), t.Minute())
}
