package dossier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// Channels a dossier arrives by.
const (
	ChannelOnline = "online" // the portal
	ChannelDesk   = "desk"   // in person at the one-stop desk
	ChannelPost   = "post"   // public postal service (QĐ 45/2016/QĐ-TTg)
)

// Stages of a dossier, for supplements.
const (
	StageIntake     = "intake"
	StageProcessing = "processing"
)

// An Applicant is the citizen or organisation a dossier is for.
type Applicant struct {
	Name     string `json:"name"`
	Kind     string `json:"kind,omitempty"` // person (default) or organisation
	IDNumber string `json:"id_number"`      // CCCD, or tax/business code
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	Account  string `json:"account,omitempty"` // VNeID / portal account
}

// Masked is the applicant as public pages show it: initials of the name
// beyond the given name, the ID's last three digits.
func (a Applicant) Masked() Applicant {
	m := Applicant{Kind: a.Kind}
	if a.Kind == "organisation" {
		m.Name = a.Name
	} else {
		words := strings.Fields(a.Name)
		for i, w := range words {
			if i < len(words)-1 {
				r := []rune(w)
				words[i] = string(r[0]) + "."
			}
		}
		m.Name = strings.Join(words, " ")
	}
	if n := len(a.IDNumber); n > 3 {
		m.IDNumber = strings.Repeat("•", n-3) + a.IDNumber[n-3:]
	}
	return m
}

// An Application is what Submit receives.
type Application struct {
	Unit      string // receiving unit (its code starts the dossier code)
	Procedure string // procedure code of the unit's profile
	Level     int    // online service level 2, 3 or 4
	Channel   string // online, desk or post
	Applicant Applicant
	Documents []DocumentInput // the components submitted
}

// Event is one recorded step of a dossier.
type Event struct {
	Seq      int       `json:"seq"`
	Kind     string    `json:"kind"`
	From     State     `json:"from"`
	To       State     `json:"to"`
	Actor    string    `json:"actor"`
	Role     Role      `json:"role"`
	Unit     string    `json:"unit,omitempty"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason,omitempty"`
	Data     EventData `json:"data"`
	LogIndex uint64    `json:"log_index"`
}

// EventData are the facts of an event; which are set depends on the kind.
type EventData struct {
	Deadline       *time.Time    `json:"deadline,omitempty"`        // the appointment after this event
	IntakeDeadline *time.Time    `json:"intake_deadline,omitempty"` // submitted: the end of the intake window
	Budget         time.Duration `json:"budget,omitempty"`          // accepted: processing time in working time
	Remaining      time.Duration `json:"remaining,omitempty"`       // supplement: working time left when paused
	Stage          string        `json:"stage,omitempty"`           // supplement: intake or processing
	Round          int           `json:"round,omitempty"`           // supplement: 1, 2, …
	WrongGuidance  bool          `json:"wrong_guidance,omitempty"`  // supplement: the earlier guidance was wrong or vague
	Items          []string      `json:"items,omitempty"`           // supplement: what is asked for
	Unit           string        `json:"unit,omitempty"`            // transfer: the agency it goes to
	Step           int           `json:"step,omitempty"`            // transfer: position in the chain (1-based)
	Document       int64         `json:"document,omitempty"`        // the document lineage the event rests on
	Letter         int64         `json:"letter,omitempty"`          // the letter lineage sent with it
	LetterKind     string        `json:"letter_kind,omitempty"`
	Level          int           `json:"level,omitempty"` // accepted: the level the dossier is handled at
	LevelReason    string        `json:"level_reason,omitempty"`
	Match          *bool         `json:"match,omitempty"`         // originals: they match the electronic copies
	Amount         int64         `json:"amount,omitempty"`        // fees, đồng
	Late           bool          `json:"late,omitempty"`          // result/return: after the deadline
	Owed           []string      `json:"owed,omitempty"`          // what the applicant still owes
	TransferBy     *time.Time    `json:"transfer_by,omitempty"`   // accepted: transfer to the specialist due (Quảng Ngãi)
	LateIntake     bool          `json:"late_intake,omitempty"`   // accepted after the intake window
	LateTransfer   bool          `json:"late_transfer,omitempty"` // transferred after TransferBy
}

