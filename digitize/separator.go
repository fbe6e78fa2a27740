package digitize

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// A Separator is what a separator sheet announces: the component that the
// pages after it make up.
type Separator struct {
	Code string // component code (mã thành phần hồ sơ)
	Name string // component name, optional
}

// WriteSeparatorSheets writes an A4 PDF with one separator sheet per
// component: a large QR code ("KYSO-SEP:code|name") that SplitSeparator
// recognises in a scan at 150 dpi or more, and the code and name in print
// for the operator.
func WriteSeparatorSheets(w io.Writer, seps []Separator) error {
	if len(seps) == 0 {
		return fmt.Errorf("%w: no components for separator sheets", ErrBadSplit)
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(0, 0, 0)
	f.SetAutoPageBreak(false, 0)
	f.AddUTF8FontFromBytes("DejaVuSans", "", fonts.DejaVuSans)
	f.AddUTF8FontFromBytes("DejaVuSans", "B", fonts.DejaVuSansBold)
	for i, s := range seps {
		if s.Code == "" || strings.ContainsAny(s.Code, "|\n") {
			return fmt.Errorf("%w: separator %d: bad component code %q", ErrBadSplit, i+1, s.Code)
		}
		q, err := qrcode.New(separatorPrefix+s.Code+"|"+s.Name, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("%w: separator %s: %v", ErrBadSplit, s.Code, err)
		}
		img, err := q.PNG(1024)
		if err != nil {
			return err
		}
		f.AddPage()
		name := fmt.Sprintf("qr%d", i)
		f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
		f.ImageOptions(name, 45, 60, 120, 120, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		f.SetFont("DejaVuSans", "B", 20)
		f.SetXY(10, 25)
		f.CellFormat(190, 10, "TỜ PHÂN CÁCH — SỐ HÓA HỒ SƠ", "", 0, "C", false, 0, "")
		f.SetFont("DejaVuSans", "", 16)
		f.SetXY(10, 195)
		f.CellFormat(190, 10, "Mã thành phần: "+s.Code, "", 0, "C", false, 0, "")
		if s.Name != "" {
			f.SetXY(20, 207)
			f.MultiCell(170, 8, s.Name, "", "C", false)
		}
		f.SetFont("DejaVuSans", "", 10)
		f.SetXY(10, 270)
		f.CellFormat(190, 6, "Đặt tờ này trước các trang của thành phần; kyso bỏ tờ này khỏi bản số hóa.", "", 0, "C", false, 0, "")
	}
	return f.Output(w)
}
