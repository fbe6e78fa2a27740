package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// RawStream returns a reader of the stream's raw (still encoded) data,
// straight from the file.
func (r *Reader) RawStream(s *Stream) *io.SectionReader {
	return io.NewSectionReader(r.ra, s.Offset, s.Length)
}

// StreamData returns the data of s with its filters removed. It decodes
// FlateDecode (with PNG and TIFF predictors), ASCIIHexDecode, ASCII85Decode,
// RunLengthDecode and the Identity crypt filter. When the filter chain holds
// a filter it does not implement (DCTDecode, JPXDecode, LZWDecode, ...),
// decoding stops there: StreamData returns the bytes decoded so far (the raw
// data if it is the first filter) together with an error wrapping
// ErrUnsupported that names the filter.
//
// limit bounds the size of the data at every stage of decoding; if it is
// zero or negative, Options.MaxStreamSize is used. Exceeding it is an
// ErrLimit error.
func (r *Reader) StreamData(s *Stream, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = r.opts.MaxStreamSize
	}
	data, err := r.decodeStream(s, limit, &state{})
	return data, inObject(err, s.ref)
}

// decodeStream decodes s. With a nil st, filter parameters must be direct
// objects (as in cross-reference streams, read before any object can be).
func (r *Reader) decodeStream(s *Stream, limit int64, st *state) ([]byte, error) {
	rev := len(r.revs) - 1
	if s.rev > 0 {
		rev = s.rev - 1
	}
	resolve := func(o Object) (Object, error) {
		if _, ok := o.(Ref); !ok {
			return o, nil
		}
		if st == nil {
			return nil, newError(ErrMalformed, s.Offset, "filter parameters of this stream must be direct objects")
		}
		return r.resolveAt(o, rev, st)
	}
	filters, params, err := streamFilters(s.Dict, resolve)
	if err != nil {
		return nil, inStream(err, s)
	}
	if s.Length > limit && (len(filters) == 0 || !canDecode(filters[0])) {
		return nil, newError(ErrLimit, s.Offset, "stream of %d bytes exceeds the limit of %d bytes", s.Length, limit)
	}
	var data []byte
	for i, f := range filters {
		if !canDecode(f) {
			if data == nil {
				data, err = r.readRaw(s, limit)
				if err != nil {
					return nil, err
				}
			}
			return data, newError(ErrUnsupported, s.Offset, "stream filter /%s is not supported", f)
		}
		var in io.Reader
		if i == 0 {
			in = r.RawStream(s)
		} else {
			in = bytes.NewReader(data)
		}
		data, err = decodeFilter(f, params[i], in, limit)
		if err != nil {
			return nil, inStream(err, s)
		}
	}
	if data == nil {
		return r.readRaw(s, limit)
	}
	return data, nil
}

func (r *Reader) readRaw(s *Stream, limit int64) ([]byte, error) {
	if s.Length > limit {
		return nil, newError(ErrLimit, s.Offset, "stream of %d bytes exceeds the limit of %d bytes", s.Length, limit)
	}
	data := make([]byte, s.Length)
	if _, err := r.ra.ReadAt(data, s.Offset); err != nil && !(err == io.EOF && len(data) == 0) {
		return nil, wrapError(ErrMalformed, s.Offset, err, "reading stream data")
	}
	return data, nil
}

// inStream gives an error without an offset the offset of the stream data.
func inStream(err error, s *Stream) error {
	if e, ok := err.(*Error); ok && e.Offset < 0 {
		c := *e
		c.Offset = s.Offset
		return &c
	}
	return err
}

