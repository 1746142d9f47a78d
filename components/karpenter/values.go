package karpenter

import (
	"fmt"
	"sort"

	"github.com/eksfleet/eksfleet/components/internal/chart"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
)

// RoleARNAnnotation is the service account annotation EKS's pod identity
// webhook reads to inject IRSA credentials.
const RoleARNAnnotation = "eks.amazonaws.com/role-arn"

// Values is the part of the controller chart's values eksfleet sets. Field
// names are the chart's (charts/karpenter/values.yaml, v1.14.1).
type Values struct {
	ServiceAccount ServiceAccount `json:"serviceAccount"`
	// Replicas: two, one leader and one standby. The chart's default
	// affinity, kept, puts them on different nodes (required pod
	// anti-affinity) of the node groups, never on nodes Karpenter launched
	// (no karpenter.sh/nodepool label); config validation makes the groups
	// hosting system pods start with two nodes for that reason.
	Replicas                  int                      `json:"replicas"`
	Tolerations               []chart.Toleration       `json:"tolerations"`
	TopologySpreadConstraints []chart.SpreadConstraint `json:"topologySpreadConstraints"`
	Controller                Controller               `json:"controller"`
	Settings                  Settings                 `json:"settings"`
}

// ServiceAccount is the controller's identity: the name the IRSA trust
// names, annotated with the role.
type ServiceAccount struct {
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// Controller is the controller container's settings.
type Controller struct {
	// Env carries the egress proxy: the controller calls EC2, SQS, SSM,
	// pricing, EKS and STS.
	Env       []EnvVar  `json:"env,omitempty"`
	Resources Resources `json:"resources"`
}

// EnvVar is a container environment variable.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Resources are the container's requests and limits.
type Resources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// Settings are Karpenter's global settings (chart `settings`).
type Settings struct {
	ClusterName     string `json:"clusterName"`
	ClusterEndpoint string `json:"clusterEndpoint"`
	// InterruptionQueue is the queue's name.
	InterruptionQueue string `json:"interruptionQueue"`
	// ReservedENIs is "1" with VPC CNI custom networking: the primary ENI
	// hosts no pods, and Karpenter leaves it out of its max pods and
	// kube-reserved per instance type (Karpenter's documented knob for
	// custom networking; its settings reference).
	ReservedENIs string `json:"reservedENIs"`
}

// PodLabels select the controller's pods (the chart's selector labels).
var PodLabels = map[string]string{"app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": spec.ReleaseName}

// ValuesInput is what the values are derived from.
type ValuesInput struct {
	Cluster, Endpoint, QueueName, RoleARN string
	// CustomNetworking reserves one ENI (ReservedENIs).
	CustomNetworking bool
	// ProxyEnv is the egress proxy environment (chart.ProxyEnvironment),
	// nil without a proxy.
	ProxyEnv map[string]string
}

// BuildValues returns the controller chart's values.
func BuildValues(in ValuesInput) (Values, error) {
	if in.Cluster == "" || in.Endpoint == "" || in.QueueName == "" || in.RoleARN == "" {
		return Values{}, fmt.Errorf("karpenter values need the cluster name, endpoint, queue name and role ARN, got %+v", in)
	}
	reserved := "0"
	if in.CustomNetworking {
		reserved = "1"
	}
	v := Values{
		ServiceAccount:            ServiceAccount{Name: spec.ServiceAccount, Annotations: map[string]string{RoleARNAnnotation: in.RoleARN}},
		Replicas:                  2,
		Tolerations:               []chart.Toleration{chart.CriticalAddonsToleration},
		TopologySpreadConstraints: chart.Spread(PodLabels),
		Controller: Controller{Resources: Resources{
			// The getting-started guide's sizing: 1 CPU and 1 GiB each.
			Requests: map[string]string{"cpu": "1", "memory": "1Gi"},
			Limits:   map[string]string{"memory": "1Gi"},
		}},
		Settings: Settings{ClusterName: in.Cluster, ClusterEndpoint: in.Endpoint, InterruptionQueue: in.QueueName, ReservedENIs: reserved},
	}
	names := make([]string, 0, len(in.ProxyEnv))
	for k := range in.ProxyEnv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v.Controller.Env = append(v.Controller.Env, EnvVar{Name: k, Value: in.ProxyEnv[k]})
	}
	return v, nil
}

// Map returns the values as a Helm release takes them.
func (v Values) Map() (map[string]any, error) { return chart.ToMap(v) }
