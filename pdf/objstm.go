package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// An objStm is a decoded object stream.
type objStm struct {
	num   uint32
	data  []byte   // decoded data
	nums  []uint32 // object numbers, by index
	offs  []int    // offsets of the objects in data, by index
	ends  []int    // where each object's bytes end: the next object's offset or len(data)
	bytes int      // memory used, for the cache budget
}

// getCompressed reads the object ref stored in an object stream according
// to entry e, which revision rev defined.
func (r *Reader) getCompressed(ref Ref, e XRefEntry, rev int, st *state) (Object, error) {
	os, err := r.objStm(e.StreamNum, rev, st)
	if err != nil {
		return nil, err
	}
	if e.Index < 0 || e.Index >= len(os.nums) {
		return nil, &Error{Kind: ErrXRef, Offset: -1, Object: ref,
			Msg: fmt.Sprintf("index %d is beyond the %d objects of object stream %d", e.Index, len(os.nums), e.StreamNum)}
	}
	if os.nums[e.Index] != ref.Num {
		return nil, &Error{Kind: ErrXRef, Offset: -1, Object: ref,
			Msg: fmt.Sprintf("object stream %d holds object %d at index %d", e.StreamNum, os.nums[e.Index], e.Index)}
	}
	start, end := os.offs[e.Index], os.ends[e.Index]
	lex := newLexer(bytes.NewReader(os.data[start:end]), int64(start), int64(end), 512, r.opts.MaxObjectSize)
	obj, err := newParser(lex, r.opts.MaxDepth, false).object()
	if err != nil {
		if pe, ok := err.(*Error); ok {
			c := *pe
			if c.Offset >= 0 {
				c.Msg = fmt.Sprintf("in object stream %d at decoded byte %d: %s", e.StreamNum, c.Offset, c.Msg)
			} else {
				c.Msg = fmt.Sprintf("in object stream %d: %s", e.StreamNum, c.Msg)
			}
			c.Offset = -1
			return nil, &c
		}
		return nil, err
	}
	return obj, nil
}

// objStm returns the decoded object stream num in force at revision rev.
func (r *Reader) objStm(num uint32, rev int, st *state) (*objStm, error) {
	ref := Ref{Num: num}
	e, at, ok := r.Lookup(num, rev)
	if !ok || e.Type != XRefInUse || e.Gen != 0 {
		return nil, &Error{Kind: ErrXRef, Offset: -1, Object: ref, Msg: "object stream is not an in-use object of generation 0"}
	}
	if os, err, ok := r.cache.get(e.Offset); ok {
		return os, err
	}
	if err := st.push(r, ref); err != nil {
		return nil, err
	}
	defer st.pop()
	os, err := r.decodeObjStm(ref, e, at, st)
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) || !pe.path {
			// Remember the failure, so that reading each of its objects
			// does not decode a broken (or hostile) stream again. Errors
			// that depend on how the stream was reached are not cached.
			r.cache.put(e.Offset, nil, err)
		}
		return nil, err
	}
	r.cache.put(e.Offset, os, nil)
	return os, nil
}

func (r *Reader) decodeObjStm(ref Ref, e XRefEntry, at int, st *state) (*objStm, error) {
	obj, _, err := r.parseIndirect(e.Offset, ref, true, at, st)
	if err != nil {
		return nil, inObject(err, ref)
	}
	s, ok := obj.(*Stream)
	if !ok || s.Dict["Type"] != Name("ObjStm") {
		return nil, &Error{Kind: ErrMalformed, Offset: e.Offset, Object: ref, Msg: "not an object stream (/Type /ObjStm)"}
	}
	n, ok1 := s.Dict["N"].(Integer)
	first, ok2 := s.Dict["First"].(Integer)
	if !ok1 || !ok2 || n < 0 || first < 0 {
		return nil, &Error{Kind: ErrMalformed, Offset: e.Offset, Object: ref, Msg: "object stream has no valid /N and /First"}
	}
	if n > Integer(r.opts.MaxObjStmN) {
		return nil, &Error{Kind: ErrLimit, Offset: e.Offset, Object: ref,
			Msg: fmt.Sprintf("object stream /N %d exceeds Options.MaxObjStmN (%d)", n, r.opts.MaxObjStmN)}
	}
	if int64(n)*4 > int64(first)+1 {
		return nil, &Error{Kind: ErrMalformed, Offset: e.Offset, Object: ref, Msg: fmt.Sprintf("object stream /First %d is too small for /N %d", first, n)}
	}
	data, err := r.decodeStream(s, r.opts.MaxStreamSize, st)
	if err != nil {
		return nil, inObject(err, ref)
	}
	if int64(first) > int64(len(data)) {
		return nil, &Error{Kind: ErrMalformed, Offset: e.Offset, Object: ref, Msg: "object stream /First is beyond its data"}
	}
	os := &objStm{num: ref.Num, data: data, nums: make([]uint32, n), offs: make([]int, n), ends: make([]int, n)}
	lex := newLexer(bytes.NewReader(data[:first]), 0, int64(first), 512, 0)
	for i := range int(n) {
		a, err1 := lex.next()
		b, err2 := lex.next()
		if err1 != nil || err2 != nil || a.kind != tokInt || b.kind != tokInt ||
			a.i < 0 || a.i > 1<<32-1 || b.i < 0 || b.i > int64(len(data))-int64(first) {
			return nil, &Error{Kind: ErrMalformed, Offset: e.Offset, Object: ref,
				Msg: fmt.Sprintf("object stream header entry %d is not a valid object number and offset", i)}
		}
		os.nums[i], os.offs[i] = uint32(a.i), int(first)+int(b.i)
	}
	// Each object ends where the next one (by offset) starts.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return os.offs[order[a]] < os.offs[order[b]] })
	for k, i := range order {
		os.ends[i] = len(data)
		if k+1 < len(order) {
			os.ends[i] = os.offs[order[k+1]]
		}
	}
	os.bytes = len(data) + int(n)*24
	return os, nil
}

// objStmCache keeps recently decoded object streams (or the errors
// decoding them gave), keyed by the offset of their object. It holds the
// most recent one whatever its size, and older ones within a budget.
type objStmCache struct {
	mu      sync.Mutex
	entries []cacheEntry
	total   int
}

type cacheEntry struct {
	off int64
	os  *objStm
	err error
}

const objStmCacheBudget = 32 << 20

func (c *objStmCache) get(off int64) (*objStm, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.off == off {
			return e.os, e.err, true
		}
	}
	return nil, nil, false
}

func (c *objStmCache) put(off int64, os *objStm, err error) {
	size := 64
	if os != nil {
		size = os.bytes
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.entries) > 0 && (c.total+size > objStmCacheBudget || len(c.entries) >= 64) {
		c.total -= c.entries[0].size()
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, cacheEntry{off, os, err})
	c.total += size
}

func (e cacheEntry) size() int {
	if e.os != nil {
		return e.os.bytes
	}
	return 64
}
