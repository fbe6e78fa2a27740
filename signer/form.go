package signer

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"strconv"
	"time"

	"github.com/kyso-vn/kyso/pdf"
)

// fieldSpec is what addSignatureField adds: a signature field whose value
// is a signature dictionary with ByteRange and Contents placeholders.
type fieldSpec struct {
	name          string
	sigDict       pdf.Dict // entries besides ByteRange and Contents
	contentsBytes int      // capacity of /Contents in bytes (hex is twice that)
	page          int      // 0-based page of the widget
	rect          [4]float64
	appearance    []byte // rendered one-page PDF, nil when invisible
	lock          *FieldLock
	certify       int
	dss           pdf.Ref // when not zero, set as the catalog's /DSS (document time-stamps)
}

// placed is an update written to memory with its placeholders located.
type placed struct {
	appended    []byte
	base        int64 // size of the original: appended[i] is at base+i
	byteRange   int   // index in appended of the '[' of /ByteRange
	contents    int   // index in appended of the '<' of /Contents
	contentsEnd int   // index just past the '>'
}

const byteRangePlaceholder = "[0 0000000000 0000000000 0000000000]"

// total is the size of the signed file.
func (p *placed) total() int64 { return p.base + int64(len(p.appended)) }

// ranges returns the /ByteRange: everything but the /Contents string.
func (p *placed) ranges() [4]int64 {
	a := p.base + int64(p.contents)
	b := p.base + int64(p.contentsEnd)
	return [4]int64{0, a, b, p.total() - b}
}

// fillByteRange writes the byte range into its placeholder, padded with
// spaces so no byte moves.
func (p *placed) fillByteRange() error {
	r := p.ranges()
	s := fmt.Sprintf("[%d %d %d %d", r[0], r[1], r[2], r[3])
	if len(s)+1 > len(byteRangePlaceholder) {
		return fmt.Errorf("%w: file too large for the byte range placeholder", ErrBadOptions)
	}
	for len(s)+1 < len(byteRangePlaceholder) {
		s += " "
	}
	copy(p.appended[p.byteRange:], s+"]")
	return nil
}

// fieldInfo is what the document already has.
type fieldInfo struct {
	names      map[string]bool
	signed     int // signature fields with a value
	docMDP     int // P of an existing certification signature, 0 if none
	acroForm   pdf.Dict
	acroRef    pdf.Ref // zero when /AcroForm is inline or absent
	fields     pdf.Array
	fieldsRef  pdf.Ref // zero when /Fields is inline
	emptyField map[string]pdf.Ref
}

func inspectFields(r *pdf.Reader) (*fieldInfo, error) {
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	fi := &fieldInfo{names: map[string]bool{}, emptyField: map[string]pdf.Ref{}}
	if ref, ok := cat["AcroForm"].(pdf.Ref); ok {
		fi.acroRef = ref
	}
	if af, err := r.Resolve(cat["AcroForm"]); err == nil {
		fi.acroForm, _ = af.(pdf.Dict)
	}
	if fi.acroForm != nil {
		if ref, ok := fi.acroForm["Fields"].(pdf.Ref); ok {
			fi.fieldsRef = ref
		}
		if fs, err := r.Resolve(fi.acroForm["Fields"]); err == nil {
			fi.fields, _ = fs.(pdf.Array)
		}
	}
	for _, f := range fi.fields {
		ref, _ := f.(pdf.Ref)
		obj, err := r.Resolve(f)
		if err != nil {
			continue
		}
		d, ok := obj.(pdf.Dict)
		if !ok {
			continue
		}
		name := ""
		if t, ok := d["T"].(pdf.String); ok {
			name = t.Text()
			fi.names[name] = true
		}
		if ft, _ := d["FT"].(pdf.Name); ft == "Sig" {
			if d["V"] != nil {
				fi.signed++
			} else if ref != (pdf.Ref{}) && name != "" {
				fi.emptyField[name] = ref
			}
		}
	}
	// DocMDP of an existing certification signature.
	if perms, err := r.Resolve(cat["Perms"]); err == nil {
		if pd, ok := perms.(pdf.Dict); ok && pd["DocMDP"] != nil {
			fi.docMDP = 2
			if sig, err := r.Resolve(pd["DocMDP"]); err == nil {
				if sd, ok := sig.(pdf.Dict); ok {
					if p := docMDPPermission(r, sd); p != 0 {
						fi.docMDP = p
					}
				}
			}
		}
	}
	return fi, nil
}

