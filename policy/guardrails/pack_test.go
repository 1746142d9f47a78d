package guardrails_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/policy/catalog"
	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"google.golang.org/protobuf/types/known/structpb"
)

// fakeManager collects what policies report, as the analyzer server does.
type fakeManager struct{ reports []string }

func (f *fakeManager) ReportViolation(message, urn string) {
	f.reports = append(f.reports, urn+": "+message)
}

func configOf(kv ...string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == key {
				return kv[i+1], true
			}
		}
		return "", false
	}
}

func TestSettingsFromConfig(t *testing.T) {
	cases := []struct {
		name, stack string
		config      []string
		wantEnv     string
		wantErr     string
		check       func(t *testing.T, s guardrails.Settings)
	}{
		{name: "stack name", stack: "staging", wantEnv: "staging"},
		{name: "unknown stack fails closed", stack: "ci-1234", wantEnv: "prod"},
		{name: "environment key wins", stack: "unsafe", config: []string{"eksfleet:environment", "dev"}, wantEnv: "dev"},
		{name: "policy and network", stack: "prod", wantEnv: "prod", config: []string{
			"eksfleet:policy", `{"enforcement":{"imds-hop-limit":"advisory","cannot-verify":"mandatory"},"allowedInstanceTypes":["m6i.*"],"requiredTags":["team"]}`,
			"eksfleet:network", `{"vpcId":"vpc-1","vpcCidr":"10.40.0.0/16"}`,
		}, check: func(t *testing.T, s guardrails.Settings) {
			if s.Level("imds-hop-limit") != catalog.Advisory || s.Level(catalog.CannotVerify) != catalog.Mandatory {
				t.Errorf("levels: hop %s, cannot-verify %s", s.Level("imds-hop-limit"), s.Level(catalog.CannotVerify))
			}
			if s.Level("eks-secrets-cmk") != catalog.Mandatory {
				t.Errorf("eks-secrets-cmk in prod: %s", s.Level("eks-secrets-cmk"))
			}
			if !slices.Equal(s.AllowedInstanceTypes, []string{"m6i.*"}) || !slices.Equal(s.RequiredTags, []string{"team"}) || !slices.Equal(s.VpcCIDRs, []string{"10.40.0.0/16"}) {
				t.Errorf("lists: %+v", s)
			}
		}},
		{name: "unknown rule", stack: "dev", config: []string{"eksfleet:policy", `{"enforcement":{"imdsv2-requried":"advisory"}}`}, wantErr: `unknown rule "imdsv2-requried"`},
		{name: "bad level", stack: "dev", config: []string{"eksfleet:policy", `{"enforcement":{"imdsv2-required":"off"}}`}, wantErr: `"off" must be mandatory, advisory or disabled`},
		{name: "typo in a key", stack: "dev", config: []string{"eksfleet:policy", `{"requiredTag":["team"]}`}, wantErr: `unknown field "requiredTag"`},
		{name: "bad glob", stack: "dev", config: []string{"eksfleet:policy", `{"allowedInstanceTypes":["m6i.["]}`}, wantErr: "not a valid glob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := guardrails.SettingsFromConfig(configOf(tc.config...), tc.stack)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Environment != tc.wantEnv {
				t.Errorf("environment %q, want %q", s.Environment, tc.wantEnv)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestDefaultLevelsFollowTheCatalogue(t *testing.T) {
	for _, r := range catalog.Rules {
		for env, want := range map[string]catalog.Level{"dev": r.Dev, "staging": r.Staging, "prod": r.Prod, "sandbox": r.Prod} {
			if got := (guardrails.Settings{Environment: env}).Level(r.Name); got != want {
				t.Errorf("%s in %s: %s, want %s", r.Name, env, got, want)
			}
		}
		if r.Name != catalog.CannotVerify && len(r.Anchors) == 0 {
			t.Errorf("%s has no anchors to quote", r.Name)
		}
	}
	over := guardrails.Settings{Environment: "dev", Enforcement: map[string]catalog.Level{"eks-secrets-cmk": catalog.Mandatory}}
	if over.Level("eks-secrets-cmk") != catalog.Mandatory || over.Level("eks-control-plane-logs") != catalog.Advisory {
		t.Errorf("override not applied: %+v", over)
	}
}

func policiesByName(t *testing.T, s guardrails.Settings) map[string]policyx.Policy {
	t.Helper()
	pack, err := guardrails.NewPack(s)
	if err != nil {
		t.Fatal(err)
	}
	if pack.Name() != guardrails.PackName || pack.Version().String() != guardrails.PackVersion {
		t.Errorf("pack %s %s", pack.Name(), pack.Version())
	}
	out := map[string]policyx.Policy{}
	for _, p := range pack.Policies() {
		if _, dup := out[p.Name()]; dup {
			t.Errorf("policy %s twice", p.Name())
		}
		out[p.Name()] = p
	}
	return out
}

func TestPackPoliciesAndLevels(t *testing.T) {
	for _, env := range catalog.Environments {
		ps := policiesByName(t, guardrails.Settings{Environment: env})
		for _, r := range catalog.Rules {
			p, ok := ps[r.Name]
			if !ok {
				t.Fatalf("%s: no policy %s", env, r.Name)
			}
			want := map[catalog.Level]policyx.EnforcementLevel{
				catalog.Mandatory: policyx.EnforcementLevelMandatory, catalog.Advisory: policyx.EnforcementLevelAdvisory,
			}[r.Default(env)]
			if p.EnforcementLevel() != want {
				t.Errorf("%s: %s level %v, want %v", env, r.Name, p.EnforcementLevel(), want)
			}
			if p.Description() != r.Description {
				t.Errorf("%s description %q", r.Name, p.Description())
			}
			_, isStack := p.(policyx.StackValidationPolicy)
			if isStack != (r.Scope == catalog.StackScope) {
				t.Errorf("%s: stack policy %v, catalogue scope %s", r.Name, isStack, r.Scope)
			}
		}
		if _, ok := ps[guardrails.CannotVerifyStack].(policyx.StackValidationPolicy); !ok {
			t.Errorf("no %s stack policy", guardrails.CannotVerifyStack)
		}
		if len(ps) != len(catalog.Rules)+1 {
			t.Errorf("%d policies, want %d", len(ps), len(catalog.Rules)+1)
		}
	}
	disabled := policiesByName(t, guardrails.Settings{Environment: "prod", Enforcement: map[string]catalog.Level{"required-tags": catalog.Disabled}})
	if disabled["required-tags"].EnforcementLevel() != policyx.EnforcementLevelDisabled {
		t.Errorf("required-tags not disabled")
	}
	if s := policiesByName(t, guardrails.Settings{})["allowed-instance-types"].ConfigSchema(); s == nil || s.Properties["allowedInstanceTypes"] == nil {
		t.Errorf("allowed-instance-types has no allowedInstanceTypes config schema: %+v", s)
	}
	// The analyzer server sends every schema to the engine as a protobuf
	// struct (GetAnalyzerInfo); a value structpb can't hold fails the pack.
	for name, p := range policiesByName(t, guardrails.Settings{}) {
		if s := p.ConfigSchema(); s != nil {
			props := map[string]any{}
			for k, v := range s.Properties {
				props[k] = v
			}
			if _, err := structpb.NewStruct(props); err != nil {
				t.Errorf("%s: config schema is not protobuf-safe: %v", name, err)
			}
		}
	}
}

func validateResource(t *testing.T, p policyx.Policy, r policyx.AnalyzerResource, config map[string]any) []string {
	t.Helper()
	rp, ok := p.(policyx.ResourceValidationPolicy)
	if !ok {
		t.Fatalf("%s is not a resource policy", p.Name())
	}
	m := &fakeManager{}
	if err := rp.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: r, Config: config}); err != nil {
		t.Fatal(err)
	}
	return m.reports
}

func validateStack(t *testing.T, p policyx.Policy, rs []policyx.AnalyzerResource) []string {
	t.Helper()
	sp, ok := p.(policyx.StackValidationPolicy)
	if !ok {
		t.Fatalf("%s is not a stack policy", p.Name())
	}
	m := &fakeManager{}
	if err := sp.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: rs}); err != nil {
		t.Fatal(err)
	}
	return m.reports
}

