package autoscaler

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eksfleet/eksfleet/components/internal/chart"
)

// Where the autoscaler runs. The service account name is fixed (not derived
// from the release name) because the IRSA trust policy names it.
const (
	Namespace          = "kube-system"
	ServiceAccountName = "cluster-autoscaler"
	// ReleaseName is the Helm release name.
	ReleaseName = "cluster-autoscaler"
	// RoleARNAnnotation is the service account annotation EKS's pod identity
	// webhook reads to inject IRSA credentials.
	RoleARNAnnotation = "eks.amazonaws.com/role-arn"
)

// Expanders the AWS cloud provider implements. `price` exists in the
// autoscaler but is implemented only for GCE/GKE and Equinix Metal (CA FAQ,
// "What are Expanders?"), so on AWS it would fail every scale-up decision.
var awsExpanders = []string{"least-waste", "priority", "random", "most-pods"}

// Priority expander levels: higher wins. Spot groups are tried first because
// they are cheaper; when a Spot group cannot grow (no capacity, backoff) the
// autoscaler falls back to the next level, the On-Demand groups. The lowest
// level catches any group eksfleet did not declare, which the expander would
// otherwise choose at random alongside the declared ones.
const (
	prioritySpot     = 20
	priorityOnDemand = 10
	priorityFallback = 1
)

// Values is the part of the chart's values eksfleet sets. Field names are the
// chart's (charts/cluster-autoscaler/values.yaml).
type Values struct {
	CloudProvider string        `json:"cloudProvider"`
	AWSRegion     string        `json:"awsRegion"`
	AutoDiscovery AutoDiscovery `json:"autoDiscovery"`
	Image         Image         `json:"image"`
	RBAC          RBAC          `json:"rbac"`
	// ExtraArgs become `--key=value` flags. Helm merges this map over the
	// chart's defaults (logtostderr, stderrthreshold, v), which stay.
	ExtraArgs map[string]string `json:"extraArgs"`
	// ExpanderPriorities renders the cluster-autoscaler-priority-expander
	// ConfigMap (chart template priority-expander-configmap.yaml) when the
	// expander is priority: priority level → ASG name regexes.
	ExpanderPriorities map[string][]string `json:"expanderPriorities,omitempty"`
	PriorityClassName  string              `json:"priorityClassName"`
	Resources          Resources           `json:"resources"`
	// ReplicaCount: two, one active and one standby (the autoscaler elects
	// a leader), so losing the node of the active one does not stop
	// scaling until a new pod is scheduled and pulled.
	ReplicaCount int `json:"replicaCount"`
	// Tolerations let the autoscaler run on CriticalAddonsOnly system
	// nodes; TopologySpreadConstraints keep its replicas apart (zones,
	// then nodes) where the cluster allows it.
	Tolerations               []chart.Toleration       `json:"tolerations"`
	TopologySpreadConstraints []chart.SpreadConstraint `json:"topologySpreadConstraints"`
	// ExtraEnv carries the egress proxy (HTTP_PROXY, HTTPS_PROXY,
	// NO_PROXY): the autoscaler calls Auto Scaling, EC2 and STS, which a
	// proxy-only VPC reaches only through the proxy. The chart's extraEnv
	// is a name → value map.
	ExtraEnv map[string]string `json:"extraEnv,omitempty"`
}

// PodLabels select the autoscaler's pods: the chart labels them with
// app.kubernetes.io/instance set to the release name (the label its
// values.yaml's topologySpreadConstraints example selects on, in every
// pinned chart).
var PodLabels = map[string]string{"app.kubernetes.io/instance": ReleaseName}

// AutoDiscovery selects ASGs by tag.
type AutoDiscovery struct {
	ClusterName string `json:"clusterName"`
	// Tags are `key=value` filters, rendered through `tpl` and joined into
	// --node-group-auto-discovery=asg:tag=<tags>.
	Tags []string `json:"tags"`
}

// Image is the autoscaler container image.
type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// RBAC holds the chart's service account settings.
type RBAC struct {
	ServiceAccount ServiceAccount `json:"serviceAccount"`
}

