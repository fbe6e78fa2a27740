package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/verifier"
)

// VerifyOptions control Verify.
type VerifyOptions struct {
	// Trust holds extra anchors, e.g. the national root. The package's own
	// anchors (validation-data/anchors.pem) are used too unless
	// OnlyGivenAnchors is set.
	Trust            *certs.TrustStore
	OnlyGivenAnchors bool
	// Workers bounds the dossiers checked in parallel (GOMAXPROCS when 0).
	Workers int
}

// Problem is one thing that does not hold. Path is relative to the bag's
// base directory.
type Problem struct {
	Check   string  `json:"check"` // bag, completeness, fixity, tag-fixity, oxum, metadata, document, signature, lta, checkpoint, proof, entry, history
	Path    string  `json:"path,omitempty"`
	Dossier string  `json:"dossier,omitempty"`
	Entry   *uint64 `json:"entry,omitempty"`
	Message string  `json:"message"`
}

func (p Problem) String() string {
	var where []string
	if p.Path != "" {
		where = append(where, p.Path)
	} else if p.Dossier != "" {
		where = append(where, "dossier "+p.Dossier)
	}
	if p.Entry != nil {
		where = append(where, "entry "+strconv.FormatUint(*p.Entry, 10))
	}
	return fmt.Sprintf("%s: %s: %s", strings.Join(where, ", "), p.Check, p.Message)
}

// Anchor is a trust anchor Verify used.
type Anchor struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
	Source  string `json:"source"` // "package" or "given"
}

// CheckpointInfo is a log checkpoint a package proves its entries against.
type CheckpointInfo struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root"` // hex
	Key    string `json:"verifier_key"`
}

// DossierResult summarises one dossier.
type DossierResult struct {
	Code       string `json:"code"`
	OK         bool   `json:"ok"`
	Documents  int    `json:"documents"`
	Versions   int    `json:"versions"`
	Signed     int    `json:"signed_versions"` // validated with the verifier
	Signatures int    `json:"signatures"`
	Entries    int    `json:"entries"`
}

// Report is the outcome of Verify.
type Report struct {
	OK           bool             `json:"ok"`
	BagIt        string           `json:"bagit_version"`
	Base         string           `json:"base_directory"`
	Info         [][2]string      `json:"bag_info"` // bag-info.txt, label and value, in order
	PayloadFiles int64            `json:"payload_files"`
	PayloadBytes int64            `json:"payload_bytes"`
	Dossiers     []DossierResult  `json:"dossiers"`
	Anchors      []Anchor         `json:"anchors"`
	Checkpoints  []CheckpointInfo `json:"checkpoints"`
	Problems     []Problem        `json:"problems"`
	mu           sync.Mutex
	seenAnchor   map[string]bool
	seenCP       map[string]bool
}

func (r *Report) add(p Problem) {
	r.mu.Lock()
	r.Problems = append(r.Problems, p)
	r.mu.Unlock()
}

func (r *Report) addf(check, path, dossier string, format string, args ...any) {
	r.add(Problem{Check: check, Path: path, Dossier: dossier, Message: fmt.Sprintf(format, args...)})
}

// problemList collects one dossier's problems.
type problemList struct{ list []Problem }

func (l *problemList) add(p Problem) { l.list = append(l.list, p) }

func (l *problemList) addf(check, path, dossier string, format string, args ...any) {
	l.add(Problem{Check: check, Path: path, Dossier: dossier, Message: fmt.Sprintf(format, args...)})
}

func entryProblem(check, path, dossier string, index uint64, format string, args ...any) Problem {
	i := index
	return Problem{Check: check, Path: path, Dossier: dossier, Entry: &i, Message: fmt.Sprintf(format, args...)}
}

