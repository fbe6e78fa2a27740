package certs

import (
	"context"
	"math/big"
	"net/http"
	"testing"
)

// TestOCSPSerials reads the serial of real responses of the development
// responder, and refuses to guess on anything else (the caller then
// checks the response fully).
func TestOCSPSerials(t *testing.T) {
	p, _ := servedPKI(t, DevPKIOptions{})
	head, _ := p.Identity(IdentityHead)
	der, err := FetchOCSP(context.Background(), http.DefaultClient, head.Certificate, p.Intermediate.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	serials, ok := ocspSerials(der)
	if !ok || len(serials) != 1 || serials[0].Cmp(head.Certificate.SerialNumber) != 0 {
		t.Fatalf("ocspSerials = %v, %v; want [%v]", serials, ok, head.Certificate.SerialNumber)
	}
	if !answersFor(der, head.Certificate.SerialNumber) || answersFor(der, big.NewInt(0x5eed)) {
		t.Error("answersFor does not follow the serial")
	}
	for name, bad := range map[string][]byte{
		"empty":               nil,
		"truncated":           der[:len(der)/2],
		"not asn.1":           []byte("not an OCSP response"),
		"unsuccessful status": {0x30, 0x03, 0x0a, 0x01, 0x01}, // malformedRequest, no responseBytes
	} {
		if s, ok := ocspSerials(bad); ok {
			t.Errorf("%s: read serials %v", name, s)
		}
		if !answersFor(bad, head.Certificate.SerialNumber) {
			t.Errorf("%s: passed over; it must be left to the full check", name)
		}
	}
}

func FuzzOCSPSerials(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		ocspSerials(der)
	})
}
