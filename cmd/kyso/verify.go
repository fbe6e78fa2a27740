package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/verifier"
)

const verifyUsage = `verify FILE|- [--json] [--lang en|vi] [--trust FILE]... [--at TIME]
           [--revocation off|soft|hard] [--allow-online] [--policy NAME|FILE]

Exit codes: 0 every signature passes and the document shows what was signed,
1 a signature fails, the document was modified beyond what is permitted, there
is no signature, or the policy is not met, 3 indeterminate, 2 unreadable input.`

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runVerify(ctx context.Context, e *env, args []string) error {
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	fs := newFlags("verify", verifyUsage, e.stdout)
	asJSON := fs.Bool("json", false, "print the report as JSON (schema: verifier/SCHEMA.md)")
	lang := fs.String("lang", "en", "language of the text report: en or vi")
	var trust multiFlag
	fs.Var(&trust, "trust", "trust anchor file or directory (repeatable; default: the configured trust store)")
	at := fs.String("at", "", "validation time, RFC 3339 (default: now)")
	rev := fs.String("revocation", "soft", "revocation checking: off, soft or hard")
	online := fs.Bool("allow-online", false, "fetch OCSP responses, CRLs and issuer certificates from the network")
	policy := fs.String("policy", "", "check a policy: "+strings.Join(verifier.PolicyNames(), ", ")+", or a JSON file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "FILE"); err != nil {
		return err
	}
	if *lang != "en" && *lang != "vi" {
		return usageErrorf("--lang: want en or vi, not %q", *lang)
	}
	opts := verifier.Options{AllowOnline: *online}
	if opts.Revocation, err = certs.ParseRevocationMode(*rev); err != nil {
		return usageErrorf("--revocation: %v", err)
	}
	if *at != "" {
		if opts.At, err = parseTime(*at); err != nil {
			return usageErrorf("--at: %v", err)
		}
	}
	if *policy != "" {
		if opts.Policy, err = verifier.LoadPolicy(*policy); err != nil {
			return usageErrorf("--policy: %v", err)
		}
	}
	if opts.Trust, err = loadTrust(cfg, trust); err != nil {
		return withCode(exitUsage, err)
	}

	name := pos[0]
	var f *os.File
	if name == "-" {
		if f, err = spoolStdin(e.stdin); err != nil {
			return withCode(exitUsage, err)
		}
		defer os.Remove(f.Name())
		name = "stdin"
	} else if f, err = os.Open(name); err != nil {
		return withCode(exitUsage, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return withCode(exitUsage, err)
	}
	rep, err := verifier.Verify(ctx, f, st.Size(), opts)
	if err != nil {
		return withCode(exitUsage, describeVerifyError(name, err))
	}
	if *asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(e.stdout, name, *lang); err != nil {
		return err
	}
	code := exitOK
	switch rep.Indication {
	case verifier.TotalFailed:
		code = exitFailed
	case verifier.Indeterminate:
		code = exitIndeterminate
	}
	if rep.Policy != nil && !rep.Policy.Passed && code == exitOK {
		code = exitFailed
	}
	if code != exitOK {
		return &exitError{code: code, err: fmt.Errorf("%s: %s", name, firstNonEmpty(rep.Reason, policyReason(rep), string(rep.Indication)))}
	}
	return nil
}

func policyReason(rep *verifier.Report) string {
	if rep.Policy != nil && len(rep.Policy.Failures) > 0 {
		return "policy " + rep.Policy.Name + ": " + rep.Policy.Failures[0]
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func describeVerifyError(name string, err error) error {
	switch {
	case errors.Is(err, pdf.ErrNotPDF):
		return fmt.Errorf("%s: not a PDF file", name)
	case errors.Is(err, pdf.ErrEncrypted):
		return fmt.Errorf("%s: the PDF is encrypted; kyso cannot verify encrypted PDFs", name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// loadTrust returns the anchors from --trust, else KYSO_TRUST, else the
// development PKI's root in the data directory, else an empty store.
func loadTrust(cfg config.Config, flags []string) (*certs.TrustStore, error) {
	paths := flags
	if len(paths) == 0 && cfg.TrustFiles != "" {
		paths = strings.Split(cfg.TrustFiles, ",")
	}
	if len(paths) == 0 {
		root := filepath.Join(cfg.PKIDir, "root.crt")
		if _, err := os.Stat(root); err == nil {
			paths = []string{root}
		}
	}
	if len(paths) == 0 {
		return certs.NewTrustStore(), nil
	}
	return certs.LoadTrustStore(paths...)
}

func spoolStdin(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "kyso-verify-")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return f, nil
}
