package enginetest

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func (f fakeCall) update(typ, name, id string, olds, news resource.PropertyMap) error {
	f.t.Helper()
	_, err := f.c.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urnOf(typ, name), Type: typ, Id: id,
		Olds: mustStruct(f.t, olds), News: mustStruct(f.t, news)})
	return err
}

func scaling(lo, hi, want float64) resource.PropertyValue {
	return resource.NewObjectProperty(resource.PropertyMap{"minSize": resource.NewNumberProperty(lo),
		"maxSize": resource.NewNumberProperty(hi), "desiredSize": resource.NewNumberProperty(want)})
}

// EKS refuses a node group scaling configuration whose desired size lies
// outside its bounds, and another Secrets key for a cluster; the fake
// does too, and lists node groups and tagged Auto Scaling groups as the
// program looks them up.
func TestFakeAWSGroupSizesAndClusterKey(t *testing.T) {
	f := fakeCall{t, client(t, StartFakeAWS(t))}
	ng := resource.PropertyMap{"clusterName": str("c1"), "nodeRoleArn": str("r"), "subnetIds": strs("s"), "nodeGroupName": str("workers"),
		"scalingConfig": scaling(1, 3, 2)}
	id, _, err := f.checkCreate("aws:eks/nodeGroup:NodeGroup", "workers", ng)
	if err != nil {
		t.Fatal(err)
	}
	raised := ng.Copy()
	raised["scalingConfig"] = scaling(3, 4, 2)
	if err := f.update("aws:eks/nodeGroup:NodeGroup", "workers", id, ng, raised); err == nil || !strings.Contains(err.Error(), "Minimum capacity 3 can't be greater than desired size 2") {
		t.Errorf("min above desired: %v", err)
	}
	raised["scalingConfig"] = scaling(3, 4, 3)
	if err := f.update("aws:eks/nodeGroup:NodeGroup", "workers", id, ng, raised); err != nil {
		t.Errorf("min raised with the desired size: %v", err)
	}

	key := func(arn string) resource.PropertyValue {
		return resource.NewObjectProperty(resource.PropertyMap{"resources": strs("secrets"),
			"provider": resource.NewObjectProperty(resource.PropertyMap{"keyArn": str(arn)})})
	}
	cl := resource.PropertyMap{"name": str("c1"), "roleArn": str("arn:aws:iam::123456789012:role/eks"),
		"vpcConfig":        resource.NewObjectProperty(resource.PropertyMap{"subnetIds": strs("subnet-1", "subnet-2")}),
		"encryptionConfig": key("arn:aws:kms:eu-west-1:123456789012:key/a")}
	cid, _, err := f.checkCreate("aws:eks/cluster:Cluster", "c1", cl)
	if err != nil {
		t.Fatal(err)
	}
	other := cl.Copy()
	other["encryptionConfig"] = key("arn:aws:kms:eu-west-1:123456789012:key/b")
	if err := f.update("aws:eks/cluster:Cluster", "c1", cid, cl, other); err == nil || !strings.Contains(err.Error(), "EKS cannot change the key") {
		t.Errorf("another Secrets key: %v", err)
	}
}

// A launch template content change is a new version, unknown in a preview
// (so what launches from latestVersion shows as changing) and one more on
// update, as the Terraform provider plans and applies it; a description-only
// change keeps the version unknown-free.
func TestFakeAWSLaunchTemplateVersions(t *testing.T) {
	f := fakeCall{t, client(t, StartFakeAWS(t))}
	const typ = "aws:ec2/launchTemplate:LaunchTemplate"
	v1 := resource.PropertyMap{"name": str("fleet-lt"), "userData": str("one")}
	id, state, err := f.checkCreate(typ, "lt", v1)
	if err != nil {
		t.Fatal(err)
	}
	if got := state["latestVersion"]; !got.IsNumber() || got.NumberValue() != 1 {
		t.Fatalf("created: latestVersion %v, want 1", got)
	}
	v2 := v1.Copy()
	v2["userData"] = str("two")
	preview, err := f.c.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urnOf(typ, "lt"), Type: typ, Id: id,
		Olds: mustStruct(t, state), News: mustStruct(t, v2), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMap(t, preview.GetProperties())["latestVersion"]; !got.IsComputed() {
		t.Errorf("preview of a user data change: latestVersion %v, want unknown", got)
	}
	res, err := f.c.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urnOf(typ, "lt"), Type: typ, Id: id,
		Olds: mustStruct(t, state), News: mustStruct(t, v2)})
	if err != nil {
		t.Fatal(err)
	}
	state = mustMap(t, res.GetProperties())
	if got := state["latestVersion"]; !got.IsNumber() || got.NumberValue() != 2 {
		t.Errorf("user data change: latestVersion %v, want 2", got)
	}
	v3 := v2.Copy()
	v3["description"] = str("d")
	preview, err = f.c.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urnOf(typ, "lt"), Type: typ, Id: id,
		Olds: mustStruct(t, state), News: mustStruct(t, v3), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMap(t, preview.GetProperties())["latestVersion"]; got.IsComputed() {
		t.Errorf("preview of a description change: latestVersion unknown, want the old version kept")
	}
}
