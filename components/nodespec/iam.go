package nodespec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// PolicyDocument is an IAM policy document. Typed values marshalled to JSON,
// rather than hand-written JSON strings, cannot be malformed and read the
// same every time, so the role never shows a spurious diff.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a PolicyDocument.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action"`
	Resource  []string   `json:"Resource,omitempty"`
}

// Principal names who a trust policy lets assume a role.
type Principal struct {
	Service []string `json:"Service,omitempty"`
}

// JSON renders the document.
func (d PolicyDocument) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("rendering IAM policy document: %w", err)
	}
	return string(b), nil
}

// ec2Principal is EC2's service principal; the China partitions use their
// own DNS suffix.
func ec2Principal(partition string) string {
	if partition == "aws-cn" {
		return "ec2.amazonaws.com.cn"
	}
	return "ec2.amazonaws.com"
}

// NodeTrustPolicy is the node role's trust policy: EC2 instances (through
// the instance profile) may assume it, nothing else.
func NodeTrustPolicy(partition string) PolicyDocument {
	return PolicyDocument{
		Version: "2012-10-17",
		Statement: []Statement{{
			Sid:       "EKSNodeAssumeRole",
			Effect:    "Allow",
			Principal: &Principal{Service: []string{ec2Principal(partition)}},
			Action:    []string{"sts:AssumeRole"},
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
