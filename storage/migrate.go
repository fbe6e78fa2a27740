package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A Migration is one versioned change of the schema, written for each
// backend. Migrations are applied in order, each in its own transaction,
// and recorded in the table schema_migrations.
//
// storage owns the mechanism and its own tables (versions 1–99). A package
// that keeps rows of its own owns their schema and hands its migrations to
// [Config].Migrations (and [Meta.Migrate]) in its own range of versions:
// dossier 100–199, api 200–299, archive 300–399.
type Migration struct {
	Version  int
	Name     string
	SQLite   string
	Postgres string
}

// Migrations returns the schema's migrations in order. The schema only
// grows: a released migration is never edited.
func Migrations() []Migration {
	id := map[string]string{
		"sqlite":   "INTEGER PRIMARY KEY AUTOINCREMENT",
		"postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	}
	initial := func(b string) string {
		return `
CREATE TABLE objects (
	sha256     TEXT PRIMARY KEY,
	size       BIGINT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE documents (
	id         ` + id[b] + `,
	sha256     TEXT NOT NULL REFERENCES objects (sha256),
	size       BIGINT NOT NULL,
	media_type TEXT NOT NULL,
	name       TEXT NOT NULL,
	source     TEXT NOT NULL,
	dossier    TEXT NOT NULL,
	uploader   TEXT NOT NULL,
	parent_id  BIGINT REFERENCES documents (id),
	created_at TEXT NOT NULL
);
CREATE INDEX documents_sha256 ON documents (sha256);
CREATE INDEX documents_dossier ON documents (dossier);
CREATE TABLE reports (
	id             ` + id[b] + `,
	kind           TEXT NOT NULL,
	subject_sha256 TEXT NOT NULL,
	object_sha256  TEXT REFERENCES objects (sha256),
	body           TEXT NOT NULL,
	created_at     TEXT NOT NULL
);
CREATE INDEX reports_subject ON reports (subject_sha256, kind);
`
	}
	evidence := `
CREATE TABLE evidence_entries (
	seq        BIGINT PRIMARY KEY,
	body       TEXT NOT NULL,
	leaf_hash  TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE log_checkpoints (
	size       BIGINT PRIMARY KEY,
	note       TEXT NOT NULL,
	created_at TEXT NOT NULL
);
`
	return []Migration{
		{1, "documents, reports and object references", initial("sqlite"), initial("postgres")},
		{2, "evidence log entries and checkpoints", evidence, evidence},
	}
}

// orderMigrations returns storage's migrations and extra in version order,
// refusing a version given twice.
func orderMigrations(extra []Migration) ([]Migration, error) {
	all := append(Migrations(), extra...)
	slices.SortStableFunc(all, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := 1; i < len(all); i++ {
		if all[i].Version == all[i-1].Version {
			return nil, fmt.Errorf("%w: migration version %d given twice (%s, %s)", ErrSchema, all[i].Version, all[i-1].Name, all[i].Name)
		}
	}
	for _, mig := range all {
		if mig.Version <= 0 || mig.SQLite == "" || mig.Postgres == "" {
			return nil, fmt.Errorf("%w: migration %d (%s) needs a positive version and both dialects", ErrSchema, mig.Version, mig.Name)
		}
	}
	return all, nil
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

func (m *sqlMeta) Migrate(ctx context.Context, extra ...Migration) ([]int, error) {
	all, err := orderMigrations(extra)
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, mig := range all {
		body := mig.SQLite
		if m.backend == "postgres" {
			body = mig.Postgres
		}
		var did bool
		err := m.Update(ctx, func(ctx context.Context, tx *Tx) error {
			did = false
			if err := tx.Lock(ctx, "schema_migrations"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, migrationsTable); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE version = $1", mig.Version).Scan(&n); err != nil {
				return tx.wrap("migrate", err)
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range strings.Split(body, ";") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d (%s): %w", mig.Version, mig.Name, err)
				}
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				mig.Version, mig.Name, FormatTime(time.Now())); err != nil {
				return err
			}
			did = true
			return nil
		})
		if err != nil {
			return applied, err
		}
		if did {
			applied = append(applied, mig.Version)
			m.logger.Info("applied migration", "store", m.name, "version", mig.Version, "name", mig.Name)
		}
	}
	return applied, nil
}

func (m *sqlMeta) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := m.View(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	})
	if err != nil {
		if strings.Contains(err.Error(), "schema_migrations") || strings.Contains(err.Error(), "no such table") {
			return 0, nil
		}
		return 0, err
	}
	return int(v.Int64), nil
}

// TimeLayout is how times are stored: UTC, fixed width, so that text order
// is time order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime formats t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime parses a stored time.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeLayout, s) }

var errNoRows = sql.ErrNoRows

func notFound(err error) bool { return errors.Is(err, errNoRows) }
