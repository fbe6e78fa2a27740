// Package browsertest drives kyso's staff console and public pages in a
// real headless Chromium (chromedp) against a real server: api.New over a
// seeded dossier engine on SQLite and the filesystem object store, with a
// served development PKI (TSA, OCSP, CRL on loopback). The tests walk the
// pages as a new user would — log in, receive a dossier at the desk,
// upload and sign a batch of scans, sign a result as the head and seal it,
// verify it as a citizen — and save screenshots.
//
// Chromium is /usr/bin/chromium (Debian's chromium, installed by
// scripts/provision); without it the tests skip, and fail under CI.
package browsertest
