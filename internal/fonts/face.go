package fonts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"golang.org/x/image/font/sfnt"
)

// ErrFont reports a TrueType file this package cannot use.
var ErrFont = errors.New("fonts: unusable TrueType font")

// A Face is a parsed TrueType font ready to be embedded in PDF files as a
// CIDFontType2 with Identity encoding: it maps runes to glyph IDs, knows
// every glyph's advance, and cuts subsets that keep the original glyph IDs
// (so a PDF can show glyphs by ID without a cmap in the embedded font).
// Parse once and share: a Face is immutable and safe for concurrent use.
type Face struct {
	Name string // PostScript name, e.g. "DejaVuSans"

	sfnt      *sfnt.Font
	data      []byte
	tables    map[string][]byte
	numGlyphs int
	upem      int
	advances  []uint16 // font units, per glyph
	lsbs      []uint16 // left side bearings, font units, per glyph
	loca      []uint32 // numGlyphs+1 offsets into glyf

	// Metrics in thousandths of an em, as PDF font descriptors state them.
	Ascent, Descent, CapHeight, ItalicAngle float64
	BBox                                    [4]float64
}

// Parse reads a TrueType (glyf-outline) font.
func Parse(data []byte) (*Face, error) {
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	fc := &Face{sfnt: f, data: data, tables: map[string][]byte{}}
	if len(data) < 12 {
		return nil, fmt.Errorf("%w: too short", ErrFont)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, fmt.Errorf("%w: truncated table directory", ErrFont)
		}
		tag := string(data[rec : rec+4])
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		ln := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || ln < 0 || off+ln > len(data) {
			return nil, fmt.Errorf("%w: table %q out of range", ErrFont, tag)
		}
		fc.tables[tag] = data[off : off+ln]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if fc.tables[t] == nil {
			return nil, fmt.Errorf("%w: no %q table", ErrFont, t)
		}
	}
	head, hhea, maxp := fc.tables["head"], fc.tables["hhea"], fc.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("%w: short head, hhea or maxp", ErrFont)
	}
	fc.upem = int(binary.BigEndian.Uint16(head[18:]))
	if fc.upem == 0 {
		return nil, fmt.Errorf("%w: unitsPerEm is 0", ErrFont)
	}
	fc.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	loca := fc.tables["loca"]
	fc.loca = make([]uint32, fc.numGlyphs+1)
	for i := range fc.loca {
		if longLoca {
			if 4*i+4 > len(loca) {
				return nil, fmt.Errorf("%w: short loca", ErrFont)
			}
			fc.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if 2*i+2 > len(loca) {
				return nil, fmt.Errorf("%w: short loca", ErrFont)
			}
			fc.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
		if i > 0 && (fc.loca[i] < fc.loca[i-1] || int(fc.loca[i]) > len(fc.tables["glyf"])) {
			return nil, fmt.Errorf("%w: loca entry %d out of order", ErrFont, i)
		}
	}
	hm := fc.tables["hmtx"]
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	if nh == 0 || 4*nh > len(hm) {
		return nil, fmt.Errorf("%w: short hmtx", ErrFont)
	}
	// hmtx: nh (advance, lsb) pairs, then an lsb for each further glyph,
	// which shares the last advance.
	fc.advances = make([]uint16, fc.numGlyphs)
	fc.lsbs = make([]uint16, fc.numGlyphs)
	for g := range fc.advances {
		fc.advances[g] = binary.BigEndian.Uint16(hm[4*min(g, nh-1):])
		if g < nh {
			fc.lsbs[g] = binary.BigEndian.Uint16(hm[4*g+2:])
		} else if o := 4*nh + 2*(g-nh); o+2 <= len(hm) {
			fc.lsbs[g] = binary.BigEndian.Uint16(hm[o:])
		}
	}
	scale := func(v int16) float64 { return float64(v) * 1000 / float64(fc.upem) }
	s16 := func(b []byte, o int) int16 { return int16(binary.BigEndian.Uint16(b[o:])) }
	fc.BBox = [4]float64{scale(s16(head, 36)), scale(s16(head, 38)), scale(s16(head, 40)), scale(s16(head, 42))}
	fc.Ascent, fc.Descent = scale(s16(hhea, 4)), scale(s16(hhea, 6))
	fc.CapHeight = fc.Ascent
	if os2 := fc.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		fc.CapHeight = scale(s16(os2, 88))
	}
	if post := fc.tables["post"]; len(post) >= 8 {
		fc.ItalicAngle = float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536
	}
	var b sfnt.Buffer
	if name, err := f.Name(&b, sfnt.NameIDPostScript); err == nil && name != "" {
		fc.Name = name
	} else {
		fc.Name = "Font"
	}
	return fc, nil
}

// Glyph returns the glyph ID that shows r, and false (with the .notdef
// glyph 0) when the font has none.
func (f *Face) Glyph(r rune) (uint16, bool) {
	var b sfnt.Buffer
	g, err := f.sfnt.GlyphIndex(&b, r)
	if err != nil || g == 0 {
		return 0, false
	}
	return uint16(g), true
}

// Advance returns glyph g's advance width in thousandths of an em.
func (f *Face) Advance(g uint16) float64 {
	if int(g) >= len(f.advances) {
		return 0
	}
	return float64(f.advances[g]) * 1000 / float64(f.upem)
}

// Width returns the advance width of s in thousandths of an em.
func (f *Face) Width(s string) float64 {
	w := 0.0
	for _, r := range s {
		g, _ := f.Glyph(r)
		w += f.Advance(g)
	}
	return w
}

