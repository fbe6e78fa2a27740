// Package forms renders the letters and notices of the one-stop mechanism
// to PDF, in Vietnamese, from templates modelled on the forms annexed to
// Thông tư 01/2018/TT-VPCP (replaced by Thông tư 03/2025/TT-VPCP). It owns
// the layout and wording only: storing, routing and signing belong to the
// dossier engine, which gets back the bytes, the role that must sign and
// the rectangle where the visible signature goes.
//
// # Forms
//
// One data type per form; Set.Render validates it and lays it out:
//
//	Receipt            01  Giấy tiếp nhận hồ sơ và hẹn trả kết quả             A5
//	SupplementRequest  02  Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ             A5
//	Refusal            03  Phiếu từ chối tiếp nhận giải quyết hồ sơ            A5
//	Apology            04  Phiếu xin lỗi và hẹn lại ngày trả kết quả           A5
//	                       (2025: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết)
//	StopNotice       (05)  Thông báo dừng giải quyết hồ sơ — TT 03/2025 only   A5
//	ControlSheet    05/06  Phiếu kiểm soát quá trình giải quyết hồ sơ          A5
//	DossierLog      06/07  Sổ theo dõi hồ sơ                                   A4 landscape
//
// Every page follows the conventions of Nghị định 30/2020/NĐ-CP Phụ lục I:
// the governing body and the issuing agency top left (the agency in bold
// capitals over a short rule), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and the
// underlined motto "Độc lập - Tự do - Hạnh phúc" top right, the number
// ("Số: …") and the italic place-date line ("Vĩnh Phúc, ngày 01 tháng 7
// năm 2025": a day below 10 and the months 1 and 2 with a leading zero),
// the title in bold capitals, the body, and a signature block (authority
// and title in bold capitals, the blank space, the name in bold). Page
// numbers from page 2. Times are shown in Vietnam's time zone, as
// "09 giờ 15 phút, ngày 01 tháng 7 năm 2025".
//
// Text is set in Liberation Serif (metric-compatible with Times New Roman),
// regular, bold and italic, embedded as subsets with a ToUnicode map from
// internal/fonts, so pdftotext returns the exact Vietnamese. Characters the
// typeface lacks (CJK, emoji, anything beyond the Basic Multilingual Plane)
// are refused as invalid data rather than printed blank.
//
// When the caller passes a QR, an ISO/IEC 18004 symbol (github.com/skip2/
// go-qrcode, error correction M) is printed in the top-left corner of page
// 1 with the dossier code beside it (TT 01/2023/TT-VPCP: at least the
// dossier code, the procedure code, the applicant's identifier and the
// document's name). Its text is QR.Payload, compact JSON.
//
// # Signing
//
// Document.Signature is the signature block's blank rectangle in PDF points
// with a bottom-left origin, the convention of signer.Rect; pass it as
// signer.Appearance{Page, Rect} and the visible signature lands exactly
// there, clear of the text (the tests check it with pdftotext -bbox and a
// signature validated by pdfsig). Document.Signer is the form's default
// signatory role; the caller makes the final routing:
//
//	Receipt, ControlSheet, DossierLog  RoleReceivingUnit   the unit's organisation signature
//	SupplementRequest                  RoleIntakeOfficer   at intake; RoleSpecialist during processing
//	Refusal                            RoleIntakeOfficer
//	Apology, wrong guidance at intake  RoleIntakeHead      centre director / commune chairman (QĐ 03/2020 Điều 13.2)
//	Apology during processing, late    RoleAgencyHead      head of the deciding agency (Điều 14.1, 22.7)
//	Apology for an extension           RoleDecidingAgency  the agency's signature (Điều 14.4)
//	StopNotice                         RoleAgencyHead
//
// # Versions
//
// Template sets carry effective dates; Version(t) picks the set in force at
// t and a dossier keeps the set of its receipt date (store Set.ID,
// VersionByID gets it back):
//
//	TT01-2018  Thông tư số 01/2018/TT-VPCP of 23/11/2018, from 08/01/2019
//	TT03-2025  Thông tư số 03/2025/TT-VPCP of 15/9/2025, from 15/9/2025
//
// Output is deterministic: the creation date comes from the data (the
// receipt or issue time), fonts and images get fixed names and catalogs are
// sorted, so the same data gives the same bytes.
//
// # Sources: what is confirmed and what is modelled
//
// The circulars' annexes themselves could not be retrieved. What was found:
//
//   - The seed QĐ 03/2020 (Vĩnh Phúc) Điều 13.2, 14.1, 14.4 and 22.7 for who
//     signs apology letters, and its citation of TT 01/2018/TT-VPCP of
//     23/11/2018.
//   - TT 03/2025/TT-VPCP: a legal publisher's page (thuviennhadat.vn) says it
//     was issued on 15/9/2025 under NĐ 118/2025/NĐ-CP and that its Phụ lục I
//     sets the forms from 15/9/2025: 01 Giấy tiếp nhận hồ sơ và hẹn trả kết
//     quả; 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ; 03 Phiếu từ chối tiếp
//     nhận giải quyết hồ sơ; 04 Văn bản xin lỗi và đề nghị gia hạn thời gian
//     giải quyết; 05 Thông báo dừng giải quyết hồ sơ; 06 Phiếu kiểm soát quá
//     trình giải quyết hồ sơ; 07 Sổ theo dõi hồ sơ. A study of Hà Nội's
//     system in a public repository gives the same list. Titles and
//     numbering of the 2025 set are therefore confirmed; its contents are
//     not.
//   - TT 01/2018's wording, from print templates of one-stop software used
//     in several provinces (public repositories): form 01 (Phú Thọ) — "Mã hồ
//     sơ", "Bộ phận tiếp nhận và trả kết quả", "Tiếp nhận hồ sơ của", address,
//     phone and e-mail, "Nội dung yêu cầu giải quyết", items 1–6 (thành phần
//     hồ sơ, số lượng hồ sơ (bộ), thời gian giải quyết theo quy định, thời
//     gian nhận hồ sơ, thời gian trả kết quả, đăng ký nhận kết quả tại),
//     "Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …", the two notes and the
//     blocks NGƯỜI NỘP HỒ SƠ / NGƯỜI TIẾP NHẬN HỒ SƠ "(Ký và ghi rõ họ tên)";
//     form 02 (Thanh Hóa, labelled "Theo Mẫu số 02 … Thông tư số
//     01/2018/TT-VPCP") — the contents list, "Lý do", the contact sentence
//     and NGƯỜI HƯỚNG DẪN; form 03 (Thanh Hóa) — "Qua xem xét, … thông báo
//     không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau" and
//     "Xin thông báo cho Ông/Bà được biết và thực hiện"; form 04 (Đồng Nai,
//     a local adaptation) — "Số: …/PXL", "Kính gửi", receipt date, dossier
//     code, appointment, reason, apology, new date, the head's block; form 05
//     (Ninh Thuận) — "Kèm theo hồ sơ của", "Cơ quan (bộ phận) giải quyết hồ
//     sơ", "Cơ quan phối hợp giải quyết hồ sơ" and the table TÊN CƠ QUAN /
//     THỜI GIAN GIAO, NHẬN HỒ SƠ / KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng
//     hạn/quá hạn) / GHI CHÚ with "Giao:", "Nhận:", "…giờ…phút, ngày … tháng
//     … năm…", Người giao, Người nhận.
//
// Modelled (not confirmed by a source):
//
//   - The apology's sentences (from the 2018 form as remembered; the
//     structure agrees with the adaptation above), the wrong-guidance letter
//     ("THƯ XIN LỖI", which the circulars have no form for) and the stop
//     notice's body.
//   - The dossier log's columns and the A4 landscape page.
//   - The 2025 set: the 2018 layouts and wording under the confirmed 2025
//     titles and numbers, until the annex can be read.
//   - TT 01/2018's effective date (08/01/2019).
//   - Additions for electronic use: the QR band, the identifier and
//     procedure code on the receipt, the channel after the receipt time,
//     each component's kind and count, "(Lần n)" on a repeated supplement
//     request, "Mã hồ sơ" under the titles of 02 and 03, the receipt and
//     appointment times on the control sheet (as in the Ninh Thuận sheet),
//     and a certifying signature block on the control sheet and the log,
//     which on paper are signed row by row.
//   - Margins and sizes: A5 is 148 × 210 mm (ISO 216) with 15/10/9 mm
//     margins and 10 pt text; the log is A4 landscape with 11 pt headers.
package forms
