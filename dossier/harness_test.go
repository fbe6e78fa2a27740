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
)

var ict = time.FixedZone("ICT", 7*3600)

// simpleCalendar: Monday–Friday 07:30–11:30, 13:30–17:00, no holidays.
// The real calendar is dossier/calendar; this one keeps unit tests of the
// engine independent of the holiday data.
type simpleCalendar struct{}

var sessions = [][2]time.Duration{{7*time.Hour + 30*time.Minute, 11*time.Hour + 30*time.Minute}, {13*time.Hour + 30*time.Minute, 17 * time.Hour}}

func dayStart(t time.Time) time.Time {
	t = t.In(ict)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ict)
}

func working(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }

func (simpleCalendar) WorkingDay() time.Duration { return 7*time.Hour + 30*time.Minute }

func (c simpleCalendar) AddWorking(t time.Time, d time.Duration) time.Time {
	for day := dayStart(t); ; day = day.AddDate(0, 0, 1) {
		if !working(day) {
			continue
		}
		for _, s := range sessions {
			a, b := day.Add(s[0]), day.Add(s[1])
			if t.After(a) {
				a = t
			}
			if !a.Before(b) {
				continue
			}
			if left := b.Sub(a); d <= left {
				if d == 0 {
					return a
				}
				return a.Add(d)
			} else {
				d -= left
			}
		}
	}
}

func (c simpleCalendar) AddWorkingDays(t time.Time, n float64) time.Time {
	return c.AddWorking(t, time.Duration(n*float64(c.WorkingDay())))
}

func (c simpleCalendar) WorkingTimeBetween(a, b time.Time) time.Duration {
	var total time.Duration
	for day := dayStart(a); day.Before(b); day = day.AddDate(0, 0, 1) {
		if !working(day) {
			continue
		}
		for _, s := range sessions {
			x, y := day.Add(s[0]), day.Add(s[1])
			if x.Before(a) {
				x = a
			}
			if y.After(b) {
				y = b
			}
			if y.After(x) {
				total += y.Sub(x)
			}
		}
	}
	return total
}

func (c simpleCalendar) IntakeDeadline(t time.Time) time.Time {
	for day := dayStart(t); ; day = day.AddDate(0, 0, 1) {
		if !working(day) {
			continue
		}
		for _, s := range sessions {
			a, b := day.Add(s[0]), day.Add(s[1])
			if t.After(a) {
				a = t
			}
			if b.Sub(a) >= time.Hour {
				return a.Add(time.Hour)
			}
		}
	}
}

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

func newHarness(t *testing.T, start string) *harness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Config{DataDir: dir, Migrations: dossier.Migrations()})
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
		Calendars: func(string) (dossier.Calendar, error) { return simpleCalendar{}, nil },
		Inspector: insp,
		Now:       func() time.Time { return h.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
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
