package verifier

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Texts of the human-readable report, in English and Vietnamese.
var texts = map[string]map[string]string{
	"en": {
		"doc": "Document", "verdict": "Verdict", "sig": "Signature", "ts": "Document time-stamp",
		"signer": "Signer", "title": "Title", "unit": "Unit", "id": "ID", "time": "Signing time",
		"proof": "proven by", "claimed": "claimed, not proven", "level": "Level", "changes": "Changes after signing",
		"none": "none", "allowed": "allowed", "notallowed": "NOT allowed", "errors": "Problems", "warnings": "Warnings",
		TotalPassed.key(): "valid", TotalFailed.key(): "INVALID", Indeterminate.key(): "cannot be decided",
		"nosig": "The document has no signature.", "certified": "certification signature, DocMDP P=%d",
		"policy": "Policy", "passed": "met", "failed": "NOT met", "tsa": "time-stamp authority",
		"signature-timestamp": "signature time-stamp", "document-timestamp": "document time-stamp", "validation-time": "validation time only",
		"uncovered": "Bytes after the last revision not described by the file's structure: %d",
	},
	"vi": {
		"doc": "Văn bản", "verdict": "Kết luận", "sig": "Chữ ký", "ts": "Dấu thời gian văn bản",
		"signer": "Người ký", "title": "Chức vụ", "unit": "Đơn vị", "id": "Số định danh", "time": "Thời gian ký",
		"proof": "được chứng minh bởi", "claimed": "do người ký khai, chưa được chứng minh", "level": "Mức chữ ký",
		"changes": "Thay đổi sau khi ký", "none": "không có", "allowed": "được phép", "notallowed": "KHÔNG được phép",
		"errors": "Vấn đề", "warnings": "Cảnh báo",
		TotalPassed.key(): "hợp lệ", TotalFailed.key(): "KHÔNG hợp lệ", Indeterminate.key(): "chưa xác định được",
		"nosig": "Văn bản không có chữ ký số.", "certified": "chữ ký chứng nhận, DocMDP P=%d",
		"policy": "Quy tắc", "passed": "đạt", "failed": "KHÔNG đạt", "tsa": "đơn vị cấp dấu thời gian",
		"signature-timestamp": "dấu thời gian của chữ ký", "document-timestamp": "dấu thời gian văn bản", "validation-time": "chỉ thời điểm kiểm tra",
		"uncovered": "Số byte sau lần lưu cuối không thuộc cấu trúc tệp: %d",
		"dss":       "dữ liệu xác thực (DSS) hoặc dấu thời gian", "signing": "thêm chữ ký", "form-fill": "điền biểu mẫu",
		"annotation": "thêm chú thích", "other": "sửa nội dung văn bản",
	},
}

func (i Indication) key() string { return "ind:" + string(i) }

// VerdictText is the one-line verdict for citizens and staff: "Văn bản
// hợp lệ", "Văn bản không hợp lệ" or "Chưa xác định được" in Vietnamese.
func (r *Report) VerdictText(lang string) string {
	if lang == "vi" {
		switch r.Indication {
		case TotalPassed:
			return "Văn bản hợp lệ"
		case TotalFailed:
			return "Văn bản không hợp lệ"
		}
		return "Chưa xác định được"
	}
	switch r.Indication {
	case TotalPassed:
		return "The document is valid"
	case TotalFailed:
		return "The document is NOT valid"
	}
	return "Validity cannot be decided"
}

// WriteText writes the human-readable report in English ("en") or
// Vietnamese ("vi").
func (r *Report) WriteText(w io.Writer, name, lang string) error {
	t, ok := texts[lang]
	if !ok {
		t, lang = texts["en"], "en"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%d bytes, SHA-256 %s, %d revisions)\n", t["doc"], name, r.Size, r.SHA256, r.Revisions)
	fmt.Fprintf(&b, "%s: %s — %s", t["verdict"], r.VerdictText(lang), r.Indication)
	if r.SubIndication != "" {
		fmt.Fprintf(&b, "/%s", r.SubIndication)
	}
	b.WriteString("\n")
	if r.Reason != "" {
		fmt.Fprintf(&b, "  %s\n", r.Reason)
	}
	if len(r.Signatures) == 0 {
		fmt.Fprintf(&b, "%s\n", t["nosig"])
	}
	for _, s := range r.Signatures {
		head := t["sig"]
		if s.Kind == "document-timestamp" {
			head = t["ts"]
		}
		fmt.Fprintf(&b, "\n%s %d (%s, %s): %s — %s", head, s.Index, s.Field, s.SubFilter, t[s.Indication.key()], s.Indication)
		if s.SubIndication != "" {
			fmt.Fprintf(&b, "/%s", s.SubIndication)
		}
		b.WriteString("\n")
		if sg := s.Signer; sg != nil {
			label := t["signer"]
			if s.Kind == "document-timestamp" {
				label = t["tsa"]
			}
			fmt.Fprintf(&b, "  %s: %s\n", label, sg.Name)
			if sg.Title != "" {
				fmt.Fprintf(&b, "  %s: %s\n", t["title"], sg.Title)
			}
			if u := strings.Trim(strings.Join([]string{sg.Unit, sg.Organization}, ", "), ", "); u != "" {
				fmt.Fprintf(&b, "  %s: %s\n", t["unit"], u)
			}
			if sg.IDNumber != "" {
				fmt.Fprintf(&b, "  %s: %s %s\n", t["id"], sg.IDKind, sg.IDNumber)
			}
		}
		if s.BestTimeProof != "validation-time" {
			fmt.Fprintf(&b, "  %s: %s (%s %s)\n", t["time"], s.BestTime.In(vnTime).Format(time.RFC3339), t["proof"], t[s.BestTimeProof])
		} else if s.ClaimedTime != nil {
			fmt.Fprintf(&b, "  %s: %s (%s)\n", t["time"], s.ClaimedTime.In(vnTime).Format(time.RFC3339), t["claimed"])
		}
		if s.Level != "" {
			fmt.Fprintf(&b, "  %s: PAdES %s\n", t["level"], s.Level)
		}
		if s.Certification > 0 {
			fmt.Fprintf(&b, "  "+t["certified"]+"\n", s.Certification)
		}
		if m := s.Modifications; m != nil {
			if len(m.Changes) == 0 {
				fmt.Fprintf(&b, "  %s: %s\n", t["changes"], t["none"])
			} else {
				state := t["allowed"]
				if !m.Allowed {
					state = t["notallowed"]
				}
				class := m.Class
				if tr, ok := t[class]; ok {
					class = tr
				}
				fmt.Fprintf(&b, "  %s: %s (%s)\n", t["changes"], class, state)
				for _, c := range m.Changes {
					if !c.Allowed {
						fmt.Fprintf(&b, "    - %s, revision %d: %s\n", c.Object, c.Revision, c.What)
					}
				}
			}
		}
		for _, e := range s.Errors {
			fmt.Fprintf(&b, "  %s: %s\n", t["errors"], e)
		}
		for _, e := range s.Warnings {
			fmt.Fprintf(&b, "  %s: %s\n", t["warnings"], e)
		}
	}
	if r.UncoveredBytes > 0 {
		fmt.Fprintf(&b, "\n"+t["uncovered"]+"\n", r.UncoveredBytes)
	}
	if p := r.Policy; p != nil {
		state := t["passed"]
		if !p.Passed {
			state = t["failed"]
		}
		fmt.Fprintf(&b, "\n%s %s: %s\n", t["policy"], p.Name, state)
		for _, f := range p.Failures {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var vnTime = time.FixedZone("ICT", 7*3600)
