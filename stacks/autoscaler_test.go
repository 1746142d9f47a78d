package stacks_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/autoscaler"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/nodedrain"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/helmcheck"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/eksfleet/eksfleet/stacks/config"
)

const (
	releaseType  = "kubernetes:helm.sh/v3:Release"
	providerType = "pulumi:providers:kubernetes"
)

// asgTag is one tag as Auto Scaling holds it.
type asgTag struct {
	Value     string
	Propagate bool
}

// groupASG is a node group's Auto Scaling group as the plan records it.
type groupASG struct {
	Name  string
	Tags  map[string]asgTag
	Hooks []inputs.Map
	// Spot and CapacityRebalance: the group runs Spot, and its ASG
	// replaces Spot instances at risk itself (self-managed groups).
	Spot, CapacityRebalance bool
}

// asgOf collects a node group's ASG name, tags and lifecycle hooks. For a
// managed group the ASG belongs to EKS, which tags it for discovery itself
// (k8s.io/cluster-autoscaler/enabled=true, k8s.io/cluster-autoscaler/<name>=
// owned); tags the program adds with aws:autoscaling/tag:Tag come on top.
func asgOf(t *testing.T, p *plan.Plan, g config.NodeGroup) groupASG {
	t.Helper()
	cluster := p.Config.Cluster.Name
	exported := p.Outputs["nodeGroups"].(map[string]any)[g.Name].(map[string]any)
	out := groupASG{Name: exported["asgName"].(string), Tags: map[string]asgTag{}, Spot: g.IsSpot()}
	switch g.Kind {
	case config.KindSelfManaged:
		comp := component(t, p, selfmanaged.TypeToken, cluster+"-"+g.Name)
		asgs := children(p, comp.URN)["aws:autoscaling/group:Group"]
		if len(asgs) != 1 {
			t.Fatalf("%s: %d ASGs", g.Name, len(asgs))
		}
		in := inputs.Map(asgs[0].Inputs)
		out.CapacityRebalance = in["capacityRebalance"] == true
		for _, raw := range in.List("tags") {
			m := inputs.Map(raw.(map[string]any))
			out.Tags[m.String("key")] = asgTag{Value: m.String("value"), Propagate: m["propagateAtLaunch"] == true}
		}
		for _, raw := range in.List("initialLifecycleHooks") {
			out.Hooks = append(out.Hooks, inputs.Map(raw.(map[string]any)))
		}
		for _, r := range children(p, comp.URN)["aws:autoscaling/lifecycleHook:LifecycleHook"] {
			out.Hooks = append(out.Hooks, inputs.Map(r.Inputs))
		}
	case config.KindManaged:
		for k, v := range autoscaler.DiscoveryTags(cluster) {
			out.Tags[k] = asgTag{Value: v}
		}
		comp := component(t, p, managed.TypeToken, cluster+"-"+g.Name)
		for _, r := range children(p, comp.URN)["aws:autoscaling/tag:Tag"] {
			in := inputs.Map(r.Inputs)
			if in.String("autoscalingGroupName") != out.Name {
				t.Errorf("%s: tag %s is on ASG %q, not the group's %q", g.Name, in.String("tag.key"), in.String("autoscalingGroupName"), out.Name)
			}
			out.Tags[in.String("tag.key")] = asgTag{Value: in.String("tag.value"), Propagate: in["tag"].(map[string]any)["propagateAtLaunch"] == true}
		}
	}
	return out
}

// raw returns the resource as the engine recorded it (secrets and unknowns
// still marked), for helmcheck.
func raw(t *testing.T, p *plan.Plan, r plan.Resource) mockcloud.Resource {
	t.Helper()
	for _, x := range p.Cloud.Resources() {
		if x.URN == r.URN {
			return x
		}
	}
	t.Fatalf("%s not recorded", r.URN)
	return mockcloud.Resource{}
}

func onlyChild(t *testing.T, p *plan.Plan, parent plan.Resource, typ string) plan.Resource {
	t.Helper()
	kids := children(p, parent.URN)[typ]
	if len(kids) != 1 {
		t.Fatalf("%s has %d children of type %s, want 1", parent.Name, len(kids), typ)
	}
	return kids[0]
}

