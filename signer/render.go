package signer

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/fonts"
	"github.com/kyso-vn/kyso/pdf"
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

// faces are the fonts appearances are drawn with, parsed once per process
// (a parsed Face is immutable).
type faces struct{ sans, sansBold, serif *fonts.Face }

var appearanceFaces = sync.OnceValues(func() (*faces, error) {
	var f faces
	var err error
	for _, x := range []struct {
		dst  **fonts.Face
		data []byte
	}{{&f.sans, fonts.DejaVuSans}, {&f.sansBold, fonts.DejaVuSansBold}, {&f.serif, fonts.LiberationSerif}} {
		if *x.dst, err = fonts.Parse(x.data); err != nil {
			return nil, err
		}
	}
	return &f, nil
})

// A drawing is a rendered appearance: a content stream in the rectangle's
// own coordinates (origin bottom left, points) and the fonts and images it
// names. importAppearance writes it into the document as a Form XObject.
type drawing struct {
	w, h    float64
	content bytes.Buffer
	fonts   []*fontUse
	images  []*drawnImage
}

// fontUse is one font of a drawing and the glyphs it shows (for the
// subset, the widths and the ToUnicode map).
type fontUse struct {
	name string // resource name, e.g. F1
	face *fonts.Face
	used map[uint16]rune
}

// drawnImage is an image XObject: its dictionary (without /Length, /SMask)
// and its encoded data, with an optional soft mask.
type drawnImage struct {
	name  string
	dict  pdf.Dict
	data  []byte
	smask *drawnImage
}

func (d *drawing) font(face *fonts.Face) *fontUse {
	for _, f := range d.fonts {
		if f.face == face {
			return f
		}
	}
	f := &fontUse{name: fmt.Sprintf("F%d", len(d.fonts)+1), face: face, used: map[uint16]rune{}}
	d.fonts = append(d.fonts, f)
	return f
}

// text shows s with its baseline at (x, y), y measured from the top as
// the layout code thinks of it.
func (d *drawing) text(face *fonts.Face, size, x, y float64, rgb [3]float64, s string) {
	f := d.font(face)
	hex := make([]byte, 0, 4*len(s))
	for _, r := range s {
		g, _ := face.Glyph(r)
		if _, ok := f.used[g]; !ok {
			f.used[g] = r
		}
		hex = fmt.Appendf(hex, "%04X", g)
	}
	fmt.Fprintf(&d.content, "BT %s %s %s rg /%s %s Tf %s %s Td <%s> Tj ET\n",
		num(rgb[0]), num(rgb[1]), num(rgb[2]), f.name, num(size), num(x), num(d.h-y), hex)
}

// image paints img into the box whose top-left corner is (x, y) from the top.
func (d *drawing) image(img *drawnImage, x, y, w, h float64) {
	img.name = fmt.Sprintf("Im%d", len(d.images)+1)
	d.images = append(d.images, img)
	fmt.Fprintf(&d.content, "q %s 0 0 %s %s %s cm /%s Do Q\n", num(w), num(h), num(x), num(d.h-y-h), img.name)
}

// num formats a coordinate with at most 3 decimals.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) }