// docMDPPermission reads /P of the DocMDP transform of a signature dictionary.
func docMDPPermission(r *pdf.Reader, sig pdf.Dict) int {
	refs, _ := r.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, x := range arr {
		o, _ := r.Resolve(x)
		sr, ok := o.(pdf.Dict)
		if !ok {
			continue
		}
		if tm, _ := sr["TransformMethod"].(pdf.Name); tm != "DocMDP" {
			continue
		}
		tp, _ := r.Resolve(sr["TransformParams"])
		if d, ok := tp.(pdf.Dict); ok {
			if p, ok := d["P"].(pdf.Integer); ok && p >= 1 && p <= 3 {
				return int(p)
			}
		}
		return 2
	}
	return 0
}

func (fi *fieldInfo) freeName(prefix string) string {
	for i := len(fi.names) + 1; ; i++ {
		n := prefix + strconv.Itoa(i)
		if !fi.names[n] {
			return n
		}
	}
}

// addSignatureField builds the incremental update that adds the field and
// writes it to memory with the placeholders located.
func addSignatureField(r *pdf.Reader, fi *fieldInfo, spec fieldSpec) (*placed, error) {
	u := pdf.NewUpdate(r)
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	rootRef, _ := r.Trailer()["Root"].(pdf.Ref)
	pages, err := r.Pages()
	if err != nil {
		return nil, err
	}
	if spec.page < 0 || spec.page >= len(pages) {
		return nil, fmt.Errorf("%w: page %d of a document with %d pages", ErrPageOutOfRange, spec.page+1, len(pages))
	}
	page := pages[spec.page]

	sigRef := u.Alloc()
	sig := maps.Clone(spec.sigDict)
	var refs pdf.Array
	if spec.certify > 0 {
		refs = append(refs, pdf.Dict{"Type": pdf.Name("SigRef"), "TransformMethod": pdf.Name("DocMDP"),
			"TransformParams": pdf.Dict{"Type": pdf.Name("TransformParams"), "P": pdf.Integer(spec.certify), "V": pdf.Name("1.2")}})
	}
	var lockDict pdf.Dict
	if spec.lock != nil {
		params := pdf.Dict{"Type": pdf.Name("TransformParams"), "Action": pdf.Name(spec.lock.Action), "V": pdf.Name("1.2")}
		lockDict = pdf.Dict{"Type": pdf.Name("SigFieldLock"), "Action": pdf.Name(spec.lock.Action)}
		if spec.lock.Action != "All" {
			var fs pdf.Array
			for _, f := range spec.lock.Fields {
				fs = append(fs, pdf.TextString(f))
			}
			params["Fields"] = fs
			lockDict["Fields"] = fs
		}
		refs = append(refs, pdf.Dict{"Type": pdf.Name("SigRef"), "TransformMethod": pdf.Name("FieldMDP"),
			"Data": rootRef, "TransformParams": params})
	}
	if len(refs) > 0 {
		sig["Reference"] = refs
	}
	body := pdf.Format(sig)
	if !bytes.HasPrefix(body, []byte("<<")) {
		return nil, fmt.Errorf("signature dictionary formatted as %q", body[:min(len(body), 8)])
	}
	raw := []byte("<</ByteRange " + byteRangePlaceholder + " /Contents <")
	raw = append(raw, bytes.Repeat([]byte("0"), 2*spec.contentsBytes)...)
	raw = append(raw, '>', ' ')
	raw = append(raw, body[2:]...)
	u.Set(sigRef, pdf.Raw(raw))

	// The widget annotation, merged with its field.
	widgetRef, reuse := fi.emptyField[spec.name]
	widget := pdf.Dict{}
	if reuse {
		o, err := r.Get(widgetRef)
		if err != nil {
			return nil, err
		}
		d, _ := o.(pdf.Dict)
		widget = maps.Clone(d)
	} else {
		widgetRef = u.Alloc()
		widget["FT"] = pdf.Name("Sig")
		widget["T"] = pdf.TextString(spec.name)
		widget["Type"] = pdf.Name("Annot")
		widget["Subtype"] = pdf.Name("Widget")
		widget["F"] = pdf.Integer(132) // Print | Locked
		widget["P"] = page.Ref
		widget["Rect"] = pdf.Array{pdf.Real(spec.rect[0]), pdf.Real(spec.rect[1]), pdf.Real(spec.rect[2]), pdf.Real(spec.rect[3])}
	}
	widget["V"] = sigRef
	if lockDict != nil {
		widget["Lock"] = lockDict
	}
	if spec.appearance != nil {
		w, h := spec.rect[2]-spec.rect[0], spec.rect[3]-spec.rect[1]
		apRef, err := importAppearance(u, spec.appearance, w, h, page.Rotate)
		if err != nil {
			return nil, err
		}
		widget["AP"] = pdf.Dict{"N": apRef}
	}
	u.Set(widgetRef, widget)

	newCatalog := false
	cat = maps.Clone(cat)
	if !reuse {
		// The page lists the widget among its annotations.
		switch a := page.Dict["Annots"].(type) {
		case pdf.Ref:
			o, err := r.Get(a)
			if err != nil {
				return nil, err
			}
			arr, _ := o.(pdf.Array)
			u.Set(a, append(append(pdf.Array{}, arr...), widgetRef))
		case pdf.Array:
			pd := maps.Clone(page.Dict)
			pd["Annots"] = append(append(pdf.Array{}, a...), widgetRef)
			u.Set(page.Ref, pd)
		default:
			pd := maps.Clone(page.Dict)
			pd["Annots"] = pdf.Array{widgetRef}
			u.Set(page.Ref, pd)
		}
		// The form lists the field.
		af := maps.Clone(fi.acroForm)
		if af == nil {
			af = pdf.Dict{}
		}
		fields := append(append(pdf.Array{}, fi.fields...), widgetRef)
		if fi.fieldsRef != (pdf.Ref{}) {
			u.Set(fi.fieldsRef, fields)
		} else {
			af["Fields"] = fields
		}
		af["SigFlags"] = pdf.Integer(3)
		if fi.acroRef != (pdf.Ref{}) {
			u.Set(fi.acroRef, af)
		} else {
			cat["AcroForm"] = af
			newCatalog = true
		}
	}
	if spec.certify > 0 {
		cat["Perms"] = pdf.Dict{"DocMDP": sigRef}
		newCatalog = true
	}
	if spec.dss != (pdf.Ref{}) {
		cat["DSS"] = spec.dss
		newCatalog = true
	}
	if newCatalog {
		u.Set(rootRef, cat)
	}

	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		return nil, err
	}
	p := &placed{appended: buf.Bytes(), base: r.Size()}
	off := int(u.Offsets()[sigRef])
	br := bytes.Index(p.appended[off:], []byte("/ByteRange "+byteRangePlaceholder))
	ct := bytes.Index(p.appended[off:], []byte("/Contents <"))
	if br < 0 || ct < 0 {
		return nil, fmt.Errorf("signature placeholders not found in the update")
	}
	p.byteRange = off + br + len("/ByteRange ")
	p.contents = off + ct + len("/Contents ")
	p.contentsEnd = p.contents + 2*spec.contentsBytes + 2
	if p.appended[p.contentsEnd-1] != '>' {
		return nil, fmt.Errorf("signature placeholder is malformed")
	}
	return p, nil
}

