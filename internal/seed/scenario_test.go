package seed_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

// env is an engine on SQLite and the filesystem, a served development
// PKI whose TSA follows the scenario's clock, and the clock.
type env struct {
	eng   *dossier.Engine
	log   *evidence.Log
	store *storage.Store
	clock *seed.Clock
	pki   *certs.DevPKI
	tsa   *signer.TSA
	now   time.Time
	cals  func(string) (dossier.Calendar, error)
}

func newEnv(t *testing.T, now time.Time, profiles []string) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cals, err := wire.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	start, err := seed.Start(cals, now, profiles)
	if err != nil {
		t.Fatal(err)
	}
	var h atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().(http.Handler).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	pki, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{BaseURL: srv.URL, ECDSA: true, Now: start.Add(-72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	clock := seed.NewClock(start.Add(-48 * time.Hour))
	h.Store(seed.Responders(pki, clock))
	st, err := storage.Open(ctx, storage.Config{DataDir: dir, Migrations: dossier.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.test/demo")
	if err != nil {
		t.Fatal(err)
	}
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dossier.New(st, lg, dossier.Options{Calendars: cals, Now: clock.Now, Letters: wire.Letters{PublicURL: "http://127.0.0.1:8080/"},
		Inspector: &wire.Inspector{Trust: pki.TrustStore(), AllowOnline: true}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{eng: eng, log: lg, store: st, clock: clock, pki: pki, tsa: &signer.TSA{URL: srv.URL + "/tsa"}, now: now, cals: cals}
}

func TestSeedEveryState(t *testing.T) {
	if testing.Short() {
		t.Skip("signs ~40 documents")
	}
	ctx := context.Background()
	now := time.Now()
	e := newEnv(t, now, seed.Profiles())
	began := time.Now()
	res, err := seed.Seed(ctx, seed.Config{Engine: e.eng, Clock: e.clock, PKI: e.pki, TSA: e.tsa, Calendars: e.cals, Now: now,
		VerifyURL: func(c string) string { return "http://127.0.0.1:8080/v/" + c }, Options: seed.Options{ECDSA: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d worlds, %d dossiers in %s", len(res.Worlds), len(res.Dossiers), time.Since(began))
	states := map[dossier.State]int{}
	for _, o := range res.Dossiers {
		states[o.State]++
		t.Logf("%-9s %-26s %-20s %s", o.Profile, o.Code, o.State, o.Story)
	}
	for _, s := range []dossier.State{dossier.StateSubmitted, dossier.StateReceived, dossier.StateAccepted, dossier.StateSupplement,
		dossier.StateRejected, dossier.StateProcessing, dossier.StateSigned, dossier.StateReady, dossier.StateReturned,
		dossier.StateCancelled, dossier.StateVoid} {
		if states[s] == 0 {
			t.Errorf("no dossier in state %s", s)
		}
	}
	if !res.Dossiers[0].Showcase || res.Dossiers[0].State != dossier.StateReturned || res.Dossiers[0].VerificationCode == "" {
		t.Fatalf("first dossier is not the returned showcase with a code: %+v", res.Dossiers[0])
	}
	if e.clock.Now().After(now) {
		t.Errorf("the clock ran into the future: %s > %s", e.clock.Now(), now)
	}
	vr, err := e.log.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("evidence log: %d entries", vr.Entries)
}
