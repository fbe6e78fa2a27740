package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/kyso-vn/kyso/dossier"
)

// Letters renders the one-stop forms of TT 01/2018 the demo sends — 01
// receipt and appointment, 02 request to supplement, 03 refusal, 04
// apology and new return date — as Papers. It is the demo's stand-in for
// package dossier/forms where that renderer is not wired; the field lists
// follow DOMAIN.md (form 04's is unconfirmed).
type Letters struct{}

var _ dossier.LetterRenderer = Letters{}

// Render implements dossier.LetterRenderer.
func (Letters) Render(ctx context.Context, l *dossier.Letter) (*dossier.RenderedLetter, error) {
	d := l.Dossier
	if d == nil || l.Procedure == nil {
		return nil, fmt.Errorf("%w: letter without its dossier or procedure", dossier.ErrInvalid)
	}
	a := d.Applicant
	who := honorific(a.Name)
	issuer := l.Receiving
	if l.Deciding.Code != "" && (l.Kind == dossier.LetterSupplementProcessing || l.Kind == dossier.LetterExtension || l.Kind == dossier.LetterLateApology) {
		issuer = l.Deciding
	}
	p := Paper{Issuer: issuerLines(issuer, l.Receiving), Number: "Số: " + l.Number, Place: placeOf(issuer), Date: l.Date,
		SignerRole: signerRole(issuer), SignerName: l.Signatory, QR: l.QR,
		Footer: "Mã hồ sơ: " + d.Code + ". Tra cứu tình trạng hồ sơ tại Cổng dịch vụ công của tỉnh bằng mã hồ sơ hoặc mã QR."}
	components := func() []Field {
		var fs []Field
		for i, c := range l.Procedure.Components {
			fs = append(fs, Field{Value: fmt.Sprintf("%d. %s", i+1, c.Name)})
		}
		return fs
	}
	switch l.Kind {
	case dossier.LetterReceipt:
		p.Title, p.Subtitle = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Mã hồ sơ: "+d.Code
		p.Fields = append([]Field{
			{Label: issuer.Name + " tiếp nhận hồ sơ của", Value: who + " " + a.Name},
			{Label: "Địa chỉ", Value: a.Address}, {Label: "Số điện thoại", Value: a.Phone},
			{Label: "Nội dung yêu cầu giải quyết", Value: l.Procedure.Name},
			{Value: "Thành phần hồ sơ gồm:"}}, components()...)
		p.Fields = append(p.Fields,
			Field{Label: "Thời gian nhận hồ sơ", Value: timeVN(d.SubmittedAt)},
			Field{Label: "Thời gian trả kết quả giải quyết hồ sơ", Value: timeVN(d.Deadline)},
			Field{Label: "Đăng ký nhận kết quả tại", Value: "Bộ phận Tiếp nhận và Trả kết quả, " + l.Receiving.Name})
		p.SignerRole = "Người tiếp nhận hồ sơ"
	case dossier.LetterGuidance:
		p.Title, p.Subtitle = "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Mã hồ sơ: "+d.Code
		p.Body = []string{fmt.Sprintf("%s tiếp nhận hồ sơ đề nghị %s của %s %s. Sau khi xem xét, đề nghị %s bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
			l.Receiving.Name, lowerFirst(l.Procedure.Name), who, a.Name, who)}
		for i, it := range l.Items {
			p.Fields = append(p.Fields, Field{Value: fmt.Sprintf("%d. %s", i+1, it)})
		}
		if l.Reason != "" {
			p.Body = append(p.Body, "Lý do: "+l.Reason)
		}
		p.Body = append(p.Body, "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, "+who+" liên hệ Bộ phận Tiếp nhận và Trả kết quả để được hướng dẫn.")
	case dossier.LetterRefusal:
		p.Title, p.Subtitle = "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", "Mã hồ sơ: "+d.Code
		p.Body = []string{fmt.Sprintf("%s tiếp nhận hồ sơ đề nghị %s của %s %s.", l.Receiving.Name, lowerFirst(l.Procedure.Name), who, a.Name),
			"Qua xem xét, cơ quan có thẩm quyền từ chối giải quyết hồ sơ với lý do: " + l.Reason, "Xin thông báo để " + who + " được biết."}
	case dossier.LetterSupplementIntake, dossier.LetterSupplementProcessing, dossier.LetterExtension, dossier.LetterLateApology:
		p.Title = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
		p.Addressee = "Kính gửi: " + who + " " + a.Name
		p.Body = []string{
			fmt.Sprintf("Ngày %s, %s tiếp nhận giải quyết hồ sơ đề nghị %s của %s; mã hồ sơ: %s.", dateVN(d.SubmittedAt), l.Receiving.Name,
				lowerFirst(l.Procedure.Name), who, d.Code),
		}
		if !d.Deadline.IsZero() {
			p.Body = append(p.Body, "Thời gian hẹn trả kết quả giải quyết hồ sơ: "+timeVN(d.Deadline)+".")
		}
		p.Body = append(p.Body, fmt.Sprintf("Tuy nhiên đến nay, %s chưa trả kết quả giải quyết hồ sơ cho %s đúng hẹn. Lý do: %s.", issuer.Name, who, strings.TrimSuffix(l.Reason, ".")))
		if !l.NewAppointment.IsZero() {
			p.Body = append(p.Body, fmt.Sprintf("Sự chậm trễ này đã gây phiền hà cho %s; %s xin lỗi %s và hẹn trả kết quả giải quyết hồ sơ vào %s.",
				who, issuer.Name, who, timeVN(l.NewAppointment)))
		} else {
			p.Body = append(p.Body, fmt.Sprintf("%s xin lỗi %s về sự chậm trễ này.", issuer.Name, who))
		}
		if len(l.Items) > 0 {
			p.Body = append(p.Body, "Đề nghị "+who+" bổ sung: "+strings.Join(l.Items, "; ")+".")
		}
		p.Body = append(p.Body, "Rất mong nhận được sự thông cảm của "+who+".")
	default:
		return nil, fmt.Errorf("%w: letter kind %q", dossier.ErrInvalid, l.Kind)
	}
	r, err := p.Render()
	if err != nil {
		return nil, err
	}
	title := map[string]string{dossier.LetterReceipt: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", dossier.LetterGuidance: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
		dossier.LetterRefusal: "Phiếu từ chối tiếp nhận, giải quyết hồ sơ"}[l.Kind]
	if title == "" {
		title = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
	}
	return &dossier.RenderedLetter{PDF: r.PDF, Page: 1, X: r.Signature.X, Y: r.Signature.Y, Width: r.Signature.W, Height: r.Signature.H, Title: title}, nil
}

