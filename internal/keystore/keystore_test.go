package keystore_test

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/signer"
)

func devPKI(t *testing.T) *certs.DevPKI {
	p, err := certs.InitDevPKI(filepath.Join(t.TempDir(), "pki"), certs.DevPKIOptions{Now: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDirRoundTrip(t *testing.T) {
	ctx := context.Background()
	p := devPKI(t)
	id, err := p.Identity(certs.IdentityHead)
	if err != nil {
		t.Fatal(err)
	}
	dir := keystore.Dir(t.TempDir())
	want := &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: []*x509.Certificate{p.Intermediate.Certificate}}
	if err := dir.Store("lanhdao62", want); err != nil {
		t.Fatal(err)
	}
	got, err := dir.Credential(ctx, "lanhdao62")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Certificate.Equal(want.Certificate) || len(got.Chain) != 1 || !got.Chain[0].Equal(p.Intermediate.Certificate) {
		t.Fatal("stored credential differs")
	}
	for _, name := range []string{"nobody", "../etc/passwd", ".hidden", ""} {
		if _, err := dir.Credential(ctx, name); !errors.Is(err, keystore.ErrNoKey) {
			t.Errorf("Credential(%q) = %v; want ErrNoKey", name, err)
		}
	}
}

// TestPKCS11 keeps a staff key on SoftHSM: the HSM source finds it by
// label, signs with it, stays logged in, and falls back to the files for
// names it does not hold.
func TestPKCS11(t *testing.T) {
	cfg := testenv.PKCS11(t)
	t.Setenv("SOFTHSM2_CONF", cfg.Conf)
	ctx := context.Background()
	p := devPKI(t)
	b := make([]byte, 6)
	rand.Read(b)
	label := "vanthu-" + hex.EncodeToString(b)
	p11, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.Token, Pin: cfg.Pin})
	if err != nil {
		t.Fatal(err)
	}
	key, err := p11.GenerateECDSAKeyPairWithLabel([]byte(label), []byte(label), elliptic256())
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.IssueForKey(label, certs.DefaultIdentities()[certs.IdentitySeal], key)
	if err != nil {
		t.Fatal(err)
	}
	if err := p11.ImportCertificateWithLabel([]byte(label), []byte(label), id.Certificate); err != nil {
		t.Fatal(err)
	}
	p11.Close()
	// Before anything is logged in (a token's login is shared by the process).
	bad := &keystore.PKCS11{Module: cfg.Module, Token: cfg.Token, PIN: "0000"}
	if _, err := bad.Credential(ctx, label); err == nil || errors.Is(err, keystore.ErrNoKey) {
		t.Fatalf("wrong PIN: %v; want a login error, not 'no key'", err)
	}

	files := keystore.Dir(t.TempDir())
	head, _ := p.Identity(certs.IdentityHead)
	if err := files.Store("lanhdao62", &signer.Credential{Signer: head.Key, Certificate: head.Certificate}); err != nil {
		t.Fatal(err)
	}
	hsm := &keystore.PKCS11{Module: cfg.Module, Token: cfg.Token, PIN: cfg.Pin, Chain: []*x509.Certificate{p.Intermediate.Certificate}}
	defer hsm.Close()
	keys := keystore.First(hsm, files)
	c, err := keys.Credential(ctx, label)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("đơn đề nghị"))
	sig, err := c.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil || len(sig) == 0 {
		t.Fatalf("signing on the token: %v", err)
	}
	if again, err := keys.Credential(ctx, label); err != nil || again != c {
		t.Fatalf("second lookup: %v (a new session instead of the open one: %v)", err, again != c)
	}
	if fc, err := keys.Credential(ctx, "lanhdao62"); err != nil || !fc.Certificate.Equal(head.Certificate) {
		t.Fatalf("fallback to the files: %v", err)
	}
	if _, err := keys.Credential(ctx, "nobody"); !errors.Is(err, keystore.ErrNoKey) {
		t.Fatalf("unknown name: %v", err)
	}
}

func elliptic256() elliptic.Curve { return elliptic.P256() }
