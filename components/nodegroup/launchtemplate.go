package nodegroup

import (
	"fmt"
	"strconv"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/node"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LaunchTemplate is what differs between the kinds' launch templates. A
// managed group's template has no AMI, instance type or instance profile:
// EKS sets them from the node group.
type LaunchTemplate struct {
	Description string
	// UserData is base64 user data, nil for none.
	UserData pulumi.StringPtrInput
	// ImageID, InstanceType and InstanceProfileARN: self-managed only.
	ImageID            pulumi.StringPtrInput
	InstanceType       string
	InstanceProfileARN pulumi.StringPtrInput
	// InstanceTags tag the instances, their volumes and network interfaces.
	InstanceTags map[string]string
}

// LaunchTemplateArgs returns the launch template arguments both kinds
// share: IMDSv2 required with the group's hop limit, the family's block
// devices, 1-minute monitoring, one network interface without a public IP
// in the cluster's node security group, and tag specifications.
func LaunchTemplateArgs(a *Args, lt LaunchTemplate, tags pulumi.StringMap) (*ec2.LaunchTemplateArgs, error) {
	devices, err := nodespec.BlockDevices(a.Family(), a.Volume)
	if err != nil {
		return nil, fmt.Errorf("Args.Volume: %w", err)
	}
	mappings := make(ec2.LaunchTemplateBlockDeviceMappingArray, len(devices))
	for i, d := range devices {
		ebs := &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
			VolumeType:          pulumi.String(d.Type),
			Encrypted:           pulumi.String(strconv.FormatBool(d.Encrypted)),
			DeleteOnTermination: pulumi.String("true"),
		}
		if d.SizeGiB > 0 {
			ebs.VolumeSize = pulumi.Int(d.SizeGiB)
		}
		if d.Iops > 0 {
			ebs.Iops = pulumi.Int(d.Iops)
		}
		if d.KMSKeyARN != "" {
			ebs.KmsKeyId = pulumi.String(d.KMSKeyARN)
		}
		mappings[i] = &ec2.LaunchTemplateBlockDeviceMappingArgs{DeviceName: pulumi.String(d.DeviceName), Ebs: ebs}
	}
	instanceTags := pulumi.ToStringMap(lt.InstanceTags)
	var specs ec2.LaunchTemplateTagSpecificationArray
	for _, rt := range []string{"instance", "volume", "network-interface"} {
		specs = append(specs, &ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String(rt), Tags: instanceTags})
	}
	args := &ec2.LaunchTemplateArgs{
		Description:         pulumi.String(lt.Description),
		BlockDeviceMappings: mappings,
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			// Explicit, not defaults: IMDSv1 off (tokens required), the
			// endpoint on (the termination handler and the node itself need it).
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(a.HopLimit()),
		},
		Monitoring: &ec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{&ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String("false"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{a.Cluster.NodeSecurityGroupID},
		}},
		TagSpecifications: specs,
		UserData:          lt.UserData,
		ImageId:           lt.ImageID,
		Tags:              tags,
	}
	if lt.InstanceType != "" {
		args.InstanceType = pulumi.String(lt.InstanceType)
	}
	if lt.InstanceProfileARN != nil {
		args.IamInstanceProfile = &ec2.LaunchTemplateIamInstanceProfileArgs{Arn: lt.InstanceProfileARN}
	}
	return args, nil
}

// UserData renders the bootstrap input as base64 user data once the
// cluster's endpoint and CA are known; an empty rendering (a managed group
// with nothing to add) gives nil. The input is validated with stand-in
// cluster values first, so a bad label or flag fails the constructor, not
// an apply after registration. With a secret proxy (Proxy.Secret) the user
// data is a Pulumi secret.
func UserData(c Cluster, in bootstrap.Input) (pulumi.StringPtrOutput, error) {
	return node.UserData(c.Endpoint, c.CertificateAuthority, in, true)
}

// BootstrapCluster is the cluster as the bootstrap package sees it, without
// endpoint and CA (UserData fills those in once known).
func BootstrapCluster(c Cluster) bootstrap.Cluster {
	return bootstrap.Cluster{Name: c.Name, ServiceCIDR: c.ServiceIPv4CIDR, VPCCIDR: c.VPCCIDR, KubernetesVersion: c.Version, PublicEndpointOnly: c.PublicEndpointOnly}
}

// InstanceTags are the tags of a group's instances, volumes and network
// interfaces: the user's tags, Name and the cluster ownership tag.
func InstanceTags(a *Args) map[string]string {
	out := make(map[string]string, len(a.Tags)+2)
	for k, v := range a.Tags {
		out[k] = v
	}
	out[nodespec.NameTag] = a.Cluster.Name + "-" + a.GroupName
	out[nodespec.ClusterTagPrefix+a.Cluster.Name] = "owned"
	return out
}
