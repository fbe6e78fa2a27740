package api

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
)

// The authorisation matrix: every route of the JSON API × every kind of
// principal — each staff role of the dossier's own units, the same role
// in another province's units, an API token of the intake officer with
// every scope and one without the needed scope, a portal token, and
// anonymous — called over HTTP on a real server and real storage,
// asserted against the table below.

// principals of the matrix. Own-unit staff: the centre's intake officer,
// archivist and admin; the agency's specialist, head and seal keeper.
var (
	ownRoles    = []string{"intake", "specialist", "head", "seal", "archivist", "admin"}
	centreRoles = []string{"intake", "archivist", "admin"}
	memberKey   = map[string]string{"intake": seed.Intake, "specialist": seed.Specialist, "head": seed.Head, "seal": seed.Seal,
		"archivist": seed.Archivist, "admin": seed.Admin}
)

func allPrincipals() []string {
	out := append([]string{}, ownRoles...)
	for _, r := range ownRoles {
		out = append(out, "other:"+r)
	}
	return append(out, "token:intake", "token:noscope", "portal", "anonymous")
}

// fixture is the state a case runs against.
type fixture struct {
	code    string
	id      int64 // a document version
	lineage int64
	extra   string
	sig     string
}

type mcase struct {
	method, route string // route as in operations()
	path          func(f fixture) string
	setup         func(e *env) fixture // nil: no state needed
	body          func(e *env, f fixture, who string) any
	upload        func(e *env, f fixture) (any, [][]byte)
	rawPDF        bool
	// allow: own-unit roles (and "portal") allowed, with the status they
	// get. Everyone else of the own units gets 403 if the fixture's
	// dossier is visible to them, 404 if not.
	allow   map[string]int
	seen    []string // own roles that see the fixture (nil: every own role)
	dossier bool     // scoped to a dossier: other units get 404
	global  bool     // not about a unit: other units behave as their own role
	mutates bool     // allowed principals each get a fresh fixture
	public  int      // anonymous route: everyone gets this
	portal  int      // expected for the portal token (0: 404 on dossiers, 403 elsewhere)
	other   int      // expected for other units on non-dossier, non-global routes (0: as the role)
	deny    int      // expected for own-unit staff not allowed (0: 403, or 404 when unseen)
	tokens  int      // expected for the staff tokens that have the scope (0: as intake)
	scopes  []string // the route's scopes (filled from operations())
}

var (
	portalScopes  = []string{ScopeDossiersRead, ScopeDossiersWrite, ScopeDossiersSubmit}
	noscopeScopes = []string{ScopeReportsRead}
)

func hasAny(have, want []string) bool {
	return len(want) == 0 || slices.ContainsFunc(want, func(s string) bool { return slices.Contains(have, s) })
}

func (c mcase) expect(who string) int {
	if c.public != 0 {
		return c.public
	}
	switch {
	case who == "anonymous":
		return 401
	case who == "token:noscope":
		if !hasAny(noscopeScopes, c.scopes) {
			return 403
		}
		if c.tokens != 0 {
			return c.tokens
		}
		return c.expect("intake")
	case who == "portal" && !hasAny(portalScopes, c.scopes):
		return 403
	case who == "portal":
		if c.portal != 0 {
			return c.portal
		}
		if c.dossier {
			return 404
		}
		return 403
	case who == "token:intake":
		if c.tokens != 0 {
			return c.tokens
		}
		return c.expect("intake")
	case strings.HasPrefix(who, "other:"):
		if c.dossier {
			return 404
		}
		if c.other != 0 {
			return c.other
		}
		return c.expect(strings.TrimPrefix(who, "other:"))
	}
	if st, ok := c.allow[who]; ok {
		return st
	}
	if c.dossier && c.seen != nil && !slices.Contains(c.seen, who) {
		return 404
	}
	if c.deny != 0 {
		return c.deny
	}
	return 403
}

