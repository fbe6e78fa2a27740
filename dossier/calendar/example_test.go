package calendar_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/dossier/calendar"
)

var hanoi = time.FixedZone("+07", 7*3600)

func ExampleToLunar() {
	l, _ := calendar.ToLunar(calendar.Date{Year: 2026, Month: time.February, Day: 17})
	fmt.Println(l, l.YearName())
	// Output: 1/1/2026 Bính Ngọ
}

func ExampleFromLunar() {
	// Giỗ Tổ Hùng Vương 2026, 10 tháng 3 âm lịch.
	d, _ := calendar.FromLunar(calendar.LunarDate{Year: 2026, Month: 3, Day: 10})
	fmt.Println(d, d.WeekdayVI())
	// There is no 30 tháng Chạp in Ất Tỵ (2025).
	_, err := calendar.FromLunar(calendar.LunarDate{Year: 2025, Month: 12, Day: 30})
	fmt.Println(err)
	// Output:
	// 2026-04-26 Chủ nhật
	// invalid lunar date: 30/12/2025: month 12 of 2025 (Ất Tỵ) has only 29 days
}

func ExampleCalendar_Holidays() {
	c, _ := calendar.ForProfile("vinh-phuc")
	days, _ := c.Holidays(2026)
	for _, d := range days[:4] {
		fmt.Println(d.Date, d.Kind, d.Reason)
	}
	// Output:
	// 2026-01-01 holiday Tết Dương lịch
	// 2026-01-02 day-off Nghỉ Tết Dương lịch, hoán đổi với thứ Bảy 10/01/2026
	// 2026-01-10 working-day Làm bù cho thứ Sáu 02/01/2026
	// 2026-02-16 holiday Tết Âm lịch (29 tháng Chạp năm Ất Tỵ)
}

func ExampleCalendar_IntakeDeadline() {
	c, _ := calendar.ForProfile("vinh-phuc")
	for _, submitted := range []time.Time{
		time.Date(2026, 3, 2, 9, 0, 0, 0, hanoi),    // Monday morning
		time.Date(2026, 3, 2, 11, 0, 0, 0, hanoi),   // half an hour before the lunch break
		time.Date(2026, 2, 13, 16, 30, 0, 0, hanoi), // the Friday before Tết
	} {
		d, _ := c.IntakeDeadline(submitted)
		fmt.Println(d.Format(time.RFC3339))
	}
	// Output:
	// 2026-03-02T10:00:00+07:00
	// 2026-03-02T14:30:00+07:00
	// 2026-02-23T08:30:00+07:00
}

func ExampleCalendar_AddWorkingDays() {
	c, _ := calendar.ForProfile("binh-dinh")
	// Feedback received Wednesday 29/4/2026 at 09:00 is answered within 3
	// working days (QĐ 44/2019 Bình Định Điều 11): 30/4 and 1/5 do not count.
	d, _ := c.AddWorkingDays(time.Date(2026, 4, 29, 9, 0, 0, 0, hanoi), 3)
	fmt.Println(d.Format(time.RFC3339))
	// Output: 2026-05-06T09:00:00+07:00
}

func ExampleClock() {
	c, _ := calendar.ForProfile("vinh-phuc")
	// Accepted Tuesday 21/4/2026 09:00, 3 working days to process.
	k, _ := c.StartClock(time.Date(2026, 4, 21, 9, 0, 0, 0, hanoi), 3*c.DayLength())
	d, _ := k.Deadline()
	fmt.Println("deadline", d.Format(time.RFC3339))
	// Supplement requested Wednesday 09:00, received Friday 16:30.
	k, _ = k.Pause(time.Date(2026, 4, 22, 9, 0, 0, 0, hanoi))
	k, _ = k.Resume(time.Date(2026, 4, 24, 16, 30, 0, 0, hanoi))
	d, _ = k.Deadline()
	fmt.Println("new deadline", d.Format(time.RFC3339))
	stored, _ := json.Marshal(k)
	k, _ = c.LoadClock(stored)
	rem, _ := k.Remaining(time.Date(2026, 4, 28, 17, 0, 0, 0, hanoi))
	fmt.Println("remaining Tuesday evening", rem)
	// Output:
	// deadline 2026-04-24T09:00:00+07:00
	// new deadline 2026-04-29T16:30:00+07:00
	// remaining Tuesday evening 7h0m0s
}

func ExampleLoadAnnouncementFile() {
	a, err := calendar.LoadAnnouncementFile("testdata/announcements/broken/working-day-on-monday.json")
	fmt.Println(a, err)
	// Output: <nil> testdata/announcements/broken/working-day-on-monday.json: invalid calendar data: announcement 2027: days[9] 2027-03-01: a working-day must be a weekly rest day, and 2027-03-01 is a Monday
}
