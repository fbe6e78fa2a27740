package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Options sets the limits a Reader enforces. A zero field means its default.
// Exceeding a limit yields an error wrapping ErrLimit. The limits bound the
// memory and time a hostile file can make the Reader use.
type Options struct {
	// MaxDepth bounds the nesting of arrays and dictionaries, and the length
	// of reference chains followed while reading one object. Default 256.
	MaxDepth int
	// MaxXRefSize bounds a trailer's /Size and every object number in a
	// cross-reference section. Default 8 << 20.
	MaxXRefSize int
	// MaxStreamSize bounds the decoded size of one stream, including
	// cross-reference and object streams. Default 256 MiB.
	MaxStreamSize int64
	// MaxRevisions bounds the number of cross-reference sections in the
	// /Prev chain. Default 4096.
	MaxRevisions int
	// MaxObjStmN bounds the /N of an object stream. Default 1 << 20.
	MaxObjStmN int
	// MaxObjectSize bounds the bytes of syntax read for one object, not
	// counting stream data. Default 16 MiB.
	MaxObjectSize int64
}

// Defaults of Options.
const (
	DefaultMaxDepth      = 256
	DefaultMaxXRefSize   = 8 << 20
	DefaultMaxStreamSize = 256 << 20
	DefaultMaxRevisions  = 4096
	DefaultMaxObjStmN    = 1 << 20
	DefaultMaxObjectSize = 16 << 20
)

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxDepth <= 0 {
		v.MaxDepth = DefaultMaxDepth
	}
	if v.MaxXRefSize <= 0 {
		v.MaxXRefSize = DefaultMaxXRefSize
	}
	if v.MaxStreamSize <= 0 {
		v.MaxStreamSize = DefaultMaxStreamSize
	}
	if v.MaxRevisions <= 0 {
		v.MaxRevisions = DefaultMaxRevisions
	}
	if v.MaxObjStmN <= 0 {
		v.MaxObjStmN = DefaultMaxObjStmN
	}
	if v.MaxObjectSize <= 0 {
		v.MaxObjectSize = DefaultMaxObjectSize
	}
	return v
}

// A Reader reads a PDF file through an io.ReaderAt. It reads only the bytes
// it needs, in small windows, so its memory does not grow with the size of
// the file. A Reader is safe for concurrent use if its io.ReaderAt is.
type Reader struct {
	ra        io.ReaderAt
	size      int64
	opts      Options
	version   string
	headerOff int64
	startxref int64
	revs      []Revision
	cache     objStmCache
}

// Open reads the header, the last startxref and every cross-reference
// section of the /Prev chain of the PDF file in r, which is size bytes long.
// Objects are read later, on demand.
//
// Open fails with ErrNotPDF if there is no "%PDF-" header in the first 1024
// bytes, ErrXRef if a startxref, cross-reference section or trailer is
// missing or damaged, ErrLimit if a limit of opts is exceeded, and
// ErrEncrypted if the document is encrypted. opts may be nil.
func Open(r io.ReaderAt, size int64, opts *Options) (*Reader, error) {
	rd := &Reader{ra: r, size: size, opts: opts.withDefaults()}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	sx, err := rd.findStartXRef()
	if err != nil {
		return nil, err
	}
	rd.startxref = sx
	secs, err := rd.readChain(sx)
	if err != nil {
		return nil, err
	}
	if rd.revs, err = groupRevisions(secs); err != nil {
		return nil, err
	}
	for _, s := range secs {
		if s.trailer["Encrypt"] != nil {
			return nil, &Error{Kind: ErrEncrypted, Offset: s.offset,
				Msg: "the trailer has an /Encrypt entry: the document is encrypted, and password-protected PDFs are not supported"}
		}
	}
	tr := rd.Trailer()
	if _, ok := tr["Root"].(Ref); !ok {
		return nil, newError(ErrXRef, rd.revs[len(rd.revs)-1].XRefOffset, "the trailer has no /Root reference")
	}
	return rd, nil
}

func (r *Reader) readHeader() error {
	n := min(r.size, 1024)
	if n <= 0 {
		return &Error{Kind: ErrNotPDF, Offset: -1, Msg: "empty file"}
	}
	buf := make([]byte, n)
	if _, err := r.ra.ReadAt(buf, 0); err != nil && err != io.EOF {
		return wrapError(ErrNotPDF, 0, err, "reading the header")
	}
	i := bytes.Index(buf, []byte("%PDF-"))
	if i < 0 {
		return &Error{Kind: ErrNotPDF, Offset: -1, Msg: "no %PDF- header in the first 1024 bytes"}
	}
	r.headerOff = int64(i)
	v := buf[i+5:]
	j := 0
	for j < len(v) && j < 8 && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
		j++
	}
	r.version = string(v[:j])
	return nil
}