// TestPackUnderTheAnalyzer drives the policies as the analyzer server does:
// violations go to the rule's policy, values that cannot be verified to the
// cannot-verify policies only, and per-policy config overrides settings.
func TestPackUnderTheAnalyzer(t *testing.T) {
	ps := policiesByName(t, guardrails.Settings{Environment: "prod"})
	optional := launchTemplate("lt", "", m{"metadataOptions": m{"httpTokens": "optional"}})
	if got := validateResource(t, ps["imdsv2-required"], optional, nil); len(got) != 1 || !strings.Contains(got[0], `httpTokens = "optional"`) || !strings.HasPrefix(got[0], optional.URN) {
		t.Errorf("imdsv2-required reports %v", got)
	}
	unknownTokens := launchTemplate("lt", "", m{"metadataOptions": m{"httpTokens": unknown}})
	if got := validateResource(t, ps["imdsv2-required"], unknownTokens, nil); len(got) != 0 {
		t.Errorf("imdsv2-required (mandatory) reported an unknown value: %v", got)
	}
	if got := validateResource(t, ps[catalog.CannotVerify], unknownTokens, nil); len(got) != 1 || !strings.Contains(got[0], "imdsv2-required: cannot verify") {
		t.Errorf("cannot-verify reports %v", got)
	}
	if got := validateResource(t, ps["allowed-instance-types"], launchTemplate("lt", "", nil), map[string]any{"allowedInstanceTypes": []any{"c7i.*"}}); len(got) != 1 || !strings.Contains(got[0], `"m6i.large", not on the allowed list (c7i.*)`) {
		t.Errorf("allowed-instance-types with policy config reports %v", got)
	}
	if got := validateResource(t, ps["imds-hop-limit"], launchTemplate("lt", "", nil), map[string]any{"maxHopLimit": float64(1)}); len(got) != 1 {
		t.Errorf("imds-hop-limit with maxHopLimit 1 reports %v", got)
	}
	if got := validateResource(t, ps["node-volumes-encrypted"], launchTemplate("lt", "", nil), map[string]any{"requireCustomerManagedKey": true}); len(got) != 1 || !strings.Contains(got[0], "kmsKeyId") {
		t.Errorf("node-volumes-encrypted with requireCustomerManagedKey reports %v", got)
	}
	if got := validateResource(t, ps["eks-control-plane-logs"], eksCluster("1.33", m{"enabledClusterLogTypes": []string{"audit"}}), map[string]any{"requiredLogTypes": []any{"audit"}}); len(got) != 0 {
		t.Errorf("eks-control-plane-logs with requiredLogTypes [audit] reports %v", got)
	}

	mismatch := selfManaged("g", userData(t, bootstrapInput(map[string]string{"workload": "general"})),
		asgTags(caTags(t, map[string]string{"workload": "batch"}, nil, false, false)), nil, ignoring("desiredCapacity"))
	if got := validateStack(t, ps["ca-template-matches-kubelet"], mismatch); len(got) != 1 || !strings.Contains(got[0], `label workload is "general" on the nodes but "batch"`) {
		t.Errorf("ca-template-matches-kubelet reports %v", got)
	}
	computed := []policyx.AnalyzerResource{launchTemplate("g", "", m{"userData": unknown}), mismatch[1]}
	if got := validateStack(t, ps["ca-template-matches-kubelet"], computed); len(got) != 0 {
		t.Errorf("ca-template-matches-kubelet reported an unknown value: %v", got)
	}
	if got := validateStack(t, ps[guardrails.CannotVerifyStack], computed); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "ca-template-matches-kubelet: cannot verify") {
		t.Errorf("cannot-verify-stack reports %v", got)
	}

	quiet := policiesByName(t, guardrails.Settings{Environment: "prod", Enforcement: map[string]catalog.Level{"imdsv2-required": catalog.Disabled}})
	if got := validateResource(t, quiet[catalog.CannotVerify], unknownTokens, nil); len(got) != 0 {
		t.Errorf("cannot-verify reports for a disabled rule: %v", got)
	}
}

func TestNewPackRefusesBadSettings(t *testing.T) {
	if _, err := guardrails.NewPack(guardrails.Settings{Enforcement: map[string]catalog.Level{"nope": catalog.Advisory}}); err == nil {
		t.Error("unknown rule accepted")
	}
}
