package forms_test

import (
	"time"

	"github.com/kyso-vn/kyso/dossier/forms"
)

// ict is Vietnam's time zone for writing test times.
var ict = time.FixedZone("ICT", 7*3600)

func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, ict) }

var (
	vinhPhuc = forms.Agency{Parent: "UBND tỉnh Vĩnh Phúc", Name: "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc", Place: "Vĩnh Phúc"}
	sotuphap = forms.Agency{Parent: "UBND tỉnh Vĩnh Phúc", Name: "Sở Tư pháp", Place: "Vĩnh Phúc"}
	tamHong  = forms.Agency{Parent: "UBND huyện Yên Lạc", Name: "Ủy ban nhân dân xã Tam Hồng", Place: "Tam Hồng"}
	hang     = forms.Applicant{
		Name:    "Nguyễn Thị Hằng",
		ID:      "026******123",
		Address: "Số 12 đường Hùng Vương, phường Tích Sơn, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc",
		Phone:   "0912 345 678",
		Email:   "hang.nguyen@example.vn",
	}
	lyLich = forms.Procedure{Code: "2.000488", Name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam"}
	code   = "000.00.05.H62-250701-0001"
)

func qrFor(document string) *forms.QR {
	return &forms.QR{DossierCode: code, ProcedureCode: lyLich.Code, ApplicantID: hang.ID, DocumentName: document,
		URL: "https://dichvucong.vinhphuc.gov.vn/tra-cuu/k7Qz9wYxP2"}
}

func receipt() forms.Receipt {
	return forms.Receipt{
		Agency:      vinhPhuc,
		Unit:        "Sở Tư pháp tỉnh Vĩnh Phúc",
		DossierCode: code,
		Applicant:   hang,
		Procedure:   lyLich,
		Components: []forms.Component{
			{Name: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)", Kind: forms.Original, Count: 1},
			{Name: "Căn cước công dân của người yêu cầu cấp Phiếu lý lịch tư pháp", Kind: forms.Copy, Count: 1},
			{Name: "Giấy tờ chứng minh nơi thường trú", Kind: forms.CertifiedCopy, Count: 1},
		},
		Sets:           1,
		ProcessingTime: "10 ngày làm việc",
		ReceivedAt:     at(2025, time.July, 1, 9, 15),
		AppointmentAt:  at(2025, time.July, 15, 16, 30),
		ReturnPlace:    "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc",
		ReceivedBy:     "Trần Văn Minh",
		Channel:        forms.ChannelDesk,
		Book:           "03",
		Entry:          "0001",
		QR:             qrFor("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
	}
}

func supplement() forms.SupplementRequest {
	return forms.SupplementRequest{
		Agency:      vinhPhuc,
		Number:      "15/HDHS",
		IssuedAt:    at(2025, time.July, 2, 10, 0),
		Unit:        "Bộ phận tiếp nhận và trả kết quả của Sở Tư pháp",
		DossierCode: code,
		Applicant:   hang,
		Procedure:   lyLich,
		Items: []string{
			"Bản sao Giấy khai sinh của người yêu cầu cấp Phiếu lý lịch tư pháp.",
			"Văn bản ủy quyền có chứng thực chữ ký (nếu ủy quyền cho người khác làm thủ tục).",
		},
		Reason:   "Tờ khai ghi nơi sinh khác với Căn cước công dân; cần đối chiếu Giấy khai sinh.",
		Round:    2,
		Contact:  "bà Lê Thu Hà, số điện thoại 0211 3862 123",
		GuidedBy: "Lê Thu Hà",
		Stage:    forms.StageIntake,
		QR:       qrFor("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
	}
}

func refusal() forms.Refusal {
	return forms.Refusal{
		Agency:    tamHong,
		Number:    "03/TCGQ",
		IssuedAt:  at(2025, time.August, 4, 14, 5),
		Unit:      "Bộ phận Một cửa Ủy ban nhân dân xã Tam Hồng",
		Applicant: forms.Applicant{Name: "Phạm Đức Thắng", Address: "Thôn Đông, xã Tam Hồng, huyện Yên Lạc, tỉnh Vĩnh Phúc", Phone: "0987 654 321"},
		Procedure: forms.Procedure{Code: "1.001193", Name: "Đăng ký khai sinh"},
		Reasons: []string{
			"Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân xã Tam Hồng (người mẹ cư trú tại xã Đồng Cương).",
			"Đề nghị Ông/Bà nộp hồ sơ tại Ủy ban nhân dân xã Đồng Cương.",
		},
		RefusedBy: "Đỗ Thị Lan",
	}
}

func apology() forms.Apology {
	return forms.Apology{
		Agency:              sotuphap,
		Number:              "12/PXL",
		IssuedAt:            at(2025, time.July, 16, 8, 0),
		Addressee:           "Bà Nguyễn Thị Hằng",
		Address:             hang.Address,
		Procedure:           lyLich,
		DossierCode:         code,
		ReceivedAt:          at(2025, time.July, 1, 9, 15),
		OriginalAppointment: at(2025, time.July, 15, 16, 30),
		Reason:              "cơ quan quản lý cơ sở dữ liệu lý lịch tư pháp chưa có kết quả xác minh thông tin về án tích",
		NewAppointment:      at(2025, time.July, 22, 9, 0),
		Cause:               forms.CauseLate,
		Stage:               forms.StageProcessing,
		Signatory:           forms.Signatory{Authority: "KT. Giám đốc", Title: "Phó Giám đốc", Name: "Hoàng Văn Nam"},
		QR:                  qrFor("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
	}
}

func guidanceApology() forms.Apology {
	a := apology()
	a.Agency = vinhPhuc
	a.Number = "02/PXL"
	a.IssuedAt = at(2025, time.July, 2, 10, 0)
	a.OriginalAppointment, a.NewAppointment = time.Time{}, time.Time{}
	a.Cause, a.Stage = forms.CauseGuidance, forms.StageIntake
	a.Reason = "phiếu hướng dẫn lần đầu chưa nêu yêu cầu nộp bản sao Giấy khai sinh"
	a.Signatory = forms.Signatory{Title: "Giám đốc", Name: "Vũ Thị Thanh Hương"}
	a.QR = nil
	return a
}

func extension2025() forms.Apology {
	a := apology()
	a.ReceivedAt = at(2025, time.October, 1, 9, 15)
	a.OriginalAppointment = at(2025, time.October, 15, 16, 30)
	a.IssuedAt = at(2025, time.October, 13, 8, 0)
	a.NewAppointment = at(2025, time.October, 22, 9, 0)
	a.DossierCode = "000.00.05.H62-251001-0007"
	a.Cause = forms.CauseExtension
	a.Number = "31/PXL"
	a.QR = nil
	return a
}

func stopNotice() forms.StopNotice {
	return forms.StopNotice{
		Agency:      sotuphap,
		Number:      "05/TB-STP",
		IssuedAt:    at(2025, time.October, 6, 15, 0),
		Addressee:   "Bà Nguyễn Thị Hằng",
		Procedure:   lyLich,
		DossierCode: "000.00.05.H62-251001-0007",
		ReceivedAt:  at(2025, time.October, 1, 9, 15),
		Reasons:     []string{"Ông/Bà có văn bản đề nghị rút hồ sơ ngày 03 tháng 10 năm 2025."},
		Signatory:   forms.Signatory{Title: "Giám đốc", Name: "Vũ Văn Bình"},
	}
}

func controlSheet() forms.ControlSheet {
	return forms.ControlSheet{
		Agency:         vinhPhuc,
		IssuedAt:       at(2025, time.July, 1, 9, 15),
		Unit:           "Bộ phận tiếp nhận và trả kết quả",
		DossierCode:    code,
		Applicant:      hang,
		ReceivedAt:     at(2025, time.July, 1, 9, 15),
		AppointmentAt:  at(2025, time.July, 15, 16, 30),
		DecidingAgency: "Sở Tư pháp tỉnh Vĩnh Phúc",
		Cooperating:    []string{"Công an tỉnh Vĩnh Phúc"},
		Handovers: []forms.Handover{
			{From: "Bộ phận TN&TKQ", To: "Phòng Hành chính tư pháp", At: at(2025, time.July, 1, 10, 30), Giver: "Trần Văn Minh", Receiver: "Ngô Thị Mai", Result: forms.Early},
			{From: "Phòng Hành chính tư pháp", To: "Công an tỉnh Vĩnh Phúc", At: at(2025, time.July, 2, 8, 45), Giver: "Ngô Thị Mai", Receiver: "Đinh Quang Huy", Result: forms.OnTime, Note: "Xác minh án tích"},
			{From: "Công an tỉnh Vĩnh Phúc", To: "Phòng Hành chính tư pháp", At: at(2025, time.July, 14, 15, 0), Giver: "Đinh Quang Huy", Receiver: "Ngô Thị Mai", Result: forms.OnTime},
			{From: "Phòng Hành chính tư pháp", To: "Bộ phận TN&TKQ", At: at(2025, time.July, 15, 14, 0), Giver: "Ngô Thị Mai", Receiver: "Trần Văn Minh", Result: forms.OnTime},
		},
		QR: qrFor("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
	}
}

func dossierLog() forms.DossierLog {
	return forms.DossierLog{
		Agency:   vinhPhuc,
		IssuedAt: at(2025, time.July, 31, 17, 0),
		Unit:     "Bộ phận tiếp nhận và trả kết quả của Sở Tư pháp",
		Book:     "03",
		From:     at(2025, time.July, 1, 0, 0),
		To:       at(2025, time.July, 31, 0, 0),
		Rows: []forms.LogRow{
			{DossierCode: code, Procedure: lyLich.Name, Sets: 1, Applicant: hang.Name, Contact: "Vĩnh Yên, 0912 345 678",
				DecidingAgency: "Sở Tư pháp", ReceivedAt: at(2025, time.July, 1, 9, 15), AppointmentAt: at(2025, time.July, 15, 16, 30),
				TransferredAt: at(2025, time.July, 1, 10, 30), ResultReceivedAt: at(2025, time.July, 21, 16, 0), ReturnedAt: at(2025, time.July, 22, 9, 5),
				Note: "Trễ hạn, có phiếu xin lỗi 12/PXL"},
			{DossierCode: "000.00.05.H62-250701-0002", Procedure: "Chứng thực bản sao từ bản chính giấy tờ, văn bản", Sets: 2, Applicant: "Công ty TNHH Ánh Dương",
				Contact: "Phúc Yên, 0211 3869 999", DecidingAgency: "Sở Tư pháp", ReceivedAt: at(2025, time.July, 1, 10, 2), AppointmentAt: at(2025, time.July, 1, 16, 0),
				TransferredAt: at(2025, time.July, 1, 10, 10), ResultReceivedAt: at(2025, time.July, 1, 14, 0), ReturnedAt: at(2025, time.July, 1, 15, 30)},
			{DossierCode: "000.00.05.H62-250702-0001", Procedure: "Đăng ký hành nghề luật sư với tư cách cá nhân", Applicant: "Lương Thế Vinh",
				Contact: "Tam Dương, 0978 111 222", DecidingAgency: "Sở Tư pháp", ReceivedAt: at(2025, time.July, 2, 8, 1), AppointmentAt: at(2025, time.July, 9, 8, 1)},
		},
	}
}
