package api

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// TestDossierThroughTheAPI walks a desk dossier from submission to
// return through HTTP only: intake, the agency's specialist, the head
// signing the result with the server key (visible, with the QR of the
// verification code), the seal keeper through the two-phase flow, and the
// return. The signed result verifies and its QR leads to the dossier.
func TestDossierThroughTheAPI(t *testing.T) {
	e := newEnv(t, envOptions{cfg: func(c *Config) { c.PublicURL = "https://dichvucong.vinhphuc.example" }})
	who := func(key string) *client { return e.session(e.vp.Members[key].Staff.Username) }
	intake, spec, head, seal := who(seed.Intake), who(seed.Specialist), who(seed.Head), who(seed.Seal)
	var d dossier.Dossier
	r := intake.post("/api/v1/dossiers", submitRequest{Unit: e.vp.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2,
		Channel: dossier.ChannelDesk, Applicant: e.vp.Applicant})
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	r.json(t, &d)
	base := "/api/v1/dossiers/" + d.Code
	step := func(c *client, path string, body any, want dossier.State) {
		t.Helper()
		r := c.post(base+path, body)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		r.json(t, &d)
		if d.State != want {
			t.Fatalf("%s: state %s, want %s", path, d.State, want)
		}
	}
	step(intake, "/accept", reasonRequest{Reason: "Hồ sơ hợp lệ"}, dossier.StateAccepted)
	// Staff of the agency do not see it before it is transferred.
	if r := spec.get(base); r.status != 404 {
		t.Fatalf("the agency sees an untransferred dossier: %d", r.status)
	}
	step(intake, "/transfer", transferRequest{To: e.vp.Units[seed.Agency].Code}, dossier.StateProcessing)
	step(intake, "/fees", feeRequest{Amount: 100000, Receipt: "BL-0001"}, dossier.StateProcessing)
	up := spec.upload(base+"/documents", uploadMetadata{Role: dossier.DocResult, Source: dossier.SourceIssued, Title: "Giấy chứng nhận đăng ký hộ kinh doanh"}, pdfBytes())
	if up.status != 201 {
		t.Fatalf("result upload: %d %s", up.status, up.body)
	}
	var res dossier.DocumentVersion
	up.json(t, &res)
	// The specialist cannot sign the result; the head can, with the server key.
	if r := spec.post("/api/v1/documents/"+itoa(res.ID)+"/sign", signRequest{}); r.status != 403 {
		t.Fatalf("specialist signing a result: %d %s", r.status, r.body)
	}
	r = head.post("/api/v1/documents/"+itoa(res.ID)+"/sign", signRequest{})
	if r.status != 201 {
		t.Fatalf("head sign: %d %s", r.status, r.body)
	}
	var v2 dossier.DocumentVersion
	r.json(t, &v2)
	if v2.Version != 2 || v2.Lineage != res.Lineage {
		t.Fatalf("signed version %d of %d", v2.Version, v2.Lineage)
	}
	// The seal keeper, two-phase: prepare with the seal certificate, sign
	// the digest where the key is, complete.
	sealCred := e.vp.Members[seed.Seal].Credential
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sealCred.Certificate.Raw}))
	// The head cannot prepare with the seal certificate.
	if r := head.post("/api/v1/documents/"+itoa(res.ID)+"/sign/prepare", prepareRequest{Certificate: certPEM}); r.status != 403 {
		t.Fatalf("head preparing with the unit seal: %d %s", r.status, r.body)
	}
	r = seal.post("/api/v1/documents/"+itoa(res.ID)+"/sign/prepare", prepareRequest{Certificate: certPEM})
	if r.status != 201 {
		t.Fatalf("prepare: %d %s", r.status, r.body)
	}
	var ps preparedSignature
	r.json(t, &ps)
	if ps.Document != v2.ID || ps.Hash != "SHA-256" {
		t.Fatalf("prepared %+v", ps)
	}
	tbs, _ := base64.StdEncoding.DecodeString(ps.ToBeSigned)
	sig, err := sealCred.Signer.Sign(rand.Reader, tbs, crypto.SHA256)
	e.must(err)
	// A wrong signature value is refused and leaves the session usable.
	if r := seal.post("/api/v1/signing-sessions/"+ps.SessionID+"/complete", completeRequest{Signature: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, len(sig)))}); r.status != 422 {
		t.Fatalf("bad signature value: %d %s", r.status, r.body)
	}
	r = seal.post("/api/v1/signing-sessions/"+ps.SessionID+"/complete", completeRequest{Signature: base64.StdEncoding.EncodeToString(sig)})
	if r.status != 201 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	var v3 dossier.DocumentVersion
	r.json(t, &v3)
	if r := seal.post("/api/v1/signing-sessions/"+ps.SessionID+"/complete", completeRequest{Signature: base64.StdEncoding.EncodeToString(sig)}); r.status != 409 {
		t.Fatalf("second completion: %d %s", r.status, r.body)
	}
	if v3.Assessment == nil || v3.Assessment.Status != dossier.StatusValid {
		t.Fatalf("the result signed by head and seal: %+v", v3.Assessment)
	}
	step(spec, "/result", documentRef{Document: res.Lineage}, dossier.StateSigned)
	step(seal, "/ready", nil, dossier.StateReady)
	step(intake, "/return", nil, dossier.StateReturned)

	// The signed result: two valid signatures; the head's appearance
	// carries the QR of the verification code, which resolves.
	dl := intake.get("/api/v1/documents/" + itoa(v3.ID) + "/content")
	if dl.status != 200 || dl.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d", dl.status)
	}
	tok := e.tokenFor(e.vp.Members[seed.Intake].Staff.Username, ScopeVerify)
	vr := tok.do(http.MethodPost, "/api/v1/verify", bytes.NewReader(dl.body), "application/pdf", nil)
	var rep verifier.Report
	vr.json(t, &rep)
	if vr.status != 200 || rep.Indication != verifier.TotalPassed || len(rep.Signatures) != 2 {
		t.Fatalf("verify: %d %s, %d signatures", vr.status, rep.Indication, len(rep.Signatures))
	}
	if !bytes.Contains(dl.body, []byte("/Subtype /Image")) && !bytes.Contains(dl.body, []byte("/Subtype/Image")) {
		t.Error("no image (QR) in the signed result")
	}
	lk, err := e.eng.Dossier(e.ctx, d.Code)
	e.must(err)
	found := false
	for _, ev := range lk.Events {
		found = found || ev.Kind == "verification_code"
	}
	if !found {
		t.Error("no verification code was issued for the result")
	}
	// Evidence: the signatures, with their flows.
	flows := map[string]bool{}
	n, _ := e.log.Size(e.ctx)
	for i := range n {
		en, err := e.log.Entry(e.ctx, i)
		e.must(err)
		if en.Type == "signature.made" {
			var m map[string]any
			json.Unmarshal(en.Data, &m)
			flows[m["flow"].(string)+"/"+m["kind"].(string)] = true
		}
	}
	if !flows["server/personal"] || !flows["external/organisation"] {
		t.Fatalf("signature entries: %v", flows)
	}
	// Provenance and validation endpoints answer for the version.
	if r := intake.get("/api/v1/documents/" + itoa(v3.ID) + "/provenance"); r.status != 200 || !strings.Contains(string(r.body), dossier.StatusValid) {
		t.Fatalf("provenance: %d %s", r.status, r.body)
	}
	if r := intake.get("/api/v1/documents/" + itoa(v3.ID) + "/validation"); r.status != 200 || !strings.Contains(string(r.body), "TOTAL_PASSED") && !strings.Contains(string(r.body), "TOTAL-PASSED") {
		t.Fatalf("validation: %d %.200s", r.status, r.body)
	}
}

