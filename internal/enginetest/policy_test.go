package enginetest

import (
	"reflect"
	"testing"
)

func TestPolicyViolations(t *testing.T) {
	out := `Previewing update (test):
 +  aws:ec2:LaunchTemplate nodes create
Policies:
    ❌ eksfleet-guardrails@v1.0.0 (local: /src/policy)
        - [mandatory]  desired-capacity-ignored  (aws:autoscaling:Group: nodes)
          Groups the Cluster Autoscaler scales leave their desired size to it.
          Auto Scaling Group "nodes" is scaled by the Cluster Autoscaler [eksfleet B4]
        - [advisory]  cannot-verify-stack
          A guardrail could not check a value.

Diagnostics:
  pulumi:pulumi:Stack (enginetest-test):
    error: preview failed
`
	want := []PolicyViolation{
		{Pack: "eksfleet-guardrails@v1.0.0", Level: "mandatory", Policy: "desired-capacity-ignored", Resource: "aws:autoscaling:Group: nodes",
			Message: "Groups the Cluster Autoscaler scales leave their desired size to it.\nAuto Scaling Group \"nodes\" is scaled by the Cluster Autoscaler [eksfleet B4]"},
		{Pack: "eksfleet-guardrails@v1.0.0", Level: "advisory", Policy: "cannot-verify-stack", Message: "A guardrail could not check a value."},
	}
	if got := PolicyViolations(out); !reflect.DeepEqual(got, want) {
		t.Errorf("PolicyViolations =\n%#v\nwant\n%#v", got, want)
	}
	if got := PolicyViolations("Resources:\n    + 3 to create\n"); len(got) != 0 {
		t.Errorf("no Policies section: %v", got)
	}
}
