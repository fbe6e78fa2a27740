package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Extensions.
	Rule      string `json:"rule,omitempty"`     // the rule that refused a step
	Citation  string `json:"citation,omitempty"` // where the rule is written
	RequestID string `json:"request_id,omitempty"`
}

// problemBase prefixes problem type URIs (documented in the OpenAPI document).
const problemBase = "https://kyso.vn/problems/"

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Instance = r.URL.Path
	p.RequestID = requestIDFrom(r.Context())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

// problemFor maps an error from the domain or the stores onto a problem.
func problemFor(err error) Problem {
	var re *dossier.RuleError
	switch {
	case errors.As(err, &re):
		return Problem{Type: problemBase + "rule", Title: "Refused by a rule", Status: http.StatusConflict,
			Detail: re.Reason, Rule: re.Rule, Citation: re.Citation.String()}
	case errors.Is(err, dossier.ErrForbidden):
		return Problem{Type: problemBase + "forbidden", Status: http.StatusForbidden, Detail: err.Error()}
	case errors.Is(err, dossier.ErrNotFound), errors.Is(err, storage.ErrNotFound), errors.Is(err, dossier.ErrUnknownUnit),
		errors.Is(err, dossier.ErrUnknownStaff):
		return Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: err.Error()}
	case errors.Is(err, dossier.ErrInvalid), errors.Is(err, dossier.ErrUnknownProcedure), errors.Is(err, dossier.ErrUnknownProfile),
		errors.Is(err, dossier.ErrUnknownRole):
		return Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: err.Error()}
	case errors.Is(err, dossier.ErrConflict):
		return Problem{Type: problemBase + "conflict", Status: http.StatusConflict, Detail: err.Error()}
	case errors.Is(err, storage.ErrUnavailable):
		return Problem{Type: problemBase + "unavailable", Status: http.StatusServiceUnavailable, Detail: err.Error()}
	case errors.Is(err, storage.ErrCorrupt):
		return Problem{Type: problemBase + "corrupt", Status: http.StatusInternalServerError, Detail: "a stored object does not match its hash"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Problem{Type: problemBase + "timeout", Status: http.StatusServiceUnavailable, Detail: "the request was cancelled"}
	}
	return Problem{Status: http.StatusInternalServerError, Detail: "internal error"}
}

// fail writes the problem for err, logging server errors.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		s.logger.ErrorContext(r.Context(), "request failed", "err", err, "path", r.URL.Path)
	}
	writeProblem(w, r, p)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
