package seed

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// ScanDPI is the resolution of the demo's scans (NĐ 30/2020: at least 200).
const ScanDPI = 200

// Scan renders the paper as a citizen's paper document scanned at the
// desk: an A4 colour JPEG at ScanDPI (NĐ 30/2020 asks colour for
// electronic copies) with a paper tone, a little noise and a handwritten
// signature in blue ink, as a flatbed scanner would produce it. seed
// varies the noise.
func (p Paper) Scan(seed uint64) ([]byte, error) {
	reg, err := opentype.Parse(fonts.LiberationSerif)
	if err != nil {
		return nil, err
	}
	bold, err := opentype.Parse(fonts.LiberationSerifBold)
	if err != nil {
		return nil, err
	}
	face := func(f *opentype.Font, size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: ScanDPI, Hinting: font.HintingFull})
	}
	w, h := int(8.27*ScanDPI), int(11.69*ScanDPI)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 0x6b79736f))
	for i := 0; i < len(img.Pix); i += 4 {
		n := uint8(rng.IntN(7))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 244+n/2, 240+n, 228+n, 255
	}
	px := func(pt float64) int { return int(pt * ScanDPI / 72) }
	left, right := px(marginL), w-px(marginR)
	y := px(60)
	ink := image.NewUniform(color.RGBA{R: 38, G: 36, B: 42, A: 255})
	var drawErr error
	text := func(s string, size float64, b bool, align string, x0, x1 int) {
		fnt := reg
		if b {
			fnt = bold
		}
		fc, err := face(fnt, size)
		if err != nil {
			drawErr = err
			return
		}
		defer fc.Close()
		d := &font.Drawer{Dst: img, Src: ink, Face: fc}
		lineH := px(size * 1.3)
		for _, line := range wrapWords(s, x1-x0, func(t string) int { return d.MeasureString(t).Ceil() }) {
			tw := d.MeasureString(line).Ceil()
			x := x0
			switch align {
			case "C":
				x = x0 + (x1-x0-tw)/2
			case "R":
				x = x1 - tw
			}
			y += lineH
			d.Dot = fixed.P(x, y)
			d.DrawString(line)
		}
	}
	text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, true, "C", left, right)
	text("Độc lập - Tự do - Hạnh phúc", 13, true, "C", left, right)
	hline(img, (left+right)/2-px(75), (left+right)/2+px(75), y+px(5), 2)
	y += px(24)
	text(strings.ToUpper(p.Title), 14, true, "C", left, right)
	if p.Subtitle != "" {
		text(p.Subtitle, 12, true, "C", left, right)
	}
	y += px(10)
	if p.Addressee != "" {
		text(p.Addressee, 12.5, false, "C", left, right)
		y += px(6)
	}
	for _, f := range p.Fields {
		s := f.Value
		if f.Label != "" {
			s = f.Label + ": " + f.Value
		}
		text(s, 12.5, false, "L", left, right)
	}
	y += px(4)
	for _, para := range p.Body {
		text(para, 12.5, false, "L", left, right)
		y += px(2)
	}
	y += px(14)
	mid := w / 2
	if !p.Date.IsZero() {
		text(placeDate(p.Place, p.Date), 12, false, "C", mid, right)
	}
	text(strings.ToUpper(p.SignerRole), 12.5, true, "C", mid, right)
	if p.SignerNote != "" {
		text(p.SignerNote, 11.5, false, "C", mid, right)
	}
	signature(img, (mid+right)/2, y+px(40), px(60), rng)
	y += px(84)
	text(p.SignerName, 12.5, true, "C", mid, right)
	if drawErr != nil {
		return nil, drawErr
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("seed: encoding the scan of %q: %w", p.Title, err)
	}
	return b.Bytes(), nil
}

func hline(img *image.RGBA, x0, x1, y, thick int) {
	draw.Draw(img, image.Rect(x0, y, x1, y+thick), image.NewUniform(color.RGBA{R: 38, G: 36, B: 42, A: 255}), image.Point{}, draw.Src)
}

// signature draws a handwritten-looking stroke centred at (cx, cy).
func signature(img *image.RGBA, cx, cy, size int, rng *rand.Rand) {
	a := 0.6 + rng.Float64()*0.4
	for i := 0; i <= 900; i++ {
		t := float64(i) / 900
		x := float64(cx) + float64(size)*(1.6*t-0.8) + float64(size)*0.18*math.Sin(t*math.Pi*7*a)
		y := float64(cy) - float64(size)*0.35*math.Sin(t*math.Pi*3)*math.Cos(t*math.Pi*a) + float64(size)*0.1*math.Sin(t*math.Pi*11)
		for dx := -2; dx <= 2; dx++ {
			for dy := -2; dy <= 2; dy++ {
				if dx*dx+dy*dy <= 4 {
					img.SetRGBA(int(x)+dx, int(y)+dy, color.RGBA{R: 20, G: 40, B: 150, A: 255})
				}
			}
		}
	}
}

// wrapWords breaks s into lines no wider than width.
func wrapWords(s string, width int, measure func(string) int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && measure(try) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
