package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

// stories are the demo's dossiers, by profile. Days are working days
// before today (0: the last one); every state of a dossier occurs.
func stories() []story {
	return []story{
		{"vinh-phuc", "showcase: desk intake with scanned paper, supplement, extension with a signed apology letter, result signed by the head with the QR and sealed by the unit, originals checked, fee, returned", showcase},
		{"vinh-phuc", "online level 4 with the applicant's signature, fee paid online, at the deciding agency", vpProcessing},
		{"vinh-phuc", "online level 4 birth registration, awaiting the desk's check (intake hour running)", vpSubmitted},
		{"cao-bang", "level 3: result signed and at the return desk, originals never brought, electronic dossier void after 15 days", cbVoid},
		{"cao-bang", "desk intake at the ward: signature certification, paper digitized by the assigned officer, being checked", cbReceived},
		{"cao-bang", "online level 4 birth registration, birth certificate signed by the ward chairman and sealed, waiting at the return desk", cbReady},
		{"binh-dinh", "online level 3 birth registration returned at intake for a supplement", bdSupplement},
		{"binh-dinh", "level 4, fee paid, refused by the deciding agency with the refusal form (mẫu 03), fee refunded", bdRejected},
		{"binh-dinh", "level 4 without the applicant's signature handled as level 3, result signed and sealed", bdResultSigned},
		{"binh-phuoc", "inter-agency chain of three steps (land registration branch, tax office, city people's committee), each step's result signed before the next, returned", bpChain},
		{"binh-phuoc", "level 3 certified copy: forgery found when the original was compared at return, result cancelled", bpForgery},
		{"quang-ngai", "level 4 without the applicant's signature handled as level 3: certified copies owed by post quoting the dossier code, accepted", qnAccepted},
		{"quang-ngai", "desk intake at the ward: contract certification, one file per paper, certified, fee paid, returned", qnReturned},
	}
}

