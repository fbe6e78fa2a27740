// Package testpki gives tests a development PKI whose CRL, OCSP and CA
// issuer URLs point at a live in-process responder (httptest), plus helpers
// to trust it in poppler's NSS database.
package testpki

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/signer"
)

// PKI is a served development PKI.
type PKI struct {
	*certs.DevPKI
	Server *httptest.Server
}

// New creates a development PKI in a temporary directory, served for the
// test's lifetime.
func New(t testing.TB, opts certs.DevPKIOptions) *PKI {
	t.Helper()
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	p, err := certs.InitDevPKI(filepath.Join(t.TempDir(), "pki"), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.Store(http.Handler(certs.NewResponder(p)))
	return &PKI{DevPKI: p, Server: srv}
}

// TSAURL is the URL of the PKI's time-stamp authority.
func (p *PKI) TSAURL() string { return p.Server.URL + "/tsa" }

// TSA returns a signer.TSA for the PKI's time-stamp authority.
func (p *PKI) TSA() *signer.TSA { return &signer.TSA{URL: p.TSAURL()} }

// Credential returns a stored identity as a signing credential with the
// intermediate as its chain.
func (p *PKI) Credential(t testing.TB, name string) *signer.Credential {
	t.Helper()
	id, err := p.Identity(name)
	if err != nil {
		t.Fatal(err)
	}
	return &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: []*x509.Certificate{p.Intermediate.Certificate}}
}

// NSSDB creates an NSS database trusting the PKI's root, for pdfsig -nssdir.
func (p *PKI) NSSDB(t testing.TB, certutil string) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "kyso-dev-root", "-t", "CT,C,C", "-i", filepath.Join(p.Dir, "root.crt")},
		{"-A", "-d", "sql:" + dir, "-n", "kyso-dev-intermediate", "-t", ",,", "-i", filepath.Join(p.Dir, "intermediate.crt")},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cert9.db")); err != nil {
		t.Fatalf("NSS database not created: %v", err)
	}
	return dir
}
