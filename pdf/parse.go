package pdf

// A parser builds objects from the tokens of a lexer. It buffers up to two
// tokens of lookahead, needed to tell "1 0 R" from two integers.
type parser struct {
	lex      *lexer
	ahead    []token
	maxDepth int
	inFile   bool // string positions are file offsets
}

func newParser(lex *lexer, maxDepth int, inFile bool) *parser {
	return &parser{lex: lex, ahead: make([]token, 0, 2), maxDepth: maxDepth, inFile: inFile}
}

func (p *parser) next() (token, error) {
	if len(p.ahead) > 0 {
		t := p.ahead[0]
		p.ahead = append(p.ahead[:0], p.ahead[1:]...)
		return t, nil
	}
	return p.lex.next()
}

// peek returns the i-th token ahead (0 or 1) without consuming it.
func (p *parser) peek(i int) (token, error) {
	for len(p.ahead) <= i {
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.ahead = append(p.ahead, t)
	}
	return p.ahead[i], nil
}

// object parses one direct object (streams are handled by the caller).
func (p *parser) object() (Object, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	return p.objectFrom(t, 0)
}

func (p *parser) objectFrom(t token, depth int) (Object, error) {
	switch t.kind {
	case tokEOF:
		return nil, newError(ErrMalformed, t.start, "unexpected end of data, expected an object")
	case tokInt:
		// "N G R" is a reference. Lookahead errors just mean "not a reference".
		if t.i >= 0 && t.i <= 1<<32-1 {
			if g, err := p.peek(0); err == nil && g.kind == tokInt && g.i >= 0 && g.i <= 65535 {
				if r, err := p.peek(1); err == nil && r.isKeyword("R") {
					p.ahead = p.ahead[:0]
					return Ref{Num: uint32(t.i), Gen: uint16(g.i)}, nil
				}
			}
		}
		return Integer(t.i), nil
	case tokReal:
		return Real(t.f), nil
	case tokName:
		return Name(t.s), nil
	case tokString:
		s := String{Value: t.s, Hex: t.hex, Start: -1, End: -1}
		if p.inFile {
			s.Start, s.End = t.start, t.end
		}
		return s, nil
	case tokArrayOpen:
		if depth >= p.maxDepth {
			return nil, newError(ErrLimit, t.start, "objects nested deeper than Options.MaxDepth (%d)", p.maxDepth)
		}
		a := Array{}
		for {
			e, err := p.next()
			if err != nil {
				return nil, err
			}
			if e.kind == tokArrayClose {
				return a, nil
			}
			if e.kind == tokEOF {
				return nil, newError(ErrMalformed, t.start, "unterminated array")
			}
			v, err := p.objectFrom(e, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case tokDictOpen:
		if depth >= p.maxDepth {
			return nil, newError(ErrLimit, t.start, "objects nested deeper than Options.MaxDepth (%d)", p.maxDepth)
		}
		d := Dict{}
		for {
			k, err := p.next()
			if err != nil {
				return nil, err
			}
			if k.kind == tokDictClose {
				return d, nil
			}
			if k.kind == tokEOF {
				return nil, newError(ErrMalformed, t.start, "unterminated dictionary")
			}
			if k.kind != tokName {
				return nil, newError(ErrMalformed, k.start, "dictionary key is not a name")
			}
			v, err := p.next()
			if err != nil {
				return nil, err
			}
			if v.kind == tokDictClose {
				return nil, newError(ErrMalformed, v.start, "dictionary key /%s has no value", k.s)
			}
			val, err := p.objectFrom(v, depth+1)
			if err != nil {
				return nil, err
			}
			// A repeated key: the last value wins, as in other readers.
			d[Name(k.s)] = val
		}
	case tokKeyword:
		switch string(t.s) {
		case "null":
			return nil, nil
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return nil, newError(ErrMalformed, t.start, "unexpected keyword %q", truncate(t.s))
	}
	return nil, newError(ErrMalformed, t.start, "unexpected token")
}