// Dossier is a dossier with its history and what follows from it.
type Dossier struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	Unit          string    `json:"unit"`
	Profile       string    `json:"profile"`
	RuleSet       string    `json:"rule_set"`
	Procedure     string    `json:"procedure"`
	ProcedureName string    `json:"procedure_name"`
	Level         int       `json:"level"` // as submitted
	Channel       string    `json:"channel"`
	Applicant     Applicant `json:"applicant"`
	SubmittedAt   time.Time `json:"submitted_at"`
	Events        []Event   `json:"events"`

	// Derived from the events.
	State          State          `json:"state"`
	HandledLevel   int            `json:"handled_level"` // level it is handled at (level 4 without signature → 3)
	IntakeDeadline time.Time      `json:"intake_deadline,omitzero"`
	AcceptedAt     time.Time      `json:"accepted_at,omitzero"`
	Deadline       time.Time      `json:"deadline,omitzero"` // current appointment (zero while paused)
	Budget         time.Duration  `json:"budget,omitempty"`
	Paused         bool           `json:"paused,omitempty"`
	Remaining      time.Duration  `json:"remaining,omitempty"` // while paused
	Supplements    map[string]int `json:"supplements,omitempty"`
	Extensions     int            `json:"extensions,omitempty"`
	Late           bool           `json:"late,omitempty"`
	LateApology    bool           `json:"late_apology,omitempty"`
	ProcessingUnit string         `json:"processing_unit,omitempty"`
	Step           int            `json:"step,omitempty"` // 1-based position in the chain
	StepResults    []int64        `json:"step_results,omitempty"`
	Result         int64          `json:"result,omitempty"`      // lineage of the signed result
	ResultLate     bool           `json:"result_late,omitempty"` // signed after the deadline
	ResultAt       time.Time      `json:"result_at,omitzero"`
	OriginalsOK    bool           `json:"originals_checked,omitempty"`
	FeePaid        int64          `json:"fee_paid,omitempty"`
	FeeRefunded    int64          `json:"fee_refunded,omitempty"`
	Owed           []string       `json:"owed,omitempty"`
	ClosedAt       time.Time      `json:"closed_at,omitzero"`
	HandedOver     time.Time      `json:"handed_over,omitzero"` // to the agency archive
}

// replay derives the current facts from the events.
func (d *Dossier) replay() {
	d.State, d.HandledLevel = "", d.Level
	d.Supplements = map[string]int{}
	for _, ev := range d.Events {
		d.apply(ev)
	}
}

func (d *Dossier) apply(ev Event) {
	x := ev.Data
	d.State = ev.To
	if x.Deadline != nil {
		d.Deadline = *x.Deadline
	}
	switch ev.Kind {
	case KindSubmitted:
		if x.IntakeDeadline != nil {
			d.IntakeDeadline = *x.IntakeDeadline
		}
	case KindAccepted:
		d.AcceptedAt, d.Budget = ev.At, x.Budget
		if x.Level != 0 {
			d.HandledLevel = x.Level
		}
		d.Owed = x.Owed
	case KindSupplement:
		d.Supplements[x.Stage]++
		if x.Stage == StageProcessing {
			d.Paused, d.Remaining, d.Deadline = true, x.Remaining, time.Time{}
		}
	case KindSupplied:
		d.Paused, d.Remaining = false, 0
		if x.IntakeDeadline != nil {
			d.IntakeDeadline = *x.IntakeDeadline
		}
	case KindTransfer:
		d.ProcessingUnit, d.Step = x.Unit, x.Step
		if x.Document != 0 {
			d.StepResults = append(d.StepResults, x.Document)
		}
	case KindExtended:
		d.Extensions++
		d.Late = true
	case KindResult:
		d.Result, d.ResultAt = x.Document, ev.At
		if x.Late {
			d.Late, d.ResultLate = true, true
		}
	case KindOriginals:
		if x.Match != nil && *x.Match {
			d.OriginalsOK = true
		}
	case KindFeePaid:
		d.FeePaid += x.Amount
	case KindFeeRefund:
		d.FeeRefunded += x.Amount
	case KindHandedOver:
		d.HandedOver = ev.At
	case KindLetter:
		if x.LetterKind == LetterLateApology {
			d.LateApology = true
		}
	}
	if d.State.Final() && d.ClosedAt.IsZero() {
		d.ClosedAt = ev.At
	}
}

// Stage is where the dossier is for a supplement request: intake before
// acceptance, processing after.
func (d *Dossier) Stage() string {
	if d.AcceptedAt.IsZero() {
		return StageIntake
	}
	return StageProcessing
}

// LastEvent is the newest event.
func (d *Dossier) LastEvent() Event { return d.Events[len(d.Events)-1] }

// Dossier returns the dossier code with its history.
func (e *Engine) Dossier(ctx context.Context, code string) (*Dossier, error) {
	var d *Dossier
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		d, err = loadDossier(ctx, tx, code)
		return err
	})
	if err == nil {
		e.describe(d)
	}
	return d, err
}

