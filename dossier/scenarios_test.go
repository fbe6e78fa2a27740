package dossier_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// world is a harness with a seeded province.
type world struct {
	*harness
	w *seed.World
}

func newWorld(t *testing.T, profile, start string) *world {
	return newWorldOn(t, profile, start, "sqlite")
}

func newWorldOn(t *testing.T, profile, start, backend string) *world {
	h := newHarnessOn(t, start, backend)
	var err error
	h.eng, err = dossier.New(h.store, h.log, dossier.Options{Calendars: calendars(t),
		Inspector: inspectorOf(h), Letters: wire.Letters{}, Now: func() time.Time { return h.now }})
	h.must(err)
	w, err := seed.Build(h.ctx, h.eng, h.pki.DevPKI, profile, h.now)
	h.must(err)
	return &world{h, w}
}

func (x *world) m(key string) *seed.Member { return x.w.Members[key] }

// submit files a dossier for procedure at level; signed: the applicant signs
// the components.
func (x *world) submit(procedure string, level int, signed bool) *dossier.Dossier {
	x.t.Helper()
	var raw bytes.Buffer
	x.must(writePDF(&raw))
	body := raw.Bytes()
	if signed {
		body = x.signBytes(body, x.w.CitizenKey)
	}
	d, err := x.eng.Submit(x.ctx, x.w.Citizen, dossier.Application{Unit: x.w.Units[seed.Centre].Code, Procedure: procedure, Level: level,
		Channel: dossier.ChannelOnline, Applicant: x.w.Applicant, Documents: []dossier.DocumentInput{
			{Source: dossier.SourceCitizen, Component: "TP1", Title: "Đơn đề nghị", Body: bytes.NewReader(body)}}})
	x.must(err)
	return d
}

func writePDF(b *bytes.Buffer) error {
	_, err := b.ReadFrom(pdfReader())
	return err
}

// acceptAndTransfer accepts at the centre and sends the dossier to unit key.
func (x *world) acceptAndTransfer(code, unitKey string) *dossier.Dossier {
	x.t.Helper()
	_, err := x.eng.Accept(x.ctx, code, x.m(seed.Intake).Actor, "Hồ sơ hợp lệ")
	x.must(err)
	d, err := x.eng.Transfer(x.ctx, code, x.m(seed.Intake).Actor, x.w.Units[unitKey].Code, 0)
	x.must(err)
	return d
}

// signedDocument adds a document of role at the processing unit and has it
// signed by the head and the seal of that unit.
func (x *world) signedDocument(code, role string, by *seed.Member, head *seed.Member, seal *signer.Credential, sealKeeper *seed.Member) *dossier.DocumentVersion {
	x.t.Helper()
	v, err := x.eng.AddDocument(x.ctx, code, by.Actor, dossier.DocumentInput{Role: role, Source: dossier.SourceIssued,
		Title: "Kết quả " + role, Body: pdfReader()})
	x.must(err)
	x.sign(code, head, v.Lineage, nil)
	keeper := *sealKeeper
	keeper.Credential = seal
	return x.sign(code, &keeper, v.Lineage, nil)
}

func TestVoidAtDay16(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	d := x.submit("1.001612", 3, false)
	x.acceptAndTransfer(d.Code, seed.Agency)
	x.at("2025-03-17T09:00:00+07:00") // day 14 after acceptance on 3 March
	_, err := x.eng.Void(x.ctx, d.Code, dossier.System)
	wantRule(t, err, dossier.RuleOriginalsDeadline)
	x.at("2025-03-19T08:00:00+07:00") // day 16
	d, err = x.eng.Void(x.ctx, d.Code, dossier.System)
	x.must(err)
	if d.State != dossier.StateVoid || !d.State.Final() {
		t.Fatalf("state %s", d.State)
	}
	_, err = x.eng.Accept(x.ctx, d.Code, x.m(seed.Intake).Actor, "")
	wantRule(t, err, dossier.RuleLifecycle)
	// A level-4 dossier is never voided for originals.
	d4 := x.submit("1.001612", 4, true)
	x.acceptAndTransfer(d4.Code, seed.Agency)
	x.at("2025-04-30T08:00:00+07:00")
	_, err = x.eng.Void(x.ctx, d4.Code, dossier.System)
	wantRule(t, err, dossier.RuleOriginalsDeadline)
	verifyLog(x.harness)
}

