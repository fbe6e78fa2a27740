package pdf

import (
	"bytes"
	"errors"
	"testing"
)

func TestIncrementalRevisions(t *testing.T) {
	data := readFile(t, "valid/incremental.pdf")
	r := open(t, data)
	revs := r.Revisions()
	if len(revs) != 4 {
		t.Fatalf("%d revisions", len(revs))
	}
	// Which objects each update defines, and free entries.
	wantObjs := []map[uint32]XRefType{
		{0: XRefFree, 1: XRefInUse, 2: XRefInUse, 3: XRefInUse, 4: XRefInUse, 5: XRefInUse, 6: XRefInUse, 7: XRefInUse, 8: XRefInUse},
		{3: XRefInUse, 8: XRefInUse, 9: XRefInUse},
		{6: XRefInUse},
		{3: XRefInUse, 9: XRefFree},
	}
	for i, rev := range revs {
		if len(rev.Objects) != len(wantObjs[i]) {
			t.Errorf("revision %d defines %d objects, want %d", i, len(rev.Objects), len(wantObjs[i]))
		}
		for num, typ := range wantObjs[i] {
			if rev.Objects[num].Type != typ {
				t.Errorf("revision %d object %d is %v, want %v", i, num, rev.Objects[num].Type, typ)
			}
		}
		if i > 0 && rev.Trailer["Prev"] != Integer(revs[i-1].XRefOffset) {
			t.Errorf("revision %d /Prev = %v, want %d", i, rev.Trailer["Prev"], revs[i-1].XRefOffset)
		}
		if !bytes.HasPrefix(data[rev.XRefOffset:], []byte("xref")) {
			t.Errorf("revision %d XRefOffset %d does not hold xref", i, rev.XRefOffset)
		}
	}
	// The %%EOF of the first three revisions end in CRLF, CR and LF; the
	// last file byte is the F of the last one.
	for i, suffix := range []string{"%%EOF\r\n", "%%EOF\r", "%%EOF\n", "%%EOF"} {
		end := revs[i].End
		if string(data[end-int64(len(suffix)):end]) != suffix {
			t.Errorf("revision %d ends with %q, want %q", i, data[end-int64(len(suffix)):end], suffix)
		}
	}

	// Object versions over time.
	title := func(rev int) string {
		o, err := r.GetAt(Ref{8, 0}, rev)
		if err != nil {
			t.Fatal(err)
		}
		return o.(Dict)["Title"].(String).Text()
	}
	if title(0) != "Classic (1.3) test" || title(1) != "Updated once" || title(3) != "Updated once" {
		t.Errorf("titles %q %q %q", title(0), title(1), title(3))
	}
	for rev, want := range []bool{false, true, true, false} {
		_, err := r.GetAt(Ref{9, 0}, rev)
		if got := err == nil; got != want {
			t.Errorf("object 9 exists at revision %d: %v (%v), want %v", rev, got, err, want)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("object 9 at revision %d: %v", rev, err)
		}
	}
	if o, err := r.Resolve(Ref{9, 0}); o != nil || err != nil {
		t.Errorf("Resolve(free object) = %v, %v; want nil, nil", o, err)
	}
	if _, err := r.Get(Ref{8, 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong generation: %v", err)
	}
	if _, err := r.GetAt(Ref{8, 0}, 4); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAt(revision 4): %v", err)
	}
	// Offsets: object 6 moved in revision 2.
	o1, err1 := r.ObjectOffset(Ref{6, 0}, 1)
	o2, err2 := r.ObjectOffset(Ref{6, 0}, 2)
	if err1 != nil || err2 != nil || o1 >= o2 || o2 < revs[1].End {
		t.Errorf("ObjectOffset(6) = %d, %d (%v, %v)", o1, o2, err1, err2)
	}
	if !bytes.HasPrefix(data[o2:], []byte("6 0 obj")) {
		t.Errorf("offset %d holds %q", o2, data[o2:o2+8])
	}
	if e, def, ok := r.Lookup(6, 3); !ok || def != 2 || e.Offset != o2 {
		t.Errorf("Lookup(6, 3) = %+v, %d, %v", e, def, ok)
	}

	// Pages per revision: page 1's annotations come and go.
	for rev, want := range []bool{false, true, true, false} {
		pages, err := r.PagesAt(rev)
		if err != nil {
			t.Fatal(err)
		}
		if _, has := pages[0].Dict["Annots"]; has != want {
			t.Errorf("revision %d: page 1 has /Annots %v, want %v", rev, has, want)
		}
	}
}

