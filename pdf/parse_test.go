package pdf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"
)

// parseString parses one object from s, as if it were in a file at offset 0.
func parseString(s string, maxDepth int) (Object, error) {
	lex := newLexer(bytes.NewReader([]byte(s)), 0, int64(len(s)), 64, 1<<20)
	return newParser(lex, maxDepth, true).object()
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Object
	}{
		{"null", nil},
		{"true", Bool(true)},
		{" false ", Bool(false)},
		{"0", Integer(0)},
		{"+17", Integer(17)},
		{"-98", Integer(-98)},
		{"34.5", Real(34.5)},
		{"-.002", Real(-0.002)},
		{"4.", Real(4)},
		{"99999999999999999999", Real(1e20)},
		{"/Name", Name("Name")},
		{"/A;Name_With-Various***Characters?", Name("A;Name_With-Various***Characters?")},
		{"/1.2", Name("1.2")},
		{"/lime#20Green", Name("lime Green")},
		{"/paired#28#29parentheses", Name("paired()parentheses")},
		{"/The_Key_of_F#23_Minor", Name("The_Key_of_F#_Minor")},
		{"/A#2", Name("A#2")},
		{"/", Name("")},
		{"(This is a string)", LitString("This is a string")},
		{"(Strings may contain (balanced) parentheses)", LitString("Strings may contain (balanced) parentheses")},
		{`(esc \n\r\t\b\f\(\)\\ \q)`, LitString("esc \n\r\t\b\f()\\ q")},
		{`(\0053\53\053\0533)`, LitString("\x053++\x2b3")},
		{`(\777)`, LitString("\xff")},
		{"(split \\\r\nline \\\nend)", LitString("split line end")},
		{"(eol\r\ncr\rlf\n)", LitString("eol\ncr\nlf\n")},
		{"<901FA3>", HexString([]byte{0x90, 0x1f, 0xa3})},
		{"<901FA>", HexString([]byte{0x90, 0x1f, 0xa0})},
		{"< 4 8\n6 5 >", HexString([]byte("He"))},
		{"<>", HexString([]byte{})},
		{"[549 3.14 false (Ralph) /SomeName]", Array{Integer(549), Real(3.14), Bool(false), LitString("Ralph"), Name("SomeName")}},
		{"[]", Array{}},
		{"[1 0 R 2 5 R 3]", Array{Ref{1, 0}, Ref{2, 5}, Integer(3)}},
		{"[1 0 2 R]", Array{Integer(1), Ref{0, 2}}},
		{"[1 -1 R]", Array{Integer(1), Integer(-1), nil}},
		{"<< /Type /Example /Sub << /Item1 0.4 /Item2 true >> /N null >>", Dict{"Type": Name("Example"), "Sub": Dict{"Item1": Real(0.4), "Item2": Bool(true)}, "N": nil}},
		{"<</A 1/A 2>>", Dict{"A": Integer(2)}},
		{"<<>>", Dict{}},
		{"% comment\n 12 0 R", Ref{12, 0}},
		{"[1%c\n2]", Array{Integer(1), Integer(2)}},
		{"4294967295 65535 R", Ref{4294967295, 65535}},
		{"4294967296 0 R", Integer(4294967296)},
	}
	for _, tt := range tests {
		got, err := parseString(tt.in, 256)
		if tt.in == "[1 -1 R]" {
			// "R" alone is not an object.
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%q: error %v, want ErrMalformed", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !Equal(got, tt.want) {
			t.Errorf("%q = %#v, want %#v", tt.in, got, tt.want)
		}
		// Types must match exactly (Equal treats Go ints as Integer).
		if got != nil && tt.want != nil && describe(got) != describe(tt.want) {
			t.Errorf("%q is a %s, want %s", tt.in, describe(got), describe(tt.want))
		}
	}
}

