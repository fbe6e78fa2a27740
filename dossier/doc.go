// Package dossier is kyso's domain: the life of a citizen's dossier (hồ sơ)
// at a provincial one-stop centre, and the legal validity of every document
// in it.
//
// It owns the dossier lifecycle and its rules, the dossier code (TT 01/2018
// Điều 19), the provenance engine that decides each document version's legal
// validity from its source (QĐ 03/2020 Điều 8–9; shared/DOMAIN.md), staff,
// units, roles and digitization assignment decisions, supplements, extensions
// and apology letters, the processing clock, monthly reports, and the
// province profiles and national rule versions as data (profiles/*.json,
// rules.json).
//
// Every state change and every assessment is one evidence-log entry appended
// in the same database transaction as the rows it describes.
package dossier