func TestForgeryCancelsTheResult(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	d := x.submit("1.001612", 3, false)
	x.acceptAndTransfer(d.Code, seed.Agency)
	res := x.signedDocument(d.Code, dossier.DocResult, x.m(seed.Specialist), x.m(seed.Head), x.w.Seals[seed.Agency], x.m(seed.Seal))
	_, err := x.eng.RecordResult(x.ctx, d.Code, x.m(seed.Specialist).Actor, res.Lineage)
	x.must(err)
	_, err = x.eng.ReadyForReturn(x.ctx, d.Code, x.m(seed.Seal).Actor)
	x.must(err)
	_, err = x.eng.Return(x.ctx, d.Code, x.m(seed.Intake).Actor)
	wantRule(t, err, dossier.RuleOriginals) // level 3: the originals first
	_, err = x.eng.CheckOriginals(x.ctx, d.Code, x.m(seed.Intake).Actor, false, "")
	if !errors.Is(err, dossier.ErrInvalid) {
		t.Fatalf("a forgery finding without saying what differs: %v", err)
	}
	d, err = x.eng.CheckOriginals(x.ctx, d.Code, x.m(seed.Intake).Actor, false, "Bản gốc CCCD khác số với bản điện tử")
	x.must(err)
	if d.State != dossier.StateCancelled {
		t.Fatalf("state %s", d.State)
	}
	_, err = x.eng.Return(x.ctx, d.Code, x.m(seed.Intake).Actor)
	wantRule(t, err, dossier.RuleLifecycle)
	verifyLog(x.harness)
}

func TestInterAgencyChainOfThree(t *testing.T) {
	x := newWorld(t, "binh-phuoc", "2025-03-03T08:00:00+07:00")
	p, err := x.eng.Profiles().Profile("binh-phuoc")
	x.must(err)
	var chain *dossier.Procedure
	for i := range p.Procedures {
		if len(p.Procedures[i].Chain) == 3 {
			chain = &p.Procedures[i]
		}
	}
	if chain == nil {
		t.Fatal("binh-phuoc has no three-step procedure")
	}
	d := x.submit(chain.Code, chain.Levels[len(chain.Levels)-1], true)
	// Steps: the commune, the district, the province department.
	x.acceptAndTransfer(d.Code, seed.Commune)
	commune := x.m(seed.CommuneHead)
	sealCommune := &seed.Member{Staff: commune.Staff, Actor: dossier.Actor{Username: commune.Staff.Username, Role: dossier.RoleSeal, Unit: commune.Staff.Unit}}
	// No transfer before the step's signed result.
	_, err = x.eng.Transfer(x.ctx, d.Code, x.m(seed.CommuneIntake).Actor, x.w.Units[seed.District].Code, 0)
	if err == nil {
		t.Fatal("transfer to the next agency without the step result")
	}
	step := x.signedDocument(d.Code, dossier.DocStepResult, &seed.Member{Actor: dossier.Actor{Username: x.m(seed.CommuneIntake).Staff.Username,
		Role: dossier.RoleSpecialist, Unit: x.w.Units[seed.Commune].Code}}, commune, x.w.Seals[seed.Commune], sealCommune)
	_, err = x.eng.RecordResult(x.ctx, d.Code, commune.Actor, step.Lineage)
	wantRule(t, err, dossier.RuleChainStep) // not the last step
	_, err = x.eng.Transfer(x.ctx, d.Code, commune.Actor, x.w.Units[seed.District].Code, step.Lineage)
	x.must(err)
	step2 := x.signedDocument(d.Code, dossier.DocStepResult, x.m(seed.DistrictOfficer), x.m(seed.DistrictHead), x.w.Seals[seed.District], x.m(seed.DistrictSeal))
	// The district's result signed by the commune's seal would not do: it is step 2's unit that signs.
	d, err = x.eng.Transfer(x.ctx, d.Code, x.m(seed.DistrictOfficer).Actor, x.w.Units[seed.Agency].Code, step2.Lineage)
	x.must(err)
	if d.Step != 3 || d.ProcessingUnit != x.w.Units[seed.Agency].Code || len(d.StepResults) != 2 {
		t.Fatalf("at step %d in %s with %v", d.Step, d.ProcessingUnit, d.StepResults)
	}
	_, err = x.eng.Transfer(x.ctx, d.Code, x.m(seed.Specialist).Actor, x.w.Units[seed.District].Code, step2.Lineage)
	wantRule(t, err, dossier.RuleChainStep) // no fourth step
	res := x.signedDocument(d.Code, dossier.DocResult, x.m(seed.Specialist), x.m(seed.Head), x.w.Seals[seed.Agency], x.m(seed.Seal))
	d, err = x.eng.RecordResult(x.ctx, d.Code, x.m(seed.Specialist).Actor, res.Lineage)
	x.must(err)
	if d.State != dossier.StateSigned {
		t.Fatalf("state %s", d.State)
	}
	verifyLog(x.harness)
}

