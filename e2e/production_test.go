package e2e

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/devserver"
	"github.com/postrelease/postrelease/internal/testdb"
)

// TestProductionSubcommands runs the production topology as separate
// processes of the binary: `migrate` (store + search attributes), `user add`,
// `token create`, then `worker` and `api` against a Temporal server of their
// own (not embedded in them) and PostgreSQL, and takes a case to closed.
func TestProductionSubcommands(t *testing.T) {
	needsBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The "cluster": a Temporal server in this test process, namespace "compliance".
	temporal, err := devserver.Start(ctx, devserver.Options{DataDir: t.TempDir(), Port: portOf(t, freeAddr(t)), Namespace: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	defer temporal.Stop()

	env := []string{
		"DATABASE_URL=" + testdb.Postgres(t),
		"TEMPORAL_ADDRESS=" + temporal.FrontendHostPort(),
		"TEMPORAL_NAMESPACE=compliance",
		"POSTRELEASE_LOG_LEVEL=warn",
	}
	if out := runCommand(t, env, "migrate"); !strings.Contains(out, "migrated") {
		t.Fatalf("migrate printed %q", out)
	}
	// migrate registered the search attributes on the cluster's namespace.
	c, err := client.Dial(client.Options{HostPort: temporal.FrontendHostPort(), Namespace: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sas, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range app.SearchAttributes() {
		if got, ok := sas.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s = %v (registered %v), want %v", name, got, ok, typ)
		}
	}
	if out := runCommand(t, env, "migrate"); !strings.Contains(out, "migrated") {
		t.Fatalf("a second migrate printed %q", out)
	}

	runCommand(t, env, "user", "add", "--email", "olivia@importer.test", "--role", "officer", "--password", "officer-password-1")
	runCommand(t, env, "user", "add", "--email", "manuel@importer.test", "--role", "manager", "--password", "manager-password-1")
	officer := strings.TrimSpace(lastLine(runCommand(t, env, "token", "create", "--email", "olivia@importer.test")))
	manager := strings.TrimSpace(lastLine(runCommand(t, env, "token", "create", "--email", "manuel@importer.test")))
	if !strings.HasPrefix(officer, "prt_") || !strings.HasPrefix(manager, "prt_") {
		t.Fatalf("tokens look wrong: %q %q", officer, manager)
	}
	if out := runCommand(t, env, "user", "list"); !strings.Contains(out, "olivia@importer.test\tofficer") {
		t.Errorf("user list:\n%s", out)
	}

	startProcess(t, env, "worker")
	httpAddr := freeAddr(t)
	api := startProcess(t, append(env, "POSTRELEASE_HTTP_ADDR="+httpAddr), "api")
	base := "http://" + httpAddr
	waitHealthy(t, base, api)

	var st struct {
		CaseID string `json:"case_id"`
		Status string `json:"status"`
		Step   string `json:"step"`
	}
	body := fmt.Sprintf(`{"entry_number":"ABC-1234567-8","entry_date":"%s","port":"2704","importer_of_record":"Acme",
		"sku":"WR-1","product_description":"wrench set","declared_hts":"7326.90.8688","correct_hts":"8204.11.0060",
		"entered_value":"48250.00","declared_rate":"0.025","correct_rate":"0.072"}`, time.Now().AddDate(0, 0, -20).Format(time.DateOnly))
	if code := apiCall(t, base, officer, "POST", "/api/v1/cases", body, &st); code != 201 {
		t.Fatalf("open: %d", code)
	}
	id := st.CaseID
	for _, a := range []struct{ token, action, body string }{
		{officer, "file_psc", `{"reference":"PSC-1"}`},
		{officer, "record_cbp_decision", `{"decision":"accepted"}`},
		{officer, "record_payment", `{"reference":"PAY-1","amount":"3474.00"}`},
		{officer, "propose_code_fix", `{"rule":"hand tools of heading 8204"}`},
		{manager, "approve_code_fix", `{"decision":"approved"}`},
		{manager, "close", `{"summary":"done"}`},
	} {
		if code := apiCall(t, base, a.token, "POST", "/api/v1/cases/"+id+"/actions/"+a.action, a.body, &st); code != 200 {
			t.Fatalf("%s: %d\napi logs:\n%s", a.action, code, api.logs.String())
		}
	}
	if st.Status != "closed" {
		t.Fatalf("after close the case is %s at %s", st.Status, st.Step)
	}
	// Temporal's visibility, through the registered search attributes, agrees.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: "compliance", Query: "CaseStatus = 'closed' AND EntryNumber = 'ABC-1234567-8' AND CaseStep = 'closed'"})
		if err == nil && resp.GetCount() == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("visibility does not show the closed case: %v, %v", resp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
