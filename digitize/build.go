package digitize

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kyso-vn/kyso/internal/fonts"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

const producer = "kyso digitize"

// layout is where things go on an output page, in points.
type layout struct {
	w, h   float64 // the whole page
	band   float64 // the footer band below the scan
	scanW  float64
	scanH  float64
	sigBox signer.Rect // the signature's place (page 1)
}

func pageLayout(pg *page, band float64) layout {
	l := layout{scanW: pg.widthPt, scanH: pg.heightPt, band: band}
	l.w, l.h = pg.widthPt, pg.heightPt+band
	sw := min(230, l.w*0.45)
	if band >= 30 {
		l.sigBox = signer.Rect{X: l.w - sw - 4, Y: 3, W: sw, H: band - 6}
	}
	return l
}

// footerLines is the statement printed on every page (issue item 5).
func footerLines(r *Record, i, n int) []string {
	by := r.DigitizedBy.Name
	if r.DigitizedBy.Account != "" {
		by += " (" + r.DigitizedBy.Account + ")"
	}
	lines := []string{
		fmt.Sprintf("Bản điện tử được số hóa từ bản giấy — trang %d/%d", i, n),
		"Người số hóa: " + by,
		"Thời điểm số hóa: " + displayTime(r.DigitizedAt),
	}
	if r.ResultCode != "" {
		lines = append(lines, "Mã kết quả số hóa: "+r.ResultCode)
	}
	return lines
}

