package certs

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/testenv"
)

// servedPKI makes a development PKI whose CDP and AIA URLs point at a live
// httptest server running its Responder.
func servedPKI(t *testing.T, opts DevPKIOptions) (*DevPKI, *httptest.Server) {
	t.Helper()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	p, err := InitDevPKI(filepath.Join(t.TempDir(), "pki"), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.Store(http.Handler(NewResponder(p)))
	return p, srv
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, name), args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestInitDevPKIChainsVerifyInOpenSSL(t *testing.T) {
	for _, ecdsaKeys := range []bool{false, true} {
		t.Run(map[bool]string{false: "rsa", true: "ecdsa"}[ecdsaKeys], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pki")
			p, err := InitDevPKI(dir, DevPKIOptions{ECDSA: ecdsaKeys})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"intake", "head", "seal", "tsa", "ocsp"} {
				for _, ext := range []string{".crt", ".key", ".p12"} {
					if _, err := os.Stat(filepath.Join(dir, name+ext)); err != nil {
						t.Errorf("missing %s%s: %v", name, ext, err)
					}
				}
				out, err := run(t, "openssl", "verify", "-CAfile", filepath.Join(dir, "root.crt"),
					"-untrusted", filepath.Join(dir, "intermediate.crt"), filepath.Join(dir, name+".crt"))
				if err != nil || !strings.Contains(out, ": OK") {
					t.Errorf("openssl verify %s: %v\n%s", name, err, out)
				}
				// The PKCS#12 file opens with an empty password and holds key and chain.
				out, err = run(t, "openssl", "pkcs12", "-in", filepath.Join(dir, name+".p12"), "-passin", "pass:", "-nodes", "-info")
				if err != nil || strings.Count(out, "BEGIN CERTIFICATE") != 3 || !strings.Contains(out, "PRIVATE KEY") {
					t.Errorf("openssl pkcs12 %s: %v\n%s", name, err, out)
				}
			}
			head, _ := p.Identity(IdentityHead)
			_, isECDSA := head.Key.(*ecdsa.PrivateKey)
			if isECDSA != ecdsaKeys {
				t.Errorf("head key is %T with ECDSA=%v", head.Key, ecdsaKeys)
			}
			if k, ok := p.Root.Key.(*rsa.PrivateKey); !ok || k.N.BitLen() != 3072 {
				t.Errorf("root key: want RSA-3072, got %T", p.Root.Key)
			}
			out, err := run(t, "openssl", "x509", "-in", filepath.Join(dir, "head.crt"), "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus")
			if err != nil || !strings.Contains(out, "Trần Thị Bình") || !strings.Contains(out, "Giám đốc") {
				t.Errorf("head subject lacks the UTF-8 name and title: %v %s", err, out)
			}
		})
	}
}

