package forms_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier/forms"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string // "" for ErrNoVersion
	}{
		{at(2018, time.November, 23, 9, 0), ""},
		{time.Date(2019, time.January, 7, 23, 59, 59, 0, ict), ""},
		{at(2019, time.January, 8, 0, 0), "TT01-2018"},
		{at(2025, time.July, 1, 9, 15), "TT01-2018"},
		{time.Date(2025, time.September, 14, 23, 59, 59, 0, ict), "TT01-2018"},
		// 17:00 UTC on 14/9 is midnight in Vietnam: the new set.
		{time.Date(2025, time.September, 14, 17, 0, 0, 0, time.UTC), "TT03-2025"},
		{time.Date(2025, time.September, 14, 16, 59, 59, 0, time.UTC), "TT01-2018"},
		{at(2026, time.February, 16, 8, 0), "TT03-2025"},
	}
	for _, tc := range tests {
		set, err := forms.Version(tc.at)
		switch {
		case tc.want == "" && !errors.Is(err, forms.ErrNoVersion):
			t.Errorf("Version(%s) = %v, %v; want ErrNoVersion", tc.at, set, err)
		case tc.want != "" && (err != nil || set.ID != tc.want):
			t.Errorf("Version(%s) = %v, %v; want %s", tc.at, set, err, tc.want)
		}
	}
}

func TestVersionByIDAndTemplates(t *testing.T) {
	if _, err := forms.VersionByID("TT99-2030"); !errors.Is(err, forms.ErrNoVersion) {
		t.Errorf("unknown ID: %v", err)
	}
	old, err := forms.VersionByID("TT01-2018")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := forms.VersionByID("TT03-2025")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		set           *forms.Set
		kind          forms.Kind
		number, title string
	}{
		{old, forms.KindReceipt, "Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"},
		{old, forms.KindApology, "Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"},
		{old, forms.KindControlSheet, "Mẫu số 05", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
		{old, forms.KindDossierLog, "Mẫu số 06", "SỔ THEO DÕI HỒ SƠ"},
		{cur, forms.KindApology, "Mẫu số 04", "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"},
		{cur, forms.KindStopNotice, "Mẫu số 05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"},
		{cur, forms.KindControlSheet, "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
		{cur, forms.KindDossierLog, "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ"},
	}
	for _, tc := range tests {
		n, title, ok := tc.set.Template(tc.kind)
		if !ok || n != tc.number || title != tc.title {
			t.Errorf("%s %s: %q %q %v; want %q %q", tc.set.ID, tc.kind, n, title, ok, tc.number, tc.title)
		}
	}
	if old.Has(forms.KindStopNotice) || !cur.Has(forms.KindStopNotice) {
		t.Error("the stop notice exists only in TT 03/2025")
	}
	// Versions hands out copies: changing one does not change the next.
	vs := forms.Versions()
	vs[0].ID = "changed"
	if forms.Versions()[0].ID != "TT01-2018" {
		t.Error("Versions shares state between callers")
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		t                time.Time
		date, clock, all string
	}{
		{at(2025, time.July, 1, 9, 15), "ngày 01 tháng 7 năm 2025", "09 giờ 15 phút", "09 giờ 15 phút, ngày 01 tháng 7 năm 2025"},
		{at(2026, time.February, 15, 14, 5), "ngày 15 tháng 02 năm 2026", "14 giờ 05 phút", "14 giờ 05 phút, ngày 15 tháng 02 năm 2026"},
		{at(2026, time.January, 9, 0, 0), "ngày 09 tháng 01 năm 2026", "00 giờ 00 phút", "00 giờ 00 phút, ngày 09 tháng 01 năm 2026"},
		{at(2025, time.December, 31, 23, 59), "ngày 31 tháng 12 năm 2025", "23 giờ 59 phút", "23 giờ 59 phút, ngày 31 tháng 12 năm 2025"},
		// A UTC time is shown in Vietnam's zone: 20:00 UTC is 03:00 the next day.
		{time.Date(2025, time.June, 30, 20, 0, 0, 0, time.UTC), "ngày 01 tháng 7 năm 2025", "03 giờ 00 phút", "03 giờ 00 phút, ngày 01 tháng 7 năm 2025"},
	}
	for _, tc := range tests {
		if got := forms.Date(tc.t); got != tc.date {
			t.Errorf("Date(%s) = %q, want %q", tc.t, got, tc.date)
		}
		if got := forms.Clock(tc.t); got != tc.clock {
			t.Errorf("Clock(%s) = %q, want %q", tc.t, got, tc.clock)
		}
		if got := forms.DateTime(tc.t); got != tc.all {
			t.Errorf("DateTime(%s) = %q, want %q", tc.t, got, tc.all)
		}
	}
}

func TestQRPayload(t *testing.T) {
	q := forms.QR{DossierCode: "X-1", ProcedureCode: "1.001193", ApplicantID: "026******123", DocumentName: "Giấy tiếp nhận"}
	want := `{"dossier":"X-1","procedure":"1.001193","applicant":"026******123","document":"Giấy tiếp nhận"}`
	if got := q.Payload(); got != want {
		t.Errorf("payload %s, want %s", got, want)
	}
	q.URL = "https://example.vn/a"
	if got := q.Payload(); got != want[:len(want)-1]+`,"url":"https://example.vn/a"}` {
		t.Errorf("payload with URL %s", got)
	}
}
