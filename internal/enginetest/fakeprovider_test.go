package enginetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const clusterURN = "urn:pulumi:test::enginetest::eks:index:Cluster$aws:eks/cluster:Cluster::c-eksCluster"

func mustStruct(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustMap(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func clusterInputs() resource.PropertyMap {
	return resource.PropertyMap{
		"roleArn": str("arn:aws:iam::123456789012:role/r"),
		"vpcConfig": resource.NewObjectProperty(resource.PropertyMap{
			"subnetIds": strs("subnet-a", "subnet-b"),
		}),
		"tags": resource.NewObjectProperty(resource.PropertyMap{"team": str("a")}),
	}
}

// client connects to a started fake over gRPC, as the engine does.
func client(t *testing.T, p Attachable) pulumirpc.ResourceProviderClient {
	t.Helper()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", p.Port()), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewResourceProviderClient(conn)
}

func TestFakeAWSCheck(t *testing.T) {
	aws := StartFakeAWS(t)
	c := client(t, aws)
	ctx := context.Background()

	res, err := c.Check(ctx, &pulumirpc.CheckRequest{
		Urn:        clusterURN,
		Type:       "aws:eks/cluster:Cluster",
		News:       mustStruct(t, resource.PropertyMap{"vpcConfig": resource.NewObjectProperty(resource.PropertyMap{})}),
		RandomSeed: []byte("seed"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var props []string
	for _, f := range res.GetFailures() {
		props = append(props, f.GetProperty())
	}
	if want := []string{"roleArn", "vpcConfig.subnetIds"}; !slices.Equal(props, want) {
		t.Errorf("failures for %v, want %v", props, want)
	}

	// Complete inputs pass and get a stable auto-name.
	check := func(olds resource.PropertyMap) string {
		res, err := c.Check(ctx, &pulumirpc.CheckRequest{
			Urn: clusterURN, Type: "aws:eks/cluster:Cluster", News: mustStruct(t, clusterInputs()),
			Olds: mustStruct(t, olds), RandomSeed: []byte("seed"),
		})
		if err != nil || len(res.GetFailures()) > 0 {
			t.Fatalf("check: %v %v", err, res.GetFailures())
		}
		return getString(mustMap(t, res.GetInputs()), "name", "")
	}
	name := check(nil)
	if !strings.HasPrefix(name, "c-eksCluster-") || len(name) != len("c-eksCluster-")+7 {
		t.Errorf("auto-name %q, want c-eksCluster-<7 hex>", name)
	}
	if again := check(resource.PropertyMap{"name": str("kept")}); again != "kept" {
		t.Errorf("auto-name with old name = %q, want kept", again)
	}

	// Unknown required values are fine (preview).
	unknown := clusterInputs()
	unknown["roleArn"] = resource.MakeComputed(str(""))
	res, err = c.Check(ctx, &pulumirpc.CheckRequest{Urn: clusterURN, Type: "aws:eks/cluster:Cluster", News: mustStruct(t, unknown)})
	if err != nil || len(res.GetFailures()) != 0 {
		t.Errorf("check with unknown roleArn: %v %v", err, res.GetFailures())
	}

	// Unmodelled types fail loudly.
	res, err = c.Check(ctx, &pulumirpc.CheckRequest{
		Urn: "urn:pulumi:test::enginetest::aws:rds/instance:Instance::db", Type: "aws:rds/instance:Instance",
		News: mustStruct(t, resource.PropertyMap{}),
	})
	if err != nil || len(res.GetFailures()) != 1 || !strings.Contains(res.GetFailures()[0].GetReason(), "does not model") {
		t.Errorf("unmodelled type: %v %v", err, res.GetFailures())
	}
	if n := aws.Count("Check", "aws:eks/cluster:Cluster"); n != 4 {
		t.Errorf("recorded %d cluster checks, want 4", n)
	}
}

func TestFakeAWSDiff(t *testing.T) {
	aws := StartFakeAWS(t)
	c := client(t, aws)
	ctx := context.Background()
	diff := func(news resource.PropertyMap) *pulumirpc.DiffResponse {
		t.Helper()
		res, err := c.Diff(ctx, &pulumirpc.DiffRequest{
			Urn: clusterURN, Type: "aws:eks/cluster:Cluster", Id: "c",
			OldInputs: mustStruct(t, clusterInputs()), Olds: mustStruct(t, clusterInputs()), News: mustStruct(t, news),
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := diff(clusterInputs()); res.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("same inputs: %v", res)
	}

	tags := clusterInputs()
	tags["tags"] = resource.NewObjectProperty(resource.PropertyMap{"team": str("b")})
	if res := diff(tags); res.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME ||
		!slices.Equal(res.GetDiffs(), []string{"tags"}) || len(res.GetReplaces()) != 0 {
		t.Errorf("tag change: %v", res)
	}

	// vpc_config.subnet_ids is updated in place (facts.json spot check 8:
	// no ForceNew in the Terraform schema pulumi-aws v6.83 builds on).
	subnets := clusterInputs()
	subnets["vpcConfig"] = resource.NewObjectProperty(resource.PropertyMap{"subnetIds": strs("subnet-a")})
	res := diff(subnets)
	if len(res.GetReplaces()) != 0 || res.GetDetailedDiff()["vpcConfig"].GetKind() != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("subnet change: %v", res)
	}

	role := clusterInputs()
	role["roleArn"] = str("arn:aws:iam::123456789012:role/other")
	res = diff(role)
	if !slices.Equal(res.GetReplaces(), []string{"roleArn"}) ||
		res.GetDetailedDiff()["roleArn"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("role change: %v", res)
	}

	unknownRole := clusterInputs()
	unknownRole["roleArn"] = resource.MakeComputed(str(""))
	if res := diff(unknownRole); !slices.Equal(res.GetReplaces(), []string{"roleArn"}) {
		t.Errorf("unknown force-new property: %v", res)
	}
}

func TestFakeAWSLifecycle(t *testing.T) {
	aws := StartFakeAWS(t)
	c := client(t, aws)
	ctx := context.Background()
	if _, err := c.Configure(ctx, &pulumirpc.ConfigureRequest{Args: mustStruct(t, resource.PropertyMap{"region": str("eu-west-1")})}); err != nil {
		t.Fatal(err)
	}
	ins := clusterInputs()
	ins["name"] = str("c1")

	prev, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: clusterURN, Type: "aws:eks/cluster:Cluster", Properties: mustStruct(t, ins), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := mustMap(t, prev.GetProperties()); !p["arn"].IsComputed() || !p["endpoint"].IsComputed() || len(aws.Live("")) != 0 {
		t.Errorf("preview create: arn %v endpoint %v live %v", p["arn"], p["endpoint"], aws.Live(""))
	}

	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: clusterURN, Type: "aws:eks/cluster:Cluster", Properties: mustStruct(t, ins)})
	if err != nil {
		t.Fatal(err)
	}
	outs := mustMap(t, created.GetProperties())
	if created.GetId() != "c1" || getString(outs, "arn", "") != "arn:aws:eks:eu-west-1:123456789012:cluster/c1" ||
		getString(outs, "endpoint", "") != aws.APIServer.URL || getString(outs, "vpcConfig.clusterSecurityGroupId", "") == "" {
		t.Errorf("create: id %q outputs %v", created.GetId(), outs)
	}

	read, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: "c1", Urn: clusterURN, Type: "aws:eks/cluster:Cluster"})
	if err != nil || !mustMap(t, read.GetProperties()).DeepEquals(outs) {
		t.Errorf("read: %v %v", err, read)
	}

	news := ins.Copy()
	news["tags"] = resource.NewObjectProperty(resource.PropertyMap{"team": str("b")})
	upd, err := c.Update(ctx, &pulumirpc.UpdateRequest{Id: "c1", Urn: clusterURN, Type: "aws:eks/cluster:Cluster",
		Olds: created.GetProperties(), News: mustStruct(t, news), OldInputs: mustStruct(t, ins)})
	if err != nil {
		t.Fatal(err)
	}
	u := mustMap(t, upd.GetProperties())
	if getString(u, "tagsAll.team", "") != "b" || getString(u, "arn", "") != getString(outs, "arn", "") ||
		getString(u, "vpcConfig.clusterSecurityGroupId", "") != getString(outs, "vpcConfig.clusterSecurityGroupId", "") {
		t.Errorf("update changed computed outputs or missed tags: %v", u)
	}

	if _, err := c.Delete(ctx, &pulumirpc.DeleteRequest{Id: "c1", Urn: clusterURN, Type: "aws:eks/cluster:Cluster"}); err != nil {
		t.Fatal(err)
	}
	if read, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: "c1", Urn: clusterURN, Type: "aws:eks/cluster:Cluster"}); err != nil || read.GetId() != "" {
		t.Errorf("read after delete: %v %v", err, read)
	}
	if _, err := c.Update(ctx, &pulumirpc.UpdateRequest{Id: "c1", Urn: clusterURN, Type: "aws:eks/cluster:Cluster",
		Olds: created.GetProperties(), News: mustStruct(t, news)}); status.Code(err) != codes.NotFound {
		t.Errorf("update after delete: %v, want NotFound", err)
	}
	if got := aws.Types("Create"); !slices.Equal(got, []string{"aws:eks/cluster:Cluster"}) {
		t.Errorf("recorded creates %v", got)
	}
}

