// Package testpdf writes small, valid PDF documents for tests: a version
// header, pages with a line of text, optional AcroForm text fields and an
// optional large image stream, with a classic cross-reference table. Other
// shapes (cross-reference streams, object streams) come from converting
// these with qpdf.
package testpdf

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
)

// Options shape a document.
type Options struct {
	Version    string   // header version, "1.7" when empty
	Pages      int      // at least 1
	TextFields []string // names of AcroForm text fields on page 1
	ImageBytes int64    // size of a random RGB image stream drawn on page 1
	Rotate     int      // /Rotate of every page
}

// Write writes the document to w.
func Write(w io.Writer, o Options) error {
	if o.Version == "" {
		o.Version = "1.7"
	}
	if o.Pages < 1 {
		o.Pages = 1
	}
	cw := &counter{w: w}
	var offs []int64
	obj := func(body string) {
		offs = append(offs, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	fmt.Fprintf(cw, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", o.Version)
	// 1 catalog, 2 pages, 3 font, then per page: page + content, then fields, then image.
	nFields := len(o.TextFields)
	firstPage := 4
	fieldStart := firstPage + 2*o.Pages
	imageNum := fieldStart + nFields
	catalog := "<< /Type /Catalog /Pages 2 0 R"
	if nFields > 0 {
		catalog += " /AcroForm << /Fields ["
		for i := range nFields {
			catalog += fmt.Sprintf(" %d 0 R", fieldStart+i)
		}
		catalog += " ] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 3 0 R >> >> >>"
	}
	obj(catalog + " >>")
	kids := ""
	for i := range o.Pages {
		kids += fmt.Sprintf(" %d 0 R", firstPage+2*i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s ] /Count %d >>", kids, o.Pages))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	for i := range o.Pages {
		res := "<< /Font << /F1 3 0 R >>"
		content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (QUYET DINH so %d/QD-UBND, trang %d) Tj ET\n", 123, i+1)
		if i == 0 && o.ImageBytes > 0 {
			res += fmt.Sprintf(" /XObject << /Im1 %d 0 R >>", imageNum)
			content += "q 200 0 0 200 72 400 cm /Im1 Do Q\n"
		}
		res += " >>"
		annots := ""
		if i == 0 && nFields > 0 {
			annots = " /Annots ["
			for j := range nFields {
				annots += fmt.Sprintf(" %d 0 R", fieldStart+j)
			}
			annots += " ]"
		}
		rot := ""
		if o.Rotate != 0 {
			rot = fmt.Sprintf(" /Rotate %d", o.Rotate)
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R%s%s >>",
			res, firstPage+2*i+1, annots, rot))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content)+1, content))
	}
	for j, name := range o.TextFields {
		obj(fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (%s) /V (gia tri %d) /Rect [72 %d 300 %d] /P %d 0 R /F 4 /DA (/Helv 12 Tf 0 g) >>",
			name, j, 600-30*j, 620-30*j, firstPage))
	}
	if o.ImageBytes > 0 {
		const w = 1024
		h := o.ImageBytes / (w * 3)
		n := w * 3 * h
		offs = append(offs, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n", len(offs), w, h, n)
		if _, err := io.CopyN(cw, rand.Reader, n); err != nil {
			return err
		}
		fmt.Fprint(cw, "\nendstream\nendobj\n")
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, off := range offs {
		fmt.Fprintf(cw, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R /ID [<%032x> <%032x>] >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, 1, 1, xref)
	return cw.err
}

// Bytes returns the document.
func Bytes(o Options) []byte {
	var b bytes.Buffer
	if err := Write(&b, o); err != nil {
		panic(err) // writing to memory cannot fail
	}
	return b.Bytes()
}

// File writes the document to path.
func File(path string, o Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type counter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *counter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
