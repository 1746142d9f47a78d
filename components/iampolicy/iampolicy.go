// Package iampolicy is the IAM policy grammar as typed Go values, plus the
// IRSA trust policy every in-cluster controller role of eksfleet uses.
//
// Policies are built as structs and marshalled, never assembled as strings,
// so tests (and policy checks) can decode a recorded document back into the
// same types and assert actions, resources, conditions and principals.
//
// Everything here is pure: no Pulumi types, no I/O.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Version is the only current IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document (identity, resource or trust policy).
type Document struct {
	Version   string      `json:"Version"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    Values     `json:"Action"`
	Resource  Values     `json:"Resource,omitempty"`
	// Condition maps an operator (StringEquals, ArnEquals, Null, ...) to
	// condition keys and their accepted values.
	Condition map[string]map[string]Values `json:"Condition,omitempty"`
}

// Principal names who a resource or trust policy applies to.
type Principal struct {
	AWS       Values `json:"AWS,omitempty"`
	Service   Values `json:"Service,omitempty"`
	Federated Values `json:"Federated,omitempty"`
}

// Values is a list that IAM also accepts as a bare string. It marshals one
// element as a string (the form AWS returns and people read) and decodes
// either form.
type Values []string

// MarshalJSON writes a single value as a string, several as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON accepts a string or an array of strings.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("iam policy value must be a string or a list of strings: %w", err)
	}
	*v = many
	return nil
}

// JSON renders the document. Map keys (condition operators and keys) come
// out sorted, so the same document always renders the same text and the
// stack shows no diff between runs.
func (d Document) JSON() (string, error) {
	if d.Version == "" {
		d.Version = Version
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Parse decodes a policy document, rejecting fields the grammar above does
// not know (a typo such as "Actions" would otherwise be dropped silently).
func Parse(text string) (Document, error) {
	var d Document
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("parsing IAM policy document: %w", err)
	}
	return d, nil
}

// Actions returns every action the document allows, sorted and de-duplicated.
func (d Document) Actions() []string {
	seen := map[string]bool{}
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Action {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// IssuerHost returns the OIDC issuer URL without its scheme: the prefix IAM
// uses for the provider's condition keys (`<host>/id/<ID>:sub`).
func IssuerHost(issuerURL string) (string, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("OIDC issuer URL %q must be an https URL like https://oidc.eks.<region>.amazonaws.com/id/<ID>", issuerURL)
	}
	return u.Host + strings.TrimSuffix(u.Path, "/"), nil
}

// ServiceAccountSubject is the `sub` claim of a projected service account
// token, which is what IRSA matches a role to.
func ServiceAccountSubject(namespace, serviceAccount string) string {
	return "system:serviceaccount:" + namespace + ":" + serviceAccount
}

// STSAudience is the audience EKS's pod identity webhook requests for IRSA
// tokens (and the client ID registered on the cluster's OIDC provider).
const STSAudience = "sts.amazonaws.com"

// IRSATrust returns the trust policy that lets exactly one Kubernetes service
// account assume a role through the cluster's IAM OIDC provider. Both the
// subject and the audience are matched with StringEquals: without `:sub`
// every service account in the cluster could assume the role, and without
// `:aud` a token minted for another audience would be accepted.
func IRSATrust(oidcProviderARN, issuerURL, namespace, serviceAccount string) (Document, error) {
	if !strings.HasPrefix(oidcProviderARN, "arn:") || !strings.Contains(oidcProviderARN, ":oidc-provider/") {
		return Document{}, fmt.Errorf("OIDC provider ARN %q must look like arn:aws:iam::<account>:oidc-provider/<issuer host>", oidcProviderARN)
	}
	host, err := IssuerHost(issuerURL)
	if err != nil {
		return Document{}, err
	}
	if namespace == "" || serviceAccount == "" {
		return Document{}, fmt.Errorf("IRSA trust for %s needs a namespace and a service account name, got %q and %q", oidcProviderARN, namespace, serviceAccount)
	}
	return Document{
		Version: Version,
		Statement: []Statement{{
			Sid:       "AssumeFromServiceAccount",
			Effect:    "Allow",
			Principal: &Principal{Federated: Values{oidcProviderARN}},
			Action:    Values{"sts:AssumeRoleWithWebIdentity"},
			Condition: map[string]map[string]Values{
				"StringEquals": {
					host + ":sub": {ServiceAccountSubject(namespace, serviceAccount)},
					host + ":aud": {STSAudience},
				},
			},
		}},
	}, nil
}

// ARN is the parsed form of an ARN's first five fields.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits an ARN. eksfleet uses it to learn the partition and account
// from ARNs it already has (the OIDC provider's), instead of an extra API call.
func ParseARN(arn string) (ARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ARN{}, fmt.Errorf("%q is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)", arn)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// ServiceTrust is a role trust policy letting an AWS service principal
// (e.g. eks.amazonaws.com) assume the role, nothing else.
func ServiceTrust(service string) Document {
	return Document{
		Version: Version,
		Statement: []Statement{{
			Effect:    "Allow",
			Principal: &Principal{Service: Values{service}},
			Action:    Values{"sts:AssumeRole"},
		}},
	}
}