// describe fills in what the profile knows of a loaded dossier.
func (e *Engine) describe(d *Dossier) {
	if p, err := e.profiles.Profile(d.Profile); err == nil {
		if pr, err := p.Procedure(d.Procedure); err == nil {
			d.ProcedureName = pr.Name
		}
	}
}

func loadDossier(ctx context.Context, tx *storage.Tx, code string) (*Dossier, error) {
	d := &Dossier{Code: code}
	var applicant, submitted string
	err := tx.QueryRow(ctx, `SELECT id, unit, profile, rule_set, procedure_code, level, channel, applicant, submitted_at
		FROM dossiers WHERE code = $1`, code).Scan(&d.ID, &d.Unit, &d.Profile, &d.RuleSet, &d.Procedure, &d.Level, &d.Channel, &applicant, &submitted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: dossier %s", ErrNotFound, code)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(applicant), &d.Applicant); err != nil {
		return nil, fmt.Errorf("dossier %s: applicant: %w", code, err)
	}
	d.SubmittedAt, _ = storage.ParseTime(submitted)
	rows, err := tx.Query(ctx, `SELECT seq, kind, from_state, to_state, actor, role, unit, at, reason, data, log_index
		FROM dossier_events WHERE dossier_id = $1 ORDER BY seq`, d.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ev Event
		var at, data string
		var idx int64
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.From, &ev.To, &ev.Actor, &ev.Role, &ev.Unit, &at, &ev.Reason, &data, &idx); err != nil {
			return nil, err
		}
		ev.At, _ = storage.ParseTime(at)
		ev.At = ev.At.In(vietnam)
		ev.LogIndex = uint64(idx)
		if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
			return nil, fmt.Errorf("dossier %s event %d: %w", code, ev.Seq, err)
		}
		d.Events = append(d.Events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(d.Events) == 0 {
		return nil, fmt.Errorf("dossier %s has no events", code)
	}
	d.replay()
	return d, nil
}

// Filter selects dossiers for List.
type Filter struct {
	Units  []string // receiving or processing unit among these (empty: any)
	States []State  // current state among these (empty: any)
	After  string   // cursor: dossier codes after this one
	Limit  int      // default 50, at most 500
}

// List returns dossiers matching f, ordered by code, and the cursor of the
// next page ("" on the last).
func (e *Engine) List(ctx context.Context, f Filter) ([]*Dossier, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	var out []*Dossier
	var next string
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		after := f.After
		for len(out) < f.Limit {
			rows, err := tx.Query(ctx, "SELECT code FROM dossiers WHERE code > $1 ORDER BY code LIMIT $2", after, 200)
			if err != nil {
				return err
			}
			var codes []string
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					rows.Close()
					return err
				}
				codes = append(codes, c)
			}
			rows.Close()
			if len(codes) == 0 {
				return nil
			}
			for _, c := range codes {
				after = c
				d, err := loadDossier(ctx, tx, c)
				if err != nil {
					return err
				}
				if len(f.States) > 0 && !slices.Contains(f.States, d.State) {
					continue
				}
				if len(f.Units) > 0 && !slices.Contains(f.Units, d.Unit) && !slices.Contains(f.Units, d.ProcessingUnit) {
					continue
				}
				if len(out) == f.Limit {
					next = out[len(out)-1].Code
					return nil
				}
				e.describe(d)
				out = append(out, d)
			}
		}
		return nil
	})
	return out, next, err
}

// step is one change to a dossier: authorized, checked by rules, recorded
// as an event with its evidence entry, in one transaction under the
// dossier's lock.
type step struct {
	e       *Engine
	tx      *storage.Tx
	d       *Dossier
	p       *Profile
	rules   *RuleSet
	cal     Calendar
	actor   Actor
	staff   *Staff // nil for citizens and the system
	now     time.Time
	entries []evidence.Entry // extra entries of this step (letters, documents)
	after   []func(ctx context.Context) error
}

