package dossier_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
)

// stubLetters renders a one-page PDF with the signature box at a fixed
// place (the real forms are dossier/forms).
type stubLetters struct{}

func (stubLetters) Render(ctx context.Context, l *dossier.Letter) (*dossier.RenderedLetter, error) {
	var b bytes.Buffer
	if err := testpdf.Write(&b, testpdf.Options{Pages: 1}); err != nil {
		return nil, err
	}
	return &dossier.RenderedLetter{PDF: b.Bytes(), Page: 1, X: 300, Y: 80, Width: 250, Height: 90, Title: "Phiếu xin lỗi và hẹn lại ngày trả kết quả"}, nil
}

// signBytes signs b with cred (B-T) and returns the signed PDF.
func (h *harness) signBytes(b []byte, cred *signer.Credential) []byte {
	h.t.Helper()
	dir := h.t.TempDir()
	in, out := dir+"/in.pdf", dir+"/out.pdf"
	h.must(os.WriteFile(in, b, 0o600))
	_, err := signer.SignFile(h.ctx, in, out, &signer.Options{Credential: cred, Level: signer.LevelBT, TSA: h.pki.TSA(), Time: h.now})
	h.must(err)
	signed, err := os.ReadFile(out)
	h.must(err)
	return signed
}

func (h *harness) sign(code string, m *seed.Member, lineage int64, ap *signer.Appearance) *dossier.DocumentVersion {
	h.t.Helper()
	v, err := wire.SignVersion(h.ctx, h.eng, code, m.Actor, lineage, &signer.Options{Credential: m.Credential,
		Level: signer.LevelBT, TSA: h.pki.TSA(), Time: h.now, Appearance: ap})
	h.must(err)
	return v
}

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	var re *dossier.RuleError
	if !errors.As(err, &re) || re.Rule != rule {
		t.Fatalf("err = %v; want a refusal by rule %s", err, rule)
	}
}

