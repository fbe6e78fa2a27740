package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
)

// A Scenario tells the demo's stories through the dossier engine: every
// step is a real engine call on a real store and evidence log, every
// signature a real PAdES signature with a time-stamp from the TSA, over
// working days before Now. The steps of all stories run in time order,
// so the evidence log reads as a deployment's would.
type Scenario struct {
	Engine *dossier.Engine // its Options.Now must be Clock.Now
	Clock  *Clock
	// TSA is the time-stamp authority of the signatures (B-T).
	TSA *signer.TSA
	// Calendars are the engine's working-time calendars, by profile.
	Calendars func(id string) (dossier.Calendar, error)
	// VerifyURL makes the public verification URL of a result's code,
	// printed as the QR code of the head's visible signature.
	VerifyURL func(code string) string
	// Worlds are the seeded provinces, by profile; stories of other
	// profiles are skipped.
	Worlds map[string]*World
	// Now is the real time: every step happens before it.
	Now    time.Time
	Logger *slog.Logger

	mu    sync.Mutex
	seals map[string][]byte // seal images by unit name
}

// An Outcome is one seeded dossier.
type Outcome struct {
	Code          string
	State         dossier.State
	Profile       string
	Procedure     string
	ProcedureName string
	Story         string // what the dossier went through (English)
	Showcase      bool
	// VerificationCode is the public code of its result ("" when it has
	// none yet).
	VerificationCode string
}

// Depth is how many working days back the stories reach.
const Depth = 24

// Start returns the earliest time a story step of profiles may take (the
// morning of the first working day the stories reach before now):
// certificates and decisions must be in force from before it.
func Start(calendars func(id string) (dossier.Calendar, error), now time.Time, profiles []string) (time.Time, error) {
	start := now
	for _, id := range profiles {
		cal, err := calendars(id)
		if err != nil {
			return time.Time{}, err
		}
		days, err := workingDays(cal, now, Depth+1)
		if err != nil {
			return time.Time{}, err
		}
		if d := days[len(days)-1].Add(7 * time.Hour); d.Before(start) {
			start = d
		}
	}
	return start, nil
}

// workingDays returns n working days before the day of now: [0] is the
// last one before today, [k] k working days earlier (midnight, Vietnam).
func workingDays(cal dossier.Calendar, now time.Time, n int) ([]time.Time, error) {
	var out []time.Time
	day := dayStart(now)
	for i := 0; len(out) < n; i++ {
		if i > 10*n+60 {
			return nil, fmt.Errorf("seed: the calendar has fewer than %d working days in the %d days before %s", n, i, now.Format(time.DateOnly))
		}
		day = day.AddDate(0, 0, -1)
		wt, err := cal.WorkingTimeBetween(day, day.AddDate(0, 0, 1))
		if err != nil {
			return nil, err
		}
		if wt >= time.Hour {
			out = append(out, day)
		}
	}
	return out, nil
}

func dayStart(t time.Time) time.Time {
	t = t.In(vietnam)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, vietnam)
}

// A tale is one story: its steps, scheduled on its profile's working days.
type tale struct {
	s       *Scenario
	w       *World
	cal     dossier.Calendar
	days    []time.Time
	out     Outcome
	steps   []*step
	err     error
	created []string // dossier codes, first is the story's
}

type step struct {
	at time.Time
	t  *tale
	fn func(ctx context.Context)
}

// on schedules fn on working day -day (0: the last working day before
// today) at hh:mm.
func (t *tale) on(day int, hhmm string, fn func(ctx context.Context)) {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	at := t.days[-day].Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	t.steps = append(t.steps, &step{at: at, t: t, fn: fn})
}

// recently schedules fn ago before now when that is working time today,
// else on the last working day at 16:35.
func (t *tale) recently(ago time.Duration, fn func(ctx context.Context)) {
	at := t.s.Now.Add(-ago).Truncate(time.Minute)
	if wt, err := t.cal.WorkingTimeBetween(at, t.s.Now); err != nil || !at.After(dayStart(t.s.Now)) || wt < ago-time.Minute {
		at = t.days[0].Add(16*time.Hour + 35*time.Minute)
	}
	t.steps = append(t.steps, &step{at: at, t: t, fn: fn})
}

func (t *tale) fail(err error, what string) {
	if err != nil && t.err == nil {
		t.err = fmt.Errorf("%s: %s: %w", t.out.Story, what, err)
	}
}

