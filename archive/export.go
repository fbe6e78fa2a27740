package archive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// ExportOptions control Export.
type ExportOptions struct {
	Source   Source
	Evidence Evidence // the live log; dossiers with Archived evidence do not need it
	Select   Selection
	// Organization is bag-info.txt's Source-Organization (the agency).
	Organization string
	// Software is Bag-Software-Agent, e.g. "kyso v1.2.3"; "kyso" when empty.
	Software string
	// Trust holds the anchors signatures are validated against at export;
	// nil: the self-signed roots found in each dossier's validation data.
	Trust *certs.TrustStore
	// LTA, when set, extends every document's latest signed version to
	// PAdES B-LTA before the export (PrepareLTA). When nil, a signed
	// document that is not B-LTA fails the export with ErrNotLTA.
	LTA *LTAOptions
	// AllowInvalid exports dossiers whose signatures do not validate
	// (their reports say so, and Verify will fail); by default Export
	// refuses them.
	AllowInvalid bool
	// CommitEvery is how often progress is made durable in the journal
	// (2 s when zero).
	CommitEvery time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// LTAOptions configure the B-LTA extension before an export.
type LTAOptions struct {
	Store  VersionStore
	Extend signer.ExtendOptions
}

// ExportResult describes a finished export.
type ExportResult struct {
	Path         string              `json:"path"`
	SHA256       string              `json:"sha256"` // of the package file
	Size         int64               `json:"size"`
	Dossiers     []string            `json:"dossiers"`
	PayloadFiles int64               `json:"payload_files"`
	PayloadBytes int64               `json:"payload_bytes"`
	Extended     int                 `json:"extended"` // documents brought to B-LTA before the export
	Resumed      bool                `json:"resumed"`  // continued an interrupted export
	Checkpoint   evidence.Checkpoint `json:"-"`
}

const journalVersion = 1

// journal is FILE.journal/journal.json: how far an export got.
type journal struct {
	Version        int       `json:"version"`
	Fingerprint    string    `json:"fingerprint"`
	Format         string    `json:"format"`
	Base           string    `json:"base"`
	Bagging        time.Time `json:"bagging_time"`
	Checkpoint     string    `json:"checkpoint"`
	CheckpointSize uint64    `json:"checkpoint_size"`
	Offset         int64     `json:"offset"` // of the partial archive after the last complete dossier
	M256           int64     `json:"manifest_sha256_size"`
	M512           int64     `json:"manifest_sha512_size"`
	CodesSize      int64     `json:"codes_size"`
	Files          int64     `json:"payload_files"`
	Bytes          int64     `json:"payload_bytes"`
	Dossiers       int       `json:"dossiers"`
	LastCode       string    `json:"last_code"`
}

type exporter struct {
	opts    ExportOptions
	log     *slog.Logger
	dir     string // journal directory
	j       *journal
	cp      evidence.Checkpoint
	vkey    string
	file    *os.File // the partial archive
	m256    *os.File
	m512    *os.File
	codes   *bufio.Writer
	codesF  *os.File
	w       *bagWriter
	done    []string
	lastCom time.Time
	jobs    chan func() // validation work, run by GOMAXPROCS workers while the writer goes on
}

// Export writes the selected dossiers to path (.tar or .zip) as one BagIt
// package. An interrupted export leaves path untouched and its journal in
// path.journal/; calling Export again with the same selection continues
// it (tar) or starts over (zip, or another selection).
func Export(ctx context.Context, path string, opts ExportOptions) (*ExportResult, error) {
	if opts.Source == nil {
		return nil, errors.New("archive export: no source")
	}
	format, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Software == "" {
		opts.Software = "kyso"
	}
	if opts.CommitEvery == 0 {
		opts.CommitEvery = 2 * time.Second
	}
	x := &exporter{opts: opts, log: opts.Logger, dir: path + ".journal"}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	res := &ExportResult{Path: path}
	if opts.LTA != nil {
		if res.Extended, err = PrepareLTA(ctx, opts.Source, opts.LTA.Store, opts.Select, opts.LTA.Extend); err != nil {
			return nil, err
		}
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	fp := fmt.Sprintf("%s|%s|%s|%s|%s", format, base, opts.Select, opts.Organization, opts.Software)
	if res.Resumed, err = x.open(ctx, format, base, fp); err != nil {
		return nil, err
	}
	defer x.closeFiles()
	workers := runtime.GOMAXPROCS(0)
	x.jobs = make(chan func(), workers)
	var pool sync.WaitGroup
	for range workers {
		pool.Go(func() {
			for job := range x.jobs {
				job()
			}
		})
	}
	err = x.run(ctx)
	close(x.jobs)
	pool.Wait()
	if err != nil {
		if cerr := x.commit(); cerr != nil {
			x.log.Warn("archive export: cannot save progress", "err", cerr)
		}
		return nil, err
	}
	if len(x.done) == 0 && x.j.Dossiers == 0 {
		x.closeFiles()
		os.RemoveAll(x.dir)
		return nil, fmt.Errorf("%w: %s selects no dossier", ErrNoDossier, opts.Select)
	}
	if err := x.finish(path); err != nil {
		return nil, err
	}
	res.Dossiers, res.PayloadFiles, res.PayloadBytes, res.Checkpoint = x.done, x.w.files, x.w.bytes, x.cp
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if res.Size, err = io.Copy(h, f); err != nil {
		return nil, err
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	return res, nil
}

func (x *exporter) partialPath() string { return filepath.Join(x.dir, "partial") }

// open starts a new export or reopens an interrupted one.
func (x *exporter) open(ctx context.Context, format, base, fp string) (bool, error) {
	var j journal
	b, err := os.ReadFile(filepath.Join(x.dir, "journal.json"))
	resume := err == nil && json.Unmarshal(b, &j) == nil && j.Version == journalVersion && j.Fingerprint == fp && format == "tar"
	if err == nil && !resume {
		x.log.Info("archive export: discarding an interrupted export of another selection or format", "journal", x.dir)
	}
	if resume {
		if err := x.reopen(&j); err != nil {
			x.log.Warn("archive export: cannot resume, starting over", "journal", x.dir, "err", err)
			x.closeFiles()
			resume = false
		}
	}
	if resume {
		x.log.Info("archive export: resuming", "dossiers_done", j.Dossiers, "last", j.LastCode)
		return true, nil
	}
	if err := os.RemoveAll(x.dir); err != nil {
		return false, err
	}
	if err := os.MkdirAll(x.dir, 0o700); err != nil {
		return false, err
	}
	j = journal{Version: journalVersion, Fingerprint: fp, Format: format, Base: base, Bagging: x.opts.Now().UTC().Truncate(time.Second)}
	if x.opts.Evidence != nil {
		cp, err := x.opts.Evidence.Checkpoint(ctx)
		if err != nil {
			return false, fmt.Errorf("archive export: evidence checkpoint: %w", err)
		}
		x.cp, x.vkey = cp, x.opts.Evidence.VerifierKey()
		j.Checkpoint, j.CheckpointSize = string(cp.Note), cp.Size
	}
	if err := x.openFiles(&j, true); err != nil {
		return false, err
	}
	if _, err := x.w.writeBytes(bagitTxt, []byte(bagitContent)); err != nil {
		return false, err
	}
	return false, x.commit()
}

func (x *exporter) reopen(j *journal) error {
	if x.opts.Evidence != nil {
		x.vkey = x.opts.Evidence.VerifierKey()
		x.cp = evidence.Checkpoint{Note: []byte(j.Checkpoint), Size: j.CheckpointSize}
	}
	if err := x.openFiles(j, false); err != nil {
		return err
	}
	x.w.files, x.w.bytes = j.Files, j.Bytes
	x.w.tagFiles[bagitTxt] = digestsOf([]byte(bagitContent))
	return nil
}

func digestsOf(b []byte) digests {
	h := newHashPair()
	h.Write(b)
	return h.sum()
}

// openFiles opens the partial archive and the side files at the sizes the
// journal recorded (truncating what came after).
func (x *exporter) openFiles(j *journal, fresh bool) error {
	flags := os.O_RDWR | os.O_CREATE
	if fresh {
		flags |= os.O_EXCL
	}
	open := func(name string, size int64) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(x.dir, name), flags, 0o600)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err == nil && st.Size() < size {
			err = fmt.Errorf("%s is shorter (%d) than the journal says (%d)", name, st.Size(), size)
		}
		if err == nil {
			err = f.Truncate(size)
		}
		if err == nil {
			_, err = f.Seek(size, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	var err error
	if x.file, err = open("partial", j.Offset); err != nil {
		return err
	}
	if x.m256, err = open("manifest-sha256", j.M256); err != nil {
		return err
	}
	if x.m512, err = open("manifest-sha512", j.M512); err != nil {
		return err
	}
	if x.codesF, err = open("codes", j.CodesSize); err != nil {
		return err
	}
	x.codes = bufio.NewWriter(x.codesF)
	x.j = j
	x.w = newBagWriter(j.Format, j.Base, x.file, j.Offset, x.m256, x.m512, j.Bagging)
	return nil
}

func (x *exporter) closeFiles() {
	for _, f := range []*os.File{x.file, x.m256, x.m512, x.codesF} {
		if f != nil {
			f.Close()
		}
	}
	x.file, x.m256, x.m512, x.codesF = nil, nil, nil, nil
}

// commit makes the progress durable: data first, then the journal.
func (x *exporter) commit() error {
	if x.w == nil || x.file == nil {
		return nil
	}
	off, err := x.w.offset()
	if err != nil {
		return err
	}
	if err := x.codes.Flush(); err != nil {
		return err
	}
	for _, f := range []*os.File{x.file, x.m256, x.m512, x.codesF} {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	size := func(f *os.File) int64 {
		st, _ := f.Stat()
		return st.Size()
	}
	x.j.Offset, x.j.M256, x.j.M512, x.j.CodesSize = off, size(x.m256), size(x.m512), size(x.codesF)
	x.j.Files, x.j.Bytes = x.w.files, x.w.bytes
	b, err := json.Marshal(x.j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(x.dir, "journal.json.tmp")
	if err := writeFileSync(tmp, b); err != nil {
		return err
	}
	x.lastCom = time.Now()
	return os.Rename(tmp, filepath.Join(x.dir, "journal.json"))
}

func writeFileSync(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run exports the dossiers the journal has not recorded yet.
func (x *exporter) run(ctx context.Context) error {
	prev := x.j.LastCode
	for d, err := range x.opts.Source.Dossiers(ctx, x.opts.Select) {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if x.j.LastCode != "" && d.Code <= x.j.LastCode {
			continue // done before the interruption
		}
		if prev != "" && d.Code <= prev {
			return fmt.Errorf("%w: dossiers must come in ascending code order: %s after %s", ErrBadSource, d.Code, prev)
		}
		prev = d.Code
		if err := x.dossier(ctx, d); err != nil {
			// Roll back to the last complete dossier.
			if rerr := x.rollback(); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
		x.j.Dossiers++
		x.j.LastCode = d.Code
		x.done = append(x.done, d.Code)
		fmt.Fprintln(x.codes, d.Code)
		if time.Since(x.lastCom) >= x.opts.CommitEvery {
			if err := x.commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// rollback reopens the files at the last committed state, dropping a
// half-written dossier.
func (x *exporter) rollback() error {
	b, err := os.ReadFile(filepath.Join(x.dir, "journal.json"))
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	x.closeFiles()
	if err := x.reopen(&j); err != nil {
		return err
	}
	// Dossiers completed after the last commit are lost from the journal:
	// record them again when the caller retries.
	x.done = slices.DeleteFunc(x.done, func(c string) bool { return c > j.LastCode })
	return nil
}

// finish writes the tag files, closes the archive and moves it into place.
func (x *exporter) finish(path string) error {
	if err := x.w.flush(); err != nil {
		return err
	}
	if err := x.codes.Flush(); err != nil {
		return err
	}
	copyTag := func(name string, f *os.File) error {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		_, err = x.w.write(name, st.Size(), io.NewSectionReader(f, 0, st.Size()))
		return err
	}
	if err := copyTag(manifest256, x.m256); err != nil {
		return err
	}
	if err := copyTag(manifest512, x.m512); err != nil {
		return err
	}
	info, err := x.bagInfo()
	if err != nil {
		return err
	}
	if _, err := x.w.writeBytes(bagInfoTxt, info); err != nil {
		return err
	}
	if err := x.w.writeTagManifests(); err != nil {
		return err
	}
	if err := x.w.close(); err != nil {
		return err
	}
	off := x.w.cw.n
	if err := x.file.Truncate(off); err != nil {
		return err
	}
	if err := x.file.Sync(); err != nil {
		return err
	}
	x.closeFiles()
	if err := os.Rename(x.partialPath(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return os.RemoveAll(x.dir)
}

// bagInfo is bag-info.txt, with one External-Identifier per dossier code.
func (x *exporter) bagInfo() ([]byte, error) {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.ReplaceAll(v, "\n", " "))
		}
	}
	field("Source-Organization", x.opts.Organization)
	field("Bagging-Date", x.j.Bagging.In(vnZone).Format("2006-01-02"))
	field("Bag-Software-Agent", x.opts.Software)
	field("Payload-Oxum", oxum(x.w.bytes, x.w.files))
	field("Bag-Size", humanSize(x.w.bytes))
	field("External-Description", fmt.Sprintf("Hồ sơ thủ tục hành chính điện tử (%d hồ sơ), chữ ký số PAdES B-LTA, nhật ký chứng cứ có bằng chứng thuộc điểm kiểm tra đã ký", x.j.Dossiers))
	if x.j.Checkpoint != "" {
		field("Kyso-Checkpoint", fmt.Sprintf("%s %d", strings.SplitN(x.j.Checkpoint, "\n", 2)[0], x.j.CheckpointSize))
	}
	field("Kyso-Selection", x.opts.Select.String())
	if _, err := x.codesF.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(x.codesF)
	x.done = x.done[:0]
	for sc.Scan() {
		field("External-Identifier", sc.Text())
		x.done = append(x.done, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// entryBody is what archive reads of an evidence entry (evidence/SCHEMA.md).
type entryBody struct {
	Index   uint64 `json:"index"`
	Type    string `json:"type"`
	Time    string `json:"time"`
	Actor   string `json:"actor"`
	Subject struct {
		SHA256  string `json:"sha256"`
		Dossier string `json:"dossier"`
	} `json:"subject"`
	Data json.RawMessage `json:"data"`
}

func parseEntry(body string) (entryBody, time.Time, error) {
	var e entryBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return e, time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, e.Time)
	return e, t, err
}

// provenTimes maps a SHA-256 to the time of the first document entry
// naming it: when the log proves those bytes existed.
func provenTimes(b *EvidenceBundle) map[string]time.Time {
	out := map[string]time.Time{}
	for _, pe := range b.Entries {
		e, t, err := parseEntry(pe.Body)
		if err != nil || e.Subject.SHA256 == "" || !strings.HasPrefix(e.Type, "document.") {
			continue
		}
		if old, ok := out[e.Subject.SHA256]; !ok || t.Before(old) {
			out[e.Subject.SHA256] = t
		}
	}
	return out
}

// bundle returns the dossier's evidence: archived, or read from the log.
func (x *exporter) bundle(ctx context.Context, d *Dossier) (*EvidenceBundle, []uint64, error) {
	if d.Archived != nil {
		idx := make([]uint64, len(d.Archived.Entries))
		for i, e := range d.Archived.Entries {
			idx[i] = e.Index
		}
		return d.Archived, idx, nil
	}
	if x.opts.Evidence == nil {
		return nil, nil, fmt.Errorf("archive export: dossier %s: no evidence log configured", d.Code)
	}
	idx := slices.Clone(d.EntryIndexes)
	slices.Sort(idx)
	idx = slices.Compact(idx)
	b := &EvidenceBundle{Checkpoint: string(x.cp.Note), VerifierKey: x.vkey, Entries: make([]ProvenEntry, 0, len(idx))}
	for _, i := range idx {
		if i >= x.cp.Size {
			return nil, nil, fmt.Errorf("%w: dossier %s: entry %d is newer than the export's checkpoint (size %d): the dossier changed during the export",
				ErrBadSource, d.Code, i, x.cp.Size)
		}
		body, err := x.opts.Evidence.Entry(ctx, i)
		if err != nil {
			return nil, nil, fmt.Errorf("archive export: dossier %s: entry %d: %w", d.Code, i, err)
		}
		proof, err := x.opts.Evidence.InclusionProof(ctx, i, x.cp.Size)
		if err != nil {
			return nil, nil, fmt.Errorf("archive export: dossier %s: proof of entry %d: %w", d.Code, i, err)
		}
		if proof == nil {
			proof = [][]byte{}
		}
		b.Entries = append(b.Entries, ProvenEntry{Index: i, Body: string(body), Proof: proof})
	}
	return b, idx, nil
}

// dossier writes one dossier's members.
func (x *exporter) dossier(ctx context.Context, src *Dossier) error {
	if err := checkCode(src.Code); err != nil {
		return err
	}
	d := src.normalized()
	bundle, idx, err := x.bundle(ctx, src)
	if err != nil {
		return err
	}
	d.EntryIndexes = idx
	proven := provenTimes(bundle)

	var docs [][]*pdfVersion
	mat := newMaterial()
	var matMu sync.Mutex // guards pages (mat locks itself)
	pages := 0
	var wg sync.WaitGroup
	defer wg.Wait() // never leave validations reading a file being rolled back
	for di := range d.Documents {
		doc := &d.Documents[di]
		if doc.ID == "" {
			return fmt.Errorf("%w: dossier %s: document %d has no id", ErrBadSource, d.Code, di+1)
		}
		var vs []*pdfVersion
		for vi := range doc.Versions {
			v := &doc.Versions[vi]
			if v.Kind != Received && v.Kind != Signed {
				return fmt.Errorf("%w: dossier %s document %s: version kind %q (want received or signed)", ErrBadSource, d.Code, doc.ID, v.Kind)
			}
			v.Path = versionPath(d.Code, di, doc, vi, v)
			var rc io.ReadCloser
			if v.Open != nil {
				rc, err = v.Open(ctx)
			} else {
				rc, err = x.opts.Source.Open(ctx, v.SHA256)
			}
			if err != nil {
				return fmt.Errorf("archive export: dossier %s: %s: %w", d.Code, v.SHA256, err)
			}
			var earlier []int64 // sizes of the earlier PDF versions: prefix sums on the way
			if v.MediaType == "application/pdf" {
				for _, e := range vs {
					earlier = append(earlier, e.size)
				}
			}
			wr, err := x.w.writePrefixed(v.Path, v.Size, rc, earlier)
			rc.Close()
			if err != nil {
				return fmt.Errorf("%w: dossier %s: object %s: %w", ErrBadSource, d.Code, v.SHA256, err)
			}
			if got := hex.EncodeToString(wr.digests.sha256[:]); got != strings.ToLower(v.SHA256) {
				return fmt.Errorf("%w: dossier %s: object %s reads back with SHA-256 %s (corrupt object store?)", ErrBadSource, d.Code, v.SHA256, got)
			}
			if v.MediaType == "application/pdf" {
				at, ok := proven[strings.ToLower(v.SHA256)]
				if !ok {
					at = v.Created
				}
				vs = append(vs, &pdfVersion{doc: doc.ID, ver: vi, path: v.Path, sha: v.SHA256, kind: v.Kind, prefixes: wr.prefixes,
					r: io.NewSectionReader(x.file, wr.dataOffset, wr.size), size: wr.size, at: at, latest: vi == len(doc.Versions)-1})
			}
		}
		docs = append(docs, vs)
		if x.opts.Trust != nil && len(vs) > 0 {
			// Validate this document (read back from the archive) while
			// the next one is written.
			if _, err := x.w.offset(); err != nil {
				return err
			}
			wg.Add(1)
			x.jobs <- func() {
				defer wg.Done()
				for _, v := range vs {
					if v.latest {
						n := mat.addPDF(v.r, v.size)
						matMu.Lock()
						pages += n
						matMu.Unlock()
					}
				}
				validateDocument(ctx, vs, x.opts.Trust)
			}
		}
	}
	wg.Wait()
	trust := x.opts.Trust
	var anchors []*x509.Certificate
	if trust == nil {
		// No anchors configured: trust the roots the documents carry, so
		// the validation data must be collected before validating.
		if _, err := x.w.offset(); err != nil {
			return err
		}
		for _, vs := range docs {
			for _, v := range vs {
				if v.latest {
					pages += mat.addPDF(v.r, v.size)
				}
			}
		}
		anchors = mat.anchors(nil)
		trust = certs.NewTrustStore(anchors...)
		validateAll(ctx, docs, trust, runtime.GOMAXPROCS(0))
	} else {
		anchors = mat.anchors(trust)
	}
	var reps []VersionReport
	for _, vs := range docs {
		for _, v := range vs {
			if v.rep == nil {
				continue
			}
			if v.rep.Indication != verifier.TotalPassed && !x.opts.AllowInvalid {
				return fmt.Errorf("archive export: dossier %s: %s is %s at %s: %s", d.Code, v.path, v.rep.Indication, v.at.Format(time.RFC3339), v.rep.Reason)
			}
			if v.latest && !v.lta {
				return fmt.Errorf("%w: dossier %s, document %s (%s): give the export a time-stamp authority to extend it", ErrNotLTA, d.Code, v.doc, v.path)
			}
		}
		// Newest first in the file order of the document.
		for _, v := range vs {
			if v.rep != nil {
				reps = append(reps, VersionReport{Document: v.doc, Version: v.ver + 1, Path: v.path, SHA256: v.sha, ProvenTime: v.at.UTC(), Report: v.rep})
			} else if v.coveredBy != nil && v.sigs > 0 {
				reps = append(reps, VersionReport{Document: v.doc, Version: v.ver + 1, Path: v.path, SHA256: v.sha, ProvenTime: v.at.UTC(), CoveredBy: v.coveredBy.path})
			}
		}
	}

	prefix := "data/" + d.Code + "/"
	put := func(name string, v any) error {
		b, err := marshal(v)
		if err != nil {
			return err
		}
		_, err = x.w.writeBytes(prefix+name, b)
		return err
	}
	putRaw := func(name string, b []byte) error {
		if len(b) == 0 {
			return nil
		}
		_, err := x.w.writeBytes(prefix+name, b)
		return err
	}
	if err := put(fileDossier, d); err != nil {
		return err
	}
	if err := put(fileMetadata, metadataOf(d, pages)); err != nil {
		return err
	}
	hist := d.History
	if hist == nil {
		hist = []StateChange{}
	}
	if err := put(fileHistory, hist); err != nil {
		return err
	}
	if err := putRaw(fileDigitization, d.Digitization); err != nil {
		return err
	}
	if err := putRaw(fileProvenance, d.Provenance); err != nil {
		return err
	}
	if err := putRaw(fileStored, d.Validation); err != nil {
		return err
	}
	if reps == nil {
		reps = []VersionReport{}
	}
	if err := put(fileExportReport, reps); err != nil {
		return err
	}
	when := d.Closed
	for _, r := range reps {
		if r.ProvenTime.After(when) {
			when = r.ProvenTime
		}
	}
	if len(reps) > 0 {
		b, err := reportPDF(d, reps, bundle, when)
		if err != nil {
			return err
		}
		if err := putRaw(fileReportPDF, b); err != nil {
			return err
		}
	}
	if err := putRaw(fileCheckpoint, []byte(bundle.Checkpoint)); err != nil {
		return err
	}
	if err := putRaw(fileLogKey, []byte(bundle.VerifierKey+"\n")); err != nil {
		return err
	}
	if err := put(fileEntries, bundle.Entries); err != nil {
		return err
	}
	var all [][]byte
	for _, k := range sortedKeys(mat.certs) {
		all = append(all, mat.certs[k])
	}
	if err := putRaw(fileCerts, pemOf(all...)); err != nil {
		return err
	}
	var roots [][]byte
	for _, a := range anchors {
		roots = append(roots, a.Raw)
	}
	if err := putRaw(fileAnchors, pemOf(roots...)); err != nil {
		return err
	}
	for _, k := range sortedKeys(mat.ocsps) {
		if err := putRaw(dirOCSP+k[:16]+".der", mat.ocsps[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(mat.crls) {
		if err := putRaw(dirCRL+k[:16]+".crl", mat.crls[k]); err != nil {
			return err
		}
	}
	return nil
}
