package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/postrelease/postrelease/hts"
)

// The tariff schedule: revisions of the HTSUS and their lines (migration
// 0017). A revision is loaded once, whole, in one transaction.

// HTSRevision is a loaded revision of the schedule.
type HTSRevision struct {
	Name       string    `gorm:"primaryKey" json:"name"`
	Effective  string    `json:"effective"` // YYYY-MM-DD
	SHA256     string    `gorm:"column:sha256" json:"sha256"`
	Lines      int       `json:"lines"`
	Reportable int       `json:"reportable"`
	LoadedAt   time.Time `gorm:"autoCreateTime:false" json:"loaded_at"`
	LoadedBy   string    `json:"loaded_by"`
	// ComparedWith is the revision before it, whose lines the difference
	// (Changes lines, Affected products) is from; "" for the first.
	ComparedWith string `json:"compared_with"`
	Changes      int    `json:"changes"`
	Affected     int    `json:"affected"`
}

func (HTSRevision) TableName() string { return "hts_revisions" }

// htsLineRow is an hts_lines row.
type htsLineRow struct {
	Revision    string `gorm:"primaryKey"`
	Digits      string `gorm:"primaryKey"`
	Code        string
	RowNumber   int
	Indent      int
	Heading     string
	Reporting   string
	Description string
	Path        string
	Units       string
	General     string
	Special     string
	Other       string
	RateFrom    string
	Footnotes   string
	Search      string
}

func (htsLineRow) TableName() string { return "hts_lines" }

// HTSLine is a line of a revision as lookups answer it.
type HTSLine struct {
	hts.Line
	Revision string `json:"revision"`
}

func (r htsLineRow) line() HTSLine {
	l := HTSLine{Revision: r.Revision, Line: hts.Line{Code: r.Code, Digits: r.Digits, Indent: r.Indent, Description: r.Description,
		General: r.General, Special: r.Special, Other: r.Other, RateFrom: r.RateFrom, Reportable: r.Reporting != "", Row: r.RowNumber}}
	// Written by LoadHTSRevision from []string; unreadable would be a bug.
	_ = json.Unmarshal([]byte(r.Path), &l.Path)
	_ = json.Unmarshal([]byte(r.Units), &l.Units)
	_ = json.Unmarshal([]byte(r.Footnotes), &l.Footnotes)
	return l
}

func htsRow(revision string, l hts.Line) htsLineRow {
	js := func(v []string) string {
		if v == nil {
			v = []string{}
		}
		b, _ := json.Marshal(v) // []string always encodes
		return string(b)
	}
	return htsLineRow{Revision: revision, Digits: l.Digits, Code: l.Code, RowNumber: l.Row, Indent: l.Indent, Heading: l.Heading(),
		Reporting: l.Reporting(), Description: l.Description, Path: js(l.Path), Units: js(l.Units),
		General: l.General, Special: l.Special, Other: l.Other, RateFrom: l.RateFrom, Footnotes: js(l.Footnotes),
		Search: strings.ToLower(strings.Join(append(append([]string{}, l.Path...), l.Description), " "))}
}

// HTSConflict refuses a revision whose name or effective date is taken by
// another file.
type HTSConflict struct{ Message string }

func (e *HTSConflict) Error() string { return e.Message }

// LoadHTSRevision stores a revision and its lines, or nothing. The same file
// under the same name again changes nothing (loaded is false, and the stored
// revision is answered); another file under a loaded name, or a second
// revision on a loaded effective date, is an *HTSConflict.
func (s *Store) LoadHTSRevision(ctx context.Context, rev HTSRevision, lines []hts.Line) (stored HTSRevision, loaded bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing []HTSRevision
		if err := tx.Where("name = ? OR effective = ?", rev.Name, rev.Effective).Find(&existing).Error; err != nil {
			return fmt.Errorf("reading HTS revisions: %w", err)
		}
		for _, e := range existing {
			switch {
			case e.Name == rev.Name && e.SHA256 == rev.SHA256:
				stored = e
				return nil
			case e.Name == rev.Name:
				return &HTSConflict{fmt.Sprintf("revision %q is loaded already from another file (effective %s): load this file under a new name", e.Name, e.Effective)}
			default:
				return &HTSConflict{fmt.Sprintf("revision %q already takes effect on %s: one revision per effective date", e.Name, e.Effective)}
			}
		}
		rev.Lines, rev.Reportable = len(lines), 0
		rows := make([]htsLineRow, len(lines))
		for i, l := range lines {
			rows[i] = htsRow(rev.Name, l)
			if l.Reportable {
				rev.Reportable++
			}
		}
		if err := tx.Create(&rev).Error; err != nil {
			return fmt.Errorf("writing HTS revision %s: %w", rev.Name, err)
		}
		if err := s.writeHTSDifference(tx, &rev, lines); err != nil {
			return err
		}
		if rev.ComparedWith != "" {
			if err := tx.Model(&rev).Select("compared_with", "changes", "affected").Updates(&rev).Error; err != nil {
				return fmt.Errorf("writing the difference of HTS revision %s: %w", rev.Name, err)
			}
		}
		// modernc's SQLite binds a statement's parameters in time that grows
		// with their square: small batches there (30,000 rows: 4.7 s at 500
		// rows a statement, 1.2 s at 20: BenchmarkHTSLoad).
		batch := 500
		if s.dialect == "sqlite" {
			batch = 20
		}
		if err := tx.CreateInBatches(&rows, batch).Error; err != nil {
			return fmt.Errorf("writing the lines of HTS revision %s: %w", rev.Name, err)
		}
		stored, loaded = rev, true
		return nil
	})
	return stored, loaded, err
}

