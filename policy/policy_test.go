package policy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/policy"
)

func sla(after, remind, second time.Duration) policy.StepSLA {
	return policy.StepSLA{After: policy.Duration(after), RemindBefore: policy.Duration(remind), SecondLevelAfter: policy.Duration(second)}
}

func TestBuiltInPoliciesLoadAndValidate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		filePSC    policy.StepSLA
		defaultSLA policy.StepSLA
	}{
		{"production", sla(48*time.Hour, 24*time.Hour, 24*time.Hour), sla(72*time.Hour, 24*time.Hour, 48*time.Hour)},
		{"demo", sla(2*time.Minute, time.Minute, time.Minute), sla(3*time.Minute, time.Minute, 2*time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Load(tc.name)
			if err != nil {
				t.Fatalf("Load(%q): %v", tc.name, err)
			}
			if p.Name != tc.name {
				t.Errorf("Name = %q, want %q", p.Name, tc.name)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if p.Default != tc.defaultSLA {
				t.Errorf("Default = %+v, want %+v", p.Default, tc.defaultSLA)
			}
			if got := p.For("file_psc"); got != tc.filePSC {
				t.Errorf("For(file_psc) = %+v, want %+v", got, tc.filePSC)
			}
		})
	}
}

func TestProductionCoversEveryHumanStep(t *testing.T) {
	p, err := policy.Load("production")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"file_psc", "cbp_decision", "payment", "reconciliation", "propose_code_fix", "approve_code_fix", "prior_disclosure", "close"} {
		if _, ok := p.Steps[step]; !ok {
			t.Errorf("production has no SLA of its own for %s", step)
		}
	}
}

func TestForFallsBackToDefault(t *testing.T) {
	p := policy.Policy{Name: "t", Default: sla(time.Hour, time.Minute, time.Hour),
		Steps: map[string]policy.StepSLA{"payment": sla(2*time.Hour, time.Minute, time.Hour)}}
	if got := p.For("payment"); got.After.Std() != 2*time.Hour {
		t.Errorf("For(payment).After = %v, want 2h", got.After.Std())
	}
	for _, step := range []string{"close", "", "PAYMENT"} {
		if got := p.For(step); got != p.Default {
			t.Errorf("For(%q) = %+v, want the default %+v", step, got, p.Default)
		}
	}
	if got := (policy.Policy{Default: p.Default}).For("payment"); got != p.Default {
		t.Errorf("For on a policy without steps = %+v, want the default", got)
	}
}

func TestValidateRejects(t *testing.T) {
	good := sla(48*time.Hour, 24*time.Hour, 24*time.Hour)
	for _, tc := range []struct {
		name      string
		bad       policy.StepSLA
		inDefault bool
		want      string
	}{
		{"zero after", sla(0, 0, time.Hour), false, "step payment: after must be positive"},
		{"negative after", sla(-time.Hour, 0, time.Hour), false, "step payment: after must be positive"},
		{"remind_before equal to after", sla(time.Hour, time.Hour, time.Hour), false, "step payment: remind_before"},
		{"remind_before longer than after", sla(time.Hour, 2*time.Hour, time.Hour), false, "step payment: remind_before"},
		{"negative remind_before", sla(time.Hour, -time.Minute, time.Hour), false, "step payment: remind_before"},
		{"zero second_level_after", sla(time.Hour, 0, 0), false, "step payment: second_level_after must be positive"},
		{"negative second_level_after", sla(time.Hour, 0, -time.Hour), false, "step payment: second_level_after must be positive"},
		{"bad default", sla(0, 0, time.Hour), true, "step default: after must be positive"},
	} {
		p := policy.Policy{Name: "custom", Default: good, Steps: map[string]policy.StepSLA{"file_psc": good, "payment": tc.bad}}
		if tc.inDefault {
			p.Default, p.Steps["payment"] = tc.bad, good
		}
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "policy custom") {
			t.Errorf("%s: Validate() = %v, want an error naming the policy and containing %q", tc.name, err, tc.want)
		}
	}
	ok := policy.Policy{Name: "ok", Default: good, Steps: map[string]policy.StepSLA{"payment": sla(time.Hour, 0, time.Minute)}}
	if err := ok.Validate(); err != nil {
		t.Errorf("remind_before 0 is allowed: %v", err)
	}
}

