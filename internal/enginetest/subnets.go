package enginetest

import (
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"
)

// subnetVPCs is the fake account's record of which VPC a subnet is in.
type subnetVPCs struct {
	mu  sync.Mutex
	vpc map[string]string
}

// AddSubnets records subnets of the fake account as being in vpc: the
// fake's getSubnet answers with that VPC (a subnet it has no record of
// stays in the fake's default VPC). [Project] records the subnets of every
// stack file it writes, as a real account holds the VPC a stack names.
func (a *FakeAWS) AddSubnets(vpc string, ids ...string) {
	a.subnets.mu.Lock()
	defer a.subnets.mu.Unlock()
	if a.subnets.vpc == nil {
		a.subnets.vpc = map[string]string{}
	}
	for _, id := range ids {
		a.subnets.vpc[id] = vpc
	}
}

// modelSubnetVPCs makes getSubnet answer from the subnets recorded with
// AddSubnets, on top of the model ModelAWS registered.
func (a *FakeAWS) modelSubnetVPCs() {
	const tok = "aws:ec2/getSubnet:getSubnet"
	a.FakeProvider.mu.Lock()
	base := a.FakeProvider.invokes[tok]
	a.FakeProvider.mu.Unlock()
	spec := base
	spec.Fn = func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
		res, err := base.Fn(args, config)
		if err != nil {
			return nil, err
		}
		a.subnets.mu.Lock()
		vpc, ok := a.subnets.vpc[getString(args, "id", "")]
		a.subnets.mu.Unlock()
		if ok {
			res["vpcId"] = str(vpc)
		}
		return res, nil
	}
	a.FakeProvider.ModelInvoke(tok, spec)
}

// recordSubnets records the subnets of a stack file the project writes.
func (p *Project) recordSubnets(name, content string) {
	if p.AWS == nil || name == "Pulumi.yaml" || !strings.HasPrefix(name, "Pulumi.") {
		return
	}
	if vpc, ids := stackSubnets(content); vpc != "" {
		p.AWS.AddSubnets(vpc, ids...)
	}
}

// stackSubnets reads the network of a stack file: network.vpcId and every
// subnet it names (private, public, node group and pod subnets).
func stackSubnets(content string) (vpc string, ids []string) {
	var doc struct {
		Config struct {
			Network struct {
				VpcID   string   `yaml:"vpcId"`
				Private []string `yaml:"privateSubnetIds"`
				Public  []string `yaml:"publicSubnetIds"`
			} `yaml:"eksfleet:network"`
			CNI struct {
				PodSubnetIDs map[string]string `yaml:"podSubnetIds"`
			} `yaml:"eksfleet:cni"`
			NodeGroups []struct {
				SubnetIDs []string `yaml:"subnetIds"`
			} `yaml:"eksfleet:nodeGroups"`
		} `yaml:"config"`
	}
	if yaml.Unmarshal([]byte(content), &doc) != nil {
		return "", nil
	}
	c := doc.Config
	ids = append(append(ids, c.Network.Private...), c.Network.Public...)
	for _, g := range c.NodeGroups {
		ids = append(ids, g.SubnetIDs...)
	}
	for _, s := range c.CNI.PodSubnetIDs {
		ids = append(ids, s)
	}
	return c.Network.VpcID, ids
}
