package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/signer"
)

func TestSignCommand(t *testing.T) {
	ctx := context.Background()
	p := testpki.New(t, certs.DevPKIOptions{})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := testpdf.File(in, testpdf.Options{Pages: 2}); err != nil {
		t.Fatal(err)
	}
	key := func(name string) []string {
		return []string{"--key", filepath.Join(p.Dir, name+".key"), "--cert", filepath.Join(p.Dir, name+".crt"),
			"--chain", filepath.Join(p.Dir, "intermediate.crt")}
	}
	pdfsig := func(file string) string {
		out, _ := exec.Command(testenv.Tool(t, "pdfsig"), file).CombinedOutput()
		return string(out)
	}

	// PKCS#12, visible, B-T.
	a := filepath.Join(dir, "a.pdf")
	code, stdout, stderr := kyso(t, ctx, "sign", in, "-o", a, "--p12", filepath.Join(p.Dir, "head.p12"), "--level", "B-T",
		"--tsa", p.TSAURL(), "--visible", "page=2,x=300,y=80,w=250,h=90", "--title", "Giám đốc", "--json")
	if code != 0 {
		t.Fatalf("sign --p12: %d %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["level"] != "B-T" || res["field"] != "Signature1" {
		t.Errorf("--json output %q: %v", stdout, err)
	}
	// stdin to stdout.
	src, _ := os.ReadFile(a)
	var out bytes.Buffer
	code = run(ctx, append([]string{"sign", "-", "-o", "-"}, key("seal")...), &env{stdin: bytes.NewReader(src), stdout: &out, stderr: os.Stderr})
	if code != 0 || !bytes.HasPrefix(out.Bytes(), src) {
		t.Fatalf("stdin/stdout: exit %d, prefix kept %v", code, bytes.HasPrefix(out.Bytes(), src))
	}
	b := filepath.Join(dir, "b.pdf")
	os.WriteFile(b, out.Bytes(), 0o644)
	if n := strings.Count(pdfsig(b), "Signature is Valid."); n != 2 {
		t.Errorf("pdfsig: %d valid of 2", n)
	}

	// Two-phase through the command line: prepare, sign the digest elsewhere, complete.
	session := filepath.Join(dir, "session.json")
	if code, _, stderr := kyso(t, ctx, "sign", "prepare", b, "-o", session, "--cert", filepath.Join(p.Dir, "intake.crt"),
		"--chain", filepath.Join(p.Dir, "intermediate.crt")); code != 0 {
		t.Fatalf("prepare: %s", stderr)
	}
	var s signer.Session
	js, _ := os.ReadFile(session)
	if err := json.Unmarshal(js, &s); err != nil {
		t.Fatal(err)
	}
	intake, _ := p.Identity("intake")
	so, _ := s.SignerOpts()
	sig, err := intake.Key.Sign(rand.Reader, s.ToBeSigned, so)
	if err != nil {
		t.Fatal(err)
	}
	sigFile := filepath.Join(dir, "sig.b64")
	os.WriteFile(sigFile, []byte(base64.StdEncoding.EncodeToString(sig)), 0o644)
	c := filepath.Join(dir, "c.pdf")
	if code, _, stderr := kyso(t, ctx, "sign", "complete", session, "--signature", sigFile, b, "-o", c); code != 0 {
		t.Fatalf("complete: %s", stderr)
	}
	if n := strings.Count(pdfsig(c), "Signature is Valid."); n != 3 {
		t.Errorf("pdfsig after complete: %d valid of 3", n)
	}

	// Bad input: exit 2, one clear line naming the problem, no output file.
	notPDF := filepath.Join(dir, "note.txt")
	os.WriteFile(notPDF, []byte("không phải PDF"), 0o644)
	good, _ := os.ReadFile(in)
	trunc := filepath.Join(dir, "trunc.pdf")
	os.WriteFile(trunc, good[:len(good)/2], 0o644)
	enc := filepath.Join(dir, "enc.pdf")
	os.WriteFile(enc, bytes.Replace(good, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 99 0 R"), 1), 0o644)
	certified := filepath.Join(dir, "certified.pdf")
	if code, _, stderr := kyso(t, ctx, append([]string{"sign", in, "-o", certified, "--certify", "1"}, key("seal")...)...); code != 0 {
		t.Fatal(stderr)
	}
	mismatch := []string{"--key", filepath.Join(p.Dir, "intake.key"), "--cert", filepath.Join(p.Dir, "head.crt")}
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"not a PDF", append([]string{notPDF}, key("head")...), "not a PDF"},
		{"truncated", append([]string{trunc}, key("head")...), "damaged PDF"},
		{"encrypted", append([]string{enc}, key("head")...), "encrypted"},
		{"certified P=1", append([]string{certified}, key("head")...), "DocMDP P=1"},
		{"key and certificate differ", append([]string{in}, mismatch...), "does not match"},
		{"TLS-only EKU", append([]string{in}, key("ocsp")...), "cannot sign documents"},
		{"TSA unreachable", append([]string{in, "--level", "B-T", "--tsa", "http://127.0.0.1:1/tsa"}, key("head")...), "unreachable"},
		{"page out of range", append([]string{in, "--visible", "page=9,x=1,y=1,w=100,h=40"}, key("head")...), "page 9"},
		{"bad level", append([]string{in, "--level", "B-Z"}, key("head")...), "unknown PAdES level"},
		{"missing input", append([]string{filepath.Join(dir, "nope.pdf")}, key("head")...), "nope.pdf"},
		{"no key", []string{in}, "no key given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outFile := filepath.Join(dir, "bad-"+strings.ReplaceAll(tc.name, " ", "_")+".pdf")
			code, _, stderr := kyso(t, ctx, append([]string{"sign", "-o", outFile}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2 (%s)", code, stderr)
			}
			if !strings.Contains(stderr, tc.msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q: want one line containing %q", stderr, tc.msg)
			}
			if _, err := os.Stat(outFile); err == nil {
				t.Error("output file written")
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".bad-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
