package dossier_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/signer"
)

// TestFullPathEveryProfileAcrossTet walks one complete dossier per
// province profile: an online submission after hours on the Friday before
// Tết 2026 (14–22/02/2026 off), intake on the first working morning after
// it (QĐ 03/2020 Đ13.1: the hour starts at the next session), a supplement
// during processing (the clock pauses and resumes, Đ13.3), an extension
// with an apology letter signed by the agency (Đ14.4), a result signed by
// the head and sealed by the unit (Đ9.5c), the originals where the dossier
// is handled at level 3 (Đ16.1), the fee, and the return; the evidence log
// verifies at the end.
func TestFullPathEveryProfileAcrossTet(t *testing.T) {
	for _, profile := range []string{"vinh-phuc", "cao-bang", "binh-dinh", "binh-phuoc", "quang-ngai"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			fullPath(t, profile)
		})
	}
}

// TestFullPathOnPostgresAndMinIO walks the same dossier on the production
// backends.
func TestFullPathOnPostgresAndMinIO(t *testing.T) { fullPathOn(t, "vinh-phuc", "postgres") }

func fullPath(t *testing.T, profile string) { fullPathOn(t, profile, "sqlite") }

func fullPathOn(t *testing.T, profile, backend string) {
	x := newWorldOn(t, profile, "2026-02-13T16:45:00+07:00", backend) // Friday, after the last hour of the afternoon began
	p, err := x.eng.Profiles().Profile(profile)
	x.must(err)
	var proc *dossier.Procedure
	for i := range p.Procedures {
		if pr := &p.Procedures[i]; len(pr.Chain) == 0 && proc == nil {
			for _, l := range pr.Levels {
				if l >= 3 {
					proc = pr
				}
			}
		}
	}
	if proc == nil {
		t.Fatalf("%s has no single-agency online procedure", profile)
	}
	level := proc.Levels[len(proc.Levels)-1]
	d := x.submit(proc.Code, level, true)
	// Đ13.1: the hour starts at the next session, after Tết (the profiles
	// without their own rule give one working day).
	cal, err := calendars(t)(p.Calendar)
	x.must(err)
	wantIntake := mustTime(t, "2026-02-23T08:30:00+07:00")
	if p.IntakeWorkingHours != 1 {
		wantIntake = mustTime(t, "2026-02-24T07:45:00+07:00") // 8 h: 15 min on Friday, 7 h 30 on Monday 23, 15 min on Tuesday
	}
	if !d.IntakeDeadline.Equal(wantIntake) {
		t.Fatalf("intake deadline %s: want %s, after Tết", d.IntakeDeadline, wantIntake)
	}
	if d.RuleSet != "nd118-2025-tt03" {
		t.Fatalf("rule set %s: a 2026 dossier keeps NĐ 118/2025 with the TT 03/2025 forms", d.RuleSet)
	}

	x.at("2026-02-23T08:00:00+07:00")
	d = x.acceptAndTransfer(d.Code, seed.Agency)
	budget := time.Duration(proc.ProcessingWorkingDays * float64(7*time.Hour+30*time.Minute))
	if want, _ := cal.AddWorking(x.now, budget); !d.Deadline.Equal(want) {
		t.Fatalf("appointment %s, want %s", d.Deadline, want)
	}
	spec := x.m(seed.Specialist).Actor
	x.at("2026-02-23T14:00:00+07:00")
	d, err = x.eng.RequestSupplement(x.ctx, d.Code, spec, dossier.SupplementRequest{Items: []string{"Bản sao giấy tờ rõ nét hơn"}})
	x.must(err)
	left := d.Remaining
	x.at("2026-02-24T09:15:00+07:00")
	d, err = x.eng.Supplement(x.ctx, d.Code, x.w.Citizen, []dossier.DocumentInput{{Source: dossier.SourceCitizen, Component: "TP2",
		Title: "Bản sao bổ sung", Body: bytes.NewReader(x.signBytes(readAll(pdfReader()), x.w.CitizenKey))}})
	x.must(err)
	if want, _ := cal.AddWorking(x.now, left); !d.Deadline.Equal(want) || d.Paused {
		t.Fatalf("new appointment %s, want %s (the remaining %s from the supplement)", d.Deadline, want, left)
	}

	newDate := d.Deadline.AddDate(0, 0, 7)
	letter, reqs, err := x.eng.DraftLetter(x.ctx, d.Code, spec, dossier.LetterRequest{Kind: dossier.LetterExtension,
		Reason: "Cần lấy ý kiến của cơ quan có liên quan", NewAppointment: newDate})
	x.must(err)
	if len(reqs) != 1 || reqs[0].Unit != x.w.Units[seed.Agency].Code {
		t.Fatalf("extension letter routed to %+v", reqs)
	}
	x.sign(d.Code, x.m(seed.Seal), letter.Lineage, &signer.Appearance{Kind: signer.Organisation, Page: reqs[0].Page,
		Rect: signer.Rect{X: reqs[0].X, Y: reqs[0].Y, W: reqs[0].Width, H: reqs[0].Height}, Name: x.w.Units[seed.Agency].Name})
	d, err = x.eng.Extend(x.ctx, d.Code, spec, newDate, letter.Lineage)
	x.must(err)

	res := x.signedDocument(d.Code, dossier.DocResult, x.m(seed.Specialist), x.m(seed.Head), x.w.Seals[seed.Agency], x.m(seed.Seal))
	d, err = x.eng.RecordResult(x.ctx, d.Code, spec, res.Lineage)
	x.must(err)
	d, err = x.eng.ReadyForReturn(x.ctx, d.Code, x.m(seed.Seal).Actor)
	x.must(err)
	intake := x.m(seed.Intake).Actor
	if d.HandledLevel == 3 {
		_, err = x.eng.CheckOriginals(x.ctx, d.Code, intake, true, "")
		x.must(err)
	}
	if proc.Fee > 0 {
		_, err = x.eng.PayFee(x.ctx, d.Code, intake, proc.Fee, "BL-2026-0001")
		x.must(err)
	}
	d, err = x.eng.Return(x.ctx, d.Code, intake)
	x.must(err)
	if d.State != dossier.StateReturned || !d.Late || d.Extensions != 1 {
		t.Fatalf("returned: state %s late %v extensions %d", d.State, d.Late, d.Extensions)
	}
	vr, err := x.log.Verify(x.ctx)
	x.must(err)
	t.Logf("%s: %s returned after %d events; the log of %d entries verifies", profile, d.Code, len(d.Events), vr.Entries)
}