// tailSize is how far from the end of the file Open looks for startxref.
const tailSize = 2048

// findStartXRef finds the last "startxref" keyword near the end of the file
// and returns the offset it gives.
func (r *Reader) findStartXRef() (int64, error) {
	n := min(r.size, tailSize)
	buf := make([]byte, n)
	if _, err := r.ra.ReadAt(buf, r.size-n); err != nil && err != io.EOF {
		return 0, wrapError(ErrXRef, r.size-n, err, "reading the end of the file")
	}
	i := bytes.LastIndex(buf, []byte("startxref"))
	if i < 0 {
		return 0, newError(ErrXRef, -1, "no startxref in the last %d bytes (truncated file?)", n)
	}
	pos := r.size - n + int64(i)
	off, _, err := r.readEOFMarker(r.lexerAt(pos, 64, 0))
	if err != nil {
		return 0, err
	}
	if off < 0 || off >= r.size {
		return 0, newError(ErrXRef, pos, "startxref %d is outside the file (size %d)", off, r.size)
	}
	return off, nil
}

// readEOFMarker reads "startxref N %%EOF" and the single end-of-line marker
// after it. It returns N and the offset just past the marker.
func (r *Reader) readEOFMarker(lex *lexer) (xref, end int64, err error) {
	t, err := lex.next()
	if err != nil {
		return 0, 0, err
	}
	if !t.isKeyword("startxref") {
		return 0, 0, newError(ErrXRef, t.start, "expected startxref after the cross-reference section")
	}
	n, err := lex.next()
	if err != nil {
		return 0, 0, err
	}
	if n.kind != tokInt {
		return 0, 0, newError(ErrXRef, n.start, "startxref is not followed by an integer offset")
	}
	if err := lex.skipWhite(); err != nil && err != io.EOF {
		return 0, 0, err
	}
	at := lex.pos
	for _, want := range []byte("%%EOF") {
		c, err := lex.readByte()
		if err != nil || c != want {
			return 0, 0, newError(ErrXRef, at, "missing %%%%EOF after startxref (truncated file?)")
		}
	}
	if c, err := lex.readByte(); err == nil {
		switch c {
		case '\r':
			if c, err := lex.readByte(); err == nil && c != '\n' {
				lex.unreadByte()
			}
		case '\n':
		default:
			lex.unreadByte()
		}
	}
	return n.i, lex.pos, nil
}

// lexerAt returns a lexer reading the file from off. maxBytes bounds the
// bytes it may read (0: no bound).
func (r *Reader) lexerAt(off int64, bufSize int, maxBytes int64) *lexer {
	return newLexer(io.NewSectionReader(r.ra, off, max(r.size-off, 0)), off, r.size, bufSize, maxBytes)
}

// Version returns the version in the file header, such as "1.7". A later
// /Version in the catalog is not taken into account.
func (r *Reader) Version() string { return r.version }

// Size returns the size of the file.
func (r *Reader) Size() int64 { return r.size }

// StartXRef returns the offset given by the file's last startxref.
func (r *Reader) StartXRef() int64 { return r.startxref }

// Revisions returns the revisions of the file, oldest first: the original
// document and then one per incremental update. The returned values, their
// trailers and entry maps are shared with the Reader and must not be modified.
func (r *Reader) Revisions() []Revision {
	return append([]Revision(nil), r.revs...)
}

// Trailer returns the trailer of the latest revision (for a file whose latest
// cross-reference section is a stream, the stream's dictionary). It must not
// be modified.
func (r *Reader) Trailer() Dict { return r.revs[len(r.revs)-1].Trailer }

// Lookup returns the cross-reference entry in force for object number num at
// the given revision, and the index of the revision that defined it.
func (r *Reader) Lookup(num uint32, revision int) (e XRefEntry, definedIn int, ok bool) {
	if revision >= len(r.revs) {
		revision = len(r.revs) - 1
	}
	for i := revision; i >= 0; i-- {
		if e, ok := r.revs[i].Objects[num]; ok {
			return e, i, true
		}
	}
	return XRefEntry{}, -1, false
}

// Get returns the latest version of the object ref. It fails with ErrNotFound
// if the object does not exist, is free, or has another generation number.
func (r *Reader) Get(ref Ref) (Object, error) {
	return r.getAt(ref, len(r.revs)-1, &state{})
}

