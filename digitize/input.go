package digitize

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff"

	"github.com/kyso-vn/kyso/pdf"
)

// An Input is one file from the scanner: JPEG, PNG, TIFF (one or more
// pages) or PDF. Data is read from Path when nil.
type Input struct {
	Name string // shown in messages and recorded as the source; base of Path when empty
	Path string
	Data []byte
}

func (in Input) name() string {
	if in.Name != "" {
		return in.Name
	}
	return filepath.Base(in.Path)
}

// page is one scanned page, ready to be placed in a PDF.
type page struct {
	src  PageSource
	file int // index of the input

	// An image page: its PDF image XObject (dictionary without /Length
	// and the encoded data).
	img     pdf.Dict
	imgData []byte
	// A PDF page: its reader and page, drawn as a Form XObject.
	pdfr    *pdf.Reader
	pdfPage pdf.Page

	widthPt, heightPt float64 // the scan's size on paper
	colour            string
	// decode returns the page's pixels for analysis and OCR; nil when they
	// cannot be had (a PDF page that is not one plain image).
	decode func() (image.Image, error)
	// ocrFile returns an image file for tesseract (the original bytes
	// where possible).
	jpegBytes []byte
	warn      string // a note about how the DPI was found

	// Analysis for splitting: a sampled greyscale copy of the page.
	gray             *image.Gray
	blank            bool
	sepOK            bool
	sepCode, sepName string
}

// format sniffs the file type.
func format(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-")):
		return "pdf"
	}
	return ""
}

// load reads one input into pages. Every error is about this file only.
func load(in Input, idx int, p *Profile, an analysis) ([]*page, []string, error) {
	data := in.Data
	if data == nil {
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, nil, err
		}
		if st.Size() > p.MaxFileBytes {
			return nil, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, st.Size(), p.MaxFileBytes)
		}
		if data, err = io.ReadAll(f); err != nil {
			return nil, nil, err
		}
	}
	if len(data) == 0 {
		return nil, nil, ErrEmpty
	}
	if int64(len(data)) > p.MaxFileBytes {
		return nil, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), p.MaxFileBytes)
	}
	name := in.name()
	var pages []*page
	var warns []string
	var err error
	switch f := format(data); f {
	case "jpeg":
		var pg *page
		pg, err = loadJPEG(data, p, an)
		pages = []*page{pg}
	case "png":
		var pg *page
		pg, err = loadPNG(data, p, an)
		pages = []*page{pg}
	case "tiff":
		pages, err = loadTIFF(data, p, an)
	case "pdf":
		pages, err = loadPDF(data, p, an)
	default:
		return nil, nil, fmt.Errorf("%w: want JPEG, PNG, TIFF or PDF", ErrUnsupported)
	}
	if err != nil {
		return nil, nil, err
	}
	for i, pg := range pages {
		pg.file = idx
		pg.src.File = name
		pg.src.Page = i + 1
		pg.src.Colour = pg.colour
		w, err := checkQuality(pg, p)
		if err != nil {
			if len(pages) > 1 {
				return nil, nil, &FileError{File: name, Page: i + 1, Err: err}
			}
			return nil, nil, err
		}
		if w != "" {
			warns = append(warns, fmt.Sprintf("%s trang %d: %s", name, i+1, w))
		}
	}
	return pages, warns, nil
}

// checkPixels refuses a page whose pixel count exceeds the profile's limit,
// before anything is decoded.
func checkPixels(w, h int, p *Profile) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: image of %d×%d pixels", ErrCorrupt, w, h)
	}
	if int64(w)*int64(h) > p.MaxPixels {
		return fmt.Errorf("%w: %d×%d = %.0f megapixels, the limit is %.0f", ErrTooLarge, w, h,
			float64(w)*float64(h)/1e6, float64(p.MaxPixels)/1e6)
	}
	return nil
}

// A paper size in millimetres.
type paper struct {
	name string
	w, h float64
}

