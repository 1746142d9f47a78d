// Package karpenter runs Karpenter as the cluster's autoscaler: its AWS side
// (the controller's IRSA role with upstream's controller policy scoped to
// this cluster, the node role with its instance profile and EC2_LINUX
// access entry from components/node, and the interruption queue with its
// EventBridge rules from components/interruption) and, given a Kubernetes
// provider, its in-cluster side: the CRD chart, the controller chart (two
// replicas on the node groups, with the proxy environment) and one
// EC2NodeClass and one NodePool per pool.
//
// Nodes Karpenter launches behave like eksfleet's self-managed nodes of the
// same family: their user data comes from components/bootstrap (the proxy
// environment for nodeadm, containerd and the kubelet on AL2023, proxy
// settings on Bottlerocket), which Karpenter merges with its own cluster
// settings; IMDSv2 is required; volumes are encrypted. Max pods: Karpenter
// computes per instance type from ENI limits, as eksfleet's table does for
// standard networking, so it is left alone there; with custom networking
// the chart's reservedENIs "1" makes Karpenter drop the primary ENI
// (upstream's documented knob); with prefix delegation, which Karpenter
// does not count, spec.kubelet.maxPods carries the smallest value the
// instance table computes for the pool's types — the one knob Karpenter
// both schedules with and passes to the kubelet — and the user data the
// same value, so nodeadm sizes kube-reserved on it.
package karpenter

