package signagent

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestItemOf(t *testing.T) {
	for _, tc := range []struct {
		alg  string
		want Item
		err  error
	}{
		{"RSA-SHA256", Item{Hash: "SHA-256"}, nil},
		{"rsa-pss-sha384", Item{Hash: "SHA-384", PSS: true}, nil},
		{"ECDSA-SHA512", Item{Hash: "SHA-512"}, nil},
		{"ECDSA-PSS-SHA256", Item{}, ErrUnsupported},
		{"DSA-SHA1", Item{}, ErrUnsupported},
		{"RSA-X-SHA256", Item{}, ErrUnsupported},
		{"", Item{}, ErrUnsupported},
	} {
		got, err := itemOf("", tc.alg)
		if !errors.Is(err, tc.err) || err == nil && got != tc.want {
			t.Errorf("itemOf(%q) = %+v, %v; want %+v, %v", tc.alg, got, err, tc.want, tc.err)
		}
	}
}

// TestECDSAAndRules: an ECDSA key signs SHA-384 digests as ASN.1; the
// origin, host and content-type rules hold before anything is signed.
func TestECDSAAndRules(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Trần Thị Bình"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	signed := 0
	a := &Agent{Signer: countingSigner{key, &signed}, Certificate: cert, AllowOrigins: []string{"https://motcua.example.gov.vn/"}}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	d := sha512.Sum384([]byte("văn bản"))
	body := func() *bytes.Reader {
		b, _ := json.Marshal(SignRequest{Items: []Item{{ToBeSigned: base64.StdEncoding.EncodeToString(d[:]), Hash: "SHA-384"}}})
		return bytes.NewReader(b)
	}
	post := func(origin, ctype, host string) (int, []byte) {
		req, _ := http.NewRequest("POST", srv.URL+"/sign", body())
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}
	for _, tc := range []struct {
		name, origin, ctype, host string
		status                    int
	}{
		{"other origin", "https://evil.example", "application/json", "", 403},
		{"text/plain (a simple request)", "https://motcua.example.gov.vn", "text/plain", "", 415},
		{"rebinding host", "", "application/json", "kyso.evil.example", 403},
	} {
		if status, b := post(tc.origin, tc.ctype, tc.host); status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, status, b, tc.status)
		}
	}
	if signed != 0 {
		t.Fatalf("%d digests signed by refused requests", signed)
	}
	status, b := post("https://motcua.example.gov.vn", "application/json", "")
	var sr SignResponse
	json.Unmarshal(b, &sr)
	if status != 200 || len(sr.Signatures) != 1 {
		t.Fatalf("allowed origin: %d %s", status, b)
	}
	sig, _ := base64.StdEncoding.DecodeString(sr.Signatures[0])
	if !ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
		t.Fatal("ECDSA signature does not verify")
	}
	// A batch over the limit is refused whole.
	items := make([]Item, MaxBatch+1)
	for i := range items {
		items[i] = Item{ToBeSigned: base64.StdEncoding.EncodeToString(d[:]), Hash: "SHA-384"}
	}
	if _, err := a.SignItems(items); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "1–100") {
		t.Fatalf("oversized batch: %v", err)
	}
	if signed != 1 {
		t.Fatalf("signed %d, want 1", signed)
	}
}

type countingSigner struct {
	*ecdsa.PrivateKey
	n *int
}

func (c countingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	*c.n++
	return c.PrivateKey.Sign(r, d, o)
}
