// Package nodedrain drains self-managed nodes before EC2 takes them away:
// aws-node-termination-handler in queue-processor mode, fed by an encrypted
// SQS queue that EventBridge rules fill with ASG terminating lifecycle
// actions, Spot interruption warnings, instance state changes, scheduled
// maintenance and, only for Spot groups without capacity rebalance,
// rebalance recommendations (see Rules). The handler cordons and drains on
// each of them.
//
// The Cluster Autoscaler drains the nodes it removes itself; everything else
// that terminates an instance (instance refresh, AZ rebalancing, Spot
// reclaims, manual scale-in) does not drain, which is what this covers.
//
// Division of work with the node groups: a draining group's ASG carries the
// terminating lifecycle hook (see CheckHook) and the managed tag
// (ManagedTagKey, propagated to instances); this component owns the queue,
// its policy, the rules, the handler's IRSA role and the chart.
//
// As with the autoscaler, the Helm release is the only part that needs the
// Kubernetes API: without Args.Provider the AWS side is created alone and
// Values holds what an in-VPC install passes to the chart.
package nodedrain

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/chart"
	"github.com/eksfleet/eksfleet/components/internal/irsa"
	"github.com/eksfleet/eksfleet/components/interruption"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:NodeDrain"

// Args configures a NodeDrain.
type Args struct {
	// ClusterName is the EKS cluster name; the handler's IAM condition keys
	// on the ASGs' kubernetes.io/cluster/<name> tag.
	ClusterName string
	// Region is the cluster's AWS region.
	Region string
	// OIDCProviderARN and OIDCIssuerURL are the cluster's IRSA identity.
	OIDCProviderARN pulumi.StringInput
	OIDCIssuerURL   pulumi.StringInput
	// ASGNames optionally limits the lifecycle rule to these ASGs (the
	// draining groups'), so the queue only receives this cluster's hooks.
	ASGNames pulumi.StringArrayInput
	// SpotWithoutCapacityRebalance reports that some draining group runs
	// Spot instances in an ASG without capacity rebalance; only then are
	// rebalance recommendations forwarded (see Rules).
	SpotWithoutCapacityRebalance bool
	// HTTPProxy, HTTPSProxy and NoProxy give the handler the egress proxy
	// (NoProxy is the complete list, as the nodes get it); empty URLs mean
	// no proxy. The values are built with NoProxy, so a secret NoProxy
	// (what a secret proxy config gives) makes them, URLs included, secret.
	HTTPProxy, HTTPSProxy string
	NoProxy               pulumi.StringArrayInput
	// ChartVersion overrides the pinned handler chart version.
	ChartVersion string
	// Provider is the cluster's Kubernetes provider; nil skips the chart.
	Provider *kubernetes.Provider
	// DependsOn are resources the Helm release waits for (the node groups).
	DependsOn []pulumi.Resource
	// Tags are added to every taggable resource.
	Tags map[string]string
}

// NodeDrain is a provisioned termination handler.
type NodeDrain struct {
	pulumi.ResourceState

	// QueueURL and QueueARN identify the event queue.
	QueueURL pulumi.StringOutput `pulumi:"queueUrl"`
	QueueARN pulumi.StringOutput `pulumi:"queueArn"`
	// RoleARN is the handler's IRSA role.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// RuleARNs are the EventBridge rules by key (see Rules).
	RuleARNs pulumi.StringMapOutput `pulumi:"ruleArns"`
	// Values are the handler's chart values: a secret when a proxy URL
	// carries credentials, otherwise nothing secret.
	Values pulumi.MapOutput `pulumi:"values"`

	// ChartVersion is the handler chart in use.
	ChartVersion string
	// Release is the Helm release, nil when Args.Provider is nil.
	Release *helmv3.Release
}

