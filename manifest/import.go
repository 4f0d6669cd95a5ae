package manifest

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// MaxImportBytes bounds a release list; a larger file is refused as a whole.
const MaxImportBytes = 16 << 20

// ImportResult is what a release list holds: the shipments that may open, each
// normalised and valid, in the order their entries first appear; and every row
// (CSV) or object (JSON) that was not imported, sorted by line.
type ImportResult struct {
	Shipments []ShipmentInput `json:"shipments"`
	Rejected  []RowError      `json:"rejected"`
}

// RowError is a row that was not imported. Line is the 1-based line of the CSV
// file (the header is line 1) or the 1-based index of the object in the JSON
// array. Entry is the row's entry number (canonical when it is valid, as
// written otherwise; empty when missing). Duplicate marks an exact repeat of
// an earlier row: it is ignored and does not reject its shipment.
type RowError struct {
	Line      int    `json:"line"`
	Entry     string `json:"entry"`
	Reason    string `json:"reason"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// ParseReleaseList reads a broker's release list, format "csv" or "json" (see
// importcsv.go and importjson.go for the layouts). One shipment per entry
// number; a shipment with any invalid row is rejected whole, every bad row
// with its reason and every other row of that entry as rejected with it, so
// no shipment is ever half-imported. The error return is only for a file that
// cannot be read as a release list at all: an unknown format, a file too
// large, not text, not CSV or JSON, or a CSV header missing required columns.
// The same input always gives the same result.
func ParseReleaseList(r io.Reader, format string) (ImportResult, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f != "csv" && f != "json" {
		return ImportResult{}, fmt.Errorf("release list format %q: must be csv or json", format)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return ImportResult{}, fmt.Errorf("reading the release list: %w", err)
	}
	if len(data) > MaxImportBytes {
		return ImportResult{}, fmt.Errorf("release list is larger than %d MiB", MaxImportBytes>>20)
	}
	var res ImportResult
	if f == "csv" {
		res, err = parseCSV(data)
	} else {
		res, err = parseJSON(data)
	}
	if err != nil {
		return ImportResult{}, err
	}
	// Empty lists, not null, for JSON answers.
	if res.Shipments == nil {
		res.Shipments = []ShipmentInput{}
	}
	if res.Rejected == nil {
		res.Rejected = []RowError{}
	}
	return res, nil
}

// sortRejected orders rejections by line; equal lines keep their order.
func sortRejected(rs []RowError) {
	slices.SortStableFunc(rs, func(a, b RowError) int { return a.Line - b.Line })
}

// linesPhrase is "line 4" or "lines 4, 7"; noun is "line" or "object".
func linesPhrase(noun string, ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	if len(ns) == 1 {
		return noun + " " + parts[0]
	}
	return noun + "s " + strings.Join(parts, ", ")
}

// rejectedWith is the reason given to the valid rows of a rejected entry.
func rejectedWith(noun, entry string, bad []int) string {
	verb := "is"
	if len(bad) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("rejected with entry %s (%s %s invalid)", entry, linesPhrase(noun, bad), verb)
}