var papers = []paper{{"A4", 210, 297}, {"A3", 297, 420}, {"A5", 148, 210}, {"Letter", 215.9, 279.4}, {"Legal", 215.9, 355.6}, {"B5", 176, 250}, {"A6", 105, 148}}
var scannerDPIs = []float64{150, 200, 240, 300, 400, 600}

// paperDPI infers the resolution from the image's shape when it matches a
// known paper size (either orientation); the match closest to a common
// scanner resolution wins.
func paperDPI(w, h int) (float64, string) {
	best, bestName, bestDist := 0.0, "", math.Inf(1)
	for _, pp := range papers {
		for _, o := range [][2]float64{{pp.w, pp.h}, {pp.h, pp.w}} {
			dx, dy := float64(w)/(o[0]/25.4), float64(h)/(o[1]/25.4)
			if math.Abs(dx-dy)/dx > 0.015 || dx < 50 || dx > 1200 {
				continue
			}
			for _, s := range scannerDPIs {
				if d := math.Abs(dx-s) / s; d < bestDist {
					best, bestName, bestDist = dx, pp.name, d
				}
			}
		}
	}
	// A scanner's resolution is a round number: snap to it when within 1 %.
	for _, s := range scannerDPIs {
		if math.Abs(best-s)/s < 0.01 {
			return s, bestName
		}
	}
	return math.Round(best*10) / 10, bestName
}

// resolve fills the page's DPI and size on paper from what the file says,
// the paper shape, or the profile's default, and returns a warning when
// it had to guess.
func (pg *page) resolve(fileX, fileY float64, p *Profile) string {
	w, h := pg.src.Width, pg.src.Height
	dx, dy, warn := fileX, fileY, ""
	pg.src.DPISource = "file"
	if dx > 0 && dy > 0 && (dx < p.MinDPI || dy < p.MinDPI) && (dx == 72 || dx == 96) {
		// 72 and 96 dpi are software defaults, not scanner settings; trust
		// the paper shape when it says more.
		if g, name := paperDPI(w, h); g >= p.MinDPI {
			warn = fmt.Sprintf("tệp ghi %.0f dpi (mặc định phần mềm), ảnh khớp khổ %s ở %.0f dpi", dx, name, g)
			dx, dy = g, g
			pg.src.DPISource = "paper size"
		}
	}
	if dx <= 0 || dy <= 0 {
		if g, name := paperDPI(w, h); g > 0 {
			dx, dy = g, g
			pg.src.DPISource = "paper size"
			warn = fmt.Sprintf("tệp không ghi độ phân giải; suy ra %.0f dpi từ khổ %s (no DPI in file; inferred from %s)", g, name, name)
		} else {
			dx, dy = p.DefaultDPI, p.DefaultDPI
			pg.src.DPISource = "assumed"
			warn = fmt.Sprintf("tệp không ghi độ phân giải; giả định %.0f dpi (no DPI in file; assumed)", dx)
		}
	}
	pg.src.DPI = math.Min(dx, dy)
	pg.widthPt, pg.heightPt = float64(w)/dx*72, float64(h)/dy*72
	return warn
}

// checkQuality applies the profile's resolution and colour rules.
func checkQuality(pg *page, p *Profile) (string, error) {
	if pg.src.DPI > 0 && pg.src.DPI+0.5 < p.MinDPI {
		return "", fmt.Errorf("%w: %.0f dpi (%s), the profile %s requires %.0f dpi", ErrLowResolution, pg.src.DPI, pg.src.DPISource, p.Name, p.MinDPI)
	}
	if p.RequireColour && pg.colour != "colour" && pg.colour != "" {
		return "", fmt.Errorf("%w: the scan is %s, the profile %s requires colour", ErrColourMode, pg.colour, p.Name)
	}
	return pg.warn, nil
}