// honorific is "Ông" or "Bà" (by the customary middle name "Thị").
func honorific(name string) string {
	if strings.Contains(name, " Thị ") {
		return "Bà"
	}
	return "Ông"
}

// issuerLines are the top-left lines of a unit's paper: its superior
// body (a province's people's committee above its centre and
// departments) and the unit itself.
func issuerLines(u, receiving dossier.Unit) []string {
	if u.Level == dossier.LevelProvince && !strings.HasPrefix(u.Name, "Ủy ban nhân dân") {
		if i := strings.LastIndex(u.Name, "tỉnh "); i >= 0 {
			return []string{"Ủy ban nhân dân " + u.Name[i:], u.Name[:i]}
		}
	}
	return []string{u.Name}
}

// placeOf is the place name of a unit's papers: its city or ward.
func placeOf(u dossier.Unit) string {
	for _, p := range []string{"thành phố ", "phường ", "xã ", "tỉnh "} {
		if i := strings.LastIndex(u.Name, p); i >= 0 {
			return u.Name[i+len(p):]
		}
	}
	return ""
}

func signerRole(u dossier.Unit) string {
	switch {
	case strings.HasPrefix(u.Name, "Ủy ban nhân dân"):
		return "TM. Ủy ban nhân dân\nChủ tịch"
	case strings.HasPrefix(u.Name, "Trung tâm"):
		return "Giám đốc"
	case strings.HasPrefix(u.Name, "Chi cục"):
		return "Chi cục trưởng"
	}
	return "Giám đốc"
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToLower(string(r[:1])) + string(r[1:])
}
