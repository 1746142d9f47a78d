package nodespec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/eksfleet/eksfleet/components/iampolicy"
)

// ec2Principal is EC2's service principal; the China partitions use their
// own DNS suffix.
func ec2Principal(partition string) string {
	if partition == "aws-cn" {
		return "ec2.amazonaws.com.cn"
	}
	return "ec2.amazonaws.com"
}

// NodeTrustPolicy is the node role's trust policy: EC2 instances (through
// the instance profile) may assume it, nothing else. Like every IAM
// document of the project it is a typed iampolicy value, marshalled.
func NodeTrustPolicy(partition string) iampolicy.Document {
	return iampolicy.Document{
		Version: iampolicy.Version,
		Statement: []iampolicy.Statement{{
			Sid:       "EKSNodeAssumeRole",
			Effect:    "Allow",
			Principal: &iampolicy.Principal{Service: iampolicy.Values{ec2Principal(partition)}},
			Action:    iampolicy.Values{"sts:AssumeRole"},
		}},
	}
}

// Managed policies of the node role (EKS user guide, create-node-role.adoc).
const (
	// WorkerNodePolicy: EC2 describes, eks:DescribeCluster and Pod Identity.
	WorkerNodePolicy = "AmazonEKSWorkerNodePolicy"
	// RegistryPullPolicy: image pulls from ECR, including the EKS add-on
	// images. It replaces the broader ...ReadOnly policy.
	RegistryPullPolicy = "AmazonEC2ContainerRegistryPullOnly"
	// SSMPolicy: Session Manager access instead of SSH keys.
	SSMPolicy = "AmazonSSMManagedInstanceCore"
	// CNIPolicy lets the VPC CNI (aws-node) manage ENIs and addresses. It
	// belongs on the node role unless aws-node has its own IRSA or Pod
	// Identity role.
	CNIPolicy = "AmazonEKS_CNI_Policy"
)

// NodePolicyARNs returns the ARNs of the managed policies the node role
// carries, in a fixed order; the CNI policy only when withCNI.
func NodePolicyARNs(partition string, withCNI bool) []string {
	names := []string{WorkerNodePolicy, RegistryPullPolicy, SSMPolicy}
	if withCNI {
		names = append(names, CNIPolicy)
	}
	arns := make([]string, len(names))
	for i, n := range names {
		arns[i] = fmt.Sprintf("arn:%s:iam::aws:policy/%s", partition, n)
	}
	return arns
}

var roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/([\w+=,.@/-]{1,512})$`)

// RoleNameFromARN returns the name of an IAM role from its ARN (the part
// after the last "/", as a role's path is not part of its name).
func RoleNameFromARN(arn string) (string, error) {
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", fmt.Errorf("%q is not an IAM role ARN like arn:aws:iam::111122223333:role/eks-node", arn)
	}
	return m[1][strings.LastIndex(m[1], "/")+1:], nil
}