func TestFakeAWSInvokeAndConfig(t *testing.T) {
	aws := StartFakeAWS(t)
	c := client(t, aws)
	ctx := context.Background()

	if _, err := c.Attach(ctx, &pulumirpc.PluginAttach{Address: "127.0.0.1:1"}); err != nil || aws.EngineAddress() != "127.0.0.1:1" {
		t.Errorf("attach: %v %q", err, aws.EngineAddress())
	}
	if info, err := c.GetPluginInfo(ctx, &emptypb.Empty{}); err != nil || info.GetVersion() != AWSVersion {
		t.Errorf("plugin info: %v %v", err, info)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if res, err := c.CheckConfig(ctx, &pulumirpc.CheckRequest{News: mustStruct(t, resource.PropertyMap{})}); err != nil || len(res.GetFailures()) != 1 {
		t.Errorf("check config without region: %v %v", err, res.GetFailures())
	}

	res, err := c.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getPartition:getPartition", Args: mustStruct(t, resource.PropertyMap{})})
	if err != nil || getString(mustMap(t, res.GetReturn()), "dnsSuffix", "") != "amazonaws.com" {
		t.Errorf("getPartition: %v %v", err, res)
	}
	res, err = c.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:ssm/getParameter:getParameter", Args: mustStruct(t, resource.PropertyMap{})})
	if err != nil || len(res.GetFailures()) != 1 || res.GetFailures()[0].GetProperty() != "name" {
		t.Errorf("getParameter without name: %v %v", err, res)
	}
	if _, err := c.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:rds/getInstance:getInstance"}); status.Code(err) != codes.Unimplemented {
		t.Errorf("unmodelled invoke: %v, want Unimplemented", err)
	}
	if got := aws.Types("Invoke"); len(got) != 3 {
		t.Errorf("recorded invokes %v", got)
	}
}

