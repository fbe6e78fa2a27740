package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

// An operation is one route of the JSON API: what mounts it and what the
// OpenAPI document says about it (openapi.go builds the document from
// this table, so the two cannot drift; a test walks the router too).
type operation struct {
	method, path string // path below /api/v1, chi syntax
	id, summary  string
	tag          string
	// anonymous: no principal needed. Otherwise a principal is required
	// and a token needs one of scopes (sessions hold every scope; their
	// roles decide in the handler).
	anonymous bool
	scopes    []string
	who       string // who may, for the document
	in        any    // JSON request body (a zero value of its type), nil for none
	body      string // non-JSON request body media type (application/pdf, multipart/form-data)
	meta      any    // multipart: the metadata part's type (uploadMetadata when nil)
	query     []param
	headers   []param
	out       any    // JSON response body, nil for none
	outMedia  string // non-JSON response media type
	status    int    // success status
	errors    []int  // problem statuses besides 401/403
	h         http.HandlerFunc
}

type param struct {
	name, desc, typ string
	required        bool
}

// apiPrefix is where the JSON API is mounted.
const apiPrefix = "/api/v1"

// operations is the JSON API.
func (s *Server) operations() []operation {
	read := []string{ScopeDossiersRead}
	write := []string{ScopeDossiersWrite}
	submit := []string{ScopeDossiersWrite, ScopeDossiersSubmit}
	sign := []string{ScopeDocumentsSign}
	admin := []string{ScopeAdmin}
	step := func(path, id, summary, who string, in any, h http.HandlerFunc) operation {
		return operation{method: http.MethodPost, path: "/dossiers/{code}/" + path, id: id, summary: summary, tag: "dossiers",
			scopes: write, who: who, in: in, out: dossier.Dossier{}, status: http.StatusOK, errors: []int{400, 404, 409, 422}, h: h}
	}
	cursor := []param{{name: "cursor", desc: "opaque cursor from next_cursor of the previous page"}, {name: "limit", typ: "integer", desc: "page size, 1–500 (default 50)"}}
	idem := []param{{name: "Idempotency-Key", desc: "the same key with the same body replays the first response; with another body it is refused (422)"}}
	return []operation{
		{method: http.MethodGet, path: "/openapi.json", id: "getOpenAPI", summary: "This document", tag: "meta", anonymous: true,
			out: map[string]any{}, status: 200, h: s.serveOpenAPI},

		// Authentication.
		{method: http.MethodPost, path: "/auth/login", id: "login", summary: "Log in with username and password; sets the kyso_session cookie",
			tag: "auth", anonymous: true, who: "anyone (per-IP limit; lockout after repeated failures)", in: loginRequest{}, out: sessionInfo{},
			status: 200, errors: []int{400, 401, 415, 423, 429}, h: s.apiLogin},
		{method: http.MethodPost, path: "/auth/logout", id: "logout", summary: "Log out (revokes the session)", tag: "auth",
			who: "a session (CSRF token required)", status: 204, h: s.apiLogout},
		{method: http.MethodGet, path: "/auth/me", id: "me", summary: "Who the request is from: staff, roles, scopes, CSRF token", tag: "auth",
			who: "any principal", out: sessionInfo{}, status: 200, h: s.apiMe},
		{method: http.MethodGet, path: "/auth/oidc/login", id: "oidcLogin", summary: "Start single sign-on (redirect to the OpenID provider)",
			tag: "auth", anonymous: true, query: []param{{name: "next", desc: "local path to return to"}}, status: 302, errors: []int{404}, h: s.oidcLogin},
		{method: http.MethodGet, path: "/auth/oidc/callback", id: "oidcCallback", summary: "OpenID provider callback (code, state)",
			tag: "auth", anonymous: true, query: []param{{name: "code"}, {name: "state"}}, status: 303, errors: []int{400, 404}, h: s.oidcCallback},

		// Dossiers.
		{method: http.MethodGet, path: "/dossiers", id: "listDossiers", summary: "Dossiers the principal may see, by code", tag: "dossiers",
			scopes: read, who: "staff of the receiving or processing unit; the portal: online dossiers",
			query: append([]param{{name: "state", desc: "filter by state (repeatable)"}}, cursor...), out: dossierPage{}, status: 200, errors: []int{400}, h: s.listDossiers},
		{method: http.MethodPost, path: "/dossiers", id: "submitDossier", summary: "Submit a dossier: at the desk or by post (intake staff), or online by the portal for the applicant",
			tag: "dossiers", scopes: submit, who: "intake staff of the receiving unit (desk, post); a portal token with dossiers:submit (online)",
			in: submitRequest{}, out: dossier.Dossier{}, status: 201, errors: []int{400, 404, 422}, h: s.submitDossier},
		{method: http.MethodGet, path: "/dossiers/{code}", id: "getDossier", summary: "A dossier with its history", tag: "dossiers",
			scopes: read, who: "who sees it (else 404)", out: dossier.Dossier{}, status: 200, errors: []int{404}, h: s.getDossier},
		step("accept", "acceptDossier", "Accept the dossier as valid (starts the processing clock)", "intake staff of the receiving unit", reasonRequest{}, s.acceptDossier),
		step("supplement-request", "requestSupplement", "Ask the applicant to supplement the dossier", "intake staff at intake; specialist or head of the processing unit during processing", supplementRequest{}, s.requestSupplement),
		{method: http.MethodPost, path: "/dossiers/{code}/supplement", id: "supplementDossier", summary: "Bring a supplement (multipart: part metadata, then one part file per document)",
			tag: "dossiers", scopes: submit, who: "intake staff of the receiving unit; the portal for the applicant", body: "multipart/form-data", meta: supplementMetadata{},
			out: dossier.Dossier{}, status: 200, errors: []int{400, 404, 409, 413, 415, 422}, h: s.supplementDossier},
		step("reject", "rejectDossier", "Refuse the dossier", "intake staff at intake; specialist or head of the processing unit", reasonRequest{}, s.rejectDossier),
		step("transfer", "transferDossier", "Send the dossier to a deciding agency (or the next one of a chain)", "intake staff (after acceptance); the processing unit's staff (chains)", transferRequest{}, s.transferDossier),
		step("extend", "extendDossier", "Extend the deadline once, with the signed apology letter", "specialist or head of the processing unit", extendRequest{}, s.extendDossier),
		step("result", "recordResult", "Record the signed result", "specialist, head or seal keeper of the processing unit", documentRef{}, s.recordResult),
		step("ready", "readyForReturn", "Move the signed result to the return desk", "specialist or seal keeper of the processing unit; intake staff", nil, s.readyForReturn),
		step("originals", "checkOriginals", "Record the comparison of the paper originals", "intake staff of the receiving unit", originalsRequest{}, s.checkOriginals),
		step("fees", "payFee", "Record a fee payment", "intake staff of the receiving unit", feeRequest{}, s.payFee),
		step("refunds", "refundFee", "Refund fees of a service not performed", "intake staff of the receiving unit", feeRequest{}, s.refundFee),
		step("return", "returnResult", "Hand the result over", "intake staff of the receiving unit", nil, s.returnResult),
		step("void", "voidDossier", "Void a level-3 dossier whose originals were not brought in time", "intake staff of the receiving unit", nil, s.voidDossier),
		{method: http.MethodPost, path: "/dossiers/{code}/letters", id: "draftLetter", summary: "Draft a one-stop letter (receipt, supplement request, refusal, apology) and say who signs it",
			tag: "dossiers", scopes: write, who: "staff of the receiving or processing unit", in: letterRequest{}, out: letterDraft{}, status: 201, errors: []int{404, 409, 422}, h: s.draftLetter},
		{method: http.MethodPost, path: "/dossiers/{code}/letters/{lineage}/issue", id: "issueLetter", summary: "Send a signed letter that goes on its own",
			tag: "dossiers", scopes: write, who: "staff of the receiving or processing unit", out: dossier.Dossier{}, status: 200, errors: []int{404, 409}, h: s.issueLetter},
		{method: http.MethodPost, path: "/dossiers/{code}/archive-export", id: "exportDossier", summary: "Export a closed dossier as a BagIt archive package (tar; documents brought to PAdES B-LTA first; the hand-over is recorded); the package's SHA-256 in X-Kyso-Package-SHA256",
			tag: "archive", scopes: []string{ScopeArchiveExport}, who: "archivists of the dossier's receiving unit", outMedia: "application/x-tar", status: 200, errors: []int{404, 409}, h: s.exportDossier},

		// Documents.
		{method: http.MethodPost, path: "/dossiers/{code}/digitize", id: "digitizeDossier",
			summary: "Digitize scans at the desk (multipart: part metadata, then one part file per scanner file): one signed PDF/A per paper document, TT 01/2023 metadata, each stored as a desk-digitized component with its provenance; bad files are reported one by one",
			tag:     "documents", scopes: submit, who: "intake staff of the receiving unit (their server-held key signs; sign \"none\" for the two-phase batch flow)",
			body: "multipart/form-data", meta: digitizeMetadata{}, out: digitizeResponse{}, status: 201, errors: []int{400, 404, 409, 413, 415, 422}, h: s.digitizeDossier},
		{method: http.MethodGet, path: "/dossiers/{code}/documents", id: "listDocuments", summary: "Every version of every document of the dossier, with assessments",
			tag: "documents", scopes: read, who: "who sees the dossier", out: documentList{}, status: 200, errors: []int{404}, h: s.listDocuments},
		{method: http.MethodPost, path: "/dossiers/{code}/documents", id: "uploadDocument", summary: "Upload a document (multipart: part metadata, then part file), streamed, size-limited, hashed on the way in",
			tag: "documents", scopes: submit, who: "by document role: the applicant (portal) and intake staff components; the processing unit working documents and results",
			body: "multipart/form-data", headers: idem, out: dossier.DocumentVersion{}, status: 201, errors: []int{400, 404, 409, 413, 415, 422}, h: s.uploadDocument},
		{method: http.MethodGet, path: "/documents/{id}", id: "getDocument", summary: "A document version's metadata with its provenance assessment",
			tag: "documents", scopes: read, who: "who sees its dossier", out: dossier.DocumentVersion{}, status: 200, errors: []int{404}, h: s.getDocument},
		{method: http.MethodGet, path: "/documents/{id}/content", id: "downloadDocument", summary: "The stored bytes, verified against their hash",
			tag: "documents", scopes: read, who: "who sees its dossier", outMedia: "application/pdf", status: 200, errors: []int{404}, h: s.downloadDocument},
		{method: http.MethodGet, path: "/documents/{id}/provenance", id: "getProvenance", summary: "The provenance assessment: conditions of legal validity, evidence, what is owed",
			tag: "documents", scopes: read, who: "who sees its dossier", out: dossier.Assessment{}, status: 200, errors: []int{404}, h: s.getProvenance},
		{method: http.MethodGet, path: "/documents/{id}/validation", id: "getValidation", summary: "The verifier's validation report of the version",
			tag: "documents", scopes: read, who: "who sees its dossier", out: map[string]any{}, status: 200, errors: []int{404}, h: s.getValidation},

		// Signing.
		{method: http.MethodPost, path: "/documents/{id}/sign", id: "signDocument", summary: "Sign the latest version with the key the server holds for the principal",
			tag: "signing", scopes: sign, who: "results and apology letters: the head personally, the seal keeper with the unit seal; scans: the staff who made them",
			in: signRequest{}, out: dossier.DocumentVersion{}, status: 201, errors: []int{404, 409, 422}, h: s.signDocument},
		{method: http.MethodPost, path: "/documents/{id}/sign/prepare", id: "prepareSignature", summary: "Two-phase signing: prepare, get the digest to sign",
			tag: "signing", scopes: sign, who: "as for server-side signing; the certificate must be the principal's (CCCD) or their unit's (agency code)",
			in: prepareRequest{}, out: preparedSignature{}, status: 201, errors: []int{404, 409, 422}, h: s.prepareSignature},
		{method: http.MethodPost, path: "/signing-sessions/{session}/complete", id: "completeSignature", summary: "Two-phase signing: complete with the signature value",
			tag: "signing", scopes: sign, who: "the principal that prepared it", in: completeRequest{}, out: dossier.DocumentVersion{}, status: 201, errors: []int{404, 409, 410, 422}, h: s.completeSignature},
		{method: http.MethodPost, path: "/signing/batch/prepare", id: "prepareBatch", summary: "Two-phase signing of several documents: prepare each",
			tag: "signing", scopes: sign, who: "as for prepare, per document", in: batchPrepareRequest{}, out: batchPrepared{}, status: 200, errors: []int{400}, h: s.prepareBatch},
		{method: http.MethodPost, path: "/signing/batch/complete", id: "completeBatch", summary: "Two-phase signing of several documents: complete each",
			tag: "signing", scopes: sign, who: "the principal that prepared them", in: batchCompleteRequest{}, out: batchCompleted{}, status: 200, errors: []int{400}, h: s.completeBatch},

		// Verification and evidence.
		{method: http.MethodPost, path: "/verify", id: "verifyPDF", summary: "Validate every signature of an uploaded PDF (not stored)",
			tag: "verification", scopes: []string{ScopeVerify}, who: "any principal with verify", body: "application/pdf", out: map[string]any{},
			status: 200, errors: []int{400, 413, 415, 422}, h: s.verifyPDF},
		{method: http.MethodGet, path: "/log/checkpoint", id: "getCheckpoint", summary: "The latest signed checkpoint of the evidence log (C2SP signed note)",
			tag: "evidence", scopes: []string{ScopeLogRead}, who: "any principal with log:read", out: checkpointJSON{}, status: 200, h: s.getCheckpoint},
		{method: http.MethodGet, path: "/log/entries/{index}", id: "getEntry", summary: "One evidence-log entry (canonical JSON body)",
			tag: "evidence", scopes: []string{ScopeLogRead}, who: "entries about a dossier: who sees it", out: entryJSON{}, status: 200, errors: []int{400, 404}, h: s.getEntry},
		{method: http.MethodGet, path: "/log/proofs/inclusion", id: "inclusionProof", summary: "RFC 6962 inclusion proof of an entry",
			tag: "evidence", scopes: []string{ScopeLogRead}, query: []param{{name: "index", typ: "integer", required: true}, {name: "size", typ: "integer", desc: "tree size (default: the latest checkpoint)"}},
			out: proofJSON{}, status: 200, errors: []int{400, 404}, h: s.inclusionProof},
		{method: http.MethodGet, path: "/log/proofs/consistency", id: "consistencyProof", summary: "RFC 6962 consistency proof between two tree sizes",
			tag: "evidence", scopes: []string{ScopeLogRead}, query: []param{{name: "from", typ: "integer", required: true}, {name: "to", typ: "integer", desc: "default: the latest checkpoint"}},
			out: proofJSON{}, status: 200, errors: []int{400, 404}, h: s.consistencyProof},

		// Reports.
		{method: http.MethodGet, path: "/reports/monthly", id: "monthlyReport", summary: "Monthly report (QĐ 03/2020 Đ24) as JSON or CSV (not implemented yet: 501)",
			tag: "reports", scopes: []string{ScopeReportsRead}, who: "heads, archivists and admins",
			query: []param{{name: "month", desc: "YYYY-MM", required: true}, {name: "unit"}, {name: "format", desc: "json or csv"}},
			out:   map[string]any{}, status: 200, errors: []int{400, 501}, h: s.monthlyReport},

		// Administration.
		{method: http.MethodGet, path: "/admin/units", id: "listUnits", summary: "Units", tag: "admin", scopes: admin, who: "admins", out: []dossier.Unit{}, status: 200, h: s.listUnits},
		{method: http.MethodPost, path: "/admin/units", id: "addUnit", summary: "Add a unit", tag: "admin", scopes: admin, who: "admins", in: dossier.Unit{}, out: dossier.Unit{}, status: 201, errors: []int{400, 422}, h: s.addUnit},
		{method: http.MethodGet, path: "/admin/staff", id: "listStaff", summary: "Staff with their roles", tag: "admin", scopes: admin, who: "admins", query: cursor, out: staffPage{}, status: 200, h: s.listStaff},
		{method: http.MethodPost, path: "/admin/staff", id: "addStaff", summary: "Add a staff member (and set a password)", tag: "admin", scopes: admin, who: "admins", in: staffRequest{}, out: dossier.Staff{}, status: 201, errors: []int{400, 404, 422}, h: s.addStaff},
		{method: http.MethodPost, path: "/admin/staff/{username}/password", id: "setPassword", summary: "Set a staff member's password (clears a lockout)", tag: "admin", scopes: admin, who: "admins", in: passwordRequest{}, status: 204, errors: []int{400, 404, 422}, h: s.setPasswordHandler},
		{method: http.MethodPost, path: "/admin/staff/{username}/roles", id: "grantRole", summary: "Grant a role in a unit", tag: "admin", scopes: admin, who: "admins", in: dossier.RoleInUnit{}, out: dossier.Staff{}, status: 200, errors: []int{400, 404, 422}, h: s.grantRole},
		{method: http.MethodDelete, path: "/admin/staff/{username}/roles/{role}/{unit}", id: "revokeRole", summary: "Revoke a role (a revoke row; the grant stays on record)", tag: "admin", scopes: admin, who: "admins", out: dossier.Staff{}, status: 200, errors: []int{404, 422}, h: s.revokeRole},
		{method: http.MethodPost, path: "/admin/assignments", id: "recordAssignment", summary: "Record a digitization assignment decision", tag: "admin", scopes: admin, who: "admins", in: assignmentRequest{}, out: dossier.Assignment{}, status: 201, errors: []int{400, 404, 422}, h: s.recordAssignment},
		{method: http.MethodGet, path: "/admin/tokens", id: "listTokens", summary: "API tokens (never their secrets)", tag: "admin", scopes: admin, who: "admins", query: cursor, out: tokenPage{}, status: 200, h: s.listTokens},
		{method: http.MethodPost, path: "/admin/tokens", id: "createToken", summary: "Create an API token; its secret is shown once", tag: "admin", scopes: admin, who: "admins", in: TokenRequest{}, out: createdToken{}, status: 201, errors: []int{400, 404, 422}, h: s.createToken},
		{method: http.MethodDelete, path: "/admin/tokens/{id}", id: "revokeToken", summary: "Revoke an API token", tag: "admin", scopes: admin, who: "admins", status: 204, errors: []int{404}, h: s.revokeToken},
	}
}

