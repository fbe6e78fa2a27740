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
