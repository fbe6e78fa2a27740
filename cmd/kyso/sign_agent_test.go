package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// TestSignAgentSoftHSM runs `kyso sign-agent` on a SoftHSM token holding a
// key certified by the development CA, and signs through its protocol as
// the console's script does: the certificate, a batch of digests (PKCS#1
// v1.5 and PSS) checked against the certificate's key, the single-digest
// form, a complete two-phase PAdES signature that the verifier accepts,
// and the refusals (another origin, a wrong digest length, a bad host).
func TestSignAgentSoftHSM(t *testing.T) {
	cfg := testenv.PKCS11(t)
	t.Setenv("SOFTHSM2_CONF", cfg.Conf)
	dir := t.TempDir()
	pki, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{Now: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	label := "agent-" + hex.EncodeToString(b)
	p11, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.Token, Pin: cfg.Pin})
	if err != nil {
		t.Fatalf("crypto11: %v", err)
	}
	defer p11.Close()
	key, err := p11.GenerateRSAKeyPairWithLabel([]byte(label), []byte(label), 2048)
	if err != nil {
		t.Fatal(err)
	}
	ident, err := pki.IssueForKey(label, certs.DefaultIdentities()[certs.IdentityHead], key)
	if err != nil {
		t.Fatal(err)
	}
	if err := p11.ImportCertificateWithLabel([]byte(label), []byte(label), ident.Certificate); err != nil {
		t.Fatal(err)
	}
	chain := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.Intermediate.Certificate.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	const console = "http://127.0.0.1:18080"
	t.Setenv("TEST_AGENT_PIN", cfg.Pin)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := kyso(t, ctx, "sign-agent", "--pkcs11-module", cfg.Module, "--token", cfg.Token, "--key", label,
			"--listen", addr, "--allow-origin", console, "--pin-env", "TEST_AGENT_PIN", "--chain", chain)
		done <- result{code, out, errs}
	}()
	waitForAgent(t, base+"/healthz", done)

	call := func(method, path, origin string, body any) (int, http.Header, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, out
	}

	// The certificate and chain, for the console's prepare step.
	status, hdr, body := call("GET", "/certificate", console, nil)
	var cr struct {
		Certificate string   `json:"certificate"`
		Chain       []string `json:"chain"`
	}
	json.Unmarshal(body, &cr)
	if status != 200 || cr.Certificate != base64.StdEncoding.EncodeToString(ident.Certificate.Raw) || len(cr.Chain) != 1 ||
		hdr.Get("Access-Control-Allow-Origin") != console {
		t.Fatalf("GET /certificate: %d %s %v", status, body, hdr)
	}

	// A preflight from the console is answered; one from another origin is not.
	if status, hdr, _ := call("OPTIONS", "/sign", console, nil); status != 204 || hdr.Get("Access-Control-Allow-Origin") != console ||
		!strings.Contains(hdr.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight: %d %v", status, hdr)
	}

	digest := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	d1, d2, d3 := digest("một"), digest("hai"), digest("ba")
	items := map[string]any{"items": []map[string]any{
		{"to_be_signed": base64.StdEncoding.EncodeToString(d1), "hash": "SHA-256"},
		{"to_be_signed": base64.StdEncoding.EncodeToString(d2), "hash": "SHA-256", "pss": true},
		{"to_be_signed": base64.StdEncoding.EncodeToString(d3)},
	}}
	// Another origin: refused, nothing signed (CORS alone would not stop the POST).
	if status, hdr, body := call("POST", "/sign", "https://evil.example", items); status != 403 || hdr.Get("Access-Control-Allow-Origin") != "" ||
		bytes.Contains(body, []byte("signatures")) {
		t.Fatalf("foreign origin: %d %s", status, body)
	}
	// A batch: three digests, one request, one PIN entry at start.
	status, _, body = call("POST", "/sign", console, items)
	var sr struct {
		Signatures []string `json:"signatures"`
		Signature  string   `json:"signature"`
		Error      string   `json:"error"`
	}
	json.Unmarshal(body, &sr)
	if status != 200 || len(sr.Signatures) != 3 {
		t.Fatalf("batch: %d %s", status, body)
	}
	pub := ident.Certificate.PublicKey.(*rsa.PublicKey)
	sig := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d1, sig(sr.Signatures[0])); err != nil {
		t.Errorf("item 1 (PKCS#1 v1.5): %v", err)
	}
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d2, sig(sr.Signatures[1]), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Errorf("item 2 (PSS): %v", err)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d3, sig(sr.Signatures[2])); err != nil {
		t.Errorf("item 3 (default hash): %v", err)
	}
	// The single-digest form.
	status, _, body = call("POST", "/sign", "", map[string]string{"digest": base64.StdEncoding.EncodeToString(d1), "algorithm": "RSA-SHA256"})
	sr.Signature = ""
	json.Unmarshal(body, &sr)
	if status != 200 || rsa.VerifyPKCS1v15(pub, crypto.SHA256, d1, sig(sr.Signature)) != nil {
		t.Fatalf("single digest: %d %s", status, body)
	}
	// Refusals: a digest of the wrong length, an unknown hash, an empty batch.
	for _, bad := range []any{
		map[string]any{"items": []map[string]any{{"to_be_signed": base64.StdEncoding.EncodeToString(d1[:20])}}},
		map[string]any{"items": []map[string]any{{"to_be_signed": base64.StdEncoding.EncodeToString(d1), "hash": "MD5"}}},
		map[string]any{"items": []map[string]any{}},
		map[string]any{"digest": base64.StdEncoding.EncodeToString(d1), "algorithm": "DSA-SHA1"},
	} {
		if status, _, body := call("POST", "/sign", console, bad); status != 400 || !bytes.Contains(body, []byte(`"error"`)) {
			t.Errorf("bad request %v: %d %s", bad, status, body)
		}
	}
	// DNS rebinding: a Host that is not loopback is refused.
	req, _ := http.NewRequest("GET", base+"/certificate", nil)
	req.Host = "attacker.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Fatalf("foreign Host: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	// A whole two-phase PAdES signature through the agent, accepted by the verifier.
	pdfIn := testpdf.Bytes(testpdf.Options{Pages: 1})
	cert := ident.Certificate
	sess, err := signer.Prepare(ctx, bytes.NewReader(pdfIn), int64(len(pdfIn)), &signer.Options{Level: signer.LevelBB,
		Credential: &signer.Credential{Certificate: cert, Chain: pki.Chain()}})
	if err != nil {
		t.Fatal(err)
	}
	status, _, body = call("POST", "/sign", console, map[string]any{"items": []map[string]any{
		{"to_be_signed": base64.StdEncoding.EncodeToString(sess.ToBeSigned), "hash": sess.Hash, "pss": sess.PSS}}})
	sr.Signatures = nil
	json.Unmarshal(body, &sr)
	if status != 200 || len(sr.Signatures) != 1 {
		t.Fatalf("sign the session: %d %s", status, body)
	}
	out, err := os.Create(filepath.Join(dir, "signed.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := signer.Complete(ctx, out, bytes.NewReader(pdfIn), int64(len(pdfIn)), sess, sig(sr.Signatures[0]), &signer.Options{}); err != nil {
		t.Fatal(err)
	}
	signed, _ := os.ReadFile(out.Name())
	rep, err := verifier.Verify(ctx, bytes.NewReader(signed), int64(len(signed)), verifier.Options{Trust: pki.TrustStore(), Revocation: certs.RevocationOff})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != verifier.TotalPassed || len(rep.Signatures) != 1 {
		t.Fatalf("verifier: %s %s (%d signatures)", rep.Indication, rep.Reason, len(rep.Signatures))
	}

	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("sign-agent exited %d: %s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, cfg.Pin) {
			t.Error("the PIN appears in the agent's output")
		}
		if !strings.Contains(r.stderr, "digests=3") || !strings.Contains(r.stderr, "origin not allowed") && !strings.Contains(r.stderr, "refused") {
			t.Errorf("agent log:\n%s", r.stderr)
		}
		if !strings.Contains(r.stdout, label) {
			t.Errorf("agent banner: %s", r.stdout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sign-agent did not stop")
	}
}

// waitForAgent waits for the agent to answer, or for it to exit.
func waitForAgent[T any](t *testing.T, url string, done chan T) {
	t.Helper()
	for range 200 {
		select {
		case r := <-done:
			t.Fatalf("sign-agent exited: %+v", r)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", url)
}

func TestSignAgentUsage(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sign-agent"}, "--pkcs11-module, --token and --key are required"},
		{[]string{"sign-agent", "--pkcs11-module", "m.so", "--token", "t", "--key", "k", "--listen", "0.0.0.0:8765"}, "loopback address only"},
		{[]string{"sign-agent", "--pkcs11-module", "m.so", "--token", "t", "--key", "k", "--allow-origin", "evil"}, "want an origin"},
		{[]string{"sign-agent", "--pkcs11-module", "m.so", "--token", "t", "--key", "k", "--pin-env", "KYSO_TEST_NO_SUCH_VAR"}, "is not set"},
	} {
		code, _, stderr := kyso(t, ctx, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
