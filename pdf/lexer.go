package pdf

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokInt
	tokReal
	tokName
	tokString
	tokKeyword // a run of regular characters that is not a number: obj, R, true, ...
	tokArrayOpen
	tokArrayClose
	tokDictOpen
	tokDictClose
)

// A token is one lexical element. s holds the bytes of names, keywords and
// strings; it is owned by the token (not shared with the lexer).
type token struct {
	kind  tokKind
	i     int64
	f     float64
	s     []byte
	hex   bool
	start int64 // position of its first byte
	end   int64 // position just past its last byte
}

func (t token) isKeyword(k string) bool { return t.kind == tokKeyword && string(t.s) == k }

// A lexer splits PDF syntax into tokens. It reads through a small bufio
// window, so reading an object costs memory proportional to the object, not
// to the file. pos is the position of the next unread byte, in the same
// coordinates as base (file offsets for objects read from the file).
type lexer struct {
	br      *bufio.Reader
	pos     int64
	maxPos  int64 // reading past this position is a limit error
	srcEnd  int64 // position of the end of the input (for error messages)
	err     error // sticky I/O or limit error
	scratch []byte
}

func newLexer(r io.Reader, pos, size int64, bufSize int, maxBytes int64) *lexer {
	maxPos := pos + maxBytes
	if maxBytes <= 0 || maxPos < pos {
		maxPos = 1<<63 - 1
	}
	return &lexer{br: bufio.NewReaderSize(r, bufSize), pos: pos, maxPos: maxPos, srcEnd: size}
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWhite(c) && !isDelim(c) }

// readByte returns the next byte. At the end of input it returns io.EOF; a
// read error or the size limit makes the lexer fail permanently.
func (l *lexer) readByte() (byte, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.pos >= l.maxPos {
		l.err = newError(ErrLimit, l.pos, "object larger than Options.MaxObjectSize")
		return 0, l.err
	}
	c, err := l.br.ReadByte()
	if err != nil {
		if err != io.EOF {
			l.err = wrapError(ErrXRef, l.pos, err, "read error")
			return 0, l.err
		}
		return 0, io.EOF
	}
	l.pos++
	return c, nil
}

func (l *lexer) unreadByte() {
	if l.br.UnreadByte() == nil {
		l.pos--
	}
}

// peekByte returns the next byte without consuming it.
func (l *lexer) peekByte() (byte, error) {
	c, err := l.readByte()
	if err == nil {
		l.unreadByte()
	}
	return c, err
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() error {
	for {
		c, err := l.readByte()
		if err != nil {
			return err
		}
		if isWhite(c) {
			continue
		}
		if c == '%' {
			for {
				c, err = l.readByte()
				if err != nil {
					return err
				}
				if c == '\r' || c == '\n' {
					break
				}
			}
			continue
		}
		l.unreadByte()
		return nil
	}
}

// skipWhite skips white space but not comments.
func (l *lexer) skipWhite() error {
	for {
		c, err := l.readByte()
		if err != nil {
			return err
		}
		if !isWhite(c) {
			l.unreadByte()
			return nil
		}
	}
}

// eofError turns io.EOF into an ErrMalformed error at the current position.
func (l *lexer) eofError(err error, what string) error {
	if err == io.EOF {
		return newError(ErrMalformed, l.pos, "unexpected end of data in %s", what)
	}
	return err
}

// next returns the next token. At the end of input it returns a tokEOF token
// and a nil error.
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		if err == io.EOF {
			return token{kind: tokEOF, start: l.pos, end: l.pos}, nil
		}
		return token{}, err
	}
	start := l.pos
	c, err := l.readByte()
	if err != nil {
		return token{}, l.eofError(err, "token")
	}
	tok := token{start: start}
	switch c {
	case '[':
		tok.kind = tokArrayOpen
	case ']':
		tok.kind = tokArrayClose
	case '{', '}':
		return token{}, newError(ErrMalformed, start, "unexpected %q outside a content stream", c)
	case ')':
		return token{}, newError(ErrMalformed, start, "unbalanced ')'")
	case '>':
		c, err = l.readByte()
		if err != nil || c != '>' {
			return token{}, newError(ErrMalformed, start, "unexpected '>'")
		}
		tok.kind = tokDictClose
	case '<':
		c, err = l.readByte()
		if err != nil {
			return token{}, l.eofError(err, "hexadecimal string")
		}
		if c == '<' {
			tok.kind = tokDictOpen
			break
		}
		l.unreadByte()
		tok.kind = tokString
		tok.hex = true
		if tok.s, err = l.hexString(start); err != nil {
			return token{}, err
		}
	case '(':
		tok.kind = tokString
		if tok.s, err = l.literalString(start); err != nil {
			return token{}, err
		}
	case '/':
		tok.kind = tokName
		if tok.s, err = l.name(); err != nil {
			return token{}, err
		}
	default:
		l.unreadByte()
		word, err := l.word()
		if err != nil {
			return token{}, err
		}
		if err := classifyWord(&tok, word); err != nil {
			return token{}, err
		}
	}
	tok.end = l.pos
	return tok, nil
}

