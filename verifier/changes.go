package verifier

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kyso-vn/kyso/pdf"
)

// Kinds of change, from the most harmless to the most dangerous.
const (
	kindNone       = "none"
	kindDSS        = "dss"        // validation data (DSS/VRI) and document time-stamps
	kindSigning    = "signing"    // a new signature in a new or empty signature field
	kindFormFill   = "form-fill"  // values and appearances of existing form fields
	kindAnnotation = "annotation" // annotations added to pages
	kindOther      = "other"      // anything else: content, resources, page tree, catalog…
)

var kindRank = map[string]int{kindNone: 0, kindDSS: 1, kindSigning: 2, kindFormFill: 3, kindAnnotation: 4, kindOther: 5}

// commentAnnotations are annotation subtypes that do not draw over page
// content (sticky notes and text markup). Under DocMDP P=3 they are
// allowed; every other subtype (FreeText, Stamp, Square, Ink, Widget of a
// new non-signature field …) can hide or fake content — the Evil
// Annotation Attack — and is not.
var commentAnnotations = map[pdf.Name]bool{"Text": true, "Popup": true, "Highlight": true, "Underline": true,
	"StrikeOut": true, "Squiggly": true, "Caret": true}

// docState is what the signed revision looked like.
type docState struct {
	rev        int
	catalogRef pdf.Ref
	pages      map[pdf.Ref]bool
	annotArrs  map[pdf.Ref]bool // indirect /Annots arrays of pages
	acroRef    pdf.Ref
	fieldsRef  pdf.Ref
	fields     map[pdf.Ref]bool // every field dictionary (with kids)
	dssRef     pdf.Ref
}

func (v *validator) stateAt(rev int) *docState {
	rd := v.rd
	st := &docState{rev: rev, pages: map[pdf.Ref]bool{}, annotArrs: map[pdf.Ref]bool{}, fields: map[pdf.Ref]bool{}}
	st.catalogRef, _ = rd.Revisions()[rev].Trailer["Root"].(pdf.Ref)
	if pages, err := rd.PagesAt(rev); err == nil {
		for _, p := range pages {
			st.pages[p.Ref] = true
			if a, ok := p.Dict["Annots"].(pdf.Ref); ok {
				st.annotArrs[a] = true
			}
		}
	}
	cat, err := catalogAt(rd, rev)
	if err != nil {
		return st
	}
	st.acroRef, _ = cat["AcroForm"].(pdf.Ref)
	st.dssRef, _ = cat["DSS"].(pdf.Ref)
	af, _ := rd.ResolveAt(cat["AcroForm"], rev)
	acro, _ := af.(pdf.Dict)
	st.fieldsRef, _ = acro["Fields"].(pdf.Ref)
	fs, _ := rd.ResolveAt(acro["Fields"], rev)
	arr, _ := fs.(pdf.Array)
	var walk func(pdf.Object, int)
	walk = func(o pdf.Object, depth int) {
		ref, ok := o.(pdf.Ref)
		if !ok || depth > 32 || st.fields[ref] {
			return
		}
		st.fields[ref] = true
		d, _ := rd.GetAt(ref, rev)
		if dd, ok := d.(pdf.Dict); ok {
			if kids, ok := dd["Kids"].(pdf.Array); ok {
				for _, k := range kids {
					walk(k, depth+1)
				}
			}
		}
	}
	for _, f := range arr {
		walk(f, 0)
	}
	return st
}

// modifications compares the revision a signature covers with the latest
// one, object by object, classifies every change and applies the
// signature's permissions.
func (v *validator) modifications(s *sigInput) *Modifications {
	if s.revision < 0 || s.report.Indication == TotalFailed && s.job == nil {
		return nil
	}
	revs := v.rd.Revisions()
	last := len(revs) - 1
	mods := &Modifications{Class: kindNone, Allowed: true}
	if s.revision == last {
		return mods
	}
	perm := s.report.Certification
	if perm == 0 {
		// A certification signature earlier in the document binds this one too.
		for _, o := range v.sigs {
			if o.report.Certification > 0 && o.revision <= s.revision {
				perm = o.report.Certification
			}
		}
	}
	lock := s.report.FieldLock
	changes := v.changesBetween(s.revision, last)
	for i := range changes {
		c := &changes[i]
		c.Allowed = allowed(c, perm, lock)
		if kindRank[c.Kind] > kindRank[mods.Class] {
			mods.Class = c.Kind
		}
		if !c.Allowed {
			mods.Allowed = false
		}
	}
	mods.Changes = changes
	return mods
}

