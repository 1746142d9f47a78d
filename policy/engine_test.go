package main

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/enginetest"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// nodeConfig is AL2023 user data registering the label the autoscaler
// tags below promise.
const nodeConfig = `apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  cluster:
    name: acme
    apiServerEndpoint: https://example.eks.amazonaws.com
    certificateAuthority: Y2E=
    cidr: 172.20.0.0/16
  kubelet:
    flags: [--node-labels=workload=general]
`

// guardrailProgram is a self-managed node group whose safety depends on
// the stack config key enginetest:stage: 0 accepts IMDSv1, 1 fixes that but
// lets Pulumi fight the autoscaler over desiredCapacity, 2 fixes both. Its
// hop limit of 3 stays: advisory in dev, mandatory in prod. A role policy
// naming its own role's ARN cannot be checked before the role exists.
func guardrailProgram(ctx *pulumi.Context) error {
	stage, _ := ctx.GetConfig("enginetest:stage")
	tokens := "optional"
	if stage >= "1" {
		tokens = "required"
	}
	lt, err := ec2.NewLaunchTemplate(ctx, "nodes", &ec2.LaunchTemplateArgs{
		InstanceType: pulumi.String("m6i.large"),
		UserData:     pulumi.String(base64.StdEncoding.EncodeToString([]byte(nodeConfig))),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String(tokens),
			HttpPutResponseHopLimit: pulumi.Int(3),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs:        &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{Encrypted: pulumi.String("true"), VolumeSize: pulumi.Int(50)},
		}},
	})
	if err != nil {
		return err
	}
	var opts []pulumi.ResourceOption
	if stage >= "2" {
		opts = append(opts, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	}
	tag := func(k, v string) *autoscaling.GroupTagArgs {
		return &autoscaling.GroupTagArgs{Key: pulumi.String(k), Value: pulumi.String(v), PropagateAtLaunch: pulumi.Bool(false)}
	}
	if _, err := autoscaling.NewGroup(ctx, "nodes", &autoscaling.GroupArgs{
		MinSize:         pulumi.Int(0),
		MaxSize:         pulumi.Int(3),
		DesiredCapacity: pulumi.Int(1),
		LaunchTemplate:  &autoscaling.GroupLaunchTemplateArgs{Id: lt.ID(), Version: pulumi.String("$Latest")},
		Tags: autoscaling.GroupTagArray{
			tag("kubernetes.io/cluster/acme", "owned"),
			tag("k8s.io/cluster-autoscaler/enabled", "true"),
			tag("k8s.io/cluster-autoscaler/acme", "owned"),
			tag("k8s.io/cluster-autoscaler/node-template/label/workload", "general"),
		},
	}, opts...); err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, "scaler", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		return err
	}
	_, err = iam.NewRolePolicy(ctx, "scaler", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"%s"}]}`, role.Arn),
	})
	return err
}

// TestPackUnderTheEngine runs the pack through the real Pulumi CLI, as
// `pulumi preview --policy-pack policy` does, by the analyzer binary route:
// a mandatory resource policy and a mandatory stack policy each fail the
// preview, advisory ones are only reported, a value unknown at preview is
// reported as cannot-verify, and the environment (dev, from the stack
// config) sets the levels.
func TestPackUnderTheEngine(t *testing.T) {
	tools := enginetest.RequireTools(t)
	ctx := context.Background()
	aws := enginetest.StartFakeAWS(t)
	stack := enginetest.NewStack(t, tools, enginetest.StackOptions{
		Program:   guardrailProgram,
		Providers: []enginetest.Attachable{aws},
		Config:    map[string]string{"aws:region": "eu-west-1", "eksfleet:environment": "dev", "enginetest:stage": "0"},
		Env:       enginetest.PolicyAnalyzerEnv(t),
	})
	pack := optpreview.PolicyPacks(enginetest.PolicyPackDir(t))

	// preview runs one stage and returns its violations as level/policy.
	preview := func(stage string) (map[string]string, []enginetest.PolicyViolation, error) {
		t.Helper()
		if err := stack.SetConfig(ctx, "enginetest:stage", auto.ConfigValue{Value: stage}); err != nil {
			t.Fatal(err)
		}
		res, err := stack.Preview(ctx, pack)
		out := res.StdOut
		if err != nil {
			out += err.Error()
		}
		vs := enginetest.PolicyViolations(out)
		got := map[string]string{}
		for _, v := range vs {
			if v.Pack != "eksfleet-guardrails@v1.0.0" {
				t.Errorf("stage %s: violation of pack %q: %+v", stage, v.Pack, v)
			}
			got[v.Level+" "+v.Policy] = v.Message
		}
		if testing.Verbose() || len(vs) == 0 {
			t.Logf("stage %s output:\n%s", stage, out)
		}
		return got, vs, err
	}
	expect := func(stage string, got map[string]string, want ...string) {
		t.Helper()
		for _, w := range want {
			if _, ok := got[w]; !ok {
				t.Errorf("stage %s: no %s violation; got %v", stage, w, keys(got))
			}
		}
		for k := range got {
			if !slices.Contains(want, k) {
				t.Errorf("stage %s: unexpected %s violation: %s", stage, k, got[k])
			}
		}
	}

	got, _, err := preview("0")
	if err == nil {
		t.Errorf("stage 0: preview passed despite IMDSv1")
	}
	// Stack policies still run after a resource policy failed the preview.
	expect("0", got, "mandatory imdsv2-required", "mandatory desired-capacity-ignored", "advisory imds-hop-limit", "advisory cannot-verify")
	if msg := got["mandatory imdsv2-required"]; !strings.Contains(msg, `httpTokens = "optional"`) || !strings.Contains(msg, "[CKV_AWS_79 / AWS-0130") {
		t.Errorf("stage 0: imdsv2-required message %q", msg)
	}

	got, _, err = preview("1")
	if err == nil {
		t.Errorf("stage 1: preview passed although Pulumi manages the autoscaled group's desiredCapacity")
	}
	expect("1", got, "mandatory desired-capacity-ignored", "advisory imds-hop-limit", "advisory cannot-verify")

	got, vs, err := preview("2")
	if err != nil {
		t.Errorf("stage 2: preview of a compliant dev stack failed: %v", err)
	}
	expect("2", got, "advisory imds-hop-limit", "advisory cannot-verify")
	if msg := got["advisory cannot-verify"]; !strings.Contains(msg, `iam-resource-scoped: cannot verify RolePolicy "scaler" policy: it is unknown until deployment`) {
		t.Errorf("stage 2: cannot-verify message %q", msg)
	}
	for _, v := range vs {
		if v.Policy == "imds-hop-limit" && v.Resource != "aws:ec2:LaunchTemplate: nodes" {
			t.Errorf("stage 2: imds-hop-limit reported on %q", v.Resource)
		}
	}

	// A per-stack override in eksfleet:policy reaches the pack.
	if err := stack.SetConfig(ctx, "eksfleet:policy", auto.ConfigValue{Value: `{"enforcement":{"imds-hop-limit":"mandatory"}}`}); err != nil {
		t.Fatal(err)
	}
	got, _, err = preview("2")
	if err == nil {
		t.Errorf("stage 2 with imds-hop-limit mandatory: preview passed")
	}
	expect("2 (override)", got, "mandatory imds-hop-limit", "advisory cannot-verify")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
