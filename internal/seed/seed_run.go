package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/signer"
)

// Config is what Seed needs.
type Config struct {
	Engine *dossier.Engine // Options.Now must be Clock.Now
	Clock  *Clock          // at or before Start(…) minus a day
	PKI    *certs.DevPKI
	TSA    *signer.TSA
	// Calendars are the engine's calendars, by profile id.
	Calendars func(id string) (dossier.Calendar, error)
	VerifyURL func(code string) string
	Profiles  []string // default: all five
	Now       time.Time
	Options   Options
	Logger    *slog.Logger
	// OnWorld, when set, is called with each world once it is built,
	// before any story runs (e.g. to keep the staff's credentials).
	OnWorld func(*World) error
}

// Result is what Seed made.
type Result struct {
	Worlds   []*World // in the order of Config.Profiles
	Dossiers []Outcome
}

// Seed builds the worlds of the profiles (at the clock's time) and runs
// their stories up to Now.
func Seed(ctx context.Context, cfg Config) (*Result, error) {
	if len(cfg.Profiles) == 0 {
		cfg.Profiles = Profiles()
	}
	res := &Result{}
	worlds := map[string]*World{}
	for _, id := range cfg.Profiles {
		if _, ok := provinces()[id]; !ok {
			return nil, fmt.Errorf("seed: %w: %q (known: %v)", dossier.ErrUnknownProfile, id, Profiles())
		}
		if worlds[id] != nil {
			continue
		}
		w, err := BuildWith(ctx, cfg.Engine, cfg.PKI, id, cfg.Clock.Now(), cfg.Options)
		if err != nil {
			return res, err
		}
		worlds[id] = w
		res.Worlds = append(res.Worlds, w)
		if cfg.OnWorld != nil {
			if err := cfg.OnWorld(w); err != nil {
				return res, err
			}
		}
	}
	sc := &Scenario{Engine: cfg.Engine, Clock: cfg.Clock, TSA: cfg.TSA, Calendars: cfg.Calendars, VerifyURL: cfg.VerifyURL,
		Worlds: worlds, Now: cfg.Now, Logger: cfg.Logger}
	var err error
	res.Dossiers, err = sc.Run(ctx)
	return res, err
}

// Responders serves the development PKI's responders for a scenario: the
// time-stamp authority on the scenario's clock (so that B-T signatures of
// past steps carry time-stamps of their time), OCSP, CRLs and CA
// certificates on the wall clock (as `kyso serve` and `kyso pki serve`
// answer them later). OCSP answers and CRLs are kept for 30 seconds: the
// verifier asks for the same ones for every signature of every document,
// and signing each with the CA's RSA key dominates the demo's time
// otherwise (revocations made meanwhile by `kyso pki revoke` show after
// at most that long).
//
// A PKI younger than the stories (made by `kyso pki init` or `kyso serve`
// before the demo) cannot vouch for their past times: its time-stamps are
// then not earlier than a minute after its TSA and issuing CA became valid.
func Responders(p *certs.DevPKI, clock *Clock) http.Handler {
	var floor time.Time
	for _, c := range []*x509.Certificate{p.Root.Certificate, p.Intermediate.Certificate} {
		if c.NotBefore.After(floor) {
			floor = c.NotBefore
		}
	}
	if id, err := p.Identity(certs.IdentityTSA); err == nil && id.Certificate.NotBefore.After(floor) {
		floor = id.Certificate.NotBefore
	}
	floor = floor.Add(time.Minute)
	tsa := certs.NewResponder(p)
	tsa.Now = func() time.Time {
		if t := clock.TSANow(); t.After(floor) {
			return t
		}
		return floor
	}
	tsa.Logger = slog.New(slog.DiscardHandler)
	rest := certs.NewResponder(p)
	rest.Logger = tsa.Logger
	mux := http.NewServeMux()
	mux.Handle("/tsa", tsa)
	mux.Handle("/", &cache{next: rest, ttl: 30 * time.Second, entries: map[string]cached{}})
	return mux
}

// cache keeps the responses of a deterministic handler by request.
type cache struct {
	next    http.Handler
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	at     time.Time
	status int
	header http.Header
	body   []byte
}

func (c *cache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(body)
	key := r.Method + " " + r.URL.Path + " " + hex.EncodeToString(sum[:])
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || time.Since(e.at) > c.ttl {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		c.next.ServeHTTP(rec, r)
		e = cached{at: time.Now(), status: rec.status, header: rec.header, body: rec.body.Bytes()}
		if e.status == http.StatusOK {
			c.mu.Lock()
			c.entries[key] = e
			c.mu.Unlock()
		}
	}
	for k, v := range e.header {
		w.Header()[k] = v
	}
	w.WriteHeader(e.status)
	w.Write(e.body)
}

// recorder keeps a response in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
