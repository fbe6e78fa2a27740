package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// applyUpdate makes a typical update of the document in data: a new version
// of the catalog, a new dictionary, a new stream, a copy of an existing
// stream and a Raw placeholder. It returns the whole new file, the update's
// bytes and the objects it set.
func applyUpdate(t *testing.T, data []byte, tag string) (out, appended []byte, set map[Ref]Object, u *Update) {
	t.Helper()
	r := open(t, data)
	u = NewUpdate(r)
	set = map[Ref]Object{}

	cat, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	rootRef := r.Trailer()["Root"].(Ref)
	newCat := Dict{}
	for k, v := range cat {
		newCat[k] = v
	}
	info := u.Alloc()
	newCat["KysoTest"+Name(tag)] = info
	u.Set(rootRef, newCat)
	set[rootRef] = newCat

	d := Dict{
		"Title":  TextString("Văn bản đã ký số " + tag),
		"Lit":    LitString("a(b)c\\d\r\n\x00\xff"),
		"Hex":    HexString([]byte{0, 1, 0xfe}),
		"Num":    Integer(-42),
		"Real":   Real(3.25),
		"Whole":  Real(612),
		"Name":   Name("A B#/C"),
		"Arr":    Array{Integer(1), Array{Bool(true), nil}, Dict{"K": Ref{1, 0}}},
		"Empty":  LitString(""),
		"GoInts": 7,
	}
	u.Set(info, d)
	set[info] = d

	sref := u.Alloc()
	sdata := []byte("BT /F1 12 Tf 10 10 Td (kyso) Tj ET")
	u.SetStream(sref, Dict{"Type": Name("XObject"), "Subtype": Name("Form"), "BBox": Array{Integer(0), Integer(0), Integer(100), Integer(100)}}, sdata)
	set[sref] = sdata

	// Copy the first page's content stream as a new object, if it is one.
	if p, err := r.Page(0); err == nil {
		if c, ok := p.Dict["Contents"].(Ref); ok {
			if s, err := r.Get(c); err == nil {
				if s, ok := s.(*Stream); ok {
					cref := u.Alloc()
					u.Set(cref, s)
					raw, err := r.StreamData(s, 0)
					if err != nil {
						t.Fatal(err)
					}
					set[cref] = raw
				}
			}
		}
	}

	sig := u.Alloc()
	placeholder := Raw("<< /Type /Sig /Contents <" + string(bytes.Repeat([]byte("0"), 64)) + "> /ByteRange [0 0000000000 0000000000 0000000000] >>")
	u.Set(sig, placeholder)
	set[sig] = placeholder

	var buf bytes.Buffer
	n, err := u.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	out = append(bytes.Clone(data), buf.Bytes()...)
	return out, buf.Bytes(), set, u
}