func TestSubjectRoundTrip(t *testing.T) {
	p, err := InitDevPKI(filepath.Join(t.TempDir(), "pki"), DevPKIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range DefaultIdentities() {
		id, _ := p.Identity(name)
		got := SubjectOf(id.Certificate)
		want := req.Subject
		want.Country = "VN"
		if got != want {
			t.Errorf("%s: subject %+v, want %+v", name, got, want)
		}
	}
	seal, _ := p.Identity(IdentitySeal)
	if kind, num := SubjectOf(seal.Certificate).IDNumber(); kind != "MNS" || num != "1085172" {
		t.Errorf("seal UID = %s:%s", kind, num)
	}
	// LoadDevPKI reads back the same material.
	q, err := LoadDevPKI(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range p.Names() {
		a, _ := p.Identity(name)
		b, err := q.Identity(name)
		if err != nil || !a.Certificate.Equal(b.Certificate) {
			t.Errorf("%s not loaded back: %v", name, err)
		}
	}
}

func TestInitDevPKIBadInput(t *testing.T) {
	base := t.TempDir()
	nonEmpty := filepath.Join(base, "full")
	os.MkdirAll(nonEmpty, 0o755)
	os.WriteFile(filepath.Join(nonEmpty, "keep.txt"), []byte("mine"), 0o644)
	aFile := filepath.Join(base, "file")
	os.WriteFile(aFile, []byte("x"), 0o644)
	empty := filepath.Join(base, "empty")
	os.MkdirAll(empty, 0o755)

	tests := []struct {
		name    string
		dir     string
		wantErr error
	}{
		{"non-empty directory", nonEmpty, ErrPKIExists},
		{"existing file", aFile, ErrPKIExists},
		{"parent is a file", filepath.Join(aFile, "pki"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := InitDevPKI(tc.dir, DevPKIOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.dir) {
				t.Errorf("error %q does not name %s", err, tc.dir)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(nonEmpty, "keep.txt")); string(b) != "mine" {
		t.Error("existing file was touched")
	}
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary directory left behind: %s", e.Name())
		}
	}
	// An empty directory is filled.
	if _, err := InitDevPKI(empty, DevPKIOptions{}); err != nil {
		t.Errorf("empty directory: %v", err)
	}
}

func TestTrustStoreVerify(t *testing.T) {
	p, _ := servedPKI(t, DevPKIOptions{})
	ctx := context.Background()
	ts := p.TrustStore()
	head, _ := p.Identity(IdentityHead)
	tsa, _ := p.Identity(IdentityTSA)
	tls, err := p.Issue("tls", IssueRequest{Kind: KindTLSServer, Subject: Subject{CommonName: "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := p.Issue("old", IssueRequest{Kind: KindPersonal, Subject: Subject{CommonName: "Lê Văn Cũ"},
		NotBefore: time.Now().AddDate(-3, 0, 0), NotAfter: time.Now().AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := InitDevPKI(filepath.Join(t.TempDir(), "other"), DevPKIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := other.Identity(IdentityHead)
	inter := []*x509.Certificate{p.Intermediate.Certificate}
	now := time.Now()

	tests := []struct {
		name    string
		cert    *x509.Certificate
		at      time.Time
		purpose Purpose
		wantErr error
	}{
		{"valid now", head.Certificate, now, PurposeDocumentSigning, nil},
		{"valid in a year", head.Certificate, now.AddDate(1, 0, 0), PurposeDocumentSigning, nil},
		{"before notBefore", head.Certificate, head.Certificate.NotBefore.Add(-time.Minute), PurposeDocumentSigning, ErrNotValidAtTime},
		{"after notAfter", head.Certificate, head.Certificate.NotAfter.Add(time.Minute), PurposeDocumentSigning, ErrNotValidAtTime},
		{"expired certificate", expired.Certificate, now, PurposeDocumentSigning, ErrNotValidAtTime},
		{"expired certificate at its time", expired.Certificate, now.AddDate(-2, 0, 0).Add(-48 * time.Hour), PurposeDocumentSigning, ErrNotValidAtTime},
		{"TLS-only certificate", tls.Certificate, now, PurposeDocumentSigning, ErrKeyUsage},
		{"TSA certificate for time-stamping", tsa.Certificate, now, PurposeTimeStamping, nil},
		{"personal certificate as TSA", head.Certificate, now, PurposeTimeStamping, ErrKeyUsage},
		{"other PKI", stranger.Certificate, now, PurposeDocumentSigning, ErrUntrusted},
	}
	// One store for all cases, valid ones first: the later ones run
	// against the chains it remembered and must still fail (a remembered
	// chain is reused only when it is valid at the time asked).
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The dev intermediate is younger than the expired certificate's
			// window in one case; that is still "not valid at that time".
			_, err := ts.Verify(ctx, tc.cert, VerifyOptions{At: tc.at, Purpose: tc.purpose, Intermediates: inter})
			if tc.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
		})
	}
	// Without the intermediate there is no chain, though one was found
	// with it.
	if _, err := ts.Verify(ctx, head.Certificate, VerifyOptions{}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("no intermediates: %v", err)
	}
	// A remembered chain is a copy: changing what Verify returned does
	// not change the next answer.
	ch, err := ts.Verify(ctx, head.Certificate, VerifyOptions{Intermediates: inter})
	if err != nil || len(ch.Certificates) != 3 {
		t.Fatalf("chain %v, %v", ch, err)
	}
	ch.Certificates[1] = stranger.Certificate
	if ch, err := ts.Verify(ctx, head.Certificate, VerifyOptions{Intermediates: inter}); err != nil || !ch.Certificates[1].Equal(p.Intermediate.Certificate) {
		t.Errorf("second chain %v, %v", ch, err)
	}
}

func TestTrustStoreRefusesRevoked(t *testing.T) {
	p, _ := servedPKI(t, DevPKIOptions{})
	ctx := context.Background()
	head, _ := p.Identity(IdentityHead)
	intake, _ := p.Identity(IdentityIntake)
	inter := []*x509.Certificate{p.Intermediate.Certificate}
	online := &RevocationPolicy{Mode: RevocationHard, Online: true}

	ch, err := p.TrustStore().Verify(ctx, head.Certificate, VerifyOptions{Intermediates: inter, Revocation: online})
	if err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	if len(ch.Revocation) != 2 || ch.Revocation[0].Status != StatusGood || ch.Revocation[1].Status != StatusGood {
		t.Fatalf("revocation results before revoke: %+v", ch.Revocation)
	}
	revokedAt := time.Now().Add(-time.Minute).Truncate(time.Second)
	if err := p.Revoke(IdentityHead, 1, revokedAt); err != nil {
		t.Fatal(err)
	}
	// A second revocation of the same identity is refused.
	if err := p.Revoke(IdentityHead, 1, revokedAt); !errors.Is(err, ErrAlreadyRevoked) {
		t.Errorf("second revoke: %v", err)
	}
	_, err = p.TrustStore().Verify(ctx, head.Certificate, VerifyOptions{Intermediates: inter, Revocation: online})
	if !errors.Is(err, ErrRevoked) {
		t.Fatalf("after revocation: %v", err)
	}
	// Before the revocation time the certificate was good.
	_, err = p.TrustStore().Verify(ctx, head.Certificate, VerifyOptions{At: revokedAt.Add(-30 * time.Second), Intermediates: inter, Revocation: online})
	if err != nil {
		t.Errorf("before the revocation time: %v", err)
	}
	// Another identity stays good.
	if _, err := p.TrustStore().Verify(ctx, intake.Certificate, VerifyOptions{Intermediates: inter, Revocation: online}); err != nil {
		t.Errorf("intake: %v", err)
	}
	// Offline with only a CRL supplied.
	crl, err := p.CRL("intermediate", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rootCRL, _ := p.CRL("root", time.Now())
	offline := &RevocationPolicy{Mode: RevocationHard, Data: RevocationData{CRLs: [][]byte{crl, rootCRL}}}
	if _, err := p.TrustStore().Verify(ctx, head.Certificate, VerifyOptions{Intermediates: inter, Revocation: offline}); !errors.Is(err, ErrRevoked) {
		t.Errorf("offline CRL: %v", err)
	}
	// Hard mode with no material at all is indeterminate; soft mode passes.
	none := &RevocationPolicy{Mode: RevocationHard}
	if _, err := p.TrustStore().Verify(ctx, intake.Certificate, VerifyOptions{Intermediates: inter, Revocation: none}); !errors.Is(err, ErrRevocationUnknown) {
		t.Errorf("hard without data: %v", err)
	}
	soft := &RevocationPolicy{Mode: RevocationSoft}
	if _, err := p.TrustStore().Verify(ctx, intake.Certificate, VerifyOptions{Intermediates: inter, Revocation: soft}); err != nil {
		t.Errorf("soft without data: %v", err)
	}
}

func TestTSAToken(t *testing.T) {
	p, srv := servedPKI(t, DevPKIOptions{})
	data := []byte("Quyết định cấp giấy phép số 123/QĐ-UBND")
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true, Nonce: big.NewInt(424242)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/tsa", "application/timestamp-query", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/timestamp-reply" {
		t.Errorf("content type %q", ct)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		t.Fatalf("digitorus/timestamp rejects the reply: %v", err)
	}
	sum := crypto.SHA256.New()
	sum.Write(data)
	if !bytes.Equal(ts.HashedMessage, sum.Sum(nil)) || ts.Nonce.Int64() != 424242 || !ts.Policy.Equal(DevTSAPolicy) {
		t.Errorf("token: imprint %x nonce %v policy %v", ts.HashedMessage, ts.Nonce, ts.Policy)
	}
	if time.Since(ts.Time) > time.Minute {
		t.Errorf("token time %v", ts.Time)
	}
	tsaID, _ := p.Identity(IdentityTSA)
	if len(ts.Certificates) == 0 || !ts.Certificates[0].Equal(tsaID.Certificate) {
		t.Errorf("token does not carry the TSA certificate first")
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "reply.tsr"), body, 0o644)
	out, err := run(t, "openssl", "ts", "-verify", "-data", filepath.Join(dir, "data"), "-in", filepath.Join(dir, "reply.tsr"),
		"-CAfile", filepath.Join(p.Dir, "root.crt"), "-untrusted", filepath.Join(p.Dir, "intermediate.crt"))
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Errorf("openssl ts -verify: %v\n%s", err, out)
	}
	// Tampered data fails in openssl too: the check above can fail.
	os.WriteFile(filepath.Join(dir, "data"), append(data, '!'), 0o644)
	if out, err := run(t, "openssl", "ts", "-verify", "-data", filepath.Join(dir, "data"), "-in", filepath.Join(dir, "reply.tsr"),
		"-CAfile", filepath.Join(p.Dir, "root.crt"), "-untrusted", filepath.Join(p.Dir, "intermediate.crt")); err == nil {
		t.Errorf("openssl accepted a token for other data:\n%s", out)
	}

	// Garbage gets a rejection, not a crash.
	resp, err = http.Post(srv.URL+"/tsa", "application/timestamp-query", strings.NewReader("not asn.1"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := timestamp.ParseResponse(body); err == nil {
		t.Error("a garbage request was granted")
	}
}

func TestOCSPAnswers(t *testing.T) {
	p, srv := servedPKI(t, DevPKIOptions{})
	head, _ := p.Identity(IdentityHead)
	intake, _ := p.Identity(IdentityIntake)
	if err := p.Revoke(IdentityIntake, 1, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	stranger, err := p.Issue("ghost", IssueRequest{Kind: KindPersonal, Subject: Subject{CommonName: "Ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	unknown := *stranger.Certificate
	unknown.SerialNumber = big.NewInt(0x5eed)

	tests := []struct {
		name    string
		cert    *x509.Certificate
		issuer  *x509.Certificate
		want    int
		openssl string
	}{
		{"good", head.Certificate, p.Intermediate.Certificate, ocsp.Good, ": good"},
		{"revoked", intake.Certificate, p.Intermediate.Certificate, ocsp.Revoked, ": revoked"},
		{"unknown serial", &unknown, p.Intermediate.Certificate, ocsp.Unknown, ": unknown"},
		{"intermediate by root", p.Intermediate.Certificate, p.Root.Certificate, ocsp.Good, ": good"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, err := FetchOCSP(context.Background(), http.DefaultClient, tc.cert, tc.issuer)
			if err == nil && len(tc.cert.OCSPServer) == 0 {
				t.Fatal("no OCSP URL")
			}
			if err != nil {
				// The unknown certificate copies the ghost's URL, so this is a real failure.
				t.Fatal(err)
			}
			r, err := ocsp.ParseResponseForCert(der, tc.cert, tc.issuer)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.want {
				t.Errorf("status %d, want %d", r.Status, tc.want)
			}
			issuerFile := filepath.Join(dir, "issuer-"+tc.name+".pem")
			os.WriteFile(issuerFile, pemCert(tc.issuer), 0o644)
			args := []string{"ocsp", "-issuer", issuerFile, "-url", srv.URL + "/ocsp",
				"-CAfile", filepath.Join(p.Dir, "root.crt")} // with a nonce, which must be echoed
			if tc.name == "unknown serial" {
				args = append(args, "-serial", "0x5eed")
			} else {
				certFile := filepath.Join(dir, "cert-"+tc.name+".pem")
				os.WriteFile(certFile, pemCert(tc.cert), 0o644)
				args = append(args, "-cert", certFile)
			}
			out, err := run(t, "openssl", args...)
			if err != nil || !strings.Contains(out, "Response verify OK") || !strings.Contains(out, tc.openssl) || strings.Contains(out, "WARNING") {
				t.Errorf("openssl ocsp: %v\n%s", err, out)
			}
		})
	}
}

func TestCRLParsesInOpenSSL(t *testing.T) {
	p, srv := servedPKI(t, DevPKIOptions{})
	if err := p.Revoke(IdentitySeal, 1, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	seal, _ := p.Identity(IdentitySeal)
	for _, ca := range []string{"root", "intermediate"} {
		resp, err := http.Get(srv.URL + "/crl/" + ca + ".crl")
		if err != nil {
			t.Fatal(err)
		}
		der, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tmp := t.TempDir()
		f := filepath.Join(tmp, ca+".crl")
		os.WriteFile(f, der, 0o644)
		bundle := filepath.Join(tmp, "cas.pem")
		os.WriteFile(bundle, append(pemCert(p.Root.Certificate), pemCert(p.Intermediate.Certificate)...), 0o644)
		out, err := run(t, "openssl", "crl", "-inform", "DER", "-in", f, "-noout", "-text", "-CAfile", bundle)
		if err != nil || !strings.Contains(out, "verify OK") {
			t.Errorf("openssl crl %s: %v\n%s", ca, err, out)
		}
		serial := strings.ToUpper(seal.Certificate.SerialNumber.Text(16))
		has := strings.Contains(strings.ToUpper(out), serial)
		if has != (ca == "intermediate") {
			t.Errorf("%s CRL lists the seal: %v\n%s", ca, has, out)
		}
		if ca == "intermediate" && !strings.Contains(out, "Key Compromise") {
			t.Errorf("intermediate CRL lacks the reason:\n%s", out)
		}
	}
}

func TestRevokeBadInput(t *testing.T) {
	p, err := InitDevPKI(filepath.Join(t.TempDir(), "pki"), DevPKIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Revoke("nobody", 1, time.Now()); !errors.Is(err, ErrUnknownIdentity) {
		t.Errorf("unknown identity: %v", err)
	}
	if _, err := ParseReason("stolen"); !errors.Is(err, ErrBadReason) {
		t.Errorf("bad reason: %v", err)
	}
	if c, err := ParseReason("keyCompromise"); err != nil || c != 1 {
		t.Errorf("keyCompromise = %d, %v", c, err)
	}
	if rs, _ := p.Revocations(); len(rs) != 0 {
		t.Errorf("revocations recorded after failures: %v", rs)
	}
}

func TestLoadTrustStore(t *testing.T) {
	p, err := InitDevPKI(filepath.Join(t.TempDir(), "pki"), DevPKIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadTrustStore(filepath.Join(p.Dir, "root.crt"))
	if err != nil || len(s.Anchors()) != 1 {
		t.Fatalf("load root.crt: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.pem"), pemCert(p.Root.Certificate), 0o644)
	os.WriteFile(filepath.Join(dir, "b.der"), p.Intermediate.Certificate.Raw, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	if s, err := LoadTrustStore(dir); err != nil || len(s.Anchors()) != 2 {
		t.Errorf("load dir: %v", err)
	}
	empty := t.TempDir()
	if _, err := LoadTrustStore(empty); !errors.Is(err, ErrNoAnchors) {
		t.Errorf("empty dir: %v", err)
	}
	bad := filepath.Join(empty, "bad.pem")
	os.WriteFile(bad, []byte("garbage"), 0o644)
	if _, err := LoadTrustStore(bad); !errors.Is(err, ErrNoCertificate) || !strings.Contains(err.Error(), bad) {
		t.Errorf("garbage file: %v", err)
	}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