// streamFilters returns the filter names of d and their parameters (nil
// where there are none).
func streamFilters(d Dict, resolve func(Object) (Object, error)) ([]Name, []Dict, error) {
	f, err := resolve(d["Filter"])
	if err != nil {
		return nil, nil, err
	}
	var names []Name
	switch v := f.(type) {
	case nil:
		return nil, nil, nil
	case Name:
		names = []Name{v}
	case Array:
		for _, e := range v {
			e, err := resolve(e)
			if err != nil {
				return nil, nil, err
			}
			n, ok := e.(Name)
			if !ok {
				return nil, nil, newError(ErrMalformed, -1, "stream /Filter array holds a %s", describe(e))
			}
			names = append(names, n)
		}
	default:
		return nil, nil, newError(ErrMalformed, -1, "stream /Filter is a %s", describe(f))
	}
	params := make([]Dict, len(names))
	p, err := resolve(d["DecodeParms"])
	if err != nil {
		return nil, nil, err
	}
	switch v := p.(type) {
	case nil:
	case Dict:
		params[0] = v
	case Array:
		for i, e := range v {
			e, err := resolve(e)
			if err != nil {
				return nil, nil, err
			}
			if dd, ok := e.(Dict); ok && i < len(params) {
				params[i] = dd
			}
		}
	default:
		return nil, nil, newError(ErrMalformed, -1, "stream /DecodeParms is a %s", describe(p))
	}
	return names, params, nil
}

func canDecode(f Name) bool {
	switch f {
	case "FlateDecode", "Fl", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "RunLengthDecode", "RL":
		return true
	}
	return false
}

// decodeFilter applies one filter to in, producing at most limit bytes.
func decodeFilter(f Name, params Dict, in io.Reader, limit int64) ([]byte, error) {
	switch f {
	case "FlateDecode", "Fl":
		zr, err := zlib.NewReader(in)
		if err != nil {
			return nil, wrapError(ErrMalformed, -1, err, "FlateDecode")
		}
		data, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, wrapError(ErrMalformed, -1, err, "FlateDecode")
		}
		if int64(len(data)) > limit {
			return nil, newError(ErrLimit, -1, "FlateDecode output exceeds the limit of %d bytes", limit)
		}
		return unpredict(data, params)
	}
	src, err := io.ReadAll(io.LimitReader(in, limit+1))
	if err != nil {
		return nil, wrapError(ErrMalformed, -1, err, "reading stream data")
	}
	if int64(len(src)) > limit {
		return nil, newError(ErrLimit, -1, "stream data exceeds the limit of %d bytes", limit)
	}
	switch f {
	case "ASCIIHexDecode", "AHx":
		return asciiHexDecode(src)
	case "ASCII85Decode", "A85":
		return ascii85Decode(src, limit)
	default: // "RunLengthDecode", "RL"
		return runLengthDecode(src, limit)
	}
}

func asciiHexDecode(src []byte) ([]byte, error) {
	out := make([]byte, 0, len(src)/2)
	var hi byte
	half := false
	for i, c := range src {
		switch {
		case c == '>':
			if half {
				out = append(out, hi<<4)
			}
			return out, nil
		case isWhite(c):
		case isHex(c):
			if half {
				out = append(out, hi<<4|unhex(c))
			} else {
				hi = unhex(c)
			}
			half = !half
		default:
			return nil, newError(ErrMalformed, -1, "ASCIIHexDecode: bad character %q at byte %d", c, i)
		}
	}
	if half {
		out = append(out, hi<<4)
	}
	return out, nil
}