import (
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/internal/chart"
	"github.com/eksfleet/eksfleet/components/internal/irsa"
	"github.com/eksfleet/eksfleet/components/interruption"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/components/node"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:Karpenter"

// Args configures Karpenter.
type Args struct {
	// ClusterName is the EKS cluster name; the controller policy and the
	// node tags key on it.
	ClusterName string
	// KubernetesVersion is the cluster's minor ("1.33"); it picks the chart.
	KubernetesVersion string
	// Region is the cluster's AWS region.
	Region string
	// ChartVersion overrides the chart pinned for KubernetesVersion.
	ChartVersion string
	// OIDCProviderARN and OIDCIssuerURL are the cluster's IRSA identity.
	OIDCProviderARN pulumi.StringInput
	OIDCIssuerURL   pulumi.StringInput
	// EKSName, Endpoint and CertificateAuthority are the cluster's
	// outputs; NodeSecurityGroupID is the security group of every node.
	EKSName              pulumi.StringInput
	Endpoint             pulumi.StringInput
	CertificateAuthority pulumi.StringInput
	NodeSecurityGroupID  pulumi.StringInput
	// ServiceIPv4CIDR and VPCCIDR go into the nodes' NO_PROXY.
	ServiceIPv4CIDR, VPCCIDR string
	// PublicEndpointOnly: the nodes reach the API server through the proxy.
	PublicEndpointOnly bool
	// Network is the VPC CNI mode (max pods; see the package doc).
	Network instancetypes.NetworkMode
	// Proxy is the nodes' egress proxy, nil for none.
	Proxy *bootstrap.Proxy
	// HTTPProxy, HTTPSProxy and NoProxy give the controller the pods'
	// proxy environment; a secret NoProxy makes the values secret.
	HTTPProxy, HTTPSProxy string
	NoProxy               pulumi.StringArrayInput
	// SubnetIDs are the private subnets pools default to.
	SubnetIDs []string
	// Pools are the node pools, at least one.
	Pools []Pool
	// Provider is the cluster's Kubernetes provider; nil creates only the
	// AWS side (Values then holds what an in-VPC install passes).
	Provider *kubernetes.Provider
	// DependsOn are what the controller needs first (the node groups it
	// runs on); NetworkReady what nodes need before they launch (the VPC
	// CNI add-on's configuration).
	DependsOn    []pulumi.Resource
	NetworkReady []pulumi.Resource
	// Tags are added to every taggable resource and to the instances,
	// volumes and network interfaces Karpenter launches.
	Tags map[string]string
}

// Pool is one node pool: a NodePool and its EC2NodeClass.
type Pool struct {
	// Name names both objects.
	Name string
	// Family is AL2023 or Bottlerocket; AMIReleaseVersion pins the release
	// (nodespec.ParseRelease), "" is the latest.
	Family            bootstrap.Family
	AMIReleaseVersion string
	// Filter, CapacityTypes and Zones become the NodePool requirements.
	Filter        spec.Filter
	CapacityTypes []string
	Zones         []string
	// SubnetIDs default to Args.SubnetIDs.
	SubnetIDs []string
	Labels    map[string]string
	Taints    []bootstrap.Taint
	// Limits bound the pool's total resources.
	Limits map[string]string
	// Disruption and ExpireAfter: how and when nodes are replaced.
	Disruption  spec.Disruption
	ExpireAfter string
	// Volume is the root (AL2023) or data (Bottlerocket) volume.
	Volume nodespec.Volume
	// HopLimit is the IMDSv2 hop limit (0: 2).
	HopLimit int
	// MaxPods is an explicit max pods; 0 is automatic (package doc).
	MaxPods int
	// Weight orders pools (0: unset).
	Weight int
}

// Karpenter is a provisioned Karpenter.
type Karpenter struct {
	pulumi.ResourceState

	// RoleARN is the controller's IRSA role.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// NodeRoleARN and InstanceProfileName are the nodes' identity.
	NodeRoleARN         pulumi.StringOutput `pulumi:"nodeRoleArn"`
	InstanceProfileName pulumi.StringOutput `pulumi:"instanceProfileName"`
	// QueueURL and QueueName identify the interruption queue.
	QueueURL  pulumi.StringOutput `pulumi:"queueUrl"`
	QueueName pulumi.StringOutput `pulumi:"queueName"`
	// Values are the controller chart's values.
	Values pulumi.MapOutput `pulumi:"values"`
	// NodeClasses and NodePools are the objects by pool name.
	NodeClasses pulumi.MapOutput `pulumi:"nodeClasses"`
	NodePools   pulumi.MapOutput `pulumi:"nodePools"`

	// ChartVersion is the chart in use.
	ChartVersion string
	// CRDRelease and Release are the Helm releases, nil without a provider.
	CRDRelease, Release *helmv3.Release
}

// plannedPool is a pool checked and resolved before registration.
type plannedPool struct {
	Pool
	release  nodespec.Release
	maxPods  int
	userData bootstrap.Input
}

func (a *Args) plan(name string) (string, []plannedPool, error) {
	switch {
	case a.ClusterName == "" || a.Region == "":
		return "", nil, fmt.Errorf("karpenter %s: ClusterName and Region are required", name)
	case a.OIDCProviderARN == nil || a.OIDCIssuerURL == nil:
		return "", nil, fmt.Errorf("karpenter %s: OIDCProviderARN and OIDCIssuerURL are required (the controller's role is assumed through IRSA)", name)
	case a.EKSName == nil || a.Endpoint == nil || a.CertificateAuthority == nil || a.NodeSecurityGroupID == nil:
		return "", nil, fmt.Errorf("karpenter %s: EKSName, Endpoint, CertificateAuthority and NodeSecurityGroupID are required (the cluster component's outputs)", name)
	case (a.HTTPProxy != "" || a.HTTPSProxy != "") && a.NoProxy == nil:
		return "", nil, fmt.Errorf("karpenter %s: NoProxy is required with a proxy", name)
	case len(a.Pools) == 0:
		return "", nil, fmt.Errorf("karpenter %s: at least one pool is required", name)
	case len(a.SubnetIDs) == 0:
		return "", nil, fmt.Errorf("karpenter %s: SubnetIDs is empty: nodes need at least one private subnet", name)
	}
	version, err := spec.ChartVersion(a.KubernetesVersion, a.ChartVersion)
	if err != nil {
		return "", nil, fmt.Errorf("karpenter %s: %w", name, err)
	}
	seen := map[string]bool{}
	var out []plannedPool
	for _, p := range a.Pools {
		if seen[p.Name] {
			return "", nil, fmt.Errorf("karpenter %s: pool %q is listed twice", name, p.Name)
		}
		seen[p.Name] = true
		pp, err := a.planPool(p)
		if err != nil {
			return "", nil, fmt.Errorf("karpenter %s: pool %q: %w", name, p.Name, err)
		}
		out = append(out, pp)
	}
	return version, out, nil
}

func (a *Args) planPool(p Pool) (plannedPool, error) {
	if p.Family == "" {
		p.Family = bootstrap.AL2023
	}
	if p.HopLimit == 0 {
		p.HopLimit = 2
	}
	if len(p.SubnetIDs) == 0 {
		p.SubnetIDs = a.SubnetIDs
	}
	release, err := nodespec.ParseRelease(p.Family, a.KubernetesVersion, p.AMIReleaseVersion)
	if err != nil {
		return plannedPool{}, err
	}
	types := spec.Select(p.Filter)
	if len(types) == 0 {
		return plannedPool{}, fmt.Errorf("its filters match no instance type in the instance table")
	}
	maxPods := p.MaxPods
	if maxPods == 0 && a.Network.PrefixDelegation {
		n, ok := spec.PoolMaxPods(types, a.Network)
		if !ok {
			return plannedPool{}, fmt.Errorf("prefix delegation needs max pods, and the instance table computes it for none of the %d types the filters select; set maxPods", len(types))
		}
		maxPods = n
	}
	in := bootstrap.Input{
		Family: p.Family,
		Cluster: bootstrap.Cluster{Name: a.ClusterName, ServiceCIDR: a.ServiceIPv4CIDR, VPCCIDR: a.VPCCIDR,
			KubernetesVersion: a.KubernetesVersion, PublicEndpointOnly: a.PublicEndpointOnly},
		Node:  bootstrap.Node{MaxPods: maxPods},
		Proxy: a.Proxy,
		// Karpenter merges its own cluster settings, labels and taints
		// in, as EKS does for a managed group: only our parts are written.
		Managed:           true,
		AMIReleaseVersion: release.Raw,
	}
	if maxPods > 0 {
		in.CustomNetworking, in.PrefixDelegation = a.Network.CustomNetworking, a.Network.PrefixDelegation
	}
	var problems []string
	for _, err := range bootstrap.ValidateLabels(p.Labels) {
		problems = append(problems, err.Error())
	}
	for _, err := range bootstrap.ValidateTaints(p.Taints) {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		// Karpenter passes them to the kubelet, which refuses these.
		return plannedPool{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	if _, err := spec.Pool(poolInput(p)); err != nil {
		return plannedPool{}, err
	}
	return plannedPool{Pool: p, release: release, maxPods: maxPods, userData: in}, nil
}

func poolInput(p Pool) spec.PoolInput {
	return spec.PoolInput{Name: p.Name, Filter: p.Filter, CapacityTypes: p.CapacityTypes, Zones: p.Zones, Labels: p.Labels,
		Taints: p.Taints, Limits: p.Limits, Disruption: p.Disruption, ExpireAfter: p.ExpireAfter, Weight: p.Weight}
}

// New creates Karpenter's AWS side and, given a provider, installs it and
// its pools. Every problem with Args is reported before anything is
// registered.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Karpenter, error) {
	if args == nil {
		return nil, fmt.Errorf("karpenter %s: args are required", name)
	}
	version, pools, err := args.plan(name)
	if err != nil {
		return nil, err
	}
	// User data is validated (with stand-in cluster values) before
	// registration too.
	userData := make([]pulumi.StringPtrOutput, len(pools))
	for i, p := range pools {
		if userData[i], err = node.UserData(args.Endpoint, args.CertificateAuthority, p.userData, false); err != nil {
			return nil, fmt.Errorf("karpenter %s: pool %q: user data: %w", name, p.Name, err)
		}
	}

	k := &Karpenter{ChartVersion: version}
	if err := ctx.RegisterComponentResource(TypeToken, name, k, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(k)
	tags := pulumi.ToStringMap(args.Tags)

	role, err := node.NewRole(ctx, name, node.RoleArgs{
		Description:     fmt.Sprintf("Nodes of EKS cluster %s launched by Karpenter", args.ClusterName),
		InstanceProfile: true,
	}, tags, k)
	if err != nil {
		return nil, err
	}
	entry, err := node.NewAccessEntry(ctx, name+"-nodes", args.EKSName, role.ARN, tags, k)
	if err != nil {
		return nil, err
	}
	k.NodeRoleARN, k.InstanceProfileName = role.ARN, role.InstanceProfileName

	queue, err := interruption.New(ctx, name, interruption.Args{
		Purpose: "for Karpenter of EKS cluster " + args.ClusterName,
		Rules:   Rules(),
		Tags:    tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	k.QueueURL, k.QueueName = queue.URL, queue.Name

	policy := pulumi.All(args.OIDCProviderARN, role.ARN, queue.ARN).ApplyT(func(v []interface{}) (string, error) {
		arn, err := iampolicy.ParseARN(v[0].(string))
		if err != nil {
			return "", err
		}
		doc, err := spec.ControllerPolicy(spec.PolicyInput{Partition: arn.Partition, Region: args.Region, Account: arn.Account,
			Cluster: args.ClusterName, NodeRoleARN: v[1].(string), QueueARN: v[2].(string)})
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
	irsaRole, err := irsa.New(ctx, name, irsa.Args{
		OIDCProviderARN: args.OIDCProviderARN, OIDCIssuerURL: args.OIDCIssuerURL,
		Namespace: spec.Namespace, ServiceAccount: spec.ServiceAccount,
		Description: pulumi.Sprintf("Karpenter controller of EKS cluster %s (%s/%s)", args.ClusterName, spec.Namespace, spec.ServiceAccount),
		Tags:        tags,
		Policy:      policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	controller, rolePolicy := irsaRole.Role, irsaRole.Policy
	k.RoleARN = controller.Arn

	proxied := args.HTTPProxy != "" || args.HTTPSProxy != ""
	noProxy := pulumi.StringArray{}.ToStringArrayOutput()
	if proxied {
		noProxy = args.NoProxy.ToStringArrayOutput()
	}
	values := pulumi.All(args.Endpoint, queue.Name, controller.Arn, noProxy).ApplyT(func(v []interface{}) (map[string]interface{}, error) {
		in := ValuesInput{Cluster: args.ClusterName, Endpoint: v[0].(string), QueueName: v[1].(string), RoleARN: v[2].(string),
			CustomNetworking: args.Network.CustomNetworking}
		if proxied {
			env, err := chart.ProxyEnvironment(args.HTTPProxy, args.HTTPSProxy, v[3].([]string))
			if err != nil {
				return nil, err
			}
			in.ProxyEnv = env
		}
		vals, err := BuildValues(in)
		if err != nil {
			return nil, err
		}
		return vals.Map()
	}).(pulumi.MapOutput)
	if chart.ProxyHasCredentials(args.HTTPProxy, args.HTTPSProxy) {
		values = pulumi.ToSecret(values).(pulumi.MapOutput)
	}
	k.Values = values

	classes, nodePools := pulumi.Map{}, pulumi.Map{}
	classSpecs := make([]pulumi.MapOutput, len(pools))
	poolSpecs := make([]pulumi.MapOutput, len(pools))
	for i, p := range pools {
		p := p
		subnets := append([]string(nil), p.SubnetIDs...)
		classSpecs[i] = pulumi.All(role.InstanceProfileName, args.NodeSecurityGroupID, userData[i]).ApplyT(func(v []interface{}) (map[string]interface{}, error) {
			ud := ""
			if s, ok := v[2].(*string); ok && s != nil {
				ud = *s
			}
			nc, err := spec.NodeClass(spec.NodeClassInput{Name: p.Name, Family: p.Family, Release: p.release, SubnetIDs: subnets,
				SecurityGroupIDs: []string{v[1].(string)}, InstanceProfile: v[0].(string), UserData: ud, Tags: args.Tags,
				HopLimit: p.HopLimit, Volume: p.Volume, MaxPods: p.maxPods})
			if err != nil {
				return nil, err
			}
			return chart.ToMap(nc)
		}).(pulumi.MapOutput)
		if p.userData.Proxy != nil && p.userData.Proxy.Secret {
			classSpecs[i] = pulumi.ToSecret(classSpecs[i]).(pulumi.MapOutput)
		}
		np, err := spec.Pool(poolInput(p.Pool))
		if err != nil {
			return nil, err
		}
		m, err := chart.ToMap(np)
		if err != nil {
			return nil, err
		}
		poolSpecs[i] = pulumi.ToMap(m).ToMapOutput()
		classes[p.Name] = classSpecs[i]
		nodePools[p.Name] = poolSpecs[i]
	}
	k.NodeClasses = classes.ToMapOutput()
	k.NodePools = nodePools.ToMapOutput()

	if args.Provider != nil {
		if err := k.install(ctx, name, args, version, pools, classSpecs, poolSpecs, append([]pulumi.Resource{rolePolicy, entry}, role.Ready...)); err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{
		"roleArn":             k.RoleARN,
		"nodeRoleArn":         k.NodeRoleARN,
		"instanceProfileName": k.InstanceProfileName,
		"queueUrl":            k.QueueURL,
		"queueName":           k.QueueName,
		"values":              k.Values,
		"nodeClasses":         k.NodeClasses,
		"nodePools":           k.NodePools,
		"chartVersion":        pulumi.String(version),
	}); err != nil {
		return nil, err
	}
	return k, nil
}

// install creates the CRD and controller releases and the pools' objects.
// nodeReady are what a launched node needs (its role's policies, the access
// entry, the controller's policy).
func (k *Karpenter) install(ctx *pulumi.Context, name string, args *Args, version string, pools []plannedPool, classSpecs, poolSpecs []pulumi.MapOutput, nodeReady []pulumi.Resource) error {
	parent := pulumi.Parent(k)
	var err error
	k.CRDRelease, err = chart.Install(ctx, name+"-crd", chart.Spec{
		ReleaseName: spec.CRDReleaseName,
		Namespace:   spec.Namespace,
		Chart:       spec.CRDChart,
		Version:     version,
		Values:      pulumi.Map{},
		Provider:    args.Provider,
	}, parent)
	if err != nil {
		return err
	}
	k.Release, err = chart.Install(ctx, name, chart.Spec{
		ReleaseName: spec.ReleaseName,
		Namespace:   spec.Namespace,
		Chart:       spec.ControllerChart,
		Version:     version,
		Values:      k.Values,
		Provider:    args.Provider,
		// The CRD chart owns and upgrades the CRDs.
		SkipCRDs: true,
		After:    append(append([]pulumi.Resource{k.CRDRelease}, nodeReady...), args.DependsOn...),
	}, parent)
	if err != nil {
		return err
	}
	for i, p := range pools {
		// The class waits for the controller too: on destroy it is then
		// deleted first, while the controller still runs to clear its
		// finalizer.
		class, err := apiextensions.NewCustomResource(ctx, name+"-"+p.Name, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String(spec.NodeClassAPIVersion),
			Kind:        pulumi.String(spec.NodeClassKind),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(p.Name)},
			OtherFields: kubernetes.UntypedArgs{"spec": specOf(classSpecs[i])},
		}, parent, pulumi.Provider(args.Provider), pulumi.DependsOn([]pulumi.Resource{k.CRDRelease, k.Release}))
		if err != nil {
			return err
		}
		// A pool launches nodes as soon as it exists: after the
		// controller, the node class and what nodes need to join.
		after := append([]pulumi.Resource{k.Release, class}, args.NetworkReady...)
		if _, err := apiextensions.NewCustomResource(ctx, name+"-"+p.Name, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String(spec.NodePoolAPIVersion),
			Kind:        pulumi.String(spec.NodePoolKind),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(p.Name)},
			OtherFields: kubernetes.UntypedArgs{"spec": specOf(poolSpecs[i])},
		}, parent, pulumi.Provider(args.Provider), pulumi.DependsOn(after)); err != nil {
			return err
		}
	}
	return nil
}

// specOf is a document's spec.
func specOf(doc pulumi.MapOutput) pulumi.MapOutput {
	return doc.ApplyT(func(m map[string]interface{}) map[string]interface{} {
		s, _ := m["spec"].(map[string]interface{})
		return s
	}).(pulumi.MapOutput)
}