func all(st int, roles ...string) map[string]int {
	m := map[string]int{}
	for _, r := range roles {
		m[r] = st
	}
	return m
}

func code(f fixture) string { return "/api/v1/dossiers/" + f.code }
func doc(f fixture) string  { return "/api/v1/documents/" + strconv.FormatInt(f.id, 10) }

var uniq atomic.Int64

func matrixCases() []mcase {
	deskSubmit := func(e *env, f fixture, who string) any {
		return submitRequest{Unit: e.vp.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2, Channel: dossier.ChannelDesk, Applicant: e.vp.Applicant}
	}
	desk := func(e *env) fixture { return fixture{code: e.deskDossier().Code} }
	accepted := func(e *env) fixture { return fixture{code: e.accepted().Code} }
	processing := func(e *env) fixture { return fixture{code: e.processing().Code} }
	withComponent := func(e *env) fixture {
		d := e.processing()
		v := e.component(d)
		return fixture{code: d.Code, id: v.ID, lineage: v.Lineage}
	}
	withResult := func(e *env) fixture {
		d := e.processing()
		v := e.result(d)
		return fixture{code: d.Code, id: v.ID, lineage: v.Lineage}
	}
	reason := func(e *env, f fixture, who string) any { return reasonRequest{Reason: "Lý do kiểm thử"} }
	items := func(e *env, f fixture, who string) any { return supplementRequest{Items: []string{"Bản sao CCCD"}} }
	myCert := func(e *env, who string) string {
		m := e.memberOf(who)
		if m == nil {
			return ""
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.Credential.Certificate.Raw}))
	}
	admins := all(200, "admin")
	created := all(201, "admin")
	return []mcase{
		{method: "GET", route: "/openapi.json", path: func(fixture) string { return "/api/v1/openapi.json" }, public: 200},
		{method: "POST", route: "/auth/login", path: func(fixture) string { return "/api/v1/auth/login" }, public: 401,
			body: func(e *env, f fixture, who string) any {
				return loginRequest{Username: "nobody", Password: "sai-mật-khẩu-1"}
			}},
		{method: "GET", route: "/auth/me", path: func(fixture) string { return "/api/v1/auth/me" }, global: true,
			allow: all(200, ownRoles...), portal: 200},
		{method: "GET", route: "/auth/oidc/login", path: func(fixture) string { return "/api/v1/auth/oidc/login" }, public: 404},
		{method: "GET", route: "/auth/oidc/callback", path: func(fixture) string { return "/api/v1/auth/oidc/callback?code=x&state=y" }, public: 404},

		{method: "GET", route: "/dossiers", path: func(fixture) string { return "/api/v1/dossiers" }, global: true,
			allow: all(200, ownRoles...), portal: 200},
		{method: "POST", route: "/dossiers", path: func(fixture) string { return "/api/v1/dossiers" }, body: deskSubmit,
			allow: all(201, "intake"), other: 403},
		{method: "GET", route: "/dossiers/{code}", path: code, setup: processing, dossier: true, allow: all(200, ownRoles...)},
		{method: "POST", route: "/dossiers/{code}/accept", path: func(f fixture) string { return code(f) + "/accept" }, setup: desk, body: reason,
			dossier: true, mutates: true, seen: centreRoles, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/supplement-request", path: func(f fixture) string { return code(f) + "/supplement-request" },
			setup: desk, body: items, dossier: true, mutates: true, seen: centreRoles, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/supplement-request", path: func(f fixture) string { return code(f) + "/supplement-request" },
			setup: processing, body: items, dossier: true, mutates: true, allow: all(200, "specialist", "head")},
		{method: "POST", route: "/dossiers/{code}/supplement", path: func(f fixture) string { return code(f) + "/supplement" },
			setup: func(e *env) fixture { return fixture{code: e.supplementRequested().Code} }, dossier: true, mutates: true,
			upload: func(e *env, f fixture) (any, [][]byte) {
				return supplementMetadata{Documents: []uploadMetadata{{Source: dossier.SourceDesk, Component: "TP2", Title: "Bản sao CCCD"}}}, [][]byte{pdfBytes()}
			}, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/supplement", path: func(f fixture) string { return code(f) + "/supplement" },
			setup: func(e *env) fixture {
				d := e.onlineDossier()
				d, err := e.eng.RequestSupplement(e.ctx, d.Code, e.actor(seed.Intake), dossier.SupplementRequest{Items: []string{"TP2"}})
				e.must(err)
				return fixture{code: d.Code}
			}, dossier: true, mutates: true, seen: centreRoles,
			upload: func(e *env, f fixture) (any, [][]byte) {
				return supplementMetadata{Documents: []uploadMetadata{{Source: dossier.SourceCitizen, Component: "TP2", Title: "Bản sao CCCD"}}}, [][]byte{pdfBytes()}
			}, allow: map[string]int{"intake": 200, "portal": 200}, portal: 200},
		{method: "POST", route: "/dossiers/{code}/reject", path: func(f fixture) string { return code(f) + "/reject" }, setup: desk, body: reason,
			dossier: true, mutates: true, seen: centreRoles, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/reject", path: func(f fixture) string { return code(f) + "/reject" }, setup: processing, body: reason,
			dossier: true, mutates: true, allow: all(200, "specialist", "head")},
		{method: "POST", route: "/dossiers/{code}/transfer", path: func(f fixture) string { return code(f) + "/transfer" }, setup: accepted,
			body:    func(e *env, f fixture, who string) any { return transferRequest{To: e.vp.Units[seed.Agency].Code} },
			dossier: true, mutates: true, seen: centreRoles, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/extend", path: func(f fixture) string { return code(f) + "/extend" }, setup: processing,
			body: func(e *env, f fixture, who string) any {
				return extendRequest{NewDeadline: time.Now().Add(240 * time.Hour)}
			},
			dossier: true, allow: all(409, "specialist", "head")}, // passes authorisation; the rule wants the signed letter
		{method: "POST", route: "/dossiers/{code}/result", path: func(f fixture) string { return code(f) + "/result" },
			setup: func(e *env) fixture {
				d, v := e.signedResult()
				return fixture{code: d.Code, lineage: v.Lineage}
			}, body: func(e *env, f fixture, who string) any { return documentRef{Document: f.lineage} },
			dossier: true, mutates: true, allow: all(200, "specialist", "head", "seal")},
		{method: "POST", route: "/dossiers/{code}/ready", path: func(f fixture) string { return code(f) + "/ready" },
			setup: func(e *env) fixture { return fixture{code: e.resultSigned().Code} }, dossier: true, mutates: true,
			allow: all(200, "specialist", "seal", "intake")},
		{method: "POST", route: "/dossiers/{code}/originals", path: func(f fixture) string { return code(f) + "/originals" }, setup: processing,
			body: func(e *env, f fixture, who string) any { return originalsRequest{Match: true} }, dossier: true, mutates: true, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/fees", path: func(f fixture) string { return code(f) + "/fees" }, setup: accepted,
			body: func(e *env, f fixture, who string) any { return feeRequest{Amount: 100000, Receipt: "BL-9"} }, dossier: true, mutates: true,
			seen: centreRoles, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/refunds", path: func(f fixture) string { return code(f) + "/refunds" }, setup: accepted,
			body: func(e *env, f fixture, who string) any { return feeRequest{Amount: 1000, Reason: "x"} }, dossier: true,
			seen: centreRoles, allow: all(409, "intake")}, // Vĩnh Phúc has no refund rule
		{method: "POST", route: "/dossiers/{code}/return", path: func(f fixture) string { return code(f) + "/return" },
			setup: func(e *env) fixture { return fixture{code: e.ready(true).Code} }, dossier: true, mutates: true, allow: all(200, "intake")},
		{method: "POST", route: "/dossiers/{code}/void", path: func(f fixture) string { return code(f) + "/void" }, setup: accepted,
			dossier: true, seen: centreRoles, allow: all(409, "intake")}, // level 2: not voided for originals
		{method: "POST", route: "/dossiers/{code}/letters", path: func(f fixture) string { return code(f) + "/letters" }, setup: processing,
			body: func(e *env, f fixture, who string) any {
				return letterRequest{Kind: dossier.LetterExtension, Reason: "Cần xác minh", NewAppointment: time.Now().Add(240 * time.Hour)}
			}, dossier: true, mutates: true, allow: all(201, "intake", "specialist", "head", "seal")},
		{method: "POST", route: "/dossiers/{code}/letters/{lineage}/issue", path: func(f fixture) string { return code(f) + "/letters/" + strconv.FormatInt(f.lineage, 10) + "/issue" },
			setup: func(e *env) fixture {
				d := e.processing()
				v, _, err := e.eng.DraftLetter(e.ctx, d.Code, e.actor(seed.Specialist), dossier.LetterRequest{Kind: dossier.LetterLateApology, Reason: "Trễ hạn"})
				e.must(err)
				return fixture{code: d.Code, lineage: v.Lineage}
			}, dossier: true, allow: all(409, "intake", "specialist", "head", "seal")}, // unsigned letters are not sent
		{method: "POST", route: "/dossiers/{code}/archive-export", path: func(f fixture) string { return code(f) + "/archive-export" }, setup: processing,
			dossier: true, seen: nil, allow: all(409, "archivist")}, // still processing: not closed

		{method: "POST", route: "/dossiers/{code}/digitize", path: func(f fixture) string { return code(f) + "/digitize" }, setup: desk,
			upload: func(e *env, f fixture) (any, [][]byte) {
				return digitizeMetadata{Sign: "none", Components: []digitize.Metadata{{Fields: map[string]string{
					digitize.FieldComponentCode: "TP1", digitize.FieldComponentName: "Giấy đề nghị"}}}}, [][]byte{colourScan()}
			}, dossier: true, mutates: true, seen: centreRoles, allow: all(201, "intake")},
		{method: "GET", route: "/dossiers/{code}/documents", path: func(f fixture) string { return code(f) + "/documents" }, setup: withComponent,
			dossier: true, allow: all(200, ownRoles...)},
		{method: "POST", route: "/dossiers/{code}/documents", path: func(f fixture) string { return code(f) + "/documents" }, setup: processing,
			upload: func(e *env, f fixture) (any, [][]byte) {
				return uploadMetadata{Source: dossier.SourceDesk, Component: "TP1", Title: "Bản scan giấy đề nghị"}, [][]byte{pdfBytes()}
			}, dossier: true, allow: all(201, "intake")},
		{method: "POST", route: "/dossiers/{code}/documents", path: func(f fixture) string { return code(f) + "/documents" }, setup: processing,
			upload: func(e *env, f fixture) (any, [][]byte) {
				return uploadMetadata{Role: dossier.DocResult, Source: dossier.SourceIssued, Title: "Dự thảo kết quả"}, [][]byte{pdfBytes()}
			}, dossier: true, allow: all(201, "specialist", "head", "seal")},
		{method: "GET", route: "/documents/{id}", path: doc, setup: withComponent, dossier: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/documents/{id}/content", path: func(f fixture) string { return doc(f) + "/content" }, setup: withComponent, dossier: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/documents/{id}/provenance", path: func(f fixture) string { return doc(f) + "/provenance" }, setup: withComponent, dossier: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/documents/{id}/validation", path: func(f fixture) string { return doc(f) + "/validation" }, setup: withComponent, dossier: true, allow: all(200, ownRoles...)},

		{method: "POST", route: "/documents/{id}/sign", path: func(f fixture) string { return doc(f) + "/sign" }, setup: withResult,
			body: func(e *env, f fixture, who string) any { return signRequest{} }, dossier: true, mutates: true, allow: all(201, "head", "seal")},
		{method: "POST", route: "/documents/{id}/sign", path: func(f fixture) string { return doc(f) + "/sign" }, setup: withComponent,
			body: func(e *env, f fixture, who string) any { return signRequest{} }, dossier: true, mutates: true, allow: all(201, "intake")},
		{method: "POST", route: "/documents/{id}/sign/prepare", path: func(f fixture) string { return doc(f) + "/sign/prepare" }, setup: withResult,
			body: func(e *env, f fixture, who string) any { return prepareRequest{Certificate: myCert(e, who)} }, dossier: true,
			allow: all(201, "head", "seal")},
		{method: "POST", route: "/signing-sessions/{session}/complete", path: func(f fixture) string { return "/api/v1/signing-sessions/" + f.extra + "/complete" },
			setup: func(e *env) fixture {
				f := withResult(e)
				head := e.session(e.vp.Members[seed.Head].Staff.Username)
				r := head.post(doc(f)+"/sign/prepare", prepareRequest{Certificate: myCert(e, "head")})
				var ps preparedSignature
				r.json(e.t, &ps)
				f.extra = ps.SessionID
				tbs, _ := base64.StdEncoding.DecodeString(ps.ToBeSigned)
				sig, err := e.vp.Members[seed.Head].Credential.Signer.Sign(rand.Reader, tbs, crypto.SHA256)
				e.must(err)
				f.sig = base64.StdEncoding.EncodeToString(sig)
				return f
			}, body: func(e *env, f fixture, who string) any { return completeRequest{Signature: f.sig} },
			global: true, other: 404, deny: 404, allow: map[string]int{"head": 201}, portal: 404}, // sessions of others do not exist for you
		{method: "POST", route: "/signing/batch/prepare", path: func(fixture) string { return "/api/v1/signing/batch/prepare" }, setup: withResult,
			body: func(e *env, f fixture, who string) any {
				return map[string]any{"certificate": myCert(e, who), "documents": []map[string]any{{"id": f.id}}}
			}, global: true, allow: all(200, ownRoles...), portal: 403},
		{method: "POST", route: "/signing/batch/complete", path: func(fixture) string { return "/api/v1/signing/batch/complete" },
			body: func(e *env, f fixture, who string) any {
				return map[string]any{"signatures": []map[string]any{{"session_id": "nope", "signature": "AAAA"}}}
			}, global: true, allow: all(200, ownRoles...), portal: 403},

		{method: "POST", route: "/verify", path: func(fixture) string { return "/api/v1/verify" }, rawPDF: true, global: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/log/checkpoint", path: func(fixture) string { return "/api/v1/log/checkpoint" }, global: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/log/entries/{index}", path: func(f fixture) string { return "/api/v1/log/entries/" + f.extra }, dossier: true,
			setup: func(e *env) fixture {
				d := e.processing()
				return fixture{code: d.Code, extra: strconv.FormatUint(d.LastEvent().LogIndex, 10)}
			}, allow: all(200, ownRoles...)},
		{method: "GET", route: "/log/proofs/inclusion", path: func(fixture) string { return "/api/v1/log/proofs/inclusion?index=0" }, global: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/log/proofs/consistency", path: func(fixture) string { return "/api/v1/log/proofs/consistency?from=1" }, global: true, allow: all(200, ownRoles...)},
		{method: "GET", route: "/reports/monthly", path: func(fixture) string { return "/api/v1/reports/monthly?month=2025-03" }, global: true,
			allow: all(200, "head", "archivist", "admin")},

		{method: "GET", route: "/admin/units", path: func(fixture) string { return "/api/v1/admin/units" }, global: true, allow: admins},
		{method: "POST", route: "/admin/units", path: func(fixture) string { return "/api/v1/admin/units" }, global: true, mutates: true, allow: created,
			body: func(e *env, f fixture, who string) any {
				return dossier.Unit{Code: fmt.Sprintf("000.%02d.77.H62", uniq.Add(1)%100), Name: "Phòng kiểm thử", Level: dossier.LevelDistrict, Kind: dossier.UnitAgency, Profile: "vinh-phuc"}
			}},
		{method: "GET", route: "/admin/staff", path: func(fixture) string { return "/api/v1/admin/staff" }, global: true, allow: admins},
		{method: "POST", route: "/admin/staff", path: func(fixture) string { return "/api/v1/admin/staff" }, global: true, allow: created,
			body: func(e *env, f fixture, who string) any {
				return staffRequest{Staff: dossier.Staff{Username: fmt.Sprintf("nhanvien%d", uniq.Add(1)), FullName: "Nhân Viên Mới", Unit: e.vp.Units[seed.Centre].Code,
					Roles: []dossier.RoleInUnit{{Role: dossier.RoleIntake, Unit: e.vp.Units[seed.Centre].Code}}}, Password: "mật-khẩu-ban-đầu"}
			}},
		{method: "POST", route: "/admin/staff/{username}/password", path: func(fixture) string { return "/api/v1/admin/staff/" + "tiepnhan62" + "/password" },
			global: true, allow: all(204, "admin"), body: func(e *env, f fixture, who string) any { return passwordRequest{Password: "mật-khẩu-đặt-lại"} }},
		{method: "POST", route: "/admin/staff/{username}/roles", path: func(f fixture) string { return "/api/v1/admin/staff/" + f.extra + "/roles" },
			setup: newStaff, global: true, mutates: true, allow: admins,
			body: func(e *env, f fixture, who string) any {
				return dossier.RoleInUnit{Role: dossier.RoleSpecialist, Unit: e.vp.Units[seed.Centre].Code}
			}},
		{method: "DELETE", route: "/admin/staff/{username}/roles/{role}/{unit}", path: func(f fixture) string {
			return "/api/v1/admin/staff/" + f.extra + "/roles/intake/" + f.code
		}, setup: newStaff, global: true, mutates: true, allow: admins},
		{method: "POST", route: "/admin/assignments", path: func(fixture) string { return "/api/v1/admin/assignments" }, global: true, allow: created,
			body: func(e *env, f fixture, who string) any {
				now := time.Now()
				return assignmentRequest{Number: "99/QĐ-TTPVHCC", SignedOn: now.AddDate(0, 0, -1), SignedBy: "Phạm Thị Dung, Giám đốc Trung tâm",
					Unit: e.vp.Units[seed.Centre].Code, Staff: []string{e.vp.Members[seed.Intake].Staff.Username}, ValidFrom: now.AddDate(0, 0, -1)}
			}},
		{method: "GET", route: "/admin/tokens", path: func(fixture) string { return "/api/v1/admin/tokens" }, global: true, allow: admins},
		{method: "POST", route: "/admin/tokens", path: func(fixture) string { return "/api/v1/admin/tokens" }, global: true, allow: created,
			body: func(e *env, f fixture, who string) any {
				return TokenRequest{Name: "tích hợp", Scopes: []string{ScopeVerify}, Portal: true}
			}},
		{method: "DELETE", route: "/admin/tokens/{id}", path: func(f fixture) string { return "/api/v1/admin/tokens/" + f.extra }, global: true, mutates: true,
			allow: all(204, "admin"), setup: func(e *env) fixture {
				_, tk, err := CreateToken(e.ctx, e.eng, dossier.System, TokenRequest{Name: "x", Scopes: []string{ScopeVerify}, Portal: true}, time.Now())
				e.must(err)
				return fixture{extra: tk.ID}
			}},
		// Last: it ends the sessions it is called with.
		{method: "POST", route: "/auth/logout", path: func(fixture) string { return "/api/v1/auth/logout" }, global: true,
			allow: all(204, ownRoles...), portal: 400, tokens: 400},
	}
}

func newStaff(e *env) fixture {
	u := fmt.Sprintf("canbo%d", uniq.Add(1))
	centre := e.vp.Units[seed.Centre].Code
	_, err := e.eng.AddStaff(e.ctx, dossier.System, dossier.Staff{Username: u, FullName: "Cán Bộ Kiểm Thử", Unit: centre,
		Roles: []dossier.RoleInUnit{{Role: dossier.RoleIntake, Unit: centre}}})
	e.must(err)
	return fixture{extra: u, code: centre}
}

// memberOf is the seeded member behind a principal name.
func (e *env) memberOf(who string) *seed.Member {
	w := e.vp
	if strings.HasPrefix(who, "other:") {
		w, who = e.cb, strings.TrimPrefix(who, "other:")
	}
	if who == "token:intake" || who == "token:noscope" {
		who = "intake"
	}
	if k, ok := memberKey[who]; ok {
		return w.Members[k]
	}
	return nil
}

func (e *env) clientOf(who string, clients map[string]*client) *client {
	if c, ok := clients[who]; ok {
		return c
	}
	var c *client
	switch who {
	case "anonymous":
		c = e.anonymous()
	case "token:intake":
		c = e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, Scopes[:len(Scopes)-1]...)
	case "token:noscope":
		c = e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, noscopeScopes...)
	case "portal":
		c = e.tokenFor("", portalScopes...)
	default:
		c = e.session(e.memberOf(who).Staff.Username)
	}
	c.name = who
	clients[who] = c
	return c
}

