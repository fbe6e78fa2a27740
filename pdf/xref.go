package pdf

import (
	"fmt"
	"maps"
)

// XRefType is the type of a cross-reference entry.
type XRefType uint8

const (
	XRefFree       XRefType = iota // a free (deleted) object
	XRefInUse                      // an object stored at an offset in the file
	XRefCompressed                 // an object stored in an object stream
)

func (t XRefType) String() string {
	switch t {
	case XRefFree:
		return "free"
	case XRefInUse:
		return "in use"
	case XRefCompressed:
		return "compressed"
	}
	return fmt.Sprintf("XRefType(%d)", uint8(t))
}

// An XRefEntry is one entry of a cross-reference section.
type XRefEntry struct {
	Type      XRefType
	Offset    int64  // XRefInUse: offset of the "N G obj" header
	Gen       uint16 // XRefFree, XRefInUse: generation number
	StreamNum uint32 // XRefCompressed: object number of the object stream
	Index     int    // XRefCompressed: index of the object within the stream
}

// A Revision is one version of the document: the original, or one
// incremental update.
//
// A linearized file's first-page cross-reference section and its main
// section (which /Prev points forward to) form one revision; in general a
// section whose /Prev points to a later offset is merged with that section.
// A hybrid file's /XRefStm stream belongs to the revision of its table: its
// entries fill in the objects the table leaves out or marks free.
type Revision struct {
	Index         int   // position in Reader.Revisions, 0 for the original
	XRefOffset    int64 // offset of the cross-reference section (what startxref or /Prev gives)
	XRefIsStream  bool  // the section is a cross-reference stream
	XRefStmOffset int64 // hybrid files: the trailer's /XRefStm, or 0
	// Trailer is the trailer dictionary, or for a cross-reference stream
	// its stream dictionary.
	Trailer Dict
	// End is the offset just past this revision's %%EOF marker and the
	// single end-of-line marker (CR, LF or CRLF) after it, if any.
	End int64
	// Objects holds the entries this revision's cross-reference section(s)
	// define, including free entries.
	Objects map[uint32]XRefEntry
}

// A section is one cross-reference section of the /Prev chain.
type section struct {
	offset    int64
	isStream  bool
	stmOffset int64
	trailer   Dict
	entries   map[uint32]XRefEntry
	end       int64 // -1 if no %%EOF marker follows
	endErr    error // why end is -1
	prev      int64 // -1 if none
}

// readChain reads the cross-reference section at off and every section its
// /Prev chain leads to, newest first.
func (r *Reader) readChain(off int64) ([]*section, error) {
	var secs []*section
	seen := map[int64]bool{}
	for off >= 0 {
		if seen[off] {
			return nil, newError(ErrXRef, off, "/Prev loop: the cross-reference section at this offset is reached twice")
		}
		seen[off] = true
		if len(secs) >= r.opts.MaxRevisions {
			return nil, newError(ErrLimit, off, "more than Options.MaxRevisions (%d) cross-reference sections", r.opts.MaxRevisions)
		}
		s, err := r.readSection(off)
		if err != nil {
			return nil, err
		}
		secs = append(secs, s)
		off = s.prev
	}
	return secs, nil
}

// readSection reads the classic table or cross-reference stream at off.
func (r *Reader) readSection(off int64) (*section, error) {
	lex := r.lexerAt(off, 32<<10, 0)
	t, err := lex.next()
	if err != nil {
		return nil, asXRef(err, off, "reading the cross-reference section")
	}
	s := &section{offset: off, prev: -1}
	switch {
	case t.isKeyword("xref"):
		if err := r.readTable(lex, s); err != nil {
			return nil, err
		}
		if v, ok := s.trailer["XRefStm"]; ok {
			so, ok := v.(Integer)
			if !ok || so < 0 || int64(so) >= r.size {
				return nil, newError(ErrXRef, off, "trailer /XRefStm is not an offset within the file")
			}
			s.stmOffset = int64(so)
			_, entries, _, err := r.readXRefStream(int64(so))
			if err != nil {
				return nil, err
			}
			for num, e := range entries {
				if old, ok := s.entries[num]; !ok || old.Type == XRefFree {
					s.entries[num] = e
				}
			}
		}
	case t.kind == tokInt:
		s.isStream = true
		var end int64
		s.trailer, s.entries, end, err = r.readXRefStream(off)
		if err != nil {
			return nil, err
		}
		lex = r.lexerAt(end, 64, 0)
		if t, err := lex.next(); err != nil || !t.isKeyword("endobj") {
			return nil, newError(ErrXRef, end, "cross-reference stream object has no endobj")
		}
	default:
		return nil, newError(ErrXRef, off, "neither \"xref\" nor a cross-reference stream where startxref or /Prev points")
	}
	// A section is normally followed by "startxref N %%EOF", which ends its
	// revision. The first-page section of a linearized file with
	// cross-reference streams is not; groupRevisions checks that every
	// revision has an end.
	s.end = -1
	if _, end, err := r.readEOFMarker(lex); err == nil {
		s.end = end
	} else {
		s.endErr = asXRef(err, off, "after the cross-reference section")
	}
	if err := r.checkSize(s.trailer, off); err != nil {
		return nil, err
	}
	if v, ok := s.trailer["Prev"]; ok {
		p, ok := v.(Integer)
		if !ok || p < 0 || int64(p) >= r.size {
			return nil, newError(ErrXRef, off, "trailer /Prev (%s) is not an offset within the file", describe(v))
		}
		s.prev = int64(p)
	}
	return s, nil
}

