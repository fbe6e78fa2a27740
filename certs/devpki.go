package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// Names of the identities every development PKI holds.
const (
	IdentityIntake = "intake" // intake staff member, personal certificate
	IdentityHead   = "head"   // head of a department, personal certificate with title
	IdentitySeal   = "seal"   // organisation certificate of a unit (the digital seal)
	IdentityTSA    = "tsa"    // RFC 3161 time-stamping unit
	IdentityOCSP   = "ocsp"   // delegated OCSP responder of the issuing CA
)

// DefaultBaseURL is where the development responders are expected unless
// InitDevPKI is told otherwise; `kyso pki serve` listens there by default.
const DefaultBaseURL = "http://127.0.0.1:18181"

// Errors returned by the development PKI.
var (
	ErrPKIExists       = errors.New("a PKI already exists there")
	ErrNotPKI          = errors.New("not a kyso development PKI")
	ErrUnknownIdentity = errors.New("unknown identity")
)

// Kind says what a certificate is for; it selects key usage and EKU.
type Kind int

const (
	KindPersonal     Kind = iota // a natural person signing documents
	KindOrganisation             // an agency or unit: the digital seal
	KindTSA                      // a time-stamping unit
	KindOCSP                     // a delegated OCSP responder
	KindTLSServer                // a TLS server (never valid for document signing)
)

// IssueRequest describes a certificate to issue from the development PKI.
type IssueRequest struct {
	Subject   Subject
	Kind      Kind
	ECDSA     bool      // P-256 instead of RSA-2048
	NotBefore time.Time // zero: one hour ago
	NotAfter  time.Time // zero: NotBefore + 3 years
}

// Identity is a certificate with its private key.
type Identity struct {
	Name        string
	Certificate *x509.Certificate
	Key         crypto.Signer
}

// DevPKIOptions configure InitDevPKI.
type DevPKIOptions struct {
	BaseURL     string    // responders' base URL baked into CDP and AIA; DefaultBaseURL when empty
	ECDSA       bool      // P-256 keys for personal and organisation identities
	P12Password string    // password of the .p12 files; empty by default
	Now         time.Time // creation time; time.Now when zero
	Rand        io.Reader // crypto/rand when nil
}

// DevPKI is a development certificate hierarchy kept in a directory.
type DevPKI struct {
	Dir          string
	BaseURL      string
	Root         *Identity
	Intermediate *Identity
	identities   map[string]*Identity
	issued       map[string]string // serial (hex) -> name, of every end-entity certificate issued
	rand         io.Reader
}

type pkiState struct {
	Kind       string    `json:"kind"`
	BaseURL    string    `json:"base_url"`
	Created    time.Time `json:"created"`
	Identities []string  `json:"identities"`
}

const stateFile = "pki.json"
const stateKind = "kyso-development-pki"

// DefaultIdentities returns the subjects and kinds of the standard identities.
func DefaultIdentities() map[string]IssueRequest {
	const center = "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc"
	return map[string]IssueRequest{
		IdentityIntake: {Kind: KindPersonal, Subject: Subject{
			CommonName: "Nguyễn Văn An", Title: "Chuyên viên", Unit: "Bộ phận Một cửa",
			Organization: center, Locality: "Thành phố Vĩnh Yên", Province: "Vĩnh Phúc",
			UID: "CCCD:026090001234"}},
		IdentityHead: {Kind: KindPersonal, Subject: Subject{
			CommonName: "Trần Thị Bình", Title: "Giám đốc", Unit: "Sở Tư pháp",
			Organization: "Ủy ban nhân dân tỉnh Vĩnh Phúc", Locality: "Thành phố Vĩnh Yên",
			Province: "Vĩnh Phúc", UID: "CCCD:026185004321"}},
		IdentitySeal: {Kind: KindOrganisation, Subject: Subject{
			CommonName: center, Organization: "Ủy ban nhân dân tỉnh Vĩnh Phúc",
			Locality: "Thành phố Vĩnh Yên", Province: "Vĩnh Phúc",
			UID: "MNS:1085172", AgencyCode: "000.00.31.H62"}},
		IdentityTSA: {Kind: KindTSA, Subject: Subject{
			CommonName: "kyso Dev Time-Stamping Authority (DEV ONLY)", Organization: "kyso development PKI"}},
		IdentityOCSP: {Kind: KindOCSP, Subject: Subject{
			CommonName: "kyso Dev OCSP Responder (DEV ONLY)", Organization: "kyso development PKI"}},
	}
}