// allowed applies DocMDP permission p (0: no certification) and a FieldMDP
// lock to one change.
func allowed(c *Change, p int, lock *FieldLock) bool {
	switch c.Kind {
	case kindNone, kindDSS:
		return true
	case kindSigning:
		return p != 1 && !strings.Contains(c.What, "unsigned signature field")
	case kindFormFill:
		if p == 1 {
			return false
		}
		if lock != nil {
			name := c.field()
			switch lock.Action {
			case "All":
				return false
			case "Include":
				return !slices.Contains(lock.Fields, name)
			case "Exclude":
				return slices.Contains(lock.Fields, name)
			}
		}
		return true
	case kindAnnotation:
		return (p == 3 || p == 0) && strings.Contains(c.What, "comment annotation") && !strings.Contains(c.What, "can draw over")
	}
	return false
}

// field extracts the field name recorded in a form-fill change.
func (c *Change) field() string {
	if i := strings.Index(c.What, "field \""); i >= 0 {
		rest := c.What[i+len("field \""):]
		if j := strings.Index(rest, "\""); j >= 0 {
			return rest[:j]
		}
	}
	return ""
}

// changesBetween lists every object that differs between revision from and
// revision to, classified.
func (v *validator) changesBetween(from, to int) []Change {
	rd := v.rd
	revs := rd.Revisions()
	old := v.stateAt(from)
	nums := map[uint32]int{} // object number -> last revision defining it
	for r := from + 1; r <= to; r++ {
		for num, e := range revs[r].Objects {
			if num == 0 || e.Type == pdf.XRefFree && e.Gen == 65535 {
				continue // the head of the free list, or a slot that was never used
			}
			nums[num] = r
		}
	}
	keys := make([]uint32, 0, len(nums))
	for n := range nums {
		keys = append(keys, n)
	}
	slices.Sort(keys)

	type item struct {
		ref      pdf.Ref
		rev      int
		old, cur pdf.Object
		existed  bool
	}
	var items []item
	isNew := map[pdf.Ref]bool{}
	for _, num := range keys {
		e, _, ok := rd.Lookup(num, to)
		ref := pdf.Ref{Num: num}
		if ok {
			ref.Gen = e.Gen
		}
		cur, curErr := rd.GetAt(ref, to)
		prev, prevErr := rd.GetAt(pdf.Ref{Num: num, Gen: ref.Gen}, from)
		pe, _, existed := rd.Lookup(num, from)
		existed = existed && pe.Type != pdf.XRefFree
		if existed && prevErr == nil && curErr == nil && pdf.Equal(prev, cur) {
			continue
		}
		if !existed {
			isNew[ref] = true
		}
		items = append(items, item{ref: ref, rev: nums[num], old: prev, cur: cur, existed: existed})
	}
	// First classify changes to objects that existed and new objects whose
	// type says what they are; then give the remaining new objects the
	// kind of whatever refers to them.
	kindOf := map[pdf.Ref]string{}
	var out []Change
	add := func(it item, kind, what string) {
		kindOf[it.ref] = kind
		out = append(out, Change{Revision: it.rev, Object: it.ref.String(), Kind: kind, What: what})
	}
	var pending []item
	for _, it := range items {
		if it.cur == nil && it.existed {
			add(it, kindOther, "object deleted")
			continue
		}
		if it.existed {
			kind, what := v.classifyExisting(old, it.ref, it.old, it.cur, isNew)
			add(it, kind, what)
			continue
		}
		if kind, what, ok := classifyNew(rd, it.cur); ok {
			add(it, kind, what)
			continue
		}
		pending = append(pending, it)
	}
	// Propagate kinds along references from classified objects to new ones.
	for changed := true; changed && len(pending) > 0; {
		changed = false
		for ref := range kindOf {
			obj, err := rd.GetAt(ref, to)
			if err != nil {
				continue
			}
			for _, r := range refsIn(obj) {
				if isNew[r] {
					if _, done := kindOf[r]; !done {
						kindOf[r] = kindOf[ref]
						changed = true
					}
				}
			}
		}
	}
	for _, it := range pending {
		k, ok := kindOf[it.ref]
		what := "new object used by a " + k + " change"
		if !ok {
			k, what = kindNone, "new object that nothing refers to"
		}
		out = append(out, Change{Revision: it.rev, Object: it.ref.String(), Kind: k, What: what})
	}
	// The trailer decides which catalog is the document: pointing /Root
	// elsewhere replaces everything a reader sees.
	oldRoot, _ := revs[from].Trailer["Root"].(pdf.Ref)
	for r := from + 1; r <= to; r++ {
		if root, _ := revs[r].Trailer["Root"].(pdf.Ref); root != oldRoot {
			out = append(out, Change{Revision: r, Object: "trailer", Kind: kindOther,
				What: fmt.Sprintf("the trailer's /Root now points at %s instead of the signed catalog %s", root, oldRoot)})
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Revision < out[j].Revision })
	return out
}

