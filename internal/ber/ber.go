// Package ber re-encodes BER as DER: CMS signatures written by some
// signers (NSS, and so poppler's pdfsig, among them) use indefinite lengths
// and constructed strings that encoding/asn1 does not parse. Both the
// signer (extending signatures made elsewhere) and the verifier need it.
package ber

import (
	"errors"
	"fmt"
)

// ErrMalformed reports input that is not valid BER.
var ErrMalformed = errors.New("malformed BER")

// ToDER re-encodes BER (as some signers, NSS among them, write CMS:
// indefinite lengths, constructed strings) as DER, so encoding/asn1 can
// parse it and the signed attributes hash as they were signed. Trailing
// zero padding after the outer element is ignored.
func ToDER(b []byte) ([]byte, error) {
	out, rest, err := berElement(b, 0)
	if err != nil {
		return nil, err
	}
	for _, c := range rest {
		if c != 0 {
			return nil, fmt.Errorf("%w: %d bytes after the element", ErrMalformed, len(rest))
		}
	}
	return out, nil
}

const maxBERDepth = 64

// berElement converts one TLV and returns it with the bytes after it.
func berElement(b []byte, depth int) (der, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, fmt.Errorf("%w: nested too deeply", ErrMalformed)
	}
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	// Identifier octets, with high tag numbers.
	i := 1
	if b[0]&0x1f == 0x1f {
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
		if i >= len(b) {
			return nil, nil, fmt.Errorf("%w: truncated tag", ErrMalformed)
		}
	}
	tag := b[:i]
	constructed := b[0]&0x20 != 0
	l := int(b[i])
	i++
	var content []byte
	if l == 0x80 {
		if !constructed {
			return nil, nil, fmt.Errorf("%w: indefinite length on a primitive", ErrMalformed)
		}
		// Children until the end-of-contents octets.
		rest = b[i:]
		var children [][]byte
		for {
			if len(rest) < 2 {
				return nil, nil, fmt.Errorf("%w: missing end-of-contents", ErrMalformed)
			}
			if rest[0] == 0 && rest[1] == 0 {
				rest = rest[2:]
				break
			}
			var child []byte
			if child, rest, err = berElement(rest, depth+1); err != nil {
				return nil, nil, err
			}
			children = append(children, child)
		}
		return assemble(tag, children), rest, nil
	}
	if l > 0x80 {
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return nil, nil, fmt.Errorf("%w: bad length", ErrMalformed)
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	}
	if l < 0 || i+l > len(b) {
		return nil, nil, fmt.Errorf("%w: length %d beyond the data", ErrMalformed, l)
	}
	content, rest = b[i:i+l], b[i+l:]
	if !constructed {
		return append(append(append([]byte{}, tag...), derLength(len(content))...), content...), rest, nil
	}
	var children [][]byte
	for c := content; len(c) > 0; {
		var child []byte
		if child, c, err = berElement(c, depth+1); err != nil {
			return nil, nil, err
		}
		children = append(children, child)
	}
	return assemble(tag, children), rest, nil
}

// assemble builds a constructed element from DER children; a constructed
// universal string becomes the primitive string of its parts, as DER
// requires.
func assemble(tag []byte, children [][]byte) []byte {
	if len(tag) == 1 && tag[0]&0xc0 == 0 {
		switch tag[0] &^ 0x20 {
		case 0x03, 0x04, 0x0c, 0x13, 0x16, 0x1e: // BIT, OCTET, UTF8, Printable, IA5, BMP strings
			var body []byte
			for k, c := range children {
				_, v := splitTLV(c)
				if tag[0]&^0x20 == 0x03 && k > 0 && len(v) > 0 {
					v = v[1:] // only the first unused-bits octet stays
				}
				body = append(body, v...)
			}
			t := tag[0] &^ 0x20
			return append(append([]byte{t}, derLength(len(body))...), body...)
		}
	}
	var body []byte
	for _, c := range children {
		body = append(body, c...)
	}
	return append(append(append([]byte{}, tag...), derLength(len(body))...), body...)
}

// splitTLV returns the header and content of a DER element.
func splitTLV(d []byte) (hdr, content []byte) {
	i := 1
	if d[0]&0x1f == 0x1f {
		for i < len(d) && d[i]&0x80 != 0 {
			i++
		}
		i++
	}
	l := int(d[i])
	i++
	if l > 0x80 {
		n := l & 0x7f
		i += n
	}
	return d[:i], d[i:]
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for x := n; x > 0; x >>= 8 {
		b = append([]byte{byte(x)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}
