// Package fonts ships the TrueType fonts kyso draws Vietnamese text with:
// DejaVu Sans (Bitstream Vera licence, LICENSE-DejaVu.txt) for signature
// appearances, letters and footers, and Liberation Serif (SIL Open Font
// Licence, LICENSE-Liberation.txt), metric-compatible with Times New Roman,
// for the "SAO Y" copy block of Nghị định 30/2020 and the one-stop forms
// (regular, bold and italic). Both cover Vietnamese
// (U+1EA0–U+1EF9) and the đồng sign. The files come from Debian's
// fonts-dejavu-core and fonts-liberation2 packages.
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
