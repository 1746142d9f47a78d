package guardrails

import (
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func init() {
	define(ruleDef{
		name: "required-tags",
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"requiredTags": {"type": "array", "items": map[string]any{"type": "string"},
				"description": "Tag keys every taggable AWS resource must carry."},
		}},
		resource: checkRequiredTags,
	})
}

// taggableTypes are AWS resources that take tags even when a program
// leaves them out; any other aws: resource counts as taggable when it sets
// a tags property.
var taggableTypes = map[string]bool{
	launchTemplateType: true, asgType: true, nodeGroupType: true, eksClusterType: true, instanceType: true,
	"aws:eks/addon:Addon": true, "aws:eks/accessEntry:AccessEntry": true, "aws:eks/podIdentityAssociation:PodIdentityAssociation": true,
	"aws:iam/role:Role": true, "aws:iam/policy:Policy": true, "aws:iam/instanceProfile:InstanceProfile": true,
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": true, "aws:kms/key:Key": true,
	"aws:sqs/queue:Queue": true, "aws:cloudwatch/eventRule:EventRule": true, "aws:cloudwatch/logGroup:LogGroup": true,
	"aws:ec2/securityGroup:SecurityGroup": true, "aws:ec2/vpc:Vpc": true, "aws:ec2/subnet:Subnet": true,
}

func checkRequiredTags(c *checker, r *policyx.AnalyzerResource) {
	if len(c.opt.requiredTags) == 0 || !strings.HasPrefix(r.Type, "aws:") {
		return
	}
	p := props(r.Properties)
	_, has := r.Properties.GetOk("tags")
	if !taggableTypes[r.Type] && !has {
		return
	}
	var tags map[string]string
	var st state
	if r.Type == asgType {
		tags, st = tagList(p, "tags")
	} else {
		tags, st = strMap(p, "tags")
	}
	if st == unknown {
		c.unknownValue(r.URN, describe(r)+" tags")
		return
	}
	defaults := providerDefaultTags(r)
	var missing []string
	for _, k := range c.opt.requiredTags {
		_, own := tags[k]
		_, dflt := defaults[k]
		if !own && !dflt {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		c.fail(r.URN, "%s lacks required tag%s %s; tag it (eksfleet: the tags config key) or drop the key from requiredTags", describe(r), plural(len(missing)), quoteAll(missing))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// providerDefaultTags returns the tags the resource's AWS provider adds to
// everything it manages (defaultTags.tags), which the provider's inputs
// hold as an object or, as provider config often is, as JSON text.
func providerDefaultTags(r *policyx.AnalyzerResource) map[string]string {
	p := props(r.Provider.Properties)
	if tags, st := strMap(p, "defaultTags", "tags"); st == known {
		return tags
	}
	text, st := str(p, "defaultTags")
	if st != known {
		return nil
	}
	var dt struct {
		Tags map[string]string `json:"tags"`
	}
	if json.Unmarshal([]byte(text), &dt) != nil {
		return nil
	}
	return dt.Tags
}
