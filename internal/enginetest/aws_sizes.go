package enginetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// modelGroupSizes models the lookups the program makes of running groups:
// listing a cluster's node groups and Auto Scaling groups, reading a node
// group's scaling.
func modelGroupSizes(p *FakeProvider) {
	p.ModelInvoke("aws:eks/getNodeGroups:getNodeGroups", InvokeSpec{
		Required: []string{"clusterName"},
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			cluster := getString(args, "clusterName", "")
			if _, ok := p.Find("aws:eks/cluster:Cluster", cluster); !ok {
				return nil, EKSClusterNotFound(cluster)
			}
			var names []string
			for _, ng := range p.Live("aws:eks/nodeGroup:NodeGroup") {
				if getString(ng, "clusterName", "") == cluster {
					names = append(names, getString(ng, "nodeGroupName", ""))
				}
			}
			sort.Strings(names)
			return resource.PropertyMap{"id": str(cluster), "clusterName": str(cluster), "names": strs(names...)}, nil
		},
	})
	p.ModelInvoke("aws:eks/getNodeGroup:getNodeGroup", InvokeSpec{
		Required: []string{"clusterName", "nodeGroupName"},
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			cluster, name := getString(args, "clusterName", ""), getString(args, "nodeGroupName", "")
			ng, ok := p.Find("aws:eks/nodeGroup:NodeGroup", cluster+":"+name)
			if !ok {
				return nil, fmt.Errorf("reading EKS Node Group (%s:%s): couldn't find resource", cluster, name)
			}
			out := resource.PropertyMap{"id": str(cluster + ":" + name), "clusterName": str(cluster), "nodeGroupName": str(name), "status": str("ACTIVE")}
			if sc, ok := ng["scalingConfig"]; ok {
				out["scalingConfigs"] = resource.NewArrayProperty([]resource.PropertyValue{sc})
			}
			return out, nil
		},
	})
	// DescribeAutoScalingGroups with filters (Terraform's
	// aws_autoscaling_groups, pulumi-aws v6's autoscaling.getAmiIds): the
	// names of the live groups matching every tag filter.
	p.ModelInvoke("aws:autoscaling/getAmiIds:getAmiIds", InvokeSpec{
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			var names []string
			for name, g := range p.Live("aws:autoscaling/group:Group") {
				if matchesTagFilters(args, g) {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			return resource.PropertyMap{"id": str("groups"), "names": strs(names...), "arns": strs()}, nil
		},
	})
}

// matchesTagFilters applies getAmiIds filters of the form tag:<key> =
// values to a group's tags; other filters are refused as unmodelled by
// matching nothing.
func matchesTagFilters(args, group resource.PropertyMap) bool {
	tags := map[string]string{}
	if v, ok := group["tags"]; ok && v.IsArray() {
		for _, t := range v.ArrayValue() {
			if t.IsObject() {
				tags[getString(t.ObjectValue(), "key", "")] = getString(t.ObjectValue(), "value", "")
			}
		}
	}
	f, ok := args["filters"]
	if !ok || !f.IsArray() {
		return true
	}
	for _, v := range f.ArrayValue() {
		if !v.IsObject() {
			return false
		}
		name := getString(v.ObjectValue(), "name", "")
		key, isTag := strings.CutPrefix(name, "tag:")
		got, has := tags[key]
		if !isTag || !has || !slices.Contains(getStrings(v.ObjectValue(), "values"), got) {
			return false
		}
	}
	return true
}

