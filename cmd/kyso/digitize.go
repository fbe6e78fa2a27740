package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/signer"
)

const digitizeUsage = `digitize SCANS... --out DIR [--split file|ranges|blank|separator|RANGES] [--ranges 1-3,4-6]
           [--ocr] [--meta FILE.json] [--profile default|sao-y|FILE.json] [--dossier CODE]
           [--operator NAME --account ACC --assignment FILE.json] [--at TIME]
           [key flags as in kyso sign: --p12 F | --key K --cert C | --pkcs11-…] [--level B-T|B-LT|B-LTA] [--tsa URL]
           [--as-centre] [--invisible] [--require-valid] [--json]
       kyso digitize separators CODE[:NAME]... -o SHEETS.pdf

SCANS are JPEG, PNG, TIFF (multi-page) or PDF files. One PDF/A-2b file and one
NAME.json record per paper document are written to DIR; existing files are never
overwritten. With a key, each document is signed (PAdES B-T by default) by the
operator, visibly on page 1. Exit 0: every document made; 1: some files or
documents refused (one line each on stderr), the others made; 2: usage error or
nothing made.`

func runDigitize(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "separators" {
		return digitizeSeparators(e, args[1:])
	}
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	fs := newFlags("digitize", digitizeUsage, e.stdout)
	sf := &signFlags{}
	sf.register(fs, cfg)
	out := fs.String("out", "", "output folder")
	split := fs.String("split", "file", "file, ranges, blank, separator, or page ranges like 1-3,4-6")
	ranges := fs.String("ranges", "", "page ranges over the batch for --split ranges, e.g. 1-3,4,5-8")
	ocr := fs.Bool("ocr", false, "add an invisible Vietnamese text layer (needs tesseract-ocr-vie)")
	meta := fs.String("meta", "", "JSON manifest: common and per-document metadata, operator, assignment")
	profile := fs.String("profile", "default", "profile: default, sao-y (colour required) or a JSON file")
	dossier := fs.String("dossier", "", "dossier code (mã hồ sơ) for every document")
	operator := fs.String("operator", "", "operator's full name (default: the certificate's CN)")
	account := fs.String("account", "", "operator's official account (tài khoản công vụ)")
	assignment := fs.String("assignment", "", "JSON file with the assignment decision")
	at := fs.String("at", "", "capture time, RFC 3339 (default: now)")
	asCentre := fs.Bool("as-centre", false, "the key is the centre's organisation certificate")
	invisible := fs.Bool("invisible", false, "sign without a visible appearance")
	requireValid := fs.Bool("require-valid", false, "exit 1 unless every document is legally valid (QĐ 03/2020 Đ9.3)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, -1, "SCANS"); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("missing --out DIR")
	}
	opts := &digitize.Options{OutDir: *out, OCR: *ocr}
	switch *profile {
	case "", "default":
		opts.Profile = digitize.DefaultProfile()
	case "sao-y", "copy":
		opts.Profile = digitize.CopyProfile()
	default:
		if opts.Profile, err = digitize.LoadProfile(*profile); err != nil {
			return withCode(exitUsage, err)
		}
	}
	if m, rerr := digitize.ParseRanges(*split); rerr == nil && m != nil {
		opts.Split, opts.Ranges = digitize.SplitRanges, *split
	} else if opts.Split, err = digitize.ParseSplitMode(*split); err != nil {
		return usageErrorf("--split: %v", err)
	}
	if *ranges != "" {
		opts.Split, opts.Ranges = digitize.SplitRanges, *ranges
	}
	if opts.Split == digitize.SplitRanges && opts.Ranges == "" {
		return usageErrorf("--split ranges needs --ranges, e.g. --ranges 1-3,4-6")
	}
	if *meta != "" {
		m, err := digitize.LoadManifest(*meta)
		if err != nil {
			return withCode(exitUsage, err)
		}
		opts.Common, opts.Components, opts.Assignment = m.Common, m.Components, m.Assignment
		if m.Operator != nil {
			opts.Operator = *m.Operator
		}
	}
	if *dossier != "" {
		if opts.Common == nil {
			opts.Common = map[string]string{}
		}
		opts.Common[digitize.FieldDossierCode] = *dossier
	}
	if *assignment != "" {
		b, err := os.ReadFile(*assignment)
		if err != nil {
			return withCode(exitUsage, err)
		}
		var a digitize.Assignment
		if err := json.Unmarshal(b, &a); err != nil {
			return withCode(exitUsage, fmt.Errorf("%s: not an assignment decision: %v", *assignment, err))
		}
		opts.Assignment = &a
	}
	if *at != "" {
		if opts.Time, err = parseTime(*at); err != nil {
			return usageErrorf("--at: %v", err)
		}
	}
	if *operator != "" {
		opts.Operator.Name = *operator
	}
	if *account != "" {
		opts.Operator.Account = *account
	}
	// Signing: any key flag turns it on; the credential is opened once.
	if sf.p12 != "" || sf.key != "" || sf.cert != "" || sf.p11Module != "" {
		cred, err := sf.credential(true)
		if err != nil {
			return withCode(exitUsage, err)
		}
		defer cred.Close()
		levelSet := false
		fs.Visit(func(f *flag.Flag) { levelSet = levelSet || f.Name == "level" })
		level := signer.LevelBT
		if levelSet {
			if level, err = signer.ParseLevel(sf.level); err != nil {
				return usageErrorf("--level: %v", err)
			}
		}
		so := &digitize.SignOptions{Credential: cred, Level: level, PSS: sf.pss, AsCentre: *asCentre, Invisible: *invisible}
		if sf.tsa != "" {
			so.TSA = &signer.TSA{URL: sf.tsa}
		}
		if sf.image != "" {
			if so.Image, err = os.ReadFile(sf.image); err != nil {
				return withCode(exitUsage, err)
			}
		}
		opts.Sign = so
		if opts.Operator.Name == "" {
			opts.Operator.Name = cred.Certificate.Subject.CommonName
		}
	}
	if opts.Operator.Name == "" {
		// The statement on every page needs a name: the system user's,
		// said aloud. Without an official account the document is not
		// legally valid anyway, and the report says so.
		name := "unknown"
		if u, err := user.Current(); err == nil {
			name = cmp.Or(strings.TrimRight(u.Name, ","), u.Username)
		}
		opts.Operator.Name = name
		fmt.Fprintf(e.stderr, "kyso digitize: warning: no --operator given; the statement names the system user %q\n", name)
	}
	inputs := make([]digitize.Input, len(pos))
	for i, p := range pos {
		inputs[i] = digitize.Input{Path: p, Name: p}
	}
	start := time.Now()
	b, err := digitize.Process(ctx, inputs, opts)
	if err != nil {
		if errors.Is(err, digitize.ErrBadSplit) || errors.Is(err, digitize.ErrBadMetadata) || errors.Is(err, digitize.ErrSigning) {
			if b != nil {
				printFileErrors(e, b)
			}
			return withCode(exitUsage, err)
		}
		return withCode(exitUsage, err)
	}
	if sf.json {
		if err := writeJSON(e.stdout, batchJSON(b)); err != nil {
			return err
		}
	}
	return digitizeReport(e, b, sf.json, *requireValid, time.Since(start))
}

