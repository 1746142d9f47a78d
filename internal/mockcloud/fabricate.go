package mockcloud

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// hash returns a stable hex digest of the parts.
func hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// uuidFrom formats 32 hex digits as a UUID.
func uuidFrom(h string) string {
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// autoname mimics Pulumi's physical names: the logical name plus 7 hex digits.
func autoname(name, urn string) string { return name + "-" + hash("autoname", urn)[:7] }

func str(m resource.PropertyMap, key string) (string, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return "", false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

func strOr(m resource.PropertyMap, key, def string) string {
	if s, ok := str(m, key); ok && s != "" {
		return s
	}
	return def
}

func (c *Cloud) arn(service, resourcePart string, regional bool) string {
	region := c.opts.Region
	if !regional {
		region = ""
	}
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition(c.opts.Region), service, region, c.opts.Account, resourcePart)
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// fabricate returns the ID and state a provider would report for a custom
// resource: its inputs plus the attributes AWS computes. readID is set for
// reads, empty for creates.
func (c *Cloud) fabricate(r *Resource, readID string) (string, resource.PropertyMap) {
	in := r.Inputs
	state := in.Copy()
	h := hash(r.URN)
	set := func(k string, v any) { state[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	id := readID
	named := func(key string) string {
		n := r.physical
		if n == "" {
			n = strOr(in, key, autoname(r.Name, r.URN))
		}
		set(key, n)
		return n
	}

	switch r.Type {
	case "aws:iam/role:Role":
		n := named("name")
		set("arn", c.arn("iam", "role"+strOr(in, "path", "/")+n, false))
		set("uniqueId", "AROA"+strings.ToUpper(h[:17]))
		id = n
	case "aws:iam/instanceProfile:InstanceProfile":
		n := named("name")
		set("arn", c.arn("iam", "instance-profile/"+n, false))
		set("uniqueId", "AIPA"+strings.ToUpper(h[:17]))
		id = n
	case "aws:iam/policy:Policy":
		n := named("name")
		id = c.arn("iam", "policy/"+n, false)
		set("arn", id)
		set("policyId", "ANPA"+strings.ToUpper(h[:17]))
	case "aws:iam/rolePolicy:RolePolicy":
		n := named("name")
		id = strOr(in, "role", "role") + ":" + n
	case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
		id = strOr(in, "role", "role") + "-" + h[:20]
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		host := strings.TrimPrefix(strOr(in, "url", "oidc.example"), "https://")
		id = c.arn("iam", "oidc-provider/"+host, false)
		set("arn", id)
	case "aws:kms/key:Key":
		id = uuidFrom(h)
		set("keyId", id)
		set("arn", c.arn("kms", "key/"+id, true))
	case "aws:ec2/securityGroup:SecurityGroup":
		if id == "" {
			id = "sg-" + h[:17]
		}
		set("arn", c.arn("ec2", "security-group/"+id, true))
		named("name")
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-" + h[:17]
		named("name")
		set("arn", c.arn("ec2", "launch-template/"+id, true))
		set("latestVersion", 1)
		set("defaultVersion", 1)
	case "aws:autoscaling/group:Group":
		n := named("name")
		id = n
		set("arn", c.arn("autoscaling", fmt.Sprintf("autoScalingGroup:%s:autoScalingGroupName/%s", uuidFrom(h), n), true))
	case "aws:eks/addon:Addon":
		cluster, addon := strOr(in, "clusterName", "cluster"), strOr(in, "addonName", r.Name)
		id = cluster + ":" + addon
		set("arn", c.arn("eks", fmt.Sprintf("addon/%s/%s/%s", cluster, addon, uuidFrom(h)), true))
	case "aws:eks/accessEntry:AccessEntry":
		cluster, principal := strOr(in, "clusterName", "cluster"), strOr(in, "principalArn", "principal")
		id = cluster + ":" + principal
		set("accessEntryArn", c.arn("eks", fmt.Sprintf("access-entry/%s/role/%s/%s", cluster, c.opts.Account, uuidFrom(h)), true))
	case "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
		id = strOr(in, "clusterName", "cluster") + "#" + strOr(in, "principalArn", "principal") + "#" + strOr(in, "policyArn", "policy")
	case "aws:eks/nodeGroup:NodeGroup":
		cluster := strOr(in, "clusterName", "cluster")
		n := named("nodeGroupName")
		id = cluster + ":" + n
		set("arn", c.arn("eks", fmt.Sprintf("nodegroup/%s/%s/%s", cluster, n, uuidFrom(h)), true))
		set("status", "ACTIVE")
		set("resources", []any{map[string]any{
			"autoscalingGroups": []any{map[string]any{"name": "eks-" + n + "-" + uuidFrom(hash("asg", r.URN))}},
		}})
	case "aws:autoscaling/tag:Tag", "aws:autoscaling/lifecycleHook:LifecycleHook":
		id = strOr(in, "autoscalingGroupName", "asg") + "," + h[:12]
	case "aws:sqs/queue:Queue":
		n := named("name")
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", c.opts.Region, c.opts.Account, n)
		set("arn", c.arn("sqs", n, true))
		set("url", id)
	case "aws:sqs/queuePolicy:QueuePolicy":
		id = strOr(in, "queueUrl", "queue")
	case "aws:cloudwatch/eventRule:EventRule":
		n := named("name")
		id = n
		set("arn", c.arn("events", "rule/"+n, true))
	case "aws:cloudwatch/eventTarget:EventTarget":
		id = strOr(in, "rule", "rule") + "-" + h[:12]
	case "aws:eks/cluster:Cluster":
		id = strOr(in, "name", r.Name)
	case "kubernetes:helm.sh/v3:Release":
		// Helm's release status, as the provider reports it after a
		// successful install of revision 1.
		name, ns := strOr(in, "name", autoname(r.Name, r.URN)), strOr(in, "namespace", "default")
		set("name", name)
		id = ns + "/" + name
		set("status", map[string]any{
			"name": name, "namespace": ns, "chart": strOr(in, "chart", ""),
			"version": strOr(in, "version", ""), "revision": 1, "status": "deployed",
		})
	}
	if id == "" {
		id = r.Name + "-" + h[:8]
	}
	return id, state
}

// construct answers a remote pulumi-eks component registration with the
// outputs its provider would report.
func (c *Cloud) construct(r *Resource) (resource.PropertyMap, error) {
	switch r.Type {
	case "eks:index:Cluster":
		return c.constructCluster(r)
	}
	return nil, fmt.Errorf("mockcloud: no fake for remote component %s", r.Type)
}

func (c *Cloud) constructCluster(r *Resource) (resource.PropertyMap, error) {
	in := r.Inputs
	if err := c.checkEKSChildren(r); err != nil {
		return nil, err
	}
	h := strings.ToUpper(hash("eks", r.URN)[:32])
	name := strOr(in, "name", autoname(r.Name, r.URN))
	endpoint := fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", h, c.opts.Region)
	ca := fakeCA(r.URN)
	vpcID := strOr(in, "vpcId", "vpc-"+hash("vpc", r.URN)[:17])
	clusterSG := "sg-" + hash("clusterSG", r.URN)[:17]
	nodeSG := "sg-" + hash("nodeSG", r.URN)[:17]
	primarySG := "sg-" + hash("primarySG", r.URN)[:17]

	eksState := resource.NewPropertyMapFromMap(map[string]any{
		"name":     name,
		"arn":      c.arn("eks", "cluster/"+name, true),
		"endpoint": endpoint,
		"version":  strOr(in, "version", "1.33"),
		"status":   "ACTIVE",
		"certificateAuthority": map[string]any{
			"data": ca,
		},
		"identities": []any{map[string]any{
			"oidcs": []any{map[string]any{"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", c.opts.Region, h)}},
		}},
		"kubernetesNetworkConfig": map[string]any{
			"serviceIpv4Cidr": strOr(in, "kubernetesServiceIpAddressRange", "10.100.0.0/16"),
			"ipFamily":        "ipv4",
		},
		"vpcConfig": map[string]any{
			"vpcId":                  vpcID,
			"clusterSecurityGroupId": primarySG,
			"securityGroupIds":       []any{clusterSG},
		},
	})
	tags := resource.PropertyMap{}
	for _, k := range []resource.PropertyKey{"tags", "clusterTags"} {
		if v, ok := in[k]; ok && v.IsObject() {
			for tk, tv := range v.ObjectValue() {
				tags[tk] = tv
			}
		}
	}
	eksState["tags"] = resource.NewObjectProperty(tags)
	c.mu.Lock()
	c.clusters[name] = eksState.Copy()
	// pulumi-eks v2.8.1 creates clusters with
	// accessConfig.bootstrapClusterCreatorAdminPermissions true: EKS gives
	// the caller's principal (the role behind an assumed-role session) an
	// access entry of its own, so the program may not create another.
	// A cluster deployed before the run keeps the entry of whoever created
	// it (set up in New).
	if _, existed := c.opts.ExistingClusters[name]; !existed {
		c.names[accessEntryKey(name, c.DeployerRoleARN())] = "EKS (the cluster creator's access entry)"
	}
	c.mu.Unlock()
	eksRef, err := c.materialize(r, "aws:eks/cluster:Cluster", r.Name+"-eksCluster", name, eksState)
	if err != nil {
		return nil, err
	}
	sg := func(id, logical string) (resource.PropertyValue, error) {
		return c.materialize(r, "aws:ec2/securityGroup:SecurityGroup", logical, id, resource.NewPropertyMapFromMap(map[string]any{
			"name":  logical + "-" + id[3:10],
			"vpcId": vpcID,
			"arn":   c.arn("ec2", "security-group/"+id, true),
		}))
	}
	clusterSGRef, err := sg(clusterSG, r.Name+"-eksClusterSecurityGroup")
	if err != nil {
		return nil, err
	}
	nodeSGRef, err := sg(nodeSG, r.Name+"-nodeSecurityGroup")
	if err != nil {
		return nil, err
	}
	kubeconfig := c.kubeconfigJSON(name, endpoint, ca)
	var kubeconfigObj map[string]any
	if err := json.Unmarshal([]byte(kubeconfig), &kubeconfigObj); err != nil {
		return nil, err
	}
	outs := resource.PropertyMap{
		"eksCluster":           eksRef,
		"clusterSecurityGroup": clusterSGRef,
		"nodeSecurityGroup":    nodeSGRef,
		"kubeconfigJson":       resource.NewProperty(kubeconfig),
		"kubeconfig":           resource.NewPropertyValue(kubeconfigObj),
		"instanceRoles":        resource.NewProperty([]resource.PropertyValue{}),
	}
	return outs, nil
}

// checkEKSChildren applies the provider's naming rules to the children the
// remote pulumi-eks v2.8.1 Cluster autonames from its own name, which the
// mocks never see registered: without a serviceRole input it creates the
// IAM role <name>-eksRole-role (@pulumi/eks cluster.js: new
// ServiceRole(`${name}-eksRole`), servicerole.js: new
// aws.iam.Role(`${name}-role`)), which must fit the 64 characters of an
// IAM role name. Its security groups (<name>-eksClusterSecurityGroup,
// <name>-nodeSecurityGroup) have 255.
func (c *Cloud) checkEKSChildren(r *Resource) error {
	if _, ok := r.Inputs["serviceRole"]; ok {
		return nil
	}
	child := &Resource{Type: "aws:iam/role:Role", Name: r.Name + "-eksRole-role", Custom: true,
		Inputs: resource.PropertyMap{"assumeRolePolicy": resource.NewProperty("{}")}}
	child.URN = c.urn(c.urn(r.URN, "eks:index:ServiceRole", r.Name+"-eksRole"), child.Type, child.Name)
	if _, _, err := c.physicalName(child); err != nil {
		return fmt.Errorf("pulumi-eks Cluster %s: its service role: %w", r.Name, err)
	}
	return nil
}

// fakeCA returns a base64 PEM bundle of a fake certificate: the shape of EKS
// certificateAuthority.data, not a parseable certificate.
func fakeCA(seed string) string {
	body := base64.StdEncoding.EncodeToString([]byte("eksfleet offline fake certificate " + hash("ca", seed)))
	pem := "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
	return base64.StdEncoding.EncodeToString([]byte(pem))
}

// kubeconfigJSON renders a kubeconfig like pulumi-eks's, authenticating
// with `aws eks get-token`.
func (c *Cloud) kubeconfigJSON(name, endpoint, ca string) string {
	type namedCluster struct {
		Name    string `json:"name"`
		Cluster struct {
			Server string `json:"server"`
			CA     string `json:"certificate-authority-data"`
		} `json:"cluster"`
	}
	type exec struct {
		APIVersion string   `json:"apiVersion"`
		Command    string   `json:"command"`
		Args       []string `json:"args"`
	}
	type namedUser struct {
		Name string `json:"name"`
		User struct {
			Exec exec `json:"exec"`
		} `json:"user"`
	}
	type namedContext struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	}
	var cl namedCluster
	cl.Name = "kubernetes"
	cl.Cluster.Server, cl.Cluster.CA = endpoint, ca
	var u namedUser
	u.Name = "aws"
	u.User.Exec = exec{APIVersion: "client.authentication.k8s.io/v1beta1", Command: "aws", Args: []string{"eks", "get-token", "--cluster-name", name, "--region", c.opts.Region}}
	var ctx namedContext
	ctx.Name = "aws"
	ctx.Context.Cluster, ctx.Context.User = "kubernetes", "aws"
	doc := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"clusters":        []namedCluster{cl},
		"users":           []namedUser{u},
		"contexts":        []namedContext{ctx},
		"current-context": "aws",
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// filtersCluster reports whether getAmiIds args filter on the
// kubernetes.io/cluster/<cluster> tag.
func filtersCluster(args resource.PropertyMap, cluster string) bool {
	f, ok := args["filters"]
	if !ok || !f.IsArray() {
		return false
	}
	for _, v := range f.ArrayValue() {
		if v.IsObject() && v.ObjectValue()["name"].IsString() && v.ObjectValue()["name"].StringValue() == "tag:kubernetes.io/cluster/"+cluster {
			return true
		}
	}
	return false
}

// invoke answers the data-source calls the program makes.
func invoke(c *Cloud, token string, args resource.PropertyMap) (resource.PropertyMap, error) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": c.opts.Account,
			"arn":       c.CallerARN(),
			"userId":    "AROAEKSFLEETOFFLINE:session",
			"id":        c.opts.Account,
		}), nil
	case "aws:iam/getSessionContext:getSessionContext":
		// The role behind an assumed-role session ARN; other ARNs as is.
		a := strOr(args, "arn", "")
		out := map[string]any{"arn": a, "id": a, "issuerArn": a}
		if a == c.CallerARN() {
			out["issuerArn"] = c.DeployerRoleARN()
			out["issuerName"] = DeployerRole
			out["sessionName"] = "session"
		}
		return resource.NewPropertyMapFromMap(out), nil
	case "aws:eks/getAddonVersion:getAddonVersion":
		return addonVersion(args)
	case "aws:eks/getCluster:getCluster":
		name := strOr(args, "name", "")
		c.mu.Lock()
		state, ok := c.clusters[name]
		c.mu.Unlock()
		if ok {
			out := state.Copy()
			out["id"] = resource.NewProperty(name)
			return out, nil
		}
		if ex, ok := c.opts.ExistingClusters[name]; ok {
			t := map[string]any{}
			for k, v := range ex.Tags {
				t[k] = v
			}
			return resource.NewPropertyMapFromMap(map[string]any{
				"id": name, "name": name, "arn": c.arn("eks", "cluster/"+name, true), "status": "ACTIVE", "tags": t, "version": ex.Version,
			}), nil
		}
		return nil, clusterNotFound(name)
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": partition(c.opts.Region), "dnsSuffix": "amazonaws.com", "id": partition(c.opts.Region),
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": c.opts.Region, "id": c.opts.Region, "description": c.opts.Region, "endpoint": "ec2." + c.opts.Region + ".amazonaws.com",
		}), nil
	case "aws:ec2/getSubnet:getSubnet":
		id := strOr(args, "id", "")
		if id == "" {
			return nil, fmt.Errorf("mockcloud: getSubnet needs an id")
		}
		zone, ok := c.opts.SubnetZones[id]
		if !ok {
			zone = c.opts.Region + string(rune('a'+int(hash("zone", id)[0])%3))
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": id, "availabilityZone": zone, "vpcId": c.opts.VpcID,
			// Made up, in the 100.64.0.0/10 shared range custom networking
			// pod subnets usually take; plan says so in its notes.
			"cidrBlock": fmt.Sprintf("100.%d.%d.0/24", 64+int(hash("cidr", id)[0])%64, int(hash("cidr", id)[1])),
			"arn":       c.arn("ec2", "subnet/"+id, true), "state": "available",
		}), nil
	case "aws:ssm/getParameter:getParameter":
		name := strOr(args, "name", "")
		value := SSMParameterValue(name, "ami-"+hash("ami", name)[:17])
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": name, "id": name, "type": "String", "version": 1,
			"value": value, "insecureValue": value,
			"arn": c.arn("ssm", "parameter"+name, true),
		}), nil
	case "aws:autoscaling/getGroup:getGroup":
		// An ASG the program did not register (e.g. the one EKS creates for
		// a managed node group): an ARN derived from its name, and the
		// scaling of an existing cluster's group.
		name := strOr(args, "name", "")
		if name == "" {
			return nil, fmt.Errorf("mockcloud: getGroup needs a name")
		}
		out := map[string]any{
			"id": name, "name": name, "status": "",
			"arn": c.arn("autoscaling", fmt.Sprintf("autoScalingGroup:%s:autoScalingGroupName/%s", uuidFrom(hash("asg", name)), name), true),
		}
		for _, ex := range c.opts.ExistingClusters {
			if s, ok := ex.AutoScalingGroups[name]; ok {
				out["minSize"], out["maxSize"], out["desiredCapacity"] = s.Min, s.Max, s.Desired
			}
		}
		return resource.NewPropertyMapFromMap(out), nil
	case "aws:autoscaling/getAmiIds:getAmiIds":
		// DescribeAutoScalingGroups with filters (the data source
		// aws_autoscaling_groups): the existing clusters' groups, by the
		// tag:kubernetes.io/cluster/<name> filter; the program's own new
		// groups do not exist before the run.
		var names []string
		for cluster, ex := range c.opts.ExistingClusters {
			if filtersCluster(args, cluster) {
				for n := range ex.AutoScalingGroups {
					names = append(names, n)
				}
			}
		}
		sort.Strings(names)
		return resource.NewPropertyMapFromMap(map[string]any{"id": c.opts.Region, "names": names, "arns": []string{}}), nil
	case "aws:eks/getNodeGroups:getNodeGroups":
		cluster := strOr(args, "clusterName", "")
		var names []string
		for n := range c.opts.ExistingClusters[cluster].NodeGroups {
			names = append(names, n)
		}
		sort.Strings(names)
		return resource.NewPropertyMapFromMap(map[string]any{"id": cluster, "clusterName": cluster, "names": names}), nil
	case "aws:eks/getNodeGroup:getNodeGroup":
		cluster, name := strOr(args, "clusterName", ""), strOr(args, "nodeGroupName", "")
		s, ok := c.opts.ExistingClusters[cluster].NodeGroups[name]
		if !ok {
			return nil, fmt.Errorf("reading EKS Node Group (%s:%s): couldn't find resource", cluster, name)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": cluster + ":" + name, "clusterName": cluster, "nodeGroupName": name, "status": "ACTIVE",
			"scalingConfigs": []any{map[string]any{"minSize": s.Min, "maxSize": s.Max, "desiredSize": s.Desired}},
		}), nil
	}
	return nil, fmt.Errorf("mockcloud: no fake for invoke %s", token)
}
