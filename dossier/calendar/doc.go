// Package calendar owns working time for the dossier engine: the
// Vietnamese lunar calendar, the public holidays of the Labour Code with
// the government's yearly announcements, the working sessions of each
// province profile, and the deadlines computed on them.
//
// # Lunar calendar
//
// [ToLunar] and [FromLunar] convert between the solar calendar and the
// Vietnamese lunar calendar, computed astronomically for UTC+7 (Hồ Ngọc
// Đức's algorithm: months start on the local day of the new moon, month 11
// contains the winter solstice, the first month without a major solar term
// of a 13-month year is the leap month). It is not the Chinese calendar
// (UTC+8): Tết 1985 is 21/01 in Vietnam and 20/02 in China, Tết 2007 17/02
// and 18/02, Tết 2030 02/02 and 03/02 (testdata/tet.txt). Years
// [MinYear]–[MaxYear].
//
// # Holidays
//
// From the Labour Code 2019 Điều 112.1 (2012 Điều 115.1 for 2014–2020):
// Tết Dương lịch 1/1; Tết Âm lịch, 5 days; Giỗ Tổ Hùng Vương, 10/3 lunar;
// 30/4; 1/5; Quốc khánh 2/9 and, from 2021, one adjacent day. Without an
// announcement, kyso takes as Tết the last day of the old lunar year (29
// or 30 tháng Chạp) and mùng 1–4, and as the neighbour of 2/9 the one that
// joins a weekend: 1/9 when 2/9 is a Tuesday, Wednesday, Friday or
// Saturday, 3/9 when it is a Sunday, Monday or Thursday. A holiday on a
// weekly rest day gives the next working day off (Điều 111.3).
//
// Every year the Prime Minister fixes Tết and the neighbour of 2/9 and
// swaps working days with Saturdays (Điều 112.3). Those decisions are data:
// announcements/YEAR.json, embedded for 2024, 2025 and 2026 with the
// Government Office document each day comes from, validated at load (see
// [Announcement]). An announcement replaces the computed days of the
// occasions it names and adds its days as they are. A deployment adds next
// year's notice without a rebuild: [LoadAnnouncementFile] and
// [WithAnnouncements]; a file for a year replaces that year's embedded one.
// [Calendar.Holidays] lists a year's holidays, compensatory days,
// announced days off and announced working weekend days with their reason
// in Vietnamese and their source.
//
// # Working time
//
// [ForProfile] returns the [Calendar] of a province profile
// (profiles/ID.json: working weekdays, sessions, time zone, own days).
// None of the five seeds sets its own working hours, so all use Monday to
// Friday, 07:30–11:30 and 13:30–17:00, Asia/Ho_Chi_Minh. Working time is
// the time inside those sessions on working days; a session is [start,
// end). A working day is [Calendar.DayLength] of working time (7h30m), so
// [Calendar.AddWorkingDays] (t, n) is [Calendar.AddWorking] (t, n ×
// 7h30m): 09:00 Monday + 3 working days is 09:00 Thursday, and counting
// from outside working time starts at the next session.
//
// [Calendar.IntakeDeadline] is the intake rule of QĐ 03/2020 Vĩnh Phúc
// Điều 13.1 read literally; [Calendar.TransferDeadline] the half working day
// of QĐ 03/2016 Quảng Ngãi Điều 11.4; [Clock] the processing clock of
// Điều 13.3, paused by a supplement request and resumed by a valid
// supplement, stored as JSON.
//
// Every result is in the calendar's time zone (+07:00). A Calendar
// computes each year's table once and keeps it unchanged; it is safe for
// concurrent use, and the package holds no mutable state of its own.
package calendar