func printFileErrors(e *env, b *digitize.Batch) {
	for _, f := range b.Files {
		if f.Err != nil {
			fmt.Fprintf(e.stderr, "kyso digitize: %s\n", describeDigitizeError(f.Err))
		}
	}
}

// describeDigitizeError is one line for an error, with a hint.
func describeDigitizeError(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, digitize.ErrLowResolution):
		msg += " — quét lại ở độ phân giải cao hơn (rescan at a higher resolution)"
	case errors.Is(err, digitize.ErrEncrypted):
		msg += " — bỏ mật khẩu rồi số hóa lại"
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

func digitizeReport(e *env, b *digitize.Batch, quiet, requireValid bool, took time.Duration) error {
	printFileErrors(e, b)
	for _, w := range b.Warnings {
		fmt.Fprintf(e.stderr, "kyso digitize: warning: %s\n", w)
	}
	made, refused, invalid := 0, 0, 0
	for _, d := range b.Documents {
		if d.Err != nil {
			refused++
			fmt.Fprintf(e.stderr, "kyso digitize: %s: %s\n", d.Name, describeDigitizeError(d.Err))
			continue
		}
		made++
		r := d.Record
		for _, w := range r.Warnings {
			fmt.Fprintf(e.stderr, "kyso digitize: warning: %s: %s\n", d.Name, w)
		}
		if !r.Validity.Valid {
			invalid++
		}
		if quiet {
			continue
		}
		signed := "unsigned"
		if r.Signature != nil {
			signed = fmt.Sprintf("signed %s by %s", r.Signature.Level, r.Signature.Signer)
		}
		valid := "legally valid"
		if !r.Validity.Valid {
			valid = "NOT legally valid: " + r.Validity.Reason
		}
		fmt.Fprintf(e.stdout, "%s: %d page(s), code %s, %s; %s\n", d.Path, r.Pages, r.ResultCode, signed, valid)
	}
	failedFiles := 0
	for _, f := range b.Files {
		if f.Err != nil {
			failedFiles++
		}
	}
	if !quiet {
		fmt.Fprintf(e.stdout, "%d document(s) made from %d file(s) in %.2f s; %d file(s) and %d document(s) refused\n",
			made, len(b.Files), took.Seconds(), failedFiles, refused)
	}
	switch {
	case made == 0:
		return withCode(exitUsage, fmt.Errorf("no document made"))
	case failedFiles > 0 || refused > 0:
		return withCode(exitFailed, fmt.Errorf("%d file(s) and %d document(s) refused; the other %d document(s) were made", failedFiles, refused, made))
	case requireValid && invalid > 0:
		return withCode(exitFailed, fmt.Errorf("%d document(s) not legally valid (QĐ 03/2020 Đ9.3)", invalid))
	}
	return nil
}