// classifyNew recognises a new object by its type.
func classifyNew(rd *pdf.Reader, obj pdf.Object) (kind, what string, ok bool) {
	d, isDict := obj.(pdf.Dict)
	if !isDict {
		return "", "", false
	}
	t, _ := d["Type"].(pdf.Name)
	st, _ := d["Subtype"].(pdf.Name)
	ft, _ := d["FT"].(pdf.Name)
	switch {
	case t == "DSS" || (d["OCSP"] != nil || d["CRL"] != nil || d["Cert"] != nil) && d["Type"] == nil && d["FT"] == nil:
		return kindDSS, "validation data (DSS/VRI)", true
	case t == "DocTimeStamp":
		return kindDSS, "document time-stamp", true
	case t == "Sig":
		return kindSigning, "signature dictionary", true
	case ft == "Sig" && (st == "Widget" || d["Kids"] == nil):
		if d["V"] == nil {
			if hasAppearance(rd, d) {
				return kindSigning, "unsigned signature field with a visible appearance", true
			}
			return kindSigning, "empty signature field", true
		}
		v, _ := rd.Resolve(d["V"])
		if vd, ok := v.(pdf.Dict); ok {
			if vt, _ := vd["Type"].(pdf.Name); vt == "DocTimeStamp" {
				return kindDSS, "document time-stamp field", true
			}
		}
		return kindSigning, "new signature field", true
	case t == "Annot" || st != "" && d["Rect"] != nil:
		if st == "Widget" {
			return kindOther, fmt.Sprintf("new form field widget (%s)", ft), true
		}
		if commentAnnotations[st] {
			return kindAnnotation, fmt.Sprintf("comment annotation /%s", st), true
		}
		return kindAnnotation, fmt.Sprintf("annotation /%s that can draw over the page", st), true
	}
	return "", "", false
}

func hasAppearance(rd *pdf.Reader, d pdf.Dict) bool {
	ap, _ := rd.Resolve(d["AP"])
	apd, _ := ap.(pdf.Dict)
	if apd == nil || apd["N"] == nil {
		return false
	}
	r, _ := d["Rect"].(pdf.Array)
	if len(r) != 4 {
		return false
	}
	num := func(o pdf.Object) float64 {
		switch n := o.(type) {
		case pdf.Integer:
			return float64(n)
		case pdf.Real:
			return float64(n)
		}
		return 0
	}
	return num(r[2]) != num(r[0]) && num(r[3]) != num(r[1])
}

