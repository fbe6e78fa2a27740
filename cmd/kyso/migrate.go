package main

import (
	"context"
	"fmt"

	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/storage"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("migrate", "migrate [--json]\n\nApplies the pending schema migrations to the configured database\n(SQLite in the data directory, or KYSO_DATABASE_URL). Safe to run twice\nand from several processes at once.", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	s, err := openStore(ctx, e, cfg, false)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Meta.Migrate(ctx, migrations()...)
	if err != nil {
		return withCode(exitFailed, err)
	}
	v, err := s.Meta.SchemaVersion(ctx)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *asJSON {
		if applied == nil {
			applied = []int{}
		}
		return writeJSON(e.stdout, map[string]any{"database": s.Meta.Name(), "applied": applied, "version": v})
	}
	names := map[int]string{}
	for _, m := range append(storage.Migrations(), migrations()...) {
		names[m.Version] = m.Name
	}
	for _, a := range applied {
		fmt.Fprintf(e.stdout, "applied %d: %s\n", a, names[a])
	}
	fmt.Fprintf(e.stdout, "%s is at schema version %d\n", s.Meta.Name(), v)
	return nil
}