func parsePolicy(t *testing.T, r plan.Resource, key string) iampolicy.Document {
	t.Helper()
	doc, err := iampolicy.Parse(inputs.Map(r.Inputs).String(key))
	if err != nil {
		t.Fatalf("%s %s: %v", r.Name, key, err)
	}
	return doc
}

// checkIRSA asserts a role is assumable only by one service account of this
// cluster (guardrail irsa-trust-scoped).
func checkIRSA(t *testing.T, p *plan.Plan, role plan.Resource, namespace, sa string) {
	t.Helper()
	doc := parsePolicy(t, role, "assumeRolePolicy")
	host, err := iampolicy.IssuerHost(p.Outputs["oidcProviderUrl"].(string))
	if err != nil {
		t.Fatal(err)
	}
	want := iampolicy.Statement{
		Sid:       "AssumeFromServiceAccount",
		Effect:    "Allow",
		Principal: &iampolicy.Principal{Federated: iampolicy.Values{p.Outputs["oidcProviderArn"].(string)}},
		Action:    iampolicy.Values{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]iampolicy.Values{"StringEquals": {
			host + ":sub": {"system:serviceaccount:" + namespace + ":" + sa},
			host + ":aud": {"sts.amazonaws.com"},
		}},
	}
	if len(doc.Statement) != 1 || !reflect.DeepEqual(doc.Statement[0], want) {
		t.Errorf("%s trust = %+v\nwant %+v", role.Name, doc.Statement, want)
	}
}

