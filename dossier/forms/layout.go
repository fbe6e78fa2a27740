package forms

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// family is Liberation Serif, metric-compatible with Times New Roman, the
// typeface of Vietnamese administrative documents (NĐ 30/2020 Phụ lục I).
const family = "LiberationSerif"

const (
	alignLeft = iota
	alignCenter
	alignJustify
)

// sigBoxHeight is the height of the blank space left for a signature: room
// for the signer's appearance (name, title, unit, time or the seal).
const sigBoxHeight = 52.0

// canvas lays out one form with fpdf: a cursor moving down the page,
// wrapping text and breaking pages. All lengths are PDF points, y measured
// from the top of the page as fpdf does.
type canvas struct {
	f              *fpdf.Fpdf
	w, h           float64 // page size
	ml, mr, mt, mb float64 // margins
	y              float64 // cursor
	page           int
	body           float64 // body text size
	sig            SignatureBox
	hasSig         bool
}

func newCanvas(pf pageFormat, created time.Time, title, subject string) *canvas {
	c := &canvas{}
	switch pf {
	case a4Landscape:
		c.f = fpdf.New("L", "pt", "A4", "")
		c.ml, c.mr, c.mt, c.mb = 56.7, 42.5, 42.5, 42.5 // 20 mm left, 15 mm elsewhere
		c.body = 11
	default:
		// ISO 216 A5, 148 × 210 mm (fpdf's "A5" is 148.5 mm wide).
		c.f = fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "pt", Size: fpdf.SizeType{Wd: 419.53, Ht: 595.28}})
		c.ml, c.mr, c.mt, c.mb = 42.5, 28.35, 25.5, 25.5 // 15 mm left, 10 mm right, 9 mm top and bottom
		c.body = 10
	}
	f := c.f
	c.w, c.h = f.GetPageSize()
	// fpdf writes the date without a zone offset, which readers take as
	// UTC.
	created = created.UTC().Truncate(time.Second)
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetTitle(title, true)
	f.SetSubject(subject, true)
	f.SetCreator("kyso dossier/forms", true)
	f.SetProducer("kyso", true)
	f.SetLang("vi-VN")
	f.SetMargins(c.ml, c.mt, c.mr)
	f.SetAutoPageBreak(false, 0)
	f.SetCellMargin(0)
	f.SetLineWidth(0.5)
	f.SetDrawColor(0, 0, 0)
	f.SetTextColor(0, 0, 0)
	f.AddUTF8FontFromBytes(family, "", fonts.LiberationSerif)
	f.AddUTF8FontFromBytes(family, "B", fonts.LiberationSerifBold)
	f.AddUTF8FontFromBytes(family, "I", fonts.LiberationSerifItalic)
	c.newPage()
	return c
}

// contentW is the width between the margins.
func (c *canvas) contentW() float64 { return c.w - c.ml - c.mr }

// newPage starts a page; pages after the first carry their number centred
// at the top (NĐ 30/2020 Phụ lục I).
func (c *canvas) newPage() {
	c.f.AddPage()
	c.page++
	c.y = c.mt
	if c.page > 1 {
		c.font("", c.body-1)
		n := fmt.Sprint(c.page)
		c.f.Text(c.ml+(c.contentW()-c.f.GetStringWidth(n))/2, c.mt*0.6, n)
		c.y = c.mt + 6
	}
}

// ensure starts a new page unless h more points fit on this one.
func (c *canvas) ensure(h float64) {
	if c.y+h > c.h-c.mb {
		c.newPage()
	}
}

func (c *canvas) font(style string, size float64) { c.f.SetFont(family, style, size) }

func (c *canvas) textWidth(s, style string, size float64) float64 {
	c.font(style, size)
	return c.f.GetStringWidth(s)
}

func lineHeight(size float64) float64 { return size * 1.22 }

// baseline of a line whose box starts at top.
func baseline(top, size float64) float64 { return top + size*0.93 }