func loadJPEG(data []byte, p *Profile, an analysis) (*page, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: JPEG: %v", ErrCorrupt, err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, p); err != nil {
		return nil, err
	}
	pg := &page{jpegBytes: data}
	pg.src.Format, pg.src.Width, pg.src.Height = "JPEG", cfg.Width, cfg.Height
	var cs pdf.Name
	switch comps := jpegComponents(data); comps {
	case 1:
		cs, pg.colour = "DeviceGray", "grey"
	case 3:
		cs, pg.colour = "DeviceRGB", "colour"
	default:
		return nil, fmt.Errorf("%w: JPEG with %d colour components (CMYK is not allowed in PDF/A with an sRGB output intent)", ErrUnsupported, comps)
	}
	pg.img = pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Integer(cfg.Width),
		"Height": pdf.Integer(cfg.Height), "ColorSpace": cs, "BitsPerComponent": pdf.Integer(8), "Filter": pdf.Name("DCTDecode")}
	pg.imgData = data
	pg.src.Encoding = "DCT pass-through"
	x, y := jpegDPI(data)
	pg.warn = pg.resolve(x, y, p)
	pg.decode = func() (image.Image, error) {
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: JPEG: %v", ErrCorrupt, err)
		}
		return img, nil
	}
	// The data is embedded as it is: its structure is checked (markers,
	// a scan, the end-of-image marker: a truncated file fails), and its
	// pixels are decoded when the profile or the analysis asks.
	if err := jpegStructure(data); err != nil {
		return nil, err
	}
	if p.VerifyPixels || an.blank || an.separator {
		img, err := pg.decode()
		if err != nil {
			return nil, err
		}
		pg.analyze(img, an, p)
	}
	return pg, nil
}

// jpegSegments calls fn for each marker segment before the scan data.
func jpegSegments(b []byte, fn func(marker byte, body []byte) bool) {
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return
		}
		m := b[i+1]
		if m == 0xd8 || m >= 0xd0 && m <= 0xd7 || m == 0x01 || m == 0xff {
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return
		}
		if !fn(m, b[i+4:i+2+n]) || m == 0xda {
			return
		}
		i += 2 + n
	}
}

// jpegStructure checks that a JPEG has a frame header, a scan and ends
// with the end-of-image marker (trailing padding allowed).
func jpegStructure(b []byte) error {
	var sof, sos bool
	jpegSegments(b, func(m byte, _ []byte) bool {
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			sof = true
		}
		sos = sos || m == 0xda
		return true
	})
	end := bytes.TrimRight(b, "\x00\r\n ")
	if !sof || !sos || !bytes.HasSuffix(end, []byte{0xff, 0xd9}) {
		return fmt.Errorf("%w: JPEG without a complete scan (truncated?)", ErrCorrupt)
	}
	return nil
}

func jpegComponents(b []byte) int {
	n := 0
	jpegSegments(b, func(m byte, body []byte) bool {
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc && len(body) >= 6 {
			n = int(body[5])
			return false
		}
		return true
	})
	return n
}

// jpegDPI reads the density of a JFIF APP0 or EXIF APP1 segment.
func jpegDPI(b []byte) (x, y float64) {
	jpegSegments(b, func(m byte, body []byte) bool {
		switch {
		case m == 0xe0 && len(body) >= 12 && string(body[:5]) == "JFIF\x00":
			dx, dy := float64(binary.BigEndian.Uint16(body[8:])), float64(binary.BigEndian.Uint16(body[10:]))
			switch body[7] {
			case 1:
				x, y = dx, dy
			case 2:
				x, y = dx*2.54, dy*2.54
			}
		case m == 0xe1 && len(body) > 14 && string(body[:6]) == "Exif\x00\x00" && x == 0:
			x, y = exifDPI(body[6:])
		}
		return true
	})
	return x, y
}

