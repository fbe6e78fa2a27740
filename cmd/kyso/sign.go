package main

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

const signUsage = `sign IN -o OUT [key flags] [--level B-B|B-T|B-LT|B-LTA] [--tsa URL]
           [--visible page=N,x=X,y=Y,w=W,h=H] [--kind personal|organisation|copy]
           [--name NAME --title TITLE --unit UNIT --image PNG --qr URL]
           [--certify 1|2|3] [--lock all|include:F1,F2|exclude:F1,F2]
           [--reason R --location L --contact C] [--field NAME] [--hash sha256|sha384|sha512] [--pss]
       kyso sign prepare IN -o SESSION.json --cert CERT [--chain CHAIN] [same signature flags]
       kyso sign complete SESSION.json --signature FILE IN -o OUT [--tsa URL]

Key flags: --key KEY --cert CERT [--chain CHAIN] | --p12 FILE [--p12-pass-env VAR] |
           --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL --pkcs11-pin-env VAR
IN and OUT may be "-" for stdin and stdout.`

// signFlags are the flags shared by sign and sign prepare.
type signFlags struct {
	out, key, cert, chain, p12, p12PassEnv            string
	p11Module, p11Token, p11Key, p11PinEnv            string
	level, tsa, visible, kind, name, title, unit      string
	image, qr, lock, reason, location, contact, field string
	hash                                              string
	certify                                           int
	pss, allowInvalid, json                           bool
}

func (f *signFlags) register(fs *flag.FlagSet, cfg config.Config) {
	fs.StringVar(&f.out, "o", "", "output file (\"-\" for stdout)")
	fs.StringVar(&f.key, "key", "", "PEM private key (PKCS#8, PKCS#1 or SEC 1)")
	fs.StringVar(&f.cert, "cert", "", "PEM signing certificate (may be followed by its chain)")
	fs.StringVar(&f.chain, "chain", "", "PEM file with the issuing CA certificates")
	fs.StringVar(&f.p12, "p12", "", "PKCS#12 file with key, certificate and chain")
	fs.StringVar(&f.p12PassEnv, "p12-pass-env", "", "environment variable holding the PKCS#12 password")
	fs.StringVar(&f.p11Module, "pkcs11-module", "", "PKCS#11 library")
	fs.StringVar(&f.p11Token, "pkcs11-token", "", "PKCS#11 token label")
	fs.StringVar(&f.p11Key, "pkcs11-key", "", "label of the key (and certificate) on the token")
	fs.StringVar(&f.p11PinEnv, "pkcs11-pin-env", "", "environment variable holding the token PIN")
	fs.StringVar(&f.level, "level", "B-B", "PAdES level: B-B, B-T, B-LT or B-LTA")
	fs.StringVar(&f.tsa, "tsa", cfg.TSAURL, "RFC 3161 time-stamp authority URL (B-T and above)")
	fs.StringVar(&f.visible, "visible", "", "visible signature: page=N,x=X,y=Y,w=W,h=H in points from the lower left")
	fs.StringVar(&f.kind, "kind", "", "appearance: personal, organisation or copy (default: from the certificate)")
	fs.StringVar(&f.name, "name", "", "signer name shown (default: certificate CN)")
	fs.StringVar(&f.title, "title", "", "signer title shown (default: certificate T)")
	fs.StringVar(&f.unit, "unit", "", "unit shown (default: certificate OU or O)")
	fs.StringVar(&f.image, "image", "", "PNG signature image (personal) or seal (organisation)")
	fs.StringVar(&f.qr, "qr", "", "verification URL drawn as a QR code in the appearance")
	fs.IntVar(&f.certify, "certify", 0, "make a certification signature with DocMDP permission 1, 2 or 3")
	fs.StringVar(&f.lock, "lock", "", "FieldMDP lock: all, include:F1,F2 or exclude:F1,F2")
	fs.StringVar(&f.reason, "reason", "", "reason for signing")
	fs.StringVar(&f.location, "location", "", "place of signing")
	fs.StringVar(&f.contact, "contact", "", "contact information")
	fs.StringVar(&f.field, "field", "", "signature field name (an existing empty one is filled)")
	fs.StringVar(&f.hash, "hash", "sha256", "digest: sha256, sha384 or sha512")
	fs.BoolVar(&f.pss, "pss", false, "RSASSA-PSS for RSA keys")
	fs.BoolVar(&f.allowInvalid, "allow-invalid-cert", false, "sign even with an expired certificate or one without a signing key usage")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON")
}

