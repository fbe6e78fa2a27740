// Package fonts ships the TrueType fonts kyso draws Vietnamese text with:
// DejaVu Sans (Bitstream Vera licence, LICENSE-DejaVu.txt) for signature
// appearances, letters and footers, and Liberation Serif (SIL Open Font
// Licence, LICENSE-Liberation.txt), metric-compatible with Times New Roman,
// for the "SAO Y" copy block of Nghị định 30/2020 and the one-stop forms
// (regular, bold and italic). Both cover Vietnamese
// (U+1EA0–U+1EF9) and the đồng sign. The files come from Debian's
// fonts-dejavu-core and fonts-liberation2 packages.
//
// A [Face] is a parsed font that kyso's own PDF writers (the signature
// appearances) embed directly: rune to glyph mapping, advance widths,
// descriptor metrics, and subsets of just the glyphs a text shows, cut in
// well under a millisecond (go-pdf/fpdf, used for whole documents, parses
// and subsets the font anew for every document, ≈ 30–60 ms).
package fonts

import _ "embed"

var (
	//go:embed DejaVuSans.ttf
	DejaVuSans []byte
	//go:embed DejaVuSans-Bold.ttf
	DejaVuSansBold []byte
	//go:embed LiberationSerif-Regular.ttf
	LiberationSerif []byte
	//go:embed LiberationSerif-Bold.ttf
	LiberationSerifBold []byte
	//go:embed LiberationSerif-Italic.ttf
	LiberationSerifItalic []byte
)
