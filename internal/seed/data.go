package seed

import (
	"fmt"
	"strings"

	"github.com/kyso-vn/kyso/dossier"
)

// province holds the per-province names and codes of the demo.
type province struct {
	name, letter string // "Vĩnh Phúc", "H62" (the level-1 part of agency codes)
	city         string // the capital city, "Thành phố Vĩnh Yên"
	cccd         string // the province's CCCD prefix (first 3 digits)
	dept         string // the province department that decides the demo's province-level procedures
	deptCode     string // its level-2 group, e.g. "12"
	ward         string // the demo ward, "phường Liên Bảo"
	// staff are the staff's full names in the order of staffOf.
	staff []string
	// applicants: full name, birth year, street of the ward.
	applicants []applicantSpec
}

type applicantSpec struct {
	name   string
	year   int
	street string
}

// Province letters of agency codes (QĐ 20/2020/QĐ-TTg): Quảng Ngãi H48 is
// seen in real data; the others follow the alphabetical order real codes
// fit and are unconfirmed. Units, groups and names follow the proposal in
// dossier/profiles/README.md ("Units and agency codes"); the level-2/3
// numbers are illustrative.
func provinces() map[string]province {
	return map[string]province{
		"vinh-phuc": {name: "Vĩnh Phúc", letter: "H62", city: "Thành phố Vĩnh Yên", cccd: "026", dept: "Sở Tư pháp", deptCode: "12", ward: "phường Liên Bảo",
			staff: []string{"Nguyễn Văn An", "Phạm Thị Dung", "Đỗ Thị Hạnh", "Lê Văn Cường", "Trần Thị Bình", "Vũ Thị Giang", "Ngô Văn Khải",
				"Bùi Văn Long", "Lý Thị Mai", "Đinh Văn Nam", "Hồ Thị Oanh", "Kim Thị Huệ", "Tạ Văn Phúc", "Mai Văn Quang",
				"Khổng Văn Thành", "Dương Thị Thu Hà", "Chu Thị Hồng Nhung", "Phan Văn Hùng", "Lương Văn Thắng", "Trương Thị Ngọc Ánh"},
			applicants: []applicantSpec{{"Hoàng Văn Em", 1985, "số 12 đường Kim Ngọc"}, {"Nguyễn Thị Thu Trang", 1992, "số 45 đường Lam Sơn"},
				{"Trần Minh Đức", 1979, "số 8 ngõ 3 đường Mê Linh"}, {"Lê Thị Hồng", 1988, "số 102 đường Nguyễn Tất Thành"},
				{"Phùng Văn Thịnh", 1990, "số 27 đường Trần Phú"}, {"Đỗ Thị Ngọc Mai", 1996, "số 5 đường Lê Xoay"},
				{"Nguyễn Quang Huy", 1983, "số 61 đường Hai Bà Trưng"}, {"Vương Thị Lan Anh", 1994, "số 19 đường Chùa Hà"}}},
		"cao-bang": {name: "Cao Bằng", letter: "H13", city: "Thành phố Cao Bằng", cccd: "004", dept: "Sở Tư pháp", deptCode: "12", ward: "phường Hợp Giang",
			staff: []string{"Nông Văn Sơn", "Hoàng Thị Kim Oanh", "Bế Thị Thanh", "Lục Văn Hải", "Đàm Thị Huyền", "Lương Thị Vân", "Sầm Văn Đức",
				"Nông Quốc Hưng", "Hà Thị Liên", "Triệu Văn Toàn", "Lâm Thị Ngọc", "Mạc Thị Xuân", "Hoàng Văn Khánh", "Chu Văn Lực",
				"Đinh Văn Bảo", "Lô Thị Hằng", "Vi Văn Tường", "La Thị Mến", "Bế Văn Định", "Nông Thị Duyên"},
			applicants: []applicantSpec{{"Nông Thị Mai", 1987, "số 14 phố Kim Đồng"}, {"Hoàng Văn Dũng", 1981, "số 32 phố Vườn Cam"},
				{"Bế Văn Tuấn", 1993, "số 7 phố Hiến Giang"}, {"Lục Thị Hương", 1990, "số 56 phố Xuân Trường"},
				{"Đàm Văn Quý", 1976, "số 3 phố Kim Đồng"}, {"Sầm Thị Ngân", 1998, "số 21 phố Vườn Cam"},
				{"Triệu Văn Hùng", 1984, "số 40 phố Hiến Giang"}, {"Lương Thị Thắm", 1995, "số 9 phố Xuân Trường"}}},
		"binh-dinh": {name: "Bình Định", letter: "H09", city: "Thành phố Quy Nhơn", cccd: "052", dept: "Sở Kế hoạch và Đầu tư", deptCode: "14", ward: "phường Lê Hồng Phong",
			staff: []string{"Huỳnh Văn Tài", "Võ Thị Lan", "Phan Thị Mỹ Hạnh", "Nguyễn Đức Minh", "Trần Thị Kim Loan", "Đoàn Thị Mỹ Dung", "Lê Hoàng Nam",
				"Võ Văn Lộc", "Phạm Thị Diễm", "Huỳnh Thị Bích Trâm", "Đặng Quốc Tuấn", "Tô Thị Hương", "Cao Văn Tín", "Lâm Văn Phong",
				"Đào Văn Hiếu", "Ngô Thị Thanh Tâm", "Hồ Thị Thúy", "Trịnh Văn Quý", "Bùi Văn Hòa", "Lương Thị Hoài"},
			applicants: []applicantSpec{{"Nguyễn Văn Hải", 1986, "số 118 đường Lê Hồng Phong"}, {"Trần Thị Mỹ Lệ", 1991, "số 24 đường Trần Hưng Đạo"},
				{"Võ Minh Tuấn", 1980, "số 9 đường Phan Bội Châu"}, {"Huỳnh Thị Kim Ngân", 1997, "số 73 đường Lê Hồng Phong"},
				{"Phan Văn Sáu", 1972, "số 15 đường Ngô Mây"}, {"Lê Thị Ánh Tuyết", 1989, "số 40 đường Tăng Bạt Hổ"},
				{"Đặng Văn Phú", 1983, "số 6 đường Trần Hưng Đạo"}, {"Nguyễn Thị Bích Ngọc", 1994, "số 88 đường Phan Bội Châu"}}},
		"binh-phuoc": {name: "Bình Phước", letter: "H10", city: "Thành phố Đồng Xoài", cccd: "070", dept: "Sở Tài nguyên và Môi trường", deptCode: "17", ward: "phường Tân Phú",
			staff: []string{"Trần Văn Toàn", "Nguyễn Thị Kim Chi", "Điểu Thị Lanh", "Lê Quang Vinh", "Phạm Thị Thanh Thủy", "Hoàng Thị Mai Anh", "Đỗ Minh Khoa",
				"Nguyễn Văn Hưởng", "Vũ Thị Ngân", "Điểu Minh Sang", "Trịnh Thị Hoa", "Bùi Thị Phượng", "Quách Văn Bảo", "Ông Văn Đạt",
				"Lâm Văn Phát", "Nguyễn Hữu Tâm", "Phùng Thị Lệ", "Kiều Thị Yến", "Hà Văn Dũng", "Tăng Thị Mỹ"},
			applicants: []applicantSpec{{"Nguyễn Văn Lực", 1978, "số 25 đường Phú Riềng Đỏ"}, {"Điểu Thị Ngọc", 1990, "số 11 đường Hùng Vương"},
				{"Trần Thị Thanh Hương", 1985, "số 67 đường Trần Hưng Đạo"}, {"Phạm Văn Quyết", 1982, "số 3 đường Lê Quý Đôn"},
				{"Hoàng Thị Bích", 1993, "số 140 đường Phú Riềng Đỏ"}, {"Vũ Văn Khoa", 1987, "số 52 đường Hùng Vương"},
				{"Lâm Thị Diệu", 1996, "số 8 đường Nguyễn Huệ"}, {"Đỗ Văn Thành", 1975, "số 31 đường Trần Hưng Đạo"}}},
		"quang-ngai": {name: "Quảng Ngãi", letter: "H48", city: "Thành phố Quảng Ngãi", cccd: "051", dept: "Sở Tư pháp", deptCode: "12", ward: "phường Trần Phú",
			staff: []string{"Huỳnh Văn Thanh", "Lê Thị Thùy Linh", "Trương Thị Ngọc Ánh", "Phạm Minh Khoa", "Nguyễn Thị Hồng Vân", "Đinh Thị Kiều", "Võ Văn Lâm",
				"Trần Quang Vinh", "Bùi Thị Thu", "Đinh Văn Bảy", "Phạm Thị Lài", "Nguyễn Thị Sương", "Lương Văn Chín", "Hồ Văn Tánh",
				"Tạ Văn Hiền", "Nguyễn Thị Lụa", "Phan Thị Nga", "Lê Văn Trí", "Võ Thị Hiền", "Trần Văn Lâm"},
			applicants: []applicantSpec{{"Trương Văn Lợi", 1984, "số 36 đường Quang Trung"}, {"Nguyễn Thị Hoa", 1991, "số 12 đường Phan Đình Phùng"},
				{"Phạm Văn Khánh", 1979, "số 7 đường Nguyễn Nghiêm"}, {"Võ Thị Thanh Nhàn", 1995, "số 58 đường Quang Trung"},
				{"Huỳnh Văn Tâm", 1988, "số 21 đường Lê Lợi"}, {"Lê Thị Mỹ Duyên", 1993, "số 4 đường Phan Đình Phùng"},
				{"Đinh Văn Quang", 1981, "số 90 đường Nguyễn Nghiêm"}, {"Trần Thị Xuân", 1986, "số 17 đường Hùng Vương"}}},
	}
}