func TestTwoPhaseSessionRules(t *testing.T) {
	now := time.Now()
	e := newEnv(t, envOptions{auth: AuthConfig{Now: func() time.Time { return now }}})
	d := e.processing()
	res := e.result(d)
	head := e.session(e.vp.Members[seed.Head].Staff.Username)
	cred := e.vp.Members[seed.Head].Credential
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cred.Certificate.Raw}))
	prepare := func(id int64) preparedSignature {
		r := head.post("/api/v1/documents/"+itoa(id)+"/sign/prepare", prepareRequest{Certificate: certPEM})
		if r.status != 201 {
			t.Fatalf("prepare: %d %s", r.status, r.body)
		}
		var ps preparedSignature
		r.json(t, &ps)
		return ps
	}
	signValue := func(ps preparedSignature) string {
		tbs, _ := base64.StdEncoding.DecodeString(ps.ToBeSigned)
		sig, err := cred.Signer.Sign(rand.Reader, tbs, crypto.SHA256)
		e.must(err)
		return base64.StdEncoding.EncodeToString(sig)
	}
	// Another staff member's certificate is refused.
	other := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.vp.Members[seed.Specialist].Credential.Certificate.Raw}))
	if r := head.post("/api/v1/documents/"+itoa(res.ID)+"/sign/prepare", prepareRequest{Certificate: other}); r.status != 403 {
		t.Fatalf("someone else's certificate: %d %s", r.status, r.body)
	}
	// The document changes between prepare and complete: refused.
	ps := prepare(res.ID)
	e.signAs(d, seed.Seal, res.Lineage)
	r := head.post("/api/v1/signing-sessions/"+ps.SessionID+"/complete", completeRequest{Signature: signValue(ps)})
	if r.status != 409 || r.problem(t).Type != problemBase+"document-changed" {
		t.Fatalf("document changed: %d %s", r.status, r.body)
	}
	// Sessions expire.
	ps = prepare(res.ID)
	now = now.Add(signer.DefaultSessionLifetime + time.Minute)
	r = head.post("/api/v1/signing-sessions/"+ps.SessionID+"/complete", completeRequest{Signature: signValue(ps)})
	if r.status != 410 {
		t.Fatalf("expired session: %d %s", r.status, r.body)
	}
	now = time.Now()
	// Batch: three results of three dossiers, one not the head's to sign.
	var ids []int64
	for range 2 {
		dd := e.processing()
		ids = append(ids, e.result(dd).ID)
	}
	comp := e.component(e.processing())
	ids = append(ids, comp.ID)
	body := map[string]any{"certificate": certPEM, "documents": []map[string]any{{"id": ids[0]}, {"id": ids[1]}, {"id": ids[2]}, {"id": 999999}}}
	r = head.post("/api/v1/signing/batch/prepare", body)
	var bp batchPrepared
	r.json(t, &bp)
	if r.status != 200 || len(bp.Results) != 4 || bp.Results[0].Prepared == nil || bp.Results[1].Prepared == nil ||
		bp.Results[2].Problem == nil || bp.Results[3].Problem == nil || bp.Results[3].Problem.Status != 404 {
		t.Fatalf("batch prepare: %d %s", r.status, r.body)
	}
	var sigs []map[string]any
	for _, res := range bp.Results[:2] {
		sigs = append(sigs, map[string]any{"session_id": res.Prepared.SessionID, "signature": signValue(*res.Prepared)})
	}
	sigs = append(sigs, map[string]any{"session_id": "unknown", "signature": "AAAA"})
	r = head.post("/api/v1/signing/batch/complete", map[string]any{"signatures": sigs})
	var bc batchCompleted
	r.json(t, &bc)
	if r.status != 200 || len(bc.Results) != 3 || bc.Results[0].Document == nil || bc.Results[1].Document == nil || bc.Results[2].Problem == nil {
		t.Fatalf("batch complete: %d %s", r.status, r.body)
	}
	for _, res := range bc.Results[:2] {
		if res.Document.Version != 2 || len(res.Document.Inspection.Signatures) != 1 || !res.Document.Inspection.Signatures[0].Valid {
			t.Errorf("batch-signed %d: version %d, %+v", res.Document.Lineage, res.Document.Version, res.Document.Inspection)
		}
	}
}

