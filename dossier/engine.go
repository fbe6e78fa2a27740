package dossier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// A Calendar is the working-time clock of a profile (package
// dossier/calendar implements it). Its errors name dates it cannot count
// (years outside its tables, negative durations).
type Calendar interface {
	// IntakeDeadline is the end of the intake window for a submission at t
	// (QĐ 03/2020 Đ13.1: one working hour, starting at the next session
	// when the current one has less than that left).
	IntakeDeadline(t time.Time) (time.Time, error)
	// AddWorking returns the time d of working time after t.
	AddWorking(t time.Time, d time.Duration) (time.Time, error)
	// WorkingTimeBetween is the working time from a to b (negative when b
	// is before a).
	WorkingTimeBetween(a, b time.Time) (time.Duration, error)
	// DayLength is the working time of one working day.
	DayLength() time.Duration
}

// workingDays is n working days of cal's working time.
func workingDays(cal Calendar, n float64) time.Duration {
	return time.Duration(n * float64(cal.DayLength()))
}

// Inspector validates the signatures of a PDF (package verifier does the
// work; internal/wire adapts it).
type Inspector interface {
	Inspect(ctx context.Context, r io.ReaderAt, size int64) (*Inspection, error)
}

// Inspection is what the verifier found in one document version.
type Inspection struct {
	// Indication of the whole document: TOTAL-PASSED, TOTAL-FAILED or
	// INDETERMINATE (ETSI EN 319 102-1).
	Indication string      `json:"indication"`
	Summary    string      `json:"summary,omitempty"`
	Signatures []Signature `json:"signatures"`
	// Report is the verifier's full report (JSON), stored as a validation
	// report bound to the document's hash.
	Report []byte `json:"-"`
}

// Signature is one signature as the provenance engine needs it.
type Signature struct {
	Valid         bool      `json:"valid"` // TOTAL-PASSED
	Indication    string    `json:"indication"`
	SubIndication string    `json:"sub_indication,omitempty"`
	Organisation  bool      `json:"organisation"` // a unit's (seal) certificate
	Name          string    `json:"name"`
	Title         string    `json:"title,omitempty"`
	Unit          string    `json:"unit,omitempty"`
	Organization  string    `json:"organization,omitempty"`
	IDKind        string    `json:"id_kind,omitempty"` // CCCD, MST, MNS…
	IDNumber      string    `json:"id_number,omitempty"`
	AgencyCode    string    `json:"agency_code,omitempty"`
	SigningTime   time.Time `json:"signing_time"`
	Level         string    `json:"level,omitempty"`
}

// LetterRenderer renders the one-stop forms (package dossier/forms does
// the work; internal/wire adapts it).
type LetterRenderer interface {
	Render(ctx context.Context, l *Letter) (*RenderedLetter, error)
}

// Options configure an Engine.
type Options struct {
	Profiles  *Profiles
	RuleSets  *RuleSets
	Calendars func(id string) (Calendar, error)
	Inspector Inspector
	Letters   LetterRenderer // nil: letters cannot be drafted
	// Now is the clock (time.Now when nil); scenario tests move it.
	Now    func() time.Time
	Logger *slog.Logger
}

// Engine runs dossiers over a store and an evidence log. It is safe for
// concurrent use, also by several processes sharing the database.
type Engine struct {
	store     *storage.Store
	log       *evidence.Log
	profiles  *Profiles
	rules     *RuleSets
	calendars func(id string) (Calendar, error)
	inspector Inspector
	letters   LetterRenderer
	now       func() time.Time
	logger    *slog.Logger
}

// New returns an engine. Profiles and rule sets default to the embedded
// ones; Calendars and Inspector are required.
func New(store *storage.Store, log *evidence.Log, opts Options) (*Engine, error) {
	if store == nil || log == nil {
		return nil, errors.New("dossier: a store and an evidence log are required")
	}
	if opts.Calendars == nil || opts.Inspector == nil {
		return nil, errors.New("dossier: Options.Calendars and Options.Inspector are required")
	}
	e := &Engine{store: store, log: log, profiles: opts.Profiles, rules: opts.RuleSets, calendars: opts.Calendars,
		inspector: opts.Inspector, letters: opts.Letters, now: opts.Now, logger: opts.Logger}
	var err error
	if e.profiles == nil {
		if e.profiles, err = LoadProfiles(); err != nil {
			return nil, err
		}
	}
	if e.rules == nil {
		if e.rules, err = LoadRuleSets(); err != nil {
			return nil, err
		}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	return e, nil
}

// Profiles returns the engine's profiles.
func (e *Engine) Profiles() *Profiles { return e.profiles }

// Store returns the engine's store.
func (e *Engine) Store() *storage.Store { return e.store }

// Log returns the engine's evidence log.
func (e *Engine) Log() *evidence.Log { return e.log }

func (e *Engine) calendar(p *Profile) (Calendar, error) {
	c, err := e.calendars(p.Calendar)
	if err != nil {
		return nil, fmt.Errorf("profile %s: calendar: %w", p.ID, err)
	}
	return c, nil
}

// clock returns the current time in Vietnam, to the microsecond (what
// both databases keep exactly).
func (e *Engine) clock() time.Time { return e.now().In(vietnam).Truncate(time.Microsecond) }

// Now is the engine's clock in Vietnam's time zone.
func (e *Engine) Now() time.Time { return e.clock() }
