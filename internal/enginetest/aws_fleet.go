package enginetest

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// modelFleetAWS models the aws types and functions the eksfleet program's
// own components use beside the pulumi-eks cluster: Secrets encryption keys,
// IAM policies, Auto Scaling tags and lifecycle hooks, and the SQS queue
// and EventBridge rules that feed the node termination handler. Their
// rules come from internal/awsfacts, as in ModelAWS.
func modelFleetAWS(p *FakeProvider) {
	p.Model("aws:kms/key:Key", ResourceSpec{
		Facts: facts("aws:kms/key:Key"),
		ID: func(r *Resource) string {
			return r.Hex(8) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(12)
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":                   str(arn(r, "kms", "key/"+r.ID)),
				"keyId":                 str(r.ID),
				"keyUsage":              str(getString(r.Inputs, "keyUsage", "ENCRYPT_DECRYPT")),
				"customerMasterKeySpec": str(getString(r.Inputs, "customerMasterKeySpec", "SYMMETRIC_DEFAULT")),
				"isEnabled":             resource.NewBoolProperty(true),
				"policy":                str(getString(r.Inputs, "policy", `{"Version":"2012-10-17","Statement":[]}`)),
			})
		},
	})
	p.Model("aws:kms/alias:Alias", ResourceSpec{
		Facts: facts("aws:kms/alias:Alias"),
		ID:    func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Outputs: func(r *Resource) resource.PropertyMap {
			return resource.PropertyMap{
				"arn":          str(arn(r, "kms", r.ID)),
				"targetKeyArn": str(arn(r, "kms", "key/"+getString(r.Inputs, "targetKeyId", ""))),
			}
		},
	})
	p.Model("aws:iam/policy:Policy", ResourceSpec{
		Facts: facts("aws:iam/policy:Policy"),
		ID: func(r *Resource) string {
			return arn(r, "iam", "policy"+getString(r.Inputs, "path", "/")+getString(r.Inputs, "name", ""))
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn":             str(r.ID),
				"policyId":        str("ANPA" + strings.ToUpper(r.Hex(17))),
				"attachmentCount": resource.NewNumberProperty(0),
			})
		},
	})

	// Auto Scaling. The ASG a managed node group runs on is created by EKS,
	// not by the program, so it exists exactly while its node group does.
	p.Model("aws:autoscaling/tag:Tag", ResourceSpec{
		Facts: facts("aws:autoscaling/tag:Tag"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "autoscalingGroupName", "") + "," + getString(r.Inputs, "tag.key", "")
		},
		Precondition: func(r *Resource) error {
			return asgExists(p, getString(r.Inputs, "autoscalingGroupName", ""))
		},
	})
	p.Model("aws:autoscaling/lifecycleHook:LifecycleHook", ResourceSpec{
		Facts: facts("aws:autoscaling/lifecycleHook:LifecycleHook"),
		// Terraform sets the ID to the hook name, but hook names are
		// unique per group only (PutLifecycleHook takes both): the fake
		// keys its store by group too, so two groups' drain hooks coexist.
		ID: func(r *Resource) string {
			return getString(r.Inputs, "autoscalingGroupName", "") + "/" + getString(r.Inputs, "name", "")
		},
		Precondition: func(r *Resource) error {
			return asgExists(p, getString(r.Inputs, "autoscalingGroupName", ""))
		},
	})
	p.ModelInvoke("aws:autoscaling/getGroup:getGroup", InvokeSpec{
		Required: []string{"name"},
		Fn: func(args, config resource.PropertyMap) (resource.PropertyMap, error) {
			name := getString(args, "name", "")
			if err := asgExists(p, name); err != nil {
				return nil, err
			}
			out := resource.PropertyMap{"id": str(name), "name": str(name), "status": str("")}
			if g, ok := p.Find("aws:autoscaling/group:Group", name); ok {
				for _, k := range []resource.PropertyKey{"arn", "maxSize", "minSize", "desiredCapacity", "vpcZoneIdentifiers"} {
					if v, ok := g[k]; ok {
						out[k] = v
					}
				}
				return out, nil
			}
			out["arn"] = str(fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%s:autoScalingGroupName/%s",
				region(config), FakeAccountID, hexOf(8, []byte(name)), name))
			return out, nil
		},
	})

	// Termination handler plumbing: an SQS queue fed by EventBridge rules.
	p.Model("aws:sqs/queue:Queue", ResourceSpec{
		Facts:  facts("aws:sqs/queue:Queue"),
		Unique: uniqueQueue,
		ID: func(r *Resource) string {
			return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region(r.Config), FakeAccountID, getString(r.Inputs, "name", ""))
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{
				"arn": str(arn(r, "sqs", getString(r.Inputs, "name", ""))),
				"url": str(r.ID),
			})
		},
	})
	p.Model("aws:sqs/queuePolicy:QueuePolicy", ResourceSpec{
		Facts: facts("aws:sqs/queuePolicy:QueuePolicy"),
		ID:    func(r *Resource) string { return getString(r.Inputs, "queueUrl", "") },
		Precondition: func(r *Resource) error {
			url := getString(r.Inputs, "queueUrl", "")
			if _, ok := p.Find("aws:sqs/queue:Queue", url); !ok {
				return fmt.Errorf("AWS.SimpleQueueService.NonExistentQueue: %s", url)
			}
			return nil
		},
	})
	p.Model("aws:cloudwatch/eventRule:EventRule", ResourceSpec{
		Facts: facts("aws:cloudwatch/eventRule:EventRule"),
		// eventPattern or scheduleExpression: the table's atLeastOneOf.
		ID:     func(r *Resource) string { return getString(r.Inputs, "name", "") },
		Unique: uniqueEventRule,
		Outputs: func(r *Resource) resource.PropertyMap {
			return withTagsAll(r, resource.PropertyMap{"arn": str(arn(r, "events", "rule/"+r.ID))})
		},
	})
	p.Model("aws:cloudwatch/eventTarget:EventTarget", ResourceSpec{
		Facts: facts("aws:cloudwatch/eventTarget:EventTarget"),
		ID: func(r *Resource) string {
			return getString(r.Inputs, "rule", "") + "-" + getString(r.Inputs, "targetId", "")
		},
		Precondition: func(r *Resource) error {
			rule := getString(r.Inputs, "rule", "")
			if _, ok := p.Find("aws:cloudwatch/eventRule:EventRule", rule); !ok {
				return fmt.Errorf("ResourceNotFoundException: Rule %s does not exist", rule)
			}
			return nil
		},
	})
}

// asgExists reports whether an Auto Scaling group is live: one the program
// created, or the one EKS created for a live managed node group.
func asgExists(p *FakeProvider, name string) error {
	if _, ok := p.Find("aws:autoscaling/group:Group", name); ok {
		return nil
	}
	for _, ng := range p.Live("aws:eks/nodeGroup:NodeGroup") {
		if getString(ng, "resources[0].autoscalingGroups[0].name", "") == name {
			return nil
		}
	}
	return fmt.Errorf("ValidationError: AutoScalingGroup name not found - AutoScalingGroup '%s' not found", name)
}
