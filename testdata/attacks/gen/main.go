// Command gen writes kyso's attack corpus for the verifier: honest signed
// documents, attacked variants modelled on the pdf-insecurity.org studies
// (USF, ISA, SWA, Shadow, EAA, SSA), a development PKI whose root is the
// trust anchor for every file, a manifest with the expected verdicts, and
// (with -peers) the verdicts of poppler's pdfsig, digitorus/pdfsign and
// pdfcpu.
//
// Run from the repository root:
//
//	go run ./testdata/attacks/gen -out testdata/attacks           # regenerate
//	go run ./testdata/attacks/gen -out testdata/attacks -peers    # regenerate and ask the peers
//	go run ./testdata/attacks/gen -out testdata/attacks -gen=false -peers   # only ask the peers again
//
// Regenerating replaces the PKI and every PDF: keys, times and bytes change,
// the expected verdicts do not. The certificates' OCSP, CRL and CA-issuer
// URLs point at http://127.0.0.1:1 (nothing listens there), so validation is
// offline; while generating, the TSA, OCSP responder and CRLs are served in
// process and the signer's HTTP client is redirected to them, which is how
// the B-LT and B-LTA files get their embedded revocation data.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is one file of the corpus in manifest.json.
type Entry struct {
	File     string `json:"file"`
	Class    string `json:"class"`
	Variant  string `json:"variant"`
	Expected string `json:"expected"` // valid, invalid or indeterminate
	Reason   string `json:"reason"`
	Peers    Peers  `json:"peers"`
}

// Peers are the verdicts of other validators, as short strings; "valid"
// when the peer accepts every signature.
type Peers struct {
	Pdfsig  string `json:"pdfsig"`
	Pdfsign string `json:"pdfsign"`
	Pdfcpu  string `json:"pdfcpu"`
}

const (
	manifestName = "manifest.json"
	corpusName   = "corpus.json"
)

// CorpusInfo (corpus.json) tells when the corpus was made and when to
// validate it: the end-entity certificates live three years, so tests
// should validate at ValidateAt rather than at the current time.
type CorpusInfo struct {
	Generated          time.Time `json:"generated"`
	ValidateAt         time.Time `json:"validate_at"`
	CertificatesExpire time.Time `json:"certificates_expire"`
	TrustAnchor        string    `json:"trust_anchor"`
}

func main() {
	out := flag.String("out", "testdata/attacks", "output directory")
	gen := flag.Bool("gen", true, "generate the PKI, the PDFs and the manifest (false: reuse them)")
	peers := flag.Bool("peers", false, "run pdfsig, pdfsign and pdfcpu on every file and record their verdicts")
	pdfcpu := flag.String("pdfcpu", "", "pdfcpu binary (default: pdfcpu on $PATH, then $GOBIN, ~/go/bin)")
	flag.Parse()
	if err := run(*out, *gen, *peers, *pdfcpu); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, gen, peers bool, pdfcpu string) error {
	old, _ := readManifest(filepath.Join(out, manifestName))
	var entries []Entry
	if gen {
		g, err := newGenerator(out)
		if err != nil {
			return err
		}
		defer g.close()
		if err := g.all(); err != nil {
			return err
		}
		if err := g.writeCorpusInfo(); err != nil {
			return err
		}
		entries = g.entries
		// Keep earlier peer verdicts until -peers refreshes them.
		prev := map[string]Peers{}
		for _, e := range old {
			prev[e.File] = e.Peers
		}
		for i := range entries {
			if p, ok := prev[entries[i].File]; ok {
				entries[i].Peers = p
			} else {
				entries[i].Peers = Peers{"not run", "not run", "not run"}
			}
		}
	} else {
		if old == nil {
			return fmt.Errorf("no %s in %s: run with -gen first", manifestName, out)
		}
		entries = old
	}
	if peers {
		if err := collectPeers(out, entries, pdfcpu); err != nil {
			return err
		}
	}
	if err := writeManifest(filepath.Join(out, manifestName), entries); err != nil {
		return err
	}
	if err := updateReadme(filepath.Join(out, "README.md"), entries); err != nil {
		return err
	}
	printTable(entries)
	return nil
}

func readManifest(path string) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var es []Entry
	if err := json.Unmarshal(b, &es); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}

func writeManifest(path string, es []Entry) error {
	sort.SliceStable(es, func(i, j int) bool { return es[i].File < es[j].File })
	b, err := json.MarshalIndent(es, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

const (
	tableBegin = "<!-- BEGIN TABLE (written by gen) -->"
	tableEnd   = "<!-- END TABLE -->"
)

// updateReadme rewrites the table between the markers of README.md, if
// the file and the markers exist.
func updateReadme(path string, es []Entry) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := string(b)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		return nil
	}
	var t strings.Builder
	t.WriteString(tableBegin + "\n\n")
	t.WriteString("| file | class | expected | pdfsig | pdfsign | pdfcpu |\n|---|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, e := range es {
		fmt.Fprintf(&t, "| `%s` | %s | **%s** | %s | %s | %s |\n", e.File, e.Class, e.Expected,
			cell(e.Peers.Pdfsig), cell(e.Peers.Pdfsign), cell(e.Peers.Pdfcpu))
	}
	t.WriteString("\n")
	return os.WriteFile(path, []byte(s[:i]+t.String()+s[j:]), 0o644)
}

func printTable(es []Entry) {
	fmt.Printf("%-34s %-8s %-13s | %-40s | %-40s | %s\n", "file", "class", "expected", "pdfsig", "pdfsign", "pdfcpu")
	for _, e := range es {
		fmt.Printf("%-34s %-8s %-13s | %-40s | %-40s | %s\n", e.File, e.Class, e.Expected,
			clip(e.Peers.Pdfsig, 40), clip(e.Peers.Pdfsign, 40), clip(e.Peers.Pdfcpu, 60))
	}
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
