package seed_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

// env is an engine on SQLite and the filesystem with the real calendars
// and forms, a served development PKI whose TSA follows the scenario's
// clock, and the clock.
type env struct {
	eng   *dossier.Engine
	log   *evidence.Log
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
	return &env{eng: eng, log: lg, clock: clock, pki: pki, tsa: &signer.TSA{URL: srv.URL + "/tsa"}, now: now, cals: cals}
}

func (e *env) seed(t *testing.T, profiles []string) *seed.Result {
	t.Helper()
	began := time.Now()
	res, err := seed.Seed(context.Background(), seed.Config{Engine: e.eng, Clock: e.clock, PKI: e.pki, TSA: e.tsa, Calendars: e.cals, Now: e.now,
		Profiles: profiles, VerifyURL: func(c string) string { return "http://127.0.0.1:8080/v/" + c }, Options: seed.Options{ECDSA: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %v: %d dossiers in %s", profiles, len(res.Dossiers), time.Since(began).Round(time.Millisecond))
	return res
}

// byStory finds the outcome whose story contains s.
func byStory(t *testing.T, res *seed.Result, s string) seed.Outcome {
	t.Helper()
	for _, o := range res.Dossiers {
		if strings.Contains(o.Story, s) {
			return o
		}
	}
	t.Fatalf("no story %q", s)
	return seed.Outcome{}
}

func kinds(d *dossier.Dossier) []string {
	var ks []string
	for _, ev := range d.Events {
		ks = append(ks, ev.Kind)
	}
	return ks
}

// TestScenario walks what the stories of three provinces left behind: the
// showcase step by step, the level-4 submission without signature in
// Quảng Ngãi, the inter-agency chain and the forgery in Bình Phước; every
// step on a working day in the past; the log verifies.
func TestScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("signs ~25 documents")
	}
	ctx := context.Background()
	now := time.Now()
	profiles := []string{"vinh-phuc", "binh-phuoc", "quang-ngai"}
	e := newEnv(t, now, profiles)
	res := e.seed(t, profiles)
	if len(res.Dossiers) != 7 {
		t.Fatalf("%d dossiers, want 7 (3 + 2 + 2)", len(res.Dossiers))
	}

	// The showcase, in the order of the brief.
	show := res.Dossiers[0]
	if !show.Showcase || show.Profile != "vinh-phuc" || show.State != dossier.StateReturned || show.VerificationCode == "" {
		t.Fatalf("first outcome %+v", show)
	}
	d, err := e.eng.Dossier(ctx, show.Code)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{dossier.KindSubmitted, dossier.KindAccepted, dossier.KindTransfer, dossier.KindSupplement, dossier.KindSupplied,
		dossier.KindExtended, dossier.KindResult, dossier.KindReady, dossier.KindOriginals, dossier.KindFeePaid, dossier.KindReturned}
	got := slices.DeleteFunc(kinds(d), func(k string) bool { return !slices.Contains(want, k) })
	if !slices.Equal(got, want) {
		t.Errorf("showcase steps %v, want %v", got, want)
	}
	if d.Channel != dossier.ChannelDesk || d.Extensions != 1 || !d.Late || d.ResultLate || !d.OriginalsOK || d.FeePaid != 100000 {
		t.Errorf("showcase: channel %s, extensions %d, late %v, result late %v, originals %v, fee %d", d.Channel, d.Extensions, d.Late, d.ResultLate, d.OriginalsOK, d.FeePaid)
	}
	docs, err := e.eng.Documents(ctx, show.Code)
	if err != nil {
		t.Fatal(err)
	}
	latest := map[int64]*dossier.DocumentVersion{}
	for _, v := range docs {
		latest[v.Lineage] = v
	}
	var desk, supplements, letters int
	for _, v := range latest {
		if v.Assessment == nil || v.Assessment.Status != dossier.StatusValid {
			t.Errorf("showcase document %q (%s, %s) is not legally valid: %+v", v.Title, v.Role, v.Source, v.Assessment)
			continue
		}
		switch {
		case v.Source == dossier.SourceDesk:
			desk++
			if v.Role == dossier.DocSupplement {
				supplements++
			}
			var rec digitize.Record
			if err := json.Unmarshal(v.Facts.Digitization, &rec); err != nil || rec.ResultCode == "" || !strings.HasPrefix(rec.ResultCode, show.Code) || rec.Signature == nil {
				t.Errorf("desk scan %q: TT 01/2023 record %+v (%v)", v.Title, rec, err)
			}
		case v.Role == dossier.DocApology || v.Role == dossier.DocReceipt:
			letters++
		}
	}
	if desk != 3 || supplements != 1 || letters != 2 {
		t.Errorf("showcase: %d desk scans (%d supplements), %d signed letters; want 3 (1), 2", desk, supplements, letters)
	}
	lk, err := e.eng.Lookup(ctx, show.VerificationCode)
	if err != nil {
		t.Fatal(err)
	}
	if lk.Dossier.Code != show.Code || lk.Result.Role != dossier.DocResult || lk.Result.Version != 3 || len(lk.Result.Inspection.Signatures) != 2 {
		t.Errorf("the verification code leads to %s %s v%d", lk.Dossier.Code, lk.Result.Role, lk.Result.Version)
	}

	// Quảng Ngãi: level 4 without the applicant's signature is handled as
	// level 3 and owes certified copies by post quoting the dossier code.
	qn := byStory(t, res, "certified copies owed by post")
	if d, err = e.eng.Dossier(ctx, qn.Code); err != nil {
		t.Fatal(err)
	}
	if d.State != dossier.StateAccepted || d.Level != 4 || d.HandledLevel != 3 || !slices.ContainsFunc(d.Owed, func(s string) bool {
		return strings.Contains(s, "bưu điện") && strings.Contains(s, qn.Code)
	}) {
		t.Errorf("Quảng Ngãi level 4 without signature: %s, level %d handled %d, owed %q", d.State, d.Level, d.HandledLevel, d.Owed)
	}

	// Bình Phước: three agencies in turn, each step's result signed first.
	chain := byStory(t, res, "inter-agency chain")
	if d, err = e.eng.Dossier(ctx, chain.Code); err != nil {
		t.Fatal(err)
	}
	if d.State != dossier.StateReturned || d.Step != 3 || len(d.StepResults) != 2 || d.Result == 0 {
		t.Errorf("chain: %s at step %d with %d step results", d.State, d.Step, len(d.StepResults))
	}
	for _, l := range d.StepResults {
		v, err := e.eng.Latest(ctx, l)
		if err != nil || v.Role != dossier.DocStepResult || v.Assessment.Status != dossier.StatusValid {
			t.Errorf("step result %d: %v %+v", l, err, v)
		}
	}
	forgery := byStory(t, res, "forgery")
	if d, err = e.eng.Dossier(ctx, forgery.Code); err != nil {
		t.Fatal(err)
	}
	if last := d.LastEvent(); d.State != dossier.StateCancelled || last.Data.Match == nil || *last.Data.Match {
		t.Errorf("forgery: %s, last event %+v", d.State, last)
	}

	// Every step in the past, on a working day, in working hours.
	for _, o := range res.Dossiers {
		d, err := e.eng.Dossier(ctx, o.Code)
		if err != nil {
			t.Fatal(err)
		}
		cal, _ := e.cals(o.Profile)
		for _, ev := range d.Events {
			if !ev.At.Before(now) {
				t.Errorf("%s %s at %s is not in the past", o.Code, ev.Kind, ev.At)
			}
			if wt, err := cal.WorkingTimeBetween(ev.At.Add(-time.Second), ev.At.Add(time.Second)); err != nil || wt == 0 {
				t.Errorf("%s %s at %s is outside working time", o.Code, ev.Kind, ev.At.Format(time.RFC3339))
			}
		}
	}
	if _, err := e.log.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
