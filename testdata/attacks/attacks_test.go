// Package attacks_test checks the attack corpus: the manifest is well
// formed, every file it names exists and is readable by package pdf (or
// rejected with one of its sentinel errors), and the corpus stays small.
//
// The go tool skips directories named testdata in ./... patterns, so run it
// by path: go test ./testdata/attacks
package attacks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
)

// Entry is one file of manifest.json.
type Entry struct {
	File     string `json:"file"`
	Class    string `json:"class"`
	Variant  string `json:"variant"`
	Expected string `json:"expected"`
	Reason   string `json:"reason"`
	Peers    struct {
		Pdfsig  string `json:"pdfsig"`
		Pdfsign string `json:"pdfsign"`
		Pdfcpu  string `json:"pdfcpu"`
	} `json:"peers"`
}

// Classes of the corpus; every class but control and trust is an attack
// family of the pdf-insecurity.org studies.
var classes = map[string]bool{"control": true, "trust": true, "USF": true, "ISA": true, "SWA": true,
	"Shadow": true, "EAA": true, "SSA": true}

var sentinels = []error{pdf.ErrNotPDF, pdf.ErrEncrypted, pdf.ErrXRef, pdf.ErrMalformed, pdf.ErrLimit,
	pdf.ErrNotFound, pdf.ErrUnsupported}

// manifest reads manifest.json strictly (unknown fields are errors).
func manifest(t testing.TB) []Entry {
	t.Helper()
	b, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var es []Entry
	if err := dec.Decode(&es); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(es) == 0 {
		t.Fatal("manifest.json lists no file")
	}
	return es
}

func TestManifest(t *testing.T) {
	es := manifest(t)
	seen := map[string]bool{}
	perClass := map[string]int{}
	expected := map[string]int{}
	for _, e := range es {
		switch {
		case e.File == "" || filepath.Base(e.File) != e.File || !strings.HasSuffix(e.File, ".pdf"):
			t.Errorf("%q: file must be a bare *.pdf name", e.File)
		case seen[e.File]:
			t.Errorf("%s: listed twice", e.File)
		}
		seen[e.File] = true
		if !classes[e.Class] {
			t.Errorf("%s: unknown class %q", e.File, e.Class)
		}
		perClass[e.Class]++
		switch e.Expected {
		case "valid", "invalid", "indeterminate":
			expected[e.Expected]++
		default:
			t.Errorf("%s: expected is %q, want valid, invalid or indeterminate", e.File, e.Expected)
		}
		if e.Variant == "" || len(e.Reason) < 20 {
			t.Errorf("%s: variant and a one-sentence reason are required", e.File)
		}
		if e.Class == "control" && e.Expected != "valid" {
			t.Errorf("%s: a control is expected valid, not %s", e.File, e.Expected)
		}
		if e.Peers.Pdfsig == "" || e.Peers.Pdfsign == "" || e.Peers.Pdfcpu == "" {
			t.Errorf("%s: peers incomplete: %+v", e.File, e.Peers)
		}
	}
	for c := range classes {
		if c != "trust" && perClass[c] < 2 {
			t.Errorf("class %s has %d files, want at least 2", c, perClass[c])
		}
	}
	for _, want := range []string{"valid", "invalid", "indeterminate"} {
		if expected[want] == 0 {
			t.Errorf("no file is expected %s", want)
		}
	}
	// Every PDF in the folder is in the manifest.
	files, _ := filepath.Glob("*.pdf")
	for _, f := range files {
		if !seen[f] {
			t.Errorf("%s is not in manifest.json", f)
		}
	}
}

func TestFilesOpen(t *testing.T) {
	var total int64
	for _, e := range manifest(t) {
		t.Run(e.File, func(t *testing.T) {
			f, err := os.Open(e.File)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			total += st.Size()
			if st.Size() > 200<<10 {
				t.Errorf("%d bytes: keep corpus files small", st.Size())
			}
			r, err := pdf.Open(f, st.Size(), nil)
			if err != nil {
				for _, s := range sentinels {
					if errors.Is(err, s) {
						t.Logf("rejected by package pdf: %v", err)
						return
					}
				}
				t.Fatalf("pdf.Open fails without a sentinel error: %v", err)
			}
			if _, err := r.Catalog(); err != nil {
				t.Logf("catalog: %v", err)
			}
		})
	}
	if total > 5<<20 {
		t.Errorf("corpus is %d bytes, want under 5 MB", total)
	}
}

// TestCorpusInfo checks corpus.json: when to validate the files.
func TestCorpusInfo(t *testing.T) {
	b, err := os.ReadFile("corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Generated          time.Time `json:"generated"`
		ValidateAt         time.Time `json:"validate_at"`
		CertificatesExpire time.Time `json:"certificates_expire"`
		TrustAnchor        string    `json:"trust_anchor"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("corpus.json: %v", err)
	}
	if info.Generated.IsZero() || !info.ValidateAt.After(info.Generated) || !info.CertificatesExpire.After(info.ValidateAt) {
		t.Errorf("corpus.json times are inconsistent: %+v", info)
	}
	if info.TrustAnchor != "pki/root.crt" {
		t.Errorf("trust anchor %q, want pki/root.crt", info.TrustAnchor)
	}
}

// TestTrustAnchor checks that the committed PKI's root, the trust anchor
// of every file, is there and is a CA.
func TestTrustAnchor(t *testing.T) {
	root, err := certs.ReadCertificateFile(filepath.Join("pki", "root.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if !root.IsCA || root.Subject.String() != root.Issuer.String() {
		t.Errorf("pki/root.crt is not a self-signed CA: %s", root.Subject)
	}
}
