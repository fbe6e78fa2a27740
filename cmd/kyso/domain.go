package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
)

// domain is the wired domain every command that works on dossiers uses:
// the stores, the evidence log, the trust anchors and the engine.
type domain struct {
	cfg   config.Config
	store *storage.Store
	log   *evidence.Log
	trust *certs.TrustStore
	eng   *dossier.Engine
	// devPKI is the development PKI of the data directory, when in use.
	devPKI *certs.DevPKI
}

func (r *domain) Close() error { return r.store.Close() }

// openDomain opens the configured stores (migrating them), the evidence
// log (its key made on first use when create) and the dossier engine with
// the real calendars, forms and verifier.
func openDomain(ctx context.Context, e *env, cfg config.Config, create bool) (*domain, error) {
	s, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return nil, err
	}
	rt := &domain{cfg: cfg, store: s}
	fail := func(err error) (*domain, error) { s.Close(); return nil, err }
	if rt.log, err = openLog(cfg, s, create); err != nil {
		return fail(err)
	}
	if rt.trust, err = loadTrust(cfg, nil); err != nil {
		return fail(withCode(exitUsage, err))
	}
	if p, err := certs.LoadDevPKI(cfg.PKIDir); err == nil {
		rt.devPKI = p
	} else if !errors.Is(err, os.ErrNotExist) && fileExists(filepath.Join(cfg.PKIDir, "pki.json")) {
		return fail(withCode(exitUsage, err))
	}
	cals, err := wire.Calendars()
	if err != nil {
		return fail(err)
	}
	// The development PKI's responders run on loopback; production
	// verification uses embedded revocation data first and the network
	// only when allowed (KYSO_TRUST deployments configure it).
	insp := &wire.Inspector{Trust: rt.trust, Revocation: certs.RevocationSoft, AllowOnline: rt.devPKI != nil}
	rt.eng, err = dossier.New(s, rt.log, dossier.Options{Calendars: cals, Inspector: insp,
		Letters: wire.Letters{}, Logger: newLogger(e, cfg)})
	if err != nil {
		return fail(err)
	}
	return rt, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
