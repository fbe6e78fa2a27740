package keystore

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/signer"
)

// A Source gives signing credentials by name (a staff username).
type Source interface {
	Credential(ctx context.Context, name string) (*signer.Credential, error)
}

// First tries each source in turn: the first that holds the name answers;
// ErrNoKey only when none does.
func First(sources ...Source) Source { return first(sources) }

type first []Source

func (f first) Credential(ctx context.Context, name string) (*signer.Credential, error) {
	for _, s := range f {
		c, err := s.Credential(ctx, name)
		if !errors.Is(err, ErrNoKey) {
			return c, err
		}
	}
	return nil, fmt.Errorf("%w for %s", ErrNoKey, name)
}

// PKCS11 holds keys on a token or HSM (the unit seal lives in an HSM,
// shared/DESIGN.md): the key and its certificate are labelled with the
// name. The chain above the certificate comes from Chain, or from
// DIR/NAME.chain.pem of the file keystore. Credentials are opened (logged
// in) once and kept for the life of the value; Close releases them.
type PKCS11 struct {
	Module, Token, PIN string
	Chain              []*x509.Certificate // issuing CAs, nearest first
	ChainDir           Dir                 // or per name: ChainDir/NAME.chain.pem

	mu    sync.Mutex
	open  map[string]*signer.Credential
	miss  map[string]bool
	close []func() error
}

// Credential implements Source.
func (p *PKCS11) Credential(ctx context.Context, name string) (*signer.Credential, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: invalid name %q", ErrNoKey, name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.open[name]; c != nil {
		return c, nil
	}
	if p.miss[name] {
		return nil, fmt.Errorf("%w for %s on token %q", ErrNoKey, name, p.Token)
	}
	c, err := signer.OpenPKCS11(signer.PKCS11Config{Module: p.Module, TokenLabel: p.Token, KeyLabel: name, PIN: p.PIN}, nil)
	if errors.Is(err, signer.ErrNoKeyFound) {
		if p.miss == nil {
			p.miss = map[string]bool{}
		}
		p.miss[name] = true
		return nil, fmt.Errorf("%w for %s on token %q", ErrNoKey, name, p.Token)
	}
	if err != nil {
		return nil, err
	}
	c.Chain = p.Chain
	if p.ChainDir != "" {
		if chain, err := certs.ReadCertificatesFile(filepath.Join(string(p.ChainDir), name+".chain.pem")); err == nil {
			c.Chain = chain
		} else if !errors.Is(err, os.ErrNotExist) {
			c.Close()
			return nil, fmt.Errorf("keystore %s: chain: %w", name, err)
		}
	}
	if p.open == nil {
		p.open = map[string]*signer.Credential{}
	}
	p.open[name] = c
	p.close = append(p.close, c.Close)
	return c, nil
}

// Close logs out of every credential opened.
func (p *PKCS11) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, f := range p.close {
		errs = append(errs, f())
	}
	p.open, p.close = nil, nil
	return errors.Join(errs...)
}