func TestPagesInheritance(t *testing.T) {
	r := open(t, readFile(t, "valid/classic13.pdf"))
	pages, err := r.Pages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 {
		t.Fatalf("%d pages", len(pages))
	}
	p0, p1 := pages[0], pages[1]
	if p0.Ref != (Ref{3, 0}) || p1.Ref != (Ref{4, 0}) {
		t.Errorf("page refs %v %v", p0.Ref, p1.Ref)
	}
	if !Equal(p0.MediaBox, Array{0, 0, 595, 842}) || !Equal(p0.CropBox, p0.MediaBox) {
		t.Errorf("page 1 boxes %v %v", p0.MediaBox, p0.CropBox)
	}
	if !Equal(p1.MediaBox, Array{0, 0, 842, 595}) || p1.Rotate != 90 || p0.Rotate != 0 {
		t.Errorf("page 2 box %v rotate %d", p1.MediaBox, p1.Rotate)
	}
	if p0.Resources == nil || p1.Resources["Font"] == nil {
		t.Errorf("resources not inherited: %v %v", p0.Resources, p1.Resources)
	}
	p, err := r.Page(1)
	if err != nil || p.Ref != p1.Ref {
		t.Errorf("Page(1) = %v, %v", p.Ref, err)
	}
	if _, err := r.Page(-1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Page(-1): %v", err)
	}

	r = open(t, readFile(t, "valid/crlf_multisub.pdf"))
	p, err = r.Page(0)
	if err != nil || !Equal(p.CropBox, Array{10, 10, 600, 780}) || p.Resources == nil {
		t.Errorf("crlf page: %+v, %v", p, err)
	}
}

func TestLinearized(t *testing.T) {
	data := readFile(t, "valid/linearized.pdf")
	r := open(t, data)
	revs := r.Revisions()
	if len(revs) != 1 {
		t.Fatalf("%d revisions", len(revs))
	}
	// startxref names the first-page section near the start of the file;
	// the revision includes the main section it points forward to.
	if revs[0].XRefOffset != r.StartXRef() || revs[0].XRefOffset > 1024 {
		t.Errorf("XRefOffset %d, startxref %d", revs[0].XRefOffset, r.StartXRef())
	}
	if revs[0].End != int64(len(data)) {
		t.Errorf("End %d, size %d", revs[0].End, len(data))
	}
	if _, ok := revs[0].Trailer["Prev"]; !ok {
		t.Error("first-page trailer has no /Prev")
	}
}

func TestHybrid(t *testing.T) {
	r := open(t, readFile(t, "valid/hybrid.pdf"))
	rev := r.Revisions()[0]
	if rev.XRefIsStream || rev.XRefStmOffset == 0 {
		t.Errorf("XRefIsStream %v, XRefStmOffset %d", rev.XRefIsStream, rev.XRefStmOffset)
	}
	for _, num := range []uint32{5, 8} {
		if e := rev.Objects[num]; e.Type != XRefCompressed || e.StreamNum != 10 {
			t.Errorf("object %d entry %+v", num, e)
		}
	}
	info, err := r.Resolve(r.Trailer()["Info"])
	if err != nil || info.(Dict)["Title"].(String).Text() != "Hybrid file" {
		t.Errorf("Info = %v, %v", info, err)
	}
	// Strings read from object streams have no file position.
	if s := info.(Dict)["Title"].(String); s.Start != -1 || s.End != -1 {
		t.Errorf("position %d-%d", s.Start, s.End)
	}
}

func TestResolveLoop(t *testing.T) {
	r := open(t, readFile(t, "broken/ref_loop.pdf"))
	if _, err := r.Resolve(Ref{9, 0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Resolve(loop) error = %v, want ErrMalformed", err)
	}
	if o, err := r.Resolve(Integer(3)); o != Integer(3) || err != nil {
		t.Errorf("Resolve(3) = %v, %v", o, err)
	}
	if o, err := r.Resolve(Ref{999, 0}); o != nil || err != nil {
		t.Errorf("Resolve(missing) = %v, %v", o, err)
	}
}

func TestErrorDetails(t *testing.T) {
	data := readFile(t, "broken/bad_syntax.pdf")
	r := open(t, data)
	_, err := r.Get(Ref{8, 0})
	var pe *Error
	if !errors.As(err, &pe) || pe.Object != (Ref{8, 0}) || pe.Offset <= 0 || pe.Kind != ErrMalformed {
		t.Fatalf("error %#v", err)
	}
	if data[pe.Offset] != '(' {
		t.Errorf("offset %d points at %q, want the unterminated string", pe.Offset, data[pe.Offset])
	}
	want := "pdf: object 8 0: offset " + itoa(int(pe.Offset)) + ": unterminated literal string"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

// TestConcurrentReads reads one Reader from several goroutines (run with
// -race).
func TestConcurrentReads(t *testing.T) {
	for _, name := range []string{"valid/xrefstream.pdf", "valid/hybrid.pdf", "valid/incremental.pdf"} {
		r := open(t, readFile(t, name))
		done := make(chan error)
		for range 4 {
			go func() { done <- walk(r, 0) }()
		}
		for range 4 {
			if err := <-done; err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := (*Options)(nil).withDefaults()
	want := Options{DefaultMaxDepth, DefaultMaxXRefSize, DefaultMaxStreamSize, DefaultMaxRevisions, DefaultMaxObjStmN, DefaultMaxObjectSize}
	if o != want {
		t.Errorf("defaults %+v, want %+v", o, want)
	}
	data := readFile(t, "valid/incremental.pdf")
	if _, err := Open(bytes.NewReader(data), int64(len(data)), &Options{MaxRevisions: 3}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxRevisions 3 on 4 revisions: %v", err)
	}
	data = readFile(t, "valid/xrefstream.pdf")
	r, err := Open(bytes.NewReader(data), int64(len(data)), &Options{MaxObjStmN: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Catalog(); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxObjStmN 1: %v", err)
	}
}
