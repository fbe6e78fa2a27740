package digitize

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
)

func newHash() hash.Hash { return sha256.New() }

// Options control a digitization batch.
type Options struct {
	Profile *Profile // DefaultProfile() when nil

	Split  SplitMode
	Ranges string // for SplitRanges, e.g. "1-3,4,5-8"

	// OCR adds an invisible Vietnamese text layer (tesseract). The
	// profile's OCR setting turns it on too.
	OCR bool
	// Tesseract is the tesseract program; found on PATH when empty.
	Tesseract string

	// Common metadata applies to every document (e.g. the dossier code);
	// Components[i] to the i-th document of the batch, over Common. A
	// separator sheet's component code and name fill in what is missing.
	Common     map[string]string
	Components []Metadata

	Operator   Operator
	Assignment *Assignment // the decision assigning Operator, checked at capture time
	Time       time.Time   // capture time; now when zero

	// Existing looks up an already-digitized component (TT 01/2023: never
	// ask again for what is digitized). When it returns a record, the
	// document is not digitized again unless its metadata says Rescan.
	Existing func(ctx context.Context, m Metadata) (*Record, error)

	// Sign signs each document; nil leaves them unsigned (to be signed
	// with SignAll or PrepareBatch/CompleteBatch).
	Sign *SignOptions
	// OutDir stores each document as NAME.pdf and NAME.json there; ""
	// keeps them in memory only (Document.Store stores them later).
	OutDir string

	Logger *slog.Logger
}

// A Document is one output document: one paper document of the batch.
type Document struct {
	Name   string // output file name without extension
	Record Record
	PDF    []byte // the PDF (signed when signed)
	Path   string // NAME.pdf, once stored
	// Err says why the document was not produced: excluded, reused,
	// invalid metadata, a failed page, a failed signature.
	Err error

	sigBox  layoutBox
	profile *Profile
}

type layoutBox struct{ x, y, w, h float64 }

// Reused reports whether an already-digitized component was offered
// instead (Record.ReusedFrom names it).
func (d *Document) Reused() bool { return d.Record.ReusedFrom != "" }

// FileReport tells what became of one input file.
type FileReport struct {
	Name     string
	Pages    int
	Err      error // a *FileError; the other files are unaffected
	Warnings []string
}

// A Batch is the result of Process.
type Batch struct {
	Files     []FileReport
	Documents []*Document
	Warnings  []string
}