func TestParseStringPositions(t *testing.T) {
	in := "<< /A (x(y)z) /B <00ff> >>"
	obj, err := parseString(in, 256)
	if err != nil {
		t.Fatal(err)
	}
	d := obj.(Dict)
	for key, lit := range map[Name]string{"A": "(x(y)z)", "B": "<00ff>"} {
		s := d[key].(String)
		if in[s.Start:s.End] != lit {
			t.Errorf("/%s spans %q, want %q", key, in[s.Start:s.End], lit)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrMalformed},
		{"(unterminated", ErrMalformed},
		{"<0g>", ErrMalformed},
		{"<12", ErrMalformed},
		{"[1 2", ErrMalformed},
		{"<< /A 1", ErrMalformed},
		{"<< /A >>", ErrMalformed},
		{"<< 1 2 >>", ErrMalformed},
		{")", ErrMalformed},
		{">", ErrMalformed},
		{"{", ErrMalformed},
		{"]", ErrMalformed},
		{"1.2.3", ErrMalformed},
		{"--1", ErrMalformed},
		{"-", ErrMalformed},
		{"1e5", ErrMalformed},
		{"endobj", ErrMalformed},
		{"[[[[[[[[[[1]]]]]]]]]]", ErrLimit},
		{"<<" + string(bytes.Repeat([]byte("/A <<"), 20)) + ">>", ErrLimit},
	}
	for _, tt := range tests {
		_, err := parseString(tt.in, 8)
		if !errors.Is(err, tt.want) {
			t.Errorf("%q: error %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestObjectSizeLimit(t *testing.T) {
	in := "(" + string(bytes.Repeat([]byte("x"), 1000)) + ")"
	lex := newLexer(bytes.NewReader([]byte(in)), 0, int64(len(in)), 64, 100)
	if _, err := newParser(lex, 8, true).object(); !errors.Is(err, ErrLimit) {
		t.Errorf("error %v, want ErrLimit", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   Object
		want string
	}{
		{nil, "null"},
		{Bool(true), "true"},
		{Integer(-5), "-5"},
		{7, "7"},
		{Real(0.5), "0.5"},
		{Real(612), "612.0"},
		{Real(-0.000001), "-0.000001"},
		{Real(1e20), "100000000000000000000.0"},
		{Name("Type"), "/Type"},
		{Name("A B#/C(d)"), "/A#20B#23#2FC#28d#29"},
		{Name("é"), "/#C3#A9"},
		{Name(""), "/"},
		{LitString("a(b)c\\"), `(a\(b\)c\\)`},
		{LitString("\r\n\t\b\f\x00\x7f\xff"), "(\\r\\n\\t\\b\\f\\000\\177\xff)"},
		{HexString([]byte{0, 0xab}), "<00ab>"},
		{HexString(nil), "<>"},
		{Ref{12, 3}, "12 3 R"},
		{Array{Integer(1), Array{}, Name("x"), nil}, "[1 [] /x null]"},
		{Dict{"B": Integer(2), "A": Dict{"C": Ref{1, 0}}}, "<</A <</C 1 0 R>> /B 2>>"},
		{Dict{"Contents": Raw("<0000>")}, "<</Contents <0000>>>"},
		{Raw("[0 ********** ********** **********]"), "[0 ********** ********** **********]"},
	}
	for _, tt := range tests {
		if got := string(Format(tt.in)); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []Object{Real(math.NaN()), Real(math.Inf(1)), &Stream{}, Array{&Stream{}}, "string", struct{}{}} {
		if got := Format(bad); got != nil {
			t.Errorf("Format(%#v) = %q, want nil", bad, got)
		}
		if err := WriteObject(&bytes.Buffer{}, bad); err == nil {
			t.Errorf("WriteObject(%#v) succeeded", bad)
		}
	}
}

// TestFormatRoundTrip checks that formatted objects parse back to themselves.
func TestFormatRoundTrip(t *testing.T) {
	objs := []Object{
		Dict{
			"Lit":   LitString("a(b))c\\d\r\n\x00\xff(("),
			"Hex":   HexString([]byte{0, 1, 0xfe}),
			"Text":  TextString("Chữ ký số — Hà Nội"),
			"Num":   Integer(math.MinInt64),
			"Real":  Real(-123.456),
			"Whole": Real(2),
			"Name":  Name("A B#/C\x01"),
			"Arr":   Array{Integer(1), Array{Bool(true), nil}, Dict{"K": Ref{1, 0}}},
		},
	}
	for _, o := range objs {
		b := Format(o)
		got, err := parseString(string(b), 256)
		if err != nil {
			t.Fatalf("parsing %q: %v", b, err)
		}
		if !Equal(got, o) {
			t.Errorf("round trip of %q = %#v", b, got)
		}
	}
}

func TestTextString(t *testing.T) {
	for _, s := range []string{"", "plain ASCII", "Nguyễn Văn Ấn — Ủy ban nhân dân", "emoji 🙂"} {
		ts := TextString(s)
		if got := ts.Text(); got != s {
			t.Errorf("TextString(%q).Text() = %q", s, got)
		}
	}
	if got := TextString("abc").Value; string(got) != "abc" {
		t.Errorf("ASCII text encoded as %q", got)
	}
	// PDFDocEncoding and UTF-8 (PDF 2.0).
	if got := (String{Value: []byte{0x80, 'a', 0xe9, 0x18}}).Text(); got != "•aé˘" {
		t.Errorf("PDFDocEncoding decoded as %q", got)
	}
	if got := (String{Value: []byte("\xef\xbb\xbfViệt")}).Text(); got != "Việt" {
		t.Errorf("UTF-8 decoded as %q", got)
	}
}

func TestEqual(t *testing.T) {
	a := Dict{"A": LitString("x"), "N": nil, "R": Array{Integer(1), Ref{2, 0}}}
	b := Dict{"A": String{Value: []byte("x"), Hex: true, Start: 10, End: 13}, "R": Array{1, Ref{2, 0}}}
	if !Equal(a, b) {
		t.Error("equal dictionaries differ")
	}
	for _, c := range []Object{Dict{"A": LitString("y")}, Dict{"A": LitString("x"), "B": Integer(1)}, Array{}, nil, Integer(1)} {
		if Equal(a, c) {
			t.Errorf("Equal(%v, %v)", a, c)
		}
	}
	if Equal(Integer(1), Real(1)) {
		t.Error("Integer 1 equals Real 1")
	}
}

// TestHexStrings checks hexadecimal strings, whose digit runs are decoded
// straight from the read buffer, at buffer sizes that split them anywhere
// and against the object size limit.
func TestHexStrings(t *testing.T) {
	long := bytes.Repeat([]byte("0123456789abcdefABCDEF"), 300)
	tests := []struct {
		name string
		in   string
		want []byte // nil: an error
	}{
		{"empty", "<>", []byte{}},
		{"pair", "<4b>", []byte{0x4b}},
		{"odd digit count pads with 0", "<4b5>", []byte{0x4b, 0x50}},
		{"whitespace between digits", "<4 b\n5\t0 >", []byte{0x4b, 0x50}},
		{"long run", "<" + string(long) + ">", mustHex(t, string(long))},
		{"long run with a break", "<" + string(long[:101]) + " " + string(long[101:]) + ">", mustHex(t, string(long))},
		{"bad character", "<4bzz>", nil},
		{"unterminated", "<" + string(long), nil},
	}
	for _, tc := range tests {
		for _, bufSize := range []int{16, 17, 64, 4096} {
			lex := newLexer(bytes.NewReader([]byte(tc.in)), 0, int64(len(tc.in)), bufSize, 1<<20)
			obj, err := newParser(lex, 8, true).object()
			if tc.want == nil {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Errorf("%s (buffer %d): got %v, %v; want ErrMalformed", tc.name, bufSize, obj, err)
				}
				continue
			}
			s, ok := obj.(String)
			if err != nil || !ok || !s.Hex || !bytes.Equal(s.Value, tc.want) {
				t.Errorf("%s (buffer %d): got %#v, %v", tc.name, bufSize, obj, err)
			}
		}
	}
	// A hex string longer than the object size limit is refused.
	in := "<" + string(long) + ">"
	lex := newLexer(bytes.NewReader([]byte(in)), 0, int64(len(in)), 4096, 1001)
	if _, err := newParser(lex, 8, true).object(); !errors.Is(err, ErrLimit) {
		t.Errorf("over the limit: error %v, want ErrLimit", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
