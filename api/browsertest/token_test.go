package browsertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	"github.com/chromedp/chromedp"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/signagent"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer"
)

// tokenAgent puts a new key for m on the SoftHSM token, has the PKI
// certify it with m's name and CCCD, serves a sign agent with it for the
// console's origin, and removes m's server-held key.
func tokenAgent(t *testing.T, e *env, p11cfg testenv.PKCS11Config, m *seed.Member) *httptest.Server {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	label := m.Staff.Username + "-" + hex.EncodeToString(b)
	p11, err := crypto11.Configure(&crypto11.Config{Path: p11cfg.Module, TokenLabel: p11cfg.Token, Pin: p11cfg.Pin})
	e.must(err)
	t.Cleanup(func() { p11.Close() })
	key, err := p11.GenerateRSAKeyPairWithLabel([]byte(label), []byte(label), 2048)
	e.must(err)
	ident, err := e.pki.IssueForKey(label, certs.IssueRequest{Kind: certs.KindPersonal, NotBefore: time.Now().Add(-time.Hour),
		Subject: certs.Subject{CommonName: m.Staff.FullName, Title: m.Staff.Title, Organization: "Ủy ban nhân dân tỉnh Vĩnh Phúc",
			Province: "Vĩnh Phúc", UID: "CCCD:" + m.Staff.PersonalID}}, key)
	e.must(err)
	e.must(p11.ImportCertificateWithLabel([]byte(label), []byte(label), ident.Certificate))
	cred, err := signer.OpenPKCS11(signer.PKCS11Config{Module: p11cfg.Module, TokenLabel: p11cfg.Token, KeyLabel: label, PIN: p11cfg.Pin}, nil)
	e.must(err)
	t.Cleanup(func() { cred.Close() })
	agent := &signagent.Agent{Signer: cred.Signer, Certificate: cred.Certificate, Chain: e.pki.Chain(), AllowOrigins: []string{e.ts.URL}}
	as := httptest.NewServer(agent.Handler())
	t.Cleanup(as.Close)
	e.must(removeServerKey(e, m.Staff.Username))
	return as
}

// TestDeskBatchWithUSBToken: an intake officer whose key is on a token
// digitizes a batch at the desk; the documents are stored unsigned ("not
// valid": no signature yet), then one click signs the whole batch through
// the agent — one request with every digest — and each becomes legally
// valid.
func TestDeskBatchWithUSBToken(t *testing.T) {
	chromium(t)
	p11cfg := testenv.PKCS11(t)
	t.Setenv("SOFTHSM2_CONF", p11cfg.Conf)
	e := newEnv(t, nil)
	intake := e.member(seed.Intake)
	as := tokenAgent(t, e, p11cfg, intake)
	d, err := e.eng.Submit(e.ctx, intake.Actor, dossier.Application{Unit: e.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2,
		Channel: dossier.ChannelDesk, Applicant: dossier.Applicant{Name: "Lê Thị Hoa", IDNumber: "026190007777"}})
	e.must(err)
	files := writeFiles(t, map[string][]byte{"a.jpg": a4Scan(t, 3), "b.jpg": a4Scan(t, 4), "c.jpg": a4Scan(t, 5)}, []string{"a.jpg", "b.jpg", "c.jpg"})

	br := e.browser()
	br.login(intake.Staff.Username)
	br.run("digitize page", chromedp.Navigate(e.ts.URL+"/console/dossiers/"+d.Code+"/digitize"), chromedp.WaitVisible(chromedp.ID("digitize-form")))
	br.wantText("no server key", "Ký bằng USB token")
	br.run("choose the scans", chromedp.SetUploadFiles(chromedp.ID("scans"), files))
	br.submit("digitize unsigned", `#digitize-submit`, `#produced`)
	br.wantText("stored unsigned", "Chưa có giá trị pháp lý", "Chưa có chữ ký số")
	if n := br.count(`article.produced`); n != 3 {
		t.Fatalf("%d documents, want 3", n)
	}
	br.run("agent address", chromedp.SetValue(chromedp.CSS(`.agent-url`), as.URL))
	br.run("sign the batch", chromedp.Click(chromedp.CSS(`.agent-sign`)))
	br.poll("batch signed", `document.querySelector(".agent[data-agent-done], .agent[data-agent-error]") !== null`)
	if msg := eval[string](br, "agent error", `(document.querySelector(".agent[data-agent-error]") || {getAttribute: () => ""}).getAttribute("data-agent-error") || ""`); msg != "" {
		t.Fatalf("signing the batch failed: %s", msg)
	}
	if n := eval[string](br, "count", `document.querySelector(".agent").getAttribute("data-agent-done")`); n != "3" {
		t.Fatalf("signed %s documents, want 3", n)
	}
	br.shot("desk-batch-token-signed")
	// The page goes on to the dossier (it does not post the upload again).
	br.run("to the dossier", chromedp.WaitVisible(chromedp.ID("dossier-code")))
	br.wantText("dossier after the batch", "Đã ký số văn bản", "Lê Thị Hoa")
	docs, err := e.eng.Documents(e.ctx, d.Code)
	e.must(err)
	valid := 0
	for _, l := range docs {
		if l.Version == 2 && l.Assessment.Status == dossier.StatusValid && l.Inspection.Signatures[0].Name == intake.Staff.FullName {
			valid++
		}
	}
	if valid != 3 {
		for _, l := range docs {
			t.Logf("%s v%d: %s", l.Title, l.Version, l.Assessment.Summary)
		}
		t.Fatalf("%d signed valid versions, want 3", valid)
	}
}

