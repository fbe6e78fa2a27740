package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kyso-vn/kyso/storage"
)

// queues reports, at scrape time, the work waiting in the service: the
// dossiers in each state (the intake queue is submitted + received, the
// heads' and seal keepers' is processing, the return desk's
// ready_for_return) and the two-phase signing sessions prepared but not
// completed nor expired. A scrape that cannot reach the database within
// two seconds reports nothing (and kyso_queue_scrape_ok 0).
type queues struct {
	store   *storage.Store
	now     func() time.Time
	byState *prometheus.Desc
	signing *prometheus.Desc
	ok      *prometheus.Desc
}

func newQueues(store *storage.Store, now func() time.Time) *queues {
	return &queues{store: store, now: now,
		byState: prometheus.NewDesc("kyso_dossiers", "Dossiers by current state.", []string{"state"}, nil),
		signing: prometheus.NewDesc("kyso_signing_sessions_open", "Two-phase signing sessions prepared, not completed, not expired.", nil, nil),
		ok:      prometheus.NewDesc("kyso_queue_scrape_ok", "1 when the queue sizes could be read.", nil, nil)}
}

func (q *queues) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.byState
	ch <- q.signing
	ch <- q.ok
}

func (q *queues) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]float64{}
	var open float64
	err := q.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		// The state of a dossier is the to_state of its newest event.
		rows, err := tx.Query(ctx, `SELECT e.to_state, count(*) FROM dossier_events e
			JOIN (SELECT dossier_id, max(seq) AS seq FROM dossier_events GROUP BY dossier_id) l ON l.dossier_id = e.dossier_id AND l.seq = e.seq
			GROUP BY e.to_state`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			counts[st] = float64(n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var n int64
		err = tx.QueryRow(ctx, `SELECT count(*) FROM api_signing_sessions s WHERE s.expires_at > $1
			AND NOT EXISTS (SELECT 1 FROM api_signing_completions c WHERE c.id_sha256 = s.id_sha256)`, storage.FormatTime(q.now())).Scan(&n)
		open = float64(n)
		return err
	})
	if err != nil {
		ch <- prometheus.MustNewConstMetric(q.ok, prometheus.GaugeValue, 0)
		return
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(q.byState, prometheus.GaugeValue, n, st)
	}
	ch <- prometheus.MustNewConstMetric(q.signing, prometheus.GaugeValue, open)
	ch <- prometheus.MustNewConstMetric(q.ok, prometheus.GaugeValue, 1)
}
