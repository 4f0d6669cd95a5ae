package api

import (
	"maps"
	"slices"
	"testing"
)

func TestBuildVisibilityQuery(t *testing.T) {
	const ours = "CaseKind IN ('detention', 'shipment')"
	for _, tc := range []struct {
		name      string
		form      searchForm
		want      string
		badFields []string
	}{
		{name: "empty", form: searchForm{}, want: ours},
		{name: "kind and port", form: searchForm{"kind": "shipment", "port": "2704"}, want: "CaseKind = 'shipment' AND CBPPort = '2704'"},
		{name: "everything", form: searchForm{"kind": "detention", "detention_kind": "seal_mismatch", "status": "open", "step": "file_psc",
			"port": "2704", "entry": "ABC-1234567-8", "hts": "8204.11.0030", "shipment": "SH-1_a", "assignee": "olivia@example.com",
			"escalation_min": "1", "started_from": "2026-01-02", "started_to": "2026-01-31", "closed_from": "2026-02-01", "closed_to": "2026-02-01"},
			want: "CaseKind = 'detention' AND DetentionKind = 'seal_mismatch' AND CaseStatus = 'open' AND CaseStep = 'file_psc' AND " +
				"CBPPort = '2704' AND EntryNumber = 'ABC-1234567-8' AND HTSCode = '8204.11.0030' AND ShipmentID = 'SH-1_a' AND " +
				"Assignee = 'olivia@example.com' AND EscalationLevel >= 1 AND StartTime >= '2026-01-02T00:00:00Z' AND " +
				"StartTime < '2026-02-01T00:00:00Z' AND CloseTime >= '2026-02-01T00:00:00Z' AND CloseTime < '2026-02-02T00:00:00Z'"},
		{name: "shipment phase", form: searchForm{"step": "legal"}, want: ours + " AND CaseStep = 'legal'"},
		{name: "date from only", form: searchForm{"started_from": "2026-03-04"}, want: ours + " AND StartTime >= '2026-03-04T00:00:00Z'"},
		{name: "injection in port", form: searchForm{"port": "x' OR '1'='1"}, badFields: []string{"port"}},
		{name: "injection in entry", form: searchForm{"entry": "ABC' OR CaseKind != 'x"}, badFields: []string{"entry"}},
		{name: "injection in assignee", form: searchForm{"assignee": "a@b.c' OR '1'='1"}, badFields: []string{"assignee"}},
		{name: "double quote", form: searchForm{"shipment": `SH"1`}, badFields: []string{"shipment"}},
		{name: "backslash", form: searchForm{"hts": `8204\`}, badFields: []string{"hts"}},
		{name: "unknown kind", form: searchForm{"kind": "workflow"}, badFields: []string{"kind"}},
		{name: "unknown status", form: searchForm{"status": "open' OR '1'='1"}, badFields: []string{"status"}},
		{name: "unknown step", form: searchForm{"step": "pay"}, badFields: []string{"step"}},
		{name: "unknown detention kind", form: searchForm{"detention_kind": "other"}, badFields: []string{"detention_kind"}},
		{name: "level not a number", form: searchForm{"escalation_min": "1 OR 1=1"}, badFields: []string{"escalation_min"}},
		{name: "level negative", form: searchForm{"escalation_min": "-1"}, badFields: []string{"escalation_min"}},
		{name: "level with sign", form: searchForm{"escalation_min": "+1"}, badFields: []string{"escalation_min"}},
		{name: "bad dates", form: searchForm{"started_from": "2026-13-01", "closed_to": "2026-01-01' OR '1'='1"}, badFields: []string{"closed_to", "started_from"}},
		{name: "date with time", form: searchForm{"started_to": "2026-01-01T00:00:00Z"}, badFields: []string{"started_to"}},
		{name: "dates reversed", form: searchForm{"started_from": "2026-02-01", "started_to": "2026-01-01"}, badFields: []string{"started_to"}},
		{name: "several bad", form: searchForm{"kind": "x", "port": "27O4", "status": "open"}, badFields: []string{"kind", "port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := buildVisibilityQuery(tc.form)
			if len(tc.badFields) > 0 {
				if got != "" {
					t.Errorf("query %q for an invalid form", got)
				}
				if fields := slices.Sorted(maps.Keys(errs)); !slices.Equal(fields, tc.badFields) {
					t.Errorf("field errors %v, want %v", errs, tc.badFields)
				}
				for k, v := range errs {
					if v == "" {
						t.Errorf("field %s has no message", k)
					}
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected field errors %v", errs)
			}
			if got != tc.want {
				t.Errorf("query\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestQuoteValue(t *testing.T) {
	for in, want := range map[string]string{"2704": "'2704'", "a'b": `'a\'b'`, `a\b`: `'a\\b'`, `x' OR '1'='1`: `'x\' OR \'1\'=\'1'`} {
		if got := quoteValue(in); got != want {
			t.Errorf("quoteValue(%q) = %s, want %s", in, got, want)
		}
	}
}

// searchFormFrom keeps only the known fields (runSearch refuses the others).
func TestSearchFormIgnoresUnknownParameters(t *testing.T) {
	f := searchFormFrom(map[string][]string{"query": {"1=1"}, "port": {" 2704 "}})
	if len(f) != 1 || f["port"] != "2704" {
		t.Errorf("form = %v", f)
	}
}