// Err joins the errors of every file and document, nil when all went well.
func (b *Batch) Err() error {
	var errs []error
	for _, f := range b.Files {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	for _, d := range b.Documents {
		if d.Err != nil && !d.Reused() {
			errs = append(errs, d.Err)
		}
	}
	return errors.Join(errs...)
}

// Process digitizes a batch of scans: it reads every input (a file that
// fails is reported and the others go on), splits the pages into paper
// documents, and for each document walks the four steps of TT 01/2023 —
// capture into a PDF/A-2b file, metadata, result code, store — with the
// footer statement on every page, the optional OCR text layer and, when
// opts.Sign is set, the operator's PAdES signature. The error is for the
// batch as a whole (bad options, an unusable output folder); problems with
// single files and documents are in the Batch.
func Process(ctx context.Context, inputs []Input, opts *Options) (*Batch, error) {
	if opts == nil {
		opts = &Options{}
	}
	p := opts.Profile
	if p == nil {
		p = DefaultProfile()
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var ranges [][2]int
	if opts.Split == SplitRanges {
		var err error
		if ranges, err = ParseRanges(opts.Ranges); err != nil {
			return nil, err
		}
	}
	if opts.Sign != nil {
		if err := opts.Sign.check(); err != nil {
			return nil, err
		}
	}
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(opts.Operator.Name) == "" {
		return nil, fmt.Errorf("%w: the operator's name is needed for the digitization statement", ErrBadMetadata)
	}
	at := opts.Time
	if at.IsZero() {
		at = time.Now()
	}
	at = at.Truncate(time.Second).In(vietnam)
	b := &Batch{Files: make([]FileReport, len(inputs))}

	// Read every input, in parallel.
	an := analysis{blank: opts.Split == SplitBlank || opts.Split == SplitSeparator, separator: opts.Split == SplitSeparator}
	files := make([][]*page, len(inputs))
	failed := make([]bool, len(inputs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b.Files[i].Name = in.name()
			if err := ctx.Err(); err != nil {
				b.Files[i].Err, failed[i] = &FileError{File: in.name(), Err: err}, true
				return
			}
			pages, warns, err := load(in, i, p, an)
			if err != nil {
				var fe *FileError
				if errors.As(err, &fe) {
					fe.File = in.name()
				} else {
					fe = &FileError{File: in.name(), Err: err}
				}
				b.Files[i].Err, failed[i] = fe, true
				return
			}
			files[i] = pages
			b.Files[i].Pages, b.Files[i].Warnings = len(pages), warns
		}()
	}
	wg.Wait()
	for _, f := range b.Files {
		if f.Err != nil {
			log.Warn("input refused", "file", f.Name, "err", f.Err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	groups, warns, err := splitPages(files, failed, opts.Split, ranges, p)
	if err != nil {
		return b, err
	}
	b.Warnings = append(b.Warnings, warns...)

	ocr := opts.OCR || p.OCR
	tesseract := opts.Tesseract
	if ocr && tesseract == "" {
		if tesseract, err = FindTesseract(); err != nil {
			b.Warnings = append(b.Warnings, "không nhận dạng chữ (OCR): "+err.Error())
			ocr = false
		}
	}
	names := map[string]int{}
	for i, g := range groups {
		d := newDocument(ctx, i, g, opts, p, at, ocr, tesseract, log)
		d.Name = uniqueName(d.Name, names)
		b.Documents = append(b.Documents, d)
		if d.Err != nil {
			continue
		}
		if opts.Sign != nil {
			if err := d.sign(ctx, opts.Sign); err != nil {
				d.Err, d.PDF = err, nil
				continue
			}
		}
		if opts.OutDir != "" {
			if err := d.Store(opts.OutDir); err != nil {
				d.Err = err
			}
		}
		if d.Err == nil {
			log.Info("digitized", "name", d.Name, "code", d.Record.ResultCode, "pages", d.Record.Pages,
				"signed", d.Record.Signature != nil, "legally_valid", d.Record.Validity.Valid)
		}
	}
	return b, nil
}

// newDocument makes one document from its pages: capture, metadata,
// result code, PDF.
func newDocument(ctx context.Context, seq int, g group, opts *Options, p *Profile, at time.Time, ocr bool, tesseract string, log *slog.Logger) *Document {
	d := &Document{profile: p}
	r := &d.Record
	r.DigitizedBy, r.DigitizedAt, r.Assignment = opts.Operator, at, opts.Assignment
	var m Metadata
	if seq < len(opts.Components) {
		m = opts.Components[seq]
	}
	fields := map[string]string{}
	for k, v := range opts.Common {
		fields[k] = v
	}
	for k, v := range m.Fields {
		fields[k] = v
	}
	if g.sepCode != "" && fields[FieldComponentCode] == "" {
		fields[FieldComponentCode] = g.sepCode
	}
	if g.sepName != "" && fields[FieldComponentName] == "" {
		fields[FieldComponentName] = g.sepName
	}
	m.Fields = fields
	r.Metadata = m
	d.Name = m.Name
	for _, pg := range g.pages {
		r.Sources = append(r.Sources, pg.src)
	}
	r.Pages = len(g.pages)
	for _, pg := range g.pages {
		if pg.warn != "" {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s trang %d: %s", pg.src.File, pg.src.Page, pg.warn))
		}
	}
	if d.Name == "" {
		d.Name = defaultName(g, seq)
	}
	if m.Exclude != ExcludeNone {
		if t, ok := exclusionText[m.Exclude]; ok {
			d.Err = fmt.Errorf("%w: %s", ErrExcluded, t)
		} else {
			d.Err = fmt.Errorf("%w: unknown exclusion %q", ErrBadMetadata, m.Exclude)
		}
		return d
	}
	if err := m.check(p); err != nil {
		d.Err = err
		return d
	}
	if opts.Existing != nil && !m.Rescan {
		old, err := opts.Existing(ctx, m)
		if err != nil {
			d.Err = fmt.Errorf("digitize: looking up earlier digitizations: %w", err)
			return d
		}
		if old != nil {
			r.ReusedFrom = old.ResultCode
			d.Err = fmt.Errorf("%w: thành phần đã được số hóa (%s), dùng lại kết quả đó (already digitized; reuse it, or set rescan)", ErrExcluded, old.ResultCode)
			return d
		}
	}
	// Step 1: capture.
	if err := r.Advance(StepCaptured, at); err != nil {
		d.Err = err
		return d
	}
	// Step 2: metadata, with the OCR text where asked.
	words := make([][]ocrWord, len(g.pages))
	if ocr {
		r.OCR = true
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i, pg := range g.pages {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				w, err := ocrPage(ctx, tesseract, pg, p.OCRLanguages, p.OCRTimeout)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					r.Warnings = append(r.Warnings, fmt.Sprintf("%s trang %d: %v", pg.src.File, pg.src.Page, err))
					log.Warn("OCR failed", "file", pg.src.File, "page", pg.src.Page, "err", err)
					return
				}
				words[i] = w
			}()
		}
		wg.Wait()
	}
	if err := r.Advance(StepExtracted, at); err != nil {
		d.Err = err
		return d
	}
	// Step 3: the result code.
	h := sha256.New()
	for _, pg := range g.pages {
		h.Write(pg.imgData)
		fmt.Fprintf(h, "|%s|%d", pg.src.File, pg.src.Page)
	}
	r.ResultCode = resultCode(p.ResultCode, m, at, seq+1, hex.EncodeToString(h.Sum(nil))[:8])
	if err := r.Advance(StepCoded, at); err != nil {
		d.Err = err
		return d
	}
	if m.Name == "" && r.ResultCode != "" {
		d.Name = safeName(r.ResultCode)
	}
	pdfBytes, lay, err := buildPDF(g.pages, words, r, p)
	if err != nil {
		d.Err = err
		return d
	}
	d.PDF = pdfBytes
	d.sigBox = layoutBox{lay.sigBox.X, lay.sigBox.Y, lay.sigBox.W, lay.sigBox.H}
	sum := sha256.Sum256(pdfBytes)
	r.UnsignedSHA = hex.EncodeToString(sum[:])
	r.SHA256 = r.UnsignedSHA
	r.assess()
	return d
}

// resultCode expands the profile's template.
func resultCode(tmpl string, m Metadata, at time.Time, seq int, sha8 string) string {
	dossier := m.Get(FieldDossierCode)
	if dossier == "" {
		dossier = "SH" + at.In(vietnam).Format("060102") + "-" + sha8
	}
	comp := m.Get(FieldComponentCode)
	if comp == "" {
		comp = fmt.Sprintf("TP%02d", seq)
	}
	return strings.NewReplacer("{dossier}", dossier, "{component}", comp, "{date}", at.In(vietnam).Format("060102"),
		"{seq}", fmt.Sprintf("%02d", seq), "{sha8}", sha8).Replace(tmpl)
}

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

func safeName(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "_"), "._")
	if s == "" {
		return "document"
	}
	return s
}

func defaultName(g group, seq int) string {
	if len(g.pages) == 0 {
		return fmt.Sprintf("document-%02d", seq+1)
	}
	base := strings.TrimSuffix(g.pages[0].src.File, filepath.Ext(g.pages[0].src.File))
	return safeName(base)
}

func uniqueName(n string, seen map[string]int) string {
	n = safeName(n)
	seen[n]++
	if seen[n] == 1 {
		return n
	}
	return fmt.Sprintf("%s-%d", n, seen[n])
}

// Store writes the document as dir/NAME.pdf and its record as
// dir/NAME.json (step 4 of TT 01/2023). Existing files are never
// overwritten; on any error nothing is left behind.
func (d *Document) Store(dir string) error {
	if d.Err != nil {
		return d.Err
	}
	if d.PDF == nil {
		return fmt.Errorf("digitize: %s: nothing to store", d.Name)
	}
	pdfPath := filepath.Join(dir, d.Name+".pdf")
	jsonPath := filepath.Join(dir, d.Name+".json")
	rec := d.Record
	rec.History = append([]Transition(nil), d.Record.History...)
	if err := rec.Advance(StepStored, time.Now().Truncate(time.Second).In(vietnam)); err != nil {
		return err
	}
	if err := writeNew(pdfPath, d.PDF); err != nil {
		return err
	}
	if err := writeNew(jsonPath, rec.JSON()); err != nil {
		os.Remove(pdfPath)
		return err
	}
	d.Record, d.Path = rec, pdfPath
	return nil
}

// writeNew writes a file that must not exist yet, atomically: a
// temporary file linked into place.
func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kyso-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("digitize: %s exists; digitized documents are never overwritten", path)
		}
		return err
	}
	return nil
}