// InitDevPKI creates a development PKI in dir. It refuses to touch a
// directory that exists and is not empty. Everything is written to a
// temporary sibling directory first and renamed into place at the end, so
// a failure leaves nothing behind.
func InitDevPKI(dir string, opts DevPKIOptions) (*DevPKI, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s: %w (refusing to overwrite)", dir, ErrPKIExists)
	} else if err == nil {
		// An empty directory is replaced by the rename below.
	} else if !errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(dir); serr == nil {
			return nil, fmt.Errorf("%s: %w (refusing to overwrite)", dir, ErrPKIExists)
		}
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("%s: cannot create the PKI directory: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("%s: cannot create the PKI directory: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // no-op after a successful rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}

	p, err := newDevPKI(opts)
	if err != nil {
		return nil, err
	}
	p.Dir = tmp
	if err := p.writeAll(opts.P12Password); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		if err := os.Remove(dir); err != nil { // empty, checked above
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("%s: cannot move the new PKI into place: %w", dir, err)
	}
	syncDir(parent)
	p.Dir = dir
	return p, nil
}

func newDevPKI(opts DevPKIOptions) (*DevPKI, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	p := &DevPKI{BaseURL: opts.BaseURL, identities: map[string]*Identity{}, issued: map[string]string{}, rand: opts.Rand}
	if p.BaseURL == "" {
		p.BaseURL = DefaultBaseURL
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	rootKey, err := rsa.GenerateKey(p.rand, 3072)
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		Subject: Subject{CommonName: "kyso Dev Vietnam National Root CA (DEV ONLY)",
			Organization: "kyso development PKI — not for production"}.Name(),
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.AddDate(25, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	root, err := p.sign(rootTmpl, nil, rootKey)
	if err != nil {
		return nil, fmt.Errorf("root CA: %w", err)
	}
	p.Root = &Identity{Name: "root", Certificate: root, Key: rootKey}

	intKey, err := rsa.GenerateKey(p.rand, 3072)
	if err != nil {
		return nil, err
	}
	intTmpl := &x509.Certificate{
		Subject: Subject{CommonName: "kyso Dev Government Specialised CA (DEV ONLY)",
			Organization: "kyso development PKI — not for production"}.Name(),
		NotBefore:             now.Add(-23 * time.Hour),
		NotAfter:              now.AddDate(15, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		CRLDistributionPoints: []string{p.BaseURL + "/crl/root.crl"},
		OCSPServer:            []string{p.BaseURL + "/ocsp"},
		IssuingCertificateURL: []string{p.BaseURL + "/ca/root.crt"},
	}
	inter, err := p.sign(intTmpl, p.Root, intKey)
	if err != nil {
		return nil, fmt.Errorf("intermediate CA: %w", err)
	}
	p.Intermediate = &Identity{Name: "intermediate", Certificate: inter, Key: intKey}

	names := make([]string, 0, 5)
	for name := range DefaultIdentities() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		req := DefaultIdentities()[name]
		req.ECDSA = opts.ECDSA && (req.Kind == KindPersonal || req.Kind == KindOrganisation)
		req.NotBefore = now.Add(-time.Hour)
		id, err := p.Issue(name, req)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", name, err)
		}
		p.identities[name] = id
	}
	return p, nil
}

// Issue makes a new certificate from the issuing CA. It does not store it;
// the standard identities are stored by InitDevPKI. Tests use Issue for
// expired, not-yet-valid or TLS-only certificates.
func (p *DevPKI) Issue(name string, req IssueRequest) (*Identity, error) {
	var key crypto.Signer
	var err error
	if req.ECDSA {
		key, err = ecdsa.GenerateKey(elliptic.P256(), p.randReader())
	} else {
		key, err = rsa.GenerateKey(p.randReader(), 2048)
	}
	if err != nil {
		return nil, err
	}
	return p.IssueForKey(name, req, key)
}

// IssueForKey issues a certificate for a key made elsewhere, such as on a
// PKCS#11 token; req.ECDSA is ignored.
func (p *DevPKI) IssueForKey(name string, req IssueRequest, key crypto.Signer) (*Identity, error) {
	nb := req.NotBefore
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	na := req.NotAfter
	if na.IsZero() {
		na = nb.AddDate(3, 0, 0)
	}
	tmpl := &x509.Certificate{
		Subject:               req.Subject.Name(),
		NotBefore:             nb.UTC().Truncate(time.Second),
		NotAfter:              na.UTC().Truncate(time.Second),
		BasicConstraintsValid: true,
		CRLDistributionPoints: []string{p.BaseURL + "/crl/intermediate.crl"},
		IssuingCertificateURL: []string{p.BaseURL + "/ca/intermediate.crt"},
	}
	switch req.Kind {
	case KindPersonal, KindOrganisation:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth}
		tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDExtKeyUsageAdobeDocumentSigning, OIDExtKeyUsageDocumentSigning}
		tmpl.OCSPServer = []string{p.BaseURL + "/ocsp"}
	case KindTSA:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		// RFC 3161 §2.3: the only EKU, and critical. crypto/x509 marks EKU
		// non-critical, so the extension is supplied by hand.
		ext, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{
			Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ext})
		tmpl.OCSPServer = []string{p.BaseURL + "/ocsp"}
	case KindOCSP:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: OIDOCSPNoCheck, Value: asn1.NullBytes})
	case KindTLSServer:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{"localhost"}
	default:
		return nil, fmt.Errorf("unknown certificate kind %d", req.Kind)
	}
	cert, err := p.sign(tmpl, p.Intermediate, key)
	if err != nil {
		return nil, err
	}
	if err := p.recordIssued(cert, name); err != nil {
		return nil, err
	}
	return &Identity{Name: name, Certificate: cert, Key: key}, nil
}

