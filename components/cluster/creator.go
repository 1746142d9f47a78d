package cluster

import (
	"strings"
)

// CreatorTag is the tag on the EKS cluster that records the IAM principal
// that created it. EKS gives that principal cluster-admin through an access
// entry of its own (pulumi-eks v2.8.1 always creates clusters with
// accessConfig.bootstrapClusterCreatorAdminPermissions: true, its
// nodejs/eks/cluster.ts), and refuses a second entry for the same principal
// with ResourceInUseException. The tag keeps the answer stable when a
// different identity runs a later update.
const CreatorTag = "eksfleet:cluster-creator"

// PrincipalOfCaller returns the IAM principal that an sts
// GetCallerIdentity ARN acts as, as EKS records it for the creator's access
// entry: the role for an assumed-role session, the caller itself otherwise.
// For an assumed role, issuerARN is iam GetSessionContext's issuer (the role
// ARN with its path); when it is empty the role ARN is rebuilt without path.
func PrincipalOfCaller(callerARN, issuerARN string) string {
	if !IsAssumedRole(callerARN) {
		return callerARN
	}
	if issuerARN != "" {
		return issuerARN
	}
	// arn:<partition>:sts::<account>:assumed-role/<role>/<session>
	parts := strings.SplitN(callerARN, ":", 6)
	resource := strings.Split(parts[5], "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + resource[1]
}

// IsAssumedRole reports whether an sts caller ARN is an assumed-role
// session (arn:aws:sts::111122223333:assumed-role/Role/session).
func IsAssumedRole(callerARN string) bool {
	parts := strings.SplitN(callerARN, ":", 6)
	return len(parts) == 6 && parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/") && strings.Count(parts[5], "/") >= 2
}

// SamePrincipal reports whether two IAM principal ARNs name the same
// principal: equal, or the same role or user of the same account with and
// without an IAM path (arn:aws:iam::1:role/a/b/Name and
// arn:aws:iam::1:role/Name), since EKS matches access entries on the
// principal, not on how its ARN was written.
func SamePrincipal(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	return withoutPath(a) == withoutPath(b)
}

// withoutPath drops the IAM path of a role or user ARN.
func withoutPath(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return arn
	}
	kind, rest, ok := strings.Cut(parts[5], "/")
	if !ok || (kind != "role" && kind != "user") {
		return arn
	}
	name := rest[strings.LastIndex(rest, "/")+1:]
	return strings.Join(parts[:5], ":") + ":" + kind + "/" + name
}

// AdminEntries returns the admin role ARNs that need an access entry of
// ours, by their index in adminRoleARNs (the index names the resources, so
// it must not shift): every one except the cluster creator's, which EKS
// created itself.
func AdminEntries(adminRoleARNs []string, creatorARN string) map[int]string {
	out := make(map[int]string, len(adminRoleARNs))
	for i, arn := range adminRoleARNs {
		if !SamePrincipal(arn, creatorARN) {
			out[i] = arn
		}
	}
	return out
}
