package api

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

// placement is where a visible signature goes (zero: the default place).
type placement struct {
	Invisible bool    `json:"invisible,omitempty"`
	Page      int     `json:"page,omitempty"`
	X         float64 `json:"x,omitempty"`
	Y         float64 `json:"y,omitempty"`
	Width     float64 `json:"width,omitempty"`
	Height    float64 `json:"height,omitempty"`
	Reason    string  `json:"reason,omitempty"`
}

type signRequest struct {
	placement
}

type prepareRequest struct {
	Certificate string   `json:"certificate"`     // the signer's certificate, PEM or base64 DER
	Chain       []string `json:"chain,omitempty"` // issuing CAs, PEM or base64 DER
	placement
}

type preparedSignature struct {
	SessionID      string    `json:"session_id"`
	Document       int64     `json:"document"` // the version prepared
	ToBeSigned     string    `json:"to_be_signed"`
	Hash           string    `json:"hash"`
	PSS            bool      `json:"pss,omitempty"`
	DocumentDigest string    `json:"document_digest"`
	ExpiresAt      time.Time `json:"expires_at"`
}

type completeRequest struct {
	Signature string `json:"signature"` // base64: the raw signature value over to_be_signed, or a CMS SignedData
}

type batchPrepareRequest struct {
	Certificate string   `json:"certificate"`
	Chain       []string `json:"chain,omitempty"`
	Documents   []struct {
		ID int64 `json:"id"`
		placement
	} `json:"documents"`
}

type batchPrepared struct {
	Results []batchPrepareResult `json:"results"`
}

type batchPrepareResult struct {
	ID       int64              `json:"id"`
	Prepared *preparedSignature `json:"prepared,omitempty"`
	Problem  *Problem           `json:"problem,omitempty"`
}

type batchCompleteRequest struct {
	Signatures []struct {
		SessionID string `json:"session_id"`
		Signature string `json:"signature"`
	} `json:"signatures"`
}

type batchCompleted struct {
	Results []batchCompleteResult `json:"results"`
}

type batchCompleteResult struct {
	SessionID string                   `json:"session_id"`
	Document  *dossier.DocumentVersion `json:"document,omitempty"`
	Problem   *Problem                 `json:"problem,omitempty"`
}

// apiError is a refusal with its status, for code paths shared by single
// and batch operations.
type apiError struct {
	status int
	kind   string
	detail string
}

func (e *apiError) Error() string { return e.detail }

func refuse(status int, kind, format string, args ...any) error {
	return &apiError{status: status, kind: kind, detail: fmt.Sprintf(format, args...)}
}

// problemOf maps an error of a shared path onto a problem, recording
// denials.
func (s *Server) problemOf(r *http.Request, err error) Problem {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		if ae.status == http.StatusForbidden || ae.kind == "not-visible" {
			s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": ae.status, "reason": ae.kind})
		}
		typ := problemBase + ae.kind
		if ae.kind == "not-visible" {
			typ = problemBase + "not-found"
		}
		return Problem{Type: typ, Status: ae.status, Detail: ae.detail}
	case errors.As(err, &mbe):
		return Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge, Detail: err.Error()}
	case errors.Is(err, dossier.ErrForbidden):
		s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": 403, "reason": "engine"})
	case errors.Is(err, signer.ErrSessionExpired):
		return Problem{Type: problemBase + "session-expired", Status: http.StatusGone, Detail: err.Error()}
	case errors.Is(err, signer.ErrSessionMismatch):
		return Problem{Type: problemBase + "document-changed", Status: http.StatusConflict, Detail: err.Error()}
	case errors.Is(err, signer.ErrSignatureValue), errors.Is(err, signer.ErrBadOptions), errors.Is(err, signer.ErrInvalidCert),
		errors.Is(err, signer.ErrCertified), errors.Is(err, signer.ErrPageOutOfRange), errors.Is(err, signer.ErrFieldExists):
		return Problem{Type: problemBase + "signing", Status: http.StatusUnprocessableEntity, Detail: err.Error()}
	case errors.Is(err, ErrNoServerKey):
		return Problem{Type: problemBase + "no-server-key", Status: http.StatusUnprocessableEntity,
			Detail: "the server holds no signing key for you: use the two-phase flow (sign/prepare) with your token"}
	}
	p := problemFor(err)
	if p.Status >= 500 {
		s.logger.ErrorContext(r.Context(), "request failed", "err", err, "route", routeOf(r))
	}
	return p
}

