package helmcheck

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func TestFindings(t *testing.T) {
	clean := resource.NewPropertyValue(map[string]any{
		"awsRegion":            "eu-west-1",
		"awsAccessKeyID":       "",
		"awsSecretAccessKey":   "",
		"queueURL":             "https://sqs.eu-west-1.amazonaws.com/111122223333/q",
		"webhookURLSecretName": "hooks",
		"rbac": map[string]any{"serviceAccount": map[string]any{
			"annotations":                  map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/x"},
			"automountServiceAccountToken": "true",
		}},
		"extraArgs": map[string]any{"expander": "priority"},
	})
	if f := Findings(clean); len(f) != 0 {
		t.Errorf("clean values reported: %v", f)
	}

	for name, tc := range map[string]struct {
		values resource.PropertyValue
		want   string
	}{
		"secret marked":       {resource.NewPropertyValue(map[string]any{"a": resource.MakeSecret(resource.NewProperty("x"))}), "values.a: is a secret"},
		"aws secret key":      {resource.NewPropertyValue(map[string]any{"awsSecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}), "values.awsSecretAccessKey: credential-named key"},
		"access key id value": {resource.NewPropertyValue(map[string]any{"extraEnv": map[string]any{"X": "AKIAIOSFODNN7EXAMPLE"}}), "values.extraEnv.X: looks like a AWS access key ID"},
		"webhook url":         {resource.NewPropertyValue(map[string]any{"webhookURL": "https://hooks.slack.com/services/T000/B000/XXXX"}), "Slack webhook"},
		"password url":        {resource.NewPropertyValue(map[string]any{"proxy": "http://user:pw@proxy:3128"}), "URL with password"},
		"in list":             {resource.NewPropertyValue(map[string]any{"env": []any{map[string]any{"token": "abc"}}}), "values.env[0].token"},
		"unknown":             {resource.NewPropertyValue(map[string]any{"a": resource.MakeComputed(resource.NewProperty(""))}), "cannot verify"},
	} {
		t.Run(name, func(t *testing.T) {
			f := Findings(tc.values)
			if len(f) == 0 || !strings.Contains(strings.Join(f, "\n"), tc.want) {
				t.Errorf("Findings = %v, want one containing %q", f, tc.want)
			}
		})
	}
}
