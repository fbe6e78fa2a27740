// Package signagent is the local signing agent behind `kyso sign-agent`: a
// small HTTP server on the loopback interface of a staff member's machine
// that signs digests with a key that never leaves their USB token
// (PKCS#11), for the two-phase signing flow of kyso's staff console.
//
// # Protocol
//
// The console's script, served from an allowed origin, calls:
//
//	GET  /certificate   → {"certificate": base64 DER, "chain": [base64 DER…], "subject": "…", "not_after": RFC 3339}
//	POST /sign          {"items": [{"to_be_signed": base64, "hash": "SHA-256", "pss": false}, …]}
//	                    → {"signatures": [base64, …]}   (one per item, in order)
//	POST /sign          {"digest": base64, "algorithm": "RSA-SHA256" | "RSA-PSS-SHA256" | "ECDSA-SHA256" | …}
//	                    → {"signature": base64}
//	GET  /healthz       → {"ok": true}
//
// to_be_signed is the digest the server's prepare step returned (for
// PAdES, the hash of the CMS signed attributes); the agent signs it as a
// pre-hashed value: RSA PKCS#1 v1.5 (DigestInfo added by the token
// library) or PSS with a salt the length of the hash, ECDSA as an ASN.1
// DER signature. A batch of up to MaxBatch digests is one request: the PIN
// was entered once, when the agent started.
//
// # Who may call
//
// Browsers send Origin on these requests. A request with an Origin not in
// AllowOrigins is refused with 403 before anything is signed (CORS alone
// would not stop a simple cross-site POST); allowed origins get the CORS
// headers, and preflights are answered for them only (with
// Access-Control-Allow-Private-Network). POST bodies must be
// application/json, which makes every cross-origin call preflighted. The
// Host header must name a loopback address (no DNS rebinding). Requests
// without Origin come from local programs, not web pages, and are served.
// Errors are {"error": "…"} with a 4xx or 5xx status. Nothing secret is
// logged: the log says how many digests were signed for which origin.
package signagent

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MaxBatch bounds the digests of one request.
const MaxBatch = 100

// Agent signs digests with one key.
type Agent struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
	// AllowOrigins are the console origins (scheme://host[:port]) whose
	// pages may call the agent.
	AllowOrigins []string
	Logger       *slog.Logger
}

// Errors of a signing request; test with errors.Is.
var (
	ErrBadRequest  = errors.New("bad signing request")
	ErrOrigin      = errors.New("origin not allowed")
	ErrUnsupported = errors.New("unsupported algorithm")
)

// Item is one digest to sign.
type Item struct {
	ToBeSigned string `json:"to_be_signed"` // base64
	Hash       string `json:"hash"`         // SHA-256 (default), SHA-384, SHA-512
	PSS        bool   `json:"pss,omitempty"`
}

// SignRequest is the body of POST /sign: a batch of items, or one digest
// with an algorithm name.
type SignRequest struct {
	Items     []Item `json:"items,omitempty"`
	Digest    string `json:"digest,omitempty"`
	Algorithm string `json:"algorithm,omitempty"`
}

// SignResponse answers POST /sign.
type SignResponse struct {
	Signatures []string `json:"signatures,omitempty"`
	Signature  string   `json:"signature,omitempty"`
}

// CertificateResponse answers GET /certificate.
type CertificateResponse struct {
	Certificate string    `json:"certificate"`
	Chain       []string  `json:"chain"`
	Subject     string    `json:"subject"`
	NotAfter    time.Time `json:"not_after"`
}

// Handler is the agent's HTTP handler.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /certificate", a.certificate)
	mux.HandleFunc("POST /sign", a.sign)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) })
	return a.guard(mux)
}

func (a *Agent) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// allowed reports whether origin may call the agent.
func (a *Agent) allowed(origin string) bool {
	origin = strings.TrimRight(strings.ToLower(origin), "/")
	return slices.ContainsFunc(a.AllowOrigins, func(o string) bool { return strings.TrimRight(strings.ToLower(o), "/") == origin })
}

