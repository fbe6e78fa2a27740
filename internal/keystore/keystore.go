// Package keystore keeps the signing credentials a kyso server holds for
// staff who sign with server-side keys (development and the demo; in
// production personal keys stay on tokens and sign through the two-phase
// flow, the unit seal in an HSM through PKCS#11). A credential is three
// PEM files in one directory: USERNAME.key (mode 0600), USERNAME.crt and
// USERNAME.chain.pem.
package keystore

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kyso-vn/kyso/signer"
)

// ErrNoKey: no credential is stored for this name.
var ErrNoKey = errors.New("no stored signing key")

// Dir is a directory of credentials.
type Dir string

// Credential loads the credential of name.
func (d Dir) Credential(ctx context.Context, name string) (*signer.Credential, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: invalid name %q", ErrNoKey, name)
	}
	base := filepath.Join(string(d), name)
	if _, err := os.Stat(base + ".key"); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w for %s", ErrNoKey, name)
	}
	chain := base + ".chain.pem"
	if st, err := os.Stat(chain); err != nil || st.Size() == 0 {
		chain = "" // a credential without stored intermediates
	}
	c, err := signer.LoadPEM(base+".key", base+".crt", chain)
	if err != nil {
		return nil, fmt.Errorf("keystore %s: %w", name, err)
	}
	return c, nil
}

// Store writes the credential of name (the key readable by the owner only),
// atomically per file.
func (d Dir) Store(name string, c *signer.Credential) error {
	if !validName(name) {
		return fmt.Errorf("keystore: invalid name %q", name)
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.Signer)
	if err != nil {
		return fmt.Errorf("keystore %s: %w", name, err)
	}
	var chain []byte
	for _, ca := range c.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})...)
	}
	base := filepath.Join(string(d), name)
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{base + ".crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate.Raw}), 0o644},
		{base + ".chain.pem", chain, 0o644},
		{base + ".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600},
	} {
		if err := writeAtomic(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func validName(n string) bool {
	return n != "" && len(n) <= 128 && !strings.ContainsAny(n, "/\\\x00") && !strings.HasPrefix(n, ".")
}
