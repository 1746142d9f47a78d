package nodedrain

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/chart"
)

const (
	testQueueARN = "arn:aws:sqs:eu-west-1:111122223333:acme-node-drain-1a2b3c4"
	testQueueURL = "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-node-drain-1a2b3c4"
	testRoleARN  = "arn:aws:iam::111122223333:role/acme-node-drain-irsa-1a2b3c4"
)

// rebalanceDetailType is the event that only groups without capacity
// rebalance need forwarded.
const rebalanceDetailType = "EC2 Instance Rebalance Recommendation"

// wantDetailTypes are the event kinds queue-processor mode consumes
// (guardrail B8 requires a rule for each); the rebalance recommendation
// only when rebalance is true.
func wantDetailTypes(rebalance bool) map[string]string {
	want := map[string]string{
		"EC2 Instance-terminate Lifecycle Action": "aws.autoscaling",
		"EC2 Spot Instance Interruption Warning":  "aws.ec2",
		"EC2 Instance State-change Notification":  "aws.ec2",
		"AWS Health Event":                        "aws.health",
	}
	if rebalance {
		want[rebalanceDetailType] = "aws.ec2"
	}
	return want
}

// CheckPatterns decodes rendered event patterns and checks they cover
// exactly the wanted detail types, each from its source, one per rule.
func CheckPatterns(t *testing.T, patterns []string, rebalance bool) map[string]EventPattern {
	t.Helper()
	wantDetailTypes := wantDetailTypes(rebalance)
	byType := map[string]EventPattern{}
	for _, text := range patterns {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var p EventPattern
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("pattern %s: %v", text, err)
		}
		if len(p.DetailType) != 1 || len(p.Source) != 1 {
			t.Errorf("pattern %s: want exactly one source and detail-type", text)
			continue
		}
		if want, ok := wantDetailTypes[p.DetailType[0]]; !ok || want != p.Source[0] {
			t.Errorf("pattern %s: unexpected detail-type/source", text)
		}
		if _, dup := byType[p.DetailType[0]]; dup {
			t.Errorf("two rules for %s", p.DetailType[0])
		}
		byType[p.DetailType[0]] = p
	}
	if len(byType) != len(wantDetailTypes) {
		t.Errorf("rules cover %d detail types, want %d", len(byType), len(wantDetailTypes))
	}
	return byType
}

func TestRules(t *testing.T) {
	render := func(names []string, rebalance bool) map[string]EventPattern {
		var texts []string
		keys := map[string]bool{}
		for _, r := range Rules(names, rebalance) {
			if keys[r.Key] {
				t.Errorf("duplicate rule key %s", r.Key)
			}
			keys[r.Key] = true
			s, err := r.Pattern.JSON()
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, s)
		}
		return CheckPatterns(t, texts, rebalance)
	}
	if _, ok := render(nil, false)[rebalanceDetailType]; ok {
		t.Error("rebalance recommendations forwarded though every Spot group has capacity rebalance")
	}
	all := render(nil, true)
	if d := all["EC2 Instance-terminate Lifecycle Action"].Detail; d != nil {
		t.Errorf("unfiltered lifecycle rule has detail %v", d)
	}
	if got := all["EC2 Instance State-change Notification"].Detail["state"]; !reflect.DeepEqual(got, []string{"stopping", "stopped", "shutting-down", "terminated"}) {
		t.Errorf("state filter = %v", got)
	}
	if got := all["AWS Health Event"].Detail; !reflect.DeepEqual(got, map[string][]string{"service": {"EC2"}, "eventTypeCategory": {"scheduledChange"}}) {
		t.Errorf("health filter = %v", got)
	}
	scoped := render([]string{"acme-workers-b", "acme-workers-a"}, false)
	if got := scoped["EC2 Instance-terminate Lifecycle Action"].Detail; !reflect.DeepEqual(got, map[string][]string{"AutoScalingGroupName": {"acme-workers-a", "acme-workers-b"}}) {
		t.Errorf("scoped lifecycle detail = %v", got)
	}
}

