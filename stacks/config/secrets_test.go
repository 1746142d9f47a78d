package config_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
)

// TestSecretValuesRedactedInProblems: a secret proxy whose URL carries a
// password is still refused (user data is readable), at its key path, but
// neither the problem's value nor any message holds the URL or the
// password; the same config given in plain text shows the value, as
// before. Other problems keep their values.
func TestSecretValuesRedactedInProblems(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	const proxyURL = "http://svc-egress:" + pw + "@proxy.corp.example:3128"
	v := with(t, "eksfleet:proxy", `{httpsProxy: "`+proxyURL+`", httpProxy: "not a url `+pw+`", noProxy: [".corp.example", "bad entry"]}`)
	v["eksfleet:environment"] = "qa" // a plain-text problem elsewhere

	_, plainErr := config.Parse("eksfleet", "dev", v)
	if plainErr == nil || !strings.Contains(plainErr.Error(), pw) {
		t.Fatalf("plain config: error does not show the value (test premise): %v", plainErr)
	}

	_, err := config.ParseSecrets("eksfleet", "dev", v, []string{"eksfleet:proxy"})
	var errs *config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *config.Errors, got %v", err)
	}
	b, _ := json.Marshal(errs.Problems)
	for _, leak := range []string{pw, proxyURL, "svc-egress", "not a url", "bad entry"} {
		if strings.Contains(err.Error(), leak) || strings.Contains(string(b), leak) {
			t.Errorf("problems leak %q:\n%s\n%s", leak, err, b)
		}
	}
	byPath := map[string]config.Problem{}
	for _, p := range errs.Problems {
		byPath[p.Path] = p
	}
	for path, msg := range map[string]string{
		"eksfleet:proxy.httpsProxy": "carries credentials",
		"eksfleet:proxy.httpProxy":  "must be a URL",
		"eksfleet:proxy.noProxy[1]": "must be one host",
		"eksfleet:environment":      "",
	} {
		p, ok := byPath[path]
		if !ok {
			t.Errorf("no problem at %s: %s", path, err)
			continue
		}
		if !strings.Contains(p.Message, msg) {
			t.Errorf("%s: message %q, want it to say %q", path, p.Message, msg)
		}
		if strings.HasPrefix(path, "eksfleet:proxy") && p.Value != config.Redacted {
			t.Errorf("%s: value %q, want %s", path, p.Value, config.Redacted)
		}
	}
	if p := byPath["eksfleet:environment"]; p.Value != `"qa"` {
		t.Errorf("a plain key's problem lost its value: %+v", p)
	}
}

// TestSecretKeysRecorded: a valid config remembers which keys were secret,
// so the program registers what it builds from them as Pulumi secrets.
func TestSecretKeysRecorded(t *testing.T) {
	v := with(t, "eksfleet:proxy", `{httpsProxy: "http://proxy.corp.example:3128"}`)
	cfg, err := config.ParseSecrets("eksfleet", "dev", v, []string{"eksfleet:proxy", "eksfleet:notset"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.IsSecret("proxy") || cfg.IsSecret("network") || cfg.IsSecret("notset") {
		t.Errorf("secrets %v: proxy %v network %v notset %v", cfg.Secrets, cfg.IsSecret("proxy"), cfg.IsSecret("network"), cfg.IsSecret("notset"))
	}
	if cfg.Proxy == nil || cfg.Proxy.HTTPSProxy != "http://proxy.corp.example:3128" {
		t.Errorf("proxy %+v", cfg.Proxy)
	}
}

// TestConfigRedactsLaterProblems: problems found after parsing (a subnet
// looked up in another VPC) hide a secret key's values as parsing does:
// [secret] at the key, its texts scrubbed from every message.
func TestConfigRedactsLaterProblems(t *testing.T) {
	v := values(t, base)
	var network map[string]any
	if err := json.Unmarshal([]byte(v["eksfleet:network"]), &network); err != nil {
		t.Fatal(err)
	}
	vpc, _ := network["vpcId"].(string)
	subnets, _ := network["privateSubnetIds"].([]any)
	if vpc == "" || len(subnets) == 0 {
		t.Fatalf("base network %v lacks vpcId or privateSubnetIds", network)
	}
	subnet := subnets[0].(string)
	cfg, err := config.ParseSecrets("eksfleet", "dev", v, []string{"eksfleet:network"})
	if err != nil {
		t.Fatal(err)
	}
	later := &config.Errors{Problems: []config.Problem{
		{Path: "eksfleet:network.privateSubnetIds[0]", Value: subnet, Message: "is in VPC vpc-0ffffffffffffffff, not network.vpcId " + vpc},
		{Path: "aws:region", Value: "eu-west-1", Message: "region problem"},
	}}
	got := cfg.Redact(later).Error()
	for _, leak := range []string{vpc, subnet} {
		if strings.Contains(got, leak) {
			t.Errorf("redacted error still holds %s:\n%s", leak, got)
		}
	}
	for _, want := range []string{"eksfleet:network.privateSubnetIds[0]: [secret] is in VPC vpc-0ffffffffffffffff, not network.vpcId [secret]", "aws:region: eu-west-1 region problem"} {
		if !strings.Contains(got, want) {
			t.Errorf("redacted error lacks %q:\n%s", want, got)
		}
	}
}