// renderAppearance lays out and draws the appearance in a box of the
// rectangle's size. Fonts are embedded as subsets with a ToUnicode map
// (importAppearance), so the text extracts exactly.
func renderAppearance(ap *Appearance, signingTime time.Time) (*drawing, error) {
	fs, err := appearanceFaces()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errAppearance, err)
	}
	w, h := ap.Rect.W, ap.Rect.H
	d := &drawing{w: w, h: h}

	left, right := 2.0, w-2.0
	if len(ap.Image) > 0 {
		iw, ih, err := pngSize(ap.Image)
		if err != nil {
			return nil, fmt.Errorf("%w: image: %v", errAppearance, err)
		}
		img, err := pngImage(ap.Image)
		if err != nil {
			return nil, fmt.Errorf("%w: image: %v", errAppearance, err)
		}
		dw, dh := iw, ih
		if dh > h || ap.Kind != Organisation || dw > w/2 {
			// Fit the box height (the seal keeps actual size when it fits).
			scale := min(h/dh, (w/2)/dw)
			dw, dh = dw*scale, dh*scale
		}
		d.image(img, 1, (h-dh)/2, dw, dh)
		if ap.Kind == Organisation {
			// The text sits beside the seal, over its right half as on paper.
			left = 1 + dw*0.55
		} else {
			left = 1 + dw + 3
		}
	}
	if ap.QR != "" {
		img, err := qrImage(ap.QR)
		if err != nil {
			return nil, fmt.Errorf("%w: QR code: %v", errAppearance, err)
		}
		side := min(h-4, w/3)
		d.image(img, w-side-2, (h-side)/2, side, side)
		right = w - side - 5
	}

	type line struct {
		text string
		face *fonts.Face
	}
	var lines []line
	color := [3]float64{0, 0, 0}
	regular, bold := fs.sans, fs.sansBold
	fixedSize := 0.0
	switch ap.Kind {
	case Personal:
		color = [3]float64{0, 0, 160.0 / 255}
		lines = append(lines, line{"Ký bởi: " + ap.Name, bold})
		if ap.Title != "" {
			lines = append(lines, line{"Chức vụ: " + ap.Title, regular})
		}
		if ap.Unit != "" {
			lines = append(lines, line{"Đơn vị: " + ap.Unit, regular})
		}
		lines = append(lines, line{"Thời gian ký: " + displayTime(signingTime), regular})
	case Organisation:
		unit := ap.Unit
		if unit == "" {
			unit = ap.Name
		}
		lines = append(lines, line{unit, bold}, line{displayTime(signingTime), regular})
	case Copy:
		regular, fixedSize = fs.serif, 10
		ct := ap.CopyType
		if ct == "" {
			ct = "SAO Y"
		}
		agency := ap.Unit
		if agency == "" {
			agency = ap.Name
		}
		lines = append(lines, line{ct, regular}, line{agency, regular}, line{displayTime(signingTime), regular})
	}
	avail := right - left
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
			measure := func(t string) float64 { return l.face.Width(t) * s / 1000 }
			for _, w := range wrapText(l.text, avail, measure) {
				laid = append(laid, line{w, l.face})
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
		d.text(l.face, size, left, y, color, l.text)
		y += lineH
	}
	return d, nil
}

// qrImage draws a QR code as a 1-bit image, one sample per module, shown
// without interpolation so the modules stay sharp at any size.
func qrImage(text string) (*drawnImage, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	stride := (n + 7) / 8
	raw := make([]byte, stride*n)
	for y, row := range bm {
		for x, dark := range row {
			if !dark { // 1 is white in DeviceGray
				raw[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	// Pad bits of each row are white too.
	for y := range n {
		for x := n; x < stride*8; x++ {
			raw[y*stride+x/8] |= 0x80 >> (x % 8)
		}
	}
	return &drawnImage{dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"),
		"Width": pdf.Integer(n), "Height": pdf.Integer(n), "ColorSpace": pdf.Name("DeviceGray"),
		"BitsPerComponent": pdf.Integer(1), "Interpolate": pdf.Bool(false), "Filter": pdf.Name("FlateDecode")},
		data: deflate(raw)}, nil
}

// pngImage converts a PNG into an 8-bit RGB image XObject, with its alpha
// channel as a soft mask when it has one.
func pngImage(b []byte) (*drawnImage, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	rgb := make([]byte, 0, 3*w*h)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			opaque = opaque && c.A == 255
		}
	}
	base := func(cs pdf.Name) pdf.Dict {
		return pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Integer(w),
			"Height": pdf.Integer(h), "ColorSpace": cs, "BitsPerComponent": pdf.Integer(8), "Filter": pdf.Name("FlateDecode")}
	}
	out := &drawnImage{dict: base("DeviceRGB"), data: deflate(rgb)}
	if !opaque {
		out.smask = &drawnImage{dict: base("DeviceGray"), data: deflate(alpha)}
	}
	return out, nil
}

// deflaters reuses zlib writers: a new one allocates about a megabyte of
// state, more than compressing an appearance's streams costs.
var deflaters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// deflate compresses b for a FlateDecode stream.
func deflate(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw := deflaters.Get().(*zlib.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	deflaters.Put(zw)
	return buf.Bytes()
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
