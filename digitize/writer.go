package digitize

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/kyso-vn/kyso/pdf"
)

// writer assembles a new PDF file: objects are numbered as they are
// allocated and written in order with a classic cross-reference table.
type writer struct {
	objs [][][]byte // per object (number i+1): the serialized parts
}

func (w *writer) alloc() pdf.Ref {
	w.objs = append(w.objs, nil)
	return pdf.Ref{Num: uint32(len(w.objs))}
}

func (w *writer) set(ref pdf.Ref, obj pdf.Object) {
	w.objs[ref.Num-1] = [][]byte{pdf.Format(obj)}
}

// setStream stores a stream; data is kept, not copied.
func (w *writer) setStream(ref pdf.Ref, dict pdf.Dict, data []byte) {
	d := pdf.Dict{}
	for k, v := range dict {
		d[k] = v
	}
	d["Length"] = pdf.Integer(len(data))
	w.objs[ref.Num-1] = [][]byte{pdf.Format(d), []byte("\nstream\n"), data, []byte("\nendstream")}
}

func (w *writer) add(obj pdf.Object) pdf.Ref {
	r := w.alloc()
	w.set(r, obj)
	return r
}

func (w *writer) addStream(dict pdf.Dict, data []byte) pdf.Ref {
	r := w.alloc()
	w.setStream(r, dict, data)
	return r
}

// writeTo writes the file: header, objects, cross-reference table and
// trailer.
func (w *writer) writeTo(out io.Writer, trailer pdf.Dict) (int64, error) {
	var n int64
	put := func(b []byte) error {
		k, err := out.Write(b)
		n += int64(k)
		return err
	}
	if err := put([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")); err != nil {
		return n, err
	}
	offs := make([]int64, len(w.objs))
	for i, parts := range w.objs {
		if parts == nil {
			return n, fmt.Errorf("digitize: object %d allocated but not written", i+1)
		}
		offs[i] = n
		if err := put([]byte(strconv.Itoa(i+1) + " 0 obj\n")); err != nil {
			return n, err
		}
		for _, p := range parts {
			if err := put(p); err != nil {
				return n, err
			}
		}
		if err := put([]byte("\nendobj\n")); err != nil {
			return n, err
		}
	}
	xref := n
	var b bytes.Buffer
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(w.objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	t := pdf.Dict{"Size": pdf.Integer(len(w.objs) + 1)}
	for k, v := range trailer {
		t[k] = v
	}
	fmt.Fprintf(&b, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", pdf.Format(t), xref)
	return n, put(b.Bytes())
}

// importer copies objects from a PDF being read into the writer,
// renumbering references; every source object is copied once. Streams
// keep their encoded data and filters.
type importer struct {
	r    *pdf.Reader
	w    *writer
	memo map[pdf.Ref]pdf.Ref
}

func newImporter(r *pdf.Reader, w *writer) *importer {
	return &importer{r: r, w: w, memo: map[pdf.Ref]pdf.Ref{}}
}

func (im *importer) copy(o pdf.Object, depth int) (pdf.Object, error) {
	if depth > 64 {
		return nil, fmt.Errorf("%w: objects nested too deeply", ErrCorrupt)
	}
	switch v := o.(type) {
	case pdf.Ref:
		if nr, ok := im.memo[v]; ok {
			return nr, nil
		}
		nr := im.w.alloc()
		im.memo[v] = nr
		obj, err := im.r.Get(v)
		if err != nil {
			return nil, err
		}
		if s, ok := obj.(*pdf.Stream); ok {
			data, err := io.ReadAll(im.r.RawStream(s))
			if err != nil {
				return nil, err
			}
			d, err := im.copy(s.Dict, depth+1)
			if err != nil {
				return nil, err
			}
			im.w.setStream(nr, d.(pdf.Dict), data)
			return nr, nil
		}
		c, err := im.copy(obj, depth+1)
		if err != nil {
			return nil, err
		}
		im.w.set(nr, c)
		return nr, nil
	case pdf.Dict:
		d := make(pdf.Dict, len(v))
		for k, x := range v {
			if k == "Length" || k == "Parent" {
				continue
			}
			c, err := im.copy(x, depth+1)
			if err != nil {
				return nil, err
			}
			d[k] = c
		}
		return d, nil
	case pdf.Array:
		a := make(pdf.Array, len(v))
		for i, x := range v {
			c, err := im.copy(x, depth+1)
			if err != nil {
				return nil, err
			}
			a[i] = c
		}
		return a, nil
	case *pdf.Stream:
		return nil, fmt.Errorf("%w: direct stream object", ErrCorrupt)
	}
	return o, nil
}

// pageForm turns a page of a PDF being read into a Form XObject of the
// writer: its content (decoded and concatenated) with its resources.
func (im *importer) pageForm(pg pdf.Page) (pdf.Ref, error) {
	var content []byte
	cont, err := im.r.Resolve(pg.Dict["Contents"])
	if err != nil {
		return pdf.Ref{}, err
	}
	var parts []pdf.Object
	switch c := cont.(type) {
	case *pdf.Stream:
		parts = []pdf.Object{c}
	case pdf.Array:
		parts = c
	case nil:
	default:
		return pdf.Ref{}, fmt.Errorf("%w: page contents", ErrCorrupt)
	}
	for _, p := range parts {
		o, err := im.r.Resolve(p)
		if err != nil {
			return pdf.Ref{}, err
		}
		s, ok := o.(*pdf.Stream)
		if !ok {
			return pdf.Ref{}, fmt.Errorf("%w: page content is not a stream", ErrCorrupt)
		}
		data, err := im.r.StreamData(s, 0)
		if err != nil {
			return pdf.Ref{}, err
		}
		content = append(content, data...)
		content = append(content, '\n')
	}
	res := pdf.Dict{}
	if pg.Resources != nil {
		c, err := im.copy(pg.Resources, 0)
		if err != nil {
			return pdf.Ref{}, err
		}
		res = c.(pdf.Dict)
	}
	bbox := pg.MediaBox
	if bbox == nil {
		bbox = pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Integer(612), pdf.Integer(792)}
	}
	data, err := flate(content)
	if err != nil {
		return pdf.Ref{}, err
	}
	return im.w.addStream(pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": bbox,
		"Resources": res, "Filter": pdf.Name("FlateDecode")}, data), nil
}
