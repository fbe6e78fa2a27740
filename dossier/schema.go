package dossier

import "github.com/kyso-vn/kyso/storage"

// Migrations returns the schema of the dossier tables (versions 100–199),
// for storage.Config.Migrations. Every table is append-only: a change is
// a new row (a role revoked is a revoke row, a state change an event row).
func Migrations() []storage.Migration {
	id := map[string]string{
		"sqlite":   "INTEGER PRIMARY KEY AUTOINCREMENT",
		"postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	}
	v100 := func(b string) string {
		return `
CREATE TABLE dossier_units (
	code       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	level      TEXT NOT NULL,
	kind       TEXT NOT NULL,
	parent     TEXT NOT NULL,
	profile    TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE dossier_staff (
	id               ` + id[b] + `,
	username         TEXT NOT NULL UNIQUE,
	full_name        TEXT NOT NULL,
	title            TEXT NOT NULL,
	unit             TEXT NOT NULL REFERENCES dossier_units (code),
	official_account TEXT NOT NULL,
	personal_id      TEXT NOT NULL,
	created_at       TEXT NOT NULL
);
CREATE TABLE dossier_roles (
	id         ` + id[b] + `,
	staff_id   BIGINT NOT NULL REFERENCES dossier_staff (id),
	role       TEXT NOT NULL,
	unit       TEXT NOT NULL REFERENCES dossier_units (code),
	op         TEXT NOT NULL,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL
);
CREATE INDEX dossier_roles_staff ON dossier_roles (staff_id);
CREATE TABLE dossier_assignments (
	id          ` + id[b] + `,
	number      TEXT NOT NULL,
	signed_on   TEXT NOT NULL,
	signed_by   TEXT NOT NULL,
	unit        TEXT NOT NULL REFERENCES dossier_units (code),
	valid_from  TEXT NOT NULL,
	valid_to    TEXT NOT NULL,
	document_id BIGINT REFERENCES documents (id),
	created_at  TEXT NOT NULL,
	created_by  TEXT NOT NULL
);
CREATE TABLE dossier_assignment_staff (
	assignment_id BIGINT NOT NULL REFERENCES dossier_assignments (id),
	staff_id      BIGINT NOT NULL REFERENCES dossier_staff (id),
	PRIMARY KEY (assignment_id, staff_id)
);
CREATE TABLE dossiers (
	id             ` + id[b] + `,
	code           TEXT NOT NULL UNIQUE,
	unit           TEXT NOT NULL REFERENCES dossier_units (code),
	day            TEXT NOT NULL,
	seq            INTEGER NOT NULL,
	profile        TEXT NOT NULL,
	rule_set       TEXT NOT NULL,
	procedure_code TEXT NOT NULL,
	level          INTEGER NOT NULL,
	channel        TEXT NOT NULL,
	applicant      TEXT NOT NULL,
	submitted_at   TEXT NOT NULL,
	created_by     TEXT NOT NULL,
	UNIQUE (unit, day, seq)
);
CREATE TABLE dossier_events (
	id         ` + id[b] + `,
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	seq        INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	actor      TEXT NOT NULL,
	role       TEXT NOT NULL,
	unit       TEXT NOT NULL,
	at         TEXT NOT NULL,
	reason     TEXT NOT NULL,
	data       TEXT NOT NULL,
	log_index  BIGINT NOT NULL,
	UNIQUE (dossier_id, seq)
);
CREATE INDEX dossier_events_state ON dossier_events (to_state, dossier_id);
CREATE TABLE dossier_documents (
	id          ` + id[b] + `,
	dossier_id  BIGINT NOT NULL REFERENCES dossiers (id),
	document_id BIGINT NOT NULL REFERENCES documents (id),
	lineage     BIGINT NOT NULL,
	version     INTEGER NOT NULL,
	role        TEXT NOT NULL,
	source      TEXT NOT NULL,
	component   TEXT NOT NULL,
	title       TEXT NOT NULL,
	facts       TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	UNIQUE (lineage, version)
);
CREATE INDEX dossier_documents_dossier ON dossier_documents (dossier_id);
CREATE INDEX dossier_documents_document ON dossier_documents (document_id);
CREATE TABLE dossier_verification_codes (
	code       TEXT PRIMARY KEY,
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	lineage    BIGINT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX dossier_verification_codes_lineage ON dossier_verification_codes (lineage);
`
	}
	v101 := `
CREATE TABLE dossier_log_entries (
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	seq        BIGINT NOT NULL,
	PRIMARY KEY (dossier_id, seq)
);
`
	// v102 indexes each document version's provenance assessments (reports
	// are keyed by the bytes' SHA-256, which identical uploads share), so
	// reading a version's current assessment does not scan them all. Rows
	// are appended: the newest row of a version is its current assessment.
	v102 := func(jsonVersion string) string {
		return `
CREATE TABLE dossier_assessments (
	version_id BIGINT NOT NULL REFERENCES dossier_documents (id),
	report_id  BIGINT NOT NULL REFERENCES reports (id),
	PRIMARY KEY (version_id, report_id)
);
INSERT INTO dossier_assessments (version_id, report_id)
	SELECT dd.id, r.id FROM reports r JOIN documents doc ON doc.sha256 = r.subject_sha256
	JOIN dossier_documents dd ON dd.document_id = doc.id
	WHERE r.kind = 'provenance' AND ` + jsonVersion + ` = dd.id;
`
	}
	return []storage.Migration{
		{Version: 102, Name: "dossier: each document version's provenance assessments",
			SQLite: v102("json_extract(r.body, '$.version')"), Postgres: v102("(r.body::jsonb ->> 'version')::bigint")},
		{Version: 101, Name: "dossier: the evidence-log entries of each dossier", SQLite: v101, Postgres: v101},
		{Version: 100, Name: "dossier: units, staff, roles, assignments, dossiers, events, documents, verification codes",
			SQLite: v100("sqlite"), Postgres: v100("postgres")},
	}
}