// New creates the queue, rules and role and, given a Kubernetes provider,
// installs the handler.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*NodeDrain, error) {
	if args == nil {
		return nil, fmt.Errorf("node drain %s: args are required", name)
	}
	switch {
	case args.ClusterName == "" || args.Region == "":
		return nil, fmt.Errorf("node drain %s: ClusterName and Region are required", name)
	case args.OIDCProviderARN == nil || args.OIDCIssuerURL == nil:
		return nil, fmt.Errorf("node drain %s: OIDCProviderARN and OIDCIssuerURL are required (the handler's role is assumed through IRSA)", name)
	case (args.HTTPProxy != "" || args.HTTPSProxy != "") && args.NoProxy == nil:
		return nil, fmt.Errorf("node drain %s: NoProxy is required with a proxy (compute it with bootstrap.NoProxy, as for the nodes)", name)
	case args.ChartVersion != "" && !semverRe.MatchString(args.ChartVersion):
		return nil, fmt.Errorf("node drain %s: chart version %q must look like 0.27.6", name, args.ChartVersion)
	}
	chartVersion := ChartVersion
	if args.ChartVersion != "" {
		chartVersion = args.ChartVersion
	}
	d := &NodeDrain{ChartVersion: chartVersion}
	if err := ctx.RegisterComponentResource(TypeToken, name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	tags := pulumi.ToStringMap(args.Tags)

	var asgNames pulumi.StringArrayOutput
	if args.ASGNames != nil {
		asgNames = args.ASGNames.ToStringArrayOutput()
	} else {
		asgNames = pulumi.StringArray{}.ToStringArrayOutput()
	}
	rebalance := args.SpotWithoutCapacityRebalance
	queue, err := interruption.New(ctx, name, interruption.Args{
		Purpose: "for the node termination handler of EKS cluster " + args.ClusterName,
		Rules:   Rules(nil, rebalance),
		// The lifecycle rule names the draining groups' ASGs, known once
		// they exist.
		Patterns: func(i int) pulumi.StringOutput {
			return asgNames.ApplyT(func(names []string) (string, error) {
				return Rules(names, rebalance)[i].Pattern.JSON()
			}).(pulumi.StringOutput)
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	d.QueueURL = queue.URL
	d.QueueARN = queue.ARN
	d.RuleARNs = queue.RuleARNs

	policy := pulumi.All(args.OIDCProviderARN, queue.ARN).ApplyT(func(v []interface{}) (string, error) {
		arn, err := iampolicy.ParseARN(v[0].(string))
		if err != nil {
			return "", err
		}
		doc, err := HandlerPolicy(HandlerPolicyInput{
			Partition: arn.Partition, Region: args.Region, Account: arn.Account,
			Cluster: args.ClusterName, QueueARN: v[1].(string),
		})
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
	irsaRole, err := irsa.New(ctx, name, irsa.Args{
		OIDCProviderARN: args.OIDCProviderARN, OIDCIssuerURL: args.OIDCIssuerURL,
		Namespace: Namespace, ServiceAccount: ServiceAccountName,
		Description: pulumi.Sprintf("Node termination handler of EKS cluster %s (%s/%s)", args.ClusterName, Namespace, ServiceAccountName),
		Tags:        tags,
		Policy:      policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	role, rolePolicy := irsaRole.Role, irsaRole.Policy
	d.RoleARN = role.Arn

	proxied := args.HTTPProxy != "" || args.HTTPSProxy != ""
	noProxy := pulumi.StringArray{}.ToStringArrayOutput()
	if proxied {
		noProxy = args.NoProxy.ToStringArrayOutput()
	}
	values := pulumi.All(queue.URL, role.Arn, noProxy).ApplyT(func(v []interface{}) (map[string]interface{}, error) {
		in := ValuesInput{QueueURL: v[0].(string), Region: args.Region, RoleARN: v[1].(string)}
		if proxied {
			env, err := chart.ProxyEnvironment(args.HTTPProxy, args.HTTPSProxy, v[2].([]string))
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
	d.Values = values

	if args.Provider != nil {
		d.Release, err = chart.Install(ctx, name, chart.Spec{
			ReleaseName: ReleaseName,
			Namespace:   Namespace,
			Chart:       Chart,
			Version:     chartVersion,
			Values:      d.Values,
			Provider:    args.Provider,
			After:       append([]pulumi.Resource{rolePolicy}, args.DependsOn...),
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"queueUrl":     d.QueueURL,
		"queueArn":     d.QueueARN,
		"roleArn":      d.RoleARN,
		"ruleArns":     d.RuleARNs,
		"values":       d.Values,
		"chartVersion": pulumi.String(chartVersion),
	}); err != nil {
		return nil, err
	}
	return d, nil
}
