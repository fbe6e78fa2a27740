package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidData is wrapped by every error about calendar data, an
// announcement or a profile: the message names the file, the entry and
// the problem.
var ErrInvalidData = errors.New("invalid calendar data")

// Announcement is what the government announced for one year's holidays
// (the Prime Minister's decision, relayed by the Government Office and
// notified by the Ministry of Home Affairs — before 03/2025 the Ministry of
// Labour, Invalids and Social Affairs): the days of Tết, the neighbour of
// 2/9, days off swapped with working Saturdays. It overrides the computed
// default of its year: the computed days of every occasion in Replaces are
// dropped, and Days are taken as they are.
//
// The JSON form (announcements/2026.json is an example):
//
//	{"year": 2026,
//	 "replaces": ["tet", "national-day"],
//	 "days": [
//	   {"date": "2026-01-02", "kind": "day-off", "occasion": "new-year",
//	    "reason": "Nghỉ Tết Dương lịch, hoán đổi với thứ Bảy 10/01/2026",
//	    "source": "Văn bản 12729/VPCP-KGVX ngày 25/12/2025"},
//	   {"date": "2026-01-10", "kind": "working-day", …}, …]}
//
// Rules checked at load: the year has holiday rules; every date lies in
// it, once; kinds and occasions are known; reason and source are given; a
// working-day is a Saturday or Sunday, a day-off or compensatory day a
// weekday; holiday and compensatory days of a Labour Code occasion appear
// only if the occasion is replaced, and a replaced occasion lists exactly
// its legal number of holiday days (Tết 5, Quốc khánh 2, others 1)
// including the day itself (1/1, mùng 1 Tết, 10/3 lunar, 30/4, 1/5, 2/9).
type Announcement struct {
	Year     int        `json:"year"`
	Note     string     `json:"note,omitempty"` // provenance of the data, free text
	Replaces []Occasion `json:"replaces,omitempty"`
	Days     []DayEntry `json:"days"`
}

// DayEntry is one day an announcement or a profile fixes.
type DayEntry struct {
	Date     Date     `json:"date"`
	Kind     Kind     `json:"kind"`
	Occasion Occasion `json:"occasion,omitempty"`
	Reason   string   `json:"reason"` // Vietnamese
	Source   string   `json:"source"` // document number and date
}

func (e DayEntry) day() Day {
	return Day{Date: e.Date, Kind: e.Kind, Occasion: e.Occasion, Reason: e.Reason, Source: e.Source}
}

//go:embed announcements/*.json
var embeddedAnnouncements embed.FS

// maxDataSize bounds an announcement or profile file.
const maxDataSize = 1 << 20