// word reads a run of regular characters into the scratch buffer.
func (l *lexer) word() ([]byte, error) {
	l.scratch = l.scratch[:0]
	for {
		c, err := l.readByte()
		if err == io.EOF {
			return l.scratch, nil
		}
		if err != nil {
			return nil, err
		}
		if !isRegular(c) {
			l.unreadByte()
			return l.scratch, nil
		}
		l.scratch = append(l.scratch, c)
	}
}

// classifyWord makes a number or keyword token of a run of regular characters.
func classifyWord(tok *token, w []byte) error {
	c := w[0]
	if c != '+' && c != '-' && c != '.' && (c < '0' || c > '9') {
		tok.kind = tokKeyword
		tok.s = bytes.Clone(w)
		return nil
	}
	digits, dots := 0, 0
	for i, c := range w {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return newError(ErrMalformed, tok.start, "bad number %q", truncate(w))
		}
	}
	if digits == 0 || dots > 1 {
		return newError(ErrMalformed, tok.start, "bad number %q", truncate(w))
	}
	if dots == 0 {
		if n, err := strconv.ParseInt(string(w), 10, 64); err == nil {
			tok.kind, tok.i = tokInt, n
			return nil
		}
		// Out of int64 range: keep it as a real, as other readers do.
	}
	f, err := strconv.ParseFloat(string(w), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return newError(ErrMalformed, tok.start, "bad number %q", truncate(w))
	}
	tok.kind, tok.f = tokReal, f
	return nil
}

func truncate(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// name reads the rest of a name after '/', decoding #xx escapes. A '#' not
// followed by two hexadecimal digits is kept as it is (PDF 1.1 names).
func (l *lexer) name() ([]byte, error) {
	w, err := l.word()
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(w, '#') < 0 {
		return bytes.Clone(w), nil
	}
	out := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		if w[i] == '#' && i+2 < len(w) && isHex(w[i+1]) && isHex(w[i+2]) {
			out = append(out, unhex(w[i+1])<<4|unhex(w[i+2]))
			i += 2
			continue
		}
		out = append(out, w[i])
	}
	return out, nil
}

// hexVal is the value of each hexadecimal digit, 0xff for other bytes.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
		if isHex(byte(i)) {
			t[i] = unhex(byte(i))
		}
	}
	return t
}()

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// hexString reads the rest of a hexadecimal string after '<'.
func (l *lexer) hexString(start int64) ([]byte, error) {
	var out []byte
	var hi byte
	half := false
	for {
		if !half && l.err == nil {
			// Fast path: decode the run of hex digit pairs already in the
			// buffer (signature /Contents are tens of kilobytes of them).
			buf, _ := l.br.Peek(l.br.Buffered())
			n := 0
			for n+1 < len(buf) && hexVal[buf[n]] < 16 && hexVal[buf[n+1]] < 16 {
				n += 2
			}
			if lim := l.maxPos - l.pos; int64(n) > lim {
				n = int(lim) &^ 1
			}
			if n > 0 {
				if out == nil {
					out = make([]byte, 0, n/2+16)
				}
				for i := 0; i < n; i += 2 {
					out = append(out, hexVal[buf[i]]<<4|hexVal[buf[i+1]])
				}
				l.br.Discard(n)
				l.pos += int64(n)
			}
		}
		c, err := l.readByte()
		if err != nil {
			if err == io.EOF {
				return nil, newError(ErrMalformed, start, "unterminated hexadecimal string")
			}
			return nil, err
		}
		switch {
		case c == '>':
			if half {
				out = append(out, hi<<4)
			}
			if out == nil {
				out = []byte{}
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
			return nil, newError(ErrMalformed, l.pos-1, "bad character %q in hexadecimal string", c)
		}
	}
}

// literalString reads the rest of a literal string after '('. End-of-line
// markers inside the string are read as a single LF (ISO 32000-1 7.3.4.2).
func (l *lexer) literalString(start int64) ([]byte, error) {
	out := []byte{}
	depth := 1
	unterminated := func(err error) ([]byte, error) {
		if err == io.EOF {
			return nil, newError(ErrMalformed, start, "unterminated literal string")
		}
		return nil, err
	}
	for {
		c, err := l.readByte()
		if err != nil {
			return unterminated(err)
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
		case '\r':
			if n, err := l.readByte(); err == nil && n != '\n' {
				l.unreadByte()
			}
			c = '\n'
		case '\\':
			c, err = l.readByte()
			if err != nil {
				return unterminated(err)
			}
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '(', ')', '\\':
			case '\r': // line continuation
				if n, err := l.readByte(); err == nil && n != '\n' {
					l.unreadByte()
				}
				continue
			case '\n':
				continue
			default:
				if c >= '0' && c <= '7' {
					v := int(c - '0')
					for range 2 {
						d, err := l.readByte()
						if err != nil {
							return unterminated(err)
						}
						if d < '0' || d > '7' {
							l.unreadByte()
							break
						}
						v = v*8 + int(d-'0')
					}
					c = byte(v) // high-order overflow is ignored
				}
				// Any other escaped character stands for itself.
			}
		}
		out = append(out, c)
	}
}
