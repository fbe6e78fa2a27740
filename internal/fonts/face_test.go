package fonts

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

func TestParseShipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"DejaVuSans", DejaVuSans, "DejaVuSans"},
		{"DejaVuSansBold", DejaVuSansBold, "DejaVuSans-Bold"},
		{"LiberationSerif", LiberationSerif, "LiberationSerif"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != tc.want {
				t.Errorf("Name = %q, want %q", f.Name, tc.want)
			}
			for _, r := range "Ký bởi Nguyễn Thị Hường Đơn vị ₫" {
				if _, ok := f.Glyph(r); !ok && r != ' ' {
					t.Errorf("no glyph for %q", r)
				}
			}
			if w := f.Width("M"); w < 500 || w > 1100 {
				t.Errorf("width of M = %v thousandths of an em", w)
			}
			if f.Ascent <= 0 || f.Descent >= 0 || f.BBox[2] <= f.BBox[0] {
				t.Errorf("metrics: ascent %v descent %v bbox %v", f.Ascent, f.Descent, f.BBox)
			}
		})
	}
}

// TestSubset cuts a subset and reads it back: kept glyphs (and the parts
// of composite ones) keep their outlines under their new IDs and advances,
// others are gone.
func TestSubset(t *testing.T) {
	f, err := Parse(DejaVuSans)
	if err != nil {
		t.Fatal(err)
	}
	var keep []uint16
	for _, r := range "Hường" {
		g, _ := f.Glyph(r)
		keep = append(keep, g)
	}
	sub, gid, err := f.Subset(keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub) >= len(DejaVuSans)/4 {
		t.Errorf("subset is %d bytes of %d", len(sub), len(DejaVuSans))
	}
	sf, err := sfnt.Parse(sub)
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	var b sfnt.Buffer
	segments := func(g uint16) int {
		s, err := sf.LoadGlyph(&b, sfnt.GlyphIndex(g), fixed.I(1000), nil)
		if err != nil {
			t.Fatalf("glyph %d: %v", g, err)
		}
		return len(s)
	}
	if sf.NumGlyphs() != len(gid) || len(gid) < len(keep) {
		t.Errorf("subset has %d glyphs, map %d, asked for %d", sf.NumGlyphs(), len(gid), len(keep))
	}
	for _, g := range keep {
		ng, ok := gid[g]
		if !ok {
			t.Fatalf("kept glyph %d has no new ID", g)
		}
		if segments(ng) == 0 {
			t.Errorf("kept glyph %d (now %d) lost its outline", g, ng)
		}
		// DejaVu has 2048 units per em: at 2048 ppem an advance is in font units.
		adv, err := sf.GlyphAdvance(&b, sfnt.GlyphIndex(ng), fixed.I(2048), 0)
		if want := int(math.Round(f.Advance(g) * 2.048)); err != nil || adv.Round() != want {
			t.Errorf("glyph %d: advance %v in the subset, %v thousandths in the font (%v)", g, adv.Round(), f.Advance(g), err)
		}
	}
	z, _ := f.Glyph('Z')
	if _, ok := gid[z]; ok || slices.Contains(keep, z) {
		t.Errorf("glyph Z (%d) was not asked for but is in the subset", z)
	}
}

func TestParseBroken(t *testing.T) {
	trunc := DejaVuSans[:4000]
	badLoca := func() []byte {
		b := slices.Clone(DejaVuSans)
		f, _ := Parse(b)
		// Point the first two loca entries past the glyf table.
		loca := f.tables["loca"]
		for i := range loca[:8] {
			loca[i] = 0xff
		}
		return b
	}()
	zeroUPEM := func() []byte {
		b := slices.Clone(DejaVuSans)
		f, _ := Parse(b)
		binary.BigEndian.PutUint16(f.tables["head"][18:], 0)
		return b
	}()
	for name, data := range map[string][]byte{"empty": nil, "truncated": trunc, "bad loca": badLoca, "zero unitsPerEm": zeroUPEM, "not a font": []byte("%PDF-1.7 hello")} {
		if _, err := Parse(data); !errors.Is(err, ErrFont) {
			t.Errorf("%s: err = %v, want ErrFont", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(DejaVuSans[:20000])
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := Parse(data)
		if err != nil {
			return
		}
		fc.Width("Ký bởi")
		if _, _, err := fc.Subset([]uint16{1, 2, 3, 65535}); err != nil && !errors.Is(err, ErrFont) {
			t.Errorf("Subset error is not ErrFont: %v", err)
		}
	})
}
