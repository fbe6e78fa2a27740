package dossier_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

var ict = time.FixedZone("ICT", 7*3600)

// harness is an engine on real storage, a real evidence log and a served
// development PKI, with a movable clock.
type harness struct {
	t     *testing.T
	ctx   context.Context
	eng   *dossier.Engine
	store *storage.Store
	log   *evidence.Log
	pki   *testpki.PKI
	now   time.Time
	creds map[string]*signer.Credential // by username
}

func newHarness(t *testing.T, start string) *harness { return newHarnessOn(t, start, "sqlite") }

// newHarnessOn: backend "sqlite" (with the filesystem store) or
// "postgres" (with MinIO), the real servers of ./scripts/test.
func newHarnessOn(t *testing.T, start, backend string) *harness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := storage.Config{DataDir: dir, Migrations: dossier.Migrations()}
	if backend == "postgres" {
		cfg.DatabaseURL = storagetest.PostgresURL(t)
		s3 := storagetest.S3Config(t)
		cfg.S3 = &s3
	}
	st, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.test/evidence")
	if err != nil {
		t.Fatal(err)
	}
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, store: st, log: lg, creds: map[string]*signer.Credential{}}
	h.now = mustTime(t, start)
	h.pki = testpki.New(t, certs.DevPKIOptions{Now: h.now.Add(-24 * time.Hour)})
	insp := &wire.Inspector{Trust: h.pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true}
	h.eng, err = dossier.New(st, lg, dossier.Options{
		Calendars: calendars(t),
		Inspector: insp,
		Now:       func() time.Time { return h.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// calendars are the real working-time calendars of the profiles.
func calendars(t testing.TB) func(string) (dossier.Calendar, error) {
	c, err := wire.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (h *harness) at(s string) { h.now = mustTime(h.t, s) }

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

// pdf returns a small unsigned PDF.
func pdf(t testing.TB) *bytes.Reader { return pdfReader() }

func pdfReader() *bytes.Reader {
	var b bytes.Buffer
	if err := testpdf.Write(&b, testpdf.Options{Pages: 1}); err != nil {
		panic(err)
	}
	return bytes.NewReader(b.Bytes())
}

func readAll(r *bytes.Reader) []byte {
	b := make([]byte, r.Len())
	r.Read(b)
	return b
}
