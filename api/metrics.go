package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	signing     *prometheus.HistogramVec
	verifying   prometheus.Histogram
	rateLimited *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "kyso", Name: "http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
		[]string{"method", "route", "status"})
	m.signing = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "kyso", Name: "sign_duration_seconds",
		Help: "Time to sign a document.", Buckets: prometheus.DefBuckets}, []string{"flow"})
	m.verifying = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "kyso", Name: "verify_duration_seconds",
		Help: "Time to validate a document.", Buckets: prometheus.DefBuckets})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kyso", Name: "rate_limited_total",
		Help: "Requests refused by a rate limit."}, []string{"limit"})
	m.reg.MustRegister(m.requests, m.signing, m.verifying, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// gauge registers a gauge computed at scrape time (queue sizes).
func (m *metrics) gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "kyso", Name: name, Help: help}, f))
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }
