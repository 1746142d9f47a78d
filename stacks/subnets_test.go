package stacks_test

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/stacks"
)

// Every subnet the config names is checked for membership of network.vpcId
// before anything is registered, even when network.subnetZones declares
// its zone (which spares the zone lookup that used to be the only VPC
// check): private, public, node group and pod subnets.
func TestSubnetsOutsideTheVPCRefused(t *testing.T) {
	cfg := map[string]string{
		"aws:region": "eu-west-1",
		"eksfleet:network": `{"vpcId": "vpc-0a1b2c3d4e5f60718", "vpcCidr": "10.20.0.0/16",
			"privateSubnetIds": ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"],
			"publicSubnetIds": ["subnet-0a1b2c3d4e5f60a11"],
			"subnetZones": {"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"}}`,
		"eksfleet:cluster": `{"version": "1.33"}`,
		"eksfleet:cni":     `{"customNetworking": true, "podSubnetIds": {"eu-west-1a": "subnet-0a1b2c3d4e5f60d01", "eu-west-1b": "subnet-0a1b2c3d4e5f60d02"}}`,
		"eksfleet:nodeGroups": `[{"name": "system", "kind": "managed", "instanceTypes": ["m6i.large"], "minSize": 1, "maxSize": 3,
			"subnetIds": ["subnet-0a1b2c3d4e5f60b01"]}]`,
	}
	// The fake answers every subnet lookup with another VPC.
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev", VpcID: "vpc-0fffffffffffffff0"})
	err := cloud.Run(stacks.Run, mockcloud.RunConfig{Config: cfg, DryRun: true})
	if err == nil {
		t.Fatal("subnets of another VPC were accepted")
	}
	for _, want := range []string{
		"eksfleet:network.privateSubnetIds[0]", "eksfleet:network.privateSubnetIds[1]",
		"eksfleet:network.publicSubnetIds[0]",
		"eksfleet:cni.podSubnetIds.eu-west-1a", "eksfleet:cni.podSubnetIds.eu-west-1b",
		"is in VPC vpc-0fffffffffffffff0, not network.vpcId vpc-0a1b2c3d4e5f60718",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "nodeGroups[0].subnetIds[0]") {
		t.Errorf("a subnet named twice is reported twice:\n%v", err)
	}
	if n := len(cloud.Resources()); n != 0 {
		t.Errorf("%d resources registered before the subnets were checked", n)
	}
}
