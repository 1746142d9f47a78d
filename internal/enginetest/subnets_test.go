package enginetest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The fake account holds the subnets a stack names in the stack's VPC, so
// the program's VPC membership check (stacks/subnets.go) passes on the
// bundled stacks, and a subnet it has no record of stays in the default
// VPC.
func TestFakeAWSSubnetsInTheirVPC(t *testing.T) {
	aws := StartFakeAWS(t)
	c := client(t, aws)
	vpcOf := func(id string) string {
		t.Helper()
		res, err := c.Invoke(context.Background(), &pulumirpc.InvokeRequest{
			Tok: "aws:ec2/getSubnet:getSubnet", Args: mustStruct(t, resource.PropertyMap{"id": str(id)}),
		})
		if err != nil || len(res.GetFailures()) > 0 {
			t.Fatalf("getSubnet %s: %v %v", id, err, res.GetFailures())
		}
		return getString(mustMap(t, res.GetReturn()), "vpcId", "")
	}

	b, err := os.ReadFile(filepath.Join(RepoRoot, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	vpc, ids := stackSubnets(string(b))
	if vpc != "vpc-0a1b2c3d4e5f60718" || !slices.Contains(ids, "subnet-0a1b2c3d4e5f60a01") || !slices.Contains(ids, "subnet-0a1b2c3d4e5f60a11") {
		t.Fatalf("stackSubnets(Pulumi.dev.yaml) = %s %v", vpc, ids)
	}
	aws.AddSubnets(vpc, ids...)
	for _, id := range ids {
		if got := vpcOf(id); got != vpc {
			t.Errorf("subnet %s is in %s, want %s", id, got, vpc)
		}
	}
	if got := vpcOf("subnet-0123456789abcdef0"); got != "vpc-default0000000" {
		t.Errorf("an unrecorded subnet is in %s, want the default VPC", got)
	}
}