// wrap breaks text into lines at spaces; the first line may be narrower
// (an indent). A word wider than a line is broken between runes.
func (c *canvas) wrap(text, style string, size, first, rest float64) []string {
	c.font(style, size)
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{""}
	}
	var out []string
	width := first
	cur := ""
	for _, w := range words {
		for c.f.GetStringWidth(w) > width && utf8.RuneCountInString(w) > 1 {
			// An unbreakable word: flush the line, then cut the word.
			if cur != "" {
				out, cur, width = append(out, cur), "", rest
				continue
			}
			cut := fitRunes(w, width, c.f.GetStringWidth)
			out, width = append(out, w[:cut]), rest
			w = w[cut:]
		}
		switch {
		case cur == "":
			cur = w
		case c.f.GetStringWidth(cur+" "+w) <= width:
			cur += " " + w
		default:
			out, cur, width = append(out, cur), w, rest
		}
	}
	return append(out, cur)
}

// fitRunes returns the byte length of the longest prefix of w (at least one
// rune) no wider than width.
func fitRunes(w string, width float64, measure func(string) float64) int {
	n := 0
	for i, r := range w {
		end := i + utf8.RuneLen(r)
		if n > 0 && measure(w[:end]) > width {
			break
		}
		n = end
	}
	return n
}

// para is how a paragraph is set.
type para struct {
	style  string
	size   float64 // 0: body size
	x, w   float64 // 0: the content box
	indent float64 // first line
	hang   float64 // continuation lines
	align  int
	before float64
	after  float64
}

// paragraph sets text at the cursor, breaking pages between lines.
func (c *canvas) paragraph(text string, p para) {
	if p.size == 0 {
		p.size = c.body
	}
	if p.x == 0 {
		p.x = c.ml
	}
	if p.w == 0 {
		p.w = c.w - c.mr - p.x
	}
	c.y += p.before
	lh := lineHeight(p.size)
	for _, chunk := range strings.Split(text, "\n") {
		lines := c.wrap(chunk, p.style, p.size, p.w-p.indent, p.w-p.hang)
		if len(lines) <= 4 {
			c.ensure(float64(len(lines)) * lh) // a short paragraph stays on one page
		}
		for i, l := range lines {
			c.ensure(lh)
			x, w := p.x+p.hang, p.w-p.hang
			if i == 0 {
				x, w = p.x+p.indent, p.w-p.indent
			}
			last := i == len(lines)-1
			c.line(l, p.style, p.size, x, w, p.align, last)
			c.y += lh
		}
	}
	c.y += p.after
}

// line draws one line of text in the box [x, x+w] at the cursor.
func (c *canvas) line(s, style string, size, x, w float64, align int, last bool) {
	c.font(style, size)
	bl := baseline(c.y, size)
	switch align {
	case alignCenter:
		c.f.Text(x+(w-c.f.GetStringWidth(s))/2, bl, s)
		return
	case alignJustify:
		words := strings.Fields(s)
		if last || len(words) < 2 {
			break
		}
		total := 0.0
		for _, wd := range words {
			total += c.f.GetStringWidth(wd)
		}
		gap := (w - total) / float64(len(words)-1)
		if gap > c.f.GetStringWidth(" ")*2.5 {
			break // a sparse line reads better ragged
		}
		for _, wd := range words {
			c.f.Text(x, bl, wd)
			x += c.f.GetStringWidth(wd) + gap
		}
		return
	}
	c.f.Text(x, bl, s)
}

// centred sets text centred in [x, x+w]. Text that needs several lines is
// balanced: set at the narrowest width that keeps the same number of
// lines, so no word is left alone on the last one.
func (c *canvas) centred(text, style string, size, x, w float64) {
	bw := c.balanced(text, style, size, w)
	c.paragraph(text, para{style: style, size: size, x: x + (w-bw)/2, w: bw, align: alignCenter})
}

