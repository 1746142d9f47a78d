package enginetest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FakeAccountID is the AWS account the fake aws provider pretends to be.
const FakeAccountID = "123456789012"

// DefaultRegion is used when neither the provider configuration nor the
// environment sets a region.
const DefaultRegion = "us-west-2"

// FakeAWS is the fake "aws" provider plus a local HTTPS server that stands in
// for the EKS API server: every fake aws:eks/cluster:Cluster gets its URL as
// endpoint and its certificate as certificateAuthority, so the pulumi-eks
// readiness probe (GET <endpoint>/healthz when endpointPublicAccess is true)
// stays on the loopback interface.
type FakeAWS struct {
	*FakeProvider
	// APIServer is the fake cluster endpoint. It answers /healthz, /readyz
	// and /livez with 200 and everything else with 404.
	APIServer *httptest.Server

	mu       sync.Mutex
	requests []string
	subnets  subnetVPCs
}

// APIRequests returns "METHOD /path" for each request the fake API server
// received.
func (a *FakeAWS) APIRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.requests...)
}

// AWSVersion is the version the fake aws provider reports; it matches
// github.com/pulumi/pulumi-aws/sdk/v6 in go.mod.
const AWSVersion = "6.83.2"

// StartFakeAWS starts the fake aws provider and its fake API server; both
// stop when the test ends. The provider models the resource types and
// functions that the pulumi-eks Cluster component and a small VPC use (see
// [ModelAWS]); add more with Model/ModelInvoke.
func StartFakeAWS(t testing.TB) *FakeAWS {
	t.Helper()
	a := &FakeAWS{FakeProvider: NewFakeProvider("aws", AWSVersion)}
	a.APIServer = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.Method+" "+r.URL.Path)
		a.mu.Unlock()
		switch r.URL.Path {
		case "/healthz", "/readyz", "/livez":
			_, _ = w.Write([]byte("ok"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.APIServer.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.APIServer.Certificate().Raw})
	ModelAWS(a.FakeProvider, a.APIServer.URL, base64.StdEncoding.EncodeToString(ca))
	a.modelSubnetVPCs()
	a.Start(t)
	return a
}

// region returns the region of a provider configuration.
func region(config resource.PropertyMap) string {
	if r := getString(config, "region", ""); r != "" {
		return r
	}
	for _, env := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if r := os.Getenv(env); r != "" {
			return r
		}
	}
	return DefaultRegion
}

func arn(r *Resource, service, suffix string) string {
	reg := region(r.Config)
	if service == "iam" {
		reg = ""
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, reg, FakeAccountID, suffix)
}

func withTagsAll(r *Resource, out resource.PropertyMap) resource.PropertyMap {
	if tags, ok := r.Inputs["tags"]; ok {
		out["tagsAll"] = tags
	} else {
		out["tagsAll"] = resource.NewObjectProperty(resource.PropertyMap{})
	}
	return out
}