const issuedFile = "issued.json"

// recordIssued remembers a serial so that OCSP can tell "good" from
// "unknown"; it is persisted once the PKI has a directory.
func (p *DevPKI) recordIssued(cert *x509.Certificate, name string) error {
	if p.issued == nil {
		p.issued = map[string]string{}
	}
	p.issued[cert.SerialNumber.Text(16)] = name
	if p.Dir == "" {
		return nil
	}
	return p.writeIssued()
}

func (p *DevPKI) writeIssued() error {
	b, _ := json.MarshalIndent(p.issued, "", "  ")
	return writeFileAtomic(filepath.Join(p.Dir, issuedFile), append(b, '\n'), 0o644)
}

// issuedSerials reads the ledger of issued serials from the directory, so a
// running responder sees certificates issued by another process.
func (p *DevPKI) issuedSerials() map[string]string {
	out := map[string]string{}
	if p.Dir != "" {
		if b, err := os.ReadFile(filepath.Join(p.Dir, issuedFile)); err == nil {
			json.Unmarshal(b, &out)
		}
	}
	for k, v := range p.issued {
		out[k] = v
	}
	out[p.Intermediate.Certificate.SerialNumber.Text(16)] = "intermediate"
	return out
}

func (p *DevPKI) randReader() io.Reader {
	if p.rand == nil {
		return rand.Reader
	}
	return p.rand
}