func (t *tale) ok() bool { return t.err == nil }

// tick moves the clock a little, so that steps taken one after another
// have distinct, realistic times.
func (t *tale) tick() { t.s.Clock.Advance(47 * time.Second) }

// story is a story of a profile.
type story struct {
	profile string
	name    string
	build   func(t *tale)
}

// Run runs the stories of the seeded profiles and returns the dossiers
// they made, the showcase first. On an error the steps already taken
// stay recorded (each is one transaction with its evidence entries).
func (s *Scenario) Run(ctx context.Context) ([]Outcome, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	var tales []*tale
	for _, st := range stories() {
		w := s.Worlds[st.profile]
		if w == nil {
			continue
		}
		cal, err := s.Calendars(st.profile)
		if err != nil {
			return nil, err
		}
		days, err := workingDays(cal, s.Now, Depth+1)
		if err != nil {
			return nil, err
		}
		t := &tale{s: s, w: w, cal: cal, days: days, out: Outcome{Profile: st.profile, Story: st.name}}
		st.build(t)
		tales = append(tales, t)
	}
	var steps []*step
	for _, t := range tales {
		steps = append(steps, t.steps...)
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !st.t.ok() {
			continue
		}
		s.Clock.Set(st.at)
		st.fn(ctx)
		if err := st.t.err; err != nil {
			return nil, err
		}
	}
	var out []Outcome
	for _, t := range tales {
		if len(t.created) == 0 {
			continue
		}
		d, err := s.Engine.Dossier(ctx, t.created[0])
		if err != nil {
			return nil, err
		}
		t.out.Code, t.out.State, t.out.Procedure, t.out.ProcedureName = d.Code, d.State, d.Procedure, d.ProcedureName
		out = append(out, t.out)
	}
	slices.SortStableFunc(out, func(a, b Outcome) int {
		if a.Showcase != b.Showcase {
			if a.Showcase {
				return -1
			}
			return 1
		}
		return 0
	})
	return out, nil
}

// --- steps, each recording the tale's first error -------------------------

func (t *tale) as(m *Member, role dossier.Role) dossier.Actor {
	return dossier.Actor{Username: m.Staff.Username, Role: role, Unit: m.Staff.Unit}
}

func (t *tale) m(key string) *Member { return t.w.Members[key] }

func (t *tale) submit(ctx context.Context, actor dossier.Actor, app dossier.Application) string {
	if !t.ok() {
		return ""
	}
	d, err := t.s.Engine.Submit(ctx, actor, app)
	t.fail(err, "submit")
	t.tick()
	if err != nil {
		return ""
	}
	t.created = append(t.created, d.Code)
	t.s.Logger.Info("dossier submitted", "code", d.Code, "story", t.out.Story)
	return d.Code
}

// do runs one engine step on the dossier.
func (t *tale) do(what string, fn func() (*dossier.Dossier, error)) {
	if !t.ok() {
		return
	}
	_, err := fn()
	t.fail(err, what)
	t.tick()
}

func (t *tale) add(ctx context.Context, code string, actor dossier.Actor, in dossier.DocumentInput) int64 {
	if !t.ok() {
		return 0
	}
	v, err := t.s.Engine.AddDocument(ctx, code, actor, in)
	t.fail(err, "add "+in.Title)
	t.tick()
	if err != nil {
		return 0
	}
	return v.Lineage
}

// paper renders p, or records the error.
func (t *tale) paper(p Paper) *RenderedPaper {
	if !t.ok() {
		return &RenderedPaper{}
	}
	r, err := p.Render()
	t.fail(err, "render "+p.Title)
	if err != nil {
		return &RenderedPaper{}
	}
	return r
}

// pdf is an unsigned document input of the rendered paper.
func (t *tale) pdf(p Paper, role, source, component string) dossier.DocumentInput {
	r := t.paper(p)
	return dossier.DocumentInput{Role: role, Source: source, Component: component, Title: p.Title, Body: bytes.NewReader(r.PDF)}
}