// ModelAWS models on p the aws resource types and functions used by the
// pulumi-eks components and by small VPC programs. Every resource type
// takes its rules from the generated internal/awsfacts table (from
// ../shared/upstream/aws-resource-facts/facts.json: pulumi-aws v6.83.2 and
// the Terraform AWS provider under it): autonaming and its length limit,
// name validators, required and conflicting inputs, and the inputs whose
// change replaces. On top, the API behaviours in aws_rules.go: names AWS
// keys resources by are refused twice, and EKS gives a cluster's creator an
// access entry. endpoint and caData are what fake EKS clusters report.
func ModelAWS(p *FakeProvider, endpoint, caData string) {
	p.ValidateConfig(func(news resource.PropertyMap) []*pulumirpc.CheckFailure {
		// The real provider fails without a region (config or environment).
		if getString(news, "region", "") == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			return []*pulumirpc.CheckFailure{{Property: "region", Reason: "Missing required configuration key aws:region (set it on the stack or in AWS_REGION)"}}
		}
		return nil
	})

	creators := &creatorEntries{}

	// IAM.
	p.Model("aws:iam/role:Role", ResourceSpec{
		Facts:  facts("aws:iam/role:Role"),
		Unique: uniqueRole,
		ID:     func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Outputs: func(r *Resource) resource.PropertyMap {
			path := getString(r.Inputs, "path", "/")
			return withTagsAll(r, resource.PropertyMap{
				"arn":                str(arn(r, "iam", "role"+path+r.ID)),
				"uniqueId":           str("AROA" + strings.ToUpper(r.Hex(17))),
				"createDate":         str("2024-01-01T00:00:00Z"),
				"path":               str(path),
				"maxSessionDuration": resource.NewNumberProperty(3600),
			})
		},
	})
	p.Model("aws:iam/rolePolicyAttachment:RolePolicyAttachment", ResourceSpec{
		Facts: facts("aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "role", "") + "-" + r.Hex(20)
		},
	})
	p.Model("aws:iam/rolePolicy:RolePolicy", ResourceSpec{
		Facts: facts("aws:iam/rolePolicy:RolePolicy"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "role", "") + ":" + getString(r.Inputs, "name", "")
		},
	})
	p.Model("aws:iam/instanceProfile:InstanceProfile", ResourceSpec{
		Facts:  facts("aws:iam/instanceProfile:InstanceProfile"),
		Unique: uniqueInstanceProfile,
		ID:     func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":      str(arn(r, "iam", "instance-profile"+getString(r.Inputs, "path", "/")+r.ID)),
				"uniqueId": str("AIPA" + strings.ToUpper(r.Hex(17))),
			})
		},
	})
	p.Model("aws:iam/openIdConnectProvider:OpenIdConnectProvider", ResourceSpec{
		Facts: facts("aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
		ID: func(r *Resource) string {
			return arn(r, "iam", "oidc-provider/"+strings.TrimPrefix(getString(r.Inputs, "url", ""), "https://"))
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{"arn": str(r.ID)})
		},
	})

	// EC2 networking.
	p.Model("aws:ec2/vpc:Vpc", ResourceSpec{
		Facts:    facts("aws:ec2/vpc:Vpc"),
		IDPrefix: "vpc-",
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":                    str(arn(r, "ec2", "vpc/"+r.ID)),
				"cidrBlock":              str(getString(r.Inputs, "cidrBlock", "10.0.0.0/16")),
				"defaultSecurityGroupId": str("sg-" + r.Hex(17)),
				"defaultRouteTableId":    str("rtb-" + r.Hex(17)),
				"mainRouteTableId":       str("rtb-" + r.Hex(17)),
				"defaultNetworkAclId":    str("acl-" + r.Hex(17)),
				"ownerId":                str(FakeAccountID),
				"instanceTenancy":        str(getString(r.Inputs, "instanceTenancy", "default")),
			})
		},
	})
	p.Model("aws:ec2/subnet:Subnet", ResourceSpec{
		Facts:    facts("aws:ec2/subnet:Subnet"),
		IDPrefix: "subnet-",
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":              str(arn(r, "ec2", "subnet/"+r.ID)),
				"availabilityZone": str(getString(r.Inputs, "availabilityZone", region(r.Config)+"a")),
				"ownerId":          str(FakeAccountID),
			})
		},
	})
	p.Model("aws:ec2/securityGroup:SecurityGroup", ResourceSpec{
		Facts:    facts("aws:ec2/securityGroup:SecurityGroup"),
		IDPrefix: "sg-",
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":         str(arn(r, "ec2", "security-group/"+r.ID)),
				"ownerId":     str(FakeAccountID),
				"description": str(getString(r.Inputs, "description", "Managed by Pulumi")),
				"vpcId":       str(getString(r.Inputs, "vpcId", "vpc-default0000000")),
			})
		},
	})
	p.Model("aws:ec2/securityGroupRule:SecurityGroupRule", ResourceSpec{
		Facts: facts("aws:ec2/securityGroupRule:SecurityGroupRule"),
		ID:    func(r *Resource) string { return "sgrule-" + fmt.Sprint(hexToDigits(r.Hex(10))) },
		Outputs: func(r *Resource) resource.PropertyMap {
			return resource.PropertyMap{"securityGroupRuleId": str("sgr-" + r.Hex(17))}
		},
	})
	p.Model("aws:ec2/launchTemplate:LaunchTemplate", ResourceSpec{
		Facts:    facts("aws:ec2/launchTemplate:LaunchTemplate"),
		Unique:   uniqueLaunchTemplate,
		IDPrefix: "lt-",
		// A change to the template's content makes a new version, which
		// what launches from latestVersion (our Auto Scaling groups and
		// node groups) picks up as a change of its own.
		Recomputed: func(r *Resource) []resource.PropertyKey {
			if launchTemplatePlanChanged(r.Olds, r.Inputs) {
				return []resource.PropertyKey{"latestVersion"}
			}
			return nil
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			version := 1.0
			if v := r.Olds["latestVersion"]; v.IsNumber() {
				version = v.NumberValue()
				if launchTemplateVersioned(r.Olds, r.Inputs) {
					version++
				}
			}
			return withTagsAll(r, resource.PropertyMap{
				"arn":            str(arn(r, "ec2", "launch-template/"+r.ID)),
				"latestVersion":  resource.NewNumberProperty(version),
				"defaultVersion": resource.NewNumberProperty(1),
			})
		},
	})
	p.Model("aws:autoscaling/group:Group", ResourceSpec{
		Facts:  facts("aws:autoscaling/group:Group"),
		Unique: uniqueASG,
		ID:     func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Outputs: func(r *Resource) resource.PropertyMap {
			return resource.PropertyMap{"arn": str(arn(r, "autoscaling", "autoScalingGroup:"+r.Hex(8)+":autoScalingGroupName/"+r.ID))}
		},
	})

	// EKS.
	p.Model("aws:eks/cluster:Cluster", ResourceSpec{
		Facts:        facts("aws:eks/cluster:Cluster"),
		Precondition: clusterSecretsKeyKept,
		Unique:       uniqueCluster,
		Created:      creators.created,
		Deleted:      creators.deleted,
		ID:           func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Outputs: func(r *Resource) resource.PropertyMap {
			vpc := resource.PropertyMap{}
			if v, ok := r.Inputs["vpcConfig"]; ok && v.IsObject() {
				vpc = v.ObjectValue().Copy()
			}
			vpc["clusterSecurityGroupId"] = str("sg-" + r.Hex(17))
			if !vpc.HasValue("vpcId") {
				vpc["vpcId"] = str("vpc-" + hexOf(17, []byte(strings.Join(getStrings(r.Inputs, "vpcConfig.subnetIds"), ","))))
			}
			for _, k := range []resource.PropertyKey{"endpointPrivateAccess", "endpointPublicAccess"} {
				if !vpc.HasValue(k) {
					vpc[k] = resource.NewBoolProperty(k == "endpointPublicAccess")
				}
			}
			access := resource.PropertyMap{
				"authenticationMode":                      str("CONFIG_MAP"),
				"bootstrapClusterCreatorAdminPermissions": resource.NewBoolProperty(true),
			}
			if v, ok := r.Inputs["accessConfig"]; ok && v.IsObject() {
				for k, e := range v.ObjectValue() {
					access[k] = e
				}
			}
			issuer := fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region(r.Config), strings.ToUpper(r.Hex(32)))
			return withTagsAll(r, resource.PropertyMap{
				"arn":      str(arn(r, "eks", "cluster/"+r.ID)),
				"endpoint": str(endpoint),
				"certificateAuthority": resource.NewObjectProperty(resource.PropertyMap{
					"data": str(caData),
				}),
				"version":         str(getString(r.Inputs, "version", "1.31")),
				"platformVersion": str("eks.1"),
				"status":          str("ACTIVE"),
				"createdAt":       str("2024-01-01T00:00:00Z"),
				"clusterId":       str(r.Hex(8) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(12)),
				"vpcConfig":       resource.NewObjectProperty(vpc),
				"accessConfig":    resource.NewObjectProperty(access),
				"identities": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
					"oidcs": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
						"issuer": str(issuer),
					})}),
				})}),
				"kubernetesNetworkConfig": resource.NewObjectProperty(resource.PropertyMap{
					"ipFamily":        str("ipv4"),
					"serviceIpv4Cidr": str("172.20.0.0/16"),
				}),
			})
		},
	})
	p.Model("aws:eks/accessEntry:AccessEntry", ResourceSpec{
		Facts:  facts("aws:eks/accessEntry:AccessEntry"),
		Unique: creators.uniqueAccessEntry,
		ID: func(r *Resource) string {
			return getString(r.Inputs, "clusterName", "") + ":" + getString(r.Inputs, "principalArn", "")
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"accessEntryArn": str(arn(r, "eks", "access-entry/"+getString(r.Inputs, "clusterName", "")+"/"+r.Hex(16))),
				"type":           str(getString(r.Inputs, "type", "STANDARD")),
				"userName":       str(getString(r.Inputs, "userName", getString(r.Inputs, "principalArn", ""))),
				"createdAt":      str("2024-01-01T00:00:00Z"),
			})
		},
	})
	p.Model("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", ResourceSpec{
		Facts: facts("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "clusterName", "") + "#" + getString(r.Inputs, "principalArn", "") + "#" + getString(r.Inputs, "policyArn", "")
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return resource.PropertyMap{"associatedAt": str("2024-01-01T00:00:00Z")}
		},
	})
	p.Model("aws:eks/nodeGroup:NodeGroup", ResourceSpec{
		Facts:        facts("aws:eks/nodeGroup:NodeGroup"),
		Precondition: nodeGroupScalingInBounds,
		Unique:       uniqueNodeGroup,
		ID: func(r *Resource) string {
			return getString(r.Inputs, "clusterName", "") + ":" + getString(r.Inputs, "nodeGroupName", "")
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":    str(arn(r, "eks", "nodegroup/"+strings.ReplaceAll(r.ID, ":", "/")+"/"+r.Hex(8))),
				"status": str("ACTIVE"),
				"resources": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
					"autoscalingGroups": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
						"name": str("eks-" + getString(r.Inputs, "nodeGroupName", "") + "-" + r.Hex(8)),
					})}),
				})}),
			})
		},
	})
	p.Model("aws:eks/addon:Addon", ResourceSpec{
		Facts: facts("aws:eks/addon:Addon"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "clusterName", "") + ":" + getString(r.Inputs, "addonName", "")
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":          str(arn(r, "eks", "addon/"+strings.ReplaceAll(r.ID, ":", "/")+"/"+r.Hex(8))),
				"addonVersion": str(getString(r.Inputs, "addonVersion", "v1.0.0-eksbuild.1")),
			})
		},
	})

	// Functions.
	p.ModelInvoke("aws:index/getCallerIdentity:getCallerIdentity", InvokeSpec{
		Fn: func(_, _ resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.PropertyMap{
				"accountId": str(FakeAccountID),
				"arn":       str(CallerARN),
				"userId":    str("AROAENGINETEST:session"),
				"id":        str(FakeAccountID),
			}, nil
		},
	})
	// aws_iam_session_context: the role behind an assumed-role session ARN
	// (issuerArn); any other ARN is returned as is.
	p.ModelInvoke("aws:iam/getSessionContext:getSessionContext", InvokeSpec{
		Required: []string{"arn"},
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			a := getString(args, "arn", "")
			out := resource.PropertyMap{"arn": str(a), "id": str(a), "issuerArn": str(a)}
			if a == CallerARN {
				out["issuerArn"] = str(DeployerRoleARN)
				out["issuerId"] = str("AROAENGINETEST")
				out["issuerName"] = str("eksfleet-deployer")
				out["sessionName"] = str("session")
			}
			return out, nil
		},
	})
	// aws_eks_addon_version data source: EKS's default version for a minor
	// (the same stand-ins the offline fake answers with).
	p.ModelInvoke("aws:eks/getAddonVersion:getAddonVersion", InvokeSpec{
		Required: []string{"addonName", "kubernetesVersion"},
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			addon, minor := getString(args, "addonName", ""), getString(args, "kubernetesVersion", "")
			version, ok := mockcloud.AddonDefault(addon, minor)
			if !ok {
				return nil, fmt.Errorf("reading EKS Add-On version info (%s, %s): couldn't find resource", addon, minor)
			}
			return resource.PropertyMap{"id": str(addon), "addonName": str(addon), "kubernetesVersion": str(minor), "version": str(version)}, nil
		},
	})
	// aws_eks_cluster data source: the live cluster (with its tags), or the
	// provider's not-found error.
	p.ModelInvoke("aws:eks/getCluster:getCluster", InvokeSpec{
		Required: []string{"name"},
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			name := getString(args, "name", "")
			state, ok := p.Find("aws:eks/cluster:Cluster", name)
			if !ok {
				return nil, EKSClusterNotFound(name)
			}
			state["id"], state["name"] = str(name), str(name)
			if !state.HasValue("tags") {
				state["tags"] = resource.NewObjectProperty(resource.PropertyMap{})
			}
			return state, nil
		},
	})
	p.ModelInvoke("aws:index/getPartition:getPartition", InvokeSpec{
		Fn: func(_, _ resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.PropertyMap{
				"partition":        str("aws"),
				"dnsSuffix":        str("amazonaws.com"),
				"reverseDnsPrefix": str("com.amazonaws"),
				"id":               str("aws"),
			}, nil
		},
	})
	p.ModelInvoke("aws:index/getRegion:getRegion", InvokeSpec{
		Fn: func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
			name := getString(args, "name", region(config))
			return resource.PropertyMap{
				"name":        str(name),
				"description": str("enginetest region " + name),
				"endpoint":    str("ec2." + name + ".amazonaws.com"),
				"id":          str(name),
			}, nil
		},
	})
	p.ModelInvoke("aws:index/getAvailabilityZones:getAvailabilityZones", InvokeSpec{
		Fn: func(_, config resource.PropertyMap) (resource.PropertyMap, error) {
			r := region(config)
			return resource.PropertyMap{
				"names":   strs(r+"a", r+"b", r+"c"),
				"zoneIds": strs("usw2-az1", "usw2-az2", "usw2-az3"),
				"id":      str(r),
			}, nil
		},
	})
	p.ModelInvoke("aws:ec2/getVpc:getVpc", InvokeSpec{
		Fn: func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
			id := getString(args, "id", "vpc-default0000000")
			return resource.PropertyMap{
				"id":        str(id),
				"arn":       str(fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", region(config), FakeAccountID, id)),
				"cidrBlock": str("172.31.0.0/16"),
				"default":   resource.NewBoolProperty(id == "vpc-default0000000"),
				"ownerId":   str(FakeAccountID),
			}, nil
		},
	})
	p.ModelInvoke("aws:ec2/getSubnets:getSubnets", InvokeSpec{
		Fn: func(_, config resource.PropertyMap) (resource.PropertyMap, error) {
			return resource.PropertyMap{
				"ids": strs("subnet-default000000a", "subnet-default000000b", "subnet-default000000c"),
				"id":  str(region(config)),
			}, nil
		},
	})
	p.ModelInvoke("aws:ec2/getSubnet:getSubnet", InvokeSpec{
		Fn: func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
			id := getString(args, "id", "subnet-default000000a")
			return resource.PropertyMap{
				"id":                  str(id),
				"vpcId":               str("vpc-default0000000"),
				"availabilityZone":    str(region(config) + "a"),
				"cidrBlock":           str("172.31.0.0/20"),
				"mapPublicIpOnLaunch": resource.NewBoolProperty(true),
			}, nil
		},
	})
	// pulumi-eks node groups classify subnets as public when their route
	// table has a non-private route to an internet gateway. The fake says
	// every subnet is public.
	p.ModelInvoke("aws:ec2/getRouteTable:getRouteTable", InvokeSpec{
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			key := getString(args, "subnetId", getString(args, "routeTableId", "main"))
			id := getString(args, "routeTableId", "rtb-"+hexOf(17, []byte(key)))
			return resource.PropertyMap{
				"id":           str(id),
				"routeTableId": str(id),
				"vpcId":        str(getString(args, "vpcId", "vpc-default0000000")),
				"routes": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
					"cidrBlock": str("0.0.0.0/0"),
					"gatewayId": str("igw-" + hexOf(17, []byte(key))),
				})}),
			}, nil
		},
	})
	p.ModelInvoke("aws:ec2/getRouteTables:getRouteTables", InvokeSpec{
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			vpc := getString(args, "vpcId", "vpc-default0000000")
			return resource.PropertyMap{"ids": strs("rtb-" + hexOf(17, []byte(vpc))), "id": str(vpc)}, nil
		},
	})
	// SDK v6 reads the plain value of a String parameter from
	// insecureValue (value is a secret).
	p.ModelInvoke("aws:ssm/getParameter:getParameter", InvokeSpec{
		Required: []string{"name"},
		Fn: func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
			name := getString(args, "name", "")
			value := mockcloud.SSMParameterValue(name, "ami-"+hexOf(17, []byte(name)))
			return resource.PropertyMap{
				"name":          str(name),
				"type":          str("String"),
				"value":         str(value),
				"insecureValue": str(value),
				"version":       resource.NewNumberProperty(1),
				"arn":           str(fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", region(config), FakeAccountID, name)),
				"id":            str(name),
			}, nil
		},
	})
	p.ModelInvoke("aws:iam/getPolicyDocument:getPolicyDocument", InvokeSpec{
		Fn: func(args, _ resource.PropertyMap) (resource.PropertyMap, error) {
			doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": args["statements"].Mappable()})
			if err != nil {
				return nil, err
			}
			return resource.PropertyMap{"json": str(string(doc)), "id": str(hexOf(10, doc))}, nil
		},
	})

	modelFleetAWS(p)
	modelGroupSizes(p)
}

// hexToDigits turns hex digits into decimal digits (for numeric-looking IDs).
func hexToDigits(h string) string {
	var b strings.Builder
	for _, c := range h {
		b.WriteByte('0' + byte(c)%10)
	}
	return b.String()
}