// nodeGroupScalingInBounds is EKS's refusal of a desired size outside
// [minSize, maxSize] on CreateNodegroup / UpdateNodegroupConfig
// ("InvalidParameterException: Minimum capacity 3 can't be greater than
// desired size 2"; the EKS API reference, NodegroupScalingConfig:
// desiredSize "must be greater than or equal to minSize" and maxSize
// "greater than or equal to desiredSize"). The Terraform provider sends the
// whole scaling configuration on every change of it, so an ignored desired
// size is sent as it was first deployed.
func nodeGroupScalingInBounds(r *Resource) error {
	lo, hi, want := getNumber(r.Inputs, "scalingConfig.minSize"), getNumber(r.Inputs, "scalingConfig.maxSize"), getNumber(r.Inputs, "scalingConfig.desiredSize")
	switch {
	case lo > want:
		return fmt.Errorf("InvalidParameterException: Minimum capacity %d can't be greater than desired size %d", lo, want)
	case want > hi:
		return fmt.Errorf("InvalidParameterException: Desired capacity %d can't be greater than max size %d", want, hi)
	}
	return nil
}

// clusterSecretsKeyKept is EKS's refusal to move a cluster's Secrets
// encryption to another key: encryption can be added to a cluster without
// it (AssociateEncryptionConfig), never removed (the provider replaces the
// cluster then) nor changed (EKS User Guide, "Encrypt Kubernetes secrets
// with KMS on existing clusters": once enabled it cannot be disabled or
// changed). r.Olds is nil on a create.
func clusterSecretsKeyKept(r *Resource) error {
	was, now := getString(r.Olds, "encryptionConfig.provider.keyArn", ""), getString(r.Inputs, "encryptionConfig.provider.keyArn", "")
	if was != "" && now != "" && was != now {
		return fmt.Errorf("InvalidRequestException: cluster %s already encrypts secrets with %s; EKS cannot change the key", r.ID, was)
	}
	return nil
}

// launchTemplateVersionedKeys are the launch template inputs whose change
// makes the provider create a new template version (latest_version + 1):
// updateKeys of resourceLaunchTemplateUpdate in the Terraform AWS provider
// (internal/service/ec2/ec2_launch_template.go), in Pulumi's names.
var launchTemplateVersionedKeys = []resource.PropertyKey{
	"blockDeviceMappings", "capacityReservationSpecification", "cpuOptions", "creditSpecification",
	"description", "disableApiStop", "disableApiTermination", "ebsOptimized", "elasticGpuSpecifications",
	"elasticInferenceAccelerator", "enclaveOptions", "hibernationOptions", "iamInstanceProfile", "imageId",
	"instanceInitiatedShutdownBehavior", "instanceMarketOptions", "instanceRequirements", "instanceType",
	"kernelId", "keyName", "licenseSpecifications", "metadataOptions", "monitoring", "networkInterfaces",
	"placement", "privateDnsNameOptions", "ramDiskId", "securityGroupNames", "tagSpecifications",
	"userData", "vpcSecurityGroupIds",
}

// launchTemplateVersioned reports an update that creates a new version.
func launchTemplateVersioned(olds, news resource.PropertyMap) bool {
	for _, k := range launchTemplateVersionedKeys {
		if !olds[k].DeepEquals(news[k]) {
			return true
		}
	}
	return false
}

// launchTemplatePlanChanged reports a change the provider's plan marks
// latest_version unknown for: any input but the name, the description and
// the default version (CustomizeDiff ComputedIf("latest_version") in the
// same file); computed outputs are not inputs.
func launchTemplatePlanChanged(olds, news resource.PropertyMap) bool {
	skip := map[resource.PropertyKey]bool{"name": true, "namePrefix": true, "description": true,
		"defaultVersion": true, "updateDefaultVersion": true, "latestVersion": true, "arn": true, "tagsAll": true, "id": true}
	for k := range news {
		if !skip[k] && !olds[k].DeepEquals(news[k]) {
			return true
		}
	}
	for k := range olds {
		if _, in := news[k]; !in && !skip[k] && !olds[k].IsNull() && launchTemplateInput(k) {
			return true
		}
	}
	return false
}

// launchTemplateInput reports an input removed in an update (old state
// holds outputs too, which are not inputs).
func launchTemplateInput(k resource.PropertyKey) bool {
	return slices.Contains(launchTemplateVersionedKeys, k) || k == "tags"
}