// HTSRevisions lists the loaded revisions, the latest effective first.
func (s *Store) HTSRevisions(ctx context.Context) ([]HTSRevision, error) {
	var out []HTSRevision
	if err := s.db.WithContext(ctx).Order("effective DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing HTS revisions: %w", err)
	}
	return out, nil
}

// HTSRevisionInForce is the revision in force on day (the latest effective
// on or before it); ErrNotFound when none is.
func (s *Store) HTSRevisionInForce(ctx context.Context, day time.Time) (HTSRevision, error) {
	return takeRow[HTSRevision](s.db.WithContext(ctx).Where("effective <= ?", day.Format(time.DateOnly)).Order("effective DESC"), "HTS revision in force")
}

// HTSRevisionNamed is the revision called name.
func (s *Store) HTSRevisionNamed(ctx context.Context, name string) (HTSRevision, error) {
	return takeRow[HTSRevision](s.db.WithContext(ctx).Where("name = ?", name), "HTS revision "+name)
}

// HTSReportable is the line of revision that an entry declares as the
// 10-digit code (####.##.####); ErrNotFound when the revision has none.
func (s *Store) HTSReportable(ctx context.Context, revision, code string) (HTSLine, error) {
	r, err := takeRow[htsLineRow](s.db.WithContext(ctx).Where("revision = ? AND reporting = ?", revision, code), "HTS line "+code)
	if err != nil {
		return HTSLine{}, err
	}
	return r.line(), nil
}

// HTSLineByDigits is the line of revision numbered digits (4 to 10 digits);
// ErrNotFound when there is none.
func (s *Store) HTSLineByDigits(ctx context.Context, revision, digits string) (HTSLine, error) {
	r, err := takeRow[htsLineRow](s.db.WithContext(ctx).Where("revision = ? AND digits = ?", revision, digits), "HTS line "+digits)
	if err != nil {
		return HTSLine{}, err
	}
	return r.line(), nil
}

// HTSReportableUnder lists the reportable lines of revision whose digits
// start with prefix (a heading, a chapter), in code order.
func (s *Store) HTSReportableUnder(ctx context.Context, revision, prefix string, limit int) ([]HTSLine, error) {
	q := s.db.WithContext(ctx).Where("revision = ? AND reporting <> ''", revision)
	return s.htsLines(digitsFrom(q, prefix).Order("digits").Limit(limit))
}

// HTSSearch finds lines of revision by a code prefix (digits, dots
// ignored) or, for text, by every word appearing in the line's description
// or heading path; in code order, at most limit.
func (s *Store) HTSSearch(ctx context.Context, revision, q string, limit int) ([]HTSLine, error) {
	q = strings.TrimSpace(q)
	db := s.db.WithContext(ctx).Where("revision = ?", revision)
	if digits := strings.ReplaceAll(q, ".", ""); digits != "" && strings.Trim(digits, "0123456789") == "" {
		db = digitsFrom(db, digits)
	} else {
		for _, w := range strings.Fields(strings.ToLower(q)) {
			db = db.Where("search LIKE ? ESCAPE '\\'", "%"+likeEscape(w)+"%")
		}
	}
	return s.htsLines(db.Order("digits").Limit(limit))
}

// HTSLines are every line of revision in key (digits) order: what a
// comparison of two revisions walks.
func (s *Store) HTSLines(ctx context.Context, revision string) ([]HTSLine, error) {
	return s.htsLines(s.db.WithContext(ctx).Where("revision = ?", revision).Order("digits"))
}

func (s *Store) htsLines(q *gorm.DB) ([]HTSLine, error) {
	var rows []htsLineRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading HTS lines: %w", err)
	}
	out := make([]HTSLine, len(rows))
	for i, r := range rows {
		out[i] = r.line()
	}
	return out, nil
}

// digitsFrom narrows q to digits starting with prefix, as a range the
// primary key serves in both databases (':' sorts right after '9').
func digitsFrom(q *gorm.DB, prefix string) *gorm.DB {
	if prefix == "" {
		return q
	}
	return q.Where("digits >= ? AND digits < ?", prefix, prefix+":")
}

// likeEscape escapes LIKE's wildcards in a word (ESCAPE '\\').
func likeEscape(w string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(w)
}