func loadPNG(data []byte, p *Profile, an analysis) (*page, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: PNG: %v", ErrCorrupt, err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, p); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: PNG: %v", ErrCorrupt, err)
	}
	pg, err := imagePage(img, "PNG", p)
	if err != nil {
		return nil, err
	}
	pg.analyze(img, an, p)
	pg.decode = func() (image.Image, error) { return png.Decode(bytes.NewReader(data)) }
	x, y := pngDPI(data)
	pg.warn += pg.resolve(x, y, p)
	return pg, nil
}

// pngDPI reads the pHYs chunk.
func pngDPI(b []byte) (float64, float64) {
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || i+12+n > len(b) {
			break
		}
		if typ == "pHYs" && n == 9 && b[i+16] == 1 {
			x, y := float64(binary.BigEndian.Uint32(b[i+8:])), float64(binary.BigEndian.Uint32(b[i+12:]))
			return x * 0.0254, y * 0.0254
		}
		if typ == "IDAT" {
			break
		}
		i += 12 + n
	}
	return 0, 0
}

func loadTIFF(data []byte, p *Profile, an analysis) ([]*page, error) {
	ra := &sliceReaderAt{data}
	bo, dirs, err := readIFDs(ra, int64(len(data)))
	if err != nil {
		return nil, err
	}
	var pages []*page
	for i, d := range dirs {
		pg, err := tiffPage(data, bo, d, p, an)
		if err != nil {
			if len(dirs) > 1 {
				return nil, &FileError{Page: i + 1, Err: err}
			}
			return nil, err
		}
		pg.src.Format = "TIFF"
		pages = append(pages, pg)
	}
	return pages, nil
}