func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, s.problemOf(r, err))
}

// signing is a signature about to be made: on which version, as whom,
// with what appearance.
type signing struct {
	d       *dossier.Dossier
	latest  *dossier.DocumentVersion
	actor   dossier.Actor
	org     bool
	opts    *signer.Options
	started time.Time
}

// isOrganisation: a unit's (seal) certificate, as the verifier decides it.
func isOrganisation(c *x509.Certificate) bool {
	sub := certs.SubjectOf(c)
	kind, _ := sub.IDNumber()
	return kind == "MST" || kind == "MNS" || sub.AgencyCode != ""
}

// authoriseSigning decides whether the principal may sign the latest
// version of the document's lineage with cert, and as which actor: an
// organisation certificate only by a seal keeper of the unit it names; a
// personal one only by its holder (CCCD), and for results, step results
// and apology letters only by a head.
func (s *Server) authoriseSigning(r *http.Request, versionID int64, cert *x509.Certificate, pl placement) (*signing, error) {
	ctx := r.Context()
	p := principalFrom(ctx)
	v, err := s.eng.Version(ctx, versionID)
	if err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return nil, refuse(http.StatusNotFound, "not-found", "no such document")
		}
		return nil, err
	}
	d, err := s.eng.Dossier(ctx, v.Dossier)
	if err != nil {
		return nil, err
	}
	if !p.Sees(d) {
		return nil, refuse(http.StatusNotFound, "not-visible", "no such document")
	}
	latest, err := s.eng.Latest(ctx, v.Lineage)
	if err != nil {
		return nil, err
	}
	if latest.MediaType != "application/pdf" {
		return nil, refuse(http.StatusUnprocessableEntity, "invalid", "only PDF documents are signed (this is %s)", latest.MediaType)
	}
	sg := &signing{d: d, latest: latest, org: isOrganisation(cert), started: time.Now()}
	sub := certs.SubjectOf(cert)
	personalRole := slices.Contains([]string{dossier.DocResult, dossier.DocStepResult, dossier.DocApology}, latest.Role)
	var ok bool
	switch {
	case p.Staff == nil:
		return nil, refuse(http.StatusForbidden, "role", "only staff sign documents")
	case sg.org:
		if sub.AgencyCode == "" || (sub.AgencyCode != d.Unit && sub.AgencyCode != d.ProcessingUnit) {
			return nil, refuse(http.StatusForbidden, "role", "the organisation certificate (%s) is not of a unit of this dossier", sub.AgencyCode)
		}
		if sg.actor, ok = p.Act(dossier.RoleSeal, sub.AgencyCode); !ok {
			return nil, refuse(http.StatusForbidden, "role", "only the seal keeper of %s applies its seal", sub.AgencyCode)
		}
	default:
		if kind, id := sub.IDNumber(); p.Staff.PersonalID != "" && (kind != "CCCD" || id != p.Staff.PersonalID) {
			return nil, refuse(http.StatusForbidden, "role", "the personal certificate is not yours (its holder is %s)", sub.UID)
		}
		if personalRole {
			units := []string{d.ProcessingUnit}
			if latest.Role == dossier.DocApology {
				units = append(units, d.Unit)
			}
			if sg.actor, ok = p.ActIn([]dossier.Role{dossier.RoleHead}, units...); !ok {
				return nil, refuse(http.StatusForbidden, "role", "only the head signs a %s personally", latest.Role)
			}
		} else {
			_, roles, units := documentWho(d, uploadMetadata{Role: latest.Role, Source: latest.Source})
			if sg.actor, ok = p.ActIn(append(roles, dossier.RoleHead), units...); !ok {
				return nil, refuse(http.StatusForbidden, "role", "you hold no role that signs this %s", latest.Role)
			}
		}
	}
	sg.opts = &signer.Options{Level: s.signLevel(), TSA: s.cfg.TSA, HTTPClient: s.cfg.HTTPClient, Reason: pl.Reason}
	if !pl.Invisible {
		ap, err := s.appearance(r, sg, pl)
		if err != nil {
			return nil, err
		}
		sg.opts.Appearance = ap
	}
	return sg, nil
}

