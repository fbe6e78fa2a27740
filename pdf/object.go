package pdf

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// An Object is a PDF object. It holds one of:
//
//	nil        the null object
//	Bool       true or false
//	Integer    an integer
//	Real       a real number
//	String     a literal or hexadecimal string
//	Name       a name, with #xx escapes decoded
//	Array      an array
//	Dict       a dictionary
//	Ref        an indirect reference "N G R"
//	*Stream    a stream (only as the value of an indirect object)
//	Raw        pre-serialized PDF syntax, only ever written, never read
//
// The writer also accepts Go's int, int32, int64, uint32, float64 and bool.
type Object interface{}

// Bool is a PDF boolean.
type Bool bool

// Integer is a PDF integer.
type Integer int64

// Real is a PDF real number.
type Real float64

// Name is a PDF name without its leading slash and with #xx escapes decoded.
type Name string

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary. A key whose value is nil (null) is equivalent to
// an absent key.
type Dict map[Name]Object

// Raw is pre-serialized PDF syntax. The writer copies it verbatim; the reader
// never produces it. The signer uses it for placeholders whose exact bytes it
// must find and overwrite later.
type Raw []byte

// A Ref is an indirect reference to object Num with generation Gen.
type Ref struct {
	Num uint32
	Gen uint16
}

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// A String is a PDF string. Value holds the decoded bytes. Hex records that
// it was (or is to be) written in hexadecimal form.
//
// For a string read directly from the file, Start and End are the absolute
// offsets of its first delimiter ('(' or '<') and of the byte just past its
// last delimiter, so the literal occupies [Start, End). For strings read from
// object streams both are -1, and the writer ignores them.
type String struct {
	Value      []byte
	Hex        bool
	Start, End int64
}

// LitString returns s as a literal string with no file position.
func LitString(s string) String { return String{Value: []byte(s), Start: -1, End: -1} }

// HexString returns b as a hexadecimal string with no file position.
func HexString(b []byte) String { return String{Value: b, Hex: true, Start: -1, End: -1} }

// TextString returns s encoded as a PDF text string: bytes as they are if
// s is printable ASCII, otherwise UTF-16BE with a byte order mark (the form
// every reader understands, needed for Vietnamese text).
func TextString(s string) String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			ascii = false
			break
		}
	}
	if ascii {
		return LitString(s)
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return String{Value: b, Start: -1, End: -1}
}

// Text decodes s as a PDF text string: UTF-16BE if it starts with the byte
// order mark FE FF, UTF-8 if it starts with EF BB BF (PDF 2.0), and
// PDFDocEncoding otherwise.
func (s String) Text() string {
	v := s.Value
	switch {
	case len(v) >= 2 && v[0] == 0xfe && v[1] == 0xff:
		v = v[2:]
		u := make([]uint16, 0, len(v)/2)
		for i := 0; i+1 < len(v); i += 2 {
			u = append(u, uint16(v[i])<<8|uint16(v[i+1]))
		}
		return string(utf16.Decode(u))
	case len(v) >= 3 && v[0] == 0xef && v[1] == 0xbb && v[2] == 0xbf:
		return string(bytes.ToValidUTF8(v[3:], []byte("\uFFFD")))
	}
	buf := make([]byte, 0, len(v))
	for _, c := range v {
		buf = utf8.AppendRune(buf, pdfDocRune(c))
	}
	return string(buf)
}

// pdfDocEncoding differs from Latin-1 at 0x18-0x1F and 0x80-0xA0.
var pdfDocLow = [8]rune{0x02d8, 0x02c7, 0x02c6, 0x02d9, 0x02dd, 0x02db, 0x02da, 0x02dc}
var pdfDocHigh = [33]rune{
	0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044,
	0x2039, 0x203a, 0x2212, 0x2030, 0x201e, 0x201c, 0x201d, 0x2018,
	0x2019, 0x201a, 0x2122, 0xfb01, 0xfb02, 0x0141, 0x0152, 0x0160,
	0x0178, 0x017d, 0x0131, 0x0142, 0x0153, 0x0161, 0x017e, 0xfffd,
	0x20ac,
}

func pdfDocRune(c byte) rune {
	switch {
	case c >= 0x18 && c <= 0x1f:
		return pdfDocLow[c-0x18]
	case c >= 0x80 && c <= 0xa0:
		return pdfDocHigh[c-0x80]
	case c == 0xad:
		return 0xfffd
	}
	return rune(c)
}

// A Stream is a stream object: its dictionary and where its raw (still
// encoded) data lies in the file. The data is read only on demand, with
// Reader.StreamData or Reader.RawStream.
type Stream struct {
	Dict   Dict
	Offset int64 // absolute offset of the first data byte, after "stream" and its EOL
	Length int64 // number of raw data bytes (the resolved /Length)

	rev int // 1 + the revision it was read at; 0 means the latest
	ref Ref // the object it was read as, for error messages
}

// Equal reports whether a and b are the same PDF object: strings compare by
// value (ignoring Hex and positions), dictionaries by their non-null entries,
// streams by dictionary and by the location of their data, numbers only
// within the same type (Integer 1 is not Real 1).
func Equal(a, b Object) bool {
	return equal(a, b, 0)
}

func equal(a, b Object, depth int) bool {
	if depth > 1000 {
		return false
	}
	a, b = normalize(a), normalize(b)
	switch x := a.(type) {
	case nil:
		return b == nil
	case Bool, Integer, Name, Ref:
		return a == b
	case Real:
		y, ok := b.(Real)
		return ok && (x == y || math.IsNaN(float64(x)) && math.IsNaN(float64(y)))
	case String:
		y, ok := b.(String)
		return ok && bytes.Equal(x.Value, y.Value)
	case Raw:
		y, ok := b.(Raw)
		return ok && bytes.Equal(x, y)
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case Dict:
		y, ok := b.(Dict)
		return ok && equalDict(x, y, depth)
	case *Stream:
		y, ok := b.(*Stream)
		if !ok || x == nil || y == nil {
			return ok && x == y
		}
		return x.Offset == y.Offset && x.Length == y.Length && equalDict(x.Dict, y.Dict, depth)
	}
	return false
}

func equalDict(x, y Dict, depth int) bool {
	for k, v := range x {
		if v != nil && !equal(v, y[k], depth+1) {
			return false
		}
	}
	for k, v := range y {
		if v != nil && x[k] == nil {
			return false
		}
	}
	return true
}

// normalize maps the Go types the writer accepts onto PDF object types.
func normalize(o Object) Object {
	switch v := o.(type) {
	case int:
		return Integer(v)
	case int32:
		return Integer(v)
	case int64:
		return Integer(v)
	case uint32:
		return Integer(v)
	case uint16:
		return Integer(v)
	case float64:
		return Real(v)
	case bool:
		return Bool(v)
	}
	return o
}