// decodeStrict decodes one JSON value, refusing unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	if len(data) > maxDataSize {
		return fmt.Errorf("%d bytes is larger than %d", len(data), maxDataSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// ParseAnnouncement parses and validates one year's announcement.
func ParseAnnouncement(data []byte) (*Announcement, error) {
	var a Announcement
	if err := decodeStrict(data, &a); err != nil {
		return nil, fmt.Errorf("%w: announcement: %v", ErrInvalidData, err)
	}
	if len(a.Replaces) == 0 {
		a.Replaces = nil // "replaces": [] and no "replaces" are the same
	}
	if len(a.Days) == 0 {
		a.Days = nil
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// LoadAnnouncementFile reads and validates an announcement file, e.g. next
// year's notice added by a deployment without a rebuild. Errors name the
// file.
func LoadAnnouncementFile(name string) (*Announcement, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	a, err := ParseAnnouncement(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// builtinAnnouncements parses the embedded announcements.
func builtinAnnouncements() (map[int]*Announcement, error) {
	return announcementsFrom(embeddedAnnouncements, "announcements")
}

// announcementsFrom parses the announcements in dir, one file per year
// named YEAR.json.
func announcementsFrom(fsys fs.FS, dir string) (map[int]*Announcement, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[int]*Announcement{}
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		a, err := ParseAnnouncement(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := strconv.Itoa(a.Year) + ".json"; e.Name() != want {
			return nil, fmt.Errorf("%w: %s: holds year %d, so it must be named %s", ErrInvalidData, name, a.Year, want)
		}
		out[a.Year] = a
	}
	return out, nil
}

func (a *Announcement) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: announcement %d: %s", ErrInvalidData, a.Year, fmt.Sprintf(format, args...))
}

func (a *Announcement) validate() error {
	law, err := lawFor(a.Year)
	if err != nil {
		return fmt.Errorf("%w: announcement: year %d: %v", ErrInvalidData, a.Year, err)
	}
	if len(a.Days) > 366 {
		return a.errorf("%d days is more than a year has", len(a.Days))
	}
	for i, o := range a.Replaces {
		switch {
		case !o.valid() || o == OccasionOther:
			return a.errorf("replaces[%d]: unknown occasion %q (want one of %s)", i, o, occasionList(false))
		case slices.Index(a.Replaces, o) != i:
			return a.errorf("replaces[%d]: occasion %q given twice", i, o)
		}
	}
	seen := map[Date]int{}
	for i, e := range a.Days {
		where := fmt.Sprintf("days[%d] %s", i, e.Date)
		if err := validateEntry(e, standardWeek()); err != nil {
			return a.errorf("%s: %v", where, err)
		}
		if e.Date.Year != a.Year {
			return a.errorf("%s: not in %d", where, a.Year)
		}
		if j, dup := seen[e.Date]; dup {
			return a.errorf("%s: date already given by days[%d]", where, j)
		}
		seen[e.Date] = i
		if (e.Kind == KindHoliday || e.Kind == KindCompensatory) && e.Occasion != OccasionOther && !slices.Contains(a.Replaces, e.Occasion) {
			return a.errorf("%s: a %s of %q is computed from the Labour Code: add %q to replaces to fix that occasion's days", where, e.Kind, e.Occasion, e.Occasion)
		}
	}
	for _, o := range a.Replaces {
		var n int
		for _, e := range a.Days {
			if e.Occasion == o && e.Kind == KindHoliday {
				n++
			}
		}
		if want := legalDays(o, law); n != want {
			return a.errorf("replaces %q but lists %d holiday days for it; %s gives %d", o, n, law.article, want)
		}
		day, err := anchor(o, a.Year)
		if err != nil {
			return a.errorf("%v", err)
		}
		if i, ok := seen[day]; !ok || a.Days[i].Kind != KindHoliday || a.Days[i].Occasion != o {
			return a.errorf("replaces %q but %s (%s) is not one of its holiday days", o, day, day.WeekdayVI())
		}
	}
	return nil
}

// standardWeek is Monday to Friday, the week announcements are written
// for (the 40-hour week of civil servants).
func standardWeek() [7]bool {
	return [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
}

// validateEntry checks one day against a week of working weekdays.
func validateEntry(e DayEntry, week [7]bool) error {
	if !e.Date.valid() || e.Date == (Date{}) {
		return errors.New("missing or impossible date")
	}
	if !e.Kind.valid() {
		return fmt.Errorf("unknown kind %q (want holiday, compensatory, day-off or working-day)", e.Kind)
	}
	if e.Occasion != "" && !e.Occasion.valid() {
		return fmt.Errorf("unknown occasion %q (want one of %s)", e.Occasion, occasionList(true))
	}
	if e.Occasion == "" && (e.Kind == KindHoliday || e.Kind == KindCompensatory) {
		return fmt.Errorf("a %s needs an occasion (one of %s)", e.Kind, occasionList(true))
	}
	if strings.TrimSpace(e.Reason) == "" {
		return errors.New("missing reason (Vietnamese text shown to staff and citizens)")
	}
	if strings.TrimSpace(e.Source) == "" {
		return errors.New("missing source (the document number and date)")
	}
	working := week[e.Date.Weekday()]
	switch {
	case e.Kind == KindWorkingDay && working:
		return fmt.Errorf("a working-day must be a weekly rest day, and %s is a %s", e.Date, e.Date.Weekday())
	case (e.Kind == KindDayOff || e.Kind == KindCompensatory) && !working:
		return fmt.Errorf("a %s must be a working weekday, and %s is a %s", e.Kind, e.Date, e.Date.Weekday())
	}
	return nil
}

func occasionList(withOther bool) string {
	var s []string
	for _, o := range occasions() {
		if o != OccasionOther || withOther {
			s = append(s, string(o))
		}
	}
	return strings.Join(s, ", ")
}