func TestSecondSupplementAtIntakeNeedsTheDirectorsApology(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	d := x.submit("1.001612", 3, false)
	intake := x.m(seed.Intake).Actor
	_, err := x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{Items: []string{"Ảnh chân dung"}})
	x.must(err)
	d, err = x.eng.Supplement(x.ctx, d.Code, x.w.Citizen, []dossier.DocumentInput{{Source: dossier.SourceCitizen, Title: "Ảnh", Body: pdfReader()}})
	x.must(err)
	if d.State != dossier.StateSubmitted || d.IntakeDeadline.IsZero() {
		t.Fatalf("after an intake supplement: %s, intake deadline %s", d.State, d.IntakeDeadline)
	}
	_, err = x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{Items: []string{"Sổ hộ khẩu"}})
	wantRule(t, err, dossier.RuleSupplementOnce)
	_, err = x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{Items: []string{"Sổ hộ khẩu"}, WrongGuidance: true})
	wantRule(t, err, dossier.RuleApologyIntake) // no letter
	letter, reqs, err := x.eng.DraftLetter(x.ctx, d.Code, intake, dossier.LetterRequest{Kind: dossier.LetterSupplementIntake,
		Reason: "Hướng dẫn lần đầu chưa đầy đủ"})
	x.must(err)
	if len(reqs) != 1 || reqs[0].Role != dossier.RoleHead || reqs[0].Unit != x.w.Units[seed.Centre].Code {
		t.Fatalf("signing requests %+v; want the centre's director", reqs)
	}
	// Signed by the wrong person (the intake officer): not sendable.
	x.sign(d.Code, x.m(seed.Intake), letter.Lineage, nil)
	_, err = x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{Items: []string{"Sổ hộ khẩu"}, WrongGuidance: true, Letter: letter.Lineage})
	wantRule(t, err, dossier.RuleLetterSigned)
	x.sign(d.Code, x.m(seed.Director), letter.Lineage, nil)
	d, err = x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{Items: []string{"Sổ hộ khẩu"}, WrongGuidance: true, Letter: letter.Lineage})
	x.must(err)
	if d.Supplements[dossier.StageIntake] != 2 {
		t.Fatalf("supplements %v", d.Supplements)
	}
	verifyLog(x.harness)
}

