package forms

import (
	"fmt"
	"time"
)

// A Set is one version of the one-stop forms: the templates of one
// circular, in force from a date. A dossier keeps the set in force on its
// receipt date (store Set.ID with the dossier and get it back with
// VersionByID).
type Set struct {
	ID        string    // "TT01-2018", "TT03-2025"
	Circular  string    // "Thông tư số 01/2018/TT-VPCP"
	Issued    time.Time // date of the circular
	Effective time.Time // first instant (00:00 Vietnam time) the set is in force
	templates map[Kind]template
}

// template is one form of a set.
type template struct {
	number string // "Mẫu số 04"
	title  string // printed title, capitals
	// altTitle is printed instead of title for an apology for wrong
	// guidance (no new return date), which the circulars have no own
	// form for.
	altTitle string
	page     pageFormat
}

type pageFormat int

const (
	a5Portrait pageFormat = iota
	a4Landscape
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vietnam) }

// sets returns the template sets, oldest first. It builds them afresh on
// every call so no caller can change another's.
func sets() []*Set {
	return []*Set{
		{
			ID:       "TT01-2018",
			Circular: "Thông tư số 01/2018/TT-VPCP",
			Issued:   day(2018, time.November, 23),
			// TT 01/2018 takes effect on 08/01/2019 (its Điều 22, not
			// confirmed from the text; see doc.go).
			Effective: day(2019, time.January, 8),
			templates: map[Kind]template{
				KindReceipt:           {number: "Mẫu số 01", title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"},
				KindSupplementRequest: {number: "Mẫu số 02", title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"},
				KindRefusal:           {number: "Mẫu số 03", title: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"},
				KindApology:           {number: "Mẫu số 04", title: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", altTitle: "THƯ XIN LỖI"},
				KindControlSheet:      {number: "Mẫu số 05", title: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
				KindDossierLog:        {number: "Mẫu số 06", title: "SỔ THEO DÕI HỒ SƠ", page: a4Landscape},
			},
		},
		{
			ID:        "TT03-2025",
			Circular:  "Thông tư số 03/2025/TT-VPCP",
			Issued:    day(2025, time.September, 15),
			Effective: day(2025, time.September, 15),
			templates: map[Kind]template{
				KindReceipt:           {number: "Mẫu số 01", title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"},
				KindSupplementRequest: {number: "Mẫu số 02", title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"},
				KindRefusal:           {number: "Mẫu số 03", title: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"},
				KindApology:           {number: "Mẫu số 04", title: "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", altTitle: "THƯ XIN LỖI"},
				KindStopNotice:        {number: "Mẫu số 05", title: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"},
				KindControlSheet:      {number: "Mẫu số 06", title: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
				KindDossierLog:        {number: "Mẫu số 07", title: "SỔ THEO DÕI HỒ SƠ", page: a4Landscape},
			},
		},
	}
}

// Versions returns every template set, oldest first.
func Versions() []*Set { return sets() }

// Version returns the template set in force at t (judged in Vietnam's time
// zone), or ErrNoVersion before the first one.
func Version(at time.Time) (*Set, error) {
	all := sets()
	for i := len(all) - 1; i >= 0; i-- {
		if !at.Before(all[i].Effective) {
			return all[i], nil
		}
	}
	return nil, fmt.Errorf("%w at %s (the first set, %s, is in force from %s)",
		ErrNoVersion, at.In(vietnam).Format(time.RFC3339), all[0].Circular, all[0].Effective.Format("2006-01-02"))
}

// VersionByID returns the set with the given ID ("TT01-2018", "TT03-2025").
func VersionByID(id string) (*Set, error) {
	for _, s := range sets() {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown template set %q", ErrNoVersion, id)
}

// Has reports whether the set has a template for the form kind.
func (s *Set) Has(k Kind) bool { _, ok := s.templates[k]; return ok }

// Template returns the form number and printed title of a kind in this set.
func (s *Set) Template(k Kind) (number, title string, ok bool) {
	t, ok := s.templates[k]
	return t.number, t.title, ok
}
