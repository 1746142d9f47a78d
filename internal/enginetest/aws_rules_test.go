package enginetest

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func urnOf(typ, name string) string {
	return "urn:pulumi:test::enginetest::" + typ + "::" + name
}

// fakeCall wraps the gRPC calls a test makes on the fake aws provider.
type fakeCall struct {
	t *testing.T
	c pulumirpc.ResourceProviderClient
}

func (f fakeCall) check(typ, name string, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	f.t.Helper()
	res, err := f.c.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urnOf(typ, name), Type: typ,
		News: mustStruct(f.t, news), RandomSeed: []byte("seed")})
	if err != nil {
		return nil, nil, err
	}
	return mustMap(f.t, res.GetInputs()), res.GetFailures(), nil
}

func (f fakeCall) create(typ, name string, ins resource.PropertyMap) (string, resource.PropertyMap, error) {
	f.t.Helper()
	res, err := f.c.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnOf(typ, name), Type: typ, Properties: mustStruct(f.t, ins)})
	if err != nil {
		return "", nil, err
	}
	return res.GetId(), mustMap(f.t, res.GetProperties()), nil
}

// checkCreate checks then creates, failing the test on check failures.
func (f fakeCall) checkCreate(typ, name string, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	f.t.Helper()
	ins, fs, err := f.check(typ, name, news)
	if err != nil || len(fs) > 0 {
		f.t.Fatalf("check %s %s: %v %v", typ, name, err, fs)
	}
	return f.create(typ, name, ins)
}

func TestFakeAWSAutoName(t *testing.T) {
	f := fakeCall{t, client(t, StartFakeAWS(t))}
	policy := resource.PropertyMap{"assumeRolePolicy": str("{}")}

	// pulumi-aws: AutoName("name", 64, "-"): <URN name>-<7 random>.
	ins, fs, err := f.check("aws:iam/role:Role", "node", policy)
	if err != nil || len(fs) > 0 || !regexp.MustCompile(`^node-[0-9a-f]{7}$`).MatchString(getString(ins, "name", "")) {
		t.Errorf("role autoname: %v %v %q", err, fs, getString(ins, "name", ""))
	}
	// 56 characters fit (56+1+7 = 64); 57 fail in the bridge, which errors
	// rather than truncating.
	if _, fs, err := f.check("aws:iam/role:Role", strings.Repeat("r", 56), policy); err != nil || len(fs) > 0 {
		t.Errorf("56-character role name: %v %v", err, fs)
	}
	_, _, err = f.check("aws:iam/role:Role", strings.Repeat("r", 57), policy)
	if err == nil || !strings.Contains(err.Error(), "plus 7 random chars is longer than maximum length 64") {
		t.Errorf("57-character role name: %v", err)
	}
	// Node groups: the bridge allows 255, Terraform's validator 63.
	ng := resource.PropertyMap{"clusterName": str("c"), "nodeRoleArn": str("r"), "subnetIds": strs("s"),
		"scalingConfig": resource.NewObjectProperty(resource.PropertyMap{"desiredSize": resource.NewNumberProperty(1),
			"maxSize": resource.NewNumberProperty(1), "minSize": resource.NewNumberProperty(1)})}
	if _, fs, err := f.check("aws:eks/nodeGroup:NodeGroup", strings.Repeat("n", 55), ng); err != nil || len(fs) > 0 {
		t.Errorf("55-character node group name: %v %v", err, fs)
	}
	if _, fs, err := f.check("aws:eks/nodeGroup:NodeGroup", strings.Repeat("n", 56), ng); err != nil || len(fs) != 1 || fs[0].GetProperty() != "nodeGroupName" {
		t.Errorf("56-character node group name: %v %v", err, fs)
	}
	// An explicit name is checked, and namePrefix means no autoname.
	long := policy.Copy()
	long["name"] = str(strings.Repeat("x", 65))
	if _, fs, _ := f.check("aws:iam/role:Role", "r", long); len(fs) != 1 || fs[0].GetProperty() != "name" {
		t.Errorf("65-character explicit role name: %v", fs)
	}
	prefixed := policy.Copy()
	prefixed["namePrefix"] = str("fleet-")
	if ins, fs, _ := f.check("aws:iam/role:Role", "r", prefixed); len(fs) != 0 || ins.HasValue("name") {
		t.Errorf("namePrefix: %v %v", fs, ins)
	}
	both := prefixed.Copy()
	both["name"] = str("x")
	if _, fs, _ := f.check("aws:iam/role:Role", "r", both); len(fs) != 1 || !strings.Contains(fs[0].GetReason(), "conflicts with namePrefix") {
		t.Errorf("name and namePrefix: %v", fs)
	}
	if _, fs, _ := f.check("aws:iam/role:Role", "r", resource.PropertyMap{}); len(fs) != 1 || fs[0].GetProperty() != "assumeRolePolicy" {
		t.Errorf("missing assumeRolePolicy: %v", fs)
	}
	// Terraform makes the name from the prefix at create: prefix + 26.
	id, outs, err := f.create("aws:iam/role:Role", "r", prefixed)
	if err != nil || !regexp.MustCompile(`^fleet-[0-9]{18}[0-9a-f]{8}$`).MatchString(id) || getString(outs, "name", "") != id {
		t.Errorf("create from namePrefix: %v %q %v", err, id, outs)
	}
}