func (r *Reader) checkSize(tr Dict, off int64) error {
	sz, ok := tr["Size"].(Integer)
	if !ok || sz < 0 {
		return newError(ErrXRef, off, "trailer has no valid /Size")
	}
	if sz > Integer(r.opts.MaxXRefSize) {
		return newError(ErrLimit, off, "trailer /Size %d exceeds Options.MaxXRefSize (%d)", sz, r.opts.MaxXRefSize)
	}
	return nil
}

// asXRef reports syntax errors found while reading cross-reference data
// as ErrXRef; limit and I/O errors keep their kind.
func asXRef(err error, off int64, what string) error {
	if e, ok := err.(*Error); ok && e.Kind == ErrMalformed {
		return &Error{Kind: ErrXRef, Offset: e.Offset, Msg: what + ": " + e.Msg}
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	return wrapError(ErrXRef, off, err, "%s", what)
}

// readTable reads a classic cross-reference table after the keyword "xref",
// then the trailer dictionary.
func (r *Reader) readTable(lex *lexer, s *section) error {
	s.entries = map[uint32]XRefEntry{}
	for {
		t, err := lex.next()
		if err != nil {
			return asXRef(err, s.offset, "cross-reference table")
		}
		if t.isKeyword("trailer") {
			break
		}
		c, err := lex.next()
		if err != nil {
			return asXRef(err, s.offset, "cross-reference table")
		}
		if t.kind != tokInt || c.kind != tokInt || t.i < 0 || c.i < 0 {
			return newError(ErrXRef, t.start, "expected a subsection header \"start count\" or trailer")
		}
		if t.i+c.i > int64(r.opts.MaxXRefSize) {
			return newError(ErrLimit, t.start, "subsection %d %d exceeds Options.MaxXRefSize (%d)", t.i, c.i, r.opts.MaxXRefSize)
		}
		for num := t.i; num < t.i+c.i; num++ {
			var f [3]token
			for i := range f {
				if f[i], err = lex.next(); err != nil {
					return asXRef(err, s.offset, "cross-reference table")
				}
			}
			if f[0].kind == tokEOF || f[1].kind == tokEOF || f[2].kind == tokEOF {
				return newError(ErrXRef, f[0].start, "cross-reference table truncated in subsection %d %d", t.i, c.i)
			}
			if f[0].kind != tokInt || f[1].kind != tokInt || f[0].i < 0 || f[1].i < 0 || f[1].i > 65535 ||
				!f[2].isKeyword("n") && !f[2].isKeyword("f") {
				return newError(ErrXRef, f[0].start, "bad cross-reference entry for object %d", num)
			}
			if _, dup := s.entries[uint32(num)]; dup {
				continue // the first entry for a number wins
			}
			e := XRefEntry{Type: XRefFree, Gen: uint16(f[1].i)}
			if f[2].isKeyword("n") {
				e.Type, e.Offset = XRefInUse, f[0].i
			}
			s.entries[uint32(num)] = e
		}
	}
	p := newParser(lex, r.opts.MaxDepth, true)
	tr, err := p.object()
	if err != nil {
		return asXRef(err, s.offset, "trailer")
	}
	d, ok := tr.(Dict)
	if !ok {
		return newError(ErrXRef, s.offset, "trailer is not a dictionary")
	}
	s.trailer = d
	return nil
}

// readXRefStream reads the cross-reference stream object at off. end is the
// offset just past its "endstream".
func (r *Reader) readXRefStream(off int64) (Dict, map[uint32]XRefEntry, int64, error) {
	obj, end, err := r.parseIndirect(off, Ref{}, false, 0, nil)
	if err != nil {
		return nil, nil, 0, asXRef(err, off, "cross-reference stream")
	}
	s, ok := obj.(*Stream)
	if !ok || s.Dict["Type"] != Name("XRef") {
		return nil, nil, 0, newError(ErrXRef, off, "object is not a cross-reference stream (/Type /XRef)")
	}
	d := s.Dict
	if err := r.checkSize(d, off); err != nil {
		return nil, nil, 0, err
	}
	size := int64(d["Size"].(Integer))
	var w [3]int
	wa, ok := d["W"].(Array)
	if !ok || len(wa) != 3 {
		return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream /W is not an array of 3 integers")
	}
	for i, v := range wa {
		n, ok := v.(Integer)
		if !ok || n < 0 || n > 8 {
			return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream /W has an invalid width")
		}
		w[i] = int(n)
	}
	row := w[0] + w[1] + w[2]
	if row == 0 {
		return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream /W has no fields")
	}
	index := Array{Integer(0), Integer(size)}
	if v, ok := d["Index"]; ok {
		if index, ok = v.(Array); !ok || len(index)%2 != 0 {
			return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream /Index is not an array of pairs")
		}
	}
	var rows int64
	for i := 0; i < len(index); i += 2 {
		a, ok1 := index[i].(Integer)
		n, ok2 := index[i+1].(Integer)
		if !ok1 || !ok2 || a < 0 || n < 0 {
			return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream /Index has a bad pair")
		}
		if a+n > Integer(r.opts.MaxXRefSize) {
			return nil, nil, 0, newError(ErrLimit, off, "cross-reference stream /Index %d %d exceeds Options.MaxXRefSize", a, n)
		}
		rows += int64(n)
	}
	if rows*int64(row) > r.opts.MaxStreamSize {
		return nil, nil, 0, newError(ErrLimit, off, "cross-reference stream of %d entries exceeds Options.MaxStreamSize", rows)
	}
	// The entries fix the decoded size: rows of row bytes, plus a filter
	// byte per row under a PNG predictor, plus slack for trailing padding.
	// Decoding stops there, so a stream that inflates to far more (a
	// "zip bomb") costs no more memory than a real one.
	limit := min(rows*int64(row+1)+64<<10, r.opts.MaxStreamSize)
	data, err := r.decodeStream(s, limit, nil)
	if err != nil {
		return nil, nil, 0, asXRef(err, off, "cross-reference stream data")
	}
	if int64(len(data)) < rows*int64(row) {
		return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream data truncated: %d bytes for %d entries of %d bytes", len(data), rows, row)
	}
	entries := make(map[uint32]XRefEntry, rows)
	field := func(b []byte) uint64 {
		var v uint64
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return v
	}
	p := 0
	for i := 0; i < len(index); i += 2 {
		start, n := int64(index[i].(Integer)), int64(index[i+1].(Integer))
		for num := start; num < start+n; num++ {
			typ := uint64(1)
			if w[0] > 0 {
				typ = field(data[p : p+w[0]])
			}
			f2 := field(data[p+w[0] : p+w[0]+w[1]])
			f3 := field(data[p+w[0]+w[1] : p+row])
			p += row
			if _, dup := entries[uint32(num)]; dup {
				continue
			}
			var e XRefEntry
			switch typ {
			case 0:
				e = XRefEntry{Type: XRefFree, Gen: uint16(min(f3, 65535))}
			case 1:
				if f2 > 1<<62 || f3 > 65535 {
					return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream entry for object %d is out of range", num)
				}
				e = XRefEntry{Type: XRefInUse, Offset: int64(f2), Gen: uint16(f3)}
			case 2:
				if f2 > 1<<32-1 || f3 > 1<<31 {
					return nil, nil, 0, newError(ErrXRef, off, "cross-reference stream entry for object %d is out of range", num)
				}
				e = XRefEntry{Type: XRefCompressed, StreamNum: uint32(f2), Index: int(f3)}
			default:
				continue // unknown types are references to the null object
			}
			entries[uint32(num)] = e
		}
	}
	return d, entries, end, nil
}

// groupRevisions turns the /Prev chain (newest first) into revisions,
// oldest first. A section whose /Prev points forward in the file (the
// first-page section of a linearized file) is merged with that section.
func groupRevisions(secs []*section) ([]Revision, error) {
	var revs []Revision
	for i := 0; i < len(secs); {
		head := secs[i]
		rev := Revision{
			XRefOffset:    head.offset,
			XRefIsStream:  head.isStream,
			XRefStmOffset: head.stmOffset,
			Trailer:       head.trailer,
			End:           head.end,
			Objects:       maps.Clone(head.entries),
		}
		j := i
		for j+1 < len(secs) && secs[j].prev > secs[j].offset {
			j++
			for num, e := range secs[j].entries {
				if _, ok := rev.Objects[num]; !ok {
					rev.Objects[num] = e
				}
			}
			rev.End = max(rev.End, secs[j].end)
		}
		if rev.End < 0 {
			return nil, head.endErr
		}
		revs = append(revs, rev)
		i = j + 1
	}
	for i, j := 0, len(revs)-1; i < j; i, j = i+1, j-1 {
		revs[i], revs[j] = revs[j], revs[i]
	}
	for i := range revs {
		revs[i].Index = i
	}
	return revs, nil
}