func ascii85Decode(src []byte, limit int64) ([]byte, error) {
	var out []byte
	var group [5]byte
	n := 0
	flush := func(k int) error {
		// k characters in the group (2..5) give k-1 bytes.
		for i := k; i < 5; i++ {
			group[i] = 'u'
		}
		var v uint64
		for _, c := range group {
			v = v*85 + uint64(c-'!')
		}
		if v > 1<<32-1 {
			return newError(ErrMalformed, -1, "ASCII85Decode: group out of range")
		}
		b := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, b[:k-1]...)
		if int64(len(out)) > limit {
			return newError(ErrLimit, -1, "ASCII85Decode output exceeds the limit of %d bytes", limit)
		}
		return nil
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case isWhite(c):
		case c == '~':
			if i+1 < len(src) && src[i+1] != '>' {
				return nil, newError(ErrMalformed, -1, "ASCII85Decode: '~' not followed by '>'")
			}
			if n == 1 {
				return nil, newError(ErrMalformed, -1, "ASCII85Decode: final group of one character")
			}
			if n > 0 {
				if err := flush(n); err != nil {
					return nil, err
				}
			}
			return out, nil
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
			if int64(len(out)) > limit {
				return nil, newError(ErrLimit, -1, "ASCII85Decode output exceeds the limit of %d bytes", limit)
			}
		case c >= '!' && c <= 'u':
			group[n] = c
			n++
			if n == 5 {
				if err := flush(5); err != nil {
					return nil, err
				}
				n = 0
			}
		default:
			return nil, newError(ErrMalformed, -1, "ASCII85Decode: bad character %q at byte %d", c, i)
		}
	}
	if n == 1 {
		return nil, newError(ErrMalformed, -1, "ASCII85Decode: final group of one character")
	}
	if n > 0 {
		if err := flush(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func runLengthDecode(src []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(src); {
		n := int(src[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			if i+n+1 > len(src) {
				return nil, newError(ErrMalformed, -1, "RunLengthDecode: run past the end of the data")
			}
			out = append(out, src[i:i+n+1]...)
			i += n + 1
		default:
			if i >= len(src) {
				return nil, newError(ErrMalformed, -1, "RunLengthDecode: run past the end of the data")
			}
			for range 257 - n {
				out = append(out, src[i])
			}
			i++
		}
		if int64(len(out)) > limit {
			return nil, newError(ErrLimit, -1, "RunLengthDecode output exceeds the limit of %d bytes", limit)
		}
	}
	return out, nil
}

// unpredict reverses a PNG (10-15) or TIFF (2) predictor.
func unpredict(data []byte, params Dict) ([]byte, error) {
	if params == nil {
		return data, nil
	}
	intParam := func(key Name, def, lo, hi int64) (int64, error) {
		v, ok := params[key]
		if !ok || v == nil {
			return def, nil
		}
		n, ok := v.(Integer)
		if !ok || int64(n) < lo || int64(n) > hi {
			return 0, newError(ErrMalformed, -1, "decode parameter /%s %s is invalid", key, describe(v))
		}
		return int64(n), nil
	}
	pred, err := intParam("Predictor", 1, 0, 15)
	if err != nil || pred <= 1 {
		return data, err
	}
	colors, err := intParam("Colors", 1, 1, 256)
	if err != nil {
		return nil, err
	}
	bpc, err := intParam("BitsPerComponent", 8, 1, 16)
	if err != nil {
		return nil, err
	}
	if bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16 {
		return nil, newError(ErrMalformed, -1, "decode parameter /BitsPerComponent %d is invalid", bpc)
	}
	cols, err := intParam("Columns", 1, 1, 1<<24)
	if err != nil {
		return nil, err
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((colors*bpc*cols + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return data, newError(ErrUnsupported, -1, "TIFF predictor with %d bits per component", bpc)
		}
		for start := 0; start < len(data); start += rowLen {
			row := data[start:min(start+rowLen, len(data))]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return data, nil
	}
	if pred < 10 {
		return nil, newError(ErrMalformed, -1, "decode parameter /Predictor %d is invalid", pred)
	}
	out := make([]byte, 0, len(data)/(rowLen+1)*rowLen+rowLen)
	prev := make([]byte, rowLen)
	for start := 0; start < len(data); start += rowLen + 1 {
		tag := data[start]
		row := data[start+1 : min(start+1+rowLen, len(data))]
		cur := make([]byte, len(row))
		copy(cur, row)
		for i := range cur {
			var left, upLeft byte
			if i >= bpp {
				left, upLeft = cur[i-bpp], prev[i-bpp]
			}
			up := prev[i]
			switch tag {
			case 0:
			case 1:
				cur[i] += left
			case 2:
				cur[i] += up
			case 3:
				cur[i] += byte((int(left) + int(up)) / 2)
			case 4:
				cur[i] += paeth(left, up, upLeft)
			default:
				return nil, newError(ErrMalformed, -1, "PNG predictor: unknown row filter %d", tag)
			}
		}
		out = append(out, cur...)
		copy(prev, cur)
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// describe names the type of an object for error messages.
func describe(o Object) string {
	switch o.(type) {
	case nil:
		return "null"
	case Bool:
		return "boolean"
	case Integer:
		return "integer"
	case Real:
		return "real"
	case String:
		return "string"
	case Name:
		return "name"
	case Array:
		return "array"
	case Dict:
		return "dictionary"
	case Ref:
		return "reference"
	case *Stream:
		return "stream"
	}
	return fmt.Sprintf("%T", o)
}