// importAppearance copies the page of a rendered one-page PDF into u as a
// Form XObject of size w × h, turned to stay upright on a rotated page.
func importAppearance(u *pdf.Update, rendered []byte, w, h float64, rotate int) (pdf.Ref, error) {
	src, err := pdf.Open(bytes.NewReader(rendered), int64(len(rendered)), nil)
	if err != nil {
		return pdf.Ref{}, fmt.Errorf("%w: %v", errAppearance, err)
	}
	pg, err := src.Page(0)
	if err != nil {
		return pdf.Ref{}, fmt.Errorf("%w: %v", errAppearance, err)
	}
	co, err := src.Resolve(pg.Dict["Contents"])
	if err != nil {
		return pdf.Ref{}, fmt.Errorf("%w: %v", errAppearance, err)
	}
	cs, ok := co.(*pdf.Stream)
	if !ok {
		return pdf.Ref{}, fmt.Errorf("%w: the rendered page has no single content stream", errAppearance)
	}
	data, err := io.ReadAll(src.RawStream(cs))
	if err != nil {
		return pdf.Ref{}, err
	}
	imported := map[pdf.Ref]pdf.Ref{}
	res, err := importObject(u, src, pg.Resources, imported, 0)
	if err != nil {
		return pdf.Ref{}, fmt.Errorf("%w: %v", errAppearance, err)
	}
	d := pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(w), pdf.Real(h)}, "Resources": res}
	for _, k := range []pdf.Name{"Filter", "DecodeParms"} {
		if v := cs.Dict[k]; v != nil {
			d[k] = v
		}
	}
	switch rotate {
	case 90:
		d["Matrix"] = pdf.Array{pdf.Integer(0), pdf.Integer(1), pdf.Integer(-1), pdf.Integer(0), pdf.Real(h), pdf.Integer(0)}
	case 180:
		d["Matrix"] = pdf.Array{pdf.Integer(-1), pdf.Integer(0), pdf.Integer(0), pdf.Integer(-1), pdf.Real(w), pdf.Real(h)}
	case 270:
		d["Matrix"] = pdf.Array{pdf.Integer(0), pdf.Integer(-1), pdf.Integer(1), pdf.Integer(0), pdf.Integer(0), pdf.Real(w)}
	}
	ref := u.Alloc()
	u.SetStream(ref, d, data)
	return ref, nil
}