func TestListVisibilityAndPaging(t *testing.T) {
	e := newEnv(t, envOptions{})
	var mine []string
	for range 5 {
		mine = append(mine, e.processing().Code)
	}
	centreOnly := e.deskDossier().Code
	spec := e.session(e.vp.Members[seed.Specialist].Staff.Username)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		r := spec.get("/api/v1/dossiers?limit=2&cursor=" + cursor)
		if r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var p dossierPage
		r.json(t, &p)
		for _, d := range p.Dossiers {
			got = append(got, d.Code)
		}
		if p.NextCursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		cursor = p.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(mine, ",") {
		t.Fatalf("the agency's specialist lists %v; want exactly %v (not %s)", got, mine, centreOnly)
	}
	other := e.session(e.cb.Members[seed.Specialist].Staff.Username)
	var p dossierPage
	other.get("/api/v1/dossiers").json(t, &p)
	if len(p.Dossiers) != 0 {
		t.Fatalf("another province's specialist lists %d dossiers", len(p.Dossiers))
	}
	if r := spec.get("/api/v1/dossiers?cursor=bm90LW91cnM"); r.status != 400 {
		t.Fatalf("a forged cursor: %d", r.status)
	}
	// An evidence entry about a dossier is shown only to who sees it.
	var ent entryJSON
	d, _ := e.eng.Dossier(e.ctx, centreOnly)
	idx := itoa(int64(d.LastEvent().LogIndex))
	if r := spec.get("/api/v1/log/entries/" + idx); r.status != 404 {
		t.Fatalf("entry of an unseen dossier: %d", r.status)
	}
	r := e.session(e.vp.Members[seed.Intake].Staff.Username).get("/api/v1/log/entries/" + idx)
	r.json(t, &ent)
	if r.status != 200 || !strings.Contains(string(mustJSON(ent.Body)), centreOnly) {
		t.Fatalf("entry: %d %s", r.status, r.body)
	}
	// Proofs check offline against the checkpoint.
	var pr proofJSON
	spec.get("/api/v1/log/proofs/inclusion?index="+idx).json(t, &pr)
	cp, err := evidence.ParseCheckpoint([]byte(pr.Checkpoint.Note), e.log.Verifier())
	e.must(err)
	var proof [][]byte
	for _, h := range pr.Proof {
		b, _ := base64.StdEncoding.DecodeString(h)
		proof = append(proof, b)
	}
	raw, _ := base64.StdEncoding.DecodeString(ent.Raw)
	if err := evidence.VerifyInclusion(cp, d.LastEvent().LogIndex, raw, proof); err != nil {
		t.Fatalf("inclusion proof: %v", err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deskDossier()
	e.deskDossier()
	e.processing()
	d := e.processing()
	v := e.result(d)
	head := e.session(e.vp.Members[seed.Head].Staff.Username)
	cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.vp.Members[seed.Head].Credential.Certificate.Raw}))
	if r := head.post("/api/v1/documents/"+itoa(v.ID)+"/sign/prepare", prepareRequest{Certificate: cert}); r.status != 201 {
		t.Fatalf("prepare: %d", r.status)
	}
	head.post("/api/v1/documents/"+itoa(v.ID)+"/sign", signRequest{})
	r := e.anonymous().get("/metrics")
	body := string(r.body)
	for _, want := range []string{
		`kyso_dossiers{state="received"} 2`,
		`kyso_dossiers{state="processing"} 2`,
		`kyso_signing_sessions_open 1`,
		`kyso_queue_scrape_ok 1`,
		`kyso_http_request_duration_seconds_count{method="POST",route="/api/v1/documents/{id}/sign",status="201"} 1`,
		`kyso_sign_duration_seconds_count{flow="server"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestMonthlyReport(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.resultSigned()
	month := time.Now().In(ict).Format("2006-01")
	head := e.session(e.vp.Members[seed.Head].Staff.Username)
	r := head.get("/api/v1/reports/monthly?month=" + month)
	var rep dossier.MonthlyReport
	r.json(t, &rep)
	if r.status != 200 || rep.Month != month || len(rep.Rows) == 0 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	for _, row := range rep.Rows {
		if row.Unit != e.vp.Units[seed.Agency].Code {
			t.Errorf("the agency head's report has a row of %s", row.Unit)
		}
	}
	if rep.Totals.Finished != 1 {
		t.Errorf("finished %d, want 1", rep.Totals.Finished)
	}
	if r := head.get("/api/v1/reports/monthly?month=" + month + "&unit=" + e.vp.Units[seed.Centre].Code); r.status != 403 {
		t.Fatalf("another unit's report: %d", r.status)
	}
	csv := head.get("/api/v1/reports/monthly?format=csv&month=" + month)
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.body), e.vp.Units[seed.Agency].Code) {
		t.Fatalf("csv: %d %s %.200s", csv.status, csv.header.Get("Content-Type"), csv.body)
	}
	if r := head.get("/api/v1/reports/monthly?month=2025-13"); r.status != 400 {
		t.Fatalf("bad month: %d", r.status)
	}
}
