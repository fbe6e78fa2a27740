package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// ErrTSA is returned when a time-stamp cannot be obtained; signing at B-T
// and above fails rather than silently falling back to B-B.
var ErrTSA = errors.New("time-stamp authority failed")

// TSA is an RFC 3161 time-stamp authority reached over HTTP.
type TSA struct {
	URL      string
	Client   *http.Client // a 30 s client when nil
	Username string       // optional HTTP basic authentication
	Password string
}

// TimeStamp returns the DER TimeStampToken for a digest made with h,
// checking the reply's status, imprint and nonce.
func (t *TSA) TimeStamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if t == nil || t.URL == "" {
		return nil, fmt.Errorf("%w: no TSA URL configured", ErrTSA)
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true, Nonce: nonce}
	der, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(der))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTSA, t.URL, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	if t.Username != "" {
		hreq.SetBasicAuth(t.Username, t.Password)
	}
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %s unreachable: %v", ErrTSA, t.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTSA, t.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered HTTP %s", ErrTSA, t.URL, resp.Status)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTSA, t.URL, err)
	}
	if !bytes.Equal(ts.HashedMessage, digest) || ts.HashAlgorithm != h {
		return nil, fmt.Errorf("%w: %s time-stamped another digest", ErrTSA, t.URL)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("%w: %s returned a wrong nonce", ErrTSA, t.URL)
	}
	return ts.RawToken, nil
}
