package signer_test

import (
	"crypto"
	"crypto/x509"
	"os"
	"testing"
	"time"

	pdfsign "github.com/digitorus/pdfsign/sign"
)

// signWithPdfsign signs in to out with the seed project github.com/digitorus/pdfsign.
func signWithPdfsign(t *testing.T, f *fixture, in, out string) {
	t.Helper()
	id, err := f.pki.Identity("intake")
	if err != nil {
		t.Fatal(err)
	}
	err = pdfsign.SignFile(in, out, pdfsign.SignData{
		Signature: pdfsign.SignDataSignature{
			Info:       pdfsign.SignDataSignatureInfo{Name: "pdfsign", Reason: "baseline", Date: time.Now().Local()},
			CertType:   pdfsign.ApprovalSignature,
			DocMDPPerm: pdfsign.AllowFillingExistingFormFieldsAndSignaturesPerms,
		},
		Signer:            id.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       id.Certificate,
		CertificateChains: [][]*x509.Certificate{{id.Certificate, f.pki.Intermediate.Certificate, f.pki.Root.Certificate}},
	})
	if err != nil {
		t.Fatalf("pdfsign: %v", err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}