func TestLateResultNeedsTheHeadsApology(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	d := x.submit("1.001612", 4, true)
	d = x.acceptAndTransfer(d.Code, seed.Agency)
	x.at("2025-03-05T16:30:00+07:00") // deadline Thu 6 March 11:30 at 3 working days from Mon 7:30
	_, err := x.eng.Extend(x.ctx, d.Code, x.m(seed.Specialist).Actor, d.Deadline.AddDate(0, 0, 7), 0)
	wantRule(t, err, dossier.RuleExtensionLead)
	x.at("2025-03-07T09:00:00+07:00") // past the deadline
	res := x.signedDocument(d.Code, dossier.DocResult, x.m(seed.Specialist), x.m(seed.Head), x.w.Seals[seed.Agency], x.m(seed.Seal))
	d, err = x.eng.RecordResult(x.ctx, d.Code, x.m(seed.Specialist).Actor, res.Lineage)
	x.must(err)
	if !d.ResultLate {
		t.Fatal("the result after the deadline is not marked late")
	}
	_, err = x.eng.ReadyForReturn(x.ctx, d.Code, x.m(seed.Seal).Actor)
	wantRule(t, err, dossier.RuleLateApology)
	letter, _, err := x.eng.DraftLetter(x.ctx, d.Code, x.m(seed.Specialist).Actor, dossier.LetterRequest{Kind: dossier.LetterLateApology,
		Reason: "Giải quyết chậm do lỗi của cơ quan", NewAppointment: x.now.Add(24 * time.Hour)})
	x.must(err)
	x.sign(d.Code, x.m(seed.Seal), letter.Lineage, nil) // the seal is not the head's personal signature
	_, err = x.eng.IssueLetter(x.ctx, d.Code, x.m(seed.Specialist).Actor, letter.Lineage)
	wantRule(t, err, dossier.RuleLetterSigned)
	x.sign(d.Code, x.m(seed.Head), letter.Lineage, nil)
	_, err = x.eng.IssueLetter(x.ctx, d.Code, x.m(seed.Specialist).Actor, letter.Lineage)
	x.must(err)
	d, err = x.eng.ReadyForReturn(x.ctx, d.Code, x.m(seed.Seal).Actor)
	x.must(err)
	if d.State != dossier.StateReady {
		t.Fatalf("state %s", d.State)
	}
	verifyLog(x.harness)
}

func TestLevel4WithoutSignatureIsLevel3(t *testing.T) {
	for _, tc := range []struct {
		profile     string
		level       int
		copiesOwed  bool
		handledAs   int
		citationHas string
	}{
		{"quang-ngai", 3, true, 3, "QĐ 03/2016"}, // Quảng Ngãi Đ7.2a: level 3 plus certified copies by post
		{"binh-dinh", 3, false, 3, "QĐ 44/2019"}, // Bình Định Đ7.2a
		{"vinh-phuc", 4, false, 4, ""},           // no such rule: stays level 4, the copy is for processing only
	} {
		t.Run(tc.profile, func(t *testing.T) {
			x := newWorld(t, tc.profile, "2025-03-03T08:00:00+07:00")
			p, _ := x.eng.Profiles().Profile(tc.profile)
			var proc string
			for _, pr := range p.Procedures {
				for _, l := range pr.Levels {
					if l == 4 && len(pr.Chain) == 0 {
						proc = pr.Code
					}
				}
			}
			if proc == "" {
				t.Skipf("%s offers no level-4 procedure", tc.profile)
			}
			d := x.submit(proc, 4, false)
			d, err := x.eng.Accept(x.ctx, d.Code, x.m(seed.Intake).Actor, "")
			x.must(err)
			if d.HandledLevel != tc.handledAs {
				t.Fatalf("handled at level %d, want %d", d.HandledLevel, tc.handledAs)
			}
			acc := d.LastEvent().Data
			owesCopies := false
			for _, o := range acc.Owed {
				if bytes.Contains([]byte(o), []byte(d.Code)) && bytes.Contains([]byte(o), []byte("bưu điện")) {
					owesCopies = true
				}
			}
			if owesCopies != tc.copiesOwed {
				t.Fatalf("owed %q; certified copies by post quoting %s expected %v", acc.Owed, d.Code, tc.copiesOwed)
			}
			if tc.citationHas != "" && !bytes.Contains([]byte(acc.LevelReason), []byte(tc.citationHas)) {
				t.Fatalf("level reason %q does not cite %s", acc.LevelReason, tc.citationHas)
			}
		})
	}
}