// importObject deep-copies obj from src into u, giving every indirect
// object it reaches a new number.
func importObject(u *pdf.Update, src *pdf.Reader, obj pdf.Object, done map[pdf.Ref]pdf.Ref, depth int) (pdf.Object, error) {
	if depth > 64 {
		return nil, fmt.Errorf("object graph too deep")
	}
	switch o := obj.(type) {
	case pdf.Ref:
		if n, ok := done[o]; ok {
			return n, nil
		}
		n := u.Alloc()
		done[o] = n
		v, err := src.Get(o)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(*pdf.Stream); ok {
			data, err := io.ReadAll(src.RawStream(s))
			if err != nil {
				return nil, err
			}
			d, err := importObject(u, src, s.Dict, done, depth+1)
			if err != nil {
				return nil, err
			}
			dd := d.(pdf.Dict)
			delete(dd, "Length")
			u.SetStream(n, dd, data)
			return n, nil
		}
		c, err := importObject(u, src, v, done, depth+1)
		if err != nil {
			return nil, err
		}
		u.Set(n, c)
		return n, nil
	case pdf.Dict:
		out := make(pdf.Dict, len(o))
		for k, v := range o {
			c, err := importObject(u, src, v, done, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case pdf.Array:
		out := make(pdf.Array, len(o))
		for i, v := range o {
			c, err := importObject(u, src, v, done, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case *pdf.Stream:
		return nil, fmt.Errorf("direct stream object")
	}
	return obj, nil
}

// pdfDate formats t as a PDF date in Vietnam's time zone, e.g.
// D:20250701091530+07'00'.
func pdfDate(t time.Time) string {
	return t.In(vietnam).Format("D:20060102150405-07'00'")
}