// TestBundledStacksAutoscaling evaluates dev, staging and prod offline and
// checks the autoscaler and termination handler against the node groups
// they serve: discovery tags on every autoscaled ASG equal the autoscaler's
// discovery flag and its IAM condition (guardrail B7); the priority
// expander ranks each group; draining groups have a hook the handler's
// drain fits in and the tags its IAM condition requires, and every event
// kind it must act on reaches the queue (B8); no chart value is a
// credential.
func TestBundledStacksAutoscaling(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			p := evaluate(t, "..", stack)
			cfg := p.Config
			cluster := cfg.Cluster.Name
			account := strings.Split(p.Outputs["oidcProviderArn"].(string), ":")[4]

			if cfg.Autoscaler.Kind == config.AutoscalerKarpenter {
				// One autoscaler at a time: no Cluster Autoscaler, no
				// discovery tags of ours; the termination handler still
				// serves draining self-managed groups.
				for _, r := range p.Resources {
					if r.Type == autoscaler.TypeToken {
						t.Errorf("the Cluster Autoscaler %s is installed with autoscaler.kind karpenter", r.Name)
					}
				}
				checkKarpenter(t, p)
				var drained []groupASG
				for _, g := range cfg.NodeGroups {
					asg := asgOf(t, p, g)
					if _, tagged := asg.Tags[autoscaler.EnabledTagKey]; tagged && g.Kind == config.KindSelfManaged {
						t.Errorf("group %s carries the Cluster Autoscaler's discovery tag under Karpenter", g.Name)
					}
					if g.Drain() {
						drained = append(drained, asg)
					}
				}
				if len(drained) > 0 {
					checkNodeDrain(t, p, drained, account)
				}
				return
			}
			ca := component(t, p, autoscaler.TypeToken, cluster+"-cluster-autoscaler")
			role := onlyChild(t, p, ca, "aws:iam/role:Role")
			checkIRSA(t, p, role, autoscaler.Namespace, autoscaler.ServiceAccountName)
			policy := parsePolicy(t, onlyChild(t, p, ca, "aws:iam/rolePolicy:RolePolicy"), "policy")
			requiredTags := map[string]string{}
			for _, s := range policy.Statement {
				if s.Action[0] == "autoscaling:SetDesiredCapacity" {
					for k, v := range s.Condition["StringEquals"] {
						requiredTags[strings.TrimPrefix(k, "aws:ResourceTag/")] = v[0]
					}
					if want := fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/*", cfg.Region, account); s.Resource[0] != want {
						t.Errorf("write resource %v, want %s", s.Resource, want)
					}
				}
			}
			if !reflect.DeepEqual(requiredTags, autoscaler.DiscoveryTags(cluster)) {
				t.Errorf("autoscaler may scale ASGs tagged %v, want %v", requiredTags, autoscaler.DiscoveryTags(cluster))
			}

			rel := onlyChild(t, p, ca, releaseType)
			if f := helmcheck.Findings(raw(t, p, rel).Inputs["values"]); len(f) != 0 {
				t.Errorf("autoscaler values: %v", f)
			}
			in := inputs.Map(rel.Inputs)
			rv, _ := autoscaler.ReleaseFor(cfg.Cluster.Version, cfg.Autoscaler.ChartVersion)
			if in.String("version") != rv.ChartVersion || in.String("repositoryOpts.repo") != autoscaler.ChartRepo || in.String("chart") != autoscaler.ChartName {
				t.Errorf("chart %s %s from %s", in.String("chart"), in.String("version"), in.String("repositoryOpts.repo"))
			}
			if minor, _ := autoscaler.ImageMinor(in.String("values.image.tag")); minor != cfg.Cluster.Version {
				t.Errorf("autoscaler image %s, cluster %s", in.String("values.image.tag"), cfg.Cluster.Version)
			}
			if in.String("values.autoDiscovery.clusterName") != cluster || in.String("values.awsRegion") != cfg.Region {
				t.Errorf("autoDiscovery.clusterName %q awsRegion %q", in.String("values.autoDiscovery.clusterName"), in.String("values.awsRegion"))
			}
			// Annotation keys hold dots, so read the map rather than a path.
			ann := in["values"].(map[string]any)["rbac"].(map[string]any)["serviceAccount"].(map[string]any)["annotations"].(map[string]any)
			if ann[autoscaler.RoleARNAnnotation] != roleARN(p, role) {
				t.Errorf("service account annotations %v, want the IRSA role %s", ann, roleARN(p, role))
			}
			wantArgs := map[string]any{
				"expander":                      cfg.Autoscaler.Expander,
				"balance-similar-node-groups":   strconv.FormatBool(cfg.Autoscaler.BalanceSimilarNodeGroups),
				"scale-down-unneeded-time":      cfg.Autoscaler.ScaleDownUnneededTime,
				"skip-nodes-with-local-storage": "false",
			}
			if got := in["values"].(map[string]any)["extraArgs"]; !reflect.DeepEqual(got, wantArgs) {
				t.Errorf("extraArgs %v, want %v", got, wantArgs)
			}
			var filters []string
			for _, f := range in.List("values.autoDiscovery.tags") {
				filters = append(filters, f.(string))
			}
			discovered, err := autoscaler.ParseDiscoveryArg("asg:tag=" + strings.Join(filters, ","))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(discovered, requiredTags) {
				t.Errorf("discovery filters %v, IAM condition %v", discovered, requiredTags)
			}

			var priorities map[string][]*regexp.Regexp
			if cfg.Autoscaler.Expander == "priority" {
				priorities = map[string][]*regexp.Regexp{}
				for level, list := range in["values"].(map[string]any)["expanderPriorities"].(map[string]any) {
					for _, re := range list.([]any) {
						priorities[level] = append(priorities[level], regexp.MustCompile(re.(string)))
					}
				}
			}

			var drained []groupASG
			for _, g := range cfg.NodeGroups {
				asg := asgOf(t, p, g)
				if g.Autoscaling {
					for k, v := range discovered {
						if asg.Tags[k].Value != v {
							t.Errorf("group %s: ASG tag %s=%q, the autoscaler discovers %s=%q", g.Name, k, asg.Tags[k].Value, k, v)
						}
					}
					if !dependsOnGroup(p, rel, cluster+"-"+g.Name) {
						t.Errorf("autoscaler release does not wait for group %s", g.Name)
					}
				} else if _, tagged := asg.Tags[autoscaler.EnabledTagKey]; tagged && g.Kind == config.KindSelfManaged {
					t.Errorf("group %s has autoscaling off but carries the discovery tag", g.Name)
				}
				if priorities != nil && g.Autoscaling {
					want := "10"
					if g.IsSpot() {
						want = "20"
					}
					if got := topLevel(priorities, asg.Name); got != want {
						t.Errorf("group %s (spot %v): ASG %s ranked %q, want %q", g.Name, g.IsSpot(), asg.Name, got, want)
					}
				}
				if g.Drain() {
					drained = append(drained, asg)
				}
			}

			nodeDrains := 0
			for _, r := range p.Resources {
				if r.Type == nodedrain.TypeToken {
					nodeDrains++
				}
			}
			if len(drained) == 0 {
				if nodeDrains != 0 {
					t.Errorf("termination handler without draining groups")
				}
				return
			}
			checkNodeDrain(t, p, drained, account)
		})
	}
}

func roleARN(p *plan.Plan, role plan.Resource) string {
	for _, r := range p.Cloud.Resources() {
		if r.URN == role.URN {
			return r.Outputs["arn"].StringValue()
		}
	}
	return ""
}

// topLevel returns the highest priority level whose patterns match name.
func topLevel(levels map[string][]*regexp.Regexp, name string) string {
	best, bestN := "", -1
	for level, res := range levels {
		n, _ := strconv.Atoi(level)
		for _, re := range res {
			if re.MatchString(name) && n > bestN {
				best, bestN = level, n
			}
		}
	}
	return best
}

// dependsOnGroup reports whether r waits for the node group component
// named group (directly or through its children).
func dependsOnGroup(p *plan.Plan, r plan.Resource, group string) bool {
	for _, d := range r.Dependencies {
		if strings.HasSuffix(d, "::"+group) {
			return true
		}
		for _, x := range p.Resources {
			if x.URN == d && strings.HasSuffix(x.Parent, "::"+group) {
				return true
			}
		}
	}
	return false
}

func checkNodeDrain(t *testing.T, p *plan.Plan, drained []groupASG, account string) {
	t.Helper()
	cfg := p.Config
	cluster := cfg.Cluster.Name
	nd := component(t, p, nodedrain.TypeToken, cluster+"-node-drain")
	kids := children(p, nd.URN)

	queue := onlyChild(t, p, nd, "aws:sqs/queue:Queue")
	rq := raw(t, p, queue)
	queueARN, queueURL := rq.Outputs["arn"].StringValue(), rq.Outputs["url"].StringValue()
	if inputs.Map(queue.Inputs)["sqsManagedSseEnabled"] != true {
		t.Errorf("queue is not encrypted: %v", queue.Inputs)
	}

	ruleARNs := map[string]string{} // rule name → ARN
	byType := map[string]inputs.Map{}
	for _, r := range kids["aws:cloudwatch/eventRule:EventRule"] {
		rr := raw(t, p, r)
		ruleARNs[rr.Outputs["name"].StringValue()] = rr.Outputs["arn"].StringValue()
		var pattern inputs.Map
		if err := json.Unmarshal([]byte(inputs.Map(r.Inputs).String("eventPattern")), &pattern); err != nil {
			t.Fatal(err)
		}
		byType[pattern.List("detail-type")[0].(string)] = pattern
	}
	for _, dt := range []string{"EC2 Instance-terminate Lifecycle Action", "EC2 Spot Instance Interruption Warning",
		"EC2 Instance State-change Notification", "AWS Health Event"} {
		if _, ok := byType[dt]; !ok {
			t.Errorf("no EventBridge rule for %s", dt)
		}
	}
	// The handler drains on every rebalance recommendation it receives, so
	// they are forwarded only for Spot groups whose ASG does not answer them
	// with a replacement and a terminating hook (capacity rebalance).
	var uncovered []string
	for _, g := range drained {
		if g.Spot && !g.CapacityRebalance {
			uncovered = append(uncovered, g.Name)
		}
	}
	if _, forwarded := byType["EC2 Instance Rebalance Recommendation"]; forwarded != (len(uncovered) > 0) {
		t.Errorf("rebalance recommendations forwarded: %v; draining Spot groups without capacity rebalance: %v", forwarded, uncovered)
	}
	var lifecycleASGs []string
	for _, n := range byType["EC2 Instance-terminate Lifecycle Action"].List("detail.AutoScalingGroupName") {
		lifecycleASGs = append(lifecycleASGs, n.(string))
	}
	for _, g := range drained {
		if !containsString(lifecycleASGs, g.Name) {
			t.Errorf("lifecycle rule does not forward draining ASG %s (forwards %v)", g.Name, lifecycleASGs)
		}
	}
	targeted := map[string]bool{}
	for _, tg := range kids["aws:cloudwatch/eventTarget:EventTarget"] {
		in := inputs.Map(tg.Inputs)
		if in.String("arn") != queueARN {
			t.Errorf("target %s points at %s, not the queue", tg.Name, in.String("arn"))
		}
		targeted[in.String("rule")] = true
	}
	var arns []string
	for name, arn := range ruleARNs {
		arns = append(arns, arn)
		if !targeted[name] {
			t.Errorf("rule %s has no queue target", name)
		}
	}

	qdoc := parsePolicy(t, onlyChild(t, p, nd, "aws:sqs/queuePolicy:QueuePolicy"), "policy")
	if len(qdoc.Statement) != 1 {
		t.Fatalf("queue policy statements: %+v", qdoc.Statement)
	}
	qs := qdoc.Statement[0]
	if qs.Principal == nil || !reflect.DeepEqual(qs.Principal.Service, iampolicy.Values{"events.amazonaws.com"}) || qs.Principal.AWS != nil ||
		!reflect.DeepEqual(qs.Action, iampolicy.Values{"sqs:SendMessage"}) || !reflect.DeepEqual(qs.Resource, iampolicy.Values{queueARN}) {
		t.Errorf("queue policy statement %+v", qs)
	}
	if got := qs.Condition["ArnEquals"]["aws:SourceArn"]; !sameSet(got, arns) {
		t.Errorf("queue accepts rules %v, want exactly %v", got, arns)
	}

	role := onlyChild(t, p, nd, "aws:iam/role:Role")
	checkIRSA(t, p, role, nodedrain.Namespace, nodedrain.ServiceAccountName)
	hdoc := parsePolicy(t, onlyChild(t, p, nd, "aws:iam/rolePolicy:RolePolicy"), "policy")
	for _, s := range hdoc.Statement {
		switch s.Action[0] {
		case "autoscaling:CompleteLifecycleAction":
			for k, v := range s.Condition["StringEquals"] {
				key := strings.TrimPrefix(k, "aws:ResourceTag/")
				for _, g := range drained {
					if g.Tags[key].Value != v[0] {
						t.Errorf("handler may complete hooks only where %s=%s; ASG %s has %q", key, v[0], g.Name, g.Tags[key].Value)
					}
				}
			}
			for k := range s.Condition["Null"] {
				key := strings.TrimPrefix(k, "aws:ResourceTag/")
				for _, g := range drained {
					if _, ok := g.Tags[key]; !ok {
						t.Errorf("handler requires tag %s, missing on ASG %s", key, g.Name)
					}
				}
			}
		case "sqs:DeleteMessage", "sqs:ReceiveMessage":
			if !reflect.DeepEqual(s.Resource, iampolicy.Values{queueARN}) {
				t.Errorf("queue permissions on %v, want only %s", s.Resource, queueARN)
			}
		}
	}

	rel := onlyChild(t, p, nd, releaseType)
	if f := helmcheck.Findings(raw(t, p, rel).Inputs["values"]); len(f) != 0 {
		t.Errorf("handler values: %v", f)
	}
	in := inputs.Map(rel.Inputs)
	if in.String("chart") != nodedrain.Chart || in.String("version") != nodedrain.ChartVersion {
		t.Errorf("handler chart %s %s", in.String("chart"), in.String("version"))
	}
	if in["values"].(map[string]any)["enableSqsTerminationDraining"] != true || in.String("values.queueURL") != queueURL || in.String("values.awsRegion") != cfg.Region {
		t.Errorf("handler values not wired to the queue: %v", in["values"])
	}
	managedTag := in.String("values.managedTag")
	grace := toInt(in["values"].(map[string]any)["nodeTerminationGracePeriod"])
	for _, g := range drained {
		if tag, ok := g.Tags[managedTag]; !ok || !tag.Propagate {
			t.Errorf("ASG %s: handler checks instances for %q, ASG tag %+v (must be propagated)", g.Name, managedTag, tag)
		}
		if tag := g.Tags[nodedrain.ClusterOwnedTagKey(cluster)]; tag.Value != "owned" {
			t.Errorf("ASG %s: %s=%q", g.Name, nodedrain.ClusterOwnedTagKey(cluster), tag.Value)
		}
		var ok bool
		for _, h := range g.Hooks {
			hb := toInt(h["heartbeatTimeout"])
			if err := nodedrain.CheckHook(h.String("lifecycleTransition"), h.String("defaultResult"), hb); err == nil && hb > grace {
				ok = true
			}
		}
		if !ok {
			t.Errorf("ASG %s has no terminating hook that outlasts the handler's %ds drain: %v", g.Name, grace, g.Hooks)
		}
	}
	if !dependsOnGroup(p, rel, cluster+"-"+cfg.NodeGroups[0].Name) {
		t.Errorf("handler release does not wait for the node groups")
	}
}

// TestAutoscalerDisabled: with autoscaler.enabled false nothing talks to the
// Kubernetes API, and the AWS side (roles, queue, rules) is still planned.
func TestAutoscalerDisabled(t *testing.T) {
	proj, err := plan.LoadProject("..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	proj.Config["eksfleet:autoscaler"] = `{"enabled":false,"expander":"priority","balanceSimilarNodeGroups":true,"scaleDownUnneededTime":"15m"}`
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Resources {
		if r.Type == providerType || strings.HasPrefix(r.Type, "kubernetes:") {
			t.Errorf("%s planned with autoscaler.enabled false", r.URN)
		}
	}
	ca := component(t, p, autoscaler.TypeToken, "acme-prod-cluster-autoscaler")
	onlyChild(t, p, ca, "aws:iam/role:Role")
	nd := component(t, p, nodedrain.TypeToken, "acme-prod-node-drain")
	onlyChild(t, p, nd, "aws:sqs/queue:Queue")
	for _, out := range []string{"clusterAutoscaler", "nodeTerminationHandler"} {
		m := p.Outputs[out].(map[string]any)
		if m["installed"] != false || m["values"] == nil || m["roleArn"] == "" {
			t.Errorf("%s = %v, want installed false with the values for a later install", out, m)
		}
	}
}

// TestAutoscalingWiringEnabled: the default installs both charts through one
// Kubernetes provider built from the cluster's kubeconfig.
func TestAutoscalingWiringEnabled(t *testing.T) {
	p := evaluate(t, "..", "dev")
	var providers []plan.Resource
	for _, r := range p.Resources {
		if r.Type == providerType {
			providers = append(providers, r)
		}
	}
	if len(providers) != 1 || providers[0].Inputs["kubeconfig"] != "[secret]" {
		t.Fatalf("kubernetes providers %v, want one with the (secret) cluster kubeconfig", providers)
	}
	for _, r := range p.Cloud.OfType(releaseType) {
		if !strings.HasPrefix(r.Provider, providers[0].URN+"::") {
			t.Errorf("release %s uses provider %s", r.Name, r.Provider)
		}
	}
	if n := len(p.Cloud.OfType(releaseType)); n != 2 {
		t.Errorf("%d Helm releases in dev, want the autoscaler and the handler", n)
	}
	if p.Outputs["clusterAutoscaler"].(map[string]any)["installed"] != true {
		t.Errorf("clusterAutoscaler output %v", p.Outputs["clusterAutoscaler"])
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// toInt reads a number from recorded inputs, whatever numeric type the
// rendering produced.
func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

// TestAutoscalingSkipsUnscaledGroups: a group with autoscaling off is left
// out of the priority expander and carries no discovery tag, so the
// autoscaler neither discovers nor ranks it; it still drains.
func TestAutoscalingSkipsUnscaledGroups(t *testing.T) {
	proj, err := plan.LoadProject("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	var groups []map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:nodeGroups"]), &groups); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g["name"] == "workers" {
			g["autoscaling"] = false
		}
	}
	b, _ := json.Marshal(groups)
	proj.Config["eksfleet:nodeGroups"] = string(b)
	proj.Config["eksfleet:autoscaler"] = `{"expander":"priority","scaleDownUnneededTime":"5m"}`
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	var workers, system config.NodeGroup
	for _, g := range p.Config.NodeGroups {
		switch g.Name {
		case "workers":
			workers = g
		case "system":
			system = g
		}
	}
	wa, sa := asgOf(t, p, workers), asgOf(t, p, system)
	if _, tagged := wa.Tags[autoscaler.EnabledTagKey]; tagged {
		t.Errorf("unscaled group's ASG carries %s", autoscaler.EnabledTagKey)
	}
	ca := component(t, p, autoscaler.TypeToken, "acme-dev-cluster-autoscaler")
	levels := onlyChild(t, p, ca, releaseType).Inputs["values"].(map[string]any)["expanderPriorities"].(map[string]any)
	named := func(asg string) bool {
		for _, list := range levels {
			for _, re := range list.([]any) {
				if re.(string) == "^"+regexp.QuoteMeta(asg)+"$" {
					return true
				}
			}
		}
		return false
	}
	if named(wa.Name) || !named(sa.Name) {
		t.Errorf("priorities %v: want the system ASG %s ranked and not the unscaled %s", levels, sa.Name, wa.Name)
	}
	nd := component(t, p, nodedrain.TypeToken, "acme-dev-node-drain")
	for _, r := range children(p, nd.URN)["aws:cloudwatch/eventRule:EventRule"] {
		if strings.Contains(inputs.Map(r.Inputs).String("eventPattern"), "Lifecycle") &&
			!strings.Contains(inputs.Map(r.Inputs).String("eventPattern"), wa.Name) {
			t.Errorf("draining but unscaled group %s not forwarded by %s", wa.Name, r.Name)
		}
	}
}

// TestControllersGetPodProxy: behind a proxy the autoscaler and the
// termination handler get the environment aws-node and kube-proxy get
// (same NO_PROXY), also when the charts are left to an in-VPC install; with
// no proxy (dev) they get none.
func TestControllersGetPodProxy(t *testing.T) {
	p := evaluate(t, "..", "prod")
	var pods map[string]any
	for _, r := range p.Resources {
		if r.Type == "kubernetes:core/v1:ConfigMap" {
			pods = r.Inputs["data"].(map[string]any)
		}
	}
	if len(pods) != 6 || pods["NO_PROXY"] == "" {
		t.Fatalf("pod proxy environment = %v", pods)
	}
	check := func(p *plan.Plan, want map[string]any) {
		t.Helper()
		ca := p.Outputs["clusterAutoscaler"].(map[string]any)["values"].(map[string]any)
		if got, _ := ca["extraEnv"].(map[string]any); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: autoscaler extraEnv = %v, want %v", p.Stack, got, want)
		}
		nth := p.Outputs["nodeTerminationHandler"].(map[string]any)["values"].(map[string]any)
		got := map[string]any{}
		for _, e := range nth["extraEnv"].([]any) {
			m := e.(map[string]any)
			got[m["name"].(string)] = m["value"]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: handler extraEnv = %v, want %v", p.Stack, got, want)
		}
	}
	check(p, pods)

	proj, err := plan.LoadProject("..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	proj.Config["eksfleet:autoscaler"] = `{"enabled":false,"expander":"priority"}`
	notInstalled, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	check(notInstalled, pods)

	dev := evaluate(t, "..", "dev")
	ca := dev.Outputs["clusterAutoscaler"].(map[string]any)["values"].(map[string]any)
	nth := dev.Outputs["nodeTerminationHandler"].(map[string]any)["values"].(map[string]any)
	if ca["extraEnv"] != nil || nth["extraEnv"] != nil {
		t.Errorf("dev has no proxy, but extraEnv = %v / %v", ca["extraEnv"], nth["extraEnv"])
	}
}