func at(t time.Time, hhmm string) time.Time {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return t.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// day is the midnight of working day -n.
func (t *tale) day(n int) time.Time { return t.days[-n] }

func (t *tale) nationalRecord(a dossier.Applicant, when time.Time) dossier.DocumentInput {
	in := t.pdf(t.w.PopulationRecord(a, when), dossier.DocComponent, dossier.SourceNational, "TP2")
	in.Title = "Phiếu thông tin công dân (Cơ sở dữ liệu quốc gia về dân cư)"
	in.Facts = dossier.Facts{Database: "population", Reference: "DC-" + a.IDNumber[len(a.IDNumber)-6:] + when.Format("060102")}
	return in
}

func showcase(t *tale) {
	t.out.Showcase = true
	w, eng := t.w, t.s.Engine
	a := w.Applicants[0]
	biz := Business{Name: "Hộ kinh doanh Tạp hóa Hoàng Em", Address: a.Address, Capital: 150_000_000, Workers: 2,
		Trade: "Bán lẻ lương thực, thực phẩm, đồ uống trong cửa hàng tổng hợp (mã ngành 4711)"}
	intake, officer, seal := t.m(Intake), t.m(DistrictOfficer), t.m(DistrictSeal)
	spec := t.as(officer, dossier.RoleSpecialist)
	var code string
	t.on(-16, "08:05", func(ctx context.Context) {
		code = t.submit(ctx, intake.Actor, dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 2, Channel: dossier.ChannelDesk,
			Applicant: a, Documents: []dossier.DocumentInput{t.nationalRecord(a, t.s.Clock.Now())}})
		t.deskScan(ctx, code, intake, []scanned{
			{w.BusinessApplication(a, biz, t.day(-17).Add(20*time.Hour), false), "TP1", "Giấy đề nghị đăng ký hộ kinh doanh"},
			{w.HouseholdMinutes(a, "Nguyễn Thị Thu Hằng", biz, t.day(-17).Add(19*time.Hour)), "TP3", "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh"},
		})
	})
	t.on(-16, "08:40", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, intake.Actor, "Hồ sơ đầy đủ thành phần, hợp lệ")
		})
		receipt := t.letter(ctx, code, intake.Actor, dossier.LetterRequest{Kind: dossier.LetterReceipt}, t.m(CentreSeal))
		t.do("issue the receipt", func() (*dossier.Dossier, error) { return eng.IssueLetter(ctx, code, intake.Actor, receipt) })
	})
	t.on(-16, "09:30", func(ctx context.Context) {
		t.do("transfer", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[District].Code, 0)
		})
	})
	t.on(-16, "14:20", func(ctx context.Context) {
		t.do("request a supplement", func() (*dossier.Dossier, error) {
			return eng.RequestSupplement(ctx, code, spec, dossier.SupplementRequest{Reason: "Giấy đề nghị chưa ghi cụ thể ngành, nghề kinh doanh",
				Items: []string{"Mục 3 Giấy đề nghị: ghi rõ ngành, nghề kinh doanh theo mã ngành kinh tế Việt Nam", "Bổ sung số điện thoại liên hệ của chủ hộ kinh doanh"}})
		})
	})
	t.on(-14, "09:10", func(ctx context.Context) {
		docs := t.supplementScan(ctx, code, intake, []scanned{
			{w.BusinessApplication(a, biz, t.day(-15).Add(19*time.Hour), true), "TP1", "Giấy đề nghị đăng ký hộ kinh doanh (bản bổ sung)"}})
		t.do("supplement", func() (*dossier.Dossier, error) { return eng.Supplement(ctx, code, intake.Actor, docs) })
	})
	t.on(-14, "10:30", func(ctx context.Context) {
		newDate := at(t.day(-9), "16:00")
		l := t.letter(ctx, code, spec, dossier.LetterRequest{Kind: dossier.LetterExtension, NewAppointment: newDate,
			Reason: "Cần phối hợp với Ủy ban nhân dân " + w.Units[Commune].Name[len("Ủy ban nhân dân "):] + " xác minh địa điểm kinh doanh"}, seal)
		t.do("extend", func() (*dossier.Dossier, error) { return eng.Extend(ctx, code, spec, newDate, l) })
	})
	t.on(-11, "09:00", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, officer, t.m(DistrictHead), seal, w.BusinessCertificate(a, biz, "26H8001247", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
	})
	t.on(-11, "10:15", func(ctx context.Context) {
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, seal.Actor) })
	})
	t.on(-10, "09:20", func(ctx context.Context) {
		t.do("originals", func() (*dossier.Dossier, error) {
			return eng.CheckOriginals(ctx, code, intake.Actor, true, "Ông "+a.Name+" xuất trình bản chính Giấy đề nghị và căn cước công dân.")
		})
		t.do("fee", func() (*dossier.Dossier, error) {
			return eng.PayFee(ctx, code, intake.Actor, 100000, "0001523")
		})
		t.do("return", func() (*dossier.Dossier, error) { return eng.Return(ctx, code, intake.Actor) })
	})
}

func vpProcessing(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[1]
	biz := Business{Name: "Hộ kinh doanh Tiệm bánh Thu Trang", Address: "số 3 đường Chùa Hà, " + w.Units[Commune].Name[len("Ủy ban nhân dân "):] + ", " + w.cityName() + ", tỉnh " + w.Province,
		Trade: "Sản xuất các loại bánh từ bột (mã ngành 1071)", Capital: 80_000_000, Workers: 3}
	intake := t.m(Intake)
	var code string
	t.on(-1, "15:05", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.citizenSigned(ctx, a, w.BusinessApplication(a, biz, t.s.Clock.Now(), true), "TP1"), t.nationalRecord(a, t.s.Clock.Now())}})
	})
	t.on(-1, "15:40", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, intake.Actor, "Hồ sơ hợp lệ, có chữ ký số của người nộp")
		})
		t.do("fee", func() (*dossier.Dossier, error) {
			return eng.PayFee(ctx, code, intake.Actor, 100000, "điện tử E"+strings.ReplaceAll(code[len(code)-11:], "-", "")+" (thanh toán trực tuyến qua Cổng Dịch vụ công quốc gia)")
		})
	})
	t.on(-1, "16:05", func(ctx context.Context) {
		t.do("transfer", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[District].Code, 0)
		})
	})
}

func (t *tale) child(name, gender, father string, bornDay int) Child {
	return Child{Name: name, Gender: gender, Father: father, Born: at(t.day(bornDay), "05:40"), Place: "Bệnh viện Đa khoa tỉnh " + t.w.Province}
}