// Subset returns a TrueType file holding glyphs, the glyphs composite
// ones are built from, and .notdef, renumbered compactly in ascending
// order of their original IDs, and gid mapping each original glyph ID to
// its ID in the subset. It keeps only the tables a PDF FontFile2 needs
// (ISO 32000-1 §9.9): head, hhea, hmtx, loca, glyf, maxp, and the hinting
// tables cvt, fpgm and prep when present; plus OS/2, an empty cmap and a
// post table without glyph names, so that font tools other than PDF
// readers accept the file too.
func (f *Face) Subset(glyphs []uint16) (font []byte, gid map[uint16]uint16, err error) {
	glyf := f.tables["glyf"]
	keep := map[uint16]bool{}
	todo := append(slices.Clone(glyphs), 0)
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if int(g) >= f.numGlyphs || keep[g] {
			continue
		}
		keep[g] = true
		comps, err := components(glyf[f.loca[g]:f.loca[g+1]])
		if err != nil {
			return nil, nil, fmt.Errorf("%w: glyph %d: %v", ErrFont, g, err)
		}
		for _, c := range comps {
			if !keep[c.glyph] {
				todo = append(todo, c.glyph)
			}
		}
	}
	old := slices.Sorted(maps.Keys(keep))
	gid = make(map[uint16]uint16, len(old))
	for i, g := range old {
		gid[g] = uint16(i)
	}
	n := len(old)
	var newGlyf bytes.Buffer
	newLoca := make([]byte, 4*(n+1))
	hmtx := make([]byte, 4*n)
	for i, g := range old {
		binary.BigEndian.PutUint32(newLoca[4*i:], uint32(newGlyf.Len()))
		binary.BigEndian.PutUint16(hmtx[4*i:], f.advances[g])
		binary.BigEndian.PutUint16(hmtx[4*i+2:], f.lsbs[g])
		data := glyf[f.loca[g]:f.loca[g+1]]
		comps, _ := components(data)
		if len(comps) > 0 {
			data = slices.Clone(data)
			for _, c := range comps {
				binary.BigEndian.PutUint16(data[c.at:], gid[c.glyph])
			}
		}
		newGlyf.Write(data)
		for newGlyf.Len()%4 != 0 {
			newGlyf.WriteByte(0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(newGlyf.Len()))
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checksumAdjustment, set by writeSFNT
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	out := map[string][]byte{"head": head, "hhea": hhea, "hmtx": hmtx, "maxp": maxp,
		"loca": newLoca, "glyf": newGlyf.Bytes(), "cmap": emptyCmap}
	for _, t := range []string{"cvt ", "fpgm", "prep", "OS/2"} {
		if d := f.tables[t]; d != nil {
			out[t] = d
		}
	}
	if p := f.tables["post"]; len(p) >= 32 {
		post := slices.Clone(p[:32])
		binary.BigEndian.PutUint32(post, 0x00030000) // version 3: no glyph names
		out["post"] = post
	}
	return writeSFNT(out), gid, nil
}

// emptyCmap is a cmap table with one format 4 subtable (Windows, Unicode
// BMP) that maps nothing: PDF readers show the subset's glyphs by ID.
var emptyCmap = []byte{
	0, 0, 0, 1, // version 0, one subtable
	0, 3, 0, 1, 0, 0, 0, 12, // platform 3, encoding 1, at offset 12
	0, 4, 0, 24, 0, 0, // format 4, length 24, language 0
	0, 2, 0, 2, 0, 0, 0, 0, // segCountX2 2, searchRange 2, entrySelector 0, rangeShift 0
	0xff, 0xff, 0, 0, // endCode 0xFFFF, reservedPad
	0xff, 0xff, 0, 1, 0, 0, // startCode 0xFFFF, idDelta 1, idRangeOffset 0
}

// component is one part of a composite glyph: the glyph it draws and the
// offset of that glyph ID in the composite's data.
type component struct {
	glyph uint16
	at    int
}

// components lists the glyphs a composite glyph is built from.
func components(g []byte) ([]component, error) {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil, nil // empty or simple
	}
	var out []component
	for p := 10; ; {
		if p+4 > len(g) {
			return nil, errors.New("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, component{binary.BigEndian.Uint16(g[p+2:]), p + 2})
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			return out, nil
		}
	}
}

// writeSFNT lays tables out as a TrueType file with a correct directory,
// table checksums and head.checksumAdjustment.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	entrySel := 0
	for 1<<(entrySel+1) <= n {
		entrySel++
	}
	searchRange := (1 << entrySel) * 16
	hdr := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(hdr, 0x00010000)
	binary.BigEndian.PutUint16(hdr[4:], uint16(n))
	binary.BigEndian.PutUint16(hdr[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(hdr[8:], uint16(entrySel))
	binary.BigEndian.PutUint16(hdr[10:], uint16(n*16-searchRange))
	body := make([]byte, 0, 1<<16)
	headAt := -1
	for i, t := range tags {
		d := tables[t]
		off := len(hdr) + len(body)
		if t == "head" {
			headAt = off
		}
		rec := hdr[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], checksum(d))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(d)))
		body = append(body, d...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	file := append(hdr, body...)
	if headAt >= 0 {
		binary.BigEndian.PutUint32(file[headAt+8:], 0xB1B0AFBA-checksum(file))
	}
	return file
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:min(i+4, len(b))])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