// citizenSigned is the applicant's own form, signed with their
// certificate (visible, in the form's signature box).
func (t *tale) citizenSigned(ctx context.Context, a dossier.Applicant, p Paper, component string) dossier.DocumentInput {
	r := t.paper(p)
	in := dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceCitizen, Component: component, Title: p.Title}
	if !t.ok() {
		return in
	}
	cred, err := t.w.ApplicantKey(a)
	if err != nil {
		t.fail(err, "applicant key")
		return in
	}
	b, err := signBytes(ctx, r.PDF, &signer.Options{Credential: cred, Level: signer.LevelBT, TSA: t.s.TSA, Time: t.s.Clock.Now(),
		Reason: "Ký số hồ sơ nộp trực tuyến", Appearance: &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: r.Signature, Name: a.Name}})
	t.fail(err, "applicant signature")
	in.Body = bytes.NewReader(b)
	t.tick()
	return in
}

// sign signs the latest version of a document with m's credential and
// adds the signed version.
func (t *tale) sign(ctx context.Context, code string, m *Member, role dossier.Role, lineage int64, ap *signer.Appearance) {
	if !t.ok() {
		return
	}
	_, err := wire.SignVersion(ctx, t.s.Engine, code, t.as(m, role), lineage, &signer.Options{Credential: m.Credential,
		Level: signer.LevelBT, TSA: t.s.TSA, Time: t.s.Clock.Now(), Appearance: ap})
	t.fail(err, "sign by "+m.Staff.Username)
	t.tick()
}

// scanned is one paper brought to the desk.
type scanned struct {
	paper     Paper
	component string
	name      string // component name
}

// scan renders the papers as the desk's scanner would.
func (t *tale) scan(papers []scanned) ([]digitize.Input, []digitize.Metadata) {
	var inputs []digitize.Input
	var meta []digitize.Metadata
	for i, p := range papers {
		jpg, err := p.paper.Scan(uint64(t.s.Clock.Now().UnixNano()) + uint64(i))
		if err != nil {
			t.fail(err, "scan")
			return nil, nil
		}
		inputs = append(inputs, digitize.Input{Name: fmt.Sprintf("scan-%s-%d.jpg", strings.ToLower(p.component), i+1), Data: jpg})
		meta = append(meta, digitize.Metadata{Fields: map[string]string{digitize.FieldComponentCode: p.component, digitize.FieldComponentName: p.name}})
	}
	return inputs, meta
}

// deskScan digitizes papers brought to the desk as components of the
// dossier, the way the console does (internal/wire.Digitize: PDF/A with
// the TT 01/2023 record, signed B-T by the assigned officer).
func (t *tale) deskScan(ctx context.Context, code string, officer *Member, papers []scanned) {
	inputs, meta := t.scan(papers)
	if !t.ok() {
		return
	}
	var res *wire.DigitizeResult
	var err error
	t.s.Clock.WallTSA(func() {
		res, err = wire.Digitize(ctx, t.s.Engine, code, officer.Actor, wire.DigitizeRequest{Inputs: inputs, Components: meta,
			Credential: officer.Credential, Level: signer.LevelBT, TSA: t.s.TSA})
	})
	if err == nil && len(res.Errors) > 0 {
		err = errors.New(strings.Join(res.Errors, "; "))
	}
	t.fail(err, "digitize at the desk")
	t.tick()
}

// supplementScan digitizes papers brought as a supplement (package
// digitize, as internal/wire.Digitize does, signed by the assigned
// officer) and returns them for Engine.Supplement.
func (t *tale) supplementScan(ctx context.Context, code string, officer *Member, papers []scanned) []dossier.DocumentInput {
	inputs, meta := t.scan(papers)
	if !t.ok() {
		return nil
	}
	st := officer.Staff
	var a *digitize.Assignment
	as, err := t.s.Engine.Assignments(ctx, st.Username)
	if err != nil {
		t.fail(err, "assignments")
		return nil
	}
	for _, x := range as {
		if x.Covers(st.Username, t.s.Clock.Now()) {
			a = &digitize.Assignment{Number: x.Number, Date: x.SignedOn, SignedBy: x.SignedBy, Staff: []string{st.OfficialAccount}, ValidFrom: x.ValidFrom, ValidTo: x.ValidTo}
		}
	}
	prof := digitize.CopyProfile()
	var b *digitize.Batch
	t.s.Clock.WallTSA(func() {
		b, err = digitize.Process(ctx, inputs, &digitize.Options{Profile: prof, Time: t.s.Engine.Now(),
			Operator:   digitize.Operator{Name: st.FullName, Account: st.OfficialAccount, Title: st.Title, Unit: st.Unit},
			Assignment: a, Common: map[string]string{digitize.FieldDossierCode: code}, Components: meta,
			Sign: &digitize.SignOptions{Credential: officer.Credential, Level: signer.LevelBT, TSA: t.s.TSA}})
	})
	if err == nil {
		err = b.Err()
	}
	if err != nil {
		t.fail(err, "digitize the supplement")
		return nil
	}
	var out []dossier.DocumentInput
	for i, d := range b.Documents {
		out = append(out, dossier.DocumentInput{Role: dossier.DocSupplement, Source: dossier.SourceDesk, Component: papers[i].component,
			Title: papers[i].name, Name: d.Name + ".pdf", Body: bytes.NewReader(d.PDF), Facts: dossier.Facts{Digitization: d.Record.JSON()}})
	}
	t.tick()
	return out
}