// ServiceAccount is the autoscaler's Kubernetes identity.
type ServiceAccount struct {
	Create      bool              `json:"create"`
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// Resources are the container's requests and limits.
type Resources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// ValuesInput is what the chart values are derived from.
type ValuesInput struct {
	// Cluster is the EKS cluster name, Region its AWS region.
	Cluster, Region string
	// ImageTag is the autoscaler release (from ReleaseFor).
	ImageTag string
	// RoleARN is the IRSA role of the service account.
	RoleARN string
	// Expander, BalanceSimilarNodeGroups and ScaleDownUnneededTime come from
	// the stack's `autoscaler` config.
	Expander                 string
	BalanceSimilarNodeGroups bool
	ScaleDownUnneededTime    string
	// Priorities is the priority expander configuration (see Priorities);
	// required when Expander is priority, ignored otherwise.
	Priorities map[string][]string
	// ProxyEnv is the egress proxy environment (chart.ProxyEnvironment);
	// nil without a proxy.
	ProxyEnv map[string]string
}

// BuildValues returns the chart values for the input, or an error naming the
// first setting that is not valid.
func BuildValues(in ValuesInput) (Values, error) {
	switch {
	case in.Cluster == "":
		return Values{}, fmt.Errorf("autoscaler values: cluster name is required")
	case in.Region == "":
		return Values{}, fmt.Errorf("autoscaler values: region is required (the chart defaults to us-east-1)")
	case !strings.HasPrefix(in.RoleARN, "arn:") || !strings.Contains(in.RoleARN, ":role/"):
		return Values{}, fmt.Errorf("autoscaler values: role ARN %q must be an IAM role ARN", in.RoleARN)
	}
	if _, ok := ImageMinor(in.ImageTag); !ok {
		return Values{}, fmt.Errorf("autoscaler values: image tag %q must look like v1.33.3", in.ImageTag)
	}
	if !slices.Contains(awsExpanders, in.Expander) {
		return Values{}, fmt.Errorf("autoscaler.expander %q: must be one of %s on AWS (price is implemented only for GCE)", in.Expander, strings.Join(awsExpanders, ", "))
	}
	if d, err := time.ParseDuration(in.ScaleDownUnneededTime); err != nil || d <= 0 {
		return Values{}, fmt.Errorf("autoscaler.scaleDownUnneededTime %q: must be a positive duration like 10m", in.ScaleDownUnneededTime)
	}
	v := Values{
		CloudProvider: "aws",
		AWSRegion:     in.Region,
		AutoDiscovery: AutoDiscovery{ClusterName: in.Cluster, Tags: discoveryTagSpecs(in.Cluster)},
		Image:         Image{Repository: ImageRepository, Tag: in.ImageTag},
		RBAC: RBAC{ServiceAccount: ServiceAccount{
			Create:      true,
			Name:        ServiceAccountName,
			Annotations: map[string]string{RoleARNAnnotation: in.RoleARN},
		}},
		ExtraArgs: map[string]string{
			"expander":                    in.Expander,
			"balance-similar-node-groups": fmt.Sprint(in.BalanceSimilarNodeGroups),
			"scale-down-unneeded-time":    in.ScaleDownUnneededTime,
			// Pods with emptyDir (caches, scratch space) would otherwise pin
			// their nodes forever; their data is disposable by definition.
			"skip-nodes-with-local-storage": "false",
		},
		// The autoscaler must outlive the workloads it makes room for.
		PriorityClassName: "system-cluster-critical",
		// Requests and limit from the upstream chart's commented example:
		// enough for a few hundred nodes, and a memory limit so a leak
		// restarts the pod instead of starving the node.
		Resources: Resources{
			Requests: map[string]string{"cpu": "100m", "memory": "300Mi"},
			Limits:   map[string]string{"memory": "600Mi"},
		},
		ReplicaCount: 2,
		// System node groups are commonly tainted CriticalAddonsOnly (the
		// stacks' "system" groups are); the autoscaler is such an add-on.
		Tolerations:               []chart.Toleration{chart.CriticalAddonsToleration},
		TopologySpreadConstraints: chart.Spread(PodLabels),
		ExtraEnv:                  in.ProxyEnv,
	}
	if in.Expander == "priority" {
		if len(in.Priorities) == 0 {
			return Values{}, fmt.Errorf("autoscaler.expander priority: no node group priorities were derived; the priority expander needs at least one autoscaled node group")
		}
		v.ExpanderPriorities = in.Priorities
	}
	return v, nil
}

// Map converts the values to the generic form a Helm release takes.
func (v Values) Map() (map[string]any, error) { return chart.ToMap(v) }

// PriorityGroup is one autoscaled node group as the priority expander sees it.
type PriorityGroup struct {
	// Name is the node group's name in the stack config (for errors).
	Name string
	// Spot groups are preferred over On-Demand ones.
	Spot bool
	// ASGNames are the group's Auto Scaling groups: the autoscaler's node
	// group IDs, which the expander's regexes match.
	ASGNames []string
}

// Priorities returns the priority expander configuration for the groups:
// Spot ASGs at the highest level, On-Demand ASGs below, and a catch-all at
// the lowest. Each ASG is matched by its exact name, so a group added later
// with a similar name is not silently promoted.
func Priorities(groups []PriorityGroup) (map[string][]string, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("priority expander: no autoscaled node groups to rank")
	}
	levels := map[int][]string{}
	for _, g := range groups {
		if len(g.ASGNames) == 0 {
			return nil, fmt.Errorf("priority expander: node group %q has no Auto Scaling group names", g.Name)
		}
		level := priorityOnDemand
		if g.Spot {
			level = prioritySpot
		}
		for _, n := range g.ASGNames {
			if n == "" {
				return nil, fmt.Errorf("priority expander: node group %q has an empty Auto Scaling group name", g.Name)
			}
			levels[level] = append(levels[level], "^"+regexp.QuoteMeta(n)+"$")
		}
	}
	levels[priorityFallback] = []string{".*"}
	out := make(map[string][]string, len(levels))
	for level, patterns := range levels {
		sort.Strings(patterns)
		out[fmt.Sprint(level)] = slices.Compact(patterns)
	}
	return out, nil
}