func tiffPage(data []byte, bo binary.ByteOrder, d ifd, p *Profile, an analysis) (*page, error) {
	w, h := int(d.get(tagImageWidth, 0)), int(d.get(tagImageLength, 0))
	if err := checkPixels(w, h, p); err != nil {
		return nil, err
	}
	r := io.NewSectionReader(&firstIFDAt{r: &sliceReaderAt{data}, bo: bo, off: d.offset}, 0, int64(len(data)))
	decode := func() (image.Image, error) {
		img, err := tiff.Decode(r)
		if err != nil {
			if _, ok := err.(tiff.UnsupportedError); ok {
				return nil, fmt.Errorf("%w: TIFF: %v", ErrUnsupported, err)
			}
			return nil, fmt.Errorf("%w: TIFF: %v", ErrCorrupt, err)
		}
		return img, nil
	}
	x, y := d.dpi()
	offs, counts := d.vals[tagStripOffsets], d.vals[tagStripByteCounts]
	g4 := d.get(tagCompression, 1) == 4 && d.get(tagBitsPerSample, 1) == 1 && d.get(tagFillOrder, 1) == 1 &&
		len(offs) == 1 && len(counts) == 1 && d.vals[tagTileWidth] == nil &&
		int64(offs[0])+int64(counts[0]) <= int64(len(data)) && int64(d.get(tagT6Options, 0))&2 == 0
	if g4 {
		// Bilevel Group 4, one strip: the data goes into the PDF as it is.
		// The run codes say which runs are white, whatever the photometric
		// interpretation (as golang.org/x/image/tiff reads them).
		pg := &page{colour: "bilevel", decode: decode}
		pg.src.Width, pg.src.Height = w, h
		parms := pdf.Dict{"K": pdf.Integer(-1), "Columns": pdf.Integer(w), "Rows": pdf.Integer(h)}
		pg.img = pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Integer(w),
			"Height": pdf.Integer(h), "ColorSpace": pdf.Name("DeviceGray"), "BitsPerComponent": pdf.Integer(1),
			"Filter": pdf.Name("CCITTFaxDecode"), "DecodeParms": parms}
		pg.imgData = data[int64(offs[0]) : int64(offs[0])+int64(counts[0])]
		pg.src.Encoding = "CCITT G4 pass-through"
		// Check that the data decodes before trusting it.
		g := image.NewGray(image.Rect(0, 0, w, h))
		if err := ccitt.DecodeIntoGray(g, bytes.NewReader(pg.imgData), ccitt.MSB, ccitt.Group4, nil); err != nil {
			return nil, fmt.Errorf("%w: TIFF Group 4 data: %v", ErrCorrupt, err)
		}
		pg.analyze(g, an, p)
		pg.warn = pg.resolve(x, y, p)
		return pg, nil
	}
	comp := d.get(tagCompression, 1)
	if (comp == 8 || comp == 32946) && d.get(tagBitsPerSample, 1) == 1 && d.get(tagSamplesPerPixel, 1) == 1 &&
		d.get(tagFillOrder, 1) == 1 && d.get(tagPredictor, 1) == 1 && len(offs) == 1 && len(counts) == 1 &&
		d.vals[tagTileWidth] == nil && int64(offs[0])+int64(counts[0]) <= int64(len(data)) && d.get(tagPhotometric, 0) <= 1 {
		// Bilevel Deflate, one strip: the same zlib stream of packed rows
		// that PDF's FlateDecode reads, so it goes in as it is.
		raw := data[int64(offs[0]) : int64(offs[0])+int64(counts[0])]
		rows, err := inflate(raw, int64((w+7)/8)*int64(h))
		if err != nil {
			return nil, fmt.Errorf("%w: TIFF Deflate data: %v", ErrCorrupt, err)
		}
		pg := &page{colour: "bilevel", decode: decode, imgData: raw}
		pg.src.Width, pg.src.Height = w, h
		pg.img = pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Integer(w),
			"Height": pdf.Integer(h), "ColorSpace": pdf.Name("DeviceGray"), "BitsPerComponent": pdf.Integer(1),
			"Filter": pdf.Name("FlateDecode")}
		if d.get(tagPhotometric, 0) == 0 {
			// WhiteIsZero: 0 is white, the opposite of DeviceGray.
			pg.img["Decode"] = pdf.Array{pdf.Integer(1), pdf.Integer(0)}
		}
		pg.src.Encoding = "Flate pass-through, 1 bit"
		if an.blank || an.separator {
			g := image.NewGray(image.Rect(0, 0, w, h))
			rb, white := (w+7)/8, byte(0)
			if d.get(tagPhotometric, 0) == 1 {
				white = 1
			}
			for y := range h {
				for x := range w {
					if (rows[y*rb+x>>3]>>(7-x&7))&1 == white {
						g.Pix[y*w+x] = 255
					}
				}
			}
			pg.analyze(g, an, p)
		}
		pg.warn = pg.resolve(x, y, p)
		return pg, nil
	}
	img, err := decode()
	if err != nil {
		return nil, err
	}
	pg, err := imagePage(img, "TIFF", p)
	if err != nil {
		return nil, err
	}
	pg.analyze(img, an, p)
	pg.decode = decode
	pg.warn += pg.resolve(x, y, p)
	return pg, nil
}

// analysis says what load must find out about each page for splitting.
type analysis struct {
	blank     bool // detect blank pages
	separator bool // detect separator sheets
}

// analyze samples the page's pixels for blank and separator detection.
func (pg *page) analyze(img image.Image, an analysis, p *Profile) {
	if !an.blank && !an.separator {
		return
	}
	step := max(1, img.Bounds().Dx()/1200)
	pg.gray = luma(img, step)
	pg.blank = isBlank(pg.gray, p.BlankThreshold, p.BlankInk)
	if an.separator && !pg.blank {
		pg.sepCode, pg.sepName, pg.sepOK = readSeparator(pg.gray)
	}
	pg.gray = nil
}

// inflate decompresses a zlib stream that must hold exactly n bytes.
func inflate(b []byte, n int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, err
	}
	if k, _ := zr.Read(make([]byte, 1)); k != 0 {
		return nil, errors.New("more data than the image holds")
	}
	return out, nil
}