// change applies fn to the dossier code and records the event it returns.
func (e *Engine) change(ctx context.Context, code string, actor Actor, fn func(s *step) (*Event, error)) (*Dossier, error) {
	var d *Dossier
	var after []func(context.Context) error
	err := e.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.Lock(ctx, "dossier:"+code); err != nil {
			return err
		}
		var err error
		if d, err = loadDossier(ctx, tx, code); err != nil {
			return err
		}
		s, err := e.newStep(ctx, tx, d, actor)
		if err != nil {
			return err
		}
		ev, err := fn(s)
		if err != nil {
			return err
		}
		if err := s.record(ctx, ev); err != nil {
			return err
		}
		after = s.after
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range after {
		if err := f(ctx); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (e *Engine) newStep(ctx context.Context, tx *storage.Tx, d *Dossier, actor Actor) (*step, error) {
	p, err := e.profiles.Profile(d.Profile)
	if err != nil {
		return nil, err
	}
	rs, err := e.rules.ByID(d.RuleSet)
	if err != nil {
		return nil, err
	}
	cal, err := e.calendar(p)
	if err != nil {
		return nil, err
	}
	staff, err := e.authorize(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	return &step{e: e, tx: tx, d: d, p: p, rules: rs, cal: cal, actor: actor, staff: staff, now: e.clock()}, nil
}

// record inserts ev as the dossier's next event and appends its evidence
// entry (and the step's extra entries) to the log.
func (s *step) record(ctx context.Context, ev *Event) error {
	ev.Seq = len(s.d.Events) + 1
	ev.From = s.d.State
	if ev.To == "" {
		ev.To = s.d.State
	}
	ev.Actor, ev.Role, ev.Unit, ev.At = s.actor.Username, s.actor.Role, s.actor.Unit, s.now
	typ := evidence.DossierState
	if ev.From == ev.To {
		typ = "dossier." + ev.Kind
	}
	data := map[string]any{"seq": ev.Seq, "kind": ev.Kind, "from": ev.From, "to": ev.To, "reason": ev.Reason, "facts": ev.Data}
	idx, err := s.e.log.AppendBatch(ctx, s.tx, append(s.entries, evidence.Entry{Type: typ, Time: s.now, Actor: s.actor.String(),
		Subject: evidence.Subject{Dossier: s.d.Code}, Data: data}))
	if err != nil {
		return err
	}
	ev.LogIndex = idx[len(idx)-1]
	if err := noteEntries(ctx, s.tx, s.d.ID, idx); err != nil {
		return err
	}
	raw, err := json.Marshal(ev.Data)
	if err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, `INSERT INTO dossier_events (dossier_id, seq, kind, from_state, to_state, actor, role, unit, at, reason, data, log_index)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, s.d.ID, ev.Seq, ev.Kind, string(ev.From), string(ev.To),
		ev.Actor, string(ev.Role), ev.Unit, storage.FormatTime(ev.At), ev.Reason, string(raw), int64(ev.LogIndex)); err != nil {
		if isUnique(err) {
			return fmt.Errorf("%w: %s", ErrConflict, s.d.Code)
		}
		return err
	}
	s.d.Events = append(s.d.Events, *ev)
	s.d.apply(*ev)
	return nil
}

// noteEntries records that the log entries idx belong to the dossier (the
// archive exports them with their proofs).
func noteEntries(ctx context.Context, tx *storage.Tx, dossierID int64, idx []uint64) error {
	for len(idx) > 0 {
		part := idx[:min(200, len(idx))]
		idx = idx[len(part):]
		var q strings.Builder
		q.WriteString("INSERT INTO dossier_log_entries (dossier_id, seq) VALUES ")
		args := make([]any, 0, 2*len(part))
		for i, x := range part {
			if i > 0 {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "($%d, $%d)", len(args)+1, len(args)+2)
			args = append(args, dossierID, int64(x))
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// LogEntries returns the indexes of the dossier's evidence-log entries, in order.
func (e *Engine) LogEntries(ctx context.Context, code string) ([]uint64, error) {
	var out []uint64
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT x.seq FROM dossier_log_entries x JOIN dossiers d ON d.id = x.dossier_id
			WHERE d.code = $1 ORDER BY x.seq`, code)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, uint64(n))
		}
		return rows.Err()
	})
	return out, err
}

// refuse is a refusal by rule under the dossier's profile.
func (s *step) refuse(rule, format string, args ...any) error {
	return s.p.refuse(rule, format, args...)
}

// in checks the dossier is in one of states.
func (s *step) in(action string, states ...State) error {
	if slices.Contains(states, s.d.State) {
		return nil
	}
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = string(st)
	}
	return s.refuse(RuleLifecycle, "cannot %s a dossier in state %s (allowed from: %s)", action, s.d.State, strings.Join(names, ", "))
}

// as checks the actor's role and unit for a step: one of roles, held in
// one of units.
func (s *step) as(action string, roles []Role, units ...string) error {
	if !slices.Contains(roles, s.actor.Role) {
		return fmt.Errorf("%w: %s needs the role %v, not %s", ErrForbidden, action, roles, s.actor.Role)
	}
	if s.staff != nil && !slices.Contains(units, s.actor.Unit) {
		return fmt.Errorf("%w: %s is done by %s, not by unit %s", ErrForbidden, action, strings.Join(units, " or "), s.actor.Unit)
	}
	return nil
}