// GetAt returns the version of the object ref in force at the given
// revision (an index into Revisions).
func (r *Reader) GetAt(ref Ref, revision int) (Object, error) {
	if revision < 0 || revision >= len(r.revs) {
		return nil, &Error{Kind: ErrNotFound, Offset: -1, Msg: fmt.Sprintf("no revision %d (the file has %d)", revision, len(r.revs))}
	}
	return r.getAt(ref, revision, &state{})
}

// Resolve follows obj while it is a reference and returns the object it
// leads to, in the latest revision. A reference to an object that does not
// exist resolves to nil (null), as ISO 32000 requires; a reference loop is
// an ErrMalformed error.
func (r *Reader) Resolve(obj Object) (Object, error) {
	return r.resolveAt(obj, len(r.revs)-1, &state{})
}

// ResolveAt is like Resolve, in the given revision.
func (r *Reader) ResolveAt(obj Object, revision int) (Object, error) {
	if revision < 0 || revision >= len(r.revs) {
		return nil, &Error{Kind: ErrNotFound, Offset: -1, Msg: fmt.Sprintf("no revision %d (the file has %d)", revision, len(r.revs))}
	}
	return r.resolveAt(obj, revision, &state{})
}

func (r *Reader) resolveAt(obj Object, rev int, st *state) (Object, error) {
	var seen []Ref
	for {
		ref, ok := obj.(Ref)
		if !ok {
			return obj, nil
		}
		for _, s := range seen {
			if s == ref {
				return nil, &Error{Kind: ErrMalformed, Offset: -1, Object: ref, Msg: "reference loop"}
			}
		}
		if len(seen) >= r.opts.MaxDepth {
			return nil, &Error{Kind: ErrLimit, Offset: -1, Object: ref, Msg: "reference chain longer than Options.MaxDepth"}
		}
		seen = append(seen, ref)
		o, err := r.getAt(ref, rev, st)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Kind == ErrNotFound && e.Object == ref {
				return nil, nil
			}
			return nil, err
		}
		obj = o
	}
}

// ObjectOffset returns the offset of the "N G obj" header of the version of
// ref in force at the given revision. Objects stored in object streams have
// no header of their own: for them ObjectOffset fails with ErrNotFound (use
// Lookup to see the stream and index).
func (r *Reader) ObjectOffset(ref Ref, revision int) (int64, error) {
	e, _, ok := r.Lookup(ref.Num, revision)
	switch {
	case !ok || e.Type == XRefFree:
		return -1, &Error{Kind: ErrNotFound, Offset: -1, Object: ref, Msg: "no such object"}
	case e.Type == XRefCompressed:
		return -1, &Error{Kind: ErrNotFound, Offset: -1, Object: ref,
			Msg: fmt.Sprintf("stored in object stream %d at index %d, it has no offset of its own", e.StreamNum, e.Index)}
	case e.Gen != ref.Gen:
		return -1, &Error{Kind: ErrNotFound, Offset: -1, Object: ref, Msg: fmt.Sprintf("the object has generation %d", e.Gen)}
	}
	return e.Offset, nil
}

// state tracks the objects being read by one call, to detect loops such as
// a stream whose /Length is a reference to itself.
type state struct {
	active []Ref
}

func (st *state) push(r *Reader, ref Ref) error {
	for _, a := range st.active {
		if a == ref {
			return &Error{Kind: ErrMalformed, Offset: -1, Object: ref, Msg: "reference loop (reading it requires reading itself)", path: true}
		}
	}
	if len(st.active) >= r.opts.MaxDepth {
		return &Error{Kind: ErrLimit, Offset: -1, Object: ref, Msg: "objects nested deeper than Options.MaxDepth", path: true}
	}
	st.active = append(st.active, ref)
	return nil
}

func (st *state) pop() { st.active = st.active[:len(st.active)-1] }

func (r *Reader) getAt(ref Ref, rev int, st *state) (Object, error) {
	e, at, ok := r.Lookup(ref.Num, rev)
	if !ok || e.Type == XRefFree {
		return nil, &Error{Kind: ErrNotFound, Offset: -1, Object: ref, Msg: "no such object"}
	}
	if err := st.push(r, ref); err != nil {
		return nil, err
	}
	defer st.pop()
	switch e.Type {
	case XRefInUse:
		if e.Gen != ref.Gen {
			return nil, &Error{Kind: ErrNotFound, Offset: -1, Object: ref, Msg: fmt.Sprintf("the object has generation %d", e.Gen)}
		}
		obj, _, err := r.parseIndirect(e.Offset, ref, true, at, st)
		return obj, inObject(err, ref)
	default: // XRefCompressed
		if ref.Gen != 0 {
			return nil, &Error{Kind: ErrNotFound, Offset: -1, Object: ref, Msg: "objects in object streams have generation 0"}
		}
		obj, err := r.getCompressed(ref, e, at, st)
		return obj, inObject(err, ref)
	}
}