// Verify checks a package offline (see the package documentation). The
// error is for a file that cannot be read as a bag at all (ErrNotBag);
// everything else is a Problem in the report, and Report.OK is true only
// when there is none.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (*Report, error) {
	b, err := openBag(r, size)
	if err != nil {
		return nil, err
	}
	rep := &Report{Base: b.base, Dossiers: []DossierResult{}, Anchors: []Anchor{}, Checkpoints: []CheckpointInfo{}, Problems: []Problem{},
		seenAnchor: map[string]bool{}, seenCP: map[string]bool{}}
	for _, o := range b.odd {
		rep.addf("bag", o, "", "not a regular file inside the bag's base directory")
	}
	if opts.Trust != nil {
		for _, a := range opts.Trust.Anchors() {
			rep.anchor(a, "given")
		}
	}

	// bagit.txt
	if bt, err := b.read(bagitTxt); err != nil {
		rep.addf("bag", bagitTxt, "", "cannot read: %v", err)
	} else if info, err := parseBagInfo(bt); err != nil {
		rep.addf("bag", bagitTxt, "", "%v", err)
	} else {
		for _, kv := range info {
			switch kv[0] {
			case "BagIt-Version":
				rep.BagIt = kv[1]
			case "Tag-File-Character-Encoding":
				if !strings.EqualFold(kv[1], "UTF-8") {
					rep.addf("bag", bagitTxt, "", "tag files in %s, kyso reads UTF-8 only", kv[1])
				}
			}
		}
		if rep.BagIt != "1.0" && rep.BagIt != "0.97" {
			rep.addf("bag", bagitTxt, "", "BagIt-Version %q (want 1.0)", rep.BagIt)
		}
	}

	// Manifests.
	manifests := map[string]map[string]string{}
	for name, hexLen := range map[string]int{manifest256: 64, manifest512: 128} {
		raw, err := b.read(name)
		if err != nil {
			rep.addf("completeness", name, "", "missing: kyso packages carry SHA-256 and SHA-512 manifests")
			continue
		}
		m, _, err := parseManifest(name, raw, hexLen)
		if err != nil {
			rep.addf("bag", name, "", "%v", err)
			continue
		}
		manifests[name] = m
	}
	// Tag manifests.
	tagListed := map[string]bool{}
	for name, hexLen := range map[string]int{tagManifest256: 64, tagManifest512: 128} {
		raw, err := b.read(name)
		if err != nil {
			rep.addf("completeness", name, "", "missing")
			continue
		}
		m, order, err := parseManifest(name, raw, hexLen)
		if err != nil {
			rep.addf("bag", name, "", "%v", err)
			continue
		}
		for _, p := range order {
			tagListed[p] = true
			content, err := b.read(p)
			if err != nil {
				rep.addf("completeness", p, "", "listed in %s but missing", name)
				continue
			}
			var got string
			if hexLen == 64 {
				s := sha256.Sum256(content)
				got = hex.EncodeToString(s[:])
			} else {
				d := digestsOf(content)
				got = hex.EncodeToString(d.sha512[:])
			}
			if got != m[p] {
				rep.addf("tag-fixity", p, "", "its %s checksum does not match %s", strings.TrimSuffix(strings.TrimPrefix(name, "tagmanifest-"), ".txt"), name)
			}
		}
	}
	for _, m := range b.order {
		if !strings.HasPrefix(m.name, "data/") && !strings.HasPrefix(m.name, "tagmanifest-") && !tagListed[m.name] {
			rep.addf("completeness", m.name, "", "tag file not listed in the tag manifests")
		}
	}
	// bag-info.txt and the Payload-Oxum.
	var wantOxum string
	if raw, err := b.read(bagInfoTxt); err != nil {
		rep.addf("completeness", bagInfoTxt, "", "missing")
	} else if info, err := parseBagInfo(raw); err != nil {
		rep.addf("bag", bagInfoTxt, "", "%v", err)
	} else {
		rep.Info = info
		for _, kv := range info {
			if kv[0] == "Payload-Oxum" {
				wantOxum = kv[1]
			}
		}
	}
	// Completeness of the payload.
	for name, m := range manifests {
		for p := range m {
			if !strings.HasPrefix(p, "data/") {
				rep.addf("completeness", p, "", "listed in %s outside data/", name)
			} else if b.members[p] == nil {
				rep.addf("completeness", p, "", "listed in %s but missing from the package (deleted?)", name)
			}
		}
	}
	groups := map[string][]*bagMember{}
	var codes []string
	for _, m := range b.order {
		if !strings.HasPrefix(m.name, "data/") {
			continue
		}
		rep.PayloadFiles++
		rep.PayloadBytes += m.size
		for name, mf := range manifests {
			if _, ok := mf[m.name]; !ok {
				rep.addf("completeness", m.name, "", "payload file not listed in %s (added?)", name)
			}
		}
		code, _, ok := strings.Cut(strings.TrimPrefix(m.name, "data/"), "/")
		if !ok {
			rep.addf("metadata", m.name, "", "payload file outside any dossier directory")
			code = ""
		}
		if _, seen := groups[code]; !seen {
			codes = append(codes, code)
		}
		groups[code] = append(groups[code], m)
	}
	if got := oxum(rep.PayloadBytes, rep.PayloadFiles); wantOxum == "" {
		rep.addf("oxum", bagInfoTxt, "", "no Payload-Oxum")
	} else if got != wantOxum {
		rep.addf("oxum", bagInfoTxt, "", "Payload-Oxum %s, the payload has %s (octets.files)", wantOxum, got)
	}

	// Fixity and the dossiers, in parallel, one dossier per worker.
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make(chan DossierResult, len(codes))
	var wg sync.WaitGroup
	next := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for code := range next {
				verifyDossier(ctx, b, rep, code, groups[code], manifests, opts, results)
			}
		}()
	}
	for _, c := range codes {
		if ctx.Err() != nil {
			break
		}
		next <- c
	}
	close(next)
	wg.Wait()
	close(results)
	for d := range results {
		if d.Code != "" {
			rep.Dossiers = append(rep.Dossiers, d)
		}
	}
	sort.Slice(rep.Dossiers, func(i, j int) bool { return rep.Dossiers[i].Code < rep.Dossiers[j].Code })
	sort.SliceStable(rep.Problems, func(i, j int) bool {
		a, c := rep.Problems[i], rep.Problems[j]
		if a.Dossier != c.Dossier {
			return a.Dossier < c.Dossier
		}
		return a.Path < c.Path
	})
	sort.Slice(rep.Anchors, func(i, j int) bool { return rep.Anchors[i].SHA256 < rep.Anchors[j].SHA256 })
	rep.OK = len(rep.Problems) == 0
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

