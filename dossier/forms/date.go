package forms

import (
	"fmt"
	"time"
)

// vietnam is Indochina Time (UTC+7, no daylight saving): forms show every
// time in it, whatever the time's location.
var vietnam = time.FixedZone("ICT", 7*3600)

// Date writes a date the way Vietnamese administrative documents do (NĐ
// 30/2020 Phụ lục I: a day below 10 and the months 1 and 2 take a leading
// zero), in Vietnam's time zone: "ngày 01 tháng 7 năm 2025",
// "ngày 15 tháng 02 năm 2026".
func Date(t time.Time) string {
	t = t.In(vietnam)
	m := int(t.Month())
	month := fmt.Sprint(m)
	if m <= 2 {
		month = fmt.Sprintf("%02d", m)
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), month, t.Year())
}

// Clock writes the time of day as on the one-stop forms: "09 giờ 15 phút".
func Clock(t time.Time) string {
	t = t.In(vietnam)
	return fmt.Sprintf("%02d giờ %02d phút", t.Hour(), t.Minute())
}

// DateTime writes "09 giờ 15 phút, ngày 01 tháng 7 năm 2025".
func DateTime(t time.Time) string { return Clock(t) + ", " + Date(t) }

// shortDate writes "01/7/2025" style dates for narrow table cells, with the
// same zero rule as Date.
func shortDate(t time.Time) string {
	t = t.In(vietnam)
	m := int(t.Month())
	if m <= 2 {
		return fmt.Sprintf("%02d/%02d/%d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%02d/%d/%d", t.Day(), m, t.Year())
}