// parseIndirect parses the indirect object whose "N G obj" header is at off.
// If check is set, the header must name want. References in a stream's
// /Length are resolved at revision rev; st is nil while reading
// cross-reference streams, which must have a direct /Length. For a stream,
// end is the offset just past "endstream".
func (r *Reader) parseIndirect(off int64, want Ref, check bool, rev int, st *state) (obj Object, end int64, err error) {
	if off < 0 || off >= r.size {
		return nil, 0, newError(ErrXRef, off, "object offset is outside the file (size %d)", r.size)
	}
	lex := r.lexerAt(off, 4096, r.opts.MaxObjectSize)
	p := newParser(lex, r.opts.MaxDepth, true)
	var hdr [3]token
	for i := range hdr {
		if hdr[i], err = p.next(); err != nil {
			return nil, 0, err
		}
	}
	if hdr[0].kind != tokInt || hdr[1].kind != tokInt || !hdr[2].isKeyword("obj") ||
		hdr[0].i < 0 || hdr[0].i > 1<<32-1 || hdr[1].i < 0 || hdr[1].i > 65535 {
		return nil, 0, newError(ErrXRef, off, "no object header \"N G obj\" where the cross-reference data points")
	}
	got := Ref{Num: uint32(hdr[0].i), Gen: uint16(hdr[1].i)}
	if check && got != want {
		return nil, 0, newError(ErrXRef, off, "cross-reference entry for %d %d points at object %d %d", want.Num, want.Gen, got.Num, got.Gen)
	}
	obj, err = p.object()
	if err != nil {
		return nil, 0, err
	}
	d, ok := obj.(Dict)
	if !ok {
		return obj, 0, nil
	}
	if t, err := p.peek(0); err != nil || !t.isKeyword("stream") {
		return obj, 0, nil
	}
	// The keyword "stream" must be followed by CRLF or LF (a lone CR is
	// accepted too); the data starts right after it.
	c, err := lex.readByte()
	switch {
	case err != nil:
		return nil, 0, lex.eofError(err, "stream")
	case c == '\r':
		if c, err := lex.readByte(); err == nil && c != '\n' {
			lex.unreadByte()
		}
	case c != '\n':
		return nil, 0, newError(ErrMalformed, lex.pos-1, "keyword stream is not followed by an end-of-line marker")
	}
	s := &Stream{Dict: d, Offset: lex.pos, rev: rev + 1, ref: got}
	switch l := d["Length"].(type) {
	case Integer:
		s.Length = int64(l)
	case Ref:
		if st == nil {
			return nil, 0, newError(ErrXRef, off, "the /Length of a cross-reference stream must be a direct integer")
		}
		v, err := r.getAt(l, rev, st)
		if err != nil {
			return nil, 0, err
		}
		n, ok := v.(Integer)
		if !ok {
			return nil, 0, newError(ErrMalformed, off, "stream /Length %v is not an integer", l)
		}
		s.Length = int64(n)
	default:
		return nil, 0, newError(ErrMalformed, off, "stream has no integer /Length")
	}
	if s.Length < 0 || s.Length > r.size-s.Offset {
		return nil, 0, newError(ErrMalformed, s.Offset, "stream /Length %d runs past the end of the file", s.Length)
	}
	end, err = r.checkEndstream(s.Offset + s.Length)
	if err != nil {
		return nil, 0, err
	}
	return s, end, nil
}

// checkEndstream verifies that "endstream" follows (after optional white
// space) at off, and returns the offset just past it.
func (r *Reader) checkEndstream(off int64) (int64, error) {
	lex := r.lexerAt(off, 64, 256)
	if err := lex.skipWhite(); err != nil && err != io.EOF {
		return 0, newError(ErrMalformed, off, "stream /Length does not end where endstream starts")
	}
	for _, want := range []byte("endstream") {
		c, err := lex.readByte()
		if err != nil || c != want {
			return 0, newError(ErrMalformed, off, "stream /Length does not end where endstream starts")
		}
	}
	return lex.pos, nil
}
