package cluster

import (
	"maps"
	"testing"
)

func TestPrincipalOfCaller(t *testing.T) {
	for _, tc := range []struct{ caller, issuer, want string }{
		{"arn:aws:sts::111122223333:assumed-role/deployer/ci-42", "arn:aws:iam::111122223333:role/ci/deployer", "arn:aws:iam::111122223333:role/ci/deployer"},
		{"arn:aws:sts::111122223333:assumed-role/deployer/ci-42", "", "arn:aws:iam::111122223333:role/deployer"},
		{"arn:aws-cn:sts::111122223333:assumed-role/deployer/s", "", "arn:aws-cn:iam::111122223333:role/deployer"},
		{"arn:aws:iam::111122223333:user/alice", "", "arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:iam::111122223333:root", "", "arn:aws:iam::111122223333:root"},
	} {
		if got := PrincipalOfCaller(tc.caller, tc.issuer); got != tc.want {
			t.Errorf("PrincipalOfCaller(%q, %q) = %q, want %q", tc.caller, tc.issuer, got, tc.want)
		}
	}
}

func TestSamePrincipal(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"arn:aws:iam::1:role/admin", "arn:aws:iam::1:role/admin", true},
		{"arn:aws:iam::1:role/team/admin", "arn:aws:iam::1:role/admin", true},
		{"arn:aws:iam::1:role/admin", "arn:aws:iam::2:role/admin", false},
		{"arn:aws:iam::1:role/admin", "arn:aws:iam::1:user/admin", false},
		{"arn:aws:iam::1:role/admin", "", false},
		{"", "", false},
	} {
		if got := SamePrincipal(tc.a, tc.b); got != tc.want {
			t.Errorf("SamePrincipal(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestAdminEntriesSkipTheCreator: EKS already gave the creator an access
// entry (bootstrapClusterCreatorAdminPermissions); a second one fails with
// ResourceInUseException. Indexes are kept so resource names never shift.
func TestAdminEntriesSkipTheCreator(t *testing.T) {
	admins := []string{"arn:aws:iam::1:role/platform-admin", "arn:aws:iam::1:role/ci/deployer", "arn:aws:iam::1:role/auditor"}
	got := AdminEntries(admins, "arn:aws:iam::1:role/deployer")
	want := map[int]string{0: admins[0], 2: admins[2]}
	if !maps.Equal(got, want) {
		t.Errorf("AdminEntries = %v, want %v", got, want)
	}
	if got := AdminEntries(admins, ""); len(got) != 3 {
		t.Errorf("unknown creator: %v, want every admin role", got)
	}
}