// renderOverlay draws, with fpdf, one page per output page holding the
// footer statement and the invisible OCR text; its pages become Form
// XObjects drawn over the scans. fpdf embeds the subset of DejaVu Sans the
// text needs, with a ToUnicode map.
func renderOverlay(pages []*page, words [][]ocrWord, lays []layout, r *Record) ([]byte, error) {
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: lays[0].w, Ht: lays[0].h}})
	f.SetMargins(0, 0, 0)
	f.SetAutoPageBreak(false, 0)
	f.SetCreationDate(r.DigitizedAt)
	f.SetModificationDate(r.DigitizedAt)
	f.AddUTF8FontFromBytes("DejaVuSans", "", fonts.DejaVuSans)
	for i, pg := range pages {
		l := lays[i]
		f.AddPageFormat("P", fpdf.SizeType{Wd: l.w, Ht: l.h})
		if len(words[i]) > 0 {
			sx, sy := l.scanW/float64(pg.src.Width), l.scanH/float64(pg.src.Height)
			f.SetTextRenderingMode(3)
			for _, wd := range words[i] {
				size := float64(wd.height) * sy
				if size < 1 {
					continue
				}
				f.SetFont("DejaVuSans", "", size)
				tw := f.GetStringWidth(wd.text)
				x, base := float64(wd.left)*sx, float64(wd.top+wd.height)*sy
				if tw > 0 {
					f.TransformBegin()
					f.TransformScaleX(float64(wd.width)*sx/tw*100, x, base)
					f.Text(x, base, wd.text)
					f.TransformEnd()
				}
			}
			f.SetTextRenderingMode(0)
		}
		if l.band > 0 {
			lines := footerLines(r, i+1, len(pages))
			avail := l.w - 10
			if i == 0 && l.sigBox.W > 0 {
				avail = l.sigBox.X - 10
			}
			size := min(7.0, (l.band-4)/float64(len(lines))/1.2)
			for size > 4 {
				f.SetFont("DejaVuSans", "", size)
				fits := true
				for _, s := range lines {
					if f.GetStringWidth(s) > avail {
						fits = false
					}
				}
				if fits {
					break
				}
				size -= 0.25
			}
			f.SetFont("DejaVuSans", "", size)
			f.SetTextColor(0, 0, 0)
			y := l.scanH + (l.band-float64(len(lines))*size*1.2)/2 + size
			for _, s := range lines {
				f.Text(6, y, s)
				y += size * 1.2
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("digitize: drawing the footer: %w", err)
	}
	return buf.Bytes(), nil
}

// buildPDF writes the document: one page per scanned page with the scan
// at its actual size (from its resolution), the footer band below it, the
// invisible text layer, and the PDF/A-2b parts: XMP metadata, an sRGB
// output intent and embedded fonts.
func buildPDF(pages []*page, words [][]ocrWord, r *Record, p *Profile) ([]byte, layout, error) {
	lays := make([]layout, len(pages))
	for i, pg := range pages {
		lays[i] = pageLayout(pg, p.FooterHeight)
	}
	var overlay *pdf.Reader
	needOverlay := p.FooterHeight > 0
	for _, w := range words {
		needOverlay = needOverlay || len(w) > 0
	}
	if needOverlay {
		ob, err := renderOverlay(pages, words, lays, r)
		if err != nil {
			return nil, layout{}, err
		}
		if overlay, err = pdf.Open(bytes.NewReader(ob), int64(len(ob)), nil); err != nil {
			return nil, layout{}, fmt.Errorf("digitize: reading the footer: %w", err)
		}
	}
	w := &writer{}
	catalog, pagesRef := w.alloc(), w.alloc()
	var ovPages []pdf.Page
	var ovImp *importer
	if overlay != nil {
		var err error
		if ovPages, err = overlay.Pages(); err != nil {
			return nil, layout{}, err
		}
		ovImp = newImporter(overlay, w)
	}
	imps := map[*pdf.Reader]*importer{}
	var kids pdf.Array
	for i, pg := range pages {
		l := lays[i]
		res := pdf.Dict{}
		xo := pdf.Dict{}
		var content strings.Builder
		switch {
		case pg.img != nil:
			xo["Im0"] = w.addStream(pg.img, pg.imgData)
			fmt.Fprintf(&content, "q %s 0 0 %s 0 %s cm /Im0 Do Q\n", fnum(l.scanW), fnum(l.scanH), fnum(l.band))
		case pg.pdfr != nil:
			im := imps[pg.pdfr]
			if im == nil {
				im = newImporter(pg.pdfr, w)
				imps[pg.pdfr] = im
			}
			form, err := im.pageForm(pg.pdfPage)
			if err != nil {
				return nil, layout{}, &FileError{File: pg.src.File, Page: pg.src.Page, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
			}
			xo["Pg0"] = form
			mb := pg.pdfPage.MediaBox
			fmt.Fprintf(&content, "q 1 0 0 1 %s %s cm /Pg0 Do Q\n", fnum(-num(mb[0])), fnum(l.band-num(mb[1])))
		}
		if ovImp != nil {
			form, err := ovImp.pageForm(ovPages[i])
			if err != nil {
				return nil, layout{}, fmt.Errorf("digitize: footer: %w", err)
			}
			xo["Ov0"] = form
			content.WriteString("q /Ov0 Do Q\n")
		}
		res["XObject"] = xo
		cdata, err := flate([]byte(content.String()))
		if err != nil {
			return nil, layout{}, err
		}
		cref := w.addStream(pdf.Dict{"Filter": pdf.Name("FlateDecode")}, cdata)
		pd := pdf.Dict{"Type": pdf.Name("Page"), "Parent": pagesRef, "Resources": res, "Contents": cref,
			"MediaBox": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(l.w), pdf.Real(l.h)}}
		if pg.pdfr != nil && pg.pdfPage.Rotate != 0 {
			pd["Rotate"] = pdf.Integer(pg.pdfPage.Rotate)
		}
		kids = append(kids, w.add(pd))
	}
	w.set(pagesRef, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": kids, "Count": pdf.Integer(len(kids))})

	title := r.Metadata.Get(FieldComponentName)
	if title == "" {
		title = "Bản số hóa " + r.ResultCode
	}
	author := r.DigitizedBy.Name
	xmp := xmpPacket(title, author, producer, producer, r.DigitizedAt, recordProps(r, p))
	meta := w.addStream(pdf.Dict{"Type": pdf.Name("Metadata"), "Subtype": pdf.Name("XML")}, xmp)
	icc := w.addStream(pdf.Dict{"N": pdf.Integer(3)}, sRGBProfile())
	intent := pdf.Dict{"Type": pdf.Name("OutputIntent"), "S": pdf.Name("GTS_PDFA1"),
		"OutputConditionIdentifier": pdf.TextString("sRGB IEC61966-2.1"), "Info": pdf.TextString("sRGB IEC61966-2.1"),
		"RegistryName": pdf.LitString("http://www.color.org"), "DestOutputProfile": icc}
	w.set(catalog, pdf.Dict{"Type": pdf.Name("Catalog"), "Pages": pagesRef, "Metadata": meta,
		"OutputIntents": pdf.Array{intent}, "Lang": pdf.LitString("vi-VN")})
	info := w.add(pdf.Dict{"Title": pdf.TextString(title), "Author": pdf.TextString(author),
		"Producer": pdf.TextString(producer), "Creator": pdf.TextString(producer),
		"CreationDate": pdf.LitString(pdfDate(r.DigitizedAt)), "ModDate": pdf.LitString(pdfDate(r.DigitizedAt))})
	id := docID(r)
	var out bytes.Buffer
	if _, err := w.writeTo(&out, pdf.Dict{"Root": catalog, "Info": info, "ID": pdf.Array{pdf.HexString(id), pdf.HexString(id)}}); err != nil {
		return nil, layout{}, err
	}
	return out.Bytes(), lays[0], nil
}

func fnum(v float64) string {
	return string(pdf.Format(pdf.Real(float64(int64(v*1000+0.5*sign(v))) / 1000)))
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// docID derives the file identifier from the record (capture time,
// sources, result code), so the same capture gives the same ID.
func docID(r *Record) []byte {
	h := newHash()
	fmt.Fprintf(h, "%s|%s|%d", r.ResultCode, r.DigitizedAt.Format(time.RFC3339Nano), len(r.Sources))
	for _, s := range r.Sources {
		fmt.Fprintf(h, "|%s:%d", s.File, s.Page)
	}
	return h.Sum(nil)[:16]
}
