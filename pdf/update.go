package pdf

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strconv"
)

// An Update is an incremental update of a document: new objects and new
// versions of existing ones, appended after the original bytes, which are
// never changed. Build it with Alloc, Set and SetStream, then write it with
// WriteTo. An Update is not safe for concurrent use.
type Update struct {
	r       *Reader
	next    uint32
	objs    map[uint32]pending
	trailer Dict
	offsets map[Ref]int64
	err     error
}

type pending struct {
	ref    Ref
	obj    Object
	data   []byte  // SetStream
	stream bool    // SetStream was used
	src    *Stream // Set with a *Stream read from the Reader: its raw data is copied
}

// NewUpdate starts an incremental update of the document read by r.
func NewUpdate(r *Reader) *Update {
	next := uint32(1)
	if sz, ok := r.Trailer()["Size"].(Integer); ok && sz > 0 && sz <= 1<<32-1 {
		next = uint32(sz)
	}
	for _, rev := range r.revs {
		for num := range rev.Objects {
			if num >= next && num < 1<<32-1 {
				next = num + 1
			}
		}
		for _, v := range rev.Trailer {
			if ref, ok := v.(Ref); ok && ref.Num >= next && ref.Num < 1<<32-1 {
				next = ref.Num + 1
			}
		}
	}
	return &Update{r: r, next: next, objs: map[uint32]pending{}, trailer: Dict{}}
}

// Alloc returns a new object reference, numbered from the latest trailer's
// /Size on. The object is written only if it is then given a value with Set
// or SetStream.
func (u *Update) Alloc() Ref {
	ref := Ref{Num: u.next}
	u.next++
	return ref
}

// Set makes obj the new version of object ref, which may be an existing
// object or one from Alloc. obj must not contain streams, except that obj
// itself may be a *Stream read from the same Reader: its dictionary is
// written with /Length made direct and the stream's raw data copied from
// the original file (so a stream's dictionary can change without decoding
// its data).
func (u *Update) Set(ref Ref, obj Object) {
	if !u.check(ref) {
		return
	}
	p := pending{ref: ref, obj: obj}
	if s, ok := obj.(*Stream); ok {
		p.src = s
	}
	u.objs[ref.Num] = p
}

// SetStream makes a stream with dictionary dict and the already encoded
// data the new version of object ref. SetStream sets /Length; the caller
// sets /Filter and /DecodeParms to match data. data must not be modified
// until WriteTo returns.
func (u *Update) SetStream(ref Ref, dict Dict, data []byte) {
	if !u.check(ref) {
		return
	}
	d := maps.Clone(dict)
	if d == nil {
		d = Dict{}
	}
	d["Length"] = Integer(len(data))
	u.objs[ref.Num] = pending{ref: ref, obj: d, data: data, stream: true}
}

// SetTrailer sets an entry of the new trailer, such as /Info. By default
// the new trailer holds every entry of the previous one except /Prev and
// /XRefStm (and, for cross-reference streams, the stream's own entries),
// with /Size, /Prev and /ID updated. Setting /Size or /Prev has no effect;
// setting /ID replaces the generated identifier.
func (u *Update) SetTrailer(key Name, value Object) {
	u.trailer[key] = value
}

func (u *Update) check(ref Ref) bool {
	if ref.Num == 0 && u.err == nil {
		u.err = fmt.Errorf("pdf: update: object number 0 cannot be set")
	}
	if ref.Num >= u.next && ref.Num < 1<<32-1 {
		u.next = ref.Num + 1
	}
	return ref.Num != 0
}

// Offsets returns the offset of the "N G obj" header of each object written
// by the last WriteTo, relative to the first byte WriteTo wrote. Add the
// original file's size (Reader.Size) for an absolute offset.
func (u *Update) Offsets() map[Ref]int64 { return maps.Clone(u.offsets) }

// countWriter counts and optionally hashes what it writes.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	h   hash.Hash
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.err = err
	return n, err
}

func (c *countWriter) WriteString(s string) (int, error) { return c.Write([]byte(s)) }

