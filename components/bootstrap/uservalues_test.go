package bootstrap

import (
	"strings"
	"testing"
)

// The MIME boundary in a user-written value is refused by Validate, which
// the node group components run before registering anything, not only by
// Render inside an apply once the cluster is known.
func TestValidateRefusesTheBoundary(t *testing.T) {
	cases := map[string]func(in *Input){
		"preBootstrapCommands": func(in *Input) { in.Node.PreBootstrapCommands = []string{"echo " + Boundary} },
		"kubeletExtraArgs":     func(in *Input) { in.Node.KubeletExtraArgs = []string{"--v=" + Boundary} },
		"noProxy": func(in *Input) {
			in.Proxy = &Proxy{HTTPProxy: "http://proxy.corp.example:3128", NoProxy: []string{Boundary}}
		},
	}
	for name, mutate := range cases {
		in := baseInput(AL2023)
		mutate(&in)
		err := Validate(in)
		if err == nil || !strings.Contains(err.Error(), "MIME boundary") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate = %v, want the MIME boundary refused for %s", name, err, name)
		}
	}
}

// Found by FuzzRender: a NO_PROXY entry that is not UTF-8 rendered
// Bottlerocket settings no TOML parser reads. Every user-written value must
// be UTF-8, refused by Validate with the field named.
func TestValidateRefusesInvalidUTF8(t *testing.T) {
	const bad = "corp\xe3"
	cases := map[string]func(in *Input){
		"preBootstrapCommands": func(in *Input) { in.Node.PreBootstrapCommands = []string{"echo " + bad} },
		"kubeletExtraArgs":     func(in *Input) { in.Node.KubeletExtraArgs = []string{"--v=" + bad} },
		"noProxy": func(in *Input) {
			in.Proxy = &Proxy{HTTPProxy: "http://proxy.corp.example:3128", NoProxy: []string{bad}}
		},
	}
	for name, mutate := range cases {
		in := baseInput(AL2023)
		mutate(&in)
		err := Validate(in)
		if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate = %v, want invalid UTF-8 refused for %s", name, err, name)
		}
	}
}

func TestValidateRefusesProxyFragment(t *testing.T) {
	in := baseInput(AL2023)
	in.Proxy = &Proxy{HTTPProxy: "http://proxy.corp.example:3128#frag"}
	if err := Validate(in); err == nil || !strings.Contains(err.Error(), "#fragment") {
		t.Errorf("Validate = %v, want the #fragment refused", err)
	}
}

// Render refuses user data EC2 would refuse (over 16 KB raw), instead of
// handing it to a launch template that fails at create time.
func TestRenderRefusesOversizedUserData(t *testing.T) {
	in := baseInput(AL2023)
	in.Node.PreBootstrapCommands = []string{"echo " + strings.Repeat("x", MaxUserDataBytes)}
	if _, err := Render(in); err == nil || !strings.Contains(err.Error(), "16 KB") {
		t.Errorf("Render = %v, want the 16 KB limit", err)
	}
	in.Node.PreBootstrapCommands = []string{"echo " + strings.Repeat("x", 1000)}
	if _, err := Render(in); err != nil {
		t.Errorf("small user data refused: %v", err)
	}
}