func (r *Report) anchor(c *x509.Certificate, source string) {
	s := sha256.Sum256(c.Raw)
	h := hex.EncodeToString(s[:])
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seenAnchor[h+source] {
		return
	}
	r.seenAnchor[h+source] = true
	r.Anchors = append(r.Anchors, Anchor{Subject: c.Subject.String(), SHA256: h, Source: source})
}

func (r *Report) checkpoint(cp evidence.Checkpoint, key string) {
	info := CheckpointInfo{Origin: cp.Origin, Size: cp.Size, Root: hex.EncodeToString(cp.Root[:]), Key: key}
	k := fmt.Sprint(info)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.seenCP[k] {
		r.seenCP[k] = true
		r.Checkpoints = append(r.Checkpoints, info)
	}
}

// fixity hashes every member of a dossier and compares both manifests; it
// returns the SHA-256 of each file that could be read, and of the prefixes
// asked for.
func fixity(b *bagReader, rep *problemList, members []*bagMember, manifests map[string]map[string]string,
	prefixAt map[string][]int64) (map[string]string, map[string]map[int64]string) {
	sums := map[string]string{}
	prefixes := map[string]map[int64]string{}
	bufs := newHashBuffers()
	for _, m := range members {
		rc, err := b.open(m)
		if err != nil {
			rep.addf("fixity", m.name, "", "cannot read: %v", err)
			continue
		}
		n, d, pre, err := hashCopy(io.Discard, rc, bufs, prefixAt[m.name])
		rc.Close()
		if err != nil || n != m.size {
			rep.addf("fixity", m.name, "", "cannot read (%d of %d bytes): %v", n, m.size, err)
			continue
		}
		s256, s512 := hex.EncodeToString(d.sha256[:]), hex.EncodeToString(d.sha512[:])
		sums[m.name] = s256
		if pre != nil {
			prefixes[m.name] = pre
		}
		if want, ok := manifests[manifest256][m.name]; ok && want != s256 {
			rep.addf("fixity", m.name, "", "SHA-256 %s, the manifest says %s (changed?)", s256, want)
		}
		if want, ok := manifests[manifest512][m.name]; ok && want != s512 {
			rep.addf("fixity", m.name, "", "SHA-512 does not match manifest-sha512.txt (changed?)")
		}
	}
	return sums, prefixes
}