// WriteTo writes the update: the bytes to append to the original file. It
// writes a newline first if the file does not end with an end-of-line
// marker, then each object as "N G obj ... endobj" in order of object
// number, then a cross-reference section of the same kind as the latest
// one of the original (a classic table, or a cross-reference stream; a
// hybrid file gets a classic table), the trailer, "startxref" and "%%EOF".
//
// The new trailer's /ID keeps the first identifier of the original and gets
// a new second one derived from the original's identity and the update's
// content, so equal updates give equal bytes.
func (u *Update) WriteTo(w io.Writer) (int64, error) {
	if u.err != nil {
		return 0, u.err
	}
	r := u.r
	cw := &countWriter{w: bufio.NewWriter(w), h: sha256.New()}
	if r.size > 0 {
		var last [1]byte
		if _, err := r.ra.ReadAt(last[:], r.size-1); err != nil && err != io.EOF {
			return 0, fmt.Errorf("pdf: update: reading the last byte of the file: %w", err)
		}
		if last[0] != '\n' && last[0] != '\r' {
			cw.WriteString("\n")
		}
	}
	nums := slices.Sorted(maps.Keys(u.objs))
	offsets := make(map[Ref]int64, len(nums))
	var buf []byte
	for _, num := range nums {
		p := u.objs[num]
		offsets[p.ref] = cw.n
		buf = fmt.Appendf(buf[:0], "%d %d obj\n", p.ref.Num, p.ref.Gen)
		var err error
		switch {
		case p.src != nil:
			d := maps.Clone(p.src.Dict)
			d["Length"] = Integer(p.src.Length)
			if buf, err = appendDict(buf, d, 0); err != nil {
				return cw.n, fmt.Errorf("pdf: update: object %d %d: %w", p.ref.Num, p.ref.Gen, err)
			}
			cw.Write(append(buf, "\nstream\n"...))
			if _, err := io.Copy(cw, r.RawStream(p.src)); err != nil {
				return cw.n, fmt.Errorf("pdf: update: copying the data of object %d %d: %w", p.ref.Num, p.ref.Gen, err)
			}
			cw.WriteString("\nendstream\nendobj\n")
		case p.stream:
			if buf, err = appendDict(buf, p.obj.(Dict), 0); err != nil {
				return cw.n, fmt.Errorf("pdf: update: object %d %d: %w", p.ref.Num, p.ref.Gen, err)
			}
			cw.Write(append(buf, "\nstream\n"...))
			cw.Write(p.data)
			cw.WriteString("\nendstream\nendobj\n")
		default:
			if buf, err = appendObject(buf, p.obj, 0); err != nil {
				return cw.n, fmt.Errorf("pdf: update: object %d %d: %w", p.ref.Num, p.ref.Gen, err)
			}
			cw.Write(append(buf, "\nendobj\n"...))
		}
	}
	body := cw.h.Sum(nil)
	cw.h = nil

	prev := r.revs[len(r.revs)-1]
	tr := Dict{}
	for k, v := range prev.Trailer {
		switch k {
		case "Prev", "XRefStm":
			continue
		case "Type", "W", "Index", "Length", "Filter", "DecodeParms", "F", "FFilter", "FDecodeParms", "DL":
			if prev.XRefIsStream {
				continue
			}
		}
		tr[k] = v
	}
	maps.Copy(tr, u.trailer)
	size := u.next
	tr["Prev"] = Integer(r.startxref)
	if _, ok := u.trailer["ID"]; !ok {
		tr["ID"] = u.newID(prev.Trailer["ID"], body)
	}

	base := r.size
	xrefOff := cw.n
	if prev.XRefIsStream {
		xnum := size
		size++
		offsets := maps.Clone(offsets)
		offsets[Ref{Num: xnum}] = xrefOff
		refs := sortedRefs(offsets)
		maxOff := base + xrefOff
		w2 := 1
		for maxOff>>(8*w2) > 0 {
			w2++
		}
		w2 = max(w2, 4)
		var data []byte
		for _, ref := range refs {
			data = append(data, 1)
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(base+offsets[ref]))
			data = append(data, b[8-w2:]...)
			data = append(data, byte(ref.Gen>>8), byte(ref.Gen))
		}
		tr["Type"] = Name("XRef")
		tr["Size"] = Integer(size)
		tr["W"] = Array{Integer(1), Integer(w2), Integer(2)}
		tr["Index"] = subsections(refs)
		tr["Length"] = Integer(len(data))
		buf = fmt.Appendf(buf[:0], "%d 0 obj\n", xnum)
		var err error
		if buf, err = appendDict(buf, tr, 0); err != nil {
			return cw.n, fmt.Errorf("pdf: update: trailer: %w", err)
		}
		cw.Write(append(buf, "\nstream\n"...))
		cw.Write(data)
		cw.WriteString("\nendstream\nendobj\n")
	} else {
		refs := sortedRefs(offsets)
		idx := subsections(refs)
		buf = append(buf[:0], "xref\n"...)
		k := 0
		for i := 0; i < len(idx); i += 2 {
			start, n := idx[i].(Integer), idx[i+1].(Integer)
			buf = fmt.Appendf(buf, "%d %d\n", start, n)
			for range int(n) {
				ref := refs[k]
				k++
				buf = fmt.Appendf(buf, "%010d %05d n\r\n", base+offsets[ref], ref.Gen)
			}
		}
		tr["Size"] = Integer(size)
		buf = append(buf, "trailer\n"...)
		var err error
		if buf, err = appendDict(buf, tr, 0); err != nil {
			return cw.n, fmt.Errorf("pdf: update: trailer: %w", err)
		}
		cw.Write(append(buf, '\n'))
	}
	cw.WriteString("startxref\n" + strconv.FormatInt(base+xrefOff, 10) + "\n%%EOF\n")
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return cw.n, cw.err
	}
	u.offsets = offsets
	return cw.n, nil
}

// newID returns the new /ID array: the original's first identifier (or a
// new one if there is none) and a new second identifier.
func (u *Update) newID(old Object, body []byte) Array {
	h := sha256.New()
	var first []byte
	if a, ok := old.(Array); ok && len(a) == 2 {
		if s, ok := a[0].(String); ok {
			first = s.Value
		}
	}
	fmt.Fprintf(h, "kyso pdf update\x00%d\x00%d\x00%x\x00", u.r.size, u.r.startxref, first)
	h.Write(body)
	id := h.Sum(nil)[:16]
	if first == nil {
		first = id
	}
	return Array{HexString(first), HexString(id)}
}

func sortedRefs(m map[Ref]int64) []Ref {
	return slices.SortedFunc(maps.Keys(m), func(a, b Ref) int { return cmp.Compare(a.Num, b.Num) })
}

// subsections returns the /Index of runs of consecutive object numbers.
func subsections(refs []Ref) Array {
	var idx Array
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].Num == refs[j-1].Num+1 {
			j++
		}
		idx = append(idx, Integer(refs[i].Num), Integer(j-i))
		i = j
	}
	return idx
}
