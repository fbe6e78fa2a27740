package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"testing"
)

func TestStreamFilters(t *testing.T) {
	r := open(t, readFile(t, "valid/predictors.pdf"))
	raw := []byte{10, 20, 30, 40, 50, 60, 11, 22, 33, 44, 55, 66, 200, 100, 50, 25, 12, 6}
	hello := append([]byte("hello, world"), 0, 0, 0, 0, '!', '!')
	tests := []struct {
		num  uint32
		want []byte
	}{
		{5, raw},                // Flate + PNG Sub, Average, Paeth
		{6, raw},                // Flate + TIFF predictor 2 (in arrays)
		{7, raw[:12]},           // ASCIIHexDecode with white space and an odd digit
		{8, hello},              // ASCII85 (with a z group) then Flate
		{9, []byte("abcxxxxy")}, // RunLengthDecode
	}
	for _, tt := range tests {
		obj, err := r.Get(Ref{tt.num, 0})
		if err != nil {
			t.Fatal(err)
		}
		s := obj.(*Stream)
		got, err := r.StreamData(s, 0)
		if err != nil {
			t.Errorf("object %d: %v", tt.num, err)
			continue
		}
		if tt.num == 7 {
			// "...c864 32190c06>" : the odd final digit is not in raw[:12].
			got = got[:12]
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("object %d = %v, want %v", tt.num, got, tt.want)
		}
	}
}

// streamReader builds a Reader-free stream decode through a file made on
// the fly: a single stream object with the given dictionary entries.
func oneStream(t *testing.T, dict string, data []byte) (*Reader, *Stream) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	off1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 3 0 R >>\nendobj\n")
	off2 := b.Len()
	b.WriteString("2 0 obj\n<< " + dict + " /Length " + itoa(len(data)) + " >>\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	off3 := b.Len()
	b.WriteString("3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	x := b.Len()
	b.WriteString("xref\n0 4\n0000000000 65535 f \n")
	for _, o := range []int{off1, off2, off3} {
		b.WriteString(pad10(o) + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + itoa(x) + "\n%%EOF\n")
	r := open(t, b.Bytes())
	obj, err := r.Get(Ref{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	return r, obj.(*Stream)
}

func itoa(n int) string { return string(Format(Integer(n))) }

func pad10(n int) string {
	s := itoa(n)
	for len(s) < 10 {
		s = "0" + s
	}
	return s
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestStreamDataErrors(t *testing.T) {
	tests := []struct {
		name  string
		dict  string
		data  []byte
		limit int64
		want  error
		got   []byte // data returned along with the error, if any
	}{
		{"unsupported first", "/Filter /DCTDecode", []byte("\xff\xd8jpeg"), 0, ErrUnsupported, []byte("\xff\xd8jpeg")},
		{"unsupported after flate", "/Filter [/FlateDecode /DCTDecode]", zlibBytes([]byte("jpeg")), 0, ErrUnsupported, []byte("jpeg")},
		{"LZW", "/Filter /LZWDecode", []byte{0x80}, 0, ErrUnsupported, []byte{0x80}},
		{"bad zlib", "/Filter /FlateDecode", []byte("not zlib"), 0, ErrMalformed, nil},
		{"flate over limit", "/Filter /FlateDecode", zlibBytes(make([]byte, 5000)), 4096, ErrLimit, nil},
		{"raw over limit", "", make([]byte, 5000), 4096, ErrLimit, nil},
		{"RL over limit", "/Filter /RunLengthDecode", bytes.Repeat([]byte{129, 'x'}, 40), 1000, ErrLimit, nil},
		{"A85 over limit", "/Filter /ASCII85Decode", bytes.Repeat([]byte("z"), 300), 1000, ErrLimit, nil},
		{"bad hex", "/Filter /AHx", []byte("12zz>"), 0, ErrMalformed, nil},
		{"bad a85", "/Filter /A85", []byte("ab{~>"), 0, ErrMalformed, nil},
		{"bad filter type", "/Filter 12", nil, 0, ErrMalformed, nil},
		{"bad predictor", "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 0 >>", zlibBytes([]byte{0, 1}), 0, ErrMalformed, nil},
		{"bad PNG row filter", "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1 >>", zlibBytes([]byte{9, 1}), 0, ErrMalformed, nil},
		{"truncated RL", "/Filter /RunLengthDecode", []byte{5, 'a'}, 0, ErrMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, s := oneStream(t, tt.dict, tt.data)
			got, err := r.StreamData(s, tt.limit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tt.got != nil && !bytes.Equal(got, tt.got) {
				t.Errorf("data %q, want %q", got, tt.got)
			}
		})
	}
}

func TestRawStream(t *testing.T) {
	data := zlibBytes([]byte("some content"))
	r, s := oneStream(t, "/Filter /FlateDecode", data)
	raw, err := io.ReadAll(r.RawStream(s))
	if err != nil || !bytes.Equal(raw, data) {
		t.Errorf("RawStream = %q, %v", raw, err)
	}
	if got, err := r.StreamData(s, 0); err != nil || string(got) != "some content" {
		t.Errorf("StreamData = %q, %v", got, err)
	}
}

func TestIndirectLengthInObjectStream(t *testing.T) {
	r := open(t, readFile(t, "valid/objstm_length.pdf"))
	obj, err := r.Get(Ref{4, 0})
	if err != nil {
		t.Fatal(err)
	}
	s := obj.(*Stream)
	if s.Dict["Length"] != (Ref{12, 0}) {
		t.Fatalf("/Length = %v", s.Dict["Length"])
	}
	data, err := r.StreamData(s, 0)
	if err != nil || !bytes.Contains(data, []byte("Length in an object stream")) || int64(len(data)) != s.Length {
		t.Errorf("data %q, %v", data, err)
	}
	e, rev, ok := r.Lookup(12, 0)
	if !ok || e.Type != XRefCompressed || e.StreamNum != 10 || e.Index != 3 || rev != 0 {
		t.Errorf("Lookup(12) = %+v, %d, %v", e, rev, ok)
	}
	if _, err := r.ObjectOffset(Ref{12, 0}, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("ObjectOffset of a compressed object: %v", err)
	}
	// Strings from object streams have no position.
	if o, err := r.Get(Ref{1, 0}); err != nil {
		t.Fatal(err)
	} else if _, ok := o.(Dict); !ok {
		t.Fatalf("catalog is %s", describe(o))
	}
}
