package forms_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/dossier/forms"
)

// A dossier keeps the template set in force on its receipt date.
func ExampleVersion() {
	ict := time.FixedZone("ICT", 7*3600)
	for _, received := range []time.Time{
		time.Date(2025, time.July, 1, 9, 15, 0, 0, ict),
		time.Date(2025, time.September, 15, 7, 30, 0, 0, ict),
	} {
		set, err := forms.Version(received)
		if err != nil {
			fmt.Println(err)
			continue
		}
		n, title, _ := set.Template(forms.KindApology)
		fmt.Printf("%s: %s, %s %s\n", received.Format("02/01/2006"), set.ID, n, title)
	}
	// Output:
	// 01/07/2025: TT01-2018, Mẫu số 04 PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ
	// 15/09/2025: TT03-2025, Mẫu số 04 VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT
}

// Render an apology letter for a late result; the document says who must
// sign it and where the visible signature goes (for signer.Appearance).
func ExampleSet_Render() {
	ict := time.FixedZone("ICT", 7*3600)
	received := time.Date(2025, time.July, 1, 9, 15, 0, 0, ict)
	set, _ := forms.Version(received)
	doc, err := set.Render(forms.Apology{
		Agency:              forms.Agency{Parent: "UBND tỉnh Vĩnh Phúc", Name: "Sở Tư pháp", Place: "Vĩnh Phúc"},
		Number:              "12/PXL",
		IssuedAt:            time.Date(2025, time.July, 16, 8, 0, 0, 0, ict),
		Addressee:           "Bà Nguyễn Thị Hằng",
		Procedure:           forms.Procedure{Code: "2.000488", Name: "Cấp Phiếu lý lịch tư pháp"},
		DossierCode:         "000.00.05.H62-250701-0001",
		ReceivedAt:          received,
		OriginalAppointment: time.Date(2025, time.July, 15, 16, 30, 0, 0, ict),
		NewAppointment:      time.Date(2025, time.July, 22, 9, 0, 0, 0, ict),
		Reason:              "chưa có kết quả xác minh",
		Cause:               forms.CauseLate,
		Stage:               forms.StageProcessing,
		Signatory:           forms.Signatory{Title: "Giám đốc", Name: "Hoàng Văn Nam"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b := doc.Signature
	fmt.Println(doc.Template, doc.Title)
	fmt.Println("signed by:", doc.Signer, "organisation:", doc.Signer.Organisation())
	fmt.Printf("signature: page %d, %.0f×%.0f pt\n", b.Page, b.W, b.H)
	// Output:
	// Mẫu số 04 PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ
	// signed by: agency-head organisation: false
	// signature: page 1, 190×52 pt
}

// Missing or inconsistent data is refused with an error naming the field.
func ExampleFieldError() {
	set, _ := forms.VersionByID("TT01-2018")
	_, err := set.Render(forms.Refusal{
		Agency:    forms.Agency{Name: "Ủy ban nhân dân xã Tam Hồng", Place: "Tam Hồng"},
		IssuedAt:  time.Date(2025, time.August, 4, 14, 5, 0, 0, time.UTC),
		Unit:      "Bộ phận Một cửa",
		Applicant: forms.Applicant{Name: "Phạm Đức Thắng"},
		Procedure: forms.Procedure{Name: "Đăng ký khai sinh"},
		RefusedBy: "Đỗ Thị Lan",
	})
	fmt.Println(errors.Is(err, forms.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// forms: refusal: Reasons: empty list
}