func vpSubmitted(t *tale) {
	w := t.w
	a := w.Applicants[5]
	c := t.child("Nguyễn Đỗ Minh Khang", "Nam", "Nguyễn Quang Huy", -6)
	t.recently(25*time.Minute, func(ctx context.Context) {
		cert := t.pdf(w.MedicalBirthCertificate(a, c), dossier.DocComponent, dossier.SourceCitizen, "TP2")
		t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Commune].Code, Procedure: "1.001193", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.citizenSigned(ctx, a, w.BirthDeclaration(a, c, t.s.Clock.Now()), "TP1"), cert}})
	})
}

func cbVoid(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[1]
	biz := Business{Name: "Hộ kinh doanh Sửa chữa xe máy Hoàng Dũng", Address: a.Address, Capital: 60_000_000, Workers: 1,
		Trade: "Bảo dưỡng, sửa chữa mô tô, xe máy (mã ngành 4542)"}
	intake, officer := t.m(Intake), t.m(DistrictOfficer)
	spec := t.as(officer, dossier.RoleSpecialist)
	var code string
	t.on(-19, "10:05", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 3, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.pdf(w.BusinessApplication(a, biz, t.s.Clock.Now(), true), dossier.DocComponent, dossier.SourceCitizen, "TP1"),
				t.nationalRecord(a, t.s.Clock.Now())}})
	})
	t.on(-19, "14:10", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, intake.Actor, "Hồ sơ hợp lệ; bản gốc xuất trình khi nhận kết quả")
		})
		t.do("transfer", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[District].Code, 0)
		})
	})
	t.on(-17, "15:30", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, officer, t.m(DistrictHead), t.m(DistrictSeal), w.BusinessCertificate(a, biz, "13H8000391", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, t.m(DistrictSeal).Actor) })
	})
	t.on(-1, "07:35", func(ctx context.Context) {
		t.do("void", func() (*dossier.Dossier, error) { return eng.Void(ctx, code, dossier.System) })
	})
}

func cbReceived(t *tale) {
	w := t.w
	a, to := w.Applicants[4], w.Applicants[5]
	desk := t.m(CommuneIntake)
	t.on(0, "10:15", func(ctx context.Context) {
		code := t.submit(ctx, desk.Actor, dossier.Application{Unit: w.Units[Commune].Code, Procedure: "2.000884", Level: 2, Channel: dossier.ChannelDesk, Applicant: a})
		rec := t.nationalRecord(a, t.s.Clock.Now())
		rec.Component = "TP1"
		t.add(ctx, code, desk.Actor, rec)
		t.deskScan(ctx, code, desk, []scanned{
			{w.Authorisation(a, to, t.s.Clock.Now()), "TP2", "Giấy ủy quyền (giấy tờ mà người yêu cầu chứng thực sẽ ký)"}})
	})
}

func cbReady(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[0]
	c := t.child("Hoàng Nông Bảo An", "Nữ", "Hoàng Văn Khải", -8)
	desk := t.m(CommuneIntake)
	spec := t.as(desk, dossier.RoleSpecialist)
	var code string
	t.on(-3, "08:30", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Commune].Code, Procedure: "1.001193", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.citizenSigned(ctx, a, w.BirthDeclaration(a, c, t.s.Clock.Now()), "TP1"),
				t.pdf(w.MedicalBirthCertificate(a, c), dossier.DocComponent, dossier.SourceCitizen, "TP2")}})
	})
	t.on(-3, "09:10", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) { return eng.Accept(ctx, code, desk.Actor, "Hồ sơ hợp lệ") })
		t.do("transfer", func() (*dossier.Dossier, error) { return eng.Transfer(ctx, code, desk.Actor, w.Units[Commune].Code, 0) })
	})
	t.on(-3, "15:30", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, desk, t.m(CommuneHead), t.m(CommuneSeal), w.BirthCertificate(a, c, "412/2026", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, desk.Actor) })
	})
}

