package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

type staffRequest struct {
	dossier.Staff
	// Password, when set, is the staff member's first password.
	Password string `json:"password,omitempty"`
}

type passwordRequest struct {
	Password string `json:"password"`
}

type assignmentRequest struct {
	Number    string    `json:"number"`
	SignedOn  time.Time `json:"signed_on"`
	SignedBy  string    `json:"signed_by"`
	Unit      string    `json:"unit"`
	Staff     []string  `json:"staff"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
	Document  int64     `json:"document,omitempty"`
}

type staffPage struct {
	Staff      []dossier.Staff `json:"staff"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

type tokenPage struct {
	Tokens     []Token `json:"tokens"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

type createdToken struct {
	Token
	// Secret is the token itself: shown once, never again.
	Secret string `json:"secret"`
}

// adminActor is the principal as an admin (any unit where they hold the
// role), or a 403.
func (s *Server) adminActor(w http.ResponseWriter, r *http.Request) (dossier.Actor, bool) {
	p := principalFrom(r.Context())
	if p.Staff != nil {
		for _, ru := range p.Staff.Roles {
			if ru.Role == dossier.RoleAdmin {
				return dossier.Actor{Username: p.Username, Role: dossier.RoleAdmin, Unit: ru.Unit}, true
			}
		}
	}
	s.deny(w, r, http.StatusForbidden, "role", "administration is for admins")
	return dossier.Actor{}, false
}

func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminActor(w, r); !ok {
		return
	}
	us, err := s.eng.Units(r.Context())
	if us == nil {
		us = []dossier.Unit{}
	}
	s.done(w, r, http.StatusOK, us, err)
}

func (s *Server) addUnit(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var u dossier.Unit
	if !decodeJSON(w, r, &u) {
		return
	}
	err := s.eng.AddUnit(r.Context(), a, u)
	s.done(w, r, http.StatusCreated, u, err)
}

// page slices a sorted list by an opaque cursor (the last key served).
func page[T any](w http.ResponseWriter, r *http.Request, kind string, all []T, key func(T) string) ([]T, string, bool) {
	after, ok := decodeCursor(kind, r.URL.Query().Get("cursor"))
	if !ok {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "cursor: not one this server issued"})
		return nil, "", false
	}
	limit, ok := pageLimit(w, r)
	if !ok {
		return nil, "", false
	}
	start := 0
	if after != "" {
		for i, x := range all {
			if key(x) == after {
				start = i + 1
				break
			}
		}
	}
	out := all[start:]
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(kind, key(out[len(out)-1]))
	}
	return out, next, true
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminActor(w, r); !ok {
		return
	}
	all, err := s.eng.StaffList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, next, ok := page(w, r, "s", all, func(st dossier.Staff) string { return st.Username })
	if !ok {
		return
	}
	if out == nil {
		out = []dossier.Staff{}
	}
	writeJSON(w, http.StatusOK, staffPage{Staff: out, NextCursor: next})
}

func (s *Server) addStaff(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var req staffRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Password != "" {
		if err := checkPasswordRules(req.Password); err != nil {
			writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: err.Error()})
			return
		}
	}
	st, err := s.eng.AddStaff(r.Context(), a, req.Staff)
	if err == nil && req.Password != "" {
		err = setPassword(r.Context(), s.eng, s.hasher, s.now(), a, st.Username, req.Password)
	}
	s.done(w, r, http.StatusCreated, st, err)
}

func (s *Server) setPasswordHandler(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var req passwordRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if err := setPassword(r.Context(), s.eng, s.hasher, s.now(), a, chi.URLParam(r, "username"), req.Password); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var ru dossier.RoleInUnit
	if !decodeJSON(w, r, &ru) {
		return
	}
	user := chi.URLParam(r, "username")
	if err := s.eng.GrantRole(r.Context(), a, user, ru); err != nil {
		s.done(w, r, 0, nil, err)
		return
	}
	st, err := s.eng.Staff(r.Context(), user)
	s.done(w, r, http.StatusOK, st, err)
}

func (s *Server) revokeRole(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	user := chi.URLParam(r, "username")
	ru := dossier.RoleInUnit{Role: dossier.Role(chi.URLParam(r, "role")), Unit: chi.URLParam(r, "unit")}
	if err := s.eng.RevokeRole(r.Context(), a, user, ru); err != nil {
		s.done(w, r, 0, nil, err)
		return
	}
	st, err := s.eng.Staff(r.Context(), user)
	s.done(w, r, http.StatusOK, st, err)
}

func (s *Server) recordAssignment(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var q assignmentRequest
	if !decodeJSON(w, r, &q) {
		return
	}
	as, err := s.eng.RecordAssignment(r.Context(), a, dossier.Assignment{Number: q.Number, SignedOn: q.SignedOn, SignedBy: q.SignedBy, Unit: q.Unit,
		Staff: q.Staff, ValidFrom: q.ValidFrom, ValidTo: q.ValidTo, Document: q.Document})
	s.done(w, r, http.StatusCreated, as, err)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminActor(w, r); !ok {
		return
	}
	all, err := ListTokens(r.Context(), s.eng)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, next, ok := page(w, r, "t", all, func(t Token) string { return t.ID })
	if !ok {
		return
	}
	if out == nil {
		out = []Token{}
	}
	writeJSON(w, http.StatusOK, tokenPage{Tokens: out, NextCursor: next})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	var req TokenRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	secret, t, err := CreateToken(r.Context(), s.eng, a, req, s.now())
	s.done(w, r, http.StatusCreated, createdToken{Token: t, Secret: secret}, err)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	a, ok := s.adminActor(w, r)
	if !ok {
		return
	}
	if err := RevokeToken(r.Context(), s.eng, a, chi.URLParam(r, "id"), s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