// classifyExisting compares two versions of an object that existed in the
// signed revision.
func (v *validator) classifyExisting(old *docState, ref pdf.Ref, prev, cur pdf.Object, isNew map[pdf.Ref]bool) (string, string) {
	pd, _ := prev.(pdf.Dict)
	cd, _ := cur.(pdf.Dict)
	switch {
	case ref == old.catalogRef:
		if pd == nil || cd == nil {
			return kindOther, "the catalog was replaced"
		}
		kind := kindNone
		var notes []string
		for _, k := range diffKeys(pd, cd) {
			switch k {
			case "DSS", "Extensions":
				kind = maxKind(kind, kindDSS)
			case "AcroForm":
				k2, w := v.classifyAcroForm(pd["AcroForm"], cd["AcroForm"], old, isNew)
				kind = maxKind(kind, k2)
				notes = append(notes, w)
			default:
				kind = kindOther
				notes = append(notes, fmt.Sprintf("catalog /%s changed", k))
			}
		}
		if kind == kindOther {
			return kind, strings.Join(notes, "; ")
		}
		return kind, "catalog: " + strings.Join(append(notes, "validation data or form"), "; ")
	case ref == old.dssRef:
		return kindDSS, "validation data (DSS) updated"
	case old.pages[ref]:
		if pd == nil || cd == nil {
			return kindOther, "a page object was replaced"
		}
		for _, k := range diffKeys(pd, cd) {
			if k != "Annots" {
				return kindOther, fmt.Sprintf("page %s: /%s changed (content, resources or geometry of the page)", ref, k)
			}
		}
		return v.classifyAnnots(pd["Annots"], cd["Annots"], old, isNew, "page "+ref.String())
	case old.annotArrs[ref]:
		return v.classifyAnnots(prev, cur, old, isNew, "annotation list "+ref.String())
	case ref == old.acroRef:
		return v.classifyAcroForm(prev, cur, old, isNew)
	case ref == old.fieldsRef:
		pa, _ := prev.(pdf.Array)
		ca, _ := cur.(pdf.Array)
		if !isPrefix(pa, ca) {
			return kindOther, "form fields removed or reordered"
		}
		return v.classifyAdded(ca[len(pa):], isNew, "form field list")
	case old.fields[ref]:
		if pd == nil || cd == nil {
			return kindOther, "a form field was replaced"
		}
		name := ""
		if t, ok := cd["T"].(pdf.String); ok {
			name = t.Text()
		}
		ft, _ := cd["FT"].(pdf.Name)
		for _, k := range diffKeys(pd, cd) {
			switch {
			case ft == "Sig" && (k == "V" || k == "AP" || k == "Lock") && pd["V"] == nil:
			case ft != "Sig" && (k == "V" || k == "AS" || k == "AP" || k == "MK"):
			default:
				return kindOther, fmt.Sprintf("field %q: /%s changed", name, k)
			}
		}
		if ft == "Sig" {
			return kindSigning, fmt.Sprintf("empty signature field %q signed", name)
		}
		return kindFormFill, fmt.Sprintf("form fill of field \"%s\"", name)
	}
	// An existing stream or dictionary that is none of the above.
	if s, ok := cur.(*pdf.Stream); ok {
		if t, _ := s.Dict["Subtype"].(pdf.Name); t == "Form" && v.isFieldAppearance(ref, old) {
			return kindFormFill, "appearance of a form field redrawn"
		}
		return kindOther, fmt.Sprintf("stream %s changed (%s)", ref, describeStream(s))
	}
	if t, _ := cd["Type"].(pdf.Name); t != "" {
		return kindOther, fmt.Sprintf("/%s object %s changed", t, ref)
	}
	return kindOther, fmt.Sprintf("object %s changed", ref)
}

// isFieldAppearance reports whether ref is the normal appearance of a
// form field in the signed revision.
func (v *validator) isFieldAppearance(ref pdf.Ref, old *docState) bool {
	for f := range old.fields {
		o, err := v.rd.GetAt(f, old.rev)
		if err != nil {
			continue
		}
		d, _ := o.(pdf.Dict)
		ap, _ := v.rd.ResolveAt(d["AP"], old.rev)
		apd, _ := ap.(pdf.Dict)
		if n, ok := apd["N"].(pdf.Ref); ok && n == ref {
			return true
		}
	}
	return false
}

func describeStream(s *pdf.Stream) string {
	if t, ok := s.Dict["Type"].(pdf.Name); ok {
		return "/Type /" + string(t)
	}
	if st, ok := s.Dict["Subtype"].(pdf.Name); ok {
		return "/Subtype /" + string(st)
	}
	return "page content, font or image data"
}

func (v *validator) classifyAcroForm(prevObj, curObj pdf.Object, old *docState, isNew map[pdf.Ref]bool) (string, string) {
	p, _ := v.rd.ResolveAt(prevObj, old.rev)
	pd, _ := p.(pdf.Dict)
	cd, _ := curObj.(pdf.Dict)
	if r, ok := curObj.(pdf.Ref); ok {
		c, _ := v.rd.Resolve(r)
		cd, _ = c.(pdf.Dict)
	}
	if cd == nil {
		return kindOther, "the form was removed"
	}
	kind := kindNone
	what := "form dictionary"
	for _, k := range diffKeys(pd, cd) {
		switch k {
		case "SigFlags", "DR", "DA", "NeedAppearances":
		case "Fields":
			pa, _ := pd["Fields"].(pdf.Array)
			ca, _ := cd["Fields"].(pdf.Array)
			if _, isRef := cd["Fields"].(pdf.Ref); isRef {
				continue // the array object itself is checked separately
			}
			if !isPrefix(pa, ca) {
				return kindOther, "form fields removed or reordered"
			}
			k2, w := v.classifyAdded(ca[len(pa):], isNew, "form")
			kind, what = maxKind(kind, k2), w
		default:
			return kindOther, fmt.Sprintf("form /%s changed", k)
		}
	}
	if kind == kindNone {
		kind = kindSigning
	}
	return kind, what
}

