package signer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// AppearanceKind selects the layout of a visible signature (Nghị định
// 30/2020/NĐ-CP, Phụ lục I).
type AppearanceKind int

const (
	// Personal: the signer's name, title and unit, optional blue signature image.
	Personal AppearanceKind = iota
	// Organisation: the unit's red seal image at actual size and the text
	// "unit name + signing time in ISO 8601 with +07:00".
	Organisation
	// Copy: an electronic copy of a paper document ("SAO Y"): a text block
	// with copy type, copying agency and time in Times New Roman 10, black,
	// top right of page 1, no seal image.
	Copy
)

// Rect is a rectangle on a page in PDF points, origin bottom left.
type Rect struct{ X, Y, W, H float64 }

// Appearance describes a visible signature. A zero W or H means invisible.
type Appearance struct {
	Kind  AppearanceKind
	Page  int  // 1-based
	Rect  Rect // where on the page; for Copy the zero Rect means top right of page 1
	Name  string
	Title string
	Unit  string
	Image []byte // PNG: the signature image (Personal) or the seal (Organisation)
	QR    string // a verification URL drawn as a QR code; "" for none
	// CopyType is the first line of a Copy block, "SAO Y" by default.
	CopyType string
}

// vietnam is the time zone in which signing times are shown (UTC+7).
var vietnam = time.FixedZone("ICT", 7*3600)

// displayTime formats a signing time as ISO 8601 with +07:00, e.g.
// 2025-07-01T09:15:30+07:00.
func displayTime(t time.Time) string { return t.In(vietnam).Format("2006-01-02T15:04:05-07:00") }

var errAppearance = errors.New("cannot draw the signature appearance")