func runSign(ctx context.Context, e *env, args []string) error {
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if len(args) > 0 && args[0] == "prepare" {
		return signPrepare(ctx, e, cfg, args[1:])
	}
	if len(args) > 0 && args[0] == "complete" {
		return signComplete(ctx, e, cfg, args[1:])
	}
	f, in, cred, opts, err := parseSignArgs(e, cfg, "sign", args, true)
	if err != nil {
		return err
	}
	defer cred.Close()
	res, err := withFiles(e, in, f.out, func(in, out string) (*signer.Result, error) {
		return signer.SignFile(ctx, in, out, opts)
	})
	if err != nil {
		return withCode(exitUsage, err)
	}
	return printResult(e, f.out, res, f.json)
}

// parseSignArgs parses the flags shared by sign and sign prepare, loads the
// credential (a key is needed unless needKey is false) and builds the
// options. It returns the input path.
func parseSignArgs(e *env, cfg config.Config, name string, args []string, needKey bool) (*signFlags, string, *signer.Credential, *signer.Options, error) {
	f := &signFlags{}
	fs := newFlags(name, signUsage, e.stdout)
	f.register(fs, cfg)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, "", nil, nil, err
	}
	if err := positional(pos, 1, 1, "input PDF"); err != nil {
		return nil, "", nil, nil, err
	}
	if f.out == "" {
		return nil, "", nil, nil, usageErrorf("missing -o OUT")
	}
	cred, err := f.credential(needKey)
	if err != nil {
		return nil, "", nil, nil, withCode(exitUsage, err)
	}
	opts, err := f.options(cred)
	if err != nil {
		cred.Close()
		return nil, "", nil, nil, err
	}
	return f, pos[0], cred, opts, nil
}

