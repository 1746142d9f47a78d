package iampolicy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const (
	testIssuer   = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testProvider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
)

func TestIRSATrust(t *testing.T) {
	doc, err := IRSATrust(testProvider, testIssuer, "kube-system", "cluster-autoscaler")
	if err != nil {
		t.Fatal(err)
	}
	text, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Statement) != 1 {
		t.Fatalf("want one statement, got %d", len(got.Statement))
	}
	s := got.Statement[0]
	if s.Effect != "Allow" || !reflect.DeepEqual(s.Action, Values{"sts:AssumeRoleWithWebIdentity"}) {
		t.Errorf("statement = %+v", s)
	}
	if s.Principal == nil || !reflect.DeepEqual(s.Principal.Federated, Values{testProvider}) || s.Principal.AWS != nil || s.Principal.Service != nil {
		t.Errorf("principal = %+v, want only the OIDC provider", s.Principal)
	}
	host := "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	want := map[string]map[string]Values{"StringEquals": {
		host + ":sub": {"system:serviceaccount:kube-system:cluster-autoscaler"},
		host + ":aud": {"sts.amazonaws.com"},
	}}
	if !reflect.DeepEqual(s.Condition, want) {
		t.Errorf("condition = %v, want %v", s.Condition, want)
	}
	if got.Version != Version {
		t.Errorf("version = %q", got.Version)
	}
}

func TestIRSATrustRejects(t *testing.T) {
	for name, tc := range map[string]struct{ arn, issuer, ns, sa, want string }{
		"http issuer":      {testProvider, "http://oidc.example/id/1", "a", "b", "must be an https URL"},
		"bare host issuer": {testProvider, "oidc.eks.eu-west-1.amazonaws.com/id/1", "a", "b", "must be an https URL"},
		"not an arn":       {"oidc-provider/x", testIssuer, "a", "b", "must look like arn:aws:iam"},
		"role arn":         {"arn:aws:iam::111122223333:role/x", testIssuer, "a", "b", "must look like arn:aws:iam"},
		"no namespace":     {testProvider, testIssuer, "", "b", "needs a namespace"},
		"no sa":            {testProvider, testIssuer, "a", "", "needs a namespace"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := IRSATrust(tc.arn, tc.issuer, tc.ns, tc.sa)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValuesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   Values
		json string
	}{
		{Values{"a"}, `"a"`},
		{Values{"a", "b"}, `["a","b"]`},
	} {
		b, err := json.Marshal(tc.in)
		if err != nil || string(b) != tc.json {
			t.Errorf("marshal %v = %s, %v; want %s", tc.in, b, err, tc.json)
		}
		var back Values
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tc.in) {
			t.Errorf("unmarshal %s = %v, %v", b, back, err)
		}
	}
	var v Values
	if err := json.Unmarshal([]byte(`{"a":1}`), &v); err == nil {
		t.Error("an object must not decode as Values")
	}
}

func TestParseRejectsUnknownFields(t *testing.T) {
	_, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":["s3:*"]}]}`)
	if err == nil || !strings.Contains(err.Error(), "Actions") {
		t.Fatalf("err = %v, want an unknown field error naming Actions", err)
	}
}

func TestJSONIsDeterministic(t *testing.T) {
	doc, _ := IRSATrust(testProvider, testIssuer, "ns", "sa")
	first, _ := doc.JSON()
	for range 20 {
		again, _ := doc.JSON()
		if again != first {
			t.Fatalf("JSON differs between calls:\n%s\n%s", first, again)
		}
	}
}

func TestActions(t *testing.T) {
	d := Document{Statement: []Statement{
		{Effect: "Allow", Action: Values{"b:Y", "a:X"}},
		{Effect: "Deny", Action: Values{"c:Z"}},
		{Effect: "Allow", Action: Values{"a:X"}},
	}}
	if got := d.Actions(); !reflect.DeepEqual(got, []string{"a:X", "b:Y"}) {
		t.Errorf("Actions() = %v", got)
	}
}

func TestParseARN(t *testing.T) {
	a, err := ParseARN(testProvider)
	if err != nil {
		t.Fatal(err)
	}
	if a.Partition != "aws" || a.Service != "iam" || a.Region != "" || a.Account != "111122223333" || !strings.HasPrefix(a.Resource, "oidc-provider/") {
		t.Errorf("ParseARN = %+v", a)
	}
	for _, bad := range []string{"", "arn:aws", "urn:aws:iam::1:x/y", "arn::iam::1:x"} {
		if _, err := ParseARN(bad); err == nil {
			t.Errorf("ParseARN(%q) accepted", bad)
		}
	}
}
