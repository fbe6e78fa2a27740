package seed

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// SealImage draws a unit's red seal as a PNG for the visible organisation
// signature (NĐ 30/2020 Phụ lục I: the seal image in red): two rings, the
// unit's name around them, a star and the word "MẪU" (specimen) in the
// middle — the demo's seals are visibly not real ones.
func SealImage(unit string) ([]byte, error) {
	const size = 320
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	red := color.NRGBA{R: 214, G: 24, B: 32, A: 255}
	c := float64(size) / 2
	ring := func(r, width float64) {
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
				if a := coverage(math.Abs(d-r), width/2); a > 0 {
					blend(img, x, y, red, a)
				}
			}
		}
	}
	ring(154, 7)
	ring(104, 3)
	// The star: a regular five-pointed star of radius 34.
	star := make([][2]float64, 10)
	for i := range star {
		r := 34.0
		if i%2 == 1 {
			r = 13.5
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		star[i] = [2]float64{c + r*math.Cos(a), c - 16 + r*math.Sin(a)}
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if inPolygon(float64(x)+0.5, float64(y)+0.5, star) {
				blend(img, x, y, red, 1)
			}
		}
	}
	f, err := opentype.Parse(fonts.DejaVuSansBold)
	if err != nil {
		return nil, err
	}
	arc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 19, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer arc.Close()
	// The name runs clockwise around the ring from the lower left.
	name := []rune(strings.ToUpper(unit) + " ★")
	span := 1.75 * math.Pi
	radius := 116.0
	var widths []float64
	total := 0.0
	for _, r := range name {
		adv, _ := arc.GlyphAdvance(r)
		w := float64(adv) / 64
		widths = append(widths, w)
		total += w
	}
	scale := span * radius / total
	angle := math.Pi/2 + (2*math.Pi-span)/2 // start at the bottom, a little to the left
	for i, r := range name {
		w := widths[i] * scale
		mid := angle + w/2/radius
		drawGlyph(img, arc, r, c+radius*math.Cos(mid), c+radius*math.Sin(mid), mid+math.Pi/2, min(scale, 1.15), red)
		angle += w / radius
	}
	mid, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 30, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer mid.Close()
	d := &font.Drawer{Face: mid}
	tw := float64(d.MeasureString("MẪU")) / 64
	x := c - tw/2
	for _, r := range "MẪU" {
		adv, _ := mid.GlyphAdvance(r)
		drawGlyph(img, mid, r, x+float64(adv)/128, c+48, 0, 1, red)
		x += float64(adv) / 64
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// drawGlyph draws rune r centred at (x, y) on its baseline's middle,
// rotated by angle (radians) and scaled horizontally by sx.
func drawGlyph(img *image.NRGBA, face font.Face, r rune, x, y, angle, sx float64, col color.NRGBA) {
	dr, mask, mp, adv, ok := face.Glyph(fixed.P(0, 0), r)
	if !ok {
		return
	}
	cx := float64(adv) / 128 // the glyph's horizontal middle on the baseline
	cos, sin := math.Cos(angle), math.Sin(angle)
	for gy := dr.Min.Y; gy < dr.Max.Y; gy++ {
		for gx := dr.Min.X; gx < dr.Max.X; gx++ {
			_, _, _, a := mask.At(mp.X+gx-dr.Min.X, mp.Y+gy-dr.Min.Y).RGBA()
			if a == 0 {
				continue
			}
			for _, sub := range [][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				lx, ly := (float64(gx)+sub[0]-cx)*sx, float64(gy)+sub[1]
				px, py := x+lx*cos-ly*sin, y+lx*sin+ly*cos
				blend(img, int(px), int(py), col, float64(a)/0xffff/2.2)
			}
		}
	}
}

func coverage(dist, half float64) float64 {
	switch {
	case dist <= half-0.5:
		return 1
	case dist >= half+0.5:
		return 0
	}
	return half + 0.5 - dist
}

func blend(img *image.NRGBA, x, y int, c color.NRGBA, a float64) {
	if !(image.Point{x, y}.In(img.Rect)) {
		return
	}
	o := img.NRGBAAt(x, y)
	na := math.Min(1, float64(o.A)/255+a)
	img.SetNRGBA(x, y, color.NRGBA{R: c.R, G: c.G, B: c.B, A: uint8(na * 255)})
}

func inPolygon(x, y float64, pts [][2]float64) bool {
	in := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		xi, yi, xj, yj := pts[i][0], pts[i][1], pts[j][0], pts[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}
