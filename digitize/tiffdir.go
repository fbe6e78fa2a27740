package digitize

import (
	"encoding/binary"
	"fmt"
	"io"
)

// TIFF tags this package reads itself (golang.org/x/image/tiff decodes the
// pixels but reads only the first image of a file).
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagFillOrder       = 266
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagXResolution     = 282
	tagYResolution     = 283
	tagResolutionUnit  = 296
	tagT6Options       = 293
	tagTileWidth       = 322
	tagPredictor       = 317
)

// ifd is one image file directory: its offset and the values of the tags
// above (numeric values only; rationals as float64).
type ifd struct {
	offset int64
	vals   map[uint16][]float64
}

func (d ifd) get(tag uint16, def float64) float64 {
	if v := d.vals[tag]; len(v) > 0 {
		return v[0]
	}
	return def
}

const maxIFDs = 10000

// readIFDs walks the chain of image file directories of a TIFF file.
func readIFDs(r io.ReaderAt, size int64) (binary.ByteOrder, []ifd, error) {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, nil, fmt.Errorf("%w: TIFF header", ErrCorrupt)
	}
	var bo binary.ByteOrder
	switch string(hdr[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return nil, nil, fmt.Errorf("%w: not a classic TIFF (BigTIFF is not supported)", ErrUnsupported)
	}
	off := int64(bo.Uint32(hdr[4:]))
	var dirs []ifd
	seen := map[int64]bool{}
	for off != 0 {
		if seen[off] || len(dirs) >= maxIFDs {
			return nil, nil, fmt.Errorf("%w: loop in the TIFF directory chain", ErrCorrupt)
		}
		seen[off] = true
		d, next, err := readIFD(r, bo, off, size)
		if err != nil {
			return nil, nil, err
		}
		dirs = append(dirs, d)
		off = next
	}
	if len(dirs) == 0 {
		return nil, nil, fmt.Errorf("%w: TIFF without images", ErrCorrupt)
	}
	return bo, dirs, nil
}

var typeSize = map[uint16]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

func readIFD(r io.ReaderAt, bo binary.ByteOrder, off, size int64) (ifd, int64, error) {
	bad := fmt.Errorf("%w: TIFF directory at offset %d", ErrCorrupt, off)
	var nb [2]byte
	if off < 8 || off+2 > size {
		return ifd{}, 0, bad
	}
	if _, err := r.ReadAt(nb[:], off); err != nil {
		return ifd{}, 0, bad
	}
	n := int64(bo.Uint16(nb[:]))
	buf := make([]byte, n*12+4)
	if off+2+int64(len(buf)) > size {
		return ifd{}, 0, bad
	}
	if _, err := r.ReadAt(buf, off+2); err != nil {
		return ifd{}, 0, bad
	}
	d := ifd{offset: off, vals: map[uint16][]float64{}}
	for i := range n {
		e := buf[i*12 : i*12+12]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), int64(bo.Uint32(e[4:]))
		switch tag {
		case tagImageWidth, tagImageLength, tagBitsPerSample, tagCompression, tagPhotometric, tagFillOrder,
			tagStripOffsets, tagSamplesPerPixel, tagRowsPerStrip, tagStripByteCounts, tagXResolution,
			tagYResolution, tagResolutionUnit, tagT6Options, tagTileWidth, tagPredictor:
		default:
			continue
		}
		ts := typeSize[typ]
		if ts == 0 || count > 1<<20 {
			return ifd{}, 0, bad
		}
		data := e[8:12]
		if ts*count > 4 {
			p := int64(bo.Uint32(e[8:]))
			if p+ts*count > size {
				return ifd{}, 0, bad
			}
			data = make([]byte, ts*count)
			if _, err := r.ReadAt(data, p); err != nil {
				return ifd{}, 0, bad
			}
		}
		vals := make([]float64, 0, count)
		for j := range count {
			v := data[j*ts:]
			switch typ {
			case 1, 2, 6, 7:
				vals = append(vals, float64(v[0]))
			case 3, 8:
				vals = append(vals, float64(bo.Uint16(v)))
			case 4, 9:
				vals = append(vals, float64(bo.Uint32(v)))
			case 5, 10:
				num, den := bo.Uint32(v), bo.Uint32(v[4:])
				if den == 0 {
					vals = append(vals, 0)
				} else {
					vals = append(vals, float64(num)/float64(den))
				}
			default:
				vals = append(vals, 0)
			}
		}
		d.vals[tag] = vals
	}
	return d, int64(bo.Uint32(buf[n*12:])), nil
}

// dpi returns the directory's resolution in dots per inch, 0 if absent.
func (d ifd) dpi() (x, y float64) {
	x, y = d.get(tagXResolution, 0), d.get(tagYResolution, 0)
	switch d.get(tagResolutionUnit, 2) {
	case 2:
	case 3:
		x, y = x*2.54, y*2.54
	default:
		return 0, 0
	}
	if y == 0 {
		y = x
	}
	return x, y
}

// firstIFDAt makes a TIFF file read as if the directory at off were its
// first one, so golang.org/x/image/tiff decodes page n of a multi-page file.
type firstIFDAt struct {
	r   io.ReaderAt
	bo  binary.ByteOrder
	off int64
}

func (f *firstIFDAt) ReadAt(p []byte, at int64) (int, error) {
	n, err := f.r.ReadAt(p, at)
	if at < 8 && at+int64(n) > 4 {
		var b [4]byte
		f.bo.PutUint32(b[:], uint32(f.off))
		for i := max(at, 4); i < min(at+int64(n), 8); i++ {
			p[i-at] = b[i-4]
		}
	}
	return n, err
}

// exifDPI reads the resolution from a JPEG's EXIF (APP1) segment body,
// which holds a TIFF structure after "Exif\0\0".
func exifDPI(b []byte) (float64, float64) {
	r := &sliceReaderAt{b}
	_, dirs, err := readIFDs(r, int64(len(b)))
	if err != nil || len(dirs) == 0 {
		return 0, 0
	}
	return dirs[0].dpi()
}

type sliceReaderAt struct{ b []byte }

func (s *sliceReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(s.b)) {
		return 0, io.EOF
	}
	n := copy(p, s.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
