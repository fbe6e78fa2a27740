package main

import (
	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
)

// migrations are the schema migrations of the packages that keep rows of
// their own, applied after storage's own (see storage.Migration for the
// version ranges). Every command opens the store with all of them.
func migrations() []storage.Migration {
	var all []storage.Migration
	all = append(all, dossier.Migrations()...)     // 100–199
	all = append(all, api.Migrations()...)         // 200–299
	all = append(all, wire.ArchiveMigrations()...) // 300–399: imported packages
	return all
}
