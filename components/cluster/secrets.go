package cluster

import (
	"context"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// secretEKSOutputs are the outputs of the pulumi-eks Cluster that hold the
// kubeconfig: kubeconfig and kubeconfigJson, and core, which holds it too.
// The option is passed for providers that honour it on a component; the
// npm pulumi-eks provider does not (its Node SDK ignores the option in
// Construct), so secretKubeconfig is what keeps them secret today.
var secretEKSOutputs = []string{"kubeconfig", "kubeconfigJson", "core"}

// secretKubeconfig is a transform of the pulumi-eks Cluster's children that
// keeps the cluster access config out of the state in plain text:
//
//   - the aws:eks Cluster's certificateAuthority is a secret output, so
//     every kubeconfig pulumi-eks derives from it (the component's
//     kubeconfig, kubeconfigJson and core outputs) is a secret too;
//   - the kubeconfig input of the Kubernetes providers pulumi-eks creates
//     is a secret.
//
// The engine applies it to the children the npm provider registers.
func secretKubeconfig(_ context.Context, a *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	switch a.Type {
	case "aws:eks/cluster:Cluster":
		opts := a.Opts
		if slices.Contains(opts.AdditionalSecretOutputs, "certificateAuthority") {
			return nil
		}
		opts.AdditionalSecretOutputs = append(slices.Clone(opts.AdditionalSecretOutputs), "certificateAuthority")
		return &pulumi.ResourceTransformResult{Props: a.Props, Opts: opts}
	case "pulumi:providers:kubernetes":
		kc, ok := a.Props["kubeconfig"]
		if !ok {
			return nil
		}
		props := pulumi.Map{}
		for k, v := range a.Props {
			props[k] = v
		}
		props["kubeconfig"] = pulumi.ToSecret(kc)
		return &pulumi.ResourceTransformResult{Props: props, Opts: a.Opts}
	}
	return nil
}
