package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// openCalendar counts every hour as working time: these tests are about
// the public pages, not deadlines (package dossier tests the clock).
type openCalendar struct{}

func (openCalendar) IntakeDeadline(t time.Time) time.Time              { return t.Add(time.Hour) }
func (openCalendar) AddWorking(t time.Time, d time.Duration) time.Time { return t.Add(d) }
func (openCalendar) AddWorkingDays(t time.Time, n float64) time.Time {
	return t.Add(time.Duration(n * 8 * float64(time.Hour)))
}
func (openCalendar) WorkingDay() time.Duration                       { return 8 * time.Hour }
func (openCalendar) WorkingTimeBetween(a, b time.Time) time.Duration { return max(0, b.Sub(a)) }

// pubFixture is an engine on real storage (SQLite and the filesystem
// object store in a temporary directory), a real evidence log, a served
// development PKI, a seeded province, and an api.Server over it.
type pubFixture struct {
	t      *testing.T
	ctx    context.Context
	eng    *dossier.Engine
	store  *storage.Store
	log    *evidence.Log
	pki    *testpki.PKI
	w      *seed.World
	srv    *Server
	http   *httptest.Server
	mu     sync.Mutex
	offset time.Duration // the engine's clock runs this far ahead
}

type fixtureOptions struct {
	profile        string
	publicDownload bool // override the profile's PublicDownload
	postgres       bool // PostgreSQL (a fresh schema) instead of SQLite
	cfg            func(*Config)
}

func newPubFixture(t *testing.T, o fixtureOptions) *pubFixture {
	t.Helper()
	if o.profile == "" {
		o.profile = "vinh-phuc"
	}
	ctx := context.Background()
	dir := t.TempDir()
	sc := storage.Config{DataDir: dir, Migrations: dossier.Migrations()}
	if o.postgres {
		sc.DatabaseURL = storagetest.PostgresURL(t)
	}
	st, err := storage.Open(ctx, sc)
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
	f := &pubFixture{t: t, ctx: ctx, store: st, log: lg}
	f.pki = testpki.New(t, certs.DevPKIOptions{Now: time.Now().Add(-24 * time.Hour)})
	profiles, err := dossier.LoadProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if o.publicDownload {
		// A deployment whose province offers the signed original publicly
		// (none of the five seeds says so; see dossier/profiles/README.md).
		p, err := profiles.Profile(o.profile)
		if err != nil {
			t.Fatal(err)
		}
		p.PublicDownload = true
	}
	f.eng, err = dossier.New(st, lg, dossier.Options{Profiles: profiles,
		Calendars: func(string) (dossier.Calendar, error) { return openCalendar{}, nil },
		Inspector: &wire.Inspector{Trust: f.pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true},
		Now:       f.now})
	if err != nil {
		t.Fatal(err)
	}
	if f.w, err = seed.Build(ctx, f.eng, f.pki.DevPKI, o.profile, time.Now()); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Engine: f.eng, Trust: f.pki.TrustStore(), AllowOnline: true, DevMode: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	return f
}

func (f *pubFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset)
}

// advance moves the engine's clock (not the signers' or the verifier's).
func (f *pubFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.offset += d
	f.mu.Unlock()
}

func (f *pubFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func onePagePDF(t testing.TB) []byte {
	var b bytes.Buffer
	if err := testpdf.Write(&b, testpdf.Options{Pages: 1}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// signPDF signs b with cred at B-T, outside any dossier.
func (f *pubFixture) signPDF(b []byte, cred *signer.Credential) []byte {
	f.t.Helper()
	dir := f.t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	f.must(os.WriteFile(in, b, 0o600))
	_, err := signer.SignFile(f.ctx, in, out, &signer.Options{Credential: cred, Level: signer.LevelBT, TSA: f.pki.TSA()})
	f.must(err)
	signed, err := os.ReadFile(out)
	f.must(err)
	return signed
}

// issued is a dossier whose result is signed by the head and sealed by
// the agency, with its verification code.
type issued struct {
	code   string // dossier code
	vcode  string // verification code
	result *dossier.DocumentVersion
	signed []byte // the result's latest bytes
}

// issueResult walks a dossier from an online submission at level to
// a recorded, signed result titled title.
func (f *pubFixture) issueResult(title string, level int) issued {
	f.t.Helper()
	w := f.w
	form := f.signPDF(onePagePDF(f.t), w.CitizenKey)
	d, err := f.eng.Submit(f.ctx, w.Citizen, dossier.Application{Unit: w.Units[seed.Centre].Code, Procedure: "1.001612", Level: level,
		Channel: dossier.ChannelOnline, Applicant: w.Applicant, Documents: []dossier.DocumentInput{
			{Source: dossier.SourceCitizen, Component: "TP1", Title: "Giấy đề nghị đăng ký hộ kinh doanh", Body: bytes.NewReader(form)},
		}})
	f.must(err)
	_, err = f.eng.Accept(f.ctx, d.Code, w.Members[seed.Intake].Actor, "Hồ sơ hợp lệ")
	f.must(err)
	_, err = f.eng.Transfer(f.ctx, d.Code, w.Members[seed.Intake].Actor, w.Units[seed.Agency].Code, 0)
	f.must(err)
	spec := w.Members[seed.Specialist].Actor
	res, err := f.eng.AddDocument(f.ctx, d.Code, spec, dossier.DocumentInput{Role: dossier.DocResult, Source: dossier.SourceIssued,
		Title: title, Body: bytes.NewReader(onePagePDF(f.t))})
	f.must(err)
	vcode, err := f.eng.VerificationCode(f.ctx, d.Code, spec, res.Lineage)
	f.must(err)
	head := w.Members[seed.Head]
	_, err = wire.SignVersion(f.ctx, f.eng, d.Code, head.Actor, res.Lineage, &signer.Options{Credential: head.Credential,
		Level: signer.LevelBT, TSA: f.pki.TSA(), Appearance: &signer.Appearance{Kind: signer.Personal, Page: 1,
			Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90}, Name: head.Staff.FullName, Title: head.Staff.Title,
			QR: f.http.URL + "/v/" + vcode}})
	f.must(err)
	seal := w.Members[seed.Seal]
	_, err = wire.SignVersion(f.ctx, f.eng, d.Code, seal.Actor, res.Lineage, &signer.Options{Credential: seal.Credential,
		Level: signer.LevelBT, TSA: f.pki.TSA()})
	f.must(err)
	_, err = f.eng.RecordResult(f.ctx, d.Code, spec, res.Lineage)
	f.must(err)
	latest, err := f.eng.Latest(f.ctx, res.Lineage)
	f.must(err)
	rc, err := f.eng.Open(f.ctx, latest)
	f.must(err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	f.must(err)
	return issued{code: d.Code, vcode: vcode, result: latest, signed: b}
}

// get sends a GET with an Accept header and returns the response and body.
func (f *pubFixture) get(path, accept string, hdr ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.http.URL+path, nil)
	f.must(err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.http.Client().Do(req)
	f.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	f.must(err)
	return resp, string(b)
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
