// Package demo holds a small excerpt of the HTSUS in the USITC's JSON export
// format, written by hand from the schedule (headings of chapters 73, 82, 84,
// 85, 90 and 99): what tests and `postrelease dev` load as the schedule. It
// holds every code the demo data, the README's walk-throughs and the tests
// declare; its rates are for demonstration, not for filing.
package demo

import _ "embed"

// JSON is the excerpt.
//
//go:embed demo.json
var JSON []byte

// Name and Effective are the revision `dev` loads it as.
const (
	Name      = "demo excerpt"
	Effective = "2025-01-01"
)