// Profiles lists the province profiles the seed knows, in demo order.
func Profiles() []string {
	return []string{"vinh-phuc", "cao-bang", "binh-dinh", "binh-phuoc", "quang-ngai"}
}

type unitSpec struct {
	key, code, name, level, kind, parent string
}

// unitsOf lists the province's units, parents first.
func unitsOf(pv province, interAgency bool) []unitSpec {
	code := func(bb, cc string) string { return "000." + bb + "." + cc + "." + pv.letter }
	city := strings.TrimPrefix(pv.city, "Thành phố ")
	us := []unitSpec{
		{Centre, code("00", "30"), "Trung tâm Phục vụ hành chính công tỉnh " + pv.name, dossier.LevelProvince, dossier.UnitCentre, ""},
		{Agency, code("00", pv.deptCode), pv.dept + " tỉnh " + pv.name, dossier.LevelProvince, dossier.UnitAgency, ""},
		{District, code("00", "31"), "Ủy ban nhân dân thành phố " + city, dossier.LevelDistrict, dossier.UnitAgency, ""},
		{Commune, code("10", "31"), "Ủy ban nhân dân " + pv.ward, dossier.LevelCommune, dossier.UnitCommune, District},
	}
	if interAgency {
		us = append(us,
			unitSpec{LandBranch, code("02", pv.deptCode), "Chi nhánh Văn phòng Đăng ký đất đai thành phố " + city, dossier.LevelDistrict, dossier.UnitAgency, ""},
			// The tax office belongs to the Ministry of Finance's tree (a
			// G code), not to the province's list; this code is
			// illustrative and unconfirmed.
			unitSpec{TaxOffice, "000.31.10.G12", "Chi cục Thuế thành phố " + city, dossier.LevelDistrict, dossier.UnitAgency, ""},
		)
	}
	return us
}

