package pdf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzOptions keeps the fuzzer's inputs cheap.
var fuzzOptions = Options{
	MaxDepth:      64,
	MaxXRefSize:   1 << 16,
	MaxStreamSize: 1 << 20,
	MaxRevisions:  64,
	MaxObjStmN:    1 << 12,
	MaxObjectSize: 1 << 20,
}

func classified(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzOpen opens arbitrary bytes, reads every object of every revision,
// decodes every stream, walks the pages, and appends an update. It checks
// that nothing panics or hangs, that every error wraps a sentinel, and that
// a file that opens still opens after an update, with one more revision.
func FuzzOpen(f *testing.F) {
	for _, dir := range []string{"valid", "broken"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(fuzzBody)
}

// fuzzBody is the body of FuzzOpen.
func fuzzBody(t *testing.T, data []byte) {
	opts := fuzzOptions
	r, err := Open(bytes.NewReader(data), int64(len(data)), &opts)
	if err != nil {
		if !classified(err) {
			t.Fatalf("Open: unclassified error %v", err)
		}
		return
	}
	if err := walk(r, 1<<20); err != nil && !classified(err) {
		t.Fatalf("walk: unclassified error %v", err)
	}
	for _, rev := range r.Revisions() {
		for num := range rev.Objects {
			if o, err := r.ResolveAt(Ref{Num: num}, rev.Index); err == nil {
				Format(o)
			} else if !classified(err) {
				t.Fatalf("ResolveAt: unclassified error %v", err)
			}
		}
	}

	u := NewUpdate(r)
	ref := u.Alloc()
	u.Set(ref, Dict{"K": LitString("v"), "A": Array{Integer(1), Real(2.5), Ref{1, 0}}})
	if root, ok := r.Trailer()["Root"].(Ref); ok && root.Num != 0 {
		u.Set(root, Dict{"Type": Name("Catalog"), "X": ref})
	}
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	out := append(bytes.Clone(data), buf.Bytes()...)
	r2, err := Open(bytes.NewReader(out), int64(len(out)), &opts)
	if err != nil {
		if errors.Is(err, ErrLimit) {
			return
		}
		t.Fatalf("reopening after update: %v\nupdate:\n%q", err, buf.Bytes())
	}
	if len(r2.Revisions()) != len(r.Revisions())+1 {
		t.Fatalf("%d revisions after update, want %d", len(r2.Revisions()), len(r.Revisions())+1)
	}
	if got, err := r2.Get(ref); err != nil || got.(Dict)["K"] == nil {
		t.Fatalf("Get(%v) after update = %v, %v", ref, got, err)
	}
}

// FuzzParse parses one object from arbitrary bytes; what parses must
// format and parse back to an equal object.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<< /Type /Page /Kids [1 0 R 2 0 R] /Count 2 >>",
		`(a\(b\)c\\ \n\101 (nested)) <48656c6c6f>`,
		"[1 -2 +3 4.5 -.5 6. /A#20B true false null]",
		"<< /Contents <00ff> /ByteRange [0 10 20 30] /M (D:20240101120000+07'00') >>",
		"% comment\n[[[[1]]]]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := parseString(string(data), 32)
		if err != nil {
			if !classified(err) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		b := Format(obj)
		if b == nil {
			// Only reals that overflow to infinity cannot be written.
			return
		}
		again, err := parseString(string(b), 64)
		if err != nil {
			t.Fatalf("formatted %q does not parse: %v", b, err)
		}
		if !Equal(obj, again) {
			t.Fatalf("round trip of %q: %#v != %#v", b, obj, again)
		}
	})
}
