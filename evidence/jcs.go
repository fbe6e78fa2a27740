package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of
// the JSON text b: no insignificant whitespace, object members sorted by
// the UTF-16 code units of their names, strings with the minimal escaping,
// numbers in ECMAScript's shortest round-trip form. Duplicate member names
// and invalid UTF-8 are errors.
func Canonicalize(b []byte) ([]byte, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("canonical JSON: invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := canonValue(dec, &buf); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("canonical JSON: trailing data")
	}
	return buf.Bytes(), nil
}

func canonValue(dec *json.Decoder, buf *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("canonical JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			type member struct {
				key string
				val []byte
			}
			var ms []member
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("canonical JSON: %w", err)
				}
				k := kt.(string)
				var vb bytes.Buffer
				if err := canonValue(dec, &vb); err != nil {
					return err
				}
				ms = append(ms, member{k, vb.Bytes()})
			}
			dec.Token() // '}'
			slices.SortFunc(ms, func(a, b member) int { return compareUTF16(a.key, b.key) })
			buf.WriteByte('{')
			for i, m := range ms {
				if i > 0 {
					if ms[i-1].key == m.key {
						return fmt.Errorf("canonical JSON: duplicate member %q", m.key)
					}
					buf.WriteByte(',')
				}
				if err := canonString(buf, m.key); err != nil {
					return err
				}
				buf.WriteByte(':')
				buf.Write(m.val)
			}
			buf.WriteByte('}')
		case '[':
			buf.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					buf.WriteByte(',')
				}
				if err := canonValue(dec, buf); err != nil {
					return err
				}
			}
			dec.Token() // ']'
			buf.WriteByte(']')
		}
	case string:
		return canonString(buf, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return fmt.Errorf("canonical JSON: number %s: %w", t, err)
		}
		s, err := es6Number(f)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		buf.WriteString("null")
	}
	return nil
}

func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func canonString(buf *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("canonical JSON: invalid UTF-8 in %q", s)
	}
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteRune(r)
			}
		}
	}
	buf.WriteByte('"')
	return nil
}

// es6Number formats f as ECMAScript's Number.prototype.toString does.
func es6Number(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("canonical JSON: %v is not a JSON number", f)
	}
	if f == 0 {
		return "0", nil
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		d := n - 1
		es := "+"
		if d < 0 {
			es, d = "-", -d
		}
		if k == 1 {
			s = digits + "e" + es + strconv.Itoa(d)
		} else {
			s = digits[:1] + "." + digits[1:] + "e" + es + strconv.Itoa(d)
		}
	}
	return sign + s, nil
}
