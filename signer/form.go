package signer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"

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
	appearance    *drawing // nil when invisible
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

// importAppearance writes a drawing into u as a Form XObject of size
// w × h, turned to stay upright on a rotated page, with its fonts and images.
func importAppearance(u *pdf.Update, d *drawing, w, h float64, rotate int) (pdf.Ref, error) {
	fontRes := pdf.Dict{}
	for _, f := range d.fonts {
		ref, err := writeFont(u, f)
		if err != nil {
			return pdf.Ref{}, fmt.Errorf("%w: %v", errAppearance, err)
		}
		fontRes[pdf.Name(f.name)] = ref
	}
	xobjRes := pdf.Dict{}
	for _, img := range d.images {
		xobjRes[pdf.Name(img.name)] = writeImage(u, img)
	}
	res := pdf.Dict{}
	if len(fontRes) > 0 {
		res["Font"] = fontRes
	}
	if len(xobjRes) > 0 {
		res["XObject"] = xobjRes
	}
	fd := pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(w), pdf.Real(h)}, "Resources": res,
		"Filter": pdf.Name("FlateDecode")}
	switch rotate {
	case 90:
		fd["Matrix"] = pdf.Array{pdf.Integer(0), pdf.Integer(1), pdf.Integer(-1), pdf.Integer(0), pdf.Real(h), pdf.Integer(0)}
	case 180:
		fd["Matrix"] = pdf.Array{pdf.Integer(-1), pdf.Integer(0), pdf.Integer(0), pdf.Integer(-1), pdf.Real(w), pdf.Real(h)}
	case 270:
		fd["Matrix"] = pdf.Array{pdf.Integer(0), pdf.Integer(-1), pdf.Integer(1), pdf.Integer(0), pdf.Integer(0), pdf.Real(w)}
	}
	ref := u.Alloc()
	u.SetStream(ref, fd, deflate(d.content.Bytes()))
	return ref, nil
}

func writeImage(u *pdf.Update, img *drawnImage) pdf.Ref {
	d := maps.Clone(img.dict)
	if img.smask != nil {
		d["SMask"] = writeImage(u, img.smask)
	}
	ref := u.Alloc()
	u.SetStream(ref, d, img.data)
	return ref
}

// writeFont embeds the glyphs a drawing shows as a Type 0 font with
// Identity-H encoding over a CIDFontType2 whose CIDs are the glyph IDs of
// a subset of the TrueType font, with the glyphs' widths and a ToUnicode
// map so text extracts as it was written.
func writeFont(u *pdf.Update, f *fontUse) (pdf.Ref, error) {
	// CIDs are the glyph IDs of the full font (the content stream shows
	// them); the subset renumbers its glyphs, CIDToGIDMap maps back.
	gids := slices.Sorted(maps.Keys(f.used))
	sub, newGID, err := f.face.Subset(gids)
	if err != nil {
		return pdf.Ref{}, err
	}
	cidToGID := make([]byte, 2*(int(gids[len(gids)-1])+1))
	for _, g := range gids {
		binary.BigEndian.PutUint16(cidToGID[2*int(g):], newGID[g])
	}
	mapRef := u.Alloc()
	u.SetStream(mapRef, pdf.Dict{"Filter": pdf.Name("FlateDecode")}, deflate(cidToGID))
	// The subset tag (ISO 32000-1 §9.6.4): six capitals, here from a hash
	// of the glyph set so the same glyphs give the same name.
	sum := sha256.Sum256(fmt.Append(nil, gids))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := pdf.Name(string(tag) + "+" + f.face.Name)

	fileRef := u.Alloc()
	u.SetStream(fileRef, pdf.Dict{"Length1": pdf.Integer(len(sub)), "Filter": pdf.Name("FlateDecode")}, deflate(sub))
	bbox := pdf.Array{}
	for _, v := range f.face.BBox {
		bbox = append(bbox, pdf.Integer(math.Round(v)))
	}
	descRef := u.Alloc()
	u.Set(descRef, pdf.Dict{"Type": pdf.Name("FontDescriptor"), "FontName": base, "Flags": pdf.Integer(32),
		"FontBBox": bbox, "ItalicAngle": pdf.Real(f.face.ItalicAngle), "Ascent": pdf.Integer(math.Round(f.face.Ascent)),
		"Descent": pdf.Integer(math.Round(f.face.Descent)), "CapHeight": pdf.Integer(math.Round(f.face.CapHeight)),
		"StemV": pdf.Integer(80), "FontFile2": fileRef})

	widths := pdf.Array{}
	var cmap bytes.Buffer
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&cmap, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{f.used[g]}) {
				fmt.Fprintf(&cmap, "%04X", u)
			}
			cmap.WriteString(">\n")
		}
		cmap.WriteString("endbfchar\n")
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	for _, g := range gids {
		widths = append(widths, pdf.Integer(g), pdf.Array{pdf.Integer(math.Round(f.face.Advance(g)))})
	}
	toUni := u.Alloc()
	u.SetStream(toUni, pdf.Dict{"Filter": pdf.Name("FlateDecode")}, deflate(cmap.Bytes()))

	cidRef := u.Alloc()
	u.Set(cidRef, pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("CIDFontType2"), "BaseFont": base,
		"CIDSystemInfo":  pdf.Dict{"Registry": pdf.LitString("Adobe"), "Ordering": pdf.LitString("Identity"), "Supplement": pdf.Integer(0)},
		"FontDescriptor": descRef, "W": widths, "CIDToGIDMap": mapRef})
	ref := u.Alloc()
	u.Set(ref, pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type0"), "BaseFont": base,
		"Encoding": pdf.Name("Identity-H"), "DescendantFonts": pdf.Array{cidRef}, "ToUnicode": toUni})
	return ref, nil
}

// pdfDate formats t as a PDF date in Vietnam's time zone, e.g.
// D:20250701091530+07'00'.
func pdfDate(t time.Time) string {
	return t.In(vietnam).Format("D:20060102150405-07'00'")
}
