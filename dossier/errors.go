package dossier

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is. A refusal by a rule is a
// *RuleError, which also matches ErrRule.
var (
	ErrUnknownProfile   = errors.New("unknown province profile")
	ErrInvalidProfile   = errors.New("invalid province profile")
	ErrUnknownProcedure = errors.New("unknown procedure")
	ErrUnknownRole      = errors.New("unknown role")
	ErrUnknownUnit      = errors.New("unknown unit")
	ErrUnknownStaff     = errors.New("unknown staff member")
	ErrNotFound         = errors.New("not found")
	ErrInvalid          = errors.New("invalid input")
	// ErrRule: a rule of the regulations refuses the step.
	ErrRule = errors.New("refused by rule")
	// ErrForbidden: the actor may not do this (role or unit).
	ErrForbidden = errors.New("not permitted")
	// ErrConflict: the dossier changed meanwhile; reload and retry.
	ErrConflict = errors.New("dossier changed concurrently")
)

// A RuleError is a step refused by a rule, naming the rule and its source.
type RuleError struct {
	Rule     string   // rule key, e.g. "extension.once"
	Citation Citation // where the rule is written
	Reason   string   // what is wrong, in English
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("refused by %s (%s): %s", e.Rule, e.Citation, e.Reason)
}

// Is makes errors.Is(err, ErrRule) true.
func (e *RuleError) Is(target error) bool { return target == ErrRule }

func (p *Profile) refuse(rule, format string, args ...any) error {
	return &RuleError{Rule: rule, Citation: p.Cite(rule), Reason: fmt.Sprintf(format, args...)}
}

// invalidf makes an ErrInvalid error naming the field.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