func bdSupplement(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[3]
	c := t.child("Trần Huỳnh Gia Hân", "Nữ", "Trần Văn Lộc", -5)
	desk := t.m(CommuneIntake)
	var code string
	t.on(-1, "09:00", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Commune].Code, Procedure: "1.001193", Level: 3, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.pdf(w.BirthDeclaration(a, c, t.s.Clock.Now()), dossier.DocComponent, dossier.SourceCitizen, "TP1"),
				t.pdf(w.MedicalBirthCertificate(a, c), dossier.DocComponent, dossier.SourceCitizen, "TP2")}})
	})
	t.on(-1, "09:45", func(ctx context.Context) {
		items := []string{"Giấy chứng sinh: bản chụp bị mờ, không đọc được họ tên người mẹ và số giấy chứng sinh; đề nghị chụp lại rõ nét"}
		// The request form (mẫu 02), sealed by the commune, goes with it.
		l := t.letter(ctx, code, desk.Actor, dossier.LetterRequest{Kind: dossier.LetterGuidance, Reason: "Giấy chứng sinh không đọc được", Items: items}, t.m(CommuneSeal))
		t.do("request a supplement", func() (*dossier.Dossier, error) {
			return eng.RequestSupplement(ctx, code, desk.Actor, dossier.SupplementRequest{Items: items, Reason: "Giấy chứng sinh không đọc được"})
		})
		t.do("send the request form", func() (*dossier.Dossier, error) { return eng.IssueLetter(ctx, code, desk.Actor, l) })
	})
}

func bdRejected(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[4]
	biz := Business{Name: "Hộ kinh doanh Quán ăn Phan Sáu", Address: "số 2 đường Ngô Mây (lề đường), " + w.Units[Commune].Name[len("Ủy ban nhân dân "):] + ", " + w.cityName(),
		Trade: "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động (mã ngành 5610)", Capital: 50_000_000, Workers: 2}
	intake, officer := t.m(Intake), t.m(DistrictOfficer)
	spec := t.as(officer, dossier.RoleSpecialist)
	var code string
	t.on(-5, "08:20", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.citizenSigned(ctx, a, w.BusinessApplication(a, biz, t.s.Clock.Now(), true), "TP1"), t.nationalRecord(a, t.s.Clock.Now())}})
	})
	t.on(-5, "09:00", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) { return eng.Accept(ctx, code, intake.Actor, "Hồ sơ hợp lệ") })
		t.do("fee", func() (*dossier.Dossier, error) {
			return eng.PayFee(ctx, code, intake.Actor, 100000, "điện tử E"+strings.ReplaceAll(code[len(code)-11:], "-", "")+" (thanh toán trực tuyến)")
		})
		t.do("transfer", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[District].Code, 0)
		})
	})
	reason := "Địa điểm kinh doanh nằm trên lề đường thuộc hành lang an toàn giao thông, không được sử dụng làm địa điểm kinh doanh cố định"
	t.on(-4, "10:00", func(ctx context.Context) {
		l := t.letter(ctx, code, spec, dossier.LetterRequest{Kind: dossier.LetterRefusal, Reason: reason}, t.m(CentreSeal))
		t.do("issue the refusal", func() (*dossier.Dossier, error) { return eng.IssueLetter(ctx, code, spec, l) })
		t.do("reject", func() (*dossier.Dossier, error) { return eng.Reject(ctx, code, spec, reason) })
	})
	t.on(-4, "14:00", func(ctx context.Context) {
		t.do("refund", func() (*dossier.Dossier, error) {
			return eng.RefundFee(ctx, code, intake.Actor, 100000, "Hoàn trả phí, lệ phí do hồ sơ không được giải quyết")
		})
	})
}

func bdResultSigned(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[0]
	biz := Business{Name: "Hộ kinh doanh Cà phê Biển Xanh", Address: a.Address, Capital: 120_000_000, Workers: 4,
		Trade: "Dịch vụ phục vụ đồ uống (mã ngành 5630)"}
	intake, officer := t.m(Intake), t.m(DistrictOfficer)
	spec := t.as(officer, dossier.RoleSpecialist)
	var code string
	t.on(-2, "14:00", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.pdf(w.BusinessApplication(a, biz, t.s.Clock.Now(), true), dossier.DocComponent, dossier.SourceCitizen, "TP1"),
				t.nationalRecord(a, t.s.Clock.Now())}})
	})
	t.on(-2, "15:00", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) { return eng.Accept(ctx, code, intake.Actor, "Hồ sơ đầy đủ") })
		t.do("transfer", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[District].Code, 0)
		})
	})
	t.on(0, "09:30", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, officer, t.m(DistrictHead), t.m(DistrictSeal), w.BusinessCertificate(a, biz, "09H8002716", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
	})
}

