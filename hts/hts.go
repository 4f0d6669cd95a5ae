// Package hts reads the Harmonized Tariff Schedule of the United States as
// the USITC publishes it (the JSON export of https://hts.usitc.gov) into the
// lines of one revision: each numbered row with its heading path, units and
// rates, statistical lines carrying the rate of their 8-digit line. It does
// no I/O beyond the reader it is given; the store keeps revisions.
package hts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line is one numbered row of a revision.
type Line struct {
	// Code is the number as the schedule writes it: "8204", "8204.11.00",
	// statistical lines "8204.11.00.30".
	Code string `json:"code"`
	// Digits is Code without dots: what lookups and prefixes compare.
	Digits      string   `json:"-"`
	Indent      int      `json:"indent"`
	Description string   `json:"description"`
	Path        []string `json:"path"` // the descriptions of the rows above it, outermost first
	Units       []string `json:"units"`
	General     string   `json:"general"`
	Special     string   `json:"special"`
	Other       string   `json:"other"`
	// RateFrom is the 8-digit line whose rates a statistical line carries
	// ("" when the rates are the line's own).
	RateFrom  string   `json:"rate_from,omitempty"`
	Footnotes []string `json:"footnotes"`
	// Reportable says the line is a 10-digit code an entry may declare: a
	// statistical line, or an 8-digit line without statistical lines (its
	// 10-digit code ends in 00).
	Reportable bool `json:"reportable"`
	Row        int  `json:"-"` // its row in the file, from 1
}

// Reporting is the 10-digit code an entry declares for a reportable line,
// dotted ####.##.####, or "" for a line that is not reportable.
func (l Line) Reporting() string {
	if !l.Reportable {
		return ""
	}
	d := l.Digits
	if len(d) == 8 {
		d += "00"
	}
	return d[0:4] + "." + d[4:6] + "." + d[6:10]
}

// Heading is the line's 4-digit heading.
func (l Line) Heading() string { return l.Digits[:4] }

// RowError is a row of the file that cannot be read, and why.
type RowError struct {
	Row    int // from 1; 0 for the file as a whole
	Reason string
}

