// Package demo holds a small excerpt of the HTSUS in the USITC's JSON export
// format, written by hand from the schedule (headings of chapters 73, 82, 84,
// 85, 90 and 99): what tests and `postrelease dev` load as the schedule. It
// holds every code the demo data, the README's walk-throughs and the tests
// declare; its rates are for demonstration, not for filing.
package demo

import (
	_ "embed"
	"encoding/json"
)

// JSON is the excerpt.
//
//go:embed demo.json
var JSON []byte

// Name and Effective are the revision `dev` loads it as.
const (
	Name      = "demo excerpt"
	Effective = "2025-01-01"
)

// WithGeneralRate is the excerpt with the general rate of the line code
// (as written, 8467.21.00) set to rate: a second revision for tests and the
// change-alert walk-through. It panics when the excerpt has no such line.
func WithGeneralRate(code, rate string) []byte {
	var rows []map[string]any
	if err := json.Unmarshal(JSON, &rows); err != nil {
		panic("demo excerpt: " + err.Error())
	}
	for _, r := range rows {
		if r["htsno"] == code {
			r["general"] = rate
			b, err := json.MarshalIndent(rows, "", " ")
			if err != nil {
				panic("demo excerpt: " + err.Error())
			}
			return b
		}
	}
	panic("demo excerpt has no line " + code)
}
