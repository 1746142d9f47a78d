package stacks_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

// prodProxyURL is the proxy of Pulumi.prod.yaml.
const prodProxyURL = "http://proxy.corp.example:3128"

// secretProd is prod with its proxy key given as a secret, as the engine
// hands it to the program: decrypted, and named in the secret keys.
func secretProd(t *testing.T) *plan.Project {
	t.Helper()
	proj, err := plan.LoadProject("..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(proj.Config["eksfleet:proxy"], prodProxyURL) {
		t.Fatalf("prod's proxy is not %s: %s", prodProxyURL, proj.Config["eksfleet:proxy"])
	}
	proj.SecretKeys = append(proj.SecretKeys, "eksfleet:proxy")
	return proj
}

// TestSecretProxyStaysSecret: with eksfleet:proxy secret, everything built
// from it is a Pulumi secret (the plan shows "[secret]"): the launch
// templates' user data of both kinds of group, the pods' proxy ConfigMap,
// and the chart values of the autoscaler and the termination handler,
// exported ones included. Nothing in the plan holds the proxy URL, which
// the same stack in plain text shows.
func TestSecretProxyStaysSecret(t *testing.T) {
	plain := evaluate(t, "..", "prod")
	if b, _ := json.Marshal(plain); !strings.Contains(string(b), "proxy.corp.example:3128") {
		t.Fatal("plain prod plan does not show the proxy (test premise)")
	}

	p, err := plan.Evaluate(secretProd(t), stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:ec2/launchTemplate:LaunchTemplate": "userData",
		"kubernetes:core/v1:ConfigMap":          "data",
		"kubernetes:helm.sh/v3:Release":         "values",
	}
	seen := map[string]int{}
	for _, r := range p.Resources {
		prop, ok := want[r.Type]
		if !ok {
			continue
		}
		seen[r.Type]++
		if got := r.Inputs[prop]; got != "[secret]" {
			t.Errorf("%s: %s = %.200v, want [secret]", r.URN, prop, got)
		}
	}
	for typ := range want {
		if seen[typ] == 0 {
			t.Errorf("prod plans no %s", typ)
		}
	}
	if n := seen["kubernetes:helm.sh/v3:Release"]; n != 2 {
		t.Errorf("%d Helm releases, want the autoscaler's and the termination handler's", n)
	}
	b, _ := json.Marshal(p)
	if strings.Contains(string(b), "proxy.corp.example:3128") {
		t.Errorf("the plan of a secret proxy shows it in plain text")
	}
}

// TestSecretProxyRefusedRedacted: a secret proxy URL with a password is
// refused (user data is readable through the EC2 API) at its key path,
// without the URL or the password in the error.
func TestSecretProxyRefusedRedacted(t *testing.T) {
	const pw = "hunter2-Proxy"
	proj := secretProd(t)
	proj.Config["eksfleet:proxy"] = `{"httpsProxy":"http://egress:` + pw + `@proxy.corp.example:3128"}`
	_, err := plan.Evaluate(proj, stacks.Run)
	var ce *plan.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("want a config error, got %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "eksfleet:proxy.httpsProxy: [secret] carries credentials") {
		t.Errorf("error does not name the key with the value redacted:\n%s", msg)
	}
	if strings.Contains(msg, pw) || strings.Contains(msg, "egress:") {
		t.Errorf("error leaks the secret:\n%s", msg)
	}
}

// TestNestedSecretAccepted: `pulumi config set --secret --path
// eksfleet:proxy.httpsProxy` writes a `secure:` value inside the proxy
// map. The stack file reads as a secret proxy key (not a map where a
// string belongs), and with the value the engine decrypts it plans, the
// proxy secret.
func TestNestedSecretAccepted(t *testing.T) {
	dir := t.TempDir()
	prod, err := os.ReadFile(filepath.Join("..", "Pulumi.prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const nested = "    httpsProxy:\n      secure: v1:c2VjcmV0LW5vbmNl:Y2lwaGVydGV4dA==\n"
	stack := strings.Replace(string(prod), "    httpsProxy: "+prodProxyURL+"\n", nested, 1)
	if stack == string(prod) {
		t.Fatal("prod has no httpsProxy line to replace")
	}
	for name, text := range map[string]string{"Pulumi.yaml": "name: eksfleet\nruntime: go\n", "Pulumi.prod.yaml": stack} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proj, err := plan.LoadProject(dir, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if !containsString(proj.SecretKeys, "eksfleet:proxy") {
		t.Errorf("secret keys %v lack eksfleet:proxy", proj.SecretKeys)
	}
	var px map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:proxy"]), &px); err != nil {
		t.Fatal(err)
	}
	if _, ok := px["httpsProxy"].(string); !ok {
		t.Fatalf("httpsProxy reads as %v, not a string", px["httpsProxy"])
	}
	// What the engine hands the program: the value decrypted.
	px["httpsProxy"] = prodProxyURL
	b, _ := json.Marshal(px)
	proj.Config["eksfleet:proxy"] = string(b)
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(p); strings.Contains(string(b), "proxy.corp.example:3128") {
		t.Errorf("the plan of a nested secret proxy shows it in plain text")
	}
}
