package domain

import (
	"sort"
	"strings"
)

// FieldErrors maps an input field ("amount", "containers[1].number") to what
// is wrong with it. Workflows and importers share it; it lives here, with no
// dependencies, so any package can use it without an import cycle.
type FieldErrors map[string]string

// Error joins the field errors in field order, e.g. "amount: ...; carrier: ...".
func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	// The map's order does not leak: the keys are sorted before use (this runs
	// in workflow code too, which workflowcheck analyses).
	//workflowcheck:ignore
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return strings.Join(parts, "; ")
}
