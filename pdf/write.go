package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// errUnwritable is wrapped by errors for objects that cannot be written.
var errUnwritable = errors.New("pdf: object cannot be written")

// WriteObject writes obj to w in PDF syntax. The output is canonical:
// dictionary keys are sorted, names are escaped with #xx where needed,
// strings are written as literal strings with escapes or, if Hex is set,
// in hexadecimal, and Raw is copied verbatim. It fails for values PDF cannot
// represent: NaN and infinite reals, streams other than at the top level of
// an indirect object (see Update), and Go types that are not objects.
func WriteObject(w io.Writer, obj Object) error {
	b, err := appendObject(nil, obj, 0)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Format returns obj in PDF syntax, as written by WriteObject, or nil if
// WriteObject would fail.
func Format(obj Object) []byte {
	b, err := appendObject(nil, obj, 0)
	if err != nil {
		return nil
	}
	return b
}

func appendObject(b []byte, obj Object, depth int) ([]byte, error) {
	if depth > 10000 {
		return nil, fmt.Errorf("%w: nested too deeply", errUnwritable)
	}
	switch v := normalize(obj).(type) {
	case nil:
		return append(b, "null"...), nil
	case Bool:
		return strconv.AppendBool(b, bool(v)), nil
	case Integer:
		return strconv.AppendInt(b, int64(v), 10), nil
	case Real:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: real number %v", errUnwritable, f)
		}
		n := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		if !bytes.ContainsRune(b[n:], '.') {
			// Keep a decimal point so the value reads back as a Real.
			b = append(b, ".0"...)
		}
		return b, nil
	case Name:
		return appendName(b, v), nil
	case String:
		if v.Hex {
			return appendHex(b, v.Value), nil
		}
		return appendLiteral(b, v.Value), nil
	case Ref:
		b = strconv.AppendUint(b, uint64(v.Num), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(v.Gen), 10)
		return append(b, " R"...), nil
	case Raw:
		return append(b, v...), nil
	case Array:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			var err error
			if b, err = appendObject(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case Dict:
		return appendDict(b, v, depth)
	case *Stream:
		return nil, fmt.Errorf("%w: a stream can only be the value of an indirect object", errUnwritable)
	}
	return nil, fmt.Errorf("%w: %T is not a PDF object", errUnwritable, obj)
}

func appendDict(b []byte, d Dict, depth int) ([]byte, error) {
	keys := make([]Name, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, "<<"...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendName(b, k)
		b = append(b, ' ')
		var err error
		if b, err = appendObject(b, d[k], depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, ">>"...), nil
}

func appendName(b []byte, n Name) []byte {
	b = append(b, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || c == '#' || isDelim(c) {
			b = append(b, '#', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func appendHex(b []byte, v []byte) []byte {
	b = append(b, '<')
	for _, c := range v {
		b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
	}
	return append(b, '>')
}

func appendLiteral(b []byte, v []byte) []byte {
	b = append(b, '(')
	for _, c := range v {
		switch c {
		case '(', ')', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < ' ' || c == 0x7f {
				b = append(b, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, ')')
}
