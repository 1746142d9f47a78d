package enginetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// smokeProgram is the smallest useful EKS program: a VPC with two subnets
// and an eks.Cluster without node groups or VPC CNI management. The stack
// config key "team" (default "a") becomes a tag on the cluster's resources.
func smokeProgram(ctx *pulumi.Context) error {
	team, ok := ctx.GetConfig("enginetest:team")
	if !ok {
		team = "a"
	}
	vpc, err := ec2.NewVpc(ctx, "smoke-vpc", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")})
	if err != nil {
		return err
	}
	var subnets pulumi.StringArray
	for i, az := range []string{"us-west-2a", "us-west-2b"} {
		s, err := ec2.NewSubnet(ctx, fmt.Sprintf("smoke-subnet-%d", i), &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			CidrBlock:        pulumi.Sprintf("10.0.%d.0/20", i*16),
			AvailabilityZone: pulumi.String(az),
		})
		if err != nil {
			return err
		}
		subnets = append(subnets, s.ID())
	}
	mode := eks.AuthenticationModeApi
	cluster, err := eks.NewCluster(ctx, "smoke", &eks.ClusterArgs{
		VpcId:                vpc.ID(),
		SubnetIds:            subnets,
		SkipDefaultNodeGroup: pulumi.BoolRef(true),
		UseDefaultVpcCni:     pulumi.BoolRef(true),
		AuthenticationMode:   &mode,
		InstanceRoles:        iam.RoleArray{},
		Tags:                 pulumi.StringMap{"team": pulumi.String(team)},
	})
	if err != nil {
		return err
	}
	ctx.Export("clusterName", cluster.EksCluster.Name())
	ctx.Export("endpoint", cluster.EksCluster.Endpoint())
	ctx.Export("kubeconfig", cluster.KubeconfigJson)
	return nil
}

