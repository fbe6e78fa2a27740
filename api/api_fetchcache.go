package api

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// RevocationClient returns an HTTP client for the verifier's and the
// signer's revocation fetches that keeps successful answers for ttl: CRLs
// and CA certificates (GET) and OCSP responses (POST of an OCSP request,
// keyed by its bytes, as RFC 5019 intends them to be cached). Concurrent
// fetches of the same thing are made once. A CRL is valid for days and an
// OCSP response for hours, so a minute or five of reuse changes nothing
// about what is proven, and spares the responders (and the development
// responder's RSA signatures) one fetch per certificate per validation.
// At most maxEntries answers are kept.
func RevocationClient(base *http.Client, ttl time.Duration) *http.Client {
	if base == nil {
		base = &http.Client{Timeout: 10 * time.Second}
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := *base
	c.Transport = &fetchCache{next: rt, ttl: ttl, entries: map[string]cached{}}
	return &c
}

const maxEntries = 4096

type fetchCache struct {
	next    http.RoundTripper
	ttl     time.Duration
	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

func (f *fetchCache) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	switch {
	case req.Method == http.MethodGet:
	case req.Method == http.MethodPost && req.Header.Get("Content-Type") == "application/ocsp-request" && req.Body != nil:
		b, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	default:
		return f.next.RoundTrip(req)
	}
	sum := sha256.Sum256(reqBody)
	key := req.Method + " " + req.URL.String() + " " + string(sum[:])
	if c, ok := f.get(key); ok {
		return c.response(req), nil
	}
	v, err, _ := f.group.Do(key, func() (any, error) {
		r := req.Clone(req.Context())
		if reqBody != nil {
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		resp, err := f.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if err != nil {
			return nil, err
		}
		c := cached{status: resp.StatusCode, header: resp.Header.Clone(), body: body, expires: time.Now().Add(f.ttl)}
		if resp.StatusCode == http.StatusOK {
			f.put(key, c)
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(cached).response(req), nil
}

func (f *fetchCache) get(key string) (cached, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.entries[key]
	if ok && time.Now().After(c.expires) {
		delete(f.entries, key)
		ok = false
	}
	return c, ok
}

func (f *fetchCache) put(key string, c cached) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.entries) >= maxEntries {
		now := time.Now()
		for k, e := range f.entries {
			if now.After(e.expires) {
				delete(f.entries, k)
			}
		}
		if len(f.entries) >= maxEntries {
			clear(f.entries)
		}
	}
	f.entries[key] = c
}

func (c cached) response(req *http.Request) *http.Response {
	return &http.Response{StatusCode: c.status, Status: http.StatusText(c.status), Header: c.header.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: req}
}
