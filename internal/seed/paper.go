package seed

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/fonts"
	"github.com/kyso-vn/kyso/signer"
)

// A Paper is a one-page administrative document laid out as Vietnamese
// official papers are (NĐ 30/2020 Phụ lục I, simplified): the issuing
// body top left with the number, the national motto top right with the
// place and date, the title, the addressee, fields and paragraphs, and the
// signature block bottom right. Citizens' forms have no issuing body: the
// motto is centred.
type Paper struct {
	Issuer    []string // top-left lines: the superior body, then the issuing unit (bold)
	Number    string   // "Số: 125/GCN-UBND"
	Place     string   // "Vĩnh Yên"
	Date      time.Time
	Title     string // bold, upper case
	Subtitle  string
	Addressee string // "Kính gửi: …"
	Fields    []Field
	Body      []string // paragraphs
	// SignerRole is the line above the signature ("CHỦ TỊCH", "NGƯỜI
	// ĐỀ NGHỊ"); SignerNote the hint below it; SignerName under the space.
	SignerRole, SignerNote, SignerName string
	Footer                             string // small print at the bottom of the page
	// QR, when set, is printed in the top-left corner (TT 01/2023: dossier
	// code, procedure code, applicant and document name for lookup).
	QR string
}

// A Field is one "label: value" line.
type Field struct{ Label, Value string }

// RenderedPaper is a rendered Paper with the places of its signatures.
type RenderedPaper struct {
	PDF []byte
	// Signature is where the personal signature goes (page 1, PDF points
	// from the bottom left); Seal where the unit's organisation signature
	// goes, left of it.
	Signature, Seal signer.Rect
}

const (
	pageW, pageH = 595.28, 841.89 // A4 in points
	marginL      = 80.0
	marginR      = 50.0
)

