package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRevocationClientCaches(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(b))
	}))
	defer srv.Close()
	c := RevocationClient(nil, 200*time.Millisecond)
	get := func(path string) string {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	post := func(ctype, body string) string {
		resp, err := c.Post(srv.URL+"/ocsp", ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var wg sync.WaitGroup
	for range 10 { // concurrent fetches of one CRL: one request
		wg.Go(func() {
			if got := get("/crl/root.crl"); got != "GET /crl/root.crl " {
				t.Errorf("got %q", got)
			}
		})
	}
	wg.Wait()
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d requests for 10 concurrent fetches of one CRL", n)
	}
	if post("application/ocsp-request", "A") != "POST /ocsp A" || post("application/ocsp-request", "B") != "POST /ocsp B" || post("application/ocsp-request", "A") != "POST /ocsp A" {
		t.Fatal("OCSP answers mixed up")
	}
	if n := hits.Load(); n != 3 {
		t.Fatalf("%d requests; want 3 (one CRL, OCSP for A and for B)", n)
	}
	post("text/plain", "x")
	post("text/plain", "x")
	get("/missing")
	get("/missing")
	if n := hits.Load(); n != 7 {
		t.Fatalf("%d requests; other POSTs and failures must not be cached", n)
	}
	time.Sleep(250 * time.Millisecond)
	get("/crl/root.crl")
	if n := hits.Load(); n != 8 {
		t.Fatalf("an expired answer was reused (%d requests)", n)
	}
}
