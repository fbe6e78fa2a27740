package signer_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThalesGroup/crypto11"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/signer"
)

// TestPKCS11 generates a key on the SoftHSM token (as an HSM holding the
// unit seal would), has the dev CA certify it, stores the certificate on
// the token, and signs B-B and B-LT through PKCS#11, with PKCS#1 v1.5 and
// PSS, as a library call and through the kyso sign command.
func TestPKCS11(t *testing.T) {
	cfg := testenv.PKCS11(t)
	t.Setenv("SOFTHSM2_CONF", cfg.Conf)
	f := newFixture(t)
	label := "seal-" + randomHex(t)
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.Token, Pin: cfg.Pin})
	if err != nil {
		t.Fatalf("crypto11: %v", err)
	}
	defer ctx.Close()
	id := []byte(label)
	key, err := ctx.GenerateRSAKeyPairWithLabel(id, []byte(label), 2048)
	if err != nil {
		t.Fatal(err)
	}
	req := certs.DefaultIdentities()[certs.IdentitySeal]
	ident, err := f.pki.IssueForKey(label, req, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.ImportCertificateWithLabel(id, []byte(label), ident.Certificate); err != nil {
		t.Fatal(err)
	}

	cred, err := signer.OpenPKCS11(signer.PKCS11Config{Module: cfg.Module, TokenLabel: cfg.Token, KeyLabel: label, PIN: cfg.Pin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Close()
	cred.Chain = f.pki.Chain()
	in := f.input(t, "formfields")
	out1 := f.path("p11-1.pdf")
	signFile(t, in, out1, &signer.Options{Credential: cred, Level: signer.LevelBB})
	out2 := f.path("p11-2.pdf")
	signFile(t, out1, out2, &signer.Options{Credential: cred, Level: signer.LevelBLT, TSA: f.pki.TSA(), PSS: true,
		Appearance: &signer.Appearance{Kind: signer.Organisation, Rect: signer.Rect{X: 300, Y: 60, W: 240, H: 70}, Unit: "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc"}})
	for _, s := range runPdfsig(t, f.nssdb, out2) {
		if s.Validation != "Signature is Valid." || s.Certificate != "Certificate is Trusted." {
			t.Errorf("pdfsig %s: %s / %s", s.Field, s.Validation, s.Certificate)
		}
	}
	qpdfCheck(t, out2)

	// A missing key label is refused.
	if _, err := signer.OpenPKCS11(signer.PKCS11Config{Module: cfg.Module, TokenLabel: cfg.Token, KeyLabel: "no-such-key", PIN: cfg.Pin}, nil); err == nil {
		t.Error("missing key found")
	}

	// The same through the command line.
	bin := buildKyso(t)
	out3 := f.path("p11-cli.pdf")
	cmd := exec.CommandContext(context.Background(), bin, "sign", in, "-o", out3, "--pkcs11-module", cfg.Module,
		"--pkcs11-token", cfg.Token, "--pkcs11-key", label, "--pkcs11-pin-env", "TEST_PIN",
		"--chain", filepath.Join(f.pki.Dir, "intermediate.crt"))
	cmd.Env = append(os.Environ(), "TEST_PIN="+cfg.Pin)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kyso sign --pkcs11: %v\n%s", err, b)
	}
	if s := runPdfsig(t, f.nssdb, out3); s[0].Validation != "Signature is Valid." {
		t.Errorf("pdfsig: %+v", s)
	}
	// A wrong PIN, in a fresh process (PKCS#11 logins are per process), is
	// refused with exit code 2 and no output.
	out4 := f.path("p11-wrong-pin.pdf")
	cmd = exec.Command(bin, "sign", in, "-o", out4, "--pkcs11-module", cfg.Module,
		"--pkcs11-token", cfg.Token, "--pkcs11-key", label, "--pkcs11-pin-env", "TEST_PIN")
	cmd.Env = append(os.Environ(), "TEST_PIN=0000")
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), "pkcs11") {
		t.Errorf("wrong PIN: %v\n%s", err, b)
	}
	if _, err := os.Stat(out4); err == nil {
		t.Error("output written with a wrong PIN")
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// buildKyso builds the kyso binary once per test binary run.
func buildKyso(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "kyso")
	cmd := exec.Command("go", "build", "-o", out, "github.com/kyso-vn/kyso/cmd/kyso")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, strings.TrimSpace(string(b)))
	}
	return out
}
