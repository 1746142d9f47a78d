package spec

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/iampolicy"
)

// PolicyInput identifies what the controller's permissions are scoped to.
type PolicyInput struct {
	Partition, Region, Account string
	// Cluster is the EKS cluster name: every write is conditioned on the
	// kubernetes.io/cluster/<Cluster>=owned and eks:eks-cluster-name tags.
	Cluster string
	// NodeRoleARN is the only role the controller may pass to EC2.
	NodeRoleARN string
	// QueueARN is the interruption queue it consumes.
	QueueARN string
}

// ControllerPolicy returns the controller's permissions exactly as
// Karpenter's getting-started CloudFormation template (v1.14,
// website/content/en/v1.14/getting-started/getting-started-with-karpenter/
// cloudformation.yaml) writes its six managed policies — NodeLifecycle,
// IAMIntegration, EKSIntegration, Interruption, ZonalShift and
// ResourceDiscovery — in one document: the same Sids, actions, resources
// and conditions, with ${AWS::Partition}, ${AWS::Region},
// ${AWS::AccountId}, ${ClusterName}, the node role and the queue filled
// in. TestControllerPolicyMatchesTemplate compares it statement by
// statement with the template.
func ControllerPolicy(in PolicyInput) (iampolicy.Document, error) {
	if in.Partition == "" || in.Region == "" || in.Account == "" || in.Cluster == "" || in.NodeRoleARN == "" || in.QueueARN == "" {
		return iampolicy.Document{}, fmt.Errorf("karpenter controller policy needs partition, region, account, cluster, node role and queue ARNs, got %+v", in)
	}
	p, r, a, c := in.Partition, in.Region, in.Account, in.Cluster
	ec2 := func(res string) string { return fmt.Sprintf("arn:%s:ec2:%s:*:%s", p, r, res) }
	owned := "kubernetes.io/cluster/" + c
	taggedResources := iampolicy.Values{ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*")}
	profiles := fmt.Sprintf("arn:%s:iam::%s:instance-profile/*", p, a)
	clusterARN := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", p, r, a, c)
	return iampolicy.Document{
		Version: iampolicy.Version,
		Statement: []iampolicy.Statement{
			// NodeLifecyclePolicy
			{Sid: "AllowScopedEC2InstanceAccessActions", Effect: "Allow",
				Resource: iampolicy.Values{
					fmt.Sprintf("arn:%s:ec2:%s::image/*", p, r), fmt.Sprintf("arn:%s:ec2:%s::snapshot/*", p, r),
					ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"), ec2("placement-group/*"),
				},
				Action: iampolicy.Values{"ec2:RunInstances", "ec2:CreateFleet"}},
			{Sid: "AllowScopedEC2LaunchTemplateAccessActions", Effect: "Allow",
				Resource: iampolicy.Values{ec2("launch-template/*")},
				Action:   iampolicy.Values{"ec2:RunInstances", "ec2:CreateFleet"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"aws:ResourceTag/" + owned: {"owned"}},
					"StringLike":   {"aws:ResourceTag/karpenter.sh/nodepool": {"*"}},
				}},
			{Sid: "AllowScopedEC2InstanceActionsWithTags", Effect: "Allow",
				Resource: taggedResources,
				Action:   iampolicy.Values{"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"aws:RequestTag/" + owned: {"owned"}, "aws:RequestTag/eks:eks-cluster-name": {c}},
					"StringLike":   {"aws:RequestTag/karpenter.sh/nodepool": {"*"}},
				}},
			{Sid: "AllowScopedResourceCreationTagging", Effect: "Allow",
				Resource: taggedResources,
				Action:   iampolicy.Values{"ec2:CreateTags"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {
						"aws:RequestTag/" + owned:             {"owned"},
						"aws:RequestTag/eks:eks-cluster-name": {c},
						"ec2:CreateAction":                    {"RunInstances", "CreateFleet", "CreateLaunchTemplate"},
					},
					"StringLike": {"aws:RequestTag/karpenter.sh/nodepool": {"*"}},
				}},
			{Sid: "AllowScopedResourceTagging", Effect: "Allow",
				Resource: iampolicy.Values{ec2("instance/*")},
				Action:   iampolicy.Values{"ec2:CreateTags"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals":              {"aws:ResourceTag/" + owned: {"owned"}},
					"StringLike":                {"aws:ResourceTag/karpenter.sh/nodepool": {"*"}},
					"StringEqualsIfExists":      {"aws:RequestTag/eks:eks-cluster-name": {c}},
					"ForAllValues:StringEquals": {"aws:TagKeys": {"eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"}},
				}},
			{Sid: "AllowScopedDeletion", Effect: "Allow",
				Resource: iampolicy.Values{ec2("instance/*"), ec2("launch-template/*")},
				Action:   iampolicy.Values{"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"aws:ResourceTag/" + owned: {"owned"}},
					"StringLike":   {"aws:ResourceTag/karpenter.sh/nodepool": {"*"}},
				}},
			// IAMIntegrationPolicy
			{Sid: "AllowPassingInstanceRole", Effect: "Allow",
				Resource: iampolicy.Values{in.NodeRoleARN},
				Action:   iampolicy.Values{"iam:PassRole"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com", "ec2.amazonaws.com.cn"}},
				}},
			{Sid: "AllowScopedInstanceProfileCreationActions", Effect: "Allow",
				Resource: iampolicy.Values{profiles},
				Action:   iampolicy.Values{"iam:CreateInstanceProfile"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {
						"aws:RequestTag/" + owned:                      {"owned"},
						"aws:RequestTag/eks:eks-cluster-name":          {c},
						"aws:RequestTag/topology.kubernetes.io/region": {r},
					},
					"StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": {"*"}},
				}},
			{Sid: "AllowScopedInstanceProfileTagActions", Effect: "Allow",
				Resource: iampolicy.Values{profiles},
				Action:   iampolicy.Values{"iam:TagInstanceProfile"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {
						"aws:ResourceTag/" + owned:                      {"owned"},
						"aws:ResourceTag/topology.kubernetes.io/region": {r},
						"aws:RequestTag/" + owned:                       {"owned"},
						"aws:RequestTag/eks:eks-cluster-name":           {c},
						"aws:RequestTag/topology.kubernetes.io/region":  {r},
					},
					"StringLike": {
						"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": {"*"},
						"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass":  {"*"},
					},
				}},
			{Sid: "AllowScopedInstanceProfileActions", Effect: "Allow",
				Resource: iampolicy.Values{profiles},
				Action:   iampolicy.Values{"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {
						"aws:ResourceTag/" + owned:                      {"owned"},
						"aws:ResourceTag/topology.kubernetes.io/region": {r},
					},
					"StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": {"*"}},
				}},
			// EKSIntegrationPolicy
			{Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow",
				Resource: iampolicy.Values{clusterARN},
				Action:   iampolicy.Values{"eks:DescribeCluster"}},
			// InterruptionPolicy
			{Sid: "AllowInterruptionQueueActions", Effect: "Allow",
				Resource: iampolicy.Values{in.QueueARN},
				Action:   iampolicy.Values{"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}},
			// ZonalShiftPolicy
			{Sid: "AllowZonalShiftStatusReadOnly", Effect: "Allow",
				Resource: iampolicy.Values{"*"},
				Action:   iampolicy.Values{"arc-zonal-shift:GetManagedResource"},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"arc-zonal-shift:ResourceIdentifier": {clusterARN}},
				}},
			// ResourceDiscoveryPolicy
			{Sid: "AllowRegionalReadActions", Effect: "Allow",
				Resource: iampolicy.Values{"*"},
				Action: iampolicy.Values{
					"ec2:DescribeCapacityReservations", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
					"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
					"ec2:DescribePlacementGroups", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets",
				},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"aws:RequestedRegion": {r}},
				}},
			{Sid: "AllowSSMReadActions", Effect: "Allow",
				Resource: iampolicy.Values{fmt.Sprintf("arn:%s:ssm:%s::parameter/aws/service/*", p, r)},
				Action:   iampolicy.Values{"ssm:GetParameter"}},
			{Sid: "AllowPricingReadActions", Effect: "Allow",
				Resource: iampolicy.Values{"*"},
				Action:   iampolicy.Values{"pricing:GetProducts"}},
			{Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow",
				Resource: iampolicy.Values{"*"},
				Action:   iampolicy.Values{"iam:ListInstanceProfiles"}},
			{Sid: "AllowInstanceProfileReadActions", Effect: "Allow",
				Resource: iampolicy.Values{profiles},
				Action:   iampolicy.Values{"iam:GetInstanceProfile"}},
		},
	}, nil
}
