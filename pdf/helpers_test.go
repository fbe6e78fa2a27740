package pdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

type manifestEntry struct {
	File          string `json:"file"`
	Version       string `json:"version"`
	Revisions     int    `json:"revisions"`
	Pages         int    `json:"pages"`
	XRefStream    bool   `json:"xrefStream"`
	Hybrid        bool   `json:"hybrid"`
	Junk          bool   `json:"junk"`
	Linearized    bool   `json:"linearized"`
	Err           string `json:"err"`
	Stage         string `json:"stage"`
	MaxStreamSize int64  `json:"maxStreamSize"`
}

type manifest struct {
	Valid  []manifestEntry `json:"valid"`
	Broken []manifestEntry `json:"broken"`
}

func loadManifest(t testing.TB) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var sentinels = map[string]error{
	"ErrNotPDF":      ErrNotPDF,
	"ErrEncrypted":   ErrEncrypted,
	"ErrXRef":        ErrXRef,
	"ErrMalformed":   ErrMalformed,
	"ErrLimit":       ErrLimit,
	"ErrNotFound":    ErrNotFound,
	"ErrUnsupported": ErrUnsupported,
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func open(t testing.TB, data []byte) *Reader {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

// walk reads every object of every revision, decodes every stream and
// walks the pages of every revision. It returns the first error, or nil.
// Unsupported filters are not errors.
func walk(r *Reader, limit int64) error {
	for _, rev := range r.Revisions() {
		for num, e := range rev.Objects {
			if e.Type == XRefFree {
				continue
			}
			gen := e.Gen
			if e.Type == XRefCompressed {
				gen = 0
			}
			obj, err := r.GetAt(Ref{num, gen}, rev.Index)
			if err != nil {
				return err
			}
			if s, ok := obj.(*Stream); ok {
				if _, err := r.StreamData(s, limit); err != nil && !errors.Is(err, ErrUnsupported) {
					return err
				}
			}
		}
		if _, err := r.PagesAt(rev.Index); err != nil {
			return err
		}
	}
	return nil
}

// eofEnds returns the offsets just past each "%%EOF" marker and its single
// end-of-line marker, found by scanning the bytes.
func eofEnds(b []byte) []int64 {
	var ends []int64
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("%%EOF"))
		if j < 0 {
			return ends
		}
		e := i + j + 5
		if e < len(b) && b[e] == '\r' {
			e++
			if e < len(b) && b[e] == '\n' {
				e++
			}
		} else if e < len(b) && b[e] == '\n' {
			e++
		}
		ends = append(ends, int64(e))
		i = e
	}
}

func lookQPDF() (string, error) { return exec.LookPath("qpdf") }

func nan() float64 { return math.NaN() }
