package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPlanUnsafeStackExitsTwo: `eksfleet plan` on a stack that passes
// config validation but breaks guardrails exits 2 and names each broken
// rule, in the JSON and in the table.
func TestPlanUnsafeStackExitsTwo(t *testing.T) {
	broken := []string{"imds-hop-limit", "node-volumes-encrypted", "eks-endpoint-private", "eks-control-plane-logs",
		"eks-secrets-cmk", "allowed-instance-types", "required-tags"}
	code, out, errOut := runCLI("plan", "unsafe", "--dir", "../../policy/testdata", "--output", "json")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	var doc struct {
		Violations []struct {
			Policy, Enforcement, URN, Message string
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not the plan JSON: %v", err)
	}
	for _, rule := range broken {
		found := false
		for _, v := range doc.Violations {
			if v.Policy == rule && v.Enforcement == "mandatory" && v.URN != "" && strings.Contains(v.Message, "[") {
				found = true
			}
		}
		if !found {
			t.Errorf("no mandatory %s violation with a resource and anchor IDs", rule)
		}
	}

	code, table, _ := runCLI("plan", "unsafe", "--dir", "../../policy/testdata")
	if code != 2 {
		t.Fatalf("table output: exit %d, want 2", code)
	}
	for _, rule := range broken {
		if !strings.Contains(table, rule) {
			t.Errorf("table output does not name %s", rule)
		}
	}
}
