package storage

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres connects a pgx pool to the PostgreSQL database at url
// (postgres://user@host:port/db?sslmode=…; a search_path parameter selects a
// schema). It does not migrate; see [Meta.Migrate].
func OpenPostgres(ctx context.Context, url string, logger *slog.Logger) (Meta, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &StoreError{Store: "postgres", Op: "open", Err: fmt.Errorf("malformed KYSO_DATABASE_URL: %w", err)}
	}
	cc := cfg.ConnConfig
	name := fmt.Sprintf("postgres %s:%d/%s", cc.Host, cc.Port, cc.Database)
	if sp := cc.RuntimeParams["search_path"]; sp != "" {
		name += " (schema " + sp + ")"
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &StoreError{Store: name, Op: "open", Err: unavailable(err)}
	}
	db := stdlib.OpenDBFromPool(pool)
	m := &sqlMeta{backend: "postgres", name: name, writer: db, reader: db, logger: logger}
	m.closers = []func() error{db.Close, func() error { pool.Close(); return nil }}
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&m.lockNS); err != nil {
		m.Close()
		return nil, &StoreError{Store: name, Op: "open", Err: unavailable(err)}
	}
	return m, nil
}
