package config_test

import (
	"slices"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
)

func TestPolicyKey(t *testing.T) {
	cfg, err := config.Parse("eksfleet", "dev", with(t, "eksfleet:policy", `
enforcement: {imds-hop-limit: mandatory, cannot-verify: disabled}
allowedInstanceTypes: [m6i.*, m7g.large]
requiredTags: [team, cost-center]
`))
	if err != nil {
		t.Fatalf("valid eksfleet:policy refused: %v", err)
	}
	p := cfg.Policy
	if p.Enforcement["imds-hop-limit"] != "mandatory" || p.Enforcement["cannot-verify"] != "disabled" {
		t.Errorf("enforcement = %v", p.Enforcement)
	}
	if !slices.Equal(p.AllowedInstanceTypes, []string{"m6i.*", "m7g.large"}) || !slices.Equal(p.RequiredTags, []string{"team", "cost-center"}) {
		t.Errorf("policy = %+v", p)
	}

	cfg, err = config.Parse("eksfleet", "dev", values(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Policy.Enforcement) != 0 || len(cfg.Policy.AllowedInstanceTypes) != 0 || len(cfg.Policy.RequiredTags) != 0 {
		t.Errorf("absent eksfleet:policy must mean defaults, got %+v", cfg.Policy)
	}
}