func (s *Server) signLevel() signer.Level {
	if s.cfg.TSA == nil {
		return signer.LevelBB
	}
	if s.cfg.SignLevel == signer.LevelBB {
		return signer.LevelBT
	}
	return s.cfg.SignLevel
}

// appearance is the visible signature: name, title and unit (personal)
// or the unit and time (seal); on results the QR of the verification code.
func (s *Server) appearance(r *http.Request, sg *signing, pl placement) (*signer.Appearance, error) {
	ctx := r.Context()
	ap := &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90}}
	if sg.org {
		ap.Kind, ap.Rect.X = signer.Organisation, 40
	}
	if pl.Page > 0 {
		ap.Page = pl.Page
	}
	if pl.Width > 0 && pl.Height > 0 {
		ap.Rect = signer.Rect{X: pl.X, Y: pl.Y, W: pl.Width, H: pl.Height}
	}
	u, err := s.eng.Unit(ctx, sg.actor.Unit)
	if err != nil {
		return nil, err
	}
	p := principalFrom(ctx)
	if sg.org {
		ap.Name = u.Name
	} else {
		ap.Name, ap.Title, ap.Unit = p.Staff.FullName, p.Staff.Title, u.Name
	}
	if sg.latest.Role == dossier.DocResult || sg.latest.Role == dossier.DocStepResult {
		vcode, err := s.eng.VerificationCode(ctx, sg.d.Code, sg.actor, sg.latest.Lineage)
		if err != nil {
			return nil, err
		}
		ap.QR = s.publicBase(r) + "/v/" + vcode
	}
	return ap, nil
}

// publicBase is the base of URLs printed on documents.
func (s *Server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func versionParam(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

// signDocument signs with the key the server holds for the principal.
func (s *Server) signDocument(w http.ResponseWriter, r *http.Request) {
	var req signRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	v, err := s.signWithServerKey(r, versionParam(r), req.placement)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) signWithServerKey(r *http.Request, id int64, pl placement) (*dossier.DocumentVersion, error) {
	ctx := r.Context()
	p := principalFrom(ctx)
	if p.Staff == nil {
		return nil, refuse(http.StatusForbidden, "role", "only staff sign documents")
	}
	if s.cfg.Keys == nil {
		return nil, ErrNoServerKey
	}
	cred, err := s.cfg.Keys.Credential(ctx, p.Username)
	if err != nil {
		return nil, err
	}
	sg, err := s.authoriseSigning(r, id, cred.Certificate, pl)
	if err != nil {
		return nil, err
	}
	sg.opts.Credential = cred
	nv, err := wire.SignVersion(ctx, s.eng, sg.d.Code, sg.actor, sg.latest.Lineage, sg.opts)
	if err != nil {
		return nil, err
	}
	s.metrics.signing.WithLabelValues("server").Observe(time.Since(sg.started).Seconds())
	s.signedEntry(r, sg, nv, "server")
	return nv, nil
}

// signedEntry records which credential made a signature and how.
func (s *Server) signedEntry(r *http.Request, sg *signing, nv *dossier.DocumentVersion, flow string) {
	kind := "personal"
	if sg.org {
		kind = "organisation"
	}
	if _, err := s.log.Add(context.WithoutCancel(r.Context()), evidence.Entry{Type: "signature.made", Time: s.now(), Actor: sg.actor.String(),
		Subject: evidence.Subject{SHA256: nv.SHA256, Document: nv.Document, Dossier: sg.d.Code},
		Data:    map[string]any{"flow": flow, "kind": kind, "version": nv.ID, "previous_sha256": sg.latest.SHA256, "level": sg.opts.Level.String()}}); err != nil {
		s.logger.ErrorContext(r.Context(), "evidence entry failed", "type", "signature.made", "err", err)
	}
}

// parseCerts reads PEM or base64 DER certificates.
func parseCert(s string) (*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		b, _ := pem.Decode([]byte(s))
		if b == nil {
			return nil, refuse(http.StatusUnprocessableEntity, "invalid", "certificate: unreadable PEM")
		}
		der = b.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, refuse(http.StatusUnprocessableEntity, "invalid", "certificate: want PEM or base64 DER")
		}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, refuse(http.StatusUnprocessableEntity, "invalid", "certificate: %v", err)
	}
	return c, nil
}