func bpChain(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[0]
	pc := Parcel{Sheet: "27", Number: "315", Area: 250.6, Use: "Đất ở tại đô thị 100,0 m²; đất trồng cây lâu năm 150,6 m²",
		Address: "khu phố Tân Trà, " + w.Units[Commune].Name[len("Ủy ban nhân dân "):] + ", " + w.cityName() + ", tỉnh " + w.Province}
	intake := t.m(Intake)
	land, tax, city := t.m(LandOfficer), t.m(TaxOfficer), t.m(DistrictOfficer)
	var code string
	t.on(-23, "08:45", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.013978", Level: 3, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.pdf(w.LandApplication(a, pc, t.s.Clock.Now()), dossier.DocComponent, dossier.SourceCitizen, "TP1"),
				t.pdf(w.LandOrigin(a, pc, t.s.Clock.Now()), dossier.DocComponent, dossier.SourceCitizen, "TP2")}})
	})
	t.on(-23, "10:00", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) { return eng.Accept(ctx, code, intake.Actor, "Hồ sơ hợp lệ") })
		t.do("transfer to step 1", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, intake.Actor, w.Units[LandBranch].Code, 0)
		})
	})
	t.on(-20, "14:00", func(ctx context.Context) {
		l, _ := t.issued(ctx, code, dossier.DocStepResult, land, t.m(LandHead), t.m(LandSeal), w.LandTransferSheet(a, pc, code, t.s.Clock.Now()))
		t.do("transfer to step 2", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, t.as(land, dossier.RoleSpecialist), w.Units[TaxOffice].Code, l)
		})
	})
	t.on(-16, "09:30", func(ctx context.Context) {
		l, _ := t.issued(ctx, code, dossier.DocStepResult, tax, t.m(TaxHead), t.m(TaxSeal), w.LandTaxNotice(a, pc, code, t.s.Clock.Now()))
		t.do("transfer to step 3", func() (*dossier.Dossier, error) {
			return eng.Transfer(ctx, code, t.as(tax, dossier.RoleSpecialist), w.Units[District].Code, l)
		})
	})
	t.on(-8, "10:00", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, city, t.m(DistrictHead), t.m(DistrictSeal), w.LandCertificate(a, pc, "CS 04127", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) {
			return eng.RecordResult(ctx, code, t.as(city, dossier.RoleSpecialist), l)
		})
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, t.m(DistrictSeal).Actor) })
	})
	t.on(-6, "08:45", func(ctx context.Context) {
		t.do("originals", func() (*dossier.Dossier, error) {
			return eng.CheckOriginals(ctx, code, intake.Actor, true, "Đã đối chiếu bản chính đơn đăng ký và giấy xác nhận nguồn gốc đất.")
		})
		t.do("fee", func() (*dossier.Dossier, error) {
			return eng.PayFee(ctx, code, intake.Actor, 100000, "0000871")
		})
		t.do("return", func() (*dossier.Dossier, error) { return eng.Return(ctx, code, intake.Actor) })
	})
}

func bpForgery(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[2]
	desk := t.m(CommuneIntake)
	spec := t.as(desk, dossier.RoleSpecialist)
	var code string
	t.on(-7, "09:00", func(ctx context.Context) {
		orig := t.pdf(w.Diploma(a, false), dossier.DocComponent, dossier.SourceCitizen, "TP1")
		orig.Title = "Bản chụp bản chính Bằng tốt nghiệp đại học"
		cp := t.pdf(w.Diploma(a, true), dossier.DocComponent, dossier.SourceCitizen, "TP2")
		cp.Title = "Bản sao cần chứng thực: Bằng tốt nghiệp đại học"
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Commune].Code, Procedure: "2.000815", Level: 3, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{orig, cp}})
	})
	t.on(-7, "09:40", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, desk.Actor, "Hồ sơ hợp lệ; xuất trình bản chính khi nhận kết quả")
		})
		t.do("transfer", func() (*dossier.Dossier, error) { return eng.Transfer(ctx, code, desk.Actor, w.Units[Commune].Code, 0) })
	})
	t.on(-7, "14:10", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, desk, t.m(CommuneHead), t.m(CommuneSeal), w.CertifiedCopy(a, "1285, quyển số 01/2026-SCT/BS", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, desk.Actor) })
	})
	t.on(-6, "09:15", func(ctx context.Context) {
		t.do("originals: forgery", func() (*dossier.Dossier, error) {
			return eng.CheckOriginals(ctx, code, desk.Actor, false, "Bản chính Bằng tốt nghiệp xuất trình có dấu hiệu giả mạo: số hiệu văn bằng không có trong sổ gốc cấp văn bằng của Trường Đại học Quy Nhơn, hình dấu không trùng khớp")
		})
	})
}