// TestEngineSmoke runs preview, up, a second preview and destroy of
// smokeProgram through the real CLI with the real npm pulumi-eks provider
// and the fake aws and kubernetes providers.
func TestEngineSmoke(t *testing.T) {
	tools := RequireTools(t)
	ctx := context.Background()

	aws := StartFakeAWS(t)
	k8s := StartFakeKubernetes(t)
	eksProvider := StartEKSProvider(t, tools)
	stack := NewStack(t, tools, StackOptions{
		Program:   smokeProgram,
		Providers: []Attachable{aws, k8s, eksProvider},
		Config:    map[string]string{"aws:region": "us-west-2"},
	})

	// Preview.
	prev, err := stack.Preview(ctx, optpreview.Diff())
	if err != nil {
		t.Fatalf("preview: %v\nstdout:\n%s\nstderr:\n%s", err, prev.StdOut, prev.StdErr)
	}
	t.Logf("preview: %v", prev.ChangeSummary)
	if prev.ChangeSummary[apitype.OpCreate] < 10 {
		t.Errorf("preview creates %d resources, want the VPC, subnets, component and its children (>= 10):\n%s",
			prev.ChangeSummary[apitype.OpCreate], prev.StdOut)
	}
	if !allPreview(aws.Calls("Create")) {
		t.Errorf("preview made non-preview creates")
	}
	if len(aws.Live("")) != 0 {
		t.Errorf("preview created resources: %v", aws.Live(""))
	}

	// Up.
	aws.Reset()
	k8s.Reset()
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v\nstdout:\n%s\nstderr:\n%s", err, up.StdOut, up.StdErr)
	}
	t.Logf("up: %v", up.Summary.ResourceChanges)
	if testing.Verbose() {
		t.Logf("up output:\n%s", up.StdOut)
	}
	created := aws.Types("Create")
	t.Logf("aws creates: %v", created)
	t.Logf("aws invokes: %v", aws.Types("Invoke"))
	t.Logf("kubernetes calls: %v", callSummary(k8s.Recorder))
	for _, typ := range []string{
		"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:eks/cluster:Cluster", "aws:iam/role:Role",
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:ec2/securityGroup:SecurityGroup",
		"aws:ec2/securityGroupRule:SecurityGroupRule",
	} {
		if !slices.Contains(created, typ) {
			t.Errorf("up did not create a %s", typ)
		}
	}
	clusters := aws.Calls("Create")
	clusters = slices.DeleteFunc(clusters, func(c Call) bool { return c.Type != "aws:eks/cluster:Cluster" })
	if len(clusters) != 1 {
		t.Fatalf("got %d aws:eks/cluster:Cluster creates, want 1", len(clusters))
	}
	cl := clusters[0]
	if got := getString(cl.Inputs, "accessConfig.authenticationMode", ""); got != "API" {
		t.Errorf("cluster accessConfig.authenticationMode = %q, want API", got)
	}
	if got := getStrings(cl.Inputs, "vpcConfig.subnetIds"); len(got) != 2 || !strings.HasPrefix(got[0], "subnet-") {
		t.Errorf("cluster vpcConfig.subnetIds = %v, want the two program subnets", got)
	}
	if roleArn := getString(cl.Inputs, "roleArn", ""); !strings.HasPrefix(roleArn, "arn:aws:iam::"+FakeAccountID+":role/") {
		t.Errorf("cluster roleArn = %q, want an ARN of the fake service role", roleArn)
	}
	if !strings.HasPrefix(string(cl.URN), "urn:pulumi:test::enginetest::eks:index:Cluster$aws:eks/cluster:Cluster::") {
		t.Errorf("cluster URN %s is not a child of the eks:index:Cluster component", cl.URN)
	}
	if got := up.Outputs["endpoint"].Value; got != aws.APIServer.URL {
		t.Errorf("endpoint output = %v, want the fake API server %s", got, aws.APIServer.URL)
	}
	if kc, _ := up.Outputs["kubeconfig"].Value.(string); !strings.Contains(kc, aws.APIServer.URL) {
		t.Errorf("kubeconfig output does not point at the fake API server: %v", up.Outputs["kubeconfig"].Value)
	}
	if name, _ := up.Outputs["clusterName"].Value.(string); !strings.HasPrefix(name, "smoke-eksCluster-") {
		t.Errorf("clusterName output = %v, want an auto-name smoke-eksCluster-<suffix>", up.Outputs["clusterName"].Value)
	}
	for _, c := range eksProvider.ShimCalls() {
		if c != "aws --version" && !strings.HasPrefix(c, "kubectl version") {
			t.Errorf("pulumi-eks ran %q; only version checks are expected", c)
		}
	}
	t.Logf("shim calls: %v; API server requests: %v", eksProvider.ShimCalls(), aws.APIRequests())

	// A second preview sees no changes.
	prev2, err := stack.Preview(ctx, optpreview.ExpectNoChanges())
	if err != nil {
		t.Fatalf("second preview: %v\nstdout:\n%s", err, prev2.StdOut)
	}
	for op, n := range prev2.ChangeSummary {
		if op != apitype.OpSame && n > 0 {
			t.Errorf("second preview: %d %s, want only same: %v", n, op, prev2.ChangeSummary)
		}
	}

	// Changing a tag updates the component's children in place.
	if err := stack.SetConfig(ctx, "team", auto.ConfigValue{Value: "b"}); err != nil {
		t.Fatal(err)
	}
	prev3, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("preview of tag change: %v\nstdout:\n%s", err, prev3.StdOut)
	}
	t.Logf("preview of tag change: %v", prev3.ChangeSummary)
	if prev3.ChangeSummary[apitype.OpUpdate] == 0 || prev3.ChangeSummary[apitype.OpReplace] != 0 {
		t.Errorf("tag change: want in-place updates only, got %v", prev3.ChangeSummary)
	}
	aws.Reset()
	if res, err := stack.Up(ctx); err != nil {
		t.Fatalf("up of tag change: %v\nstdout:\n%s", err, res.StdOut)
	}
	if n := aws.Count("Update", "aws:eks/cluster:Cluster"); n != 1 {
		t.Errorf("tag change: %d cluster updates, want 1", n)
	}
	if n := aws.Count("Create", ""); n != 0 {
		t.Errorf("tag change created %d aws resources, want 0", n)
	}

	// Destroy removes everything the fakes hold.
	live := len(aws.Live(""))
	aws.Reset()
	if res, err := stack.Destroy(ctx, optdestroy.ContinueOnError()); err != nil {
		t.Fatalf("destroy: %v\nstdout:\n%s", err, res.StdOut)
	}
	if left := aws.Live(""); len(left) != 0 {
		t.Errorf("resources left after destroy: %v", keys(left))
	}
	if n := aws.Count("Delete", ""); n != live {
		t.Errorf("destroy deleted %d aws resources, %d were live", n, live)
	}
}

func allPreview(calls []Call) bool {
	for _, c := range calls {
		if !c.Preview {
			return false
		}
	}
	return true
}

func callSummary(r *Recorder) []string {
	var out []string
	for _, c := range r.Calls() {
		out = append(out, c.Method+" "+c.Type)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func keys(m map[string]resource.PropertyMap) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