func TestFakeAWSDuplicates(t *testing.T) {
	f := fakeCall{t, client(t, StartFakeAWS(t))}
	role := resource.PropertyMap{"assumeRolePolicy": str("{}"), "name": str("fleet-node")}
	if _, _, err := f.checkCreate("aws:iam/role:Role", "a", role); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.checkCreate("aws:iam/role:Role", "b", role)
	if status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "EntityAlreadyExists: Role with name fleet-node already exists.") {
		t.Errorf("second role of the same name: %v", err)
	}

	ng := func(cluster string) resource.PropertyMap {
		return resource.PropertyMap{"clusterName": str(cluster), "nodeRoleArn": str("r"), "subnetIds": strs("s"), "nodeGroupName": str("workers"),
			"scalingConfig": resource.NewObjectProperty(resource.PropertyMap{"desiredSize": resource.NewNumberProperty(1),
				"maxSize": resource.NewNumberProperty(1), "minSize": resource.NewNumberProperty(1)})}
	}
	if _, _, err := f.checkCreate("aws:eks/nodeGroup:NodeGroup", "a", ng("c1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.checkCreate("aws:eks/nodeGroup:NodeGroup", "b", ng("c2")); err != nil {
		t.Errorf("same node group name on another cluster: %v", err)
	}
	if _, _, err := f.checkCreate("aws:eks/nodeGroup:NodeGroup", "c", ng("c1")); !strings.Contains(fmtErr(err), "ResourceInUseException: NodeGroup already exists with name workers and cluster name c1") {
		t.Errorf("second node group of the same name: %v", err)
	}

	lt := resource.PropertyMap{"name": str("fleet-lt")}
	if _, _, err := f.checkCreate("aws:ec2/launchTemplate:LaunchTemplate", "a", lt); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.checkCreate("aws:ec2/launchTemplate:LaunchTemplate", "b", lt); !strings.Contains(fmtErr(err), "InvalidLaunchTemplateName.AlreadyExistsException") {
		t.Errorf("second launch template of the same name: %v", err)
	}

	rule := func(bus string) resource.PropertyMap {
		m := resource.PropertyMap{"name": str("spot"), "eventPattern": str("{}")}
		if bus != "" {
			m["eventBusName"] = str(bus)
		}
		return m
	}
	if _, _, err := f.checkCreate("aws:cloudwatch/eventRule:EventRule", "a", rule("")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.checkCreate("aws:cloudwatch/eventRule:EventRule", "b", rule("")); !strings.Contains(fmtErr(err), "already exists on event bus default") {
		t.Errorf("second rule of the same name: %v", err)
	}
	queue := resource.PropertyMap{"name": str("drain")}
	if _, _, err := f.checkCreate("aws:sqs/queue:Queue", "a", queue); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.checkCreate("aws:sqs/queue:Queue", "b", queue); !strings.Contains(fmtErr(err), "QueueAlreadyExists") {
		t.Errorf("second queue of the same name: %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestFakeAWSCreatorAccessEntry(t *testing.T) {
	aws := StartFakeAWS(t)
	f := fakeCall{t, client(t, aws)}
	ctx := context.Background()
	invoke := func(tok string, args resource.PropertyMap) (resource.PropertyMap, error) {
		res, err := f.c.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: tok, Args: mustStruct(t, args)})
		if err != nil {
			return nil, err
		}
		return mustMap(t, res.GetReturn()), nil
	}

	// The caller is a session of the deployer role.
	me, err := invoke("aws:index/getCallerIdentity:getCallerIdentity", resource.PropertyMap{})
	if err != nil || getString(me, "arn", "") != CallerARN {
		t.Fatalf("getCallerIdentity: %v %v", err, me)
	}
	sc, err := invoke("aws:iam/getSessionContext:getSessionContext", resource.PropertyMap{"arn": me["arn"]})
	if err != nil || getString(sc, "issuerArn", "") != DeployerRoleARN {
		t.Fatalf("getSessionContext: %v %v", err, sc)
	}

	_, err = invoke("aws:eks/getCluster:getCluster", resource.PropertyMap{"name": str("fleet")})
	if err == nil || !strings.Contains(err.Error(), "reading EKS Cluster (fleet): couldn't find resource") {
		t.Errorf("getCluster before create: %v", err)
	}

	cl := clusterInputs()
	cl["name"] = str("fleet")
	if _, _, err := f.checkCreate("aws:eks/cluster:Cluster", "fleet-eksCluster", cl); err != nil {
		t.Fatal(err)
	}
	got, err := invoke("aws:eks/getCluster:getCluster", resource.PropertyMap{"name": str("fleet")})
	if err != nil || getString(got, "name", "") != "fleet" || getString(got, "tags.team", "") != "a" || getString(got, "arn", "") == "" {
		t.Errorf("getCluster after create: %v %v", err, got)
	}

	entry := func(principal string) resource.PropertyMap {
		return resource.PropertyMap{"clusterName": str("fleet"), "principalArn": str(principal), "type": str("STANDARD")}
	}
	_, _, err = f.checkCreate("aws:eks/accessEntry:AccessEntry", "creator", entry(DeployerRoleARN))
	if status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(),
		"StatusCode: 409, ResourceInUseException: The specified access entry resource is already in use on this cluster.") {
		t.Errorf("access entry for the creator: %v", err)
	}
	other := "arn:aws:iam::" + FakeAccountID + ":role/ops"
	if _, _, err := f.checkCreate("aws:eks/accessEntry:AccessEntry", "ops", entry(other)); err != nil {
		t.Errorf("access entry for another role: %v", err)
	}
	if _, _, err := f.checkCreate("aws:eks/accessEntry:AccessEntry", "ops-again", entry(other)); status.Code(err) != codes.AlreadyExists {
		t.Errorf("second access entry for the same role: %v", err)
	}
	if n := len(aws.Live("aws:eks/accessEntry:AccessEntry")); n != 1 {
		t.Errorf("%d access entries live, want 1 (the creator's is EKS's, not the program's)", n)
	}

	// Deleting the cluster deletes its entries, the creator's included.
	if _, err := f.c.Delete(ctx, &pulumirpc.DeleteRequest{Id: "fleet", Urn: urnOf("aws:eks/cluster:Cluster", "fleet-eksCluster"), Type: "aws:eks/cluster:Cluster"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.checkCreate("aws:eks/cluster:Cluster", "fleet-eksCluster", cl); err != nil {
		t.Fatal(err)
	}
	noBootstrap := clusterInputs()
	noBootstrap["name"] = str("quiet")
	noBootstrap["accessConfig"] = resource.NewObjectProperty(resource.PropertyMap{"bootstrapClusterCreatorAdminPermissions": resource.NewBoolProperty(false)})
	if _, _, err := f.checkCreate("aws:eks/cluster:Cluster", "quiet-eksCluster", noBootstrap); err != nil {
		t.Fatal(err)
	}
	quiet := entry(DeployerRoleARN)
	quiet["clusterName"] = str("quiet")
	if _, _, err := f.checkCreate("aws:eks/accessEntry:AccessEntry", "quiet-creator", quiet); err != nil {
		t.Errorf("creator entry on a cluster created without bootstrap permissions: %v", err)
	}
}
