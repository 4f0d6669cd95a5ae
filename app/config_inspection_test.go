package app

import (
	"strings"
	"testing"
)

// The inspection estimate's prior: unset, the notes' 3.8 % weighed as 20
// shipments; set, the configured baselines and strength; a malformed value
// stops start-up naming its variable.
func TestInspectionPriorFromEnv(t *testing.T) {
	t.Setenv("POSTRELEASE_INSPECTION_BASELINE", "")
	t.Setenv("POSTRELEASE_INSPECTION_PRIOR_STRENGTH", "")
	c, err := FromEnv()
	if err != nil || c.Inspection.Strength != 20 || c.Inspection.For("82").Rate != 0.038 || c.Inspection.For("85").Rate != 0.038 {
		t.Fatalf("unset: %+v, %v; want 3.8 %% weighed as 20", c.Inspection, err)
	}
	t.Setenv("POSTRELEASE_INSPECTION_BASELINE", "85:0.05,*:0.02")
	t.Setenv("POSTRELEASE_INSPECTION_PRIOR_STRENGTH", "40")
	if c, err = FromEnv(); err != nil || c.Inspection.Strength != 40 || c.Inspection.For("85").Rate != 0.05 || c.Inspection.For("90").Rate != 0.02 ||
		c.Inspection.For("84").Rate != 0.038 {
		t.Fatalf("set: %+v, %v", c.Inspection, err)
	}
	for _, bad := range []struct{ baseline, strength, name string }{
		{"85:5", "", "POSTRELEASE_INSPECTION_BASELINE"},
		{"8:0.1", "", "POSTRELEASE_INSPECTION_BASELINE"},
		{"", "0", "POSTRELEASE_INSPECTION_PRIOR_STRENGTH"},
		{"85:0.05", "many", "POSTRELEASE_INSPECTION_PRIOR_STRENGTH"},
	} {
		t.Setenv("POSTRELEASE_INSPECTION_BASELINE", bad.baseline)
		t.Setenv("POSTRELEASE_INSPECTION_PRIOR_STRENGTH", bad.strength)
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("%q, %q: %v; want an error naming %s", bad.baseline, bad.strength, err, bad.name)
		}
	}
}