// renderAppearance draws the appearance as a one-page PDF of exactly the
// rectangle's size; its page becomes the widget's Form XObject. Fonts are
// embedded as subsets with a ToUnicode map, so text extracts exactly.
func renderAppearance(ap *Appearance, signingTime time.Time) ([]byte, error) {
	w, h := ap.Rect.W, ap.Rect.H
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w, Ht: h}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreationDate(signingTime)
	pdf.SetModificationDate(signingTime)
	// Only the fonts this layout uses are embedded (fpdf embeds what is registered).
	if ap.Kind == Copy {
		pdf.AddUTF8FontFromBytes("LiberationSerif", "", fonts.LiberationSerif)
	} else {
		pdf.AddUTF8FontFromBytes("DejaVuSans", "", fonts.DejaVuSans)
		pdf.AddUTF8FontFromBytes("DejaVuSans", "B", fonts.DejaVuSansBold)
	}
	pdf.AddPageFormat("P", fpdf.SizeType{Wd: w, Ht: h})

	left, right := 2.0, w-2.0
	if len(ap.Image) > 0 {
		iw, ih, err := pngSize(ap.Image)
		if err != nil {
			return nil, fmt.Errorf("%w: image: %v", errAppearance, err)
		}
		dw, dh := iw, ih
		if dh > h || ap.Kind != Organisation || dw > w/2 {
			// Fit the box height (the seal keeps actual size when it fits).
			scale := min(h/dh, (w/2)/dw)
			dw, dh = dw*scale, dh*scale
		}
		pdf.RegisterImageOptionsReader("img", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(ap.Image))
		pdf.ImageOptions("img", 1, (h-dh)/2, dw, dh, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		if ap.Kind == Organisation {
			// The text sits beside the seal, over its right half as on paper.
			left = 1 + dw*0.55
		} else {
			left = 1 + dw + 3
		}
	}
	if ap.QR != "" {
		q, err := qrcode.New(ap.QR, qrcode.Medium)
		if err != nil {
			return nil, fmt.Errorf("%w: QR code: %v", errAppearance, err)
		}
		q.DisableBorder = true
		img, err := q.PNG(256)
		if err != nil {
			return nil, fmt.Errorf("%w: QR code: %v", errAppearance, err)
		}
		side := min(h-4, w/3)
		pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
		pdf.ImageOptions("qr", w-side-2, (h-side)/2, side, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		right = w - side - 5
	}

	type line struct {
		text  string
		style string
	}
	var lines []line
	family := "DejaVuSans"
	fixedSize := 0.0
	switch ap.Kind {
	case Personal:
		pdf.SetTextColor(0, 0, 160)
		lines = append(lines, line{"Ký bởi: " + ap.Name, "B"})
		if ap.Title != "" {
			lines = append(lines, line{"Chức vụ: " + ap.Title, ""})
		}
		if ap.Unit != "" {
			lines = append(lines, line{"Đơn vị: " + ap.Unit, ""})
		}
		lines = append(lines, line{"Thời gian ký: " + displayTime(signingTime), ""})
	case Organisation:
		pdf.SetTextColor(0, 0, 0)
		unit := ap.Unit
		if unit == "" {
			unit = ap.Name
		}
		lines = append(lines, line{unit, "B"}, line{displayTime(signingTime), ""})
	case Copy:
		pdf.SetTextColor(0, 0, 0)
		family, fixedSize = "LiberationSerif", 10
		ct := ap.CopyType
		if ct == "" {
			ct = "SAO Y"
		}
		agency := ap.Unit
		if agency == "" {
			agency = ap.Name
		}
		lines = append(lines, line{ct, ""}, line{agency, ""}, line{displayTime(signingTime), ""})
	}
	avail := right - left
	styleOf := func(l line) string {
		if family == "LiberationSerif" {
			return ""
		}
		return l.style
	}
	// The largest size (10 pt down to 5 pt) at which the lines, wrapped at
	// word boundaries to the available width, fit the box; a fixed size
	// (the SAO Y block) only wraps.
	var laid []line
	size := fixedSize
	for s := 10.0; ; s -= 0.25 {
		if fixedSize > 0 {
			s = fixedSize
		}
		laid = laid[:0]
		for _, l := range lines {
			pdf.SetFont(family, styleOf(l), s)
			for _, w := range wrapText(l.text, avail, pdf.GetStringWidth) {
				laid = append(laid, line{w, l.style})
			}
		}
		size = s
		if fixedSize > 0 || float64(len(laid))*s*1.25 <= h-2 || s <= 5 {
			break
		}
	}
	lineH := size * 1.25
	y := (h-lineH*float64(len(laid)))/2 + size
	for _, l := range laid {
		pdf.SetFont(family, styleOf(l), size)
		pdf.Text(left, y, l.text)
		y += lineH
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errAppearance, err)
	}
	return buf.Bytes(), nil
}

// pngSize returns a PNG's size in points: from its pHYs chunk when it has
// one (so a seal is drawn at actual size), else at 96 dpi.
func pngSize(b []byte) (w, h float64, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	dpiX, dpiY := 96.0, 96.0
	// Walk chunks for pHYs (pixels per unit, unit 1 = metre).
	for i := 8; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if typ == "pHYs" && n == 9 && i+17 <= len(b) && b[i+16] == 1 {
			px := float64(binary.BigEndian.Uint32(b[i+8:]))
			py := float64(binary.BigEndian.Uint32(b[i+12:]))
			if px > 0 && py > 0 {
				dpiX, dpiY = px*0.0254, py*0.0254
			}
		}
		if typ == "IDAT" || n < 0 {
			break
		}
		i += 12 + n
	}
	return float64(cfg.Width) * 72 / dpiX, float64(cfg.Height) * 72 / dpiY, nil
}

// wrapText breaks text at spaces into lines no wider than width; a word
// wider than width stays on a line of its own.
func wrapText(text string, width float64, measure func(string) float64) []string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{""}
	}
	var out []string
	cur := words[0]
	for _, w := range words[1:] {
		if measure(cur+" "+w) <= width {
			cur += " " + w
			continue
		}
		out = append(out, cur)
		cur = w
	}
	return append(out, cur)
}