func TestFakeKubernetesAutoName(t *testing.T) {
	k8s := StartFakeKubernetes(t)
	c := client(t, k8s)
	urn := "urn:pulumi:test::enginetest::kubernetes:core/v1:ConfigMap::cm"
	res, err := c.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, Type: "kubernetes:core/v1:ConfigMap",
		News: mustStruct(t, resource.PropertyMap{"metadata": resource.NewObjectProperty(resource.PropertyMap{"namespace": str("kube-system")})})})
	if err != nil || len(res.GetFailures()) != 0 {
		t.Fatalf("check: %v %v", err, res.GetFailures())
	}
	ins := mustMap(t, res.GetInputs())
	if name := getString(ins, "metadata.name", ""); !strings.HasPrefix(name, "cm-") || len(name) != len("cm-")+8 {
		t.Errorf("metadata.name = %q", name)
	}
	created, err := c.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Type: "kubernetes:core/v1:ConfigMap", Properties: res.GetInputs()})
	if err != nil || !strings.HasPrefix(created.GetId(), "kube-system/cm-") {
		t.Errorf("create: %v %v", err, created)
	}
	sc, err := c.Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:test::enginetest::kubernetes:storage.k8s.io/v1:StorageClass::gp3",
		Type: "kubernetes:storage.k8s.io/v1:StorageClass", News: mustStruct(t, resource.PropertyMap{})})
	if err != nil || len(sc.GetFailures()) != 1 || sc.GetFailures()[0].GetProperty() != "provisioner" {
		t.Errorf("storage class without provisioner: %v %v", err, sc.GetFailures())
	}
}