func (c *canvas) balanced(text, style string, size, w float64) float64 {
	n := len(c.wrap(text, style, size, w, w))
	if n < 2 {
		return w
	}
	lo, hi := w/2, w
	for hi-lo > 0.5 {
		mid := (lo + hi) / 2
		if len(c.wrap(text, style, size, mid, mid)) <= n {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// hline draws a horizontal rule.
func (c *canvas) hline(x1, x2, y float64) { c.f.Line(x1, y, x2, y) }

// fitSize is the largest size from max down to min at which s fits w.
func (c *canvas) fitSize(s, style string, max, min, w float64) float64 {
	size := max
	for size > min && c.textWidth(s, style, size) > w {
		size -= 0.25
	}
	return size
}

// header draws the QR band (when q is set), the agency and national-motto
// headers, and the number and place-date line (NĐ 30/2020 Phụ lục I ô 1–4).
// number "" leaves the number line out; dateOn zero leaves the date out.
func (c *canvas) header(a Agency, number string, dateOn time.Time, q *QR) error {
	if q != nil {
		if err := c.qr(*q); err != nil {
			return err
		}
	}
	top := c.y
	cw := c.contentW()
	leftW := cw * 0.42
	rightX, rightW := c.ml+leftW, cw-leftW
	hs := c.body - 0.5 // header size

	// Left: governing body (upright capitals), agency (bold capitals), rule.
	if a.Parent != "" {
		c.centred(strings.ToUpper(a.Parent), "", hs, c.ml, leftW)
	}
	name := strings.ToUpper(a.Name)
	bw := c.balanced(name, "B", hs, leftW)
	lines := c.wrap(name, "B", hs, bw, bw)
	c.centred(name, "B", hs, c.ml, leftW)
	widest := 0.0
	for _, l := range lines {
		widest = max(widest, c.textWidth(l, "B", hs))
	}
	rule := widest * 0.4
	c.hline(c.ml+(leftW-rule)/2, c.ml+(leftW+rule)/2, c.y+2)
	leftBottom := c.y + 5

	// Right: the national name and motto (bold), the motto underlined
	// over its full length.
	c.y = top
	nation := "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	ns := c.fitSize(nation, "B", hs, 7, rightW)
	c.centred(nation, "B", ns, rightX, rightW)
	motto := "Độc lập - Tự do - Hạnh phúc"
	ms := min(ns+1, c.fitSize(motto, "B", hs+1, 7, rightW))
	c.centred(motto, "B", ms, rightX, rightW)
	mw := c.textWidth(motto, "B", ms)
	c.hline(rightX+(rightW-mw)/2, rightX+(rightW+mw)/2, c.y+1)
	c.y = max(c.y+5, leftBottom) + 4

	// Number (left) and place, date (right, italic).
	row := c.y
	if number != "" {
		c.centred("Số: "+number, "", c.body, c.ml, leftW)
	}
	numBottom := c.y
	if !dateOn.IsZero() {
		c.y = row
		c.centred(a.Place+", "+Date(dateOn), "I", c.body, rightX, rightW)
	}
	c.y = max(c.y, numBottom) + 6
	return nil
}

// qr draws the ISO/IEC 18004 symbol in the top-left corner with the
// dossier code beside it (TT 01/2023/TT-VPCP).
func (c *canvas) qr(q QR) error {
	code, err := qrcode.New(q.Payload(), qrcode.Medium)
	if err != nil {
		return fmt.Errorf("forms: QR code: %w", err)
	}
	code.DisableBorder = true
	img, err := code.PNG(512)
	if err != nil {
		return fmt.Errorf("forms: QR code: %w", err)
	}
	side := 56.0
	c.y = c.mt * 0.6 // the symbol sits in the corner, above the header's top margin
	c.f.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
	c.f.ImageOptions("qr", c.ml, c.y, side, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	size := c.body - 2
	x := c.ml + side + 8
	w := c.contentW() - side - 8
	top := c.y
	c.y = top + side/2 - lineHeight(size)
	c.paragraph("Mã hồ sơ:", para{size: size, x: x, w: w})
	c.paragraph(q.DossierCode, para{style: "B", size: size, x: x, w: w})
	c.y = top + side + 6
	return nil
}

// title sets the form's title, bold capitals, centred.
func (c *canvas) title(t string) {
	size := c.body + 1.5
	c.ensure(3 * lineHeight(size))
	c.centred(t, "B", size, c.ml, c.contentW())
}

// sigBlock is a signature block (NĐ 30/2020 Phụ lục I ô 7): authority and
// title in bold capitals, an italic note, the blank space, the name in
// bold.
type sigBlock struct {
	x, w  float64
	lines []string // bold capitals
	note  string   // italic, e.g. "(Ký và ghi rõ họ tên)"
	name  string
	box   bool // this block's blank space is the returned SignatureBox
}

func (c *canvas) blockHeight(b sigBlock) float64 {
	lh := lineHeight(c.body)
	n := 0
	for _, l := range b.lines {
		n += len(c.wrap(strings.ToUpper(l), "B", c.body, b.w, b.w))
	}
	if b.note != "" {
		n++
	}
	h := float64(n)*lh + 2 + sigBoxHeight + 2
	if b.name != "" {
		h += float64(len(c.wrap(b.name, "B", c.body, b.w, b.w))) * lh
	}
	return h
}

// signatures draws blocks side by side at the cursor, moving to a new page
// first when the tallest does not fit.
func (c *canvas) signatures(blocks ...sigBlock) {
	c.y += 4
	h := 0.0
	for _, b := range blocks {
		h = max(h, c.blockHeight(b))
	}
	c.ensure(h)
	top := c.y
	bottom := top
	for _, b := range blocks {
		c.y = top
		for _, l := range b.lines {
			c.centred(strings.ToUpper(l), "B", c.body, b.x, b.w)
		}
		if b.note != "" {
			c.centred(b.note, "I", c.body, b.x, b.w)
		}
		c.y += 2
		if b.box {
			bw := min(b.w, 190)
			x := b.x + (b.w-bw)/2
			c.sig = SignatureBox{Page: c.page, X: x, Y: c.h - (c.y + sigBoxHeight), W: bw, H: sigBoxHeight}
			c.hasSig = true
		}
		c.y += sigBoxHeight + 2
		if b.name != "" {
			c.centred(b.name, "B", c.body, b.x, b.w)
		}
		bottom = max(bottom, c.y)
	}
	c.y = bottom
}

// column of a table.
type column struct {
	title string
	w     float64
	align int
}

// table draws a bordered table at the cursor; rows that do not fit go to
// the next page under a repeated header. Cells may hold several lines
// separated by "\n".
func (c *canvas) table(cols []column, rows [][]string, size float64) {
	const pad = 2.5
	lh := lineHeight(size)
	cellLines := func(cells []string, style string) ([][]string, float64) {
		out := make([][]string, len(cols))
		n := 1
		for i, col := range cols {
			var ls []string
			if i < len(cells) {
				for _, chunk := range strings.Split(cells[i], "\n") {
					ls = append(ls, c.wrap(chunk, style, size, col.w-2*pad, col.w-2*pad)...)
				}
			}
			out[i] = ls
			n = max(n, len(ls))
		}
		return out, float64(n)*lh + 2*pad
	}
	draw := func(lines [][]string, h float64, style string, header bool) {
		x := c.ml
		for i, col := range cols {
			c.f.Rect(x, c.y, col.w, h, "D")
			y0 := c.y
			c.y += pad
			for _, l := range lines[i] {
				align := col.align
				if header {
					align = alignCenter
				}
				c.line(l, style, size, x+pad, col.w-2*pad, align, true)
				c.y += lh
			}
			c.y = y0
			x += col.w
		}
		c.y += h
	}
	titles := make([]string, len(cols))
	for i, col := range cols {
		titles[i] = col.title
	}
	hl, hh := cellLines(titles, "B")
	c.ensure(hh + lh + 2*pad)
	draw(hl, hh, "B", true)
	for _, r := range rows {
		rl, rh := cellLines(r, "")
		if c.y+rh > c.h-c.mb {
			c.newPage()
			draw(hl, hh, "B", true)
		}
		draw(rl, rh, "", false)
	}
	c.y += 4
}

// output finishes the document.
func (c *canvas) output() ([]byte, error) {
	var buf bytes.Buffer
	if err := c.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("forms: writing the PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// Render renders a form with this set's template. The data is validated
// first: a missing or inconsistent field is an error wrapping ErrInvalid
// that names the field, and nothing is rendered. Render is safe for
// concurrent use.
func (s *Set) Render(f Form) (*Document, error) {
	t, ok := s.templates[f.Kind()]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s form", ErrNotInVersion, s.Circular, f.Kind())
	}
	cov, err := newCoverage()
	if err != nil {
		return nil, err
	}
	ck := &checker{form: f.Kind(), cov: cov}
	f.check(ck)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if a, ok := f.(Apology); ok && a.Cause == CauseGuidance {
		t.title = t.altTitle
	}
	title := t.title
	c := newCanvas(t.page, f.issued(), title, t.number+" – "+s.Circular)
	if err := f.draw(c, t); err != nil {
		return nil, err
	}
	if !c.hasSig {
		return nil, fmt.Errorf("forms: %s: internal error: no signature block laid out", f.Kind())
	}
	b, err := c.output()
	if err != nil {
		return nil, err
	}
	return &Document{
		PDF:       b,
		Kind:      f.Kind(),
		Version:   s.ID,
		Template:  t.number,
		Title:     title,
		Pages:     c.page,
		Signature: c.sig,
		Signer:    f.SignerRole(),
	}, nil
}
