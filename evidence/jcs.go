package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrNotCanonical: the text is not JSON that RFC 8785 can canonicalize.
var ErrNotCanonical = errors.New("canonical JSON")

// maxDepth bounds the nesting of arrays and objects.
const maxDepth = 512

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of
// the JSON text b: no insignificant whitespace, object members sorted by
// the UTF-16 code units of their names, strings with the minimal escaping
// (", \ and control characters; \u00xx in lower case), numbers in
// ECMAScript's shortest round-trip form. Invalid JSON (RFC 8259), invalid
// UTF-8, lone surrogates, duplicate member names, numbers beyond float64
// and nesting deeper than 512 are errors wrapping ErrNotCanonical.
func Canonicalize(b []byte) ([]byte, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrNotCanonical)
	}
	p := &jcsParser{b: b}
	p.space()
	out, err := p.value(make([]byte, 0, len(b)), 0)
	if err != nil {
		return nil, err
	}
	if p.space(); p.i != len(b) {
		return nil, p.errorf("trailing data")
	}
	return out, nil
}

type jcsParser struct {
	b []byte
	i int
}

func (p *jcsParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrNotCanonical, p.i, fmt.Sprintf(format, args...))
}

func (p *jcsParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at p.i to out.
func (p *jcsParser) value(out []byte, depth int) ([]byte, error) {
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(out, depth+1)
	case c == '[':
		return p.array(out, depth+1)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return appendCanonString(out, s), nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number(out)
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
				p.i += len(lit)
				return append(out, lit...), nil
			}
		}
		return nil, p.errorf("unexpected character %q", c)
	}
}

func (p *jcsParser) object(out []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested deeper than %d", maxDepth)
	}
	p.i++ // {
	type member struct {
		name  string
		value []byte
	}
	var ms []member
	var vals []byte // the members' canonical values, back to back
	var ends []int
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return append(out, '{', '}'), nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.errorf("want a member name")
		}
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errorf("want ':' after a member name")
		}
		p.i++
		p.space()
		if vals, err = p.value(vals, depth); err != nil {
			return nil, err
		}
		ms = append(ms, member{name: name})
		ends = append(ends, len(vals))
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unterminated object")
		}
		if p.b[p.i] == '}' {
			p.i++
			break
		}
		if p.b[p.i] != ',' {
			return nil, p.errorf("want ',' or '}' in an object")
		}
		p.i++
	}
	start := 0
	for k := range ms {
		ms[k].value = vals[start:ends[k]]
		start = ends[k]
	}
	slices.SortFunc(ms, func(a, b member) int { return compareUTF16(a.name, b.name) })
	out = append(out, '{')
	for k, m := range ms {
		if k > 0 {
			if ms[k-1].name == m.name {
				return nil, fmt.Errorf("%w: duplicate member %q", ErrNotCanonical, m.name)
			}
			out = append(out, ',')
		}
		out = appendCanonString(out, m.name)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}'), nil
}

func (p *jcsParser) array(out []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested deeper than %d", maxDepth)
	}
	p.i++ // [
	out = append(out, '[')
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return append(out, ']'), nil
	}
	for k := 0; ; k++ {
		if k > 0 {
			out = append(out, ',')
		}
		p.space()
		var err error
		if out, err = p.value(out, depth); err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unterminated array")
		}
		if p.b[p.i] == ']' {
			p.i++
			return append(out, ']'), nil
		}
		if p.b[p.i] != ',' {
			return nil, p.errorf("want ',' or ']' in an array")
		}
		p.i++
	}
}

// str decodes the string at p.i (the input is valid UTF-8).
func (p *jcsParser) str() (string, error) {
	p.i++ // "
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character %#x in a string", c)
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character %#x in a string", c)
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			break
		}
		esc := p.b[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if r2, err = p.hex4(); err != nil {
						return "", err
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.errorf("lone surrogate in a string")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("invalid escape \\%c", esc)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jcsParser) hex4() (rune, error) {
	if len(p.b)-p.i < 4 {
		return 0, p.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 16)
	if err != nil {
		return 0, p.errorf("invalid \\u escape")
	}
	p.i += 4
	return rune(v), nil
}

// number appends the ECMAScript form of the number at p.i (RFC 8259
// grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?).
func (p *jcsParser) number(out []byte) ([]byte, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return nil, p.errorf("malformed number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.errorf("malformed number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("malformed number")
		}
	}
	text := string(p.b[start:p.i])
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: number %s is beyond IEEE 754 double precision", ErrNotCanonical, text)
	}
	return appendES6Number(out, f), nil
}

// compareUTF16 orders strings by their UTF-16 code units.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			a1, a2 := utf16Units(ra)
			b1, b2 := utf16Units(rb)
			if a1 != b1 {
				return int(a1) - int(b1)
			}
			return int(a2) - int(b2)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Units is r as one UTF-16 code unit (and 0) or a surrogate pair.
func utf16Units(r rune) (rune, rune) {
	if r < 0x10000 {
		return r, 0
	}
	return utf16.EncodeRune(r)
}

// appendCanonString appends s (valid UTF-8) as a JSON string with the
// escaping of RFC 8785 (ECMAScript's JSON.stringify).
func appendCanonString(out []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

// appendES6Number appends f (finite) as ECMAScript's
// Number.prototype.toString writes it.
func appendES6Number(out []byte, f float64) []byte {
	if f == 0 {
		return append(out, '0')
	}
	if f < 0 {
		out = append(out, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d[.ddd]e±xx
	var digits []byte
	var exp int
	for i, c := range e {
		if c == 'e' {
			exp, _ = strconv.Atoi(string(e[i+1:]))
			break
		}
		if c != '.' {
			digits = append(digits, c)
		}
	}
	k, n := len(digits), exp+1
	zeros := func(out []byte, m int) []byte {
		for range m {
			out = append(out, '0')
		}
		return out
	}
	switch {
	case k <= n && n <= 21:
		out = zeros(append(out, digits...), n-k)
	case 0 < n && n <= 21:
		out = append(append(append(out, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		out = append(zeros(append(out, '0', '.'), -n), digits...)
	default:
		out = append(out, digits[0])
		if k > 1 {
			out = append(append(out, '.'), digits[1:]...)
		}
		out = append(out, 'e')
		if n-1 >= 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, int64(n-1), 10)
	}
	return out
}
