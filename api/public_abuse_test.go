package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

// randomCode is what an attacker guessing codes sends: mostly codes of
// the right form (22 base64url characters), sometimes junk of any length.
func randomCode(malformed bool) string {
	if !malformed {
		return dossier.NewVerificationCode()
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(60))
	b := make([]byte, n.Int64()+1)
	rand.Read(b)
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")[:len(b)]
}

type timedResult struct {
	kind   string // known, unknown, malformed
	status int
	d      time.Duration
	body   string
	hdr    string
}

// TestVerificationCodeAbuse sends 10,000 random codes from a pool of
// goroutines, interleaved with requests for a known code: every random
// code must get the identical 404 page with the known page's headers,
// the latency distributions must agree within noise, and the per-IP
// rate limit must engage for one address.
func TestVerificationCodeAbuse(t *testing.T) {
	f := newPubFixture(t, fixtureOptions{cfg: func(c *Config) { c.TrustProxy = true }})
	known := f.issueResult("Giấy chứng nhận đăng ký hộ kinh doanh", 4)
	knownCodes := []string{known.vcode}

	const unknownN, knownN, workers = 10_000, 2_500, 8
	type job struct{ kind, code string }
	jobs := make([]job, 0, unknownN+knownN)
	for i := range unknownN {
		malformed := i%10 == 0
		kind := "unknown"
		if malformed {
			kind = "malformed"
		}
		jobs = append(jobs, job{kind, randomCode(malformed)})
	}
	for i := range knownN {
		jobs = append(jobs, job{"known", knownCodes[i%len(knownCodes)]})
	}
	mrand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	// Bodies are read into buffers large enough for any page, so that the
	// client's own allocations do not depend on the page's size.
	buffers := sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}
	do := func(path string, hdr ...string) (int, string, http.Header, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, f.http.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, "", nil, 0
		}
		buf := buffers.Get().(*bytes.Buffer)
		buf.Reset()
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		body := buf.String()
		buffers.Put(buf)
		return resp.StatusCode, body, resp.Header, d
	}
	// Warm the known page into the cache, and take the reference 404.
	do("/v/" + known.vcode)
	_, ref404, _, _ := do("/v/" + dossier.NewVerificationCode())
	_, _, knownHdr, _ := do("/v/" + known.vcode)
	refHeaders := headerNames(&http.Response{Header: knownHdr})

	results := make([]timedResult, len(jobs))
	ch := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range ch {
				st, body, hdr, d := do("/v/" + jobs[i].code)
				results[i] = timedResult{kind: jobs[i].kind, status: st, d: d, body: body, hdr: headerNames(&http.Response{Header: hdr})}
			}
		})
	}
	start := time.Now()
	for i := range jobs {
		ch <- i
	}
	close(ch)
	wg.Wait()
	elapsed := time.Since(start)

	lat := map[string][]time.Duration{}
	bad := 0
	for i, r := range results {
		lat[r.kind] = append(lat[r.kind], r.d)
		want := http.StatusNotFound
		if r.kind == "known" {
			want = http.StatusOK
		}
		switch {
		case r.status != want:
			t.Errorf("%s code %q: status %d, want %d", r.kind, jobs[i].code, r.status, want)
			bad++
		case r.kind != "known" && r.body != ref404:
			t.Errorf("%s code %q: the 404 page differs from the reference", r.kind, jobs[i].code)
			bad++
		case r.hdr != refHeaders:
			t.Errorf("%s code %q: headers %s, known page %s", r.kind, jobs[i].code, r.hdr, refHeaders)
			bad++
		}
		if bad > 10 {
			t.Fatal("too many failures")
		}
	}
	q := func(kind string, p float64) time.Duration {
		s := lat[kind]
		slices.Sort(s)
		return s[int(p*float64(len(s)-1))]
	}
	for _, k := range []string{"known", "unknown", "malformed"} {
		t.Logf("%-9s n=%5d  p10 %8s  p50 %8s  p90 %8s  p99 %8s", k, len(lat[k]), q(k, .10), q(k, .50), q(k, .90), q(k, .99))
	}
	t.Logf("%d requests in %s (%.0f req/s, %d workers)", len(jobs), elapsed.Round(time.Millisecond), float64(len(jobs))/elapsed.Seconds(), workers)
	// And a rank test over the whole distributions: |z| ≥ 5 happens by
	// chance less than once in a million runs when the two do not differ.
	for _, k := range []string{"known", "malformed"} {
		z := mannWhitneyZ(lat[k], lat["unknown"])
		t.Logf("Mann-Whitney z, %s vs unknown: %.2f", k, z)
		if math.Abs(z) >= 5 {
			t.Errorf("latencies of %s codes differ from unknown ones (Mann-Whitney z = %.2f)", k, z)
		}
	}
	// Medians within noise: a tenth of the unknown median plus 100 µs
	// (the scheduler's granularity under -race on 2 cores). A code that
	// exists would show as a shift of the whole distribution, not only the
	// median, so the deciles are compared too, with twice the margin.
	tol := func(ref time.Duration, m float64) time.Duration {
		return time.Duration(m * (0.10*float64(ref) + float64(100*time.Microsecond)))
	}
	for _, k := range []string{"known", "malformed"} {
		for _, c := range []struct {
			p float64
			m float64
		}{{.5, 1}, {.1, 2}, {.9, 2}} {
			a, b := q(k, c.p), q("unknown", c.p)
			if d := a - b; d > tol(b, c.m) || -d > tol(b, c.m) {
				t.Errorf("p%.0f latency of %s codes %s vs unknown %s: differs by more than %s", c.p*100, k, a, b, tol(b, c.m))
			}
		}
	}

	t.Run("rate limit engages per address", func(t *testing.T) {
		ip := "198.51.100.7"
		var refused, allowed int
		var retry string
		began := time.Now()
		for i := range 300 {
			st, body, hdr, _ := do("/v/"+dossier.NewVerificationCode(), "X-Forwarded-For", ip)
			switch st {
			case http.StatusNotFound:
				allowed++
			case http.StatusTooManyRequests:
				refused++
				retry = hdr.Get("Retry-After")
				if !strings.Contains(body, "Quá nhiều yêu cầu") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
					t.Fatalf("request %d: 429 page %s\n%s", i, hdr.Get("Content-Type"), body)
				}
			default:
				t.Fatalf("request %d: status %d", i, st)
			}
		}
		if n, err := strconv.Atoi(retry); refused == 0 || err != nil || n < 1 {
			t.Fatalf("%d allowed, %d refused, Retry-After %q", allowed, refused, retry)
		}
		// The burst of 100, plus 50/s refilled while the requests ran.
		if most := 100 + int(50*time.Since(began).Seconds()) + 1; allowed < 100 || allowed > most {
			t.Errorf("%d of 300 allowed; want the burst of 100 and at most %d", allowed, most)
		}
		// A JSON client gets problem+json (the bucket refills 50/s: the
		// first request may still pass).
		var st int
		var body string
		var hdr http.Header
		for range 10 {
			if st, body, hdr, _ = do("/v/"+known.vcode, "X-Forwarded-For", ip, "Accept", "application/json"); st == http.StatusTooManyRequests {
				break
			}
		}
		if st != http.StatusTooManyRequests || hdr.Get("Content-Type") != "application/problem+json" || hdr.Get("Retry-After") == "" ||
			!strings.Contains(body, `"status":429`) {
			t.Fatalf("JSON client: %d %s %s", st, hdr.Get("Content-Type"), body)
		}
		// Another address is not affected; uploads have their own, smaller bucket.
		if st, _, _, _ := do("/v/"+known.vcode, "X-Forwarded-For", "198.51.100.8"); st != http.StatusOK {
			t.Fatalf("another address: %d", st)
		}
		t.Logf("one address: %d allowed, %d refused with Retry-After %s", allowed, refused, retry)

		// Uploads: a bucket of 5, then 0.5/s. (The body is not a valid form:
		// the requests the limit lets through are answered 400.)
		var codes []int
		for range 8 {
			req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/verify", strings.NewReader("x"))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			req.Header.Set("X-Forwarded-For", "198.51.100.9")
			resp, err := client.Do(req)
			f.must(err)
			resp.Body.Close()
			codes = append(codes, resp.StatusCode)
		}
		if fmt.Sprint(codes[:5]) != "[400 400 400 400 400]" || codes[6] != http.StatusTooManyRequests || codes[7] != http.StatusTooManyRequests {
			t.Errorf("uploads from one address: %v; want 5 through the limit, then 429", codes)
		}
	})
}

// mannWhitneyZ is the normal approximation of the Mann-Whitney U
// statistic of a against b (ties get their mean rank): about 0 when
// neither sample tends to be larger, beyond ±3 rarely by chance.
func mannWhitneyZ(a, b []time.Duration) float64 {
	type obs struct {
		d    time.Duration
		inA  bool
		rank float64
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, d := range a {
		all = append(all, obs{d: d, inA: true})
	}
	for _, d := range b {
		all = append(all, obs{d: d})
	}
	slices.SortFunc(all, func(x, y obs) int { return int(x.d - y.d) })
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].d == all[i].d {
			j++
		}
		for k := i; k < j; k++ {
			all[k].rank = float64(i+j+1) / 2
		}
		i = j
	}
	var ra float64
	for _, o := range all {
		if o.inA {
			ra += o.rank
		}
	}
	na, nb := float64(len(a)), float64(len(b))
	u := ra - na*(na+1)/2
	mean, sd := na*nb/2, math.Sqrt(na*nb*(na+nb+1)/12)
	return (u - mean) / sd
}