// loopbackHost reports whether a Host header names a loopback address.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// guard applies the origin, host and CORS rules.
func (a *Agent) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, fmt.Errorf("%w: the agent answers only on a loopback address, not %q", ErrOrigin, r.Host))
			return
		}
		origin := r.Header.Get("Origin")
		if origin != "" {
			if !a.allowed(origin) {
				a.logger().Warn("refused a request from an origin not allowed", "origin", origin, "path", r.URL.Path)
				writeError(w, http.StatusForbidden, fmt.Errorf("%w: %s (start the agent with --allow-origin %s to allow it)", ErrOrigin, origin, origin))
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			if origin == "" {
				writeError(w, http.StatusBadRequest, fmt.Errorf("%w: a preflight without Origin", ErrBadRequest))
				return
			}
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Agent) certificate(w http.ResponseWriter, r *http.Request) {
	out := CertificateResponse{Certificate: b64(a.Certificate.Raw), Chain: []string{}, Subject: a.Certificate.Subject.CommonName, NotAfter: a.Certificate.NotAfter}
	for _, c := range a.Chain {
		out.Chain = append(out.Chain, b64(c.Raw))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Agent) sign(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, fmt.Errorf("%w: Content-Type must be application/json", ErrBadRequest))
		return
	}
	var req SignRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	single := req.Digest != ""
	if single {
		item, err := itemOf(req.Digest, req.Algorithm)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		req.Items = []Item{item}
	}
	sigs, err := a.SignItems(req.Items)
	if err != nil {
		status := http.StatusBadRequest
		if !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrUnsupported) {
			status = http.StatusBadGateway // the token refused or failed
		}
		writeError(w, status, err)
		return
	}
	a.logger().Info("signed", "digests", len(sigs), "origin", r.Header.Get("Origin"), "signer", a.Certificate.Subject.CommonName)
	if single {
		writeJSON(w, http.StatusOK, SignResponse{Signature: sigs[0]})
		return
	}
	writeJSON(w, http.StatusOK, SignResponse{Signatures: sigs})
}

// itemOf reads the single-digest form's algorithm name: KEY-[PSS-]HASH,
// e.g. RSA-SHA256, RSA-PSS-SHA256, ECDSA-SHA384.
func itemOf(digest, alg string) (Item, error) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(alg)), "-")
	if len(parts) < 2 || len(parts) > 3 {
		return Item{}, fmt.Errorf("%w: algorithm %q (want e.g. RSA-SHA256, RSA-PSS-SHA256, ECDSA-SHA256)", ErrUnsupported, alg)
	}
	it := Item{ToBeSigned: digest, Hash: strings.Replace(parts[len(parts)-1], "SHA", "SHA-", 1)}
	if len(parts) == 3 {
		if parts[1] != "PSS" {
			return Item{}, fmt.Errorf("%w: algorithm %q", ErrUnsupported, alg)
		}
		it.PSS = true
	}
	if parts[0] != "RSA" && parts[0] != "ECDSA" || parts[0] == "ECDSA" && it.PSS {
		return Item{}, fmt.Errorf("%w: algorithm %q", ErrUnsupported, alg)
	}
	return it, nil
}

var hashes = map[string]crypto.Hash{"SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512}

// SignItems signs every item, or none: every item is checked before the
// first is signed.
func (a *Agent) SignItems(items []Item) ([]string, error) {
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, fmt.Errorf("%w: 1–%d items per request, not %d", ErrBadRequest, MaxBatch, len(items))
	}
	type job struct {
		digest []byte
		opts   crypto.SignerOpts
	}
	jobs := make([]job, len(items))
	for i, it := range items {
		name := it.Hash
		if name == "" {
			name = "SHA-256"
		}
		h, ok := hashes[strings.ToUpper(name)]
		if !ok {
			return nil, fmt.Errorf("%w: item %d: hash %q (want SHA-256, SHA-384 or SHA-512)", ErrUnsupported, i+1, it.Hash)
		}
		d, err := base64.StdEncoding.DecodeString(it.ToBeSigned)
		if err != nil {
			return nil, fmt.Errorf("%w: item %d: to_be_signed is not base64", ErrBadRequest, i+1)
		}
		if len(d) != h.Size() {
			return nil, fmt.Errorf("%w: item %d: a %s digest has %d bytes, not %d", ErrBadRequest, i+1, name, h.Size(), len(d))
		}
		var opts crypto.SignerOpts = h
		switch a.Signer.Public().(type) {
		case *rsa.PublicKey:
			if it.PSS {
				opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
			}
		case *ecdsa.PublicKey:
			if it.PSS {
				return nil, fmt.Errorf("%w: item %d: PSS with an ECDSA key", ErrUnsupported, i+1)
			}
		default:
			return nil, fmt.Errorf("%w: key type %T", ErrUnsupported, a.Signer.Public())
		}
		jobs[i] = job{d, opts}
	}
	out := make([]string, len(jobs))
	for i, j := range jobs {
		sig, err := a.Signer.Sign(rand.Reader, j.digest, j.opts)
		if err != nil {
			return nil, fmt.Errorf("token: signing item %d: %w", i+1, err)
		}
		out[i] = b64(sig)
	}
	return out, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
