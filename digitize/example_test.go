package digitize_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"time"

	"github.com/kyso-vn/kyso/digitize"
)

func ExampleProcess() {
	// A scanner's JPEG: A5 at 200 dpi, without resolution metadata.
	var scan bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 1165, 1654))
	for i := range img.Pix {
		img.Pix[i] = 240
	}
	jpeg.Encode(&scan, img, nil)

	b, err := digitize.Process(context.Background(), []digitize.Input{{Name: "don-de-nghi.jpg", Data: scan.Bytes()}}, &digitize.Options{
		Time:     time.Date(2025, 7, 1, 9, 15, 30, 0, time.FixedZone("ICT", 7*3600)),
		Operator: digitize.Operator{Name: "Nguyễn Văn An", Account: "an.nv@motcua"},
		Common:   map[string]string{digitize.FieldDossierCode: "000.00.01.H12-250701-0001"},
		Components: []digitize.Metadata{{Fields: map[string]string{
			digitize.FieldComponentCode: "TP01", digitize.FieldComponentName: "Đơn đề nghị"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range b.Documents {
		r := d.Record
		fmt.Println(r.ResultCode, r.Step, r.Pages, "page,", r.Sources[0].Encoding, "at", r.Sources[0].DPI, "dpi")
		fmt.Println("legally valid:", r.Validity.Valid)
		for _, c := range r.Validity.Conditions {
			fmt.Println(" ", c.Rule, c.Held)
		}
	}
	// Output:
	// 000.00.01.H12-250701-0001.SH01 code_assigned 1 page, DCT pass-through at 200 dpi
	// legally valid: false
	//   QĐ 03/2020 Đ9.3a true
	//   QĐ 03/2020 Đ9.3b false
	//   QĐ 03/2020 Đ9.3c false
}