// sign issues tmpl for key's public half; issuer nil means self-signed.
func (p *DevPKI) sign(tmpl *x509.Certificate, issuer *Identity, key crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(p.randReader(), new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, new(big.Int).Lsh(big.NewInt(1), 120)) // positive, 16 bytes
	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer.Certificate, issuer.Key
	}
	der, err := x509.CreateCertificate(p.randReader(), tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// Identity returns one of the stored identities by name.
func (p *DevPKI) Identity(name string) (*Identity, error) {
	id, ok := p.identities[name]
	if !ok {
		return nil, fmt.Errorf("%q: %w (known: %v)", name, ErrUnknownIdentity, p.Names())
	}
	return id, nil
}

// Names lists the stored identities in alphabetical order.
func (p *DevPKI) Names() []string {
	names := make([]string, 0, len(p.identities))
	for n := range p.identities {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Chain returns the CA certificates above a leaf: intermediate, then root.
func (p *DevPKI) Chain() []*x509.Certificate {
	return []*x509.Certificate{p.Intermediate.Certificate, p.Root.Certificate}
}

// TrustStore returns a trust store anchored at the development root.
func (p *DevPKI) TrustStore() *TrustStore {
	return NewTrustStore(p.Root.Certificate)
}

func (p *DevPKI) writeAll(p12Password string) error {
	if err := writePEMCert(filepath.Join(p.Dir, "root.crt"), p.Root.Certificate); err != nil {
		return err
	}
	if err := writePEMCert(filepath.Join(p.Dir, "intermediate.crt"), p.Intermediate.Certificate); err != nil {
		return err
	}
	for _, ca := range []*Identity{p.Root, p.Intermediate} {
		if err := writePEMKey(filepath.Join(p.Dir, ca.Name+".key"), ca.Key); err != nil {
			return err
		}
	}
	for _, name := range p.Names() {
		id := p.identities[name]
		if err := writePEMCert(filepath.Join(p.Dir, name+".crt"), id.Certificate); err != nil {
			return err
		}
		if err := writePEMKey(filepath.Join(p.Dir, name+".key"), id.Key); err != nil {
			return err
		}
		p12, err := pkcs12.Modern.Encode(id.Key, id.Certificate, p.Chain(), p12Password)
		if err != nil {
			return fmt.Errorf("%s.p12: %w", name, err)
		}
		if err := writeFileSync(filepath.Join(p.Dir, name+".p12"), p12, 0o600); err != nil {
			return err
		}
	}
	if err := p.writeIssued(); err != nil {
		return err
	}
	st := pkiState{Kind: stateKind, BaseURL: p.BaseURL, Created: p.Root.Certificate.NotBefore, Identities: p.Names()}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := writeFileSync(filepath.Join(p.Dir, stateFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	note := "This directory holds a DEVELOPMENT PKI made by `kyso pki init`.\n" +
		"Its keys are stored unencrypted. Never trust it in production.\n"
	if err := writeFileSync(filepath.Join(p.Dir, "DEVELOPMENT-ONLY.txt"), []byte(note), 0o644); err != nil {
		return err
	}
	syncDir(p.Dir)
	return nil
}

// LoadDevPKI reads a development PKI made by InitDevPKI.
func LoadDevPKI(dir string) (*DevPKI, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w (no %s; create one with `kyso pki init`)", dir, ErrNotPKI, stateFile)
		}
		return nil, err
	}
	var st pkiState
	if err := json.Unmarshal(b, &st); err != nil || st.Kind != stateKind {
		return nil, fmt.Errorf("%s: %w (bad %s)", dir, ErrNotPKI, stateFile)
	}
	p := &DevPKI{Dir: dir, BaseURL: st.BaseURL, identities: map[string]*Identity{}, issued: map[string]string{}}
	if b, err := os.ReadFile(filepath.Join(dir, issuedFile)); err == nil {
		if err := json.Unmarshal(b, &p.issued); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, issuedFile), err)
		}
	}
	load := func(name string) (*Identity, error) {
		cert, err := ReadCertificateFile(filepath.Join(dir, name+".crt"))
		if err != nil {
			return nil, err
		}
		key, err := ReadPrivateKeyFile(filepath.Join(dir, name+".key"))
		if err != nil {
			return nil, err
		}
		return &Identity{Name: name, Certificate: cert, Key: key}, nil
	}
	if p.Root, err = load("root"); err != nil {
		return nil, err
	}
	if p.Intermediate, err = load("intermediate"); err != nil {
		return nil, err
	}
	for _, name := range st.Identities {
		id, err := load(name)
		if err != nil {
			return nil, err
		}
		p.identities[name] = id
	}
	return p, nil
}

// ReadCertificateFile reads the first certificate of a PEM or DER file.
func ReadCertificateFile(path string) (*x509.Certificate, error) {
	certs, err := ReadCertificatesFile(path)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ReadCertificatesFile reads every certificate of a PEM file, or the one
// certificate of a DER file.
func ReadCertificatesFile(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}

// ErrNoCertificate is returned when input holds no certificate.
var ErrNoCertificate = errors.New("no certificate found")

// ParseCertificates parses PEM (any number of CERTIFICATE blocks) or DER.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return nil, ErrNoCertificate
		}
		out = append(out, c)
	}
	return out, nil
}

// ErrNoKey is returned when input holds no usable private key.
var ErrNoKey = errors.New("no private key found")

// ReadPrivateKeyFile reads a PKCS#8, PKCS#1 or SEC 1 private key in PEM.
func ReadPrivateKeyFile(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePrivateKey parses a PEM private key (PKCS#8, PKCS#1 or SEC 1).
func ParsePrivateKey(b []byte) (crypto.Signer, error) {
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, ErrNoKey
		}
		var k any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%w: encrypted PEM keys are not supported; use a PKCS#12 file with a password", ErrNoKey)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: unsupported key type %T", ErrNoKey, k)
		}
		return s, nil
	}
}

func writePEMCert(path string, c *x509.Certificate) error {
	return writeFileSync(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
}

func writePEMKey(path string, k crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	return writeFileSync(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// writeFileSync writes a file and fsyncs it.
func writeFileSync(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
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

// writeFileAtomic replaces path with b through a temporary file and rename.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
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
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