func (e *env) call(c *client, mc mcase, f fixture, who string) response {
	path := mc.path(f)
	switch {
	case mc.upload != nil:
		meta, files := mc.upload(e, f)
		return c.upload(path, meta, files...)
	case mc.rawPDF:
		return c.do(mc.method, path, bytes.NewReader(pdfBytes()), "application/pdf", nil)
	case mc.body != nil:
		return c.post(path, mc.body(e, f, who))
	case mc.method == http.MethodPost:
		return c.post(path, nil)
	case mc.method == http.MethodDelete:
		return c.del(path)
	}
	return c.get(path)
}

func runMatrix(t *testing.T, e *env) {
	cases := matrixCases()
	// Every route of the API is in the table.
	covered := map[string]bool{}
	for _, mc := range cases {
		covered[mc.method+" "+mc.route] = true
	}
	for _, op := range e.srv.operations() {
		if !covered[op.method+" "+op.path] {
			t.Errorf("route %s %s is not in the authorisation matrix", op.method, op.path)
		}
	}
	scopes := map[string][]string{}
	for _, op := range e.srv.operations() {
		scopes[op.method+" "+op.path] = op.scopes
	}
	clients := map[string]*client{}
	failures := 0
	for _, mc := range cases {
		mc.scopes = scopes[mc.method+" "+mc.route]
		var shared fixture
		if mc.setup != nil {
			shared = mc.setup(e)
		}
		for _, who := range allPrincipals() {
			want := mc.expect(who)
			f := shared
			if mc.mutates && want < 300 && mc.setup != nil {
				f = mc.setup(e)
			}
			r := e.call(e.clientOf(who, clients), mc, f, who)
			if r.status != want {
				failures++
				t.Errorf("%s %s as %s: %d, want %d: %.300s", mc.method, mc.route, who, r.status, want, r.body)
			}
			if r.status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %s: %d answered as %s, not a problem", mc.method, mc.route, who, r.status, r.header.Get("Content-Type"))
			}
		}
		if failures > 40 {
			t.Fatal("too many failures")
		}
	}
}

func TestAuthorisationMatrix(t *testing.T) {
	runMatrix(t, newEnv(t, envOptions{}))
}

func TestAuthorisationMatrixPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	runMatrix(t, newEnv(t, envOptions{backend: "postgres"}))
}