// stateData is the data of a dossier.state_changed entry.
type stateData struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

type parsedEntry struct {
	index uint64
	body  entryBody
	time  time.Time
}

// verifyDossier checks one dossier directory.
func verifyDossier(ctx context.Context, b *bagReader, rep *Report, code string, members []*bagMember,
	manifests map[string]map[string]string, opts VerifyOptions, results chan<- DossierResult) {
	res := DossierResult{Code: code}
	pl := &problemList{}
	defer func() {
		if code != "" {
			for i := range pl.list {
				pl.list[i].Dossier = code
			}
		}
		rep.mu.Lock()
		rep.Problems = append(rep.Problems, pl.list...)
		rep.mu.Unlock()
		res.OK = len(pl.list) == 0
		results <- res
	}()
	if code == "" {
		fixity(b, pl, members, manifests, nil)
		return
	}
	prefix := "data/" + code + "/"
	fail := func(check, file, format string, args ...any) {
		pl.add(Problem{Check: check, Path: file, Dossier: code, Message: fmt.Sprintf(format, args...)})
	}
	readJSON := func(name string, v any, required bool) bool {
		raw, err := b.read(prefix + name)
		if err != nil {
			if required {
				fail("metadata", prefix+name, "missing")
			}
			return false
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			fail("metadata", prefix+name, "malformed: %v", err)
			return false
		}
		return true
	}

	// dossier.json first, to know which prefixes of which files to hash
	// on the way (an earlier version of a document is usually a prefix of
	// the later one: incremental updates).
	var d Dossier
	dossierOK := readJSON(fileDossier, &d, true)
	prefixAt := map[string][]int64{}
	for _, doc := range d.Documents {
		var earlier []int64
		for _, v := range doc.Versions {
			if m := b.members[v.Path]; m != nil && v.MediaType == "application/pdf" {
				prefixAt[v.Path] = slices.Clone(earlier)
				earlier = append(earlier, m.size)
			}
		}
	}
	sums, prefixes := fixity(b, pl, members, manifests, prefixAt)
	if !dossierOK {
		return
	}
	if d.Code != code {
		fail("metadata", prefix+fileDossier, "names dossier %q but sits in data/%s/", d.Code, code)
	}
	var hist []StateChange
	readJSON(fileHistory, &hist, true)
	var md Metadata
	if readJSON(fileMetadata, &md, true) {
		if md.FileCode != code || md.DocumentCount != len(d.Documents) {
			fail("metadata", prefix+fileMetadata, "file code %q / document count %d do not match dossier.json (%q, %d)", md.FileCode, md.DocumentCount, code, len(d.Documents))
		}
	}
	res.Documents = len(d.Documents)

	// Evidence: checkpoint, key, entries and proofs.
	var cp evidence.Checkpoint
	cpOK := false
	keyRaw, kerr := b.read(prefix + fileLogKey)
	cpRaw, cerr := b.read(prefix + fileCheckpoint)
	switch {
	case kerr != nil:
		fail("checkpoint", prefix+fileLogKey, "missing: the log's verifier key")
	case cerr != nil:
		fail("checkpoint", prefix+fileCheckpoint, "missing")
	default:
		v, err := note.NewVerifier(strings.TrimSpace(string(keyRaw)))
		if err != nil {
			fail("checkpoint", prefix+fileLogKey, "not a note verifier key: %v", err)
			break
		}
		cp, err = evidence.ParseCheckpoint(cpRaw, v)
		if err != nil {
			fail("checkpoint", prefix+fileCheckpoint, "%v", err)
			break
		}
		cpOK = true
		rep.checkpoint(cp, strings.TrimSpace(string(keyRaw)))
	}
	var entries []ProvenEntry
	readJSON(fileEntries, &entries, true)
	res.Entries = len(entries)
	var parsed []parsedEntry
	docEntries := map[string][]parsedEntry{} // sha256 → document.* entries
	var states []parsedEntry
	seen := map[uint64]bool{}
	for _, pe := range entries {
		if seen[pe.Index] {
			pl.add(entryProblem("entry", prefix+fileEntries, code, pe.Index, "listed twice"))
			continue
		}
		seen[pe.Index] = true
		e, t, err := parseEntry(pe.Body)
		if err != nil {
			pl.add(entryProblem("entry", prefix+fileEntries, code, pe.Index, "malformed body: %v", err))
			continue
		}
		if e.Index != pe.Index {
			pl.add(entryProblem("entry", prefix+fileEntries, code, pe.Index, "its body names index %d", e.Index))
		}
		if cpOK {
			if err := evidence.VerifyInclusion(cp, pe.Index, []byte(pe.Body), pe.Proof); err != nil {
				pl.add(entryProblem("proof", prefix+fileEntries, code, pe.Index, "the inclusion proof does not verify against the checkpoint of size %d: %v", cp.Size, err))
				continue
			}
		}
		if e.Subject.Dossier != "" && e.Subject.Dossier != code {
			pl.add(entryProblem("entry", prefix+fileEntries, code, pe.Index, "belongs to dossier %s, not %s (entries swapped?)", e.Subject.Dossier, code))
			continue
		}
		p := parsedEntry{index: pe.Index, body: e, time: t}
		parsed = append(parsed, p)
		if strings.HasPrefix(e.Type, "document.") && e.Subject.SHA256 != "" {
			docEntries[strings.ToLower(e.Subject.SHA256)] = append(docEntries[strings.ToLower(e.Subject.SHA256)], p)
		}
		if e.Type == evidence.DossierState {
			states = append(states, p)
		}
	}
	listed := slices.Clone(d.EntryIndexes)
	slices.Sort(listed)
	var inFile []uint64
	for _, pe := range entries {
		inFile = append(inFile, pe.Index)
	}
	slices.Sort(inFile)
	if !slices.Equal(listed, inFile) {
		fail("entry", prefix+fileEntries, "holds entries %s, dossier.json lists %s", shortList(inFile), shortList(listed))
	}

	// Anchors for this dossier.
	trust := certs.NewTrustStore()
	if opts.Trust != nil {
		for _, a := range opts.Trust.Anchors() {
			trust.Add(a)
		}
	}
	if !opts.OnlyGivenAnchors {
		if raw, err := b.read(prefix + fileAnchors); err == nil {
			cs, err := certs.ParseCertificates(raw)
			if err != nil {
				fail("metadata", prefix+fileAnchors, "unreadable: %v", err)
			}
			for _, c := range cs {
				trust.Add(c)
				rep.anchor(c, "package")
			}
		}
	}

	// Documents.
	described := map[string]bool{}
	for _, n := range []string{fileDossier, fileMetadata, fileHistory, fileDigitization, fileProvenance, fileStored, fileExportReport,
		fileReportPDF, fileCheckpoint, fileLogKey, fileEntries, fileCerts, fileAnchors} {
		described[prefix+n] = true
	}
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for _, doc := range d.Documents {
		var vs []*pdfVersion
		for vi, v := range doc.Versions {
			res.Versions++
			where := v.Path
			if !strings.HasPrefix(v.Path, prefix+dirDocuments) {
				fail("document", prefix+fileDossier, "document %s version %d: path %q is not under %s", doc.ID, vi+1, v.Path, prefix+dirDocuments)
				continue
			}
			described[v.Path] = true
			m := b.members[v.Path]
			if m == nil {
				fail("document", where, "document %s version %d is missing from the package", doc.ID, vi+1)
				continue
			}
			if got, ok := sums[v.Path]; ok && (got != strings.ToLower(v.SHA256) || m.size != v.Size) {
				fail("document", where, "document %s version %d: the file has SHA-256 %s (%d bytes), dossier.json records %s (%d bytes): replaced?",
					doc.ID, vi+1, got, m.size, v.SHA256, v.Size)
			}
			es := docEntries[strings.ToLower(v.SHA256)]
			if len(es) == 0 {
				fail("entry", where, "document %s version %d (SHA-256 %s) has no evidence entry in this dossier", doc.ID, vi+1, v.SHA256)
			}
			if v.MediaType != "application/pdf" {
				continue
			}
			got, ok := sums[v.Path]
			if !ok {
				continue // unreadable: a fixity problem already
			}
			ra, cleanup, err := b.readerAt(m)
			if err != nil {
				fail("signature", where, "cannot read: %v", err)
				continue
			}
			cleanups = append(cleanups, cleanup)
			vs = append(vs, &pdfVersion{doc: doc.ID, ver: vi, path: v.Path, sha: got, kind: v.Kind, r: ra, size: m.size, prefixes: prefixes[v.Path],
				at: provenTime(es, v), latest: vi == len(doc.Versions)-1})
		}
		validateDocument(ctx, vs, trust)
		for _, v := range vs {
			checkValidated(pl, v, &res)
		}
	}
	for _, m := range members {
		if described[m.name] || strings.HasPrefix(m.name, prefix+dirOCSP) || strings.HasPrefix(m.name, prefix+dirCRL) {
			continue
		}
		fail("document", m.name, "not described by dossier.json (added?)")
	}

	// History against the dossier.state_changed entries.
	used := make([]bool, len(states))
	for i, h := range hist {
		if i > 0 && h.From != hist[i-1].To {
			fail("history", prefix+fileHistory, "step %d goes from %q but step %d ended in %q", i+1, h.From, i, hist[i-1].To)
		}
		if i > 0 && h.Time.Before(hist[i-1].Time) {
			fail("history", prefix+fileHistory, "step %d (%s) is before step %d", i+1, h.Time.Format(time.RFC3339Nano), i)
		}
		found := false
		for k, s := range states {
			if used[k] {
				continue
			}
			var sd stateData
			json.Unmarshal(s.body.Data, &sd)
			if sd.From == h.From && sd.To == h.To && sameInstant(s.time, h.Time) {
				used[k], found = true, true
				break
			}
		}
		if !found {
			fail("history", prefix+fileHistory, "step %d (%s → %s at %s) has no matching dossier.state_changed entry", i+1, h.From, h.To, h.Time.UTC().Format(time.RFC3339Nano))
		}
	}
	for k, s := range states {
		if !used[k] {
			var sd stateData
			json.Unmarshal(s.body.Data, &sd)
			pl.add(entryProblem("history", prefix+fileHistory, code, s.index, "the state change %s → %s at %s is not in the history", sd.From, sd.To, s.time.Format(time.RFC3339Nano)))
		}
	}
}