// Render lays the paper out as a one-page A4 PDF with embedded Liberation
// Serif (metric-compatible with Times New Roman, full Vietnamese coverage).
func (p Paper) Render() (*RenderedPaper, error) {
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	f.SetMargins(marginL, 50, marginR)
	f.SetAutoPageBreak(false, 0)
	when := p.Date
	if when.IsZero() {
		when = time.Date(2026, 1, 1, 0, 0, 0, 0, vietnam)
	}
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	f.SetProducer("kyso demo (development data)", true)
	f.AddUTF8FontFromBytes("serif", "", fonts.LiberationSerif)
	f.AddUTF8FontFromBytes("serif", "B", fonts.LiberationSerifBold)
	f.AddPage()
	if p.QR != "" {
		q, err := qrcode.New(p.QR, qrcode.Medium)
		if err != nil {
			return nil, fmt.Errorf("seed: QR of %q: %w", p.Title, err)
		}
		q.DisableBorder = true
		png, err := q.PNG(256)
		if err != nil {
			return nil, err
		}
		f.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		f.ImageOptions("qr", 14, 12, 40, 40, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	width := pageW - marginL - marginR
	y := 50.0
	if len(p.Issuer) > 0 {
		// Left column: issuing body and number; right column: the motto.
		lw := 220.0
		f.SetXY(marginL-20, y)
		for i, l := range p.Issuer {
			style := ""
			if i == len(p.Issuer)-1 {
				style = "B"
			}
			f.SetFont("serif", style, 12)
			f.SetX(marginL - 20)
			f.MultiCell(lw, 15, strings.ToUpper(l), "", "C", false)
		}
		ly := f.GetY() + 2
		f.SetLineWidth(0.6)
		f.Line(marginL-20+lw/2-35, ly, marginL-20+lw/2+35, ly)
		if p.Number != "" {
			f.SetFont("serif", "", 12)
			f.SetXY(marginL-20, ly+6)
			f.MultiCell(lw, 15, p.Number, "", "C", false)
		}
		leftEnd := f.GetY()
		rx := marginL - 20 + lw + 5
		rw := pageW - marginR - rx + 20
		f.SetXY(rx, y)
		f.SetFont("serif", "B", 12)
		f.MultiCell(rw, 15, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", "C", false)
		f.SetX(rx)
		f.SetFont("serif", "B", 13)
		f.MultiCell(rw, 16, "Độc lập - Tự do - Hạnh phúc", "", "C", false)
		my := f.GetY() + 1
		f.Line(rx+rw/2-75, my, rx+rw/2+75, my)
		if !p.Date.IsZero() {
			f.SetFont("serif", "", 12)
			f.SetXY(rx, my+8)
			f.MultiCell(rw, 15, placeDate(p.Place, p.Date), "", "C", false)
		}
		y = max(leftEnd, f.GetY()) + 24
	} else {
		f.SetXY(marginL, y)
		f.SetFont("serif", "B", 12)
		f.MultiCell(width, 15, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", "C", false)
		f.SetFont("serif", "B", 13)
		f.MultiCell(width, 16, "Độc lập - Tự do - Hạnh phúc", "", "C", false)
		my := f.GetY() + 1
		f.SetLineWidth(0.6)
		f.Line(pageW/2-75+(marginL-marginR)/2, my, pageW/2+75+(marginL-marginR)/2, my)
		y = my + 22
	}
	f.SetXY(marginL, y)
	f.SetFont("serif", "B", 14)
	f.MultiCell(width, 18, strings.ToUpper(p.Title), "", "C", false)
	if p.Subtitle != "" {
		f.SetFont("serif", "B", 12)
		f.MultiCell(width, 15, p.Subtitle, "", "C", false)
	}
	f.Ln(10)
	f.SetFont("serif", "", 12.5)
	if p.Addressee != "" {
		f.MultiCell(width, 16, p.Addressee, "", "C", false)
		f.Ln(6)
	}
	for _, fl := range p.Fields {
		f.SetFont("serif", "", 12.5)
		if fl.Label == "" {
			f.MultiCell(width, 16, fl.Value, "", "L", false)
			continue
		}
		f.MultiCell(width, 16, fl.Label+": "+fl.Value, "", "L", false)
	}
	if len(p.Fields) > 0 {
		f.Ln(4)
	}
	for _, para := range p.Body {
		f.SetFont("serif", "", 12.5)
		f.MultiCell(width, 16, "    "+para, "", "J", false)
		f.Ln(2)
	}
	y = f.GetY() + 14
	if p.Issuer == nil && !p.Date.IsZero() {
		f.SetXY(pageW/2, y)
		f.SetFont("serif", "", 12)
		f.MultiCell(pageW/2-marginR, 15, placeDate(p.Place, p.Date), "", "C", false)
		y = f.GetY() + 2
	}
	// The signature block: role, note, the space the signatures go in, name.
	y = min(y, pageH-230)
	bx, bw := pageW/2-10, pageW/2-marginR+10
	f.SetXY(bx, y)
	f.SetFont("serif", "B", 12.5)
	f.MultiCell(bw, 16, strings.ToUpper(p.SignerRole), "", "C", false)
	if p.SignerNote != "" {
		f.SetX(bx)
		f.SetFont("serif", "", 11.5)
		f.MultiCell(bw, 14, p.SignerNote, "", "C", false)
	}
	top := f.GetY() + 4
	const boxH = 84.0
	f.SetXY(bx, top+boxH+6)
	f.SetFont("serif", "B", 12.5)
	f.MultiCell(bw, 16, p.SignerName, "", "C", false)
	if p.Footer != "" {
		f.SetXY(marginL, pageH-60)
		f.SetFont("serif", "", 9.5)
		f.MultiCell(width, 12, p.Footer, "T", "L", false)
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("seed: rendering %q: %w", p.Title, err)
	}
	pdfY := pageH - top - boxH
	return &RenderedPaper{PDF: b.Bytes(),
		Signature: signer.Rect{X: bx + 5, Y: pdfY, W: bw - 10, H: boxH},
		Seal:      signer.Rect{X: marginL - 20, Y: pdfY, W: bx - marginL + 10, H: boxH}}, nil
}

var vietnam = time.FixedZone("ICT", 7*3600)

// placeDate is "Vĩnh Yên, ngày 05 tháng 11 năm 2026".
func placeDate(place string, t time.Time) string {
	t = t.In(vietnam)
	s := fmt.Sprintf("ngày %02d tháng %02d năm %d", t.Day(), int(t.Month()), t.Year())
	if place == "" {
		return s
	}
	return place + ", " + s
}

// dateVN is "05/11/2026".
func dateVN(t time.Time) string { return t.In(vietnam).Format("02/01/2006") }

// timeVN is "08 giờ 30 phút, ngày 05/11/2026".
func timeVN(t time.Time) string {
	t = t.In(vietnam)
	return fmt.Sprintf("%02d giờ %02d phút, ngày %s", t.Hour(), t.Minute(), dateVN(t))
}