// TestHeadSignsWithUSBToken: the head's personal key is on a token
// (SoftHSM), not on the server. From the signing queue the head clicks
// "Ký bằng USB token": the page asks the local sign agent for the
// certificate, prepares the signature through the JSON API, has the agent
// sign the digest and completes it. The result then carries the head's
// valid personal signature.
func TestHeadSignsWithUSBToken(t *testing.T) {
	chromium(t)
	p11cfg := testenv.PKCS11(t)
	t.Setenv("SOFTHSM2_CONF", p11cfg.Conf)
	e := newEnv(t, nil)
	head, intake, specialist := e.member(seed.Head), e.member(seed.Intake), e.member(seed.Specialist)

	// The head's key on the token, served by a sign agent; the server
	// holds no key for the head here.
	as := tokenAgent(t, e, p11cfg, head)

	// A dossier at the agency with an unsigned result.
	d, err := e.eng.Submit(e.ctx, intake.Actor, dossier.Application{Unit: e.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2,
		Channel: dossier.ChannelDesk, Applicant: e.w.Applicant})
	e.must(err)
	_, err = e.eng.Accept(e.ctx, d.Code, intake.Actor, "Hồ sơ hợp lệ")
	e.must(err)
	_, err = e.eng.Transfer(e.ctx, d.Code, intake.Actor, e.w.Units[seed.Agency].Code, 0)
	e.must(err)
	res, err := e.eng.AddDocument(e.ctx, d.Code, specialist.Actor, dossier.DocumentInput{Role: dossier.DocResult, Source: dossier.SourceIssued,
		Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: bytes.NewReader(testpdf.Bytes(testpdf.Options{Pages: 1}))})
	e.must(err)

	br := e.browser()
	br.login(head.Staff.Username)
	br.run("head queue", chromedp.Navigate(e.ts.URL+"/console/sign/head"), chromedp.WaitVisible(chromedp.CSS(`.agent-sign`)))
	br.wantText("queue without a server key", "Máy chủ không giữ khóa ký của bạn", "Giấy chứng nhận đăng ký hộ kinh doanh")
	br.run("agent address", chromedp.SetValue(chromedp.CSS(`.agent-url`), as.URL))
	br.shot("token-queue")
	br.run("sign with the token", chromedp.Click(chromedp.CSS(`.agent-sign`)))
	br.poll("signed through the agent", `document.querySelector(".agent[data-agent-done], .agent[data-agent-error]") !== null || document.getElementById("queue-empty") !== null`)
	if msg := eval[string](br, "agent error", `(document.querySelector(".agent[data-agent-error]") || {getAttribute: () => ""}).getAttribute("data-agent-error") || ""`); msg != "" {
		t.Fatalf("signing with the token failed: %s", msg)
	}
	br.shot("token-signed")

	v, err := e.eng.Latest(e.ctx, res.Lineage)
	e.must(err)
	if v.Version != 2 || v.Inspection == nil || len(v.Inspection.Signatures) != 1 {
		t.Fatalf("after the token signature: version %d, inspection %+v", v.Version, v.Inspection)
	}
	s := v.Inspection.Signatures[0]
	if !s.Valid || s.Organisation || s.Name != head.Staff.FullName || s.IDNumber != head.Staff.PersonalID {
		t.Fatalf("signature %+v: want the head's valid personal signature", s)
	}
	ok := false
	for _, c := range v.Assessment.Conditions {
		if c.Held && c.Text == "Chữ ký số của người có thẩm quyền (lãnh đạo cơ quan giải quyết)" {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("assessment %s: the head's signature does not count", v.Assessment.Summary)
	}
	// The queue reloads empty.
	br.run("queue reloads", chromedp.WaitVisible(chromedp.ID("queue-empty")))
}
