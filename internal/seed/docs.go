package seed

import (
	"fmt"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

// The papers of the demo's procedures: the applicants' forms, the
// documents they bring, the step results of an inter-agency chain and the
// results. Their content is realistic; every one of them is demo data.

// Business is a household business (hộ kinh doanh, procedure 1.001612).
type Business struct {
	Name, Trade, Address string
	Capital              int64 // đồng
	Workers              int
}

// Child is a newborn for a birth registration (1.001193).
type Child struct {
	Name, Gender, Place, Father string
	Born                        time.Time
}

// Parcel is a land parcel (1.013978, 2.001035).
type Parcel struct {
	Sheet, Number string // tờ bản đồ số, thửa đất số
	Area          float64
	Use, Address  string
}

func birthYear(a dossier.Applicant) string {
	if len(a.IDNumber) >= 6 {
		century := map[byte]string{'0': "19", '1': "19", '2': "20", '3': "20"}[a.IDNumber[3]]
		return century + a.IDNumber[4:6]
	}
	return ""
}

func money(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String() + " đồng"
}

func (w *World) person(a dossier.Applicant) []Field {
	return []Field{{Label: "Họ và tên", Value: strings.ToUpper(a.Name)}, {Label: "Năm sinh", Value: birthYear(a)},
		{Label: "Số định danh cá nhân (CCCD)", Value: a.IDNumber}, {Label: "Nơi cư trú", Value: a.Address}, {Label: "Điện thoại", Value: a.Phone}}
}

// BusinessApplication is the applicant's request to register a household
// business (Phụ lục III-1, TT 02/2023/TT-BKHĐT, simplified).
func (w *World) BusinessApplication(a dossier.Applicant, b Business, at time.Time, corrected bool) Paper {
	p := Paper{Title: "Giấy đề nghị đăng ký hộ kinh doanh", Addressee: "Kính gửi: Phòng Tài chính - Kế hoạch " + w.cityName(),
		Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at, SignerRole: "Chủ hộ kinh doanh", SignerNote: "(Ký và ghi họ tên)", SignerName: a.Name}
	p.Fields = append([]Field{{Value: "Tôi là (ghi họ tên bằng chữ in hoa): " + strings.ToUpper(a.Name)}}, w.person(a)[1:]...)
	p.Fields = append(p.Fields, Field{Value: "Đăng ký hộ kinh doanh với các nội dung sau:"},
		Field{Label: "1. Tên hộ kinh doanh", Value: b.Name}, Field{Label: "2. Địa chỉ địa điểm kinh doanh", Value: b.Address})
	if corrected {
		p.Fields = append(p.Fields, Field{Label: "3. Ngành, nghề kinh doanh", Value: b.Trade}, Field{Label: "   Điện thoại liên hệ", Value: a.Phone})
	} else {
		p.Fields = append(p.Fields, Field{Label: "3. Ngành, nghề kinh doanh", Value: "Buôn bán"})
	}
	p.Fields = append(p.Fields, Field{Label: "4. Vốn kinh doanh", Value: money(b.Capital)}, Field{Label: "5. Số lượng lao động", Value: fmt.Sprint(b.Workers)})
	p.Body = []string{"Tôi cam kết: bản thân không thuộc diện pháp luật cấm kinh doanh; không đồng thời là chủ hộ kinh doanh khác, chủ doanh nghiệp tư nhân; chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác, trung thực của nội dung đăng ký trên."}
	return p
}

// HouseholdMinutes is the household members' meeting minutes (1.001612 TP3).
func (w *World) HouseholdMinutes(a dossier.Applicant, spouse string, b Business, at time.Time) Paper {
	return Paper{Title: "Biên bản họp thành viên hộ gia đình", Subtitle: "Về việc thành lập hộ kinh doanh",
		Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at, SignerRole: "Các thành viên hộ gia đình", SignerNote: "(Ký và ghi họ tên)",
		SignerName: a.Name + "        " + spouse,
		Fields: []Field{{Label: "Thời gian", Value: timeVN(at.Add(-72 * time.Hour))}, {Label: "Địa điểm", Value: a.Address},
			{Label: "Thành phần", Value: "Ông/Bà " + a.Name + " (chủ hộ) và Ông/Bà " + spouse}},
		Body: []string{"Các thành viên hộ gia đình thống nhất thành lập hộ kinh doanh " + b.Name + " tại " + b.Address + ", ngành nghề: " + b.Trade + ".",
			"Các thành viên nhất trí ủy quyền cho Ông/Bà " + a.Name + " làm chủ hộ kinh doanh, đại diện hộ gia đình thực hiện thủ tục đăng ký."}}
}

// PopulationRecord is the applicant's record from the national population
// database (source 6: valid by default).
func (w *World) PopulationRecord(a dossier.Applicant, at time.Time) Paper {
	return Paper{Issuer: []string{"Bộ Công an", "Cơ sở dữ liệu quốc gia về dân cư"}, Date: at, Place: "Hà Nội",
		Title: "Phiếu thông tin công dân", Subtitle: "Kết quả khai thác dữ liệu qua Cổng dịch vụ công",
		Fields:     append(w.person(a), Field{Label: "Quốc tịch", Value: "Việt Nam"}, Field{Label: "Tình trạng", Value: "Thông tin đã được xác thực điện tử mức độ 2"}),
		Body:       []string{"Thông tin được khai thác từ Cơ sở dữ liệu quốc gia về dân cư theo yêu cầu giải quyết thủ tục hành chính; không sử dụng cho mục đích khác."},
		SignerRole: "Hệ thống", SignerName: "Cơ sở dữ liệu quốc gia về dân cư"}
}

// BusinessCertificate is the result of 1.001612.
func (w *World) BusinessCertificate(a dossier.Applicant, b Business, number string, at time.Time) Paper {
	return Paper{Issuer: []string{w.Units[District].Name, "Phòng Tài chính - Kế hoạch"}, Number: "Mã số hộ kinh doanh: " + number,
		Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at, Title: "Giấy chứng nhận đăng ký hộ kinh doanh", Subtitle: "Đăng ký lần đầu: " + dateVN(at),
		Fields: []Field{{Label: "1. Tên hộ kinh doanh", Value: strings.ToUpper(b.Name)}, {Label: "2. Địa chỉ địa điểm kinh doanh", Value: b.Address},
			{Label: "3. Ngành, nghề kinh doanh", Value: b.Trade}, {Label: "4. Vốn kinh doanh", Value: money(b.Capital)},
			{Label: "5. Chủ hộ kinh doanh", Value: a.Name + ", năm sinh " + birthYear(a) + ", số định danh cá nhân " + a.IDNumber},
			{Label: "   Nơi cư trú", Value: a.Address}},
		SignerRole: "TM. Ủy ban nhân dân\nKT. Chủ tịch", SignerName: w.Members[DistrictHead].Staff.FullName}
}

// BirthDeclaration is the parent's birth registration form (1.001193 TP1).
func (w *World) BirthDeclaration(a dossier.Applicant, c Child, at time.Time) Paper {
	return Paper{Title: "Tờ khai đăng ký khai sinh", Addressee: "Kính gửi: " + w.Units[Commune].Name, Place: strings.TrimPrefix(w.Units[Commune].Name, "Ủy ban nhân dân phường "),
		Date: at, SignerRole: "Người đi đăng ký", SignerNote: "(Ký, ghi rõ họ tên)", SignerName: a.Name,
		Fields: append(w.person(a), Field{Label: "Quan hệ với người được khai sinh", Value: map[bool]string{true: "Mẹ", false: "Cha"}[strings.Contains(a.Name, " Thị ")]},
			Field{Value: "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"},
			Field{Label: "Họ, chữ đệm, tên", Value: strings.ToUpper(c.Name)}, Field{Label: "Ngày, tháng, năm sinh", Value: dateVN(c.Born)},
			Field{Label: "Giới tính", Value: c.Gender}, Field{Label: "Dân tộc", Value: "Kinh"}, Field{Label: "Quốc tịch", Value: "Việt Nam"},
			Field{Label: "Nơi sinh", Value: c.Place}, Field{Label: "Họ, chữ đệm, tên cha", Value: c.Father}),
		Body: []string{"Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật."}}
}

// MedicalBirthCertificate is the hospital's birth certificate (giấy chứng sinh, 1.001193 TP2).
func (w *World) MedicalBirthCertificate(a dossier.Applicant, c Child) Paper {
	return Paper{Issuer: []string{"Sở Y tế tỉnh " + w.Province, "Bệnh viện Đa khoa tỉnh " + w.Province}, Number: "Số: " + fmt.Sprintf("%04d/GCS", c.Born.YearDay()*3),
		Place: strings.TrimPrefix(w.City, "Thành phố "), Date: c.Born.Add(30 * time.Hour), Title: "Giấy chứng sinh",
		Fields: []Field{{Label: "Họ và tên mẹ", Value: map[bool]string{true: a.Name, false: "(vợ của " + a.Name + ")"}[strings.Contains(a.Name, " Thị ")]},
			{Label: "Nơi cư trú", Value: a.Address}, {Label: "Đã sinh con vào lúc", Value: timeVN(c.Born)}, {Label: "Tại", Value: c.Place},
			{Label: "Giới tính của con", Value: c.Gender}, {Label: "Cân nặng", Value: "3.200 gam"}, {Label: "Dự định đặt tên con là", Value: c.Name}},
		SignerRole: "Giám đốc bệnh viện", SignerName: "BS.CKII. Nguyễn Văn Thuận"}
}

// BirthCertificate is the result of 1.001193 (giấy khai sinh, bản chính).
func (w *World) BirthCertificate(a dossier.Applicant, c Child, number string, at time.Time) Paper {
	return Paper{Issuer: []string{w.Units[Commune].Name}, Number: "Số: " + number, Place: strings.TrimPrefix(w.Units[Commune].Name, "Ủy ban nhân dân phường "),
		Date: at, Title: "Giấy khai sinh", Subtitle: "(Bản chính)",
		Fields: []Field{{Label: "Họ, chữ đệm, tên", Value: strings.ToUpper(c.Name)}, {Label: "Ngày, tháng, năm sinh", Value: dateVN(c.Born)},
			{Label: "Giới tính", Value: c.Gender}, {Label: "Dân tộc", Value: "Kinh"}, {Label: "Quốc tịch", Value: "Việt Nam"}, {Label: "Nơi sinh", Value: c.Place},
			{Label: "Họ, chữ đệm, tên người đi khai sinh", Value: a.Name}, {Label: "Nơi đăng ký khai sinh", Value: w.Units[Commune].Name + ", tỉnh " + w.Province}},
		SignerRole: "Người ký giấy khai sinh\nChủ tịch", SignerName: w.Members[CommuneHead].Staff.FullName}
}

// Diploma is a paper brought to have a certified copy made (2.000815 TP1/TP2).
func (w *World) Diploma(a dossier.Applicant, copy bool) Paper {
	p := Paper{Issuer: []string{"Bộ Giáo dục và Đào tạo", "Trường Đại học Quy Nhơn"}, Number: "Số hiệu: QN" + a.IDNumber[6:], Place: "Quy Nhơn",
		Date: time.Date(2018, 7, 20, 9, 0, 0, 0, vietnam), Title: "Bằng tốt nghiệp đại học", Subtitle: "Ngành Kế toán",
		Fields: []Field{{Label: "Cấp cho", Value: a.Name}, {Label: "Năm sinh", Value: birthYear(a)}, {Label: "Xếp loại tốt nghiệp", Value: "Khá"},
			{Label: "Hình thức đào tạo", Value: "Chính quy"}},
		SignerRole: "Hiệu trưởng", SignerName: "PGS.TS. Đỗ Ngọc Mỹ"}
	if copy {
		p.Footer = "Bản chụp từ bản chính do người yêu cầu chứng thực cung cấp."
	}
	return p
}

// CertifiedCopy is the result of 2.000815: the copy with the certification.
func (w *World) CertifiedCopy(a dossier.Applicant, book string, at time.Time) Paper {
	p := w.Diploma(a, false)
	p.Issuer = []string{w.Units[Commune].Name}
	p.Number, p.Date, p.Place = "Số chứng thực: "+book, at, strings.TrimPrefix(w.Units[Commune].Name, "Ủy ban nhân dân phường ")
	p.Title, p.Subtitle = "Chứng thực bản sao đúng với bản chính", "Bằng tốt nghiệp đại học số hiệu QN"+a.IDNumber[6:]
	p.Body = []string{"Chứng thực bản sao này đúng với bản chính xuất trình. Bản sao gồm 01 trang, cấp cho " + honorific(a.Name) + " " + a.Name + "."}
	p.SignerRole, p.SignerName = "Người thực hiện chứng thực\nKT. Chủ tịch", w.Members[CommuneHead].Staff.FullName
	return p
}

// Authorisation is a letter of authorisation whose signature is to be
// certified (2.000884 TP2).
func (w *World) Authorisation(a, to dossier.Applicant, at time.Time) Paper {
	return Paper{Title: "Giấy ủy quyền", Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at,
		Fields: append(append([]Field{{Value: "Bên ủy quyền:"}}, w.person(a)[:3]...), Field{Value: "Bên được ủy quyền:"},
			Field{Label: "Họ và tên", Value: strings.ToUpper(to.Name)}, Field{Label: "Số định danh cá nhân (CCCD)", Value: to.IDNumber}),
		Body: []string{"Bên ủy quyền ủy quyền cho bên được ủy quyền thay mặt mình nhận lương hưu và trợ cấp bảo hiểm xã hội hằng tháng tại Bưu điện " + w.cityName() +
			" từ tháng 12 năm 2026 đến hết tháng 11 năm 2027.", "Bên được ủy quyền cam kết thực hiện đúng phạm vi ủy quyền và chịu trách nhiệm trước pháp luật."},
		SignerRole: "Bên ủy quyền", SignerNote: "(Ký, ghi rõ họ tên)", SignerName: a.Name}
}

// IDCard is the applicant's citizen identity card as a paper copy.
func (w *World) IDCard(a dossier.Applicant) Paper {
	return Paper{Title: "Căn cước công dân", Subtitle: "Socialist Republic of Viet Nam — Citizen Identity Card",
		Fields: append(w.person(a)[:3], Field{Label: "Quốc tịch", Value: "Việt Nam"}, Field{Label: "Nơi thường trú", Value: a.Address},
			Field{Label: "Có giá trị đến", Value: "31/12/2040"}),
		SignerRole: "Cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội", SignerName: "(chữ ký, đóng dấu)"}
}

// Contract is a land-use right transfer contract (2.001035 TP1).
func (w *World) Contract(a, b dossier.Applicant, pc Parcel, price int64, at time.Time) Paper {
	return Paper{Title: "Hợp đồng chuyển nhượng quyền sử dụng đất", Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at,
		Fields: []Field{{Label: "Bên chuyển nhượng (bên A)", Value: a.Name + ", CCCD " + a.IDNumber}, {Label: "Bên nhận chuyển nhượng (bên B)", Value: b.Name + ", CCCD " + b.IDNumber},
			{Label: "Thửa đất", Value: "thửa số " + pc.Number + ", tờ bản đồ số " + pc.Sheet + ", diện tích " + fmt.Sprintf("%.1f", pc.Area) + " m²"},
			{Label: "Địa chỉ thửa đất", Value: pc.Address}, {Label: "Mục đích sử dụng", Value: pc.Use}, {Label: "Giá chuyển nhượng", Value: money(price)}},
		Body: []string{"Bên A chuyển nhượng cho bên B toàn bộ quyền sử dụng thửa đất nêu trên; bên B thanh toán đủ một lần khi ký hợp đồng.",
			"Các bên cam đoan thông tin trong hợp đồng là đúng sự thật, tự nguyện giao kết và chịu trách nhiệm trước pháp luật."},
		SignerRole: "Bên A                                Bên B", SignerName: a.Name + "                  " + b.Name}
}

// CertifiedContract is the result of 2.001035: the contract with the
// certifier's statement.
func (w *World) CertifiedContract(a, b dossier.Applicant, pc Parcel, book string, at time.Time) Paper {
	return Paper{Issuer: []string{w.Units[Commune].Name}, Number: "Số chứng thực: " + book, Place: strings.TrimPrefix(w.Units[Commune].Name, "Ủy ban nhân dân phường "),
		Date: at, Title: "Lời chứng của người thực hiện chứng thực",
		Body: []string{fmt.Sprintf("Hôm nay, %s, tại %s, tôi, %s, Chủ tịch %s, chứng thực:", placeDate("", at), w.Units[Commune].Name,
			w.Members[CommuneHead].Staff.FullName, w.Units[Commune].Name),
			fmt.Sprintf("Hợp đồng chuyển nhượng quyền sử dụng đất thửa số %s, tờ bản đồ số %s, %s được giao kết giữa %s %s và %s %s; các bên tự nguyện giao kết hợp đồng, có năng lực hành vi dân sự theo quy định của pháp luật.",
				pc.Number, pc.Sheet, pc.Address, honorific(a.Name), a.Name, honorific(b.Name), b.Name),
			"Các bên đã ký vào hợp đồng trước mặt tôi. Hợp đồng được lập thành 03 bản chính, mỗi bản gồm 02 trang."},
		SignerRole: "Người thực hiện chứng thực\nChủ tịch", SignerName: w.Members[CommuneHead].Staff.FullName}
}

// LandApplication is the application for a first land-use certificate
// (1.013978 TP1, Mẫu số 04/ĐK).
func (w *World) LandApplication(a dossier.Applicant, pc Parcel, at time.Time) Paper {
	return Paper{Title: "Đơn đăng ký đất đai, tài sản gắn liền với đất", Subtitle: "Mẫu số 04/ĐK",
		Addressee: "Kính gửi: " + w.Units[District].Name, Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at,
		Fields: append(append([]Field{{Value: "1. Người sử dụng đất:"}}, w.person(a)[:4]...),
			Field{Value: "2. Thửa đất đăng ký:"}, Field{Label: "Thửa đất số", Value: pc.Number + "; tờ bản đồ số: " + pc.Sheet},
			Field{Label: "Địa chỉ", Value: pc.Address}, Field{Label: "Diện tích", Value: fmt.Sprintf("%.1f m²", pc.Area)},
			Field{Label: "Mục đích sử dụng", Value: pc.Use}, Field{Label: "Nguồn gốc sử dụng", Value: "Nhận chuyển nhượng năm 2003, sử dụng ổn định, không tranh chấp"},
			Field{Value: "3. Đề nghị: cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"}),
		Body:       []string{"Tôi cam đoan nội dung kê khai trên đơn là đúng sự thật, nếu sai tôi hoàn toàn chịu trách nhiệm trước pháp luật."},
		SignerRole: "Người viết đơn", SignerNote: "(Ký, ghi rõ họ tên)", SignerName: a.Name}
}

// LandOrigin is the ward's confirmation of the land's origin (1.013978 TP2).
func (w *World) LandOrigin(a dossier.Applicant, pc Parcel, at time.Time) Paper {
	return Paper{Issuer: []string{w.Units[Commune].Name}, Number: "Số: 112/XN-UBND", Place: strings.TrimPrefix(w.Units[Commune].Name, "Ủy ban nhân dân phường "),
		Date: at.AddDate(0, 0, -20), Title: "Giấy xác nhận nguồn gốc và thời điểm sử dụng đất",
		Body: []string{fmt.Sprintf("%s xác nhận: thửa đất số %s, tờ bản đồ số %s, diện tích %.1f m² tại %s do %s %s sử dụng ổn định từ năm 2003 đến nay, phù hợp quy hoạch, không có tranh chấp.",
			w.Units[Commune].Name, pc.Number, pc.Sheet, pc.Area, pc.Address, honorific(a.Name), a.Name)},
		SignerRole: "TM. Ủy ban nhân dân\nChủ tịch", SignerName: w.Members[CommuneHead].Staff.FullName}
}

// LandTransferSheet is chain step 1: the land registration branch sends
// the parcel's data to the tax office to determine the financial
// obligations (Mẫu số 01/LCHS).
func (w *World) LandTransferSheet(a dossier.Applicant, pc Parcel, code string, at time.Time) Paper {
	return Paper{Issuer: []string{"Văn phòng Đăng ký đất đai tỉnh " + w.Province, w.Units[LandBranch].Name}, Number: "Số: 1407/PCTT-CNVPĐKĐĐ",
		Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at, Title: "Phiếu chuyển thông tin để xác định nghĩa vụ tài chính về đất đai",
		Addressee: "Kính gửi: " + w.Units[TaxOffice].Name,
		Fields: []Field{{Label: "Mã hồ sơ", Value: code}, {Label: "Người sử dụng đất", Value: a.Name + ", CCCD " + a.IDNumber},
			{Label: "Thửa đất", Value: "số " + pc.Number + ", tờ bản đồ số " + pc.Sheet + ", " + pc.Address},
			{Label: "Diện tích", Value: fmt.Sprintf("%.1f m² (đất ở tại đô thị: 100,0 m²; còn lại đất trồng cây lâu năm)", pc.Area)},
			{Label: "Nguồn gốc", Value: "Nhận chuyển nhượng năm 2003, không có giấy tờ về quyền sử dụng đất"},
			{Label: "Giá đất theo bảng giá", Value: "6.500.000 đồng/m²"}},
		SignerRole: "Giám đốc", SignerName: w.Members[LandHead].Staff.FullName}
}

// LandTaxNotice is chain step 2: the tax office's notice of the land-use
// levy and registration fee.
func (w *World) LandTaxNotice(a dossier.Applicant, pc Parcel, code string, at time.Time) Paper {
	return Paper{Issuer: []string{"Cục Thuế tỉnh " + w.Province, w.Units[TaxOffice].Name}, Number: "Số: 8832/TB-CCT", Place: strings.TrimPrefix(w.City, "Thành phố "),
		Date: at, Title: "Thông báo nộp tiền sử dụng đất và lệ phí trước bạ", Addressee: "Kính gửi: " + honorific(a.Name) + " " + a.Name,
		Fields: []Field{{Label: "Mã hồ sơ", Value: code}, {Label: "Thửa đất", Value: "số " + pc.Number + ", tờ bản đồ số " + pc.Sheet},
			{Label: "Tiền sử dụng đất", Value: money(32500000)}, {Label: "Lệ phí trước bạ (0,5%)", Value: money(3250000)},
			{Label: "Thời hạn nộp", Value: "trong 30 ngày kể từ ngày ký thông báo"}, {Label: "Nơi nộp", Value: "Kho bạc Nhà nước " + w.cityName() + " hoặc qua Cổng dịch vụ công"}},
		SignerRole: "Chi cục trưởng", SignerName: w.Members[TaxHead].Staff.FullName}
}

// LandCertificate is the final result of 1.013978.
func (w *World) LandCertificate(a dossier.Applicant, pc Parcel, serial string, at time.Time) Paper {
	return Paper{Issuer: []string{w.Units[District].Name}, Number: "Số vào sổ cấp GCN: " + serial, Place: strings.TrimPrefix(w.City, "Thành phố "), Date: at,
		Title: "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
		Fields: []Field{{Label: "1. Người sử dụng đất", Value: honorific(a.Name) + " " + a.Name + ", năm sinh " + birthYear(a) + ", CCCD " + a.IDNumber},
			{Label: "   Địa chỉ", Value: a.Address}, {Label: "2. Thửa đất số", Value: pc.Number + "; tờ bản đồ số: " + pc.Sheet},
			{Label: "   Địa chỉ thửa đất", Value: pc.Address}, {Label: "   Diện tích", Value: fmt.Sprintf("%.1f m²", pc.Area)},
			{Label: "   Hình thức sử dụng", Value: "Sử dụng riêng"}, {Label: "   Mục đích sử dụng", Value: pc.Use},
			{Label: "   Thời hạn sử dụng", Value: "Đất ở: lâu dài; đất trồng cây lâu năm: đến ngày 15/10/2063"},
			{Label: "   Nguồn gốc sử dụng", Value: "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất"}},
		SignerRole: "TM. Ủy ban nhân dân\nKT. Chủ tịch", SignerName: w.Members[DistrictHead].Staff.FullName}
}

func (w *World) cityName() string {
	return "thành phố " + strings.TrimPrefix(w.City, "Thành phố ")
}

// honorific is "Ông" or "Bà" (by the customary middle name "Thị").
func honorific(name string) string {
	if strings.Contains(name, " Thị ") {
		return "Bà"
	}
	return "Ông"
}
