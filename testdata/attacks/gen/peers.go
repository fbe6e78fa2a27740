package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	pdfsignverify "github.com/digitorus/pdfsign/verify"
)

// collectPeers fills the peers of every entry.
func collectPeers(out string, es []Entry, pdfcpu string) error {
	root := filepath.Join(out, "pki", "root.crt")
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("no trust anchor: %w", err)
	}
	tmp, err := os.MkdirTemp("", "kyso-attack-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	nss := filepath.Join(tmp, "nss")
	must(os.Mkdir(nss, 0o700))
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + nss, "--empty-password"},
		{"-A", "-d", "sql:" + nss, "-n", "kyso-attacks-root", "-t", "CT,C,C", "-i", root},
	} {
		if b, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("certutil %v: %v\n%s", args, err, b)
		}
	}

	cpu := findPdfcpu(pdfcpu)
	cpuConf := filepath.Join(tmp, "pdfcpu")
	if cpu != "" {
		must(os.Mkdir(cpuConf, 0o700))
		// Creates the configuration, then trusts the corpus root.
		if b, err := exec.Command(cpu, "certificates", "import", "-c", cpuConf, root).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "pdfcpu certificates import: %v\n%s", err, b)
			cpu = ""
		}
	}

	for i := range es {
		path := filepath.Join(out, es[i].File)
		es[i].Peers.Pdfsig = runPdfsig(nss, path)
		es[i].Peers.Pdfsign = runPdfsign(path)
		if cpu == "" {
			es[i].Peers.Pdfcpu = "n/a"
		} else {
			es[i].Peers.Pdfcpu = runPdfcpu(cpu, cpuConf, path)
		}
	}
	return nil
}

func findPdfcpu(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p, err := exec.LookPath("pdfcpu"); err == nil {
		return p
	}
	var dirs []string
	if gb := os.Getenv("GOBIN"); gb != "" {
		dirs = append(dirs, gb)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "pdfcpu")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func command(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(b), err
}

// runPdfsig summarises pdfsig's verdict. It runs with -no-ocsp: the
// certificates' OCSP URL is deliberately dead, and with OCSP on pdfsig
// reports every certificate as "Unknown issue with Certificate or corrupted
// data". "valid" means every signature is "Signature is Valid.", its
// certificate "Certificate is Trusted." and the last one covers the whole
// file; otherwise the summary says what pdfsig says, short. pdfsig cannot
// check document time-stamps (ETSI.RFC3161): they are listed as "not checked".
func runPdfsig(nss, path string) string {
	out, err := command("pdfsig", "-nssdir", "sql:"+nss, "-no-ocsp", path)
	type sig struct {
		validation, cert, typ string
		total                 bool
	}
	var sigs []*sig
	var cur *sig
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		field := func(prefix string) (string, bool) {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix)), true
			}
			return "", false
		}
		if strings.HasPrefix(l, "Signature #") {
			cur = &sig{}
			sigs = append(sigs, cur)
			continue
		}
		if cur == nil {
			continue
		}
		if v, ok := field("- Signature Validation:"); ok {
			cur.validation = v
		} else if v, ok := field("- Certificate Validation:"); ok {
			cur.cert = v
		} else if v, ok := field("- Signature Type:"); ok {
			cur.typ = v
		} else if l == "- Total document signed" {
			cur.total = true
		} else if l == "The signature form field is not signed." {
			cur.validation = "unsigned signature field"
		}
	}
	if len(sigs) == 0 {
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(out), "\n", 2)[0])
		first = strings.ReplaceAll(first, path, "FILE")
		if first == "" && err != nil {
			first = err.Error()
		}
		return "no signature reported: " + first
	}
	ok := true
	var parts []string
	for i, s := range sigs {
		var p string
		switch {
		case strings.HasPrefix(s.validation, "Signature has not yet been verified") && s.typ == "unknown":
			p = "doc time-stamp not checked (unsupported)"
		case s.validation == "unsigned signature field":
			p = s.validation
		case s.validation == "Signature is Valid." && (s.cert == "" || s.cert == "Certificate is Trusted."):
			p = "valid"
		default:
			ok = false
			p = strings.TrimSuffix(strings.SplitN(s.validation, ".", 2)[0], ".")
			if s.validation == "Signature is Valid." {
				p = "Signature is Valid"
			}
			if s.cert != "" && s.cert != "Certificate is Trusted." {
				p += " / " + strings.TrimSuffix(s.cert, ".")
			}
		}
		parts = append(parts, fmt.Sprintf("#%d %s", i+1, p))
	}
	last := sigs[len(sigs)-1]
	if ok && last.total {
		if len(sigs) == 1 && parts[0] == "#1 valid" {
			return "valid"
		}
		if !strings.Contains(strings.Join(parts, ""), "not checked") {
			return "valid"
		}
	}
	s := strings.Join(parts, "; ")
	if !last.total {
		s += "; last signature: not total document signed"
	}
	return s
}