func (v *validator) classifyAnnots(prevObj, curObj pdf.Object, old *docState, isNew map[pdf.Ref]bool, where string) (string, string) {
	p, _ := v.rd.ResolveAt(prevObj, old.rev)
	c, _ := v.rd.Resolve(curObj)
	pa, _ := p.(pdf.Array)
	ca, _ := c.(pdf.Array)
	if !isPrefix(pa, ca) {
		return kindOther, where + ": annotations removed or reordered"
	}
	return v.classifyAdded(ca[len(pa):], isNew, where)
}

// classifyAdded classifies objects appended to an array of fields or
// annotations.
func (v *validator) classifyAdded(added pdf.Array, isNew map[pdf.Ref]bool, where string) (string, string) {
	kind := kindNone
	var whats []string
	for _, x := range added {
		ref, ok := x.(pdf.Ref)
		if !ok {
			return kindOther, where + ": a direct object was added"
		}
		if !isNew[ref] {
			return kindOther, fmt.Sprintf("%s: existing object %s was attached (a reference flip)", where, ref)
		}
		o, _ := v.rd.Get(ref)
		k, w, ok := classifyNew(v.rd, o)
		if !ok {
			k, w = kindOther, fmt.Sprintf("unknown object %s added", ref)
		}
		kind = maxKind(kind, k)
		whats = append(whats, w)
	}
	if kind == kindNone {
		return kindSigning, where
	}
	return kind, where + ": " + strings.Join(whats, ", ")
}

func maxKind(a, b string) string {
	if kindRank[b] > kindRank[a] {
		return b
	}
	return a
}

func isPrefix(a, b pdf.Array) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if !pdf.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// diffKeys lists the keys whose values differ between two dictionaries.
func diffKeys(a, b pdf.Dict) []string {
	var out []string
	for k, va := range a {
		if vb, ok := b[k]; !ok || !pdf.Equal(va, vb) {
			out = append(out, string(k))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && b[k] != nil {
			out = append(out, string(k))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// refsIn lists the references inside an object.
func refsIn(o pdf.Object) []pdf.Ref {
	var out []pdf.Ref
	var walk func(pdf.Object, int)
	walk = func(o pdf.Object, depth int) {
		if depth > 64 {
			return
		}
		switch x := o.(type) {
		case pdf.Ref:
			out = append(out, x)
		case pdf.Dict:
			for _, v := range x {
				walk(v, depth+1)
			}
		case pdf.Array:
			for _, v := range x {
				walk(v, depth+1)
			}
		case *pdf.Stream:
			walk(x.Dict, depth+1)
		}
	}
	walk(o, 0)
	return out
}

// describeChanges summarises the changes that are not allowed.
func describeChanges(m *Modifications) string {
	var parts []string
	for _, c := range m.Changes {
		if !c.Allowed {
			parts = append(parts, fmt.Sprintf("%s in revision %d: %s", c.Object, c.Revision, c.What))
		}
		if len(parts) == 5 {
			parts = append(parts, "…")
			break
		}
	}
	return strings.Join(parts, "; ")
}

// revisionReports lists, per revision after the first, what it changed
// relative to the one before, and which signatures end there.
func (v *validator) revisionReports(sigs []*sigInput) []*RevisionReport {
	revs := v.rd.Revisions()
	var out []*RevisionReport
	for i := range revs {
		rr := &RevisionReport{Revision: i, End: revs[i].End}
		for _, s := range sigs {
			if s.revision == i {
				rr.Signed = append(rr.Signed, s.field)
			}
		}
		if i > 0 {
			rr.Changes = v.changesBetween(i-1, i)
			for j := range rr.Changes {
				rr.Changes[j].Allowed = allowed(&rr.Changes[j], 0, nil)
			}
		}
		out = append(out, rr)
	}
	return out
}