func (s *Server) prepareSignature(w http.ResponseWriter, r *http.Request) {
	var req prepareRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	out, err := s.prepareOne(r, versionParam(r), req.Certificate, req.Chain, req.placement)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// prepareOne prepares a two-phase signature and keeps its session.
func (s *Server) prepareOne(r *http.Request, id int64, certText string, chainText []string, pl placement) (*preparedSignature, error) {
	ctx := r.Context()
	cert, err := parseCert(certText)
	if err != nil {
		return nil, err
	}
	cred := &signer.Credential{Certificate: cert}
	for _, c := range chainText {
		cc, err := parseCert(c)
		if err != nil {
			return nil, err
		}
		cred.Chain = append(cred.Chain, cc)
	}
	sg, err := s.authoriseSigning(r, id, cert, pl)
	if err != nil {
		return nil, err
	}
	sg.opts.Credential = cred
	src, err := s.spoolVersion(ctx, sg.latest)
	if err != nil {
		return nil, err
	}
	defer src.close()
	sess, err := signer.Prepare(ctx, src.f, sg.latest.Size, sg.opts)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(sess)
	if err != nil {
		return nil, err
	}
	sid := randomToken(16)
	p := principalFrom(ctx)
	err = s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO api_signing_sessions (id_sha256, principal, dossier, lineage, version_id, input_sha256, role, unit, session, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sha256Hex(sid), p.actorName(), sg.d.Code, sg.latest.Lineage, sg.latest.ID,
			sg.latest.SHA256, string(sg.actor.Role), sg.actor.Unit, string(raw), storage.FormatTime(s.now()), storage.FormatTime(sess.Expires))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &preparedSignature{SessionID: sid, Document: sg.latest.ID, ToBeSigned: b64std(sess.ToBeSigned), Hash: sess.Hash, PSS: sess.PSS,
		DocumentDigest: b64std(sess.DocumentDigest), ExpiresAt: sess.Expires}, nil
}

func b64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func (s *Server) completeSignature(w http.ResponseWriter, r *http.Request) {
	var req completeRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	v, err := s.completeOne(r, chi.URLParam(r, "session"), req.Signature)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// completeOne embeds the signature value into the prepared version and
// adds the signed bytes as the next version: once per session, before it
// expires, and only while the document is still the version prepared.
func (s *Server) completeOne(r *http.Request, sid, sigText string) (*dossier.DocumentVersion, error) {
	ctx := r.Context()
	p := principalFrom(ctx)
	var principal, code, input, role, unit, raw, expires string
	var lineage, versionID int64
	err := s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, `SELECT principal, dossier, lineage, version_id, input_sha256, role, unit, session, expires_at
			FROM api_signing_sessions WHERE id_sha256 = $1`, sha256Hex(sid)).Scan(&principal, &code, &lineage, &versionID, &input, &role, &unit, &raw, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) || err == nil && principal != p.actorName() {
		return nil, refuse(http.StatusNotFound, "not-found", "no such signing session")
	}
	if err != nil {
		return nil, err
	}
	if exp, _ := storage.ParseTime(expires); !s.now().Before(exp) {
		return nil, refuse(http.StatusGone, "session-expired", "the signing session expired at %s; prepare again", exp.Format(time.RFC3339))
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigText))
	if err != nil || len(sig) == 0 {
		return nil, refuse(http.StatusUnprocessableEntity, "invalid", "signature: want base64")
	}
	var sess signer.Session
	if err := json.Unmarshal([]byte(raw), &sess); err != nil {
		return nil, err
	}
	latest, err := s.eng.Latest(ctx, lineage)
	if err != nil {
		return nil, err
	}
	if latest.ID != versionID || latest.SHA256 != input {
		return nil, refuse(http.StatusConflict, "document-changed", "the document has a newer version (%d) than the one prepared (%d); prepare again", latest.ID, versionID)
	}
	actor := dossier.Actor{Username: p.Username, Role: dossier.Role(role), Unit: unit}
	if p.Staff == nil || !p.Staff.Holds(actor.Role, actor.Unit) {
		return nil, refuse(http.StatusForbidden, "role", "you no longer hold the role %s in %s", role, unit)
	}
	started := time.Now()
	src, err := s.spoolVersion(ctx, latest)
	if err != nil {
		return nil, err
	}
	defer src.close()
	dst, err := os.CreateTemp("", "kyso-completed-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(dst.Name())
	defer dst.Close()
	if _, err := signer.Complete(ctx, dst, src.f, latest.Size, &sess, sig, &signer.Options{TSA: s.cfg.TSA, HTTPClient: s.cfg.HTTPClient}); err != nil {
		return nil, err
	}
	err = s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		n, err := tx.Exec(ctx, "INSERT INTO api_signing_completions (id_sha256, version_id, at) VALUES ($1, $2, $3) ON CONFLICT (id_sha256) DO NOTHING",
			sha256Hex(sid), versionID, storage.FormatTime(s.now()))
		if err == nil && n == 0 {
			return refuse(http.StatusConflict, "completed", "this signing session was completed already")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, err := dst.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	nv, err := s.eng.AddDocument(ctx, code, actor, dossier.DocumentInput{Role: latest.Role, Source: latest.Source, Component: latest.Component,
		Title: latest.Title, Name: latest.Name, MediaType: latest.MediaType, Body: dst, Facts: latest.Facts, Version: lineage})
	if err != nil {
		return nil, err
	}
	s.metrics.signing.WithLabelValues("external").Observe(time.Since(started).Seconds())
	lvl, _ := signer.ParseLevel(sess.Level)
	cert, _ := x509.ParseCertificate(sess.Certificate)
	d := &dossier.Dossier{Code: code}
	s.signedEntry(r, &signing{d: d, latest: latest, actor: actor, org: cert != nil && isOrganisation(cert), opts: &signer.Options{Level: lvl}}, nv, "external")
	return nv, nil
}

func (s *Server) spoolVersion(ctx context.Context, v *dossier.DocumentVersion) (*spooledPart, error) {
	rc, err := s.eng.Open(ctx, v)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return spoolPart(rc)
}

func (s *Server) prepareBatch(w http.ResponseWriter, r *http.Request) {
	var req batchPrepareRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Documents) == 0 || len(req.Documents) > 100 {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "documents: 1–100 per batch"})
		return
	}
	out := batchPrepared{Results: []batchPrepareResult{}}
	for _, d := range req.Documents {
		res := batchPrepareResult{ID: d.ID}
		ps, err := s.prepareOne(r, d.ID, req.Certificate, req.Chain, d.placement)
		if err != nil {
			p := s.problemOf(r, err)
			p.Instance, p.RequestID = r.URL.Path, requestIDFrom(r.Context())
			res.Problem = &p
		} else {
			res.Prepared = ps
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) completeBatch(w http.ResponseWriter, r *http.Request) {
	var req batchCompleteRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Signatures) == 0 || len(req.Signatures) > 100 {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "signatures: 1–100 per batch"})
		return
	}
	out := batchCompleted{Results: []batchCompleteResult{}}
	for _, sg := range req.Signatures {
		res := batchCompleteResult{SessionID: sg.SessionID}
		v, err := s.completeOne(r, sg.SessionID, sg.Signature)
		if err != nil {
			p := s.problemOf(r, err)
			p.Instance, p.RequestID = r.URL.Path, requestIDFrom(r.Context())
			res.Problem = &p
		} else {
			res.Document = v
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusOK, out)
}