// TestValidateNamesTheFirstBadStep: with several bad steps the message is
// the same on every run.
func TestValidateNamesTheFirstBadStep(t *testing.T) {
	good, bad := sla(time.Hour, 0, time.Hour), sla(0, 0, time.Hour)
	p := policy.Policy{Name: "p", Default: good, Steps: map[string]policy.StepSLA{}}
	for _, s := range []string{"payment", "close", "file_psc", "reconciliation", "cbp_decision"} {
		p.Steps[s] = bad
	}
	for range 20 {
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "step cbp_decision:") {
			t.Fatalf("Validate() = %v, want the alphabetically first bad step, cbp_decision", err)
		}
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFile(t *testing.T) {
	path := writeFile(t, "fast.json", `{
		"name": "fast",
		"default": {"after": "90s", "remind_before": "30s", "second_level_after": "60s"},
		"steps": {"payment": {"after": "10m", "remind_before": "0s", "second_level_after": "5m"}}
	}`)
	p, err := policy.Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	if p.Name != "fast" || p.Default != sla(90*time.Second, 30*time.Second, time.Minute) || p.For("payment") != sla(10*time.Minute, 0, 5*time.Minute) {
		t.Errorf("loaded %+v", p)
	}

	// Without a name the file's path names it.
	unnamed := writeFile(t, "unnamed.json", `{"default": {"after": "1h", "remind_before": "10m", "second_level_after": "1h"}}`)
	p, err = policy.Load(unnamed)
	if err != nil || p.Name != unnamed {
		t.Errorf("Load(unnamed) = %q, %v; want the path as its name", p.Name, err)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"invalid SLA", `{"name": "x", "default": {"after": "1h", "remind_before": "10m", "second_level_after": "1h"},
			"steps": {"payment": {"after": "1h", "remind_before": "2h", "second_level_after": "1h"}}}`,
			[]string{"step payment", "remind_before"}},
		{"duration without unit", `{"default": {"after": "72", "remind_before": "1h", "second_level_after": "1h"}}`, []string{"72"}},
		{"duration as a number", `{"default": {"after": 72, "remind_before": "1h", "second_level_after": "1h"}}`, []string{`like "72h"`}},
		{"not JSON", `after: 72h`, []string{"policy"}},
		{"misspelt field", `{"default": {"after": "1h", "remind_befor": "10m", "second_level_after": "1h"}}`, []string{"remind_befor"}},
		{"trailing data", `{"default": {"after": "1h", "remind_before": "10m", "second_level_after": "1h"}} {}`, []string{"policy"}},
	} {
		path := writeFile(t, "p.json", tc.body)
		_, err := policy.Load(path)
		if err == nil {
			t.Errorf("%s: Load accepted it", tc.name)
			continue
		}
		for _, w := range append(tc.want, path) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}

func TestLoadUnknownName(t *testing.T) {
	_, err := policy.Load("staging")
	if err == nil {
		t.Fatal("Load(staging) succeeded")
	}
	for _, w := range []string{`"staging"`, "production, demo", "file"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// TestPolicyJSONRoundTrip: a case keeps its policy in its workflow state as
// JSON, so encoding and decoding must give the same durations back.
func TestPolicyJSONRoundTrip(t *testing.T) {
	p, err := policy.Load("production")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"after":"48h0m0s"`) {
		t.Errorf("durations are not written as strings: %s", b)
	}
	var back policy.Policy
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != p.Name || back.Default != p.Default || len(back.Steps) != len(p.Steps) {
		t.Fatalf("round trip changed the policy: %+v", back)
	}
	for k, v := range p.Steps {
		if back.Steps[k] != v {
			t.Errorf("step %s: %+v, want %+v", k, back.Steps[k], v)
		}
	}
}