// letter drafts a letter and has it signed by signer (the role its kind
// requires), returning the letter's lineage.
func (t *tale) letter(ctx context.Context, code string, drafter dossier.Actor, req dossier.LetterRequest, sealer *Member) int64 {
	if !t.ok() {
		return 0
	}
	v, reqs, err := t.s.Engine.DraftLetter(ctx, code, drafter, req)
	t.fail(err, "draft letter "+req.Kind)
	if err != nil {
		return 0
	}
	t.tick()
	for _, r := range reqs {
		rect := signer.Rect{X: r.X, Y: r.Y, W: r.Width, H: r.Height}
		ap := &signer.Appearance{Kind: signer.Personal, Page: r.Page, Rect: rect, Name: sealer.Staff.FullName, Title: sealer.Staff.Title}
		if r.Organisation {
			ap = t.sealAppearance(r.Unit, rect)
		}
		t.sign(ctx, code, sealer, r.Role, v.Lineage, ap)
	}
	return v.Lineage
}

func (t *tale) sealAppearance(unitCode string, rect signer.Rect) *signer.Appearance {
	var name string
	for _, u := range t.w.Units {
		if u.Code == unitCode {
			name = u.Name
		}
	}
	img, err := t.s.sealImage(name)
	t.fail(err, "seal image")
	return &signer.Appearance{Kind: signer.Organisation, Page: 1, Rect: rect, Name: name, Unit: name, Image: img}
}

// sealImage draws a unit's seal once per scenario (~50 ms each).
func (s *Scenario) sealImage(unit string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.seals[unit]; ok {
		return b, nil
	}
	b, err := SealImage(unit)
	if err != nil {
		return nil, err
	}
	if s.seals == nil {
		s.seals = map[string][]byte{}
	}
	s.seals[unit] = b
	return b, nil
}

// issued adds a result (or a chain step's result) drafted by the
// specialist, signed by the head (visible, with the verification QR for
// results) and sealed by the unit; it returns the lineage and, for
// results, the verification code.
func (t *tale) issued(ctx context.Context, code, role string, specialist, head, seal *Member, p Paper) (int64, string) {
	r := t.paper(p)
	if !t.ok() {
		return 0, ""
	}
	spec := t.as(specialist, dossier.RoleSpecialist)
	lineage := t.add(ctx, code, spec, dossier.DocumentInput{Role: role, Source: dossier.SourceIssued, Title: p.Title,
		Name: code + "-" + map[string]string{dossier.DocResult: "KQ", dossier.DocStepResult: "BUOC"}[role] + ".pdf", Body: bytes.NewReader(r.PDF)})
	var vcode, qr string
	if role == dossier.DocResult && t.ok() {
		var err error
		vcode, err = t.s.Engine.VerificationCode(ctx, code, spec, lineage)
		t.fail(err, "verification code")
		qr = t.s.VerifyURL(vcode)
		t.tick()
	}
	t.sign(ctx, code, head, dossier.RoleHead, lineage, &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: r.Signature,
		Name: head.Staff.FullName, Title: head.Staff.Title, Unit: t.w.Units[head.UnitKey].Name, QR: qr})
	t.sign(ctx, code, seal, dossier.RoleSeal, lineage, t.sealAppearance(seal.Staff.Unit, r.Seal))
	return lineage, vcode
}

func signBytes(ctx context.Context, pdf []byte, opts *signer.Options) ([]byte, error) {
	f, err := os.CreateTemp("", "kyso-demo-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := signer.Sign(ctx, f, bytes.NewReader(pdf), int64(len(pdf)), opts); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