// withFiles runs fn with real file paths: stdin is spooled to a temporary
// file and a "-" output goes through one, so memory stays flat.
func withFiles(e *env, in, out string, fn func(in, out string) (*signer.Result, error)) (*signer.Result, error) {
	var tmpDir string
	tempDir := func() (string, error) {
		if tmpDir != "" {
			return tmpDir, nil
		}
		d, err := os.MkdirTemp("", "kyso-sign-")
		tmpDir = d
		return d, err
	}
	defer func() {
		if tmpDir != "" {
			os.RemoveAll(tmpDir)
		}
	}()
	inPath := in
	if in == "-" {
		d, err := tempDir()
		if err != nil {
			return nil, err
		}
		inPath = filepath.Join(d, "in.pdf")
		f, err := os.Create(inPath)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(f, e.stdin); err != nil {
			f.Close()
			return nil, fmt.Errorf("reading stdin: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	outPath := out
	if out == "-" {
		d, err := tempDir()
		if err != nil {
			return nil, err
		}
		outPath = filepath.Join(d, "out.pdf")
	}
	res, err := fn(inPath, outPath)
	if err != nil {
		return nil, describeSignError(in, err)
	}
	if out == "-" {
		f, err := os.Open(outPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if _, err := io.Copy(e.stdout, f); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// describeSignError names the input file in the error.
func describeSignError(in string, err error) error {
	name := in
	if in == "-" {
		name = "stdin"
	}
	switch {
	case errors.Is(err, pdf.ErrNotPDF):
		return fmt.Errorf("%s: not a PDF file", name)
	case errors.Is(err, pdf.ErrEncrypted):
		return fmt.Errorf("%s: the PDF is encrypted (password-protected); kyso does not sign encrypted PDFs", name)
	case errors.Is(err, pdf.ErrXRef):
		return fmt.Errorf("%s: damaged PDF (cross-reference table): %v", name, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func printResult(e *env, out string, res *signer.Result, asJSON bool) error {
	if asJSON {
		w := e.stdout
		if out == "-" {
			w = e.stderr // stdout carries the signed PDF
		}
		return writeJSON(w, map[string]any{"output": out, "field": res.FieldName, "level": res.Level.String(),
			"signing_time": res.SigningTime, "byte_range": res.ByteRange, "size": res.Size,
			"digest": hex.EncodeToString(res.Digest)})
	}
	if out != "-" {
		fmt.Fprintf(e.stdout, "signed %s: field %s, %s, %d bytes\n", out, res.FieldName, res.Level, res.Size)
	}
	return nil
}

// credential loads the key material named by the flags. needKey false
// allows a certificate alone (sign prepare).
func (f *signFlags) credential(needKey bool) (*signer.Credential, error) {
	switch {
	case f.p12 != "":
		pass := ""
		if f.p12PassEnv != "" {
			v, ok := os.LookupEnv(f.p12PassEnv)
			if !ok {
				return nil, fmt.Errorf("--p12-pass-env: environment variable %s is not set", f.p12PassEnv)
			}
			pass = v
		}
		return signer.LoadPKCS12(f.p12, pass)
	case f.p11Module != "":
		pin := ""
		if f.p11PinEnv != "" {
			v, ok := os.LookupEnv(f.p11PinEnv)
			if !ok {
				return nil, fmt.Errorf("--pkcs11-pin-env: environment variable %s is not set", f.p11PinEnv)
			}
			pin = v
		}
		c, err := signer.OpenPKCS11(signer.PKCS11Config{Module: f.p11Module, TokenLabel: f.p11Token, KeyLabel: f.p11Key, PIN: pin}, nil)
		if err != nil && f.cert != "" {
			cs, cerr := certs.ReadCertificatesFile(f.cert)
			if cerr != nil {
				return nil, cerr
			}
			c, err = signer.OpenPKCS11(signer.PKCS11Config{Module: f.p11Module, TokenLabel: f.p11Token, KeyLabel: f.p11Key, PIN: pin}, cs[0])
		}
		if err != nil {
			return nil, err
		}
		if f.chain != "" {
			chain, err := certs.ReadCertificatesFile(f.chain)
			if err != nil {
				c.Close()
				return nil, err
			}
			c.Chain = append(c.Chain, chain...)
		}
		return c, nil
	case f.key != "" || (needKey && f.cert != ""):
		if f.key == "" {
			return nil, errors.New("--cert needs --key (or use --p12 or --pkcs11-module)")
		}
		if f.cert == "" {
			return nil, errors.New("--key needs --cert")
		}
		return signer.LoadPEM(f.key, f.cert, f.chain)
	case !needKey && f.cert != "":
		cs, err := certs.ReadCertificatesFile(f.cert)
		if err != nil {
			return nil, err
		}
		c := &signer.Credential{Certificate: cs[0], Chain: cs[1:]}
		if f.chain != "" {
			chain, err := certs.ReadCertificatesFile(f.chain)
			if err != nil {
				return nil, err
			}
			c.Chain = append(c.Chain, chain...)
		}
		return c, nil
	}
	return nil, errors.New("no key given: use --key/--cert, --p12 or --pkcs11-module")
}

// options turns the flags into signer options.
func (f *signFlags) options(cred *signer.Credential) (*signer.Options, error) {
	level, err := signer.ParseLevel(f.level)
	if err != nil {
		return nil, usageErrorf("--level: %v", err)
	}
	opts := &signer.Options{Credential: cred, Level: level, PSS: f.pss, Reason: f.reason, Location: f.location,
		ContactInfo: f.contact, FieldName: f.field, Certify: f.certify, AllowInvalidCert: f.allowInvalid}
	switch strings.ToLower(f.hash) {
	case "sha256", "sha-256":
		opts.Hash = crypto.SHA256
	case "sha384", "sha-384":
		opts.Hash = crypto.SHA384
	case "sha512", "sha-512":
		opts.Hash = crypto.SHA512
	default:
		return nil, usageErrorf("--hash: unknown digest %q (want sha256, sha384 or sha512)", f.hash)
	}
	if f.certify < 0 || f.certify > 3 {
		return nil, usageErrorf("--certify: want 1, 2 or 3, not %d", f.certify)
	}
	if f.tsa != "" {
		opts.TSA = &signer.TSA{URL: f.tsa}
	}
	if level >= signer.LevelBT && f.tsa == "" {
		return nil, usageErrorf("--level %s needs --tsa URL (or KYSO_TSA_URL)", level)
	}
	if f.lock != "" {
		l, err := parseLock(f.lock)
		if err != nil {
			return nil, err
		}
		opts.Lock = l
	}
	if f.visible != "" || f.kind == "copy" {
		ap, err := f.appearance(cred)
		if err != nil {
			return nil, err
		}
		opts.Appearance = ap
	}
	return opts, nil
}

func parseLock(s string) (*signer.FieldLock, error) {
	action, fields, _ := strings.Cut(s, ":")
	l := &signer.FieldLock{}
	switch strings.ToLower(action) {
	case "all":
		l.Action = "All"
	case "include":
		l.Action = "Include"
	case "exclude":
		l.Action = "Exclude"
	default:
		return nil, usageErrorf("--lock: want all, include:F1,F2 or exclude:F1,F2, not %q", s)
	}
	if fields != "" {
		l.Fields = strings.Split(fields, ",")
	}
	if l.Action != "All" && len(l.Fields) == 0 {
		return nil, usageErrorf("--lock %s needs field names, e.g. %s:name,date", action, action)
	}
	return l, nil
}

func (f *signFlags) appearance(cred *signer.Credential) (*signer.Appearance, error) {
	ap := &signer.Appearance{Page: 1, QR: f.qr}
	if f.visible != "" {
		for _, kv := range strings.Split(f.visible, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				return nil, usageErrorf("--visible: %q is not key=value", kv)
			}
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n < 0 {
				return nil, usageErrorf("--visible: %s=%q is not a non-negative number", k, v)
			}
			switch k {
			case "page":
				if n != float64(int(n)) || n < 1 {
					return nil, usageErrorf("--visible: page=%s is not a page number", v)
				}
				ap.Page = int(n)
			case "x":
				ap.Rect.X = n
			case "y":
				ap.Rect.Y = n
			case "w":
				ap.Rect.W = n
			case "h":
				ap.Rect.H = n
			default:
				return nil, usageErrorf("--visible: unknown key %q (want page, x, y, w, h)", k)
			}
		}
		if ap.Rect.W == 0 || ap.Rect.H == 0 {
			return nil, usageErrorf("--visible needs w and h")
		}
	}
	subj := certs.SubjectOf(cred.Certificate)
	kindName := f.kind
	if kindName == "" {
		kindName = "personal"
		if kind, _ := subj.IDNumber(); kind == "MST" || kind == "MNS" || subj.AgencyCode != "" {
			kindName = "organisation"
		}
	}
	switch kindName {
	case "personal":
		ap.Kind = signer.Personal
	case "organisation", "organization", "seal":
		ap.Kind = signer.Organisation
	case "copy":
		ap.Kind = signer.Copy
	default:
		return nil, usageErrorf("--kind: want personal, organisation or copy, not %q", f.kind)
	}
	ap.Name, ap.Title, ap.Unit = f.name, f.title, f.unit
	if ap.Name == "" {
		ap.Name = subj.CommonName
	}
	if ap.Title == "" {
		ap.Title = subj.Title
	}
	if ap.Unit == "" {
		ap.Unit = subj.Unit
		if ap.Unit == "" || ap.Kind != signer.Personal {
			if ap.Kind == signer.Personal {
				ap.Unit = subj.Organization
			} else {
				ap.Unit = subj.CommonName
			}
		}
	}
	if f.image != "" {
		b, err := os.ReadFile(f.image)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		ap.Image = b
	}
	return ap, nil
}

func signPrepare(ctx context.Context, e *env, cfg config.Config, args []string) error {
	f, name, cred, opts, err := parseSignArgs(e, cfg, "sign prepare", args, false)
	if err != nil {
		return err
	}
	defer cred.Close()
	in, err := os.Open(name)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return withCode(exitUsage, err)
	}
	s, err := signer.Prepare(ctx, in, st.Size(), opts)
	if err != nil {
		return withCode(exitUsage, describeSignError(name, err))
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	if f.out == "-" {
		_, err = e.stdout.Write(append(b, '\n'))
		return err
	}
	if err := os.WriteFile(f.out, append(b, '\n'), 0o600); err != nil {
		return withCode(exitFailed, err)
	}
	fmt.Fprintf(e.stdout, "prepared %s: sign this %s digest and run kyso sign complete\n%s\n", f.out, s.Hash,
		base64.StdEncoding.EncodeToString(s.ToBeSigned))
	return nil
}

func signComplete(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("sign complete", signUsage, e.stdout)
	out := fs.String("o", "", "output file")
	sigFile := fs.String("signature", "", "file with the signature value (raw, base64 or hex) or a DER CMS")
	tsa := fs.String("tsa", cfg.TSAURL, "time-stamp authority URL (B-T and above)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 2, 2, "SESSION.json and input PDF"); err != nil {
		return err
	}
	if *out == "" || *sigFile == "" {
		return usageErrorf("missing -o OUT or --signature FILE")
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return withCode(exitUsage, err)
	}
	var s signer.Session
	if err := json.Unmarshal(b, &s); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: not a signing session: %v", pos[0], err))
	}
	sig, err := os.ReadFile(*sigFile)
	if err != nil {
		return withCode(exitUsage, err)
	}
	sig = decodeSignature(sig)
	opts := &signer.Options{}
	if *tsa != "" {
		opts.TSA = &signer.TSA{URL: *tsa}
	}
	res, err := withFiles(e, pos[1], *out, func(in, o string) (*signer.Result, error) {
		return signer.CompleteFile(ctx, in, o, &s, sig, opts)
	})
	if err != nil {
		return withCode(exitUsage, err)
	}
	return printResult(e, *out, res, *asJSON)
}

// decodeSignature accepts a raw signature, or one in base64 or hex text.
func decodeSignature(b []byte) []byte {
	t := strings.TrimSpace(string(b))
	if d, err := hex.DecodeString(t); err == nil && len(d) > 0 {
		return d
	}
	if d, err := base64.StdEncoding.DecodeString(t); err == nil && len(d) > 0 {
		return d
	}
	return b
}