// shortList prints at most 8 indexes.
func shortList(l []uint64) string {
	var parts []string
	for i, x := range l {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(l)))
			break
		}
		parts = append(parts, strconv.FormatUint(x, 10))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// sameInstant compares at microseconds, the precision PostgreSQL keeps.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// provenTime is the earliest entry naming the bytes, else the recorded time.
func provenTime(es []parsedEntry, v Version) time.Time {
	var at time.Time
	for _, e := range es {
		if at.IsZero() || e.time.Before(at) {
			at = e.time
		}
	}
	if at.IsZero() {
		at = v.Created
	}
	return at
}

// checkValidated turns a validated PDF version into problems.
func checkValidated(pl *problemList, v *pdfVersion, res *DossierResult) {
	fail := func(check, format string, args ...any) {
		pl.add(Problem{Check: check, Path: v.path, Message: fmt.Sprintf(format, args...)})
	}
	if v.sigs == 0 {
		if v.kind == Signed {
			fail("signature", "a signed version without any signature (or not a readable PDF)")
		}
		return
	}
	res.Signed++
	res.Signatures += v.sigs
	r := v.rep
	if r == nil {
		return // covered by a newer version, whose report counts
	}
	if r.Indication != verifier.TotalPassed {
		fail("signature", "%s at %s: %s", r.Indication, v.at.UTC().Format(time.RFC3339), r.Reason)
	}
	if v.latest && !v.lta {
		fail("lta", "the latest version is not PAdES B-LTA: its validation data or document time-stamp is missing")
		for _, s := range r.Signatures {
			if s.Kind == "signature" && s.SubFilter == "ETSI.CAdES.detached" && s.Level != "B-LTA" && r.Indication == verifier.TotalPassed {
				fail("lta", "signature %s is %s, not B-LTA", s.Field, s.Level)
			}
		}
	}
}
