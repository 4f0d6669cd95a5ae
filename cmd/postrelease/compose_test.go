package main

import (
	"context"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeFileIsValid loads docker-compose.yml with the Compose
// specification's own loader (schema, interpolation, consistency of
// depends_on and volumes), since no Docker engine runs here, and checks that
// every postrelease service runs a subcommand that exists.
func TestComposeFileIsValid(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"}, cli.WithName("postrelease"), cli.WithConsistency(true))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	want := map[string]string{"migrate": "migrate", "api": "api", "worker": "worker"}
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "migrate", "api", "worker"} {
		if _, ok := project.Services[name]; !ok {
			t.Errorf("service %s is missing", name)
		}
	}
	for svc, sub := range want {
		s := project.Services[svc]
		if s.Build == nil {
			t.Errorf("service %s must be built from the Dockerfile", svc)
		}
		if len(s.Command) == 0 || s.Command[0] != sub {
			t.Errorf("service %s runs %v, want %s", svc, s.Command, sub)
		}
		if c, _, err := root().Find([]string{sub}); err != nil || c.Name() != sub {
			t.Errorf("service %s runs %q, which is not a postrelease subcommand", svc, sub)
		}
		for _, v := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"} {
			if s.Environment[v] == nil || *s.Environment[v] == "" {
				t.Errorf("service %s does not set %s", svc, v)
			}
		}
	}
	if d, ok := project.Services["api"].DependsOn["migrate"]; !ok || d.Condition != "service_completed_successfully" {
		t.Errorf("api must wait for migrate to complete, got %+v", project.Services["api"].DependsOn)
	}
}