func TestScenarioVinhPhucFullPath(t *testing.T) {
	h := newHarness(t, "2025-03-03T09:00:00+07:00") // Monday
	h.eng, _ = dossier.New(h.store, h.log, dossier.Options{Calendars: calendars(t),
		Inspector: inspectorOf(h), Letters: wire.Letters{}, Now: func() time.Time { return h.now }})
	w, err := seed.Build(h.ctx, h.eng, h.pki.DevPKI, "vinh-phuc", h.now)
	h.must(err)
	var raw bytes.Buffer
	h.must(testpdf.Write(&raw, testpdf.Options{Pages: 1}))
	signedForm := h.signBytes(raw.Bytes(), w.CitizenKey)

	d, err := h.eng.Submit(h.ctx, w.Citizen, dossier.Application{Unit: w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 4,
		Channel: dossier.ChannelOnline, Applicant: w.Applicant, Documents: []dossier.DocumentInput{
			{Source: dossier.SourceCitizen, Component: "TP1", Title: "Giấy đề nghị đăng ký hộ kinh doanh", Body: bytes.NewReader(signedForm)},
			{Source: dossier.SourceCitizen, Component: "TP2", Title: "Bản sao giấy tờ pháp lý của cá nhân", Body: pdf(t)},
		}})
	h.must(err)
	if d.State != dossier.StateSubmitted || !d.IntakeDeadline.Equal(mustTime(t, "2025-03-03T10:00:00+07:00")) {
		t.Fatalf("submitted: state %s, intake deadline %s", d.State, d.IntakeDeadline)
	}
	docs, err := h.eng.Documents(h.ctx, d.Code)
	h.must(err)
	if len(docs) != 2 || docs[0].Assessment.Status != dossier.StatusValid || docs[1].Assessment.Status != dossier.StatusProcessingOnly {
		for _, v := range docs {
			t.Logf("%s: %s", v.Title, v.Assessment.Summary)
		}
		t.Fatalf("assessments: want the signed form valid and the unsigned copy usable for processing only")
	}

	h.at("2025-03-03T09:30:00+07:00")
	d, err = h.eng.Accept(h.ctx, d.Code, w.Members[seed.Intake].Actor, "Hồ sơ hợp lệ")
	h.must(err)
	if want := mustTime(t, "2025-03-06T09:30:00+07:00"); !d.Deadline.Equal(want) {
		t.Fatalf("deadline %s, want %s (3 working days from acceptance)", d.Deadline, want)
	}
	_, err = h.eng.Transfer(h.ctx, d.Code, w.Members[seed.Intake].Actor, w.Units[seed.Agency].Code, 0)
	h.must(err)

	h.at("2025-03-03T14:00:00+07:00")
	d, err = h.eng.RequestSupplement(h.ctx, d.Code, w.Members[seed.Specialist].Actor, dossier.SupplementRequest{Items: []string{"Bản sao CCCD rõ nét"}})
	h.must(err)
	if !d.Paused || d.Remaining != 20*time.Hour {
		t.Fatalf("paused %v remaining %s", d.Paused, d.Remaining)
	}
	h.at("2025-03-05T10:00:00+07:00")
	d, err = h.eng.Supplement(h.ctx, d.Code, w.Citizen, []dossier.DocumentInput{{Source: dossier.SourceCitizen, Component: "TP2", Title: "Bản sao CCCD", Body: pdf(t)}})
	h.must(err)
	if want := mustTime(t, "2025-03-07T17:00:00+07:00"); d.State != dossier.StateProcessing || !d.Deadline.Equal(want) {
		t.Fatalf("after the supplement: %s, new appointment %s, want %s", d.State, d.Deadline, want)
	}
	_, err = h.eng.RequestSupplement(h.ctx, d.Code, w.Members[seed.Specialist].Actor, dossier.SupplementRequest{Items: []string{"x"}})
	wantRule(t, err, dossier.RuleSupplementOnce)

	// Extension with an apology letter signed by the agency.
	newDate := mustTime(t, "2025-03-14T16:00:00+07:00")
	letter, reqs, err := h.eng.DraftLetter(h.ctx, d.Code, w.Members[seed.Specialist].Actor, dossier.LetterRequest{Kind: dossier.LetterExtension,
		Reason: "Cần xác minh thêm thông tin", NewAppointment: newDate})
	h.must(err)
	if len(reqs) != 1 || reqs[0].Role != dossier.RoleSeal || reqs[0].Unit != w.Units[seed.Agency].Code {
		t.Fatalf("signing requests %+v; want the agency's seal", reqs)
	}
	_, err = h.eng.Extend(h.ctx, d.Code, w.Members[seed.Specialist].Actor, newDate, letter.Lineage)
	wantRule(t, err, dossier.RuleLetterSigned) // unsigned letters are not sent
	h.sign(d.Code, w.Members[seed.Seal], letter.Lineage, nil)
	d, err = h.eng.Extend(h.ctx, d.Code, w.Members[seed.Specialist].Actor, newDate, letter.Lineage)
	h.must(err)
	if !d.Late || !d.Deadline.Equal(newDate) {
		t.Fatalf("extended: late %v deadline %s", d.Late, d.Deadline)
	}
	_, err = h.eng.Extend(h.ctx, d.Code, w.Members[seed.Specialist].Actor, newDate.Add(time.Hour), letter.Lineage)
	wantRule(t, err, dossier.RuleExtensionOnce)

	// The result: drafted by the specialist, signed by the head (visible,
	// with the QR) and sealed by the agency.
	h.at("2025-03-12T09:00:00+07:00")
	res, err := h.eng.AddDocument(h.ctx, d.Code, w.Members[seed.Specialist].Actor, dossier.DocumentInput{Role: dossier.DocResult,
		Source: dossier.SourceIssued, Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Body: pdf(t)})
	h.must(err)
	_, err = h.eng.RecordResult(h.ctx, d.Code, w.Members[seed.Specialist].Actor, res.Lineage)
	wantRule(t, err, dossier.RuleResultSignatures)
	vcode, err := h.eng.VerificationCode(h.ctx, d.Code, w.Members[seed.Specialist].Actor, res.Lineage)
	h.must(err)
	head := w.Members[seed.Head]
	h.sign(d.Code, head, res.Lineage, &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: signer.Rect{X: 300, Y: 80, W: 250, H: 90},
		Name: head.Staff.FullName, Title: head.Staff.Title, QR: "https://kyso.example/v/" + vcode})
	h.sign(d.Code, w.Members[seed.Seal], res.Lineage, nil)
	d, err = h.eng.RecordResult(h.ctx, d.Code, w.Members[seed.Specialist].Actor, res.Lineage)
	h.must(err)
	if d.State != dossier.StateSigned || d.ResultLate {
		t.Fatalf("result: state %s late %v", d.State, d.ResultLate)
	}
	lk, err := h.eng.Lookup(h.ctx, vcode)
	h.must(err)
	if lk.Dossier.Code != d.Code || lk.Result.Version != 3 {
		t.Fatalf("lookup: %s v%d", lk.Dossier.Code, lk.Result.Version)
	}

	d, err = h.eng.ReadyForReturn(h.ctx, d.Code, w.Members[seed.Seal].Actor)
	h.must(err)
	_, err = h.eng.Return(h.ctx, d.Code, w.Members[seed.Intake].Actor)
	wantRule(t, err, dossier.RuleFees)
	_, err = h.eng.PayFee(h.ctx, d.Code, w.Members[seed.Intake].Actor, 100000, "BL-0001")
	h.must(err)
	d, err = h.eng.CheckOriginals(h.ctx, d.Code, w.Members[seed.Intake].Actor, true, "")
	h.must(err)
	docs, err = h.eng.Documents(h.ctx, d.Code)
	h.must(err)
	for _, v := range docs {
		if v.Source == dossier.SourceCitizen && v.Assessment.Status != dossier.StatusValid {
			t.Errorf("%s after the originals check: %s", v.Title, v.Assessment.Summary)
		}
	}
	d, err = h.eng.Return(h.ctx, d.Code, w.Members[seed.Intake].Actor)
	h.must(err)
	if d.State != dossier.StateReturned {
		t.Fatalf("state %s", d.State)
	}
	rep, err := h.eng.MonthlyReport(h.ctx, h.now, nil)
	h.must(err)
	if tt := rep.Totals; tt.Received != 1 || tt.Accepted != 1 || tt.Finished != 1 || tt.Late != 1 || tt.OnTime != 0 ||
		tt.Extended != 1 || tt.Apologies != 1 || tt.Returned != 1 || len(rep.Late) != 1 || rep.Late[0].Person != "Lê Văn Cường" {
		t.Errorf("monthly report totals %+v, late %+v", tt, rep.Late)
	}
	if want := mustTime(t, "2025-04-20T17:00:00+07:00"); !rep.DueBy.Equal(want) {
		t.Errorf("report due %s, want %s (QĐ 03/2020 Đ24)", rep.DueBy, want)
	}
	vr, err := h.log.Verify(h.ctx)
	h.must(err)
	t.Logf("dossier %s: %d events, log of %d entries verifies", d.Code, len(d.Events), vr.Entries)
	_ = io.Discard
}

func inspectorOf(h *harness) dossier.Inspector {
	return &wire.Inspector{Trust: h.pki.TrustStore(), AllowOnline: true}
}
