package pdf

// A SignatureField is a signed signature field of the document: its fully
// qualified name, and its value, the signature dictionary.
type SignatureField struct {
	Name  string
	Field Dict // the field (or merged field and widget) dictionary
	Value Dict // /V: the signature dictionary
	// ValueRef is /V's reference when it is indirect (zero otherwise).
	ValueRef Ref
}

// maxFieldDepth bounds the field tree a hostile file may nest.
const maxFieldDepth = 32

// SignatureFields returns the signed signature fields of the document, in
// the order the field tree lists them: the fields of /AcroForm /Fields
// (with /Kids, names joined with "." and /FT inherited), then signature
// widgets that only a page's /Annots lists (some writers, poppler among
// them, do not add the field to an inline /AcroForm). Cycles and depths
// beyond 32 are cut; unresolvable objects are skipped.
func (r *Reader) SignatureFields() ([]SignatureField, error) {
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	af, _ := r.Resolve(cat["AcroForm"])
	acro, _ := af.(Dict)
	fs, _ := r.Resolve(acro["Fields"])
	fields, _ := fs.(Array)
	var out []SignatureField
	seen := map[Ref]bool{}
	var walk func(obj Object, prefix string, ft Name, depth int)
	walk = func(obj Object, prefix string, ft Name, depth int) {
		if depth > maxFieldDepth {
			return
		}
		if ref, ok := obj.(Ref); ok {
			if seen[ref] {
				return
			}
			seen[ref] = true
		}
		o, err := r.Resolve(obj)
		if err != nil {
			return
		}
		d, ok := o.(Dict)
		if !ok {
			return
		}
		name := prefix
		if t, ok := d["T"].(String); ok {
			if name != "" {
				name += "."
			}
			name += t.Text()
		}
		if f, ok := d["FT"].(Name); ok {
			ft = f
		}
		if kids, ok := d["Kids"].(Array); ok {
			for _, k := range kids {
				walk(k, name, ft, depth+1)
			}
		}
		if ft != "Sig" || d["V"] == nil {
			return
		}
		vo, err := r.Resolve(d["V"])
		if err != nil {
			return
		}
		v, _ := vo.(Dict)
		if v == nil {
			return
		}
		sf := SignatureField{Name: name, Field: d, Value: v}
		sf.ValueRef, _ = d["V"].(Ref)
		out = append(out, sf)
	}
	for _, f := range fields {
		walk(f, "", "", 0)
	}
	if pages, err := r.Pages(); err == nil {
		for _, pg := range pages {
			an, _ := r.Resolve(pg.Dict["Annots"])
			arr, _ := an.(Array)
			for _, a := range arr {
				ref, ok := a.(Ref)
				if !ok || seen[ref] {
					continue
				}
				o, _ := r.Resolve(a)
				d, _ := o.(Dict)
				if st, _ := d["Subtype"].(Name); st != "Widget" {
					continue
				}
				walk(a, "", r.inheritedFT(d), 0)
			}
		}
	}
	return out, nil
}

// inheritedFT returns a field's type, looking up its /Parent chain.
func (r *Reader) inheritedFT(d Dict) Name {
	for i := 0; d != nil && i < maxFieldDepth; i++ {
		if ft, ok := d["FT"].(Name); ok {
			return ft
		}
		p, _ := r.Resolve(d["Parent"])
		d, _ = p.(Dict)
	}
	return ""
}