func batchJSON(b *digitize.Batch) any {
	type file struct {
		Name     string   `json:"name"`
		Pages    int      `json:"pages"`
		Error    string   `json:"error,omitempty"`
		Warnings []string `json:"warnings,omitempty"`
	}
	type doc struct {
		Name   string           `json:"name"`
		Path   string           `json:"path,omitempty"`
		Error  string           `json:"error,omitempty"`
		Record *digitize.Record `json:"record"`
	}
	var out struct {
		Files     []file   `json:"files"`
		Documents []doc    `json:"documents"`
		Warnings  []string `json:"warnings,omitempty"`
	}
	for _, f := range b.Files {
		x := file{Name: f.Name, Pages: f.Pages, Warnings: f.Warnings}
		if f.Err != nil {
			x.Error = f.Err.Error()
		}
		out.Files = append(out.Files, x)
	}
	for _, d := range b.Documents {
		x := doc{Name: d.Name, Path: d.Path, Record: &d.Record}
		if d.Err != nil {
			x.Error = d.Err.Error()
		}
		out.Documents = append(out.Documents, x)
	}
	out.Warnings = b.Warnings
	return out
}

func digitizeSeparators(e *env, args []string) error {
	fs := newFlags("digitize separators", digitizeUsage, e.stdout)
	out := fs.String("o", "", "output PDF")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, -1, "component codes (CODE or CODE:NAME)"); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("missing -o SHEETS.pdf")
	}
	var seps []digitize.Separator
	for _, p := range pos {
		code, name, _ := strings.Cut(p, ":")
		seps = append(seps, digitize.Separator{Code: code, Name: name})
	}
	f, err := os.Create(*out)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if err := digitize.WriteSeparatorSheets(f, seps); err != nil {
		f.Close()
		os.Remove(*out)
		return withCode(exitUsage, err)
	}
	if err := f.Close(); err != nil {
		return withCode(exitFailed, err)
	}
	fmt.Fprintf(e.stdout, "wrote %d separator sheet(s) to %s\n", len(seps), *out)
	return nil
}