// mountAPI mounts the JSON API under /api/v1.
func (s *Server) mountAPI(r chi.Router) {
	ops := s.operations()
	s.openapi = buildOpenAPI(ops, s.cfg)
	s.metrics.reg.MustRegister(newQueues(s.store, s.now))
	r.Route(apiPrefix, func(r chi.Router) {
		r.Use(s.authenticate, noStore)
		for _, op := range ops {
			r.With(s.gate(op)).Method(op.method, op.path, op.h)
		}
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such API route"})
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, Problem{Type: problemBase + "method-not-allowed", Status: http.StatusMethodNotAllowed, Detail: "method not allowed on this route"})
		})
	})
}

// gate enforces an operation's authentication and token scopes; roles
// and units are checked in the handler (and again by the engine).
func (s *Server) gate(op operation) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		// Every state-changing request made with the session cookie needs
		// the CSRF token, except the login itself (which checks the
		// origin: it replaces whatever session the browser holds).
		if op.id != "login" {
			next = s.csrf(next)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if op.anonymous {
				next.ServeHTTP(w, r)
				return
			}
			p := principalFrom(r.Context())
			if p == nil {
				s.unauthenticated(w, r)
				return
			}
			if p.Via == "token" && len(op.scopes) > 0 && !slices.ContainsFunc(op.scopes, p.HasScope) {
				s.deny(w, r, http.StatusForbidden, "scope", "this API token lacks the scope "+joinOr(op.scopes))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func joinOr(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " or "
		}
		out += x
	}
	return out
}
