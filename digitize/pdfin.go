package digitize

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/ccitt"

	"github.com/kyso-vn/kyso/pdf"
)

// loadPDF reads a scanner's PDF: each page becomes a page of the output,
// drawn as a Form XObject so its content is kept as it is (no
// re-rendering). The resolution is that of the page's largest image.
func loadPDF(data []byte, p *Profile, an analysis) ([]*page, error) {
	r, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		switch {
		case errors.Is(err, pdf.ErrEncrypted):
			return nil, fmt.Errorf("%w: remove the password before digitizing", ErrEncrypted)
		case errors.Is(err, pdf.ErrNotPDF), errors.Is(err, pdf.ErrXRef), errors.Is(err, pdf.ErrMalformed):
			return nil, fmt.Errorf("%w: PDF: %v", ErrCorrupt, err)
		}
		return nil, fmt.Errorf("PDF: %w", err)
	}
	pps, err := r.Pages()
	if err != nil {
		return nil, fmt.Errorf("%w: PDF pages: %v", ErrCorrupt, err)
	}
	if len(pps) == 0 {
		return nil, fmt.Errorf("%w: PDF without pages", ErrCorrupt)
	}
	var pages []*page
	for i, pp := range pps {
		pg, err := pdfPage(r, pp, p)
		if err != nil {
			return nil, &FileError{Page: i + 1, Err: err}
		}
		if (an.blank || an.separator) && pg.decode != nil {
			img, err := pg.decode()
			if err != nil {
				return nil, &FileError{Page: i + 1, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
			}
			pg.analyze(img, an, p)
		}
		pages = append(pages, pg)
	}
	return pages, nil
}

func num(o pdf.Object) float64 {
	switch v := o.(type) {
	case pdf.Integer:
		return float64(v)
	case pdf.Real:
		return float64(v)
	}
	return 0
}

func pdfPage(r *pdf.Reader, pp pdf.Page, p *Profile) (*page, error) {
	if len(pp.MediaBox) != 4 {
		return nil, fmt.Errorf("%w: page without a media box", ErrCorrupt)
	}
	wPt, hPt := num(pp.MediaBox[2])-num(pp.MediaBox[0]), num(pp.MediaBox[3])-num(pp.MediaBox[1])
	if wPt <= 0 || hPt <= 0 {
		return nil, fmt.Errorf("%w: empty media box", ErrCorrupt)
	}
	pg := &page{pdfr: r, pdfPage: pp, widthPt: wPt, heightPt: hPt}
	pg.src.Format = "PDF"
	pg.src.Encoding = "PDF page kept as a form (no re-rendering)"
	// The largest image on the page gives the resolution and the pixels.
	xo, _ := r.Resolve(pp.Resources["XObject"])
	xobjs, _ := xo.(pdf.Dict)
	var best *pdf.Stream
	images := 0
	for _, v := range xobjs {
		o, err := r.Resolve(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		s, ok := o.(*pdf.Stream)
		if !ok || s.Dict["Subtype"] != pdf.Name("Image") {
			continue
		}
		images++
		w, h := int(num(s.Dict["Width"])), int(num(s.Dict["Height"]))
		if err := checkPixels(w, h, p); err != nil {
			return nil, err
		}
		if best == nil || w*h > int(num(best.Dict["Width"])*num(best.Dict["Height"])) {
			best = s
		}
	}
	if best == nil {
		pg.src.DPISource = "no image"
		pg.warn = "trang PDF không có ảnh quét (no scanned image on the page)"
		return pg, nil
	}
	w, h := int(num(best.Dict["Width"])), int(num(best.Dict["Height"]))
	pg.src.Width, pg.src.Height = w, h
	if pp.Rotate == 90 || pp.Rotate == 270 {
		w, h = h, w
	}
	pg.src.DPI = min(float64(w)/(wPt/72), float64(h)/(hPt/72))
	pg.src.DPISource = "file"
	cs, _ := r.Resolve(best.Dict["ColorSpace"])
	bpc := int(num(best.Dict["BitsPerComponent"]))
	switch {
	case bpc == 1 || best.Dict["ImageMask"] == pdf.Bool(true):
		pg.colour = "bilevel"
	case cs == pdf.Name("DeviceGray") || cs == pdf.Name("CalGray"):
		pg.colour = "grey"
	default:
		pg.colour = "colour"
	}
	if images == 1 {
		pg.decode = func() (image.Image, error) { return decodePDFImage(r, best) }
	}
	return pg, nil
}

// decodePDFImage decodes the common image encodings of scanner PDFs: DCT,
// CCITT Group 4 and Flate with 8-bit grey or RGB, or 1-bit grey.
func decodePDFImage(r *pdf.Reader, s *pdf.Stream) (image.Image, error) {
	w, h := int(num(s.Dict["Width"])), int(num(s.Dict["Height"]))
	filter, _ := r.Resolve(s.Dict["Filter"])
	if a, ok := filter.(pdf.Array); ok && len(a) == 1 {
		filter = a[0]
	}
	switch filter {
	case pdf.Name("DCTDecode"):
		return jpeg.Decode(r.RawStream(s))
	case pdf.Name("CCITTFaxDecode"):
		parms, _ := r.Resolve(s.Dict["DecodeParms"])
		pd, _ := parms.(pdf.Dict)
		if num(pd["K"]) >= 0 {
			return nil, fmt.Errorf("%w: CCITT Group 3 in PDF", ErrUnsupported)
		}
		g := image.NewGray(image.Rect(0, 0, w, h))
		raw, err := io.ReadAll(r.RawStream(s))
		if err != nil {
			return nil, err
		}
		return g, ccitt.DecodeIntoGray(g, bytes.NewReader(raw), ccitt.MSB, ccitt.Group4, &ccitt.Options{Invert: pd["BlackIs1"] == pdf.Bool(true)})
	}
	data, err := r.StreamData(s, int64(w)*int64(h)*3+1)
	if err != nil {
		return nil, err
	}
	cs, _ := r.Resolve(s.Dict["ColorSpace"])
	bpc := int(num(s.Dict["BitsPerComponent"]))
	switch {
	case bpc == 8 && cs == pdf.Name("DeviceGray") && len(data) >= w*h:
		return &image.Gray{Pix: data, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	case bpc == 8 && cs == pdf.Name("DeviceRGB") && len(data) >= w*h*3:
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range w * h {
			copy(img.Pix[i*4:], data[i*3:i*3+3])
			img.Pix[i*4+3] = 255
		}
		return img, nil
	case bpc == 1 && len(data) >= (w+7)/8*h:
		g := image.NewGray(image.Rect(0, 0, w, h))
		rb := (w + 7) / 8
		for y := range h {
			for x := range w {
				if data[y*rb+x>>3]&(0x80>>(x&7)) != 0 {
					g.Pix[y*w+x] = 255
				}
			}
		}
		return g, nil
	}
	return nil, fmt.Errorf("%w: image encoding %v %v %d bit", ErrUnsupported, filter, cs, bpc)
}