type person struct {
	key, user, name, title, unit string
	roles                        []dossier.Role
	org                          bool // signs with the unit's organisation certificate
	female                       bool
}

// staffOf lists the province's staff. Usernames carry the province
// letter's digits, so they are unique across the five provinces.
func staffOf(pv province, interAgency bool) []person {
	n := pv.letter[1:]
	ps := []person{
		{Intake, "tiepnhan" + n, "", "Công chức Bộ phận Tiếp nhận và Trả kết quả", Centre, []dossier.Role{dossier.RoleIntake}, false, false},
		{Director, "giamdoc" + n, "", "Giám đốc Trung tâm Phục vụ hành chính công", Centre, []dossier.Role{dossier.RoleHead}, false, false},
		{CentreSeal, "vanthutt" + n, "", "Văn thư Trung tâm", Centre, []dossier.Role{dossier.RoleSeal}, true, false},
		{Specialist, "chuyenvien" + n, "", "Chuyên viên", Agency, []dossier.Role{dossier.RoleSpecialist}, false, false},
		{Head, "lanhdao" + n, "", "Giám đốc Sở", Agency, []dossier.Role{dossier.RoleHead}, false, false},
		{Seal, "vanthu" + n, "", "Văn thư Sở", Agency, []dossier.Role{dossier.RoleSeal}, true, false},
		{DistrictOfficer, "cvthanhpho" + n, "", "Chuyên viên Phòng Tài chính - Kế hoạch", District, []dossier.Role{dossier.RoleSpecialist}, false, false},
		{DistrictHead, "ctthanhpho" + n, "", "Chủ tịch Ủy ban nhân dân thành phố", District, []dossier.Role{dossier.RoleHead}, false, false},
		{DistrictSeal, "vtthanhpho" + n, "", "Văn thư Ủy ban nhân dân thành phố", District, []dossier.Role{dossier.RoleSeal}, true, false},
		{CommuneIntake, "tnphuong" + n, "", "Công chức Tư pháp - Hộ tịch", Commune, []dossier.Role{dossier.RoleIntake, dossier.RoleSpecialist}, false, false},
		// The ward's chairman also signs as the ward (its seal) where no
		// seal keeper is at hand (QĐ 03/2020 Đ14.4b).
		{CommuneHead, "ctphuong" + n, "", "Chủ tịch Ủy ban nhân dân phường", Commune, []dossier.Role{dossier.RoleHead, dossier.RoleSeal}, false, false},
		{CommuneSeal, "vtphuong" + n, "", "Văn thư Ủy ban nhân dân phường", Commune, []dossier.Role{dossier.RoleSeal}, true, false},
		{Archivist, "luutru" + n, "", "Lưu trữ viên", Centre, []dossier.Role{dossier.RoleArchivist}, false, false},
		{Admin, "quantri" + n, "", "Quản trị hệ thống", Centre, []dossier.Role{dossier.RoleAdmin}, false, false},
	}
	if interAgency {
		ps = append(ps,
			person{LandOfficer, "cvdatdai" + n, "", "Chuyên viên Chi nhánh Văn phòng Đăng ký đất đai", LandBranch, []dossier.Role{dossier.RoleSpecialist}, false, false},
			person{LandHead, "gddatdai" + n, "", "Giám đốc Chi nhánh Văn phòng Đăng ký đất đai", LandBranch, []dossier.Role{dossier.RoleHead}, false, false},
			person{LandSeal, "vtdatdai" + n, "", "Văn thư Chi nhánh Văn phòng Đăng ký đất đai", LandBranch, []dossier.Role{dossier.RoleSeal}, true, false},
			person{TaxOfficer, "cvthue" + n, "", "Công chức Chi cục Thuế", TaxOffice, []dossier.Role{dossier.RoleSpecialist}, false, false},
			person{TaxHead, "cctthue" + n, "", "Chi cục trưởng Chi cục Thuế", TaxOffice, []dossier.Role{dossier.RoleHead}, false, false},
			person{TaxSeal, "vtthue" + n, "", "Văn thư Chi cục Thuế", TaxOffice, []dossier.Role{dossier.RoleSeal}, true, false},
		)
	}
	for i := range ps {
		ps[i].name = pv.staff[i]
		ps[i].female = strings.Contains(ps[i].name, " Thị ")
	}
	return ps
}

// applicantsOf are the province's demo applicants, living in the ward.
func applicantsOf(pv province, ward, city string) []dossier.Applicant {
	var out []dossier.Applicant
	for i, a := range pv.applicants {
		id := cccd(pv.cccd, strings.Contains(a.name, " Thị "), a.year, 3141+i*2719+int(pv.letter[1]-'0')*7919)
		out = append(out, dossier.Applicant{Name: a.name, IDNumber: id,
			Address: a.street + ", " + strings.TrimPrefix(ward, "Ủy ban nhân dân ") + ", " + strings.TrimPrefix(city, "Ủy ban nhân dân ") + ", tỉnh " + pv.name,
			Phone:   fmt.Sprintf("09%d%07d", 1+i%8, 4012345+i*1117+len(pv.name)*31), Account: "vneid-" + id})
	}
	return out
}
