package digitize

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"time"
)

// xmpNS is the namespace of kyso's digitization metadata in XMP.
const xmpNS = "http://github.com/kyso-vn/kyso/ns/digitize/1.0/"

type xmpProp struct{ name, value, desc string }

// xmpPacket returns the document's XMP metadata: PDF/A-2b identification,
// Dublin Core, the XMP basic and PDF schemas (matching the Info
// dictionary), kyso's properties, and the PDF/A extension schema that
// declares them.
func xmpPacket(title, author, producer, creator string, created time.Time, props []xmpProp) []byte {
	esc := html.EscapeString
	date := created.In(vietnam).Format("2006-01-02T15:04:05-07:00")
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">` + "\n")
	b.WriteString(` <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>` + "\n")
	fmt.Fprintf(&b, `  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format><dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title><dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator></rdf:Description>`+"\n", esc(title), esc(author))
	fmt.Fprintf(&b, `  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreateDate>%s</xmp:CreateDate><xmp:ModifyDate>%s</xmp:ModifyDate><xmp:MetadataDate>%s</xmp:MetadataDate><xmp:CreatorTool>%s</xmp:CreatorTool></rdf:Description>`+"\n", date, date, date, esc(creator))
	fmt.Fprintf(&b, `  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>%s</pdf:Producer></rdf:Description>`+"\n", esc(producer))
	fmt.Fprintf(&b, `  <rdf:Description rdf:about="" xmlns:kyso="%s">`+"\n", xmpNS)
	for _, p := range props {
		fmt.Fprintf(&b, "   <kyso:%s>%s</kyso:%s>\n", p.name, esc(p.value), p.name)
	}
	b.WriteString("  </rdf:Description>\n")
	b.WriteString(`  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">` + "\n")
	b.WriteString(`   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">` + "\n")
	fmt.Fprintf(&b, "    <pdfaSchema:schema>kyso digitization metadata (TT 01/2023/TT-VPCP)</pdfaSchema:schema><pdfaSchema:namespaceURI>%s</pdfaSchema:namespaceURI><pdfaSchema:prefix>kyso</pdfaSchema:prefix>\n", xmpNS)
	b.WriteString("    <pdfaSchema:property><rdf:Seq>\n")
	for _, p := range props {
		fmt.Fprintf(&b, `     <rdf:li rdf:parseType="Resource"><pdfaProperty:name>%s</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>%s</pdfaProperty:description></rdf:li>`+"\n", p.name, esc(p.desc))
	}
	b.WriteString("    </rdf:Seq></pdfaSchema:property>\n   </rdf:li></rdf:Bag></pdfaExtension:schemas>\n  </rdf:Description>\n")
	b.WriteString(" </rdf:RDF>\n</x:xmpmeta>\n")
	// Padding lets an editor rewrite the packet in place.
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 20))
	b.WriteString(`<?xpacket end="w"?>`)
	return b.Bytes()
}

// recordProps lists a record as XMP properties, fields in profile order.
func recordProps(r *Record, p *Profile) []xmpProp {
	props := []xmpProp{{"result_code", r.ResultCode, "Mã kết quả số hóa"}}
	for _, f := range p.Fields {
		if v := r.Metadata.Get(f.Key); v != "" {
			props = append(props, xmpProp{f.Key, v, f.Label})
		}
	}
	props = append(props,
		xmpProp{"digitized_by", r.DigitizedBy.Name, "Người số hóa"},
		xmpProp{"digitized_at", displayTime(r.DigitizedAt), "Thời điểm số hóa"})
	if r.DigitizedBy.Account != "" {
		props = append(props, xmpProp{"digitized_by_account", r.DigitizedBy.Account, "Tài khoản công vụ của người số hóa"})
	}
	if a := r.Assignment; a != nil {
		props = append(props, xmpProp{"assignment", fmt.Sprintf("%s ngày %s, %s", a.Number, a.Date.Format("02/01/2006"), a.SignedBy), "Quyết định phân công số hóa"})
	}
	props = append(props, xmpProp{"pages", fmt.Sprint(r.Pages), "Số trang"})
	return slices.Clip(props)
}

