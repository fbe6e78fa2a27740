package pdf

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"testing"
)

func TestValidFiles(t *testing.T) {
	for _, m := range loadManifest(t).Valid {
		t.Run(m.File, func(t *testing.T) {
			data := readFile(t, m.File)
			r := open(t, data)
			if r.Version() != m.Version {
				t.Errorf("Version = %q, want %q", r.Version(), m.Version)
			}
			revs := r.Revisions()
			if len(revs) != m.Revisions {
				t.Fatalf("%d revisions, want %d", len(revs), m.Revisions)
			}
			last := revs[len(revs)-1]
			if last.XRefIsStream != m.XRefStream {
				t.Errorf("XRefIsStream = %v, want %v", last.XRefIsStream, m.XRefStream)
			}
			if (last.XRefStmOffset != 0) != m.Hybrid {
				t.Errorf("XRefStmOffset = %d, hybrid %v", last.XRefStmOffset, m.Hybrid)
			}
			// Revision ends: after each %%EOF marker in turn, except in a
			// linearized file, whose first-page section is part of the one
			// revision ending at the end of the file.
			ends := eofEnds(data)
			if m.Linearized {
				ends = ends[len(ends)-1:]
			}
			if len(ends) != len(revs) {
				t.Fatalf("%d %%%%EOF markers for %d revisions", len(ends), len(revs))
			}
			for i, rev := range revs {
				if rev.Index != i {
					t.Errorf("revision %d has Index %d", i, rev.Index)
				}
				if rev.End != ends[i] {
					t.Errorf("revision %d: End = %d, want %d", i, rev.End, ends[i])
				}
			}
			if !m.Junk && last.End != int64(len(data)) {
				t.Errorf("last End = %d, file size %d", last.End, len(data))
			}
			if err := walk(r, 0); err != nil {
				t.Fatalf("walk: %v", err)
			}
			n, err := r.NumPages()
			if err != nil || n != m.Pages {
				t.Fatalf("NumPages = %d, %v; want %d", n, err, m.Pages)
			}
			if _, err := r.Page(n); !errors.Is(err, ErrNotFound) {
				t.Errorf("Page(%d) error = %v, want ErrNotFound", n, err)
			}
		})
	}
}

func TestBrokenFiles(t *testing.T) {
	for _, m := range loadManifest(t).Broken {
		t.Run(m.File, func(t *testing.T) {
			data := readFile(t, m.File)
			want := sentinels[m.Err]
			if want == nil {
				t.Fatalf("unknown error %q in manifest", m.Err)
			}
			opts := &Options{MaxStreamSize: m.MaxStreamSize}
			r, err := Open(bytes.NewReader(data), int64(len(data)), opts)
			if m.Stage == "open" {
				if !errors.Is(err, want) {
					t.Fatalf("Open error = %v, want %v", err, want)
				}
				t.Logf("Open: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			err = walk(r, 0)
			if !errors.Is(err, want) {
				t.Fatalf("walk error = %v, want %v", err, want)
			}
			t.Logf("walk: %v", err)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("error %v is not an *Error", err)
			}
		})
	}
}

// TestXRefStreamBomb opens a file whose cross-reference stream inflates to
// 512 MiB: decoding stops at the size its entries imply, so the refusal
// allocates little.
func TestXRefStreamBomb(t *testing.T) {
	b, err := os.ReadFile("testdata/xref-bomb.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Open(bytes.NewReader(b), int64(len(b)), nil)
	runtime.ReadMemStats(&after)
	if err == nil || !errors.Is(err, ErrLimit) && !errors.Is(err, ErrXRef) {
		t.Fatalf("Open: %v, want ErrLimit or ErrXRef", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", alloc>>20)
	}
}