func TestDeskDigitizationNeedsTheAssignmentDecision(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	intake := x.m(seed.Intake)
	d, err := x.eng.Submit(x.ctx, intake.Actor, dossier.Application{Unit: x.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 2,
		Channel: dossier.ChannelDesk, Applicant: x.w.Applicant})
	x.must(err)
	if d.State != dossier.StateReceived {
		t.Fatalf("desk intake state %s", d.State)
	}
	scan := x.signBytes(readAll(pdfReader()), intake.Credential)
	v, err := x.eng.AddDocument(x.ctx, d.Code, intake.Actor, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceDesk,
		Component: "TP1", Title: "Giấy đề nghị (bản số hóa)", Body: bytes.NewReader(scan)})
	x.must(err)
	if v.Assessment.Status != dossier.StatusValid {
		t.Fatalf("desk scan by the assigned officer: %s", v.Assessment.Summary)
	}
	// An officer of the commune without a decision covering the centre... the
	// commune officer is named in the decision too; a specialist is not.
	unassigned := x.m(seed.DistrictOfficer)
	_ = unassigned
	// The same scan by an intake officer without any decision.
	other, err := x.eng.AddStaff(x.ctx, dossier.System, dossier.Staff{Username: "tiepnhan2", FullName: "Trịnh Văn Sơn", Unit: x.w.Units[seed.Centre].Code,
		OfficialAccount: "tiepnhan2@vinh-phuc.gov.vn", PersonalID: "026099001122",
		Roles: []dossier.RoleInUnit{{Role: dossier.RoleIntake, Unit: x.w.Units[seed.Centre].Code}}})
	x.must(err)
	actor := dossier.Actor{Username: other.Username, Role: dossier.RoleIntake, Unit: other.Unit}
	v2, err := x.eng.AddDocument(x.ctx, d.Code, actor, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceDesk,
		Component: "TP2", Title: "Bản sao (số hóa)", Body: bytes.NewReader(x.signBytes(readAll(pdfReader()), x.w.Seals[seed.Centre]))})
	x.must(err)
	if v2.Assessment.Status != dossier.StatusNotValid || v2.Assessment.Conditions[1].Held {
		t.Fatalf("desk scan without an assignment decision: %s", v2.Assessment.Summary)
	}
	// The decision is recorded (retroactively in force): re-assessed valid.
	_, err = x.eng.RecordAssignment(x.ctx, x.m(seed.Admin).Actor, dossier.Assignment{Number: "16/QĐ-TTPVHCC", SignedOn: x.now.AddDate(0, 0, -10),
		SignedBy: "Phạm Thị Dung", Unit: x.w.Units[seed.Centre].Code, Staff: []string{"tiepnhan2"}, ValidFrom: x.now.AddDate(0, 0, -10)})
	x.must(err)
	v2, err = x.eng.Version(x.ctx, v2.ID)
	x.must(err)
	if v2.Assessment.Status != dossier.StatusValid {
		t.Fatalf("after the decision: %s", v2.Assessment.Summary)
	}
	verifyLog(x.harness)
}

