package provider

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The schema's Args and the components' Go Args cannot drift: a schema Args
// with every field set must, through its toGo mapping, set every field of the
// component's Go Args, except the ones listed here with the reason other
// languages do not get them. A field added to a component's Args fails this
// test until it is exposed (added to the schema Args and its toGo) or listed.
var notExposed = map[string]map[string]string{
	"Cluster":              {},
	"ManagedNodeGroup":     nodeGroupNotExposed,
	"SelfManagedNodeGroup": nodeGroupNotExposed,
	"ClusterAutoscaler": {
		"Provider":  "a Kubernetes provider object cannot cross the language boundary: the component creates the AWS side and the values output, and the chart is installed from them",
		"DependsOn": "resources cannot cross the language boundary; they only order the Helm release, which is not created here",
	},
	"NodeDrain": {
		"Provider":  "as for ClusterAutoscaler: the chart is installed from the values output",
		"DependsOn": "as for ClusterAutoscaler",
	},
	"Karpenter": {
		"Provider":     "as for ClusterAutoscaler: the charts are installed and the documents applied from the outputs",
		"DependsOn":    "as for ClusterAutoscaler",
		"NetworkReady": nodeGroupNotExposed["Cluster.NetworkReady"],
		"Proxy.Secret": nodeGroupNotExposed["Cluster.Proxy.Secret"],
	},
}

var nodeGroupNotExposed = map[string]string{
	"Cluster.Proxy.Secret": "a secret input reaches the provider as a secret value; Construct cannot mark plain fields, so proxy settings are plain (no credentials in proxy URLs anyway: user data is readable)",
	"Live":                 "the eksfleet program looks a running group's size up (read-only) before registering, which Construct cannot do for a group it has not found yet; so from other languages a minSize above a running group's desired size is refused by EKS (the autoscaler must have grown the group first), where the Go program moves the desired size into the new bounds",
	"Cluster.NetworkReady": "resources cannot cross the language boundary; not needed there: a program gets the Cluster's outputs (clusterEndpoint, ...) only once its Construct has registered every child, add-ons included (engine_test.go checks the order)",
}

// toGo runs a schema Args' mapping, returning the Go Args.
var toGo = map[string]func(args any) any{
	"Cluster":              func(a any) any { return a.(*ClusterArgs).toGo() },
	"ManagedNodeGroup":     func(a any) any { return a.(*NodeGroupArgs).toGo(true) },
	"SelfManagedNodeGroup": func(a any) any { return a.(*NodeGroupArgs).toGo(false) },
	"ClusterAutoscaler":    func(a any) any { return a.(*ClusterAutoscalerArgs).toGo() },
	"NodeDrain":            func(a any) any { return a.(*NodeDrainArgs).toGo() },
	"Karpenter":            func(a any) any { return a.(*KarpenterArgs).toGo() },
}

var schemaArgs = map[string]any{
	"Cluster":              &ClusterArgs{},
	"ManagedNodeGroup":     &NodeGroupArgs{},
	"SelfManagedNodeGroup": &NodeGroupArgs{},
	"ClusterAutoscaler":    &ClusterAutoscalerArgs{},
	"NodeDrain":            &NodeDrainArgs{},
	"Karpenter":            &KarpenterArgs{},
}

func TestSchemaArgsSetEveryComponentArg(t *testing.T) {
	for name, args := range schemaArgs {
		t.Run(name, func(t *testing.T) {
			fill(reflect.ValueOf(args).Elem())
			goArgs := reflect.ValueOf(toGo[name](args))
			var unset []string
			all := map[string]bool{}
			walk(goArgs, "", all, &unset)
			skip := notExposed[name]
			var missing []string
			for _, f := range unset {
				if _, ok := skip[f]; !ok {
					missing = append(missing, f)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s Go Args fields the schema does not set: %s\n(expose them in the schema Args and toGo, or list them in notExposed with the reason)",
					goArgs.Type(), strings.Join(missing, ", "))
			}
			for f := range skip {
				if !all[f] {
					t.Errorf("notExposed lists %s, which %s does not have", f, goArgs.Type())
				}
			}
		})
	}
}

// fill sets every field of a schema Args struct to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(2)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		switch v.Type() {
		case reflect.TypeFor[pulumi.StringInput]():
			v.Set(reflect.ValueOf(pulumi.String("x")))
		case reflect.TypeFor[pulumi.StringArrayInput]():
			v.Set(reflect.ValueOf(pulumi.StringArray{pulumi.String("x")}))
		default:
			panic("fill: no value for " + v.Type().String())
		}
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// walk records every exported field path of a Go Args value in all and the
// zero ones (nil, empty) in unset. Structs are entered, and so are pointers
// to structs and the first element of slices of structs.
func walk(v reflect.Value, path string, all map[string]bool, unset *[]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		p := f.Name
		if path != "" {
			p = path + "." + f.Name
		}
		all[p] = true
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.Struct:
			walk(fv, p, all, unset)
			continue
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
			if fv.IsNil() {
				walk(reflect.New(fv.Type().Elem()).Elem(), p, all, &[]string{})
				*unset = append(*unset, p)
			} else {
				walk(fv.Elem(), p, all, unset)
			}
			continue
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct && fv.Len() > 0:
			walk(fv.Index(0), p, all, unset)
			continue
		}
		if fv.IsZero() || (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 {
			*unset = append(*unset, p)
		}
	}
}
