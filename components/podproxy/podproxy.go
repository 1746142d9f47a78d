// Package podproxy gives the cluster's networking daemons the node egress
// proxy: the aws-node (VPC CNI) and kube-proxy DaemonSets read HTTP_PROXY,
// HTTPS_PROXY and NO_PROXY from the kube-system/proxy-environment-variables
// ConfigMap, as AWS documents for proxied clusters
// (repost.aws/knowledge-center/eks-http-proxy-configuration-automation).
//
// The VPC CNI is an EKS add-on, and its configuration schema has no proxy
// variables (aws/containers-roadmap#2480), so the proxy cannot travel
// through the add-on API. Instead the DaemonSets are patched with
// server-side apply: the patch owns only the containers' envFrom, a field
// the add-on manager does not manage, so add-on updates keep it. This is an
// in-cluster change: it talks to the Kubernetes API, so it is installed with
// the other in-cluster pieces (autoscaler.enabled). The controllers eksfleet
// installs from charts (Cluster Autoscaler, termination handler) get the
// same variables through their chart values instead.
package podproxy

import (
	"fmt"
	"sort"

	"github.com/eksfleet/eksfleet/components/internal/chart"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:PodProxy"

// ConfigMapName is the ConfigMap the DaemonSets read their proxy from, the
// name AWS's instructions use.
const ConfigMapName = "proxy-environment-variables"

// Namespace holds the ConfigMap and the patched DaemonSets.
const Namespace = "kube-system"

// DaemonSets maps each patched DaemonSet to its container.
var DaemonSets = map[string]string{"aws-node": "aws-node", "kube-proxy": "kube-proxy"}

// Args configures the pod proxy.
type Args struct {
	// HTTPProxy and HTTPSProxy are the proxy URLs (at least one).
	HTTPProxy, HTTPSProxy string
	// NoProxy is the complete NO_PROXY list (compute it with
	// bootstrap.NoProxy so nodes and pods agree); it usually depends on the
	// cluster endpoint, hence an input. The ConfigMap's data is built with
	// it, so a secret NoProxy (what a secret proxy config gives) makes the
	// data, URLs included, secret.
	NoProxy pulumi.StringArrayInput
	// Provider is the Kubernetes provider of the cluster (required).
	Provider pulumi.ProviderResource
	// DependsOn orders the patch after the add-ons that create the
	// DaemonSets.
	DependsOn []pulumi.Resource
}

// PodProxy is the installed proxy environment.
type PodProxy struct {
	pulumi.ResourceState

	// Environment is the ConfigMap's data.
	Environment pulumi.StringMapOutput `pulumi:"environment"`
}

// Environment returns the proxy variables in both cases (see
// chart.ProxyEnvironment: the controllers eksfleet installs get the same).
func Environment(httpProxy, httpsProxy string, noProxy []string) (map[string]string, error) {
	env, err := chart.ProxyEnvironment(httpProxy, httpsProxy, noProxy)
	if err != nil {
		return nil, fmt.Errorf("podproxy: %w", err)
	}
	return env, nil
}

// New installs the ConfigMap and patches the DaemonSets to read it.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*PodProxy, error) {
	if args == nil || args.Provider == nil || args.NoProxy == nil {
		return nil, fmt.Errorf("podproxy %s: Args with Provider and NoProxy are required", name)
	}
	if _, err := Environment(args.HTTPProxy, args.HTTPSProxy, nil); err != nil {
		return nil, err
	}
	p := &PodProxy{}
	if err := ctx.RegisterComponentResource(TypeToken, name, p, opts...); err != nil {
		return nil, err
	}
	k8s := []pulumi.ResourceOption{pulumi.Parent(p), pulumi.Provider(args.Provider), pulumi.DependsOn(args.DependsOn)}

	p.Environment = args.NoProxy.ToStringArrayOutput().ApplyT(func(noProxy []string) (map[string]string, error) {
		return Environment(args.HTTPProxy, args.HTTPSProxy, noProxy)
	}).(pulumi.StringMapOutput)
	cm, err := corev1.NewConfigMap(ctx, name+"-env", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ConfigMapName), Namespace: pulumi.String(Namespace)},
		Data:     p.Environment,
	}, k8s...)
	if err != nil {
		return nil, err
	}

	names := make([]string, 0, len(DaemonSets))
	for ds := range DaemonSets {
		names = append(names, ds)
	}
	sort.Strings(names)
	for _, ds := range names {
		_, err := appsv1.NewDaemonSetPatch(ctx, name+"-"+ds, &appsv1.DaemonSetPatchArgs{
			Metadata: &metav1.ObjectMetaPatchArgs{
				Name:      pulumi.String(ds),
				Namespace: pulumi.String(Namespace),
				// The add-on manager owns the DaemonSet; force only takes
				// the fields this patch sets (envFrom of one container).
				Annotations: pulumi.StringMap{"pulumi.com/patchForce": pulumi.String("true")},
			},
			Spec: &appsv1.DaemonSetSpecPatchArgs{
				Template: &corev1.PodTemplateSpecPatchArgs{
					Spec: &corev1.PodSpecPatchArgs{
						Containers: corev1.ContainerPatchArray{corev1.ContainerPatchArgs{
							Name: pulumi.String(DaemonSets[ds]),
							EnvFrom: corev1.EnvFromSourcePatchArray{corev1.EnvFromSourcePatchArgs{
								ConfigMapRef: &corev1.ConfigMapEnvSourcePatchArgs{Name: pulumi.String(ConfigMapName)},
							}},
						}},
					},
				},
			},
		}, append(k8s, pulumi.DependsOn([]pulumi.Resource{cm}))...)
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"environment": p.Environment}); err != nil {
		return nil, err
	}
	return p, nil
}
