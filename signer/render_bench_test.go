package signer

import (
	"testing"
	"time"
)

// BenchmarkRenderAppearance measures drawing a result's visible signature:
// name, title, unit, signing time and the QR of its verification code.
func BenchmarkRenderAppearance(b *testing.B) {
	ap := &Appearance{Kind: Personal, Rect: Rect{W: 260, H: 80}, Name: "Nguyễn Văn Bình",
		Title: "Giám đốc", Unit: "Sở Tư pháp tỉnh Vĩnh Phúc", QR: "https://kyso.example/v/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	t := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := renderAppearance(ap, t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportAppearance measures writing a drawn appearance into a
// document: font subsets, widths, ToUnicode maps and the QR image.
func BenchmarkImportAppearance(b *testing.B) {
	ap := &Appearance{Kind: Personal, Rect: Rect{W: 260, H: 80}, Name: "Nguyễn Văn Bình",
		Title: "Giám đốc", Unit: "Sở Tư pháp tỉnh Vĩnh Phúc", QR: "https://kyso.example/v/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	d, err := renderAppearance(ap, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, f := range d.fonts {
			gids := make([]uint16, 0, len(f.used))
			for g := range f.used {
				gids = append(gids, g)
			}
			sub, _, err := f.face.Subset(gids)
			if err != nil {
				b.Fatal(err)
			}
			deflate(sub)
		}
	}
}
