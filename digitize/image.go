package digitize

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/kyso-vn/kyso/pdf"
)

// imagePage makes a page from decoded pixels, embedded losslessly with
// Flate: bilevel images at 1 bit per pixel, grey and colour at 8 or 16
// bits per component. Transparency is flattened onto white (with a
// warning): PDF/A allows soft masks, but a scan has nothing behind it.
func imagePage(img image.Image, format string, p *Profile) (*page, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := checkPixels(w, h, p); err != nil {
		return nil, err
	}
	pg := &page{decode: func() (image.Image, error) { return img, nil }}
	pg.src.Format, pg.src.Width, pg.src.Height = format, w, h
	var (
		raw  []byte
		cs   pdf.Name
		bpc  = 8
		enc  string
		warn string
	)
	switch m := img.(type) {
	case *image.Gray:
		if isBilevel(m) {
			raw, cs, bpc, pg.colour = packBits(m), "DeviceGray", 1, "bilevel"
		} else {
			raw, cs, pg.colour = rows(m.Pix, m.Stride, w, h, 1), "DeviceGray", "grey"
		}
	case *image.Gray16:
		raw, cs, bpc, pg.colour = rows(m.Pix, m.Stride, w*2, h, 1), "DeviceGray", 16, "grey"
	case *image.Paletted:
		if bw := blackWhitePalette(m.Palette); bw {
			g := image.NewGray(b)
			draw.Draw(g, b, m, b.Min, draw.Src)
			raw, cs, bpc, pg.colour = packBits(g), "DeviceGray", 1, "bilevel"
		} else {
			raw, cs, pg.colour = rgb8(m), "DeviceRGB", "colour"
		}
	case *image.CMYK:
		return nil, fmt.Errorf("%w: %s in CMYK (not allowed in PDF/A with an sRGB output intent)", ErrUnsupported, format)
	case *image.RGBA64, *image.NRGBA64:
		var opaque bool
		raw, opaque = rgb16(img)
		cs, bpc, pg.colour = "DeviceRGB", 16, "colour"
		if !opaque {
			warn = "ảnh có kênh trong suốt; đã đặt lên nền trắng (transparency flattened onto white)"
		}
	default:
		if o, ok := img.(interface{ Opaque() bool }); ok && !o.Opaque() {
			warn = "ảnh có kênh trong suốt; đã đặt lên nền trắng (transparency flattened onto white)"
		}
		raw, cs, pg.colour = rgb8(img), "DeviceRGB", "colour"
	}
	data, err := flate(raw)
	if err != nil {
		return nil, err
	}
	enc = fmt.Sprintf("Flate, lossless, %d bit", bpc)
	pg.img = pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Integer(w),
		"Height": pdf.Integer(h), "ColorSpace": cs, "BitsPerComponent": pdf.Integer(bpc), "Filter": pdf.Name("FlateDecode")}
	pg.imgData = data
	pg.src.Encoding = enc
	pg.warn = warn
	return pg, nil
}

func flate(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw) / 4)
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func rows(pix []byte, stride, rowBytes, h, _ int) []byte {
	if stride == rowBytes {
		return pix[:rowBytes*h]
	}
	out := make([]byte, 0, rowBytes*h)
	for y := range h {
		out = append(out, pix[y*stride:y*stride+rowBytes]...)
	}
	return out
}

func isBilevel(g *image.Gray) bool {
	for y := range g.Rect.Dy() {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+g.Rect.Dx()] {
			if v != 0 && v != 255 {
				return false
			}
		}
	}
	return true
}

func blackWhitePalette(p color.Palette) bool {
	if len(p) == 0 || len(p) > 2 {
		return false
	}
	for _, c := range p {
		r, g, b, a := c.RGBA()
		if a != 0xffff || !(r == 0 && g == 0 && b == 0 || r == 0xffff && g == 0xffff && b == 0xffff) {
			return false
		}
	}
	return true
}

// packBits packs a bilevel grey image at 1 bit per pixel, 1 for white
// (DeviceGray), rows padded to whole bytes.
func packBits(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	rb := (w + 7) / 8
	out := make([]byte, rb*h)
	for y := range h {
		src := g.Pix[y*g.Stride : y*g.Stride+w]
		dst := out[y*rb : (y+1)*rb]
		for x, v := range src {
			if v >= 128 {
				dst[x>>3] |= 0x80 >> (x & 7)
			}
		}
	}
	return out
}

// rgb8 returns 8-bit RGB rows, alpha composited onto white.
func rgb8(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, 0, w*h*3)
	switch m := img.(type) {
	case *image.RGBA:
		for y := range h {
			row := m.Pix[y*m.Stride : y*m.Stride+w*4]
			for x := 0; x < len(row); x += 4 {
				a := uint32(row[x+3])
				out = append(out, over(row[x], a), over(row[x+1], a), over(row[x+2], a))
			}
		}
		return out
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[y*m.Stride : y*m.Stride+w*4]
			for x := 0; x < len(row); x += 4 {
				a := uint32(row[x+3])
				out = append(out, nover(row[x], a), nover(row[x+1], a), nover(row[x+2], a))
			}
		}
		return out
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			white := 0xffff - a
			out = append(out, byte((r+white)>>8), byte((g+white)>>8), byte((bl+white)>>8))
		}
	}
	return out
}

// over composites a premultiplied component onto white.
func over(c byte, a uint32) byte { return byte(uint32(c) + 255 - a) }

// nover composites a non-premultiplied component onto white.
func nover(c byte, a uint32) byte { return byte((uint32(c)*a + 255*(255-a) + 127) / 255) }

// rgb16 returns 16-bit RGB rows (big-endian) and whether the image was opaque.
func rgb16(img image.Image) ([]byte, bool) {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*6)
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0xffff {
				opaque = false
			}
			white := 0xffff - a
			for _, c := range [3]uint32{r + white, g + white, bl + white} {
				out = append(out, byte(c>>8), byte(c))
			}
		}
	}
	return out, opaque
}
