package archive

import (
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"
)

// Files of one dossier, relative to data/<code>/ (LAYOUT.md).
const (
	fileDossier      = "dossier.json"
	fileMetadata     = "metadata.json"
	fileHistory      = "history.json"
	fileDigitization = "digitization.json"
	fileProvenance   = "provenance.json"
	fileStored       = "validation/stored-reports.json"
	fileExportReport = "validation/export-report.json"
	fileReportPDF    = "validation/bao-cao-kiem-tra.pdf"
	fileCheckpoint   = "evidence/checkpoint.txt"
	fileLogKey       = "evidence/log-key.txt"
	fileEntries      = "evidence/entries.json"
	fileCerts        = "validation-data/certificates.pem"
	fileAnchors      = "validation-data/anchors.pem"
	dirOCSP          = "validation-data/ocsp/"
	dirCRL           = "validation-data/crl/"
	dirDocuments     = "documents/"
)

// checkCode refuses dossier codes that cannot be a directory name.
func checkCode(code string) error {
	if code == "" || len(code) > 128 || code == "." || code == ".." {
		return fmt.Errorf("%w: dossier code %q cannot name a directory", ErrBadSource, code)
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("%w: dossier code %q: character %q not allowed (A-Z, a-z, 0-9, . - _)", ErrBadSource, code, r)
		}
	}
	return nil
}

// safeName keeps ASCII letters, digits, dot, dash and underscore of a file
// name (Vietnamese letters lose their marks; the full name stays in
// dossier.json).
func safeName(s string) string {
	var b strings.Builder
	for _, r := range foldVietnamese(s) {
		switch {
		case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), "._")
	if out == "" {
		out = "file"
	}
	return out
}

// foldVietnamese removes Vietnamese diacritics (đ → d).
func foldVietnamese(s string) string {
	const from = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
	const to = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydAAAAAAAAAAAAAAAAAEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYYD"
	fr, tr := []rune(from), []rune(to)
	m := make(map[rune]rune, len(fr))
	for i, r := range fr {
		m[r] = tr[i]
	}
	return strings.Map(func(r rune) rune {
		if x, ok := m[r]; ok {
			return x
		}
		return r
	}, s)
}

// versionPath is where a version's bytes sit in the bag.
func versionPath(code string, di int, doc *Document, vi int, v *Version) string {
	name := safeName(v.Name)
	if path.Ext(name) == "" {
		if exts, _ := mime.ExtensionsByType(v.MediaType); len(exts) > 0 {
			name += exts[0]
		} else if v.MediaType == "application/pdf" {
			name += ".pdf"
		}
	}
	return fmt.Sprintf("data/%s/%s%02d-%s/%02d-%s-%s", code, dirDocuments, di+1, safeName(doc.ID), vi+1, v.Kind, name)
}

// Metadata is metadata.json: the file-level archive metadata of Thông tư
// 05/2025/TT-BNV (and 13/2023 for TTHC dossiers). METADATA.md maps each
// field to the regulation's name.
type Metadata struct {
	Schema            string   `json:"schema"`
	FileCode          string   `json:"file_code"`
	Title             string   `json:"title"`
	RetentionPeriod   string   `json:"retention_period"`
	AccessLevel       string   `json:"access_level"`
	Language          string   `json:"language"`
	StartDate         string   `json:"start_date"`
	EndDate           string   `json:"end_date"`
	Keywords          []string `json:"keywords"`
	DocumentCount     int      `json:"document_count"`
	PageCount         int      `json:"page_count"`
	SheetCount        int      `json:"sheet_count,omitempty"`
	PhysicalState     string   `json:"physical_state,omitempty"`
	InformationSymbol string   `json:"information_symbol,omitempty"`
	Reliability       string   `json:"reliability"`
	OriginalPaperCode string   `json:"original_paper_code,omitempty"`
	BackupMode        string   `json:"backup_mode,omitempty"`
	BackupStatus      string   `json:"backup_status,omitempty"`
	Agency            struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"agency"`
	Procedure     string `json:"procedure"`
	ProcedureCode string `json:"procedure_code,omitempty"`
	Format        string `json:"format"`
}

// MetadataSchema names the version of metadata.json.
const MetadataSchema = "kyso-archive-metadata/1"

var vnZone = time.FixedZone("ICT", 7*3600)

func metadataOf(d *Dossier, pages int) Metadata {
	m := Metadata{Schema: MetadataSchema, FileCode: d.Code, Title: d.Title, RetentionPeriod: d.Retention,
		AccessLevel: d.AccessLevel, Language: d.Language, Keywords: d.Keywords, DocumentCount: len(d.Documents),
		PageCount: pages, SheetCount: d.Archive.SheetCount, PhysicalState: d.Archive.PhysicalState,
		InformationSymbol: d.Archive.InformationSymbol, Reliability: d.Archive.Reliability,
		OriginalPaperCode: d.Archive.OriginalPaperCode, BackupMode: d.Archive.BackupMode, BackupStatus: d.Archive.BackupStatus,
		Procedure: d.Procedure, ProcedureCode: d.ProcedureCode, Format: "BagIt 1.0 (RFC 8493); PDF, PAdES B-LTA"}
	if m.Keywords == nil {
		m.Keywords = []string{}
	}
	if m.Reliability == "" {
		m.Reliability = "Bản gốc điện tử" // electronic original, signed
	}
	if !d.Opened.IsZero() {
		m.StartDate = d.Opened.In(vnZone).Format("2006-01-02")
	}
	if !d.Closed.IsZero() {
		m.EndDate = d.Closed.In(vnZone).Format("2006-01-02")
	}
	m.Agency.Code, m.Agency.Name = d.UnitCode, d.UnitName
	return m
}

// marshal is the one JSON encoding of the bag: indented, UTF-8 as is,
// ending with a newline, so exports of the same data are byte-identical.
func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// normalized returns a copy of d with times in UTC, as written.
func (d *Dossier) normalized() *Dossier {
	c := *d
	c.Opened, c.Closed = c.Opened.UTC(), c.Closed.UTC()
	c.Documents = make([]Document, len(d.Documents))
	for i, doc := range d.Documents {
		c.Documents[i] = Document{ID: doc.ID, Versions: append([]Version(nil), doc.Versions...)}
		for j := range c.Documents[i].Versions {
			c.Documents[i].Versions[j].Created = c.Documents[i].Versions[j].Created.UTC()
		}
	}
	c.History = append([]StateChange(nil), d.History...)
	for i := range c.History {
		c.History[i].Time = c.History[i].Time.UTC()
	}
	if c.EntryIndexes == nil {
		c.EntryIndexes = []uint64{}
	}
	return &c
}
