package pdf

import "fmt"

// A Page is one page of the document, with the attributes it inherits
// from the page tree (ISO 32000-1 7.7.3.4) resolved.
type Page struct {
	Ref       Ref   // the page object
	Dict      Dict  // the page dictionary as stored
	MediaBox  Array // inherited and resolved; nil if the file has none
	CropBox   Array // inherited and resolved; MediaBox if absent
	Resources Dict  // inherited and resolved; nil if absent
	Rotate    int   // inherited, normalized to 0, 90, 180 or 270
}

// Catalog returns the document catalog (the trailer's /Root) of the latest
// revision.
func (r *Reader) Catalog() (Dict, error) {
	return r.catalogAt(len(r.revs) - 1)
}

func (r *Reader) catalogAt(rev int) (Dict, error) {
	root, _ := r.revs[rev].Trailer["Root"].(Ref)
	obj, err := r.GetAt(root, rev)
	if err != nil {
		return nil, err
	}
	d, ok := obj.(Dict)
	if !ok {
		return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: root, Msg: "the catalog is not a dictionary"}
	}
	return d, nil
}

// Pages returns the pages of the latest revision in order, walking the
// page tree. A loop in the tree or a node reached twice is an ErrMalformed
// error; a tree deeper than Options.MaxDepth an ErrLimit error.
func (r *Reader) Pages() ([]Page, error) { return r.PagesAt(len(r.revs) - 1) }

// NumPages returns the number of pages of the latest revision, counted by
// walking the page tree (the /Count entries are not trusted).
func (r *Reader) NumPages() (int, error) {
	p, err := r.Pages()
	return len(p), err
}

// Page returns page i of the latest revision, counting from 0.
func (r *Reader) Page(i int) (Page, error) {
	p, err := r.Pages()
	if err != nil {
		return Page{}, err
	}
	if i < 0 || i >= len(p) {
		return Page{}, &Error{Kind: ErrNotFound, Offset: -1, Msg: fmt.Sprintf("no page %d: the document has %d pages", i, len(p))}
	}
	return p[i], nil
}

// PagesAt is like Pages, for the given revision.
func (r *Reader) PagesAt(revision int) ([]Page, error) {
	if revision < 0 || revision >= len(r.revs) {
		return nil, &Error{Kind: ErrNotFound, Offset: -1, Msg: fmt.Sprintf("no revision %d (the file has %d)", revision, len(r.revs))}
	}
	cat, err := r.catalogAt(revision)
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, &Error{Kind: ErrMalformed, Offset: -1, Msg: "the catalog has no /Pages reference"}
	}
	type attrs struct {
		mediaBox, cropBox Array
		resources         Dict
		rotate            int
	}
	type frame struct {
		ref   Ref
		inh   attrs
		depth int
	}
	var pages []Page
	seen := map[Ref]bool{}
	stack := []frame{{ref: root}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[f.ref] {
			return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: f.ref, Msg: "page tree node reached twice (loop in the page tree)"}
		}
		seen[f.ref] = true
		if f.depth > r.opts.MaxDepth {
			return nil, &Error{Kind: ErrLimit, Offset: -1, Object: f.ref, Msg: "page tree deeper than Options.MaxDepth"}
		}
		obj, err := r.GetAt(f.ref, revision)
		if err != nil {
			return nil, err
		}
		node, ok := obj.(Dict)
		if !ok {
			return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: f.ref, Msg: "page tree node is not a dictionary"}
		}
		inh := f.inh
		if v, err := r.ResolveAt(node["MediaBox"], revision); err != nil {
			return nil, err
		} else if a, ok := v.(Array); ok {
			inh.mediaBox = a
		}
		if v, err := r.ResolveAt(node["CropBox"], revision); err != nil {
			return nil, err
		} else if a, ok := v.(Array); ok {
			inh.cropBox = a
		}
		if v, err := r.ResolveAt(node["Resources"], revision); err != nil {
			return nil, err
		} else if d, ok := v.(Dict); ok {
			inh.resources = d
		}
		if v, err := r.ResolveAt(node["Rotate"], revision); err != nil {
			return nil, err
		} else if n, ok := v.(Integer); ok {
			inh.rotate = int(((n%360)+360)%360) / 90 * 90
		}
		typ, _ := node["Type"].(Name)
		kidsObj, hasKids := node["Kids"]
		if typ == "Page" || typ != "Pages" && !hasKids {
			p := Page{Ref: f.ref, Dict: node, MediaBox: inh.mediaBox, CropBox: inh.cropBox, Resources: inh.resources, Rotate: inh.rotate}
			if p.CropBox == nil {
				p.CropBox = p.MediaBox
			}
			pages = append(pages, p)
			continue
		}
		kv, err := r.ResolveAt(kidsObj, revision)
		if err != nil {
			return nil, err
		}
		kids, ok := kv.(Array)
		if !ok {
			return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: f.ref, Msg: "page tree node has no /Kids array"}
		}
		for i := len(kids) - 1; i >= 0; i-- {
			k, ok := kids[i].(Ref)
			if !ok {
				return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: f.ref, Msg: "page tree /Kids entry is not a reference"}
			}
			stack = append(stack, frame{ref: k, inh: inh, depth: f.depth + 1})
		}
	}
	return pages, nil
}
