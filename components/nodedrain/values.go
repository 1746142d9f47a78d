package nodedrain

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/eksfleet/eksfleet/components/internal/chart"
)

var semverRe = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// Chart coordinates. The handler's chart moved from aws/eks-charts to the
// project's own OCI registry; eks-charts no longer receives its releases.
const (
	// Chart is the OCI reference of the handler's chart (Helm pulls OCI
	// charts by reference, with no repository).
	Chart = "oci://public.ecr.aws/aws-ec2/helm/aws-node-termination-handler"
	// ChartVersion 0.27.6 ships handler v1.25.6 (its appVersion, used as the
	// image tag), the release the guardrail research was done against.
	ChartVersion = "0.27.6"
	Namespace    = "kube-system"
	// ServiceAccountName is fixed because the IRSA trust policy names it.
	ServiceAccountName = "aws-node-termination-handler"
	ReleaseName        = "aws-node-termination-handler"
	RoleARNAnnotation  = "eks.amazonaws.com/role-arn"
)

// Values is the part of the handler chart's values eksfleet sets
// (config/helm/aws-node-termination-handler/values.yaml).
//
// There are no per-event switches: the chart passes
// enableSpotInterruptionDraining, enableScheduledEventDraining,
// enableRebalanceMonitoring and enableRebalanceDraining to the IMDS
// DaemonSets only, never to the queue-processor Deployment. In queue mode
// the handler cordons and drains on every event the queue delivers (v1.25.6
// pkg/interruptionevent/draincordon/handler.go applies cordon-only to
// rebalance recommendations only outside queue mode), so the EventBridge
// rules (Rules) alone decide what is drained.
type Values struct {
	// EnableSqsTerminationDraining selects queue-processor mode: one
	// Deployment reading the queue instead of a DaemonSet polling IMDS, so
	// nodes keep IMDS hop limit 1 and no pod needs host networking.
	EnableSqsTerminationDraining bool           `json:"enableSqsTerminationDraining"`
	QueueURL                     string         `json:"queueURL"`
	AWSRegion                    string         `json:"awsRegion"`
	ServiceAccount               ServiceAccount `json:"serviceAccount"`
	// CheckTagBeforeDraining and ManagedTag restrict draining to instances
	// carrying ManagedTagKey: EC2 and Health events arrive for every
	// instance in the region, including other clusters' and non-EKS ones.
	CheckTagBeforeDraining bool   `json:"checkTagBeforeDraining"`
	ManagedTag             string `json:"managedTag"`
	// DeleteSqsMsgIfNodeNotFound drops events for instances that are not
	// nodes of this cluster instead of retrying them until they expire.
	DeleteSqsMsgIfNodeNotFound bool `json:"deleteSqsMsgIfNodeNotFound"`
	// NodeTerminationGracePeriod bounds one node's drain (seconds); the
	// lifecycle hook's heartbeat is longer.
	NodeTerminationGracePeriod int  `json:"nodeTerminationGracePeriod"`
	EmitKubernetesEvents       bool `json:"emitKubernetesEvents"`
	// Replicas: two, so the handler keeps working while the node running
	// one of its pods is itself being drained.
	Replicas            int            `json:"replicas"`
	PodDisruptionBudget map[string]int `json:"podDisruptionBudget"`
	// Tolerations let the handler run on CriticalAddonsOnly system nodes;
	// TopologySpreadConstraints keep its two replicas apart (zones, then
	// nodes) where the cluster allows it.
	Tolerations               []chart.Toleration       `json:"tolerations"`
	TopologySpreadConstraints []chart.SpreadConstraint `json:"topologySpreadConstraints"`
	// ExtraEnv carries the egress proxy (HTTP_PROXY, HTTPS_PROXY,
	// NO_PROXY): the handler calls SQS, EC2 and Auto Scaling, which a
	// proxy-only VPC reaches only through the proxy.
	ExtraEnv []EnvVar `json:"extraEnv,omitempty"`
}

// EnvVar is one container environment variable (the chart's extraEnv is a
// list of Kubernetes EnvVar objects).
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PodLabels are the selector labels the chart gives the handler's
// Deployment pods (templates/_helpers.tpl, selectorLabelsDeployment, for
// release ReleaseName).
var PodLabels = map[string]string{
	"app.kubernetes.io/name":      "aws-node-termination-handler",
	"app.kubernetes.io/instance":  ReleaseName,
	"app.kubernetes.io/component": "deployment",
}

// ServiceAccount is the handler's Kubernetes identity.
type ServiceAccount struct {
	Create      bool              `json:"create"`
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// ValuesInput is what the handler's values are derived from.
type ValuesInput struct {
	QueueURL, Region, RoleARN string
	// ProxyEnv is the egress proxy environment (chart.ProxyEnvironment);
	// nil without a proxy.
	ProxyEnv map[string]string
}

// BuildValues returns the handler's chart values.
func BuildValues(in ValuesInput) (Values, error) {
	switch {
	case !strings.HasPrefix(in.QueueURL, "https://sqs."):
		return Values{}, fmt.Errorf("handler values: queue URL %q must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)", in.QueueURL)
	case in.Region == "":
		return Values{}, fmt.Errorf("handler values: region is required")
	case !strings.HasPrefix(in.RoleARN, "arn:") || !strings.Contains(in.RoleARN, ":role/"):
		return Values{}, fmt.Errorf("handler values: role ARN %q must be an IAM role ARN", in.RoleARN)
	}
	v := Values{
		EnableSqsTerminationDraining: true,
		QueueURL:                     in.QueueURL,
		AWSRegion:                    in.Region,
		ServiceAccount: ServiceAccount{
			Create:      true,
			Name:        ServiceAccountName,
			Annotations: map[string]string{RoleARNAnnotation: in.RoleARN},
		},
		CheckTagBeforeDraining:     true,
		ManagedTag:                 ManagedTagKey,
		DeleteSqsMsgIfNodeNotFound: true,
		NodeTerminationGracePeriod: DrainTimeoutSeconds,
		EmitKubernetesEvents:       true,
		Replicas:                   2,
		PodDisruptionBudget:        map[string]int{"maxUnavailable": 1},
		Tolerations:                []chart.Toleration{chart.CriticalAddonsToleration},
		TopologySpreadConstraints:  chart.Spread(PodLabels),
	}
	names := make([]string, 0, len(in.ProxyEnv))
	for k := range in.ProxyEnv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v.ExtraEnv = append(v.ExtraEnv, EnvVar{Name: k, Value: in.ProxyEnv[k]})
	}
	return v, nil
}

// Map converts the values to the generic form a Helm release takes.
func (v Values) Map() (map[string]any, error) { return chart.ToMap(v) }
