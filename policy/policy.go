// Package policy holds SLA durations: how long each step may take, when to
// remind its owner, and when to escalate a second time. Durations are data, not
// code, so a team can tune them and a demo can run them in seconds. A case reads
// its policy once when it starts and keeps it in its workflow state.
package policy

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"
)

// Duration is a time.Duration written as "72h" or "90s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"72h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// StepSLA is the clock of one step: due After it starts, a reminder RemindBefore
// the due time, escalation to managers at due (level 1), and to level 2
// SecondLevelAfter the due time.
type StepSLA struct {
	After            Duration `json:"after"`
	RemindBefore     Duration `json:"remind_before"`
	SecondLevelAfter Duration `json:"second_level_after"`
}

// Policy maps step names to their SLA. Default applies to a step not listed.
type Policy struct {
	Name    string             `json:"name"`
	Default StepSLA            `json:"default"`
	Steps   map[string]StepSLA `json:"steps"`
}

// For returns the SLA of a step.
func (p Policy) For(step string) StepSLA {
	if s, ok := p.Steps[step]; ok {
		return s
	}
	return p.Default
}

// Validate checks that every SLA is usable.
func (p Policy) Validate() error {
	check := func(name string, s StepSLA) error {
		if s.After <= 0 {
			return fmt.Errorf("policy %s: step %s: after must be positive", p.Name, name)
		}
		if s.RemindBefore < 0 || s.RemindBefore >= s.After {
			return fmt.Errorf("policy %s: step %s: remind_before must be at least 0 and shorter than after", p.Name, name)
		}
		if s.SecondLevelAfter <= 0 {
			return fmt.Errorf("policy %s: step %s: second_level_after must be positive", p.Name, name)
		}
		return nil
	}
	if err := check("default", p.Default); err != nil {
		return err
	}
	// In name order, so a policy with several bad steps always names the same one.
	for _, name := range slices.Sorted(maps.Keys(p.Steps)) {
		if err := check(name, p.Steps[name]); err != nil {
			return err
		}
	}
	return nil
}

//go:embed *.json
var builtin embed.FS

// Load returns a built-in policy ("production", "demo") or reads a JSON file at
// the given path.
//
// Unknown fields are errors: a misspelt "remind_before" would otherwise leave a
// zero duration that passes validation.
func Load(nameOrPath string) (Policy, error) {
	b, err := builtin.ReadFile(nameOrPath + ".json")
	fromFile := err != nil
	if fromFile {
		b, err = os.ReadFile(nameOrPath)
		if err != nil {
			return Policy{}, fmt.Errorf("policy %q is neither built in (production, demo) nor a readable file: %w", nameOrPath, err)
		}
	}
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("policy %q: %w", nameOrPath, err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("policy %q: unexpected data after the policy object", nameOrPath)
	}
	if p.Name == "" {
		p.Name = nameOrPath
	}
	if err := p.Validate(); err != nil {
		if fromFile {
			return Policy{}, fmt.Errorf("policy file %s: %w", nameOrPath, err)
		}
		return Policy{}, err
	}
	return p, nil
}
