package forms

import (
	"fmt"

	"golang.org/x/image/font/sfnt"

	"github.com/kyso-vn/kyso/internal/fonts"
)

// coverage tells which characters the forms' typeface can print: those
// with a glyph in the regular, bold and italic faces (Liberation Serif
// covers Latin with Vietnamese, Greek and Cyrillic). fpdf also handles only
// the Basic Multilingual Plane. Text outside it is refused up front rather
// than printed as blanks.
type coverage struct {
	faces []*sfnt.Font
	buf   sfnt.Buffer
}

func newCoverage() (*coverage, error) {
	c := &coverage{}
	for _, b := range [][]byte{fonts.LiberationSerif, fonts.LiberationSerifBold, fonts.LiberationSerifItalic} {
		f, err := sfnt.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("forms: parsing the embedded font: %w", err)
		}
		c.faces = append(c.faces, f)
	}
	return c, nil
}

func (c *coverage) has(r rune) bool {
	if r > 0xFFFF {
		return false
	}
	for _, f := range c.faces {
		if i, err := f.GlyphIndex(&c.buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}
