package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/verifier"
)

func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	p := testpki.New(t, certs.DevPKIOptions{})
	other := testpki.New(t, certs.DevPKIOptions{})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := testpdf.File(in, testpdf.Options{}); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "signed.pdf")
	if code, _, stderr := kyso(t, ctx, "sign", in, "-o", signed, "--p12", filepath.Join(p.Dir, "head.p12"),
		"--level", "B-T", "--tsa", p.TSAURL()); code != 0 {
		t.Fatal(stderr)
	}
	b, _ := os.ReadFile(signed)
	tampered := filepath.Join(dir, "tampered.pdf")
	os.WriteFile(tampered, []byte(strings.Replace(string(b), "QUYET DINH so 123", "QUYET DINH so 999", 1)), 0o644)
	notPDF := filepath.Join(dir, "x.pdf")
	os.WriteFile(notPDF, []byte("hello"), 0o644)
	root := filepath.Join(p.Dir, "root.crt")

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"valid", []string{signed, "--trust", root}, exitOK, "The document is valid", ""},
		{"valid in Vietnamese", []string{signed, "--trust", root, "--lang", "vi"}, exitOK, "Văn bản hợp lệ", ""},
		{"tampered", []string{tampered, "--trust", root}, exitFailed, "NOT valid", "digest"},
		{"no signature", []string{in, "--trust", root}, exitFailed, "no signature", "no signature"},
		{"untrusted", []string{signed, "--trust", filepath.Join(other.Dir, "root.crt")}, exitIndeterminate, "cannot be decided", "does not chain"},
		{"not a PDF", []string{notPDF, "--trust", root}, exitUsage, "", "not a PDF"},
		{"missing file", []string{filepath.Join(dir, "nope.pdf")}, exitUsage, "", "nope.pdf"},
		{"policy not met", []string{signed, "--trust", root, "--policy", "result"}, exitFailed, "Policy result: NOT met", "policy result"},
		{"policy passes", []string{signed, "--trust", root, "--policy", "apology-letter"}, exitOK, "Policy apology-letter: met", ""},
		{"unknown policy", []string{signed, "--policy", "nope"}, exitUsage, "", "unknown policy"},
		{"bad revocation mode", []string{signed, "--revocation", "maybe"}, exitUsage, "", "off, soft or hard"},
		{"bad time", []string{signed, "--at", "tomorrow"}, exitUsage, "", "malformed time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := kyso(t, ctx, append([]string{"verify"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q: %s", tc.stderr, stderr)
			}
		})
	}
	// --json is the documented report.
	code, stdout, _ := kyso(t, ctx, "verify", signed, "--trust", root, "--json")
	var rep verifier.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("--json: %v (exit %d)", err, code)
	}
	if rep.Indication != verifier.TotalPassed || len(rep.Signatures) != 1 || rep.Signatures[0].Level != "B-T" || rep.Signatures[0].Signer.Name != "Trần Thị Bình" {
		t.Errorf("report %+v", rep)
	}
	// stdin.
	f, _ := os.Open(signed)
	defer f.Close()
	var out strings.Builder
	if c := run(ctx, []string{"verify", "-", "--trust", root}, &env{stdin: f, stdout: &out, stderr: os.Stderr}); c != 0 {
		t.Errorf("stdin: exit %d", c)
	}
}