func (e *RowError) Error() string {
	if e.Row == 0 {
		return e.Reason
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
}

// row is one element of the export. Other fields (superior, quotaQuantity,
// additionalDuties...) are ignored.
type row struct {
	HTSNo       string          `json:"htsno"`
	Indent      json.RawMessage `json:"indent"`
	Description string          `json:"description"`
	Units       json.RawMessage `json:"units"`
	General     string          `json:"general"`
	Special     string          `json:"special"`
	Other       string          `json:"other"`
	Footnotes   json.RawMessage `json:"footnotes"`
}

// codeRe is a schedule number: heading, subheading, tariff line, statistical suffix.
var codeRe = regexp.MustCompile(`^[0-9]{4}(\.[0-9]{2}){0,3}$`)

// MaxRows bounds a file: the full schedule has about 30,000.
const MaxRows = 200_000

// Parse reads an export: a JSON array of rows. A row that cannot be read
// stops it with a *RowError naming the row, and nothing is returned.
func Parse(r io.Reader) ([]Line, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, &RowError{Reason: "the file is not a JSON array of rows (the USITC's HTS JSON export)"}
	}
	var (
		lines  []Line
		stack  []pathEntry // the rows above, by indent
		seen   = map[string]int{}
		parent = map[string]int{} // 8-digit digits → index in lines
	)
	for n := 1; dec.More(); n++ {
		if n > MaxRows {
			return nil, &RowError{Row: n, Reason: fmt.Sprintf("more than %d rows", MaxRows)}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &RowError{Row: n, Reason: "not valid JSON: " + err.Error()}
		}
		var rw row
		if err := json.Unmarshal(raw, &rw); err != nil {
			return nil, &RowError{Row: n, Reason: "not a row of the export: " + err.Error()}
		}
		l, err := rw.line(n)
		if err != nil {
			return nil, err
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= l.Indent {
			stack = stack[:len(stack)-1]
		}
		l.Path = make([]string, len(stack))
		for i, p := range stack {
			l.Path[i] = p.text
		}
		stack = append(stack, pathEntry{indent: l.Indent, text: l.Description})
		if l.Code == "" {
			continue // a heading without a number: its text is the path of the rows below
		}
		if first, dup := seen[l.Digits]; dup {
			return nil, &RowError{Row: n, Reason: fmt.Sprintf("%s appears again (first in row %d)", l.Code, first)}
		}
		seen[l.Digits] = n
		switch len(l.Digits) {
		case 8:
			parent[l.Digits] = len(lines)
			l.Reportable = true // until a statistical line says otherwise
		case 10:
			p, ok := parent[l.Digits[:8]]
			if !ok {
				return nil, &RowError{Row: n, Reason: fmt.Sprintf("statistical line %s comes before (or without) its 8-digit line %s", l.Code, l.Code[:10])}
			}
			pl := &lines[p]
			pl.Reportable = false
			l.Reportable = true
			if l.General == "" && l.Special == "" && l.Other == "" {
				l.General, l.Special, l.Other, l.RateFrom = pl.General, pl.Special, pl.Other, pl.Code
			}
		}
		lines = append(lines, l)
	}
	if _, err := dec.Token(); err != nil {
		return nil, &RowError{Reason: "the file does not end after its array of rows: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &RowError{Reason: "the file does not end after its array of rows"}
	}
	if len(lines) == 0 {
		return nil, &RowError{Reason: "the file has no numbered rows"}
	}
	return lines, nil
}

type pathEntry struct {
	indent int
	text   string
}

// line checks one row.
func (rw row) line(n int) (Line, error) {
	bad := func(format string, args ...any) (Line, error) {
		return Line{}, &RowError{Row: n, Reason: fmt.Sprintf(format, args...)}
	}
	code := strings.TrimSpace(rw.HTSNo)
	if code != "" && !codeRe.MatchString(code) {
		return bad("htsno %q is not a number of the schedule (8204, 8204.11, 8204.11.00 or 8204.11.00.30)", code)
	}
	indent, err := intOf(rw.Indent)
	if err != nil || indent < 0 || indent > 20 {
		return bad("indent must be a whole number from 0 to 20")
	}
	desc := strings.TrimSpace(rw.Description)
	if desc == "" && code != "" {
		return bad("%s has no description", code)
	}
	for name, v := range map[string]string{"description": desc, "general": rw.General, "special": rw.Special, "other": rw.Other} {
		if !utf8.ValidString(v) || len(v) > 4000 {
			return bad("%s is not UTF-8 text of at most 4,000 bytes", name)
		}
	}
	units, err := stringsOf(rw.Units)
	if err != nil {
		return bad("units must be a list of strings")
	}
	notes, err := footnotesOf(rw.Footnotes)
	if err != nil {
		return bad("footnotes: %v", err)
	}
	return Line{Code: code, Digits: strings.ReplaceAll(code, ".", ""), Indent: indent, Description: desc, Units: units,
		General: strings.TrimSpace(rw.General), Special: strings.TrimSpace(rw.Special), Other: strings.TrimSpace(rw.Other),
		Footnotes: notes, Row: n}, nil
}

// intOf reads an indent written as a number or as a string of digits.
func intOf(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, fmt.Errorf("missing")
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	} else {
		s = string(raw)
	}
	return strconv.Atoi(strings.TrimSpace(s))
}

// stringsOf reads units: a list of strings, one string, or nothing.
func stringsOf(raw json.RawMessage) ([]string, error) {
	out := []string{}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
		return out, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// footnotesOf reads the footnotes: the export's objects ({"columns": [...],
// "value": "See 9903.88.03.", ...}) or plain strings, kept as their text.
func footnotesOf(raw json.RawMessage) ([]string, error) {
	out := []string{}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("must be a list")
	}
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
			continue
		}
		var fn struct {
			Columns []string `json:"columns"`
			Value   string   `json:"value"`
		}
		if err := json.Unmarshal(it, &fn); err != nil {
			return nil, fmt.Errorf("an item is neither text nor a footnote object")
		}
		if v := strings.TrimSpace(fn.Value); v != "" {
			if len(fn.Columns) > 0 {
				v = strings.Join(fn.Columns, ", ") + ": " + v
			}
			out = append(out, v)
		}
	}
	return out, nil
}
