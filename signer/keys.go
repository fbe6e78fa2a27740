package signer

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/ThalesGroup/crypto11"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/kyso-vn/kyso/certs"
)

// Credential is a signing key with its certificate and the chain above it.
// The key may live in memory (a file), on a PKCS#11 token, or nowhere (the
// two-phase external flow, where Signer is nil).
type Credential struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	Chain       []*x509.Certificate // issuing CAs, nearest first; the root is optional
	close       func() error
}

// Close releases a token session; it is a no-op for file keys.
func (c *Credential) Close() error {
	if c.close == nil {
		return nil
	}
	return c.close()
}

// Errors of loading credentials.
var (
	ErrKeyMismatch = errors.New("private key does not match the certificate")
	ErrNoKeyFound  = errors.New("key not found")
)

// LoadPEM reads a PEM private key, its certificate, and optionally a PEM
// file with the chain.
func LoadPEM(keyPath, certPath, chainPath string) (*Credential, error) {
	key, err := certs.ReadPrivateKeyFile(keyPath)
	if err != nil {
		return nil, err
	}
	certList, err := certs.ReadCertificatesFile(certPath)
	if err != nil {
		return nil, err
	}
	c := &Credential{Signer: key, Certificate: certList[0], Chain: certList[1:]}
	if chainPath != "" {
		chain, err := certs.ReadCertificatesFile(chainPath)
		if err != nil {
			return nil, err
		}
		c.Chain = append(c.Chain, chain...)
	}
	if !publicKeysEqual(key.Public(), c.Certificate.PublicKey) {
		return nil, fmt.Errorf("%s and %s: %w", keyPath, certPath, ErrKeyMismatch)
	}
	return c, nil
}

// LoadPKCS12 reads a PKCS#12 file with its password.
func LoadPKCS12(path, password string) (*Credential, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, cert, chain, err := pkcs12.DecodeChain(b, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported key type %T", path, key)
	}
	if !publicKeysEqual(s.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("%s: %w", path, ErrKeyMismatch)
	}
	return &Credential{Signer: s, Certificate: cert, Chain: chain}, nil
}

// PKCS11Config names a key on a PKCS#11 token.
type PKCS11Config struct {
	Module     string // path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string
	KeyLabel   string // label of the private key and of its certificate object
	PIN        string
}

// OpenPKCS11 logs in to a token and finds a key pair by label, and the
// certificate stored under the same label (or the one given in cert when
// the token holds none). Close the credential when done.
func OpenPKCS11(cfg PKCS11Config, cert *x509.Certificate) (*Credential, error) {
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		return nil, fmt.Errorf("pkcs11 token %q in %s: %w", cfg.TokenLabel, cfg.Module, err)
	}
	// FindKeyPairs, not FindKeyPair: "no such key" must be told apart
	// from a failing token (ErrNoKeyFound only for the first).
	keys, err := ctx.FindKeyPairs(nil, []byte(cfg.KeyLabel))
	if err == nil && len(keys) == 0 {
		err = ErrNoKeyFound
	}
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("pkcs11 key %q on token %q: %w", cfg.KeyLabel, cfg.TokenLabel, err)
	}
	key := keys[0]
	if cert == nil {
		cert, err = ctx.FindCertificate(nil, []byte(cfg.KeyLabel), nil)
		if err != nil || cert == nil {
			ctx.Close()
			return nil, fmt.Errorf("pkcs11 certificate %q on token %q: %w", cfg.KeyLabel, cfg.TokenLabel, ErrNoKeyFound)
		}
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		ctx.Close()
		return nil, fmt.Errorf("pkcs11 key %q: %w", cfg.KeyLabel, ErrKeyMismatch)
	}
	return &Credential{Signer: key, Certificate: cert, close: ctx.Close}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
