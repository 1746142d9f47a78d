package enginetest

import (
	"fmt"
	"sync"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The fake's caller: a session of an assumed deployer role, as a CI
// pipeline deploys.
var (
	// DeployerRoleARN is the IAM role the fake's caller assumed: the
	// issuerArn aws:iam/getSessionContext returns, and the principal EKS
	// gives the creator's access entry.
	DeployerRoleARN = "arn:aws:iam::" + FakeAccountID + ":role/eksfleet-deployer"
	// CallerARN is what aws:index/getCallerIdentity returns as arn.
	CallerARN = "arn:aws:sts::" + FakeAccountID + ":assumed-role/eksfleet-deployer/session"
)

// facts returns the awsfacts rules of a type the fake models; a type the
// table lacks is a programming error.
func facts(token string) *awsfacts.Type {
	t, ok := awsfacts.For(token)
	if !ok {
		panic("enginetest: awsfacts has no " + token)
	}
	return t
}

// uniqueBy returns a ResourceSpec.Unique refusing a create whose key (from
// its inputs, or from a live resource's state) is taken, with the cloud
// API's error.
func uniqueBy(key func(m resource.PropertyMap) string, taken func(r *Resource, k string) error) func(*Resource, map[string]resource.PropertyMap) error {
	return func(r *Resource, live map[string]resource.PropertyMap) error {
		k := key(r.Inputs)
		for _, state := range live {
			if key(state) == k {
				return taken(r, k)
			}
		}
		return nil
	}
}

func nameKey(m resource.PropertyMap) string { return getString(m, "name", "") }

// IAM names are unique per account (IAM API CreateRole and
// CreateInstanceProfile: EntityAlreadyExists, HTTP 409).
var (
	uniqueRole = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return apiError(fmt.Sprintf("operation error IAM: CreateRole, https response error StatusCode: 409, EntityAlreadyExists: Role with name %s already exists.", n))
	})
	uniqueInstanceProfile = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return apiError(fmt.Sprintf("operation error IAM: CreateInstanceProfile, https response error StatusCode: 409, EntityAlreadyExists: Instance Profile %s already exists.", n))
	})
	// Auto Scaling group names are unique per region (CreateAutoScalingGroup:
	// AlreadyExists).
	uniqueASG = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return fmt.Errorf("AlreadyExists: AutoScalingGroup by this name already exists - A group with the name %s already exists", n)
	})
	// Launch template names are unique per region (EC2 CreateLaunchTemplate:
	// InvalidLaunchTemplateName.AlreadyExistsException).
	uniqueLaunchTemplate = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return fmt.Errorf("InvalidLaunchTemplateName.AlreadyExistsException: Launch template name already in use (%s)", n)
	})
	// EKS cluster names are unique per region (CreateCluster:
	// ResourceInUseException, HTTP 409).
	uniqueCluster = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return fmt.Errorf("operation error EKS: CreateCluster, https response error StatusCode: 409, ResourceInUseException: Cluster already exists with name: %s", n)
	})
	// Node group names are unique per cluster (EKS CreateNodegroup:
	// ResourceInUseException, HTTP 409).
	uniqueNodeGroup = uniqueBy(func(m resource.PropertyMap) string {
		return getString(m, "clusterName", "") + "\x00" + getString(m, "nodeGroupName", "")
	}, func(r *Resource, _ string) error {
		return fmt.Errorf("operation error EKS: CreateNodegroup, https response error StatusCode: 409, ResourceInUseException: NodeGroup already exists with name %s and cluster name %s",
			getString(r.Inputs, "nodeGroupName", ""), getString(r.Inputs, "clusterName", ""))
	})
	// EventBridge rule names are unique per event bus. PutRule creates or
	// updates, so AWS would not refuse a second rule of the same name: it
	// would silently take the first one over (its pattern, then its
	// deletion). The fake refuses it, naming what AWS would do.
	uniqueEventRule = uniqueBy(func(m resource.PropertyMap) string {
		return getString(m, "eventBusName", "default") + "\x00" + getString(m, "name", "")
	}, func(r *Resource, _ string) error {
		return fmt.Errorf("enginetest: EventBridge rule %s already exists on event bus %s; PutRule (create or update) would take it over from its owner",
			getString(r.Inputs, "name", ""), getString(r.Inputs, "eventBusName", "default"))
	})
	// SQS queue names are unique per account and region. CreateQueue
	// answers QueueAlreadyExists when the attributes differ and returns the
	// existing queue when they match; the fake refuses both (the second
	// resource would share, then delete, the first one's queue).
	uniqueQueue = uniqueBy(nameKey, func(_ *Resource, n string) error {
		return fmt.Errorf("QueueAlreadyExists: A queue named %s already exists in this account and region", n)
	})
)

// creatorEntries records the access entries EKS creates itself: with
// accessConfig.bootstrapClusterCreatorAdminPermissions true (the EKS API
// default, and what pulumi-eks v2.8.1 always sends), CreateCluster adds an
// access entry for the calling principal with AmazonEKSClusterAdminPolicy
// (EKS User Guide, "Grant IAM users access to Kubernetes with EKS access
// entries": the cluster creator's entry). They live until their cluster
// is deleted and are not resources of the program, so they do not count
// in Live or LiveCount.
type creatorEntries struct {
	mu sync.Mutex
	by map[string]string // cluster name → principal ARN
}

func (c *creatorEntries) created(r *Resource) {
	if v, found, unknown := lookup(r.Inputs, "accessConfig.bootstrapClusterCreatorAdminPermissions"); found && !unknown && v.IsBool() && !v.BoolValue() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]string{}
	}
	c.by[getString(r.Inputs, "name", "")] = DeployerRoleARN
}

func (c *creatorEntries) deleted(id string, _ resource.PropertyMap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.by, id)
}

func (c *creatorEntries) has(cluster, principal string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.by[cluster] == principal && principal != ""
}

// uniqueAccessEntry refuses a second access entry for a (cluster,
// principal) pair, including the creator's entry EKS made: EKS
// CreateAccessEntry answers 409 ResourceInUseException (the text
// terraform-aws-modules/terraform-aws-eks issues #2977 and #3293 quote).
func (c *creatorEntries) uniqueAccessEntry(r *Resource, live map[string]resource.PropertyMap) error {
	cluster, principal := getString(r.Inputs, "clusterName", ""), getString(r.Inputs, "principalArn", "")
	taken := c.has(cluster, principal)
	for _, state := range live {
		if getString(state, "clusterName", "") == cluster && getString(state, "principalArn", "") == principal {
			taken = true
		}
	}
	if taken {
		return apiError(fmt.Sprintf("creating EKS Access Entry (%s:%s): operation error EKS: CreateAccessEntry, https response error StatusCode: 409, ResourceInUseException: The specified access entry resource is already in use on this cluster.", cluster, principal))
	}
	return nil
}

// EKSClusterNotFound is the error pulumi-aws v6 gives for the
// aws:eks/getCluster invoke when no cluster has the name: the Terraform
// data source aws_eks_cluster's "reading EKS Cluster (<name>): couldn't
// find resource" (quoted in terraform-aws-modules/terraform-aws-eks#2045
// and hashicorp-education/learn-terraform-deploy-nginx-kubernetes-provider#8),
// wrapped by the bridge's invoke.
func EKSClusterNotFound(name string) error {
	return fmt.Errorf("invoking aws:eks/getCluster:getCluster: 1 error occurred:\n\t* reading EKS Cluster (%s): couldn't find resource", name)
}

// apiError is an error text as an AWS API words it, final period included.
type apiError string

func (e apiError) Error() string { return string(e) }
