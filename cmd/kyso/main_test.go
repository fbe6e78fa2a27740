package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"golang.org/x/crypto/ocsp"
)

// kyso runs one command line in-process and returns exit code, stdout and stderr.
func kyso(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestExitCodesAndErrors(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	pki := filepath.Join(base, "pki")
	if code, _, stderr := kyso(t, ctx, "pki", "init", pki); code != exitOK {
		t.Fatalf("pki init: %d %s", code, stderr)
	}
	before := snapshot(t, pki)
	aFile := filepath.Join(base, "file")
	os.WriteFile(aFile, []byte("x"), 0o644)

	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"no command", nil, exitUsage, ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"help", []string{"help"}, exitOK, ""},
		{"version", []string{"version"}, exitOK, ""},
		{"pki without subcommand", []string{"pki"}, exitUsage, "missing subcommand"},
		{"init over an existing PKI", []string{"pki", "init", pki}, exitUsage, pki + ": a PKI already exists"},
		{"init under a file", []string{"pki", "init", filepath.Join(aFile, "pki")}, exitUsage, aFile},
		{"unknown flag", []string{"pki", "init", "--bogus", filepath.Join(base, "x")}, exitUsage, "bogus"},
		{"p12 password variable missing", []string{"pki", "init", filepath.Join(base, "y"), "--p12-pass-env", "KYSO_NO_SUCH_VAR"}, exitUsage, "KYSO_NO_SUCH_VAR"},
		{"revoke unknown identity", []string{"pki", "revoke", pki, "nobody", "--reason", "keyCompromise"}, exitUsage, `"nobody": unknown identity`},
		{"revoke bad reason", []string{"pki", "revoke", pki, "head", "--reason", "stolen"}, exitUsage, `unknown revocation reason "stolen"`},
		{"revoke malformed time", []string{"pki", "revoke", pki, "head", "--at", "2026-13-45"}, exitUsage, `malformed time "2026-13-45"`},
		{"revoke missing name", []string{"pki", "revoke", pki}, exitUsage, "missing identity NAME"},
		{"revoke in a missing PKI", []string{"pki", "revoke", filepath.Join(base, "nope"), "head"}, exitUsage, "not a kyso development PKI"},
		{"show", []string{"pki", "show", pki}, exitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := kyso(t, ctx, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.contains) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.contains)
			}
			if code != exitOK && strings.Count(strings.TrimSpace(stderr), "\n") > 0 && tc.args != nil {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
	if after := snapshot(t, pki); after != before {
		t.Errorf("failed commands changed the PKI:\nbefore %s\nafter  %s", before, after)
	}
	for _, leftover := range []string{"x", "y"} {
		if _, err := os.Stat(filepath.Join(base, leftover)); err == nil {
			t.Errorf("failed init left %s behind", leftover)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(base, ".*.tmp-*")); len(matches) > 0 {
		t.Errorf("temporary directories left behind: %v", matches)
	}
}

// snapshot lists a directory's files with their sizes and contents' length.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + ":" + string(rune(len(data))) + ";")
		b.Write(data)
	}
	return b.String()
}

func TestPKIServeAndRevoke(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := filepath.Join(t.TempDir(), "pki")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if code, _, stderr := kyso(t, ctx, "pki", "init", dir, "--url", "http://"+addr); code != 0 {
		t.Fatal(stderr)
	}
	done := make(chan int)
	go func() {
		code, _, _ := kyso(t, ctx, "pki", "serve", dir, "--addr", addr)
		done <- code
	}()
	waitFor(t, "http://"+addr+"/ca/root.crt")

	p, err := certs.LoadDevPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	seal, _ := p.Identity(certs.IdentitySeal)
	status := func() int {
		der, err := certs.FetchOCSP(ctx, http.DefaultClient, seal.Certificate, p.Intermediate.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ocsp.ParseResponseForCert(der, seal.Certificate, p.Intermediate.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := status(); s != ocsp.Good {
		t.Fatalf("before revoke: status %d", s)
	}
	// Revocation by another command is seen by the running server.
	if code, _, stderr := kyso(t, ctx, "pki", "revoke", dir, "seal", "--reason", "keyCompromise", "--at", time.Now().Add(-time.Minute).Format(time.RFC3339)); code != 0 {
		t.Fatal(stderr)
	}
	if s := status(); s != ocsp.Revoked {
		t.Fatalf("after revoke: status %d", s)
	}
	crlDER, err := certs.FetchCRL(ctx, http.DefaultClient, seal.Certificate.CRLDistributionPoints[0])
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(seal.Certificate.SerialNumber) != 0 {
		t.Fatalf("CRL after revoke: %v %+v", err, crl)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	for range 100 {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", url)
}

func TestParseInterleavedFlags(t *testing.T) {
	fs := newFlags("t", "t", &bytes.Buffer{})
	o := fs.String("o", "", "")
	lvl := fs.String("level", "", "")
	pos, err := parse(fs, []string{"--level", "B-T", "in.pdf", "-o", "out.pdf", "-", "--", "-x"})
	if err != nil {
		t.Fatal(err)
	}
	if *o != "out.pdf" || *lvl != "B-T" || strings.Join(pos, ",") != "in.pdf,-,-x" {
		t.Errorf("o=%q level=%q pos=%q", *o, *lvl, pos)
	}
}