// pdfDate formats a time for the Info dictionary, matching the XMP date.
func pdfDate(t time.Time) string {
	return t.In(vietnam).Format("D:20060102150405-07'00'")
}

// sRGBProfile returns an ICC (version 2.1) display profile for sRGB
// IEC 61966-2.1, built from the standard's primaries and transfer curve,
// for the PDF/A output intent.
func sRGBProfile() []byte {
	s15 := func(v float64) uint32 { return uint32(int32(math.Round(v * 65536))) }
	xyz := func(x, y, z float64) []byte {
		b := make([]byte, 20)
		copy(b, "XYZ ")
		binary.BigEndian.PutUint32(b[8:], s15(x))
		binary.BigEndian.PutUint32(b[12:], s15(y))
		binary.BigEndian.PutUint32(b[16:], s15(z))
		return b
	}
	desc := func(s string) []byte {
		b := make([]byte, 12, 12+len(s)+1+12+67)
		copy(b, "desc")
		binary.BigEndian.PutUint32(b[8:], uint32(len(s)+1))
		b = append(b, s...)
		b = append(b, 0)
		b = append(b, make([]byte, 4+4+2+1+67)...)
		return b
	}
	text := func(s string) []byte {
		b := make([]byte, 8, 8+len(s)+1)
		copy(b, "text")
		return append(append(b, s...), 0)
	}
	curve := make([]byte, 12+1024*2)
	copy(curve, "curv")
	binary.BigEndian.PutUint32(curve[8:], 1024)
	for i := range 1024 {
		v := float64(i) / 1023
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		binary.BigEndian.PutUint16(curve[12+2*i:], uint16(math.Round(v*65535)))
	}
	type tag struct {
		sig  string
		data []byte
	}
	tags := []tag{
		{"desc", desc("sRGB IEC61966-2.1")},
		{"cprt", text("No copyright, use freely")},
		{"wtpt", xyz(0.9642, 1.0, 0.8249)},
		{"rXYZ", xyz(0.4360747, 0.2225045, 0.0139322)},
		{"gXYZ", xyz(0.3850649, 0.7168786, 0.0971045)},
		{"bXYZ", xyz(0.1430804, 0.0606169, 0.7141733)},
		{"rTRC", curve}, {"gTRC", curve}, {"bTRC", curve},
	}
	hdr := make([]byte, 128+4+12*len(tags))
	binary.BigEndian.PutUint32(hdr[8:], 0x02100000)
	copy(hdr[12:], "mntrRGB XYZ ")
	// Creation date 2024-01-01 00:00:00.
	for i, v := range []uint16{2024, 1, 1, 0, 0, 0} {
		binary.BigEndian.PutUint16(hdr[24+2*i:], v)
	}
	copy(hdr[36:], "acsp")
	binary.BigEndian.PutUint32(hdr[68:], s15(0.9642))
	binary.BigEndian.PutUint32(hdr[72:], s15(1.0))
	binary.BigEndian.PutUint32(hdr[76:], s15(0.8249))
	binary.BigEndian.PutUint32(hdr[128:], uint32(len(tags)))
	body := hdr
	var curveOff int
	for i, t := range tags {
		off := len(body)
		if t.sig == "gTRC" || t.sig == "bTRC" {
			off = curveOff // the three curves share one element
		} else {
			body = append(body, t.data...)
			for len(body)%4 != 0 {
				body = append(body, 0)
			}
			if t.sig == "rTRC" {
				curveOff = off
			}
		}
		e := body[132+12*i:]
		copy(e, t.sig)
		binary.BigEndian.PutUint32(e[4:], uint32(off))
		binary.BigEndian.PutUint32(e[8:], uint32(len(t.data)))
	}
	binary.BigEndian.PutUint32(body, uint32(len(body)))
	return body
}
