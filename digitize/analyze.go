package digitize

import (
	"image"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// luma returns a sampled greyscale copy of img, every step-th pixel.
func luma(img image.Image, step int) *image.Gray {
	b := img.Bounds()
	w, h := (b.Dx()+step-1)/step, (b.Dy()+step-1)/step
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		sy := b.Min.Y + y*step
		for x := range w {
			sx := b.Min.X + x*step
			var v uint8
			switch m := img.(type) {
			case *image.YCbCr:
				v = m.Y[m.YOffset(sx, sy)]
			case *image.Gray:
				v = m.Pix[m.PixOffset(sx, sy)]
			case *image.RGBA:
				i := m.PixOffset(sx, sy)
				v = uint8((299*uint32(m.Pix[i]) + 587*uint32(m.Pix[i+1]) + 114*uint32(m.Pix[i+2])) / 1000)
			default:
				r, gg, bb, _ := img.At(sx, sy).RGBA()
				v = uint8((299*r + 587*gg + 114*bb) / 1000 >> 8)
			}
			g.Pix[y*w+x] = v
		}
	}
	return g
}

// isBlank reports whether a page holds no ink: fewer than ink of the
// pixels inside a 5 % margin are darker than threshold.
func isBlank(g *image.Gray, threshold uint8, ink float64) bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	mx, my := w/20, h/20
	dark, total := 0, 0
	for y := my; y < h-my; y++ {
		for _, v := range g.Pix[y*w+mx : y*w+w-mx] {
			total++
			if v < threshold {
				dark++
			}
		}
	}
	return total > 0 && float64(dark) < ink*float64(total)
}

// separatorPrefix starts the text of the QR code on a separator sheet.
const separatorPrefix = "KYSO-SEP:"

// readSeparator looks for a separator sheet's QR code on a page and
// returns the component code and name it carries.
func readSeparator(g *image.Gray) (code, name string, ok bool) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(g)))
	if err != nil {
		return "", "", false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", "", false
	}
	t, found := strings.CutPrefix(res.GetText(), separatorPrefix)
	if !found {
		return "", "", false
	}
	code, name, _ = strings.Cut(t, "|")
	return code, name, true
}