func qnAccepted(t *tale) {
	w, eng := t.w, t.s.Engine
	a := w.Applicants[1]
	biz := Business{Name: "Hộ kinh doanh May đo Thanh Hoa", Address: a.Address, Capital: 40_000_000, Workers: 1,
		Trade: "May trang phục (trừ trang phục từ da lông thú) (mã ngành 1410)"}
	intake := t.m(Intake)
	var code string
	t.on(0, "14:10", func(ctx context.Context) {
		code = t.submit(ctx, CitizenOf(a), dossier.Application{Unit: w.Units[Centre].Code, Procedure: "1.001612", Level: 4, Channel: dossier.ChannelOnline, Applicant: a,
			Documents: []dossier.DocumentInput{t.pdf(w.BusinessApplication(a, biz, t.s.Clock.Now(), true), dossier.DocComponent, dossier.SourceCitizen, "TP1"),
				t.nationalRecord(a, t.s.Clock.Now())}})
	})
	t.on(0, "15:30", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, intake.Actor, "Hồ sơ đầy đủ thành phần")
		})
	})
}

func qnReturned(t *tale) {
	w, eng := t.w, t.s.Engine
	a, b := w.Applicants[0], w.Applicants[4]
	pc := Parcel{Sheet: "12", Number: "208", Area: 96.4, Use: "Đất ở tại đô thị",
		Address: "tổ dân phố 4, " + w.Units[Commune].Name[len("Ủy ban nhân dân "):] + ", " + w.cityName() + ", tỉnh " + w.Province}
	desk := t.m(CommuneIntake)
	spec := t.as(desk, dossier.RoleSpecialist)
	var code string
	t.on(-4, "08:30", func(ctx context.Context) {
		rec := t.nationalRecord(a, t.s.Clock.Now())
		code = t.submit(ctx, desk.Actor, dossier.Application{Unit: w.Units[Commune].Code, Procedure: "2.001035", Level: 2, Channel: dossier.ChannelDesk,
			Applicant: a, Documents: []dossier.DocumentInput{rec}})
		gcn := w.LandCertificate(a, pc, "CH 01873", time.Date(2015, 6, 12, 9, 0, 0, 0, vietnam))
		t.deskScan(ctx, code, desk, []scanned{
			{w.Contract(a, b, pc, 1_150_000_000, t.s.Clock.Now()), "TP1", "Dự thảo hợp đồng chuyển nhượng quyền sử dụng đất"},
			{gcn, "TP3", "Giấy chứng nhận quyền sử dụng đất (bản chính xuất trình)"},
		})
	})
	t.on(-4, "09:00", func(ctx context.Context) {
		t.do("accept", func() (*dossier.Dossier, error) {
			return eng.Accept(ctx, code, desk.Actor, "Hồ sơ hợp lệ; các bên có mặt ký hợp đồng")
		})
		t.do("transfer", func() (*dossier.Dossier, error) { return eng.Transfer(ctx, code, desk.Actor, w.Units[Commune].Code, 0) })
	})
	t.on(-3, "14:00", func(ctx context.Context) {
		l, vcode := t.issued(ctx, code, dossier.DocResult, desk, t.m(CommuneHead), t.m(CommuneSeal), w.CertifiedContract(a, b, pc, "315, quyển số 02/2026-SCT/HĐGD", t.s.Clock.Now()))
		t.out.VerificationCode = vcode
		t.do("record the result", func() (*dossier.Dossier, error) { return eng.RecordResult(ctx, code, spec, l) })
		t.do("to the return desk", func() (*dossier.Dossier, error) { return eng.ReadyForReturn(ctx, code, desk.Actor) })
	})
	t.on(-2, "09:00", func(ctx context.Context) {
		t.do("fee", func() (*dossier.Dossier, error) { return eng.PayFee(ctx, code, desk.Actor, 50000, "0002214") })
		t.do("return", func() (*dossier.Dossier, error) { return eng.Return(ctx, code, desk.Actor) })
	})
}