// CheckQueuePolicy asserts the queue accepts messages only from EventBridge,
// only from the given rules.
func CheckQueuePolicy(t *testing.T, doc iampolicy.Document, queueARN string, ruleARNs []string) {
	t.Helper()
	if len(doc.Statement) != 1 {
		t.Fatalf("queue policy has %d statements, want 1", len(doc.Statement))
	}
	s := doc.Statement[0]
	if s.Effect != "Allow" || !reflect.DeepEqual(s.Action, iampolicy.Values{"sqs:SendMessage"}) || !reflect.DeepEqual(s.Resource, iampolicy.Values{queueARN}) {
		t.Errorf("statement = %+v", s)
	}
	if s.Principal == nil || !reflect.DeepEqual(s.Principal.Service, iampolicy.Values{"events.amazonaws.com"}) || s.Principal.AWS != nil || s.Principal.Federated != nil {
		t.Errorf("principal = %+v, want only events.amazonaws.com", s.Principal)
	}
	want := append([]string(nil), ruleARNs...)
	got := append([]string(nil), s.Condition["ArnEquals"]["aws:SourceArn"]...)
	sortStrings(want)
	sortStrings(got)
	if len(s.Condition) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("condition = %v, want ArnEquals aws:SourceArn %v", s.Condition, want)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestQueuePolicy(t *testing.T) {
	rules := []string{"arn:aws:events:eu-west-1:111122223333:rule/b", "arn:aws:events:eu-west-1:111122223333:rule/a"}
	doc, err := QueuePolicy(testQueueARN, rules)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := doc.JSON()
	parsed, err := iampolicy.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	CheckQueuePolicy(t, parsed, testQueueARN, rules)
	for name, tc := range map[string]struct {
		queue string
		rules []string
	}{
		"no rules":   {testQueueARN, nil},
		"not a rule": {testQueueARN, []string{"arn:aws:sns:eu-west-1:1:topic"}},
		"not sqs":    {"arn:aws:sns:eu-west-1:1:topic", rules},
	} {
		if _, err := QueuePolicy(tc.queue, tc.rules); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// CheckHandlerPolicy asserts the handler's permissions.
func CheckHandlerPolicy(t *testing.T, doc iampolicy.Document, account, cluster, queueARN string) {
	t.Helper()
	wantActions := []string{
		"autoscaling:CompleteLifecycleAction", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeTags",
		"ec2:DescribeInstances", "sqs:DeleteMessage", "sqs:ReceiveMessage",
	}
	if got := doc.Actions(); !reflect.DeepEqual(got, wantActions) {
		t.Errorf("actions = %v\nwant %v", got, wantActions)
	}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal != nil {
			t.Errorf("%s: effect %s principal %v", s.Sid, s.Effect, s.Principal)
		}
		switch s.Action[0] {
		case "autoscaling:CompleteLifecycleAction":
			wantRes := "arn:aws:autoscaling:eu-west-1:" + account + ":autoScalingGroup:*:autoScalingGroupName/*"
			if !reflect.DeepEqual(s.Resource, iampolicy.Values{wantRes}) {
				t.Errorf("lifecycle resource = %v", s.Resource)
			}
			want := map[string]map[string]iampolicy.Values{
				"StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/" + cluster: {"owned"}},
				"Null":         {"aws:ResourceTag/aws-node-termination-handler/managed": {"false"}},
			}
			if !reflect.DeepEqual(s.Condition, want) {
				t.Errorf("lifecycle condition = %v\nwant %v", s.Condition, want)
			}
		case "sqs:DeleteMessage", "sqs:ReceiveMessage":
			if !reflect.DeepEqual(s.Resource, iampolicy.Values{queueARN}) {
				t.Errorf("queue statement resource = %v, want only %s", s.Resource, queueARN)
			}
		default:
			for _, a := range s.Action {
				if !strings.Contains(a, ":Describe") {
					t.Errorf("%s allowed on %v without a condition", a, s.Resource)
				}
			}
		}
	}
}

func TestHandlerPolicy(t *testing.T) {
	doc, err := HandlerPolicy(HandlerPolicyInput{Partition: "aws", Region: "eu-west-1", Account: "111122223333", Cluster: "acme-prod", QueueARN: testQueueARN})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := doc.JSON()
	parsed, err := iampolicy.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	CheckHandlerPolicy(t, parsed, "111122223333", "acme-prod", testQueueARN)
	if _, err := HandlerPolicy(HandlerPolicyInput{Partition: "aws", Region: "eu-west-1", Account: "1", Cluster: "c"}); err == nil {
		t.Error("a handler policy without its queue must be refused")
	}
}

func TestCheckHook(t *testing.T) {
	v, _ := BuildValues(ValuesInput{QueueURL: testQueueURL, Region: "eu-west-1", RoleARN: testRoleARN})
	if MinHookHeartbeatSeconds <= v.NodeTerminationGracePeriod {
		t.Errorf("minimum heartbeat %ds does not outlast the drain (%ds)", MinHookHeartbeatSeconds, v.NodeTerminationGracePeriod)
	}
	if err := CheckHook("autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE", 300); err != nil {
		t.Errorf("the Auto Scaling default heartbeat must do: %v", err)
	}
	for name, tc := range map[string]struct {
		transition, result string
		heartbeat          int
		want               string
	}{
		"launching": {"autoscaling:EC2_INSTANCE_LAUNCHING", "CONTINUE", 300, "transition"},
		"short":     {"autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE", 120, "at least 300s"},
		"no result": {"autoscaling:EC2_INSTANCE_TERMINATING", "", 300, "default result"},
	} {
		if err := CheckHook(tc.transition, tc.result, tc.heartbeat); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// decodeValues strict-decodes generic chart values.
func decodeValues(t *testing.T, m map[string]any) Values {
	t.Helper()
	b, _ := json.Marshal(m)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v Values
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("values do not decode strictly: %v\n%s", err, b)
	}
	return v
}

func TestBuildValues(t *testing.T) {
	v, err := BuildValues(ValuesInput{QueueURL: testQueueURL, Region: "eu-west-1", RoleARN: testRoleARN})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.Map()
	got := decodeValues(t, m)
	CheckValues(t, got, testQueueURL, testRoleARN)
	for name, in := range map[string]ValuesInput{
		"queue ARN not URL": {QueueURL: testQueueARN, Region: "eu-west-1", RoleARN: testRoleARN},
		"no region":         {QueueURL: testQueueURL, RoleARN: testRoleARN},
		"user not role":     {QueueURL: testQueueURL, Region: "eu-west-1", RoleARN: "arn:aws:iam::1:user/x"},
	} {
		if _, err := BuildValues(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// CheckValues asserts queue-processor mode is wired to the queue, the role
// and the managed tag.
func CheckValues(t *testing.T, v Values, queueURL, roleARN string) {
	t.Helper()
	if !v.EnableSqsTerminationDraining || v.QueueURL != queueURL || v.AWSRegion != "eu-west-1" {
		t.Errorf("queue mode %v url %q region %q", v.EnableSqsTerminationDraining, v.QueueURL, v.AWSRegion)
	}
	if !v.CheckTagBeforeDraining || v.ManagedTag != ManagedTagKey {
		t.Errorf("tag check %v tag %q, want %s", v.CheckTagBeforeDraining, v.ManagedTag, ManagedTagKey)
	}
	sa := v.ServiceAccount
	if !sa.Create || sa.Name != ServiceAccountName || !reflect.DeepEqual(sa.Annotations, map[string]string{RoleARNAnnotation: roleARN}) {
		t.Errorf("service account = %+v", sa)
	}
	if !v.DeleteSqsMsgIfNodeNotFound || v.Replicas != 2 || v.NodeTerminationGracePeriod != DrainTimeoutSeconds {
		t.Errorf("event handling = %+v", v)
	}
	CheckPlacement(t, v)
}

// CheckPlacement asserts the handler runs on CriticalAddonsOnly system nodes
// and spreads its replicas by its own pod labels, softly.
func CheckPlacement(t *testing.T, v Values) {
	t.Helper()
	if !reflect.DeepEqual(v.Tolerations, []chart.Toleration{{Key: "CriticalAddonsOnly", Operator: "Exists"}}) {
		t.Errorf("tolerations = %+v", v.Tolerations)
	}
	var keys []string
	for _, c := range v.TopologySpreadConstraints {
		keys = append(keys, c.TopologyKey)
		if c.MaxSkew != 1 || c.WhenUnsatisfiable != "ScheduleAnyway" || !reflect.DeepEqual(c.LabelSelector.MatchLabels, PodLabels) {
			t.Errorf("spread constraint = %+v", c)
		}
	}
	if !reflect.DeepEqual(keys, []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"}) {
		t.Errorf("spread topology keys = %v", keys)
	}
}