func TestIllegalSteps(t *testing.T) {
	x := newWorld(t, "vinh-phuc", "2025-03-03T08:00:00+07:00")
	d := x.submit("1.001612", 4, true)
	intake, spec, head := x.m(seed.Intake).Actor, x.m(seed.Specialist).Actor, x.m(seed.Head).Actor
	for _, tc := range []struct {
		name string
		do   func() error
		rule string
		err  error
	}{
		{"transfer before acceptance", func() error {
			_, err := x.eng.Transfer(x.ctx, d.Code, intake, x.w.Units[seed.Agency].Code, 0)
			return err
		}, dossier.RuleLifecycle, nil},
		{"return before the result", func() error { _, err := x.eng.Return(x.ctx, d.Code, intake); return err }, dossier.RuleLifecycle, nil},
		{"accept by a specialist", func() error { _, err := x.eng.Accept(x.ctx, d.Code, spec, ""); return err }, "", dossier.ErrForbidden},
		{"accept by a role not held", func() error {
			_, err := x.eng.Accept(x.ctx, d.Code, dossier.Actor{Username: head.Username, Role: dossier.RoleIntake, Unit: x.w.Units[seed.Centre].Code}, "")
			return err
		}, "", dossier.ErrForbidden},
		{"reject without reason", func() error { _, err := x.eng.Reject(x.ctx, d.Code, intake, " "); return err }, "", dossier.ErrInvalid},
		{"supplement without items", func() error {
			_, err := x.eng.RequestSupplement(x.ctx, d.Code, intake, dossier.SupplementRequest{})
			return err
		}, "", dossier.ErrInvalid},
		{"unknown dossier", func() error { _, err := x.eng.Accept(x.ctx, "000.00.31.H62-250303-9999", intake, ""); return err }, "", dossier.ErrNotFound},
		{"unknown procedure", func() error {
			_, err := x.eng.Submit(x.ctx, x.w.Citizen, dossier.Application{Unit: x.w.Units[seed.Centre].Code, Procedure: "9.999999", Level: 3,
				Channel: dossier.ChannelOnline, Applicant: x.w.Applicant})
			return err
		}, "", dossier.ErrUnknownProcedure},
		{"unknown role", func() error { _, err := dossier.ParseRole("director"); return err }, "", dossier.ErrUnknownRole},
		{"online by staff", func() error {
			_, err := x.eng.Submit(x.ctx, intake, dossier.Application{Unit: x.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 3,
				Channel: dossier.ChannelOnline, Applicant: x.w.Applicant})
			return err
		}, "", dossier.ErrForbidden},
		{"non-PDF declared PDF", func() error {
			_, err := x.eng.AddDocument(x.ctx, d.Code, x.w.Citizen, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceCitizen,
				Title: "x", Body: bytes.NewReader([]byte("GIF89a not a pdf"))})
			return err
		}, "", dossier.ErrInvalid},
		{"empty document", func() error {
			_, err := x.eng.AddDocument(x.ctx, d.Code, x.w.Citizen, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceCitizen,
				Title: "x", Body: bytes.NewReader(nil)})
			return err
		}, "", dossier.ErrInvalid},
		{"citizen claims a desk scan", func() error {
			_, err := x.eng.AddDocument(x.ctx, d.Code, x.w.Citizen, dossier.DocumentInput{Role: dossier.DocComponent, Source: dossier.SourceDesk,
				Title: "x", Body: pdfReader()})
			return err
		}, "", dossier.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := x.log.Size(x.ctx)
			x.must(err)
			err = tc.do()
			if tc.rule != "" {
				wantRule(t, err, tc.rule)
			} else if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v; want %v", err, tc.err)
			}
			after, err := x.log.Size(x.ctx)
			x.must(err)
			if after != before {
				t.Fatalf("a refused step recorded %d log entries", after-before)
			}
		})
	}
}

func TestDossierCodesUniqueUnderConcurrency(t *testing.T) {
	for _, backend := range storagetest.MetaBackends() {
		t.Run(backend, func(t *testing.T) { codesUnique(t, backend) })
	}
}

func codesUnique(t *testing.T, backend string) {
	x := newWorldOn(t, "vinh-phuc", "2025-03-03T08:00:00+07:00", backend)
	const n = 20
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := x.eng.Submit(x.ctx, x.w.Citizen, dossier.Application{Unit: x.w.Units[seed.Centre].Code, Procedure: "1.001612", Level: 3,
				Channel: dossier.ChannelOnline, Applicant: x.w.Applicant})
			if err != nil {
				t.Error(err)
				return
			}
			codes <- d.Code
		}()
	}
	wg.Wait()
	close(codes)
	seen := map[string]bool{}
	for c := range codes {
		if seen[c] {
			t.Fatalf("code %s twice", c)
		}
		seen[c] = true
	}
	for i := 1; i <= n; i++ {
		if c := fmt.Sprintf("%s-250303-%04d", x.w.Units[seed.Centre].Code, i); !seen[c] {
			t.Errorf("missing %s", c)
		}
	}
}

func verifyLog(h *harness) {
	h.t.Helper()
	if _, err := h.log.Verify(h.ctx); err != nil {
		h.t.Fatalf("log verify: %v", err)
	}
}