// runPdfsign runs the seed project's verifier, trusting embedded roots
// (it has no trust-store option), with no EKU requirement.
func runPdfsign(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "error: " + err.Error()
	}
	defer f.Close()
	o := pdfsignverify.DefaultVerifyOptions()
	o.AllowUntrustedRoots = true
	o.RequiredEKUs = nil
	resp, err := pdfsignverify.VerifyFileWithOptions(f, o)
	if err != nil {
		return "error: " + short(err.Error())
	}
	if len(resp.Signers) == 0 {
		if resp.Error != "" {
			return "no signer: " + short(resp.Error)
		}
		return "no signer found"
	}
	allValid := true
	var parts []string
	for i, s := range resp.Signers {
		if !s.ValidSignature {
			allValid = false
			parts = append(parts, fmt.Sprintf("#%d not valid", i+1))
		}
	}
	if allValid && resp.Error == "" {
		return fmt.Sprintf("valid (%d signers)", len(resp.Signers))
	}
	s := strings.Join(parts, ", ")
	if resp.Error != "" {
		if s != "" {
			s += "; "
		}
		s += short(cutHex(resp.Error))
	}
	return s
}

// cutHex drops the digests pdfsign prints after a mismatch.
func cutHex(s string) string {
	if i := strings.Index(s, "Expected:"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// runPdfcpu runs "pdfcpu signatures validate -all" with the corpus root
// trusted and lists each signature's status and reason. It runs without
// -offline because offline mode reports "pdfcpu is offline" before any
// structural finding; no traffic results, since the certificates' URLs are
// on 127.0.0.1, which pdfcpu refuses to contact for revocation data.
func runPdfcpu(bin, conf, path string) string {
	out, err := command(bin, "signatures", "validate", "-a", "-c", conf, path)
	out = strings.ReplaceAll(out, path, "FILE")
	var parts []string
	valid := true
	n := 0
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "Status:"):
			n++
			st := strings.TrimSpace(strings.TrimPrefix(l, "Status:"))
			switch st {
			case "signature is valid":
				st = "valid"
			case "signature is invalid":
				st = "invalid"
			case "validity of the signature is unknown":
				st = "unknown"
			}
			if st != "valid" {
				valid = false
			}
			parts = append(parts, fmt.Sprintf("#%d %s", n, st))
		case strings.HasPrefix(l, "Reason:") && len(parts) > 0:
			parts[len(parts)-1] += " (" + strings.TrimSpace(strings.TrimPrefix(l, "Reason:")) + ")"
		}
	}
	if n == 0 {
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "optimizing..."))
		if err != nil {
			return "error: " + short(msg)
		}
		return short(msg)
	}
	if valid {
		return "valid"
	}
	// Offsets and sizes change with every regeneration.
	return bigNumber.ReplaceAllString(strings.Join(parts, "; "), "N")
}

var bigNumber = regexp.MustCompile(`\b\d{4,}\b`)

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
