package config_test

import (
	"strings"
	"testing"
)

// User data EC2 would refuse (over 16 KB raw) is refused at config time, at
// the node group's key path, not when the launch template is created after
// the cluster.
func TestUserDataOverEC2Limit(t *testing.T) {
	long := strings.Repeat("x", 4000)
	v := values(t, base)
	v["eksfleet:nodeGroups"] = `[{"name": "system", "kind": "managed", "instanceTypes": ["m6i.large"], "minSize": 1, "maxSize": 3},
	  {"name": "a", "kind": "self-managed", "instanceTypes": ["m5.large"], "minSize": 0, "maxSize": 3,
	   "preBootstrapCommands": ["echo ` + long + `", "echo ` + long + `", "echo ` + long + `", "echo ` + long + `", "echo ` + long + `"]}]`
	ps := problems(t, v)
	found := false
	for _, p := range ps {
		if p.Path == "eksfleet:nodeGroups[1]" && strings.Contains(p.Message, "16 KB") {
			found = true
		}
	}
	if !found {
		t.Fatalf("want a 16 KB problem at eksfleet:nodeGroups[1], got %v", ps)
	}
}
