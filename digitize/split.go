package digitize

import (
	"fmt"
	"strconv"
	"strings"
)

// SplitMode says how the pages of a batch are cut into paper documents.
type SplitMode int

const (
	// SplitPerFile makes one document per input file (a multi-page TIFF
	// or PDF is one paper document).
	SplitPerFile SplitMode = iota
	// SplitRanges uses the operator's page ranges over the batch, e.g.
	// "1-3,4,5-8" (pages numbered across all files in order).
	SplitRanges
	// SplitBlank starts a new document after each blank separator sheet;
	// the blank sheets are dropped.
	SplitBlank
	// SplitSeparator starts a new document at each separator sheet printed
	// by SeparatorSheets; its QR code names the component. The separator
	// sheets (and a blank back side right after one) are dropped.
	SplitSeparator
)

// ParseSplitMode parses "file", "ranges", "blank" or "separator".
func ParseSplitMode(s string) (SplitMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "file", "none":
		return SplitPerFile, nil
	case "ranges", "range":
		return SplitRanges, nil
	case "blank":
		return SplitBlank, nil
	case "separator", "qr":
		return SplitSeparator, nil
	}
	return 0, fmt.Errorf("%w: unknown split mode %q (want file, ranges, blank or separator)", ErrBadSplit, s)
}

func (m SplitMode) String() string {
	return [...]string{"file", "ranges", "blank", "separator"}[m]
}

// ParseRanges parses page ranges such as "1-3,4,5-8" (1-based,
// inclusive). Ranges must not overlap.
func ParseRanges(s string) ([][2]int, error) {
	var out [][2]int
	used := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi := lo
		var err2 error
		if isRange {
			hi, err2 = strconv.Atoi(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil || lo < 1 || hi < lo || hi > 100000 {
			return nil, fmt.Errorf("%w: %q is not a page range like 1-3", ErrBadSplit, part)
		}
		for p := lo; p <= hi; p++ {
			if used[p] {
				return nil, fmt.Errorf("%w: page %d is in two ranges", ErrBadSplit, p)
			}
			used[p] = true
		}
		out = append(out, [2]int{lo, hi})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no page ranges given", ErrBadSplit)
	}
	return out, nil
}

// group is the pages of one output document, with what a separator
// sheet said about it.
type group struct {
	pages         []*page
	sepCode       string
	sepName       string
	fromSeparator bool
}

// splitPages cuts the batch's pages into documents. files holds each
// input's pages (nil for a file that failed).
func splitPages(files [][]*page, failed []bool, mode SplitMode, ranges [][2]int, p *Profile) ([]group, []string, error) {
	var groups []group
	var warns []string
	switch mode {
	case SplitPerFile:
		for _, f := range files {
			if len(f) > 0 {
				groups = append(groups, group{pages: f})
			}
		}
	case SplitRanges:
		for i, f := range failed {
			if f {
				return nil, nil, fmt.Errorf("%w: input %d could not be read, so page numbers after it are unknown; fix or remove it and split again", ErrBadSplit, i+1)
			}
		}
		var all []*page
		for _, f := range files {
			all = append(all, f...)
		}
		used := make([]bool, len(all))
		for _, r := range ranges {
			if r[1] > len(all) {
				return nil, nil, fmt.Errorf("%w: range %d-%d, but the batch has %d pages", ErrBadSplit, r[0], r[1], len(all))
			}
			groups = append(groups, group{pages: all[r[0]-1 : r[1]]})
			for i := r[0] - 1; i < r[1]; i++ {
				used[i] = true
			}
		}
		for i, u := range used {
			if !u {
				warns = append(warns, fmt.Sprintf("trang %d (%s trang %d) không thuộc tài liệu nào (page in no range)", i+1, all[i].src.File, all[i].src.Page))
			}
		}
	case SplitBlank, SplitSeparator:
		cur := group{}
		flush := func() {
			if len(cur.pages) > 0 || cur.fromSeparator {
				groups = append(groups, cur)
			}
			cur = group{}
		}
		for i, f := range files {
			if failed[i] {
				// A file that failed ends the document: its neighbours are
				// never merged across the gap.
				flush()
				continue
			}
			for _, pg := range f {
				if mode == SplitSeparator && pg.sepOK {
					flush()
					cur = group{sepCode: pg.sepCode, sepName: pg.sepName, fromSeparator: true}
					continue
				}
				if pg.blank {
					if mode == SplitBlank {
						flush()
					}
					// In separator mode a blank page is the separator's back
					// side or a skipped sheet: dropped.
					continue
				}
				cur.pages = append(cur.pages, pg)
			}
		}
		flush()
		var kept []group
		for _, g := range groups {
			if len(g.pages) == 0 {
				if g.fromSeparator {
					warns = append(warns, fmt.Sprintf("tờ phân cách %s không có trang nào theo sau (separator without pages)", g.sepCode))
				}
				continue
			}
			kept = append(kept, g)
		}
		groups = kept
	}
	return groups, warns, nil
}
