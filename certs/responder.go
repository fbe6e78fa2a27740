package certs

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// DevTSAPolicy is the TSA policy OID of the development time-stamping unit
// under 2.999, the arc ITU-T X.660 reserves for examples: never a real policy.
var DevTSAPolicy = asn1.ObjectIdentifier{2, 999, 704, 1, 1}

const maxRequestBody = 64 << 10

// Responder serves the development PKI's RFC 3161 time-stamp authority at
// /tsa, its RFC 6960 OCSP responder at /ocsp (POST, or GET with the
// base64 request in the path), CRLs at /crl/root.crl and
// /crl/intermediate.crl, and the CA certificates at /ca/root.crt and
// /ca/intermediate.crt. Revocations made by another process (`kyso pki
// revoke`) are picked up on the next request.
type Responder struct {
	PKI    *DevPKI
	Now    func() time.Time // time.Now when nil
	Logger *slog.Logger     // slog.Default when nil
	mux    *http.ServeMux
}

// NewResponder returns a Responder for p.
func NewResponder(p *DevPKI) *Responder {
	r := &Responder{PKI: p}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tsa", r.serveTSA)
	mux.HandleFunc("POST /ocsp", r.serveOCSP)
	mux.HandleFunc("GET /ocsp/{req...}", r.serveOCSP)
	mux.HandleFunc("GET /crl/{name}", r.serveCRL)
	mux.HandleFunc("GET /ca/{name}", r.serveCA)
	r.mux = mux
	return r
}

func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.mux.ServeHTTP(w, req) }

func (r *Responder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Responder) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Responder) serveTSA(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody))
	if err != nil {
		http.Error(w, "cannot read request", http.StatusBadRequest)
		return
	}
	resp, err := r.PKI.TimeStamp(body, r.now())
	if err != nil {
		r.log().Warn("tsa: bad request", "err", err)
		resp, _ = timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadDataFormat)
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

// TimeStamp answers a DER RFC 3161 TimeStampReq with a granted
// TimeStampResp signed by the PKI's tsa identity at time now.
func (p *DevPKI) TimeStamp(reqDER []byte, now time.Time) ([]byte, error) {
	tsr, err := timestamp.ParseRequest(reqDER)
	if err != nil {
		return nil, fmt.Errorf("parse time-stamp request: %w", err)
	}
	switch tsr.HashAlgorithm {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return nil, fmt.Errorf("unsupported hash algorithm %v", tsr.HashAlgorithm)
	}
	if len(tsr.HashedMessage) != tsr.HashAlgorithm.Size() {
		return nil, fmt.Errorf("message imprint has %d bytes, want %d", len(tsr.HashedMessage), tsr.HashAlgorithm.Size())
	}
	id, err := p.Identity(IdentityTSA)
	if err != nil {
		return nil, err
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     tsr.HashAlgorithm,
		HashedMessage:     tsr.HashedMessage,
		Time:              now.UTC(),
		Accuracy:          time.Second,
		Nonce:             tsr.Nonce,
		Policy:            DevTSAPolicy,
		AddTSACertificate: tsr.Certificates,
	}
	if tsr.Certificates {
		ts.Certificates = p.Chain()
	}
	return ts.CreateResponseWithOpts(id.Certificate, id.Key, crypto.SHA256)
}

func (r *Responder) serveOCSP(w http.ResponseWriter, req *http.Request) {
	var body []byte
	var err error
	if req.Method == http.MethodGet {
		enc := req.PathValue("req")
		if s, uerr := url.PathUnescape(enc); uerr == nil {
			enc = s
		}
		body, err = base64.StdEncoding.DecodeString(enc)
	} else {
		body, err = io.ReadAll(io.LimitReader(req.Body, maxRequestBody))
	}
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	resp, err := r.PKI.OCSPResponse(body, r.now())
	if err != nil {
		r.log().Warn("ocsp: cannot answer", "err", err)
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

// OCSPResponse answers a DER OCSP request about a certificate of this PKI.
// Certificates of the issuing CA are answered by the delegated ocsp
// identity, the issuing CA itself by the root. A serial the CA never issued
// is "unknown"; a request about another CA is refused with "unauthorized".
func (p *DevPKI) OCSPResponse(reqDER []byte, now time.Time) ([]byte, error) {
	oreq, err := parseOCSPRequest(reqDER)
	if err != nil {
		return nil, err
	}
	var issuer string
	for _, ca := range []*Identity{p.Intermediate, p.Root} {
		if bytes.Equal(oreq.certID.IssuerKeyHash, keyHash(ca.Certificate, oreq.hash)) {
			issuer = ca.Name
			break
		}
	}
	if issuer == "" {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	now = now.UTC().Truncate(time.Second)
	st := ocspStatus{status: StatusUnknown, thisUpdate: now, nextUpdate: now.Add(24 * time.Hour)}
	serial := oreq.certID.SerialNumber.Text(16)
	if name, ok := p.issuedSerials()[serial]; ok && (issuer == "intermediate") == (name != "intermediate") {
		st.status = StatusGood
	}
	rs, err := p.Revocations()
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Issuer == issuer && r.Serial == serial && !r.At.After(now) {
			st.status, st.revokedAt, st.reason = StatusRevoked, r.At, r.Reason
		}
	}
	signer := p.issuerIdentity(issuer)
	delegated := issuer == "intermediate"
	if delegated {
		if signer, err = p.Identity(IdentityOCSP); err != nil {
			return nil, err
		}
	}
	return buildOCSPResponse(oreq, st, signer.Certificate, signer.Key, delegated, now)
}

func keyHash(cert *x509.Certificate, h crypto.Hash) []byte {
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	if !h.Available() {
		h = crypto.SHA1
	}
	if h == crypto.SHA1 {
		s := sha1.Sum(spki.PublicKey.RightAlign())
		return s[:]
	}
	hh := h.New()
	hh.Write(spki.PublicKey.RightAlign())
	return hh.Sum(nil)
}

func (r *Responder) serveCRL(w http.ResponseWriter, req *http.Request) {
	name := strings.TrimSuffix(req.PathValue("name"), ".crl")
	if name != "root" && name != "intermediate" {
		http.NotFound(w, req)
		return
	}
	crl, err := r.PKI.CRL(name, r.now())
	if err != nil {
		r.log().Error("crl: cannot issue", "ca", name, "err", err)
		http.Error(w, "cannot issue CRL", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(crl)
}

func (r *Responder) serveCA(w http.ResponseWriter, req *http.Request) {
	var c *x509.Certificate
	switch strings.TrimSuffix(req.PathValue("name"), ".crt") {
	case "root":
		c = r.PKI.Root.Certificate
	case "intermediate":
		c = r.PKI.Intermediate.Certificate
	default:
		http.NotFound(w, req)
		return
	}
	if strings.HasSuffix(req.PathValue("name"), ".pem") {
		w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Write(c.Raw)
}