func TestUpdate(t *testing.T) {
	for _, m := range loadManifest(t).Valid {
		t.Run(m.File, func(t *testing.T) {
			data := readFile(t, m.File)
			orig := open(t, data)
			origRevs := orig.Revisions()
			out, appended, set, u := applyUpdate(t, data, "1")

			if !bytes.HasPrefix(out, data) {
				t.Fatal("the original is not a prefix of the result")
			}
			last := data[len(data)-1]
			if wantNL := last != '\n' && last != '\r'; wantNL != (appended[0] == '\n') {
				t.Errorf("leading newline: got %v, want %v", appended[0] == '\n', wantNL)
			}

			// The result reads back with one more revision.
			r := open(t, out)
			revs := r.Revisions()
			if len(revs) != len(origRevs)+1 {
				t.Fatalf("%d revisions after update, want %d", len(revs), len(origRevs)+1)
			}
			for i, rev := range origRevs {
				want := rev.End
				if i == len(origRevs)-1 && appended[0] == '\n' && rev.End == int64(len(data)) {
					want++ // the newline the update starts with ends the %%EOF line
				}
				if revs[i].End != want || revs[i].XRefOffset != rev.XRefOffset {
					t.Errorf("revision %d changed: End %d→%d", i, rev.End, revs[i].End)
				}
			}
			nr := revs[len(revs)-1]
			if nr.End != int64(len(out)) {
				t.Errorf("new revision End = %d, want %d", nr.End, len(out))
			}
			wantStream := origRevs[len(origRevs)-1].XRefIsStream
			if nr.XRefIsStream != wantStream {
				t.Errorf("new section XRefIsStream = %v, want %v", nr.XRefIsStream, wantStream)
			}
			if nr.Trailer["Prev"] != Integer(orig.StartXRef()) {
				t.Errorf("/Prev = %v, want %d", nr.Trailer["Prev"], orig.StartXRef())
			}
			otr := orig.Trailer()
			for _, k := range []Name{"Root", "Info"} {
				if !Equal(nr.Trailer[k], otr[k]) {
					t.Errorf("trailer /%s = %v, want %v", k, nr.Trailer[k], otr[k])
				}
			}
			id, ok := nr.Trailer["ID"].(Array)
			if !ok || len(id) != 2 {
				t.Fatalf("trailer /ID = %v", nr.Trailer["ID"])
			}
			if oid, ok := otr["ID"].(Array); ok && !Equal(id[0], oid[0]) {
				t.Errorf("first /ID changed: %v → %v", oid[0], id[0])
			}

			// Objects read back as written, at the offsets reported.
			offs := u.Offsets()
			for ref, want := range set {
				got, err := r.Get(ref)
				if err != nil {
					t.Errorf("Get(%v): %v", ref, err)
					continue
				}
				switch w := want.(type) {
				case []byte:
					s, ok := got.(*Stream)
					if !ok {
						t.Errorf("%v is %s, want stream", ref, describe(got))
						continue
					}
					b, err := r.StreamData(s, 0)
					if err != nil && !errors.Is(err, ErrUnsupported) || !bytes.Equal(b, w) {
						t.Errorf("%v data = %q, %v; want %q", ref, b, err, w)
					}
				case Raw:
					if d, ok := got.(Dict); !ok || d["Type"] != Name("Sig") {
						t.Errorf("%v = %v", ref, got)
					}
				default:
					if !Equal(got, want) {
						t.Errorf("%v = %s, want %s", ref, Format(got), Format(want))
					}
				}
				off, ok := offs[ref]
				if !ok {
					t.Errorf("no offset for %v", ref)
					continue
				}
				hdr := fmt.Sprintf("%d %d obj", ref.Num, ref.Gen)
				if !bytes.HasPrefix(appended[off:], []byte(hdr)) {
					t.Errorf("offset %d of %v holds %q", off, ref, appended[off:off+10])
				}
				if o, err := r.ObjectOffset(ref, nr.Index); err != nil || o != int64(len(data))+off {
					t.Errorf("ObjectOffset(%v) = %d, %v; want %d", ref, o, err, int64(len(data))+off)
				}
			}
			// The placeholder can be found inside its object.
			for ref, want := range set {
				if raw, ok := want.(Raw); ok && !bytes.Contains(appended[offs[ref]:], raw) {
					t.Errorf("placeholder of %v not found", ref)
				}
			}
			// Earlier revisions are untouched.
			rootRef := otr["Root"].(Ref)
			if got, _ := r.GetAt(rootRef, len(origRevs)-1); !Equal(got, mustGet(t, orig, rootRef)) {
				t.Error("the previous catalog changed")
			}
			if err := walk(r, 0); err != nil {
				t.Fatalf("walk: %v", err)
			}
			if n, err := r.NumPages(); err != nil || n != m.Pages {
				t.Errorf("NumPages = %d, %v; want %d", n, err, m.Pages)
			}

			// Deterministic.
			var again bytes.Buffer
			if _, err := u.WriteTo(&again); err != nil || !bytes.Equal(again.Bytes(), appended) {
				t.Error("a second WriteTo wrote different bytes")
			}

			// A second update on top of ours.
			out2, _, _, _ := applyUpdate(t, out, "2")
			r2 := open(t, out2)
			if len(r2.Revisions()) != len(revs)+1 {
				t.Errorf("%d revisions after a second update, want %d", len(r2.Revisions()), len(revs)+1)
			}
			if err := walk(r2, 0); err != nil {
				t.Fatalf("walk after second update: %v", err)
			}

			// qpdf agrees.
			if _, err := lookQPDF(); err == nil {
				oc, _ := qpdfCheck(t, data)
				for i, f := range [][]byte{out, out2} {
					code, msg := qpdfCheck(t, f)
					if code != 0 && code > oc {
						t.Errorf("qpdf --check after update %d: exit %d\n%s", i+1, code, msg)
					}
				}
				crossCheck(t, out)
				crossCheck(t, out2)
			}
		})
	}
}

func mustGet(t *testing.T, r *Reader, ref Ref) Object {
	t.Helper()
	o, err := r.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestUpdateErrors(t *testing.T) {
	r := open(t, readFile(t, "valid/classic13.pdf"))
	tests := []struct {
		name string
		set  func(u *Update)
	}{
		{"object zero", func(u *Update) { u.Set(Ref{}, Integer(1)) }},
		{"NaN", func(u *Update) { u.Set(u.Alloc(), Real(nan())) }},
		{"nested stream", func(u *Update) { u.Set(u.Alloc(), Array{&Stream{}}) }},
		{"Go type", func(u *Update) { u.Set(u.Alloc(), struct{}{}) }},
		{"string", func(u *Update) { u.Set(u.Alloc(), "not a PDF string") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := NewUpdate(r)
			tt.set(u)
			if _, err := u.WriteTo(&bytes.Buffer{}); err == nil {
				t.Error("WriteTo succeeded")
			}
		})
	}
}

func TestUpdateAlloc(t *testing.T) {
	r := open(t, readFile(t, "valid/incremental.pdf"))
	u := NewUpdate(r)
	if ref := u.Alloc(); ref != (Ref{10, 0}) {
		t.Errorf("first Alloc = %v, want 10 0 R (the /Size)", ref)
	}
	u.Set(Ref{20, 0}, Integer(1))
	if ref := u.Alloc(); ref != (Ref{21, 0}) {
		t.Errorf("Alloc after Set(20) = %v, want 21 0 R", ref)
	}
	u.SetTrailer("Info", Ref{20, 0})
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := append(readFile(t, "valid/incremental.pdf"), buf.Bytes()...)
	r2 := open(t, data)
	tr := r2.Trailer()
	if tr["Size"] != Integer(22) || tr["Info"] != (Ref{20, 0}) {
		t.Errorf("trailer = %s", Format(tr))
	}
	// Object 9 was freed in the last revision and stays free.
	if _, err := r2.Get(Ref{9, 0}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(9 0 R) error = %v, want ErrNotFound", err)
	}
}
