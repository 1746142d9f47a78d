// Command gen writes the instance type table of package instancetypes.
//
// It joins two generated Go files that the upstream projects maintain from
// EC2 DescribeInstanceTypes, read as source text (never imported):
//
//   - github.com/aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go:
//     ENIs of the default network card, IPv4 addresses per ENI, hypervisor
//     and bare metal. These are the numbers the VPC CNI itself uses, so max
//     pods computed from them agree with what ipamd will hand out.
//   - k8s.io/autoscaler/cluster-autoscaler cloudprovider/aws/ec2_instance_types.go:
//     vCPU, memory, GPU and architecture. Cluster Autoscaler builds its
//     scale-from-zero node templates from this table, so our node-template
//     tags and architecture checks agree with what CA believes.
//
// Importing either package is not an option: pkg/vpc starts a file logger at
// init and drags in the AWS SDK, and the autoscaler module is huge.
//
// The modules are fetched with `go mod download -json` (module proxy only),
// and each zip's h1: hash is checked against the pin below. The autoscaler
// publishes no semver tags for its Go module, and the checksum database has
// no record of the pseudo-version the proxy serves, so for that one module
// the pinned hash is the integrity check (GONOSUMDB is set for it alone).
//
// Usage (from package instancetypes, via go generate):
//
//	go run ./gen -out zz_generated_instancetypes.go
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// source pins one upstream module and the file read from it.
type source struct {
	Module  string
	Version string
	Sum     string // h1: hash of the module zip, as go.sum would record it
	File    string // path inside the module
}

var (
	vpcCNI = source{
		Module:  "github.com/aws/amazon-vpc-cni-k8s",
		Version: "v1.23.2",
		Sum:     "h1:Ka5CQyoDQhTJ41BruEiI35Xs7LJoC+zUubWI5+xbrLc=",
		File:    "pkg/vpc/vpc_ip_resource_limit.go",
	}
	// Commit 1959f5f61f6c of kubernetes/autoscaler master (2025-06-13,
	// ClusterAutoscalerVersion "1.33.0", static list updated 2025-05-27): the
	// newest version of the module the proxy serves. Tagged versions such as
	// v1.33.0 are refused by the proxy.
	clusterAutoscaler = source{
		Module:  "k8s.io/autoscaler/cluster-autoscaler",
		Version: "v0.0.0-20250613073258-1959f5f61f6c",
		Sum:     "h1:gGUthCoel/TlD1fh33foTFCs1n75w8sqmpD3qf2zqk4=",
		File:    "cloudprovider/aws/ec2_instance_types.go",
	}
)

func main() {
	out := flag.String("out", "zz_generated_instancetypes.go", "file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	vpcSrc, err := fetch(vpcCNI)
	if err != nil {
		return err
	}
	caSrc, err := fetch(clusterAutoscaler)
	if err != nil {
		return err
	}
	code, err := generate(vpcSrc, caSrc)
	if err != nil {
		return err
	}
	return os.WriteFile(out, code, 0o644)
}

// fetch downloads s.Module@s.Version through the module proxy, checks its
// hash against the pin and returns the content of s.File.
func fetch(s source) ([]byte, error) {
	cmd := exec.Command("go", "mod", "download", "-json", s.Module+"@"+s.Version)
	// Run outside any module so the download never edits a go.mod.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GO111MODULE=on", "GONOSUMDB="+s.Module)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var info struct {
		Dir, Sum, Error string
	}
	if jerr := json.Unmarshal(stdout, &info); jerr != nil && err == nil {
		err = jerr
	}
	if info.Error != "" {
		return nil, fmt.Errorf("downloading %s@%s: %s", s.Module, s.Version, info.Error)
	}
	if err != nil {
		return nil, fmt.Errorf("downloading %s@%s: %v: %s", s.Module, s.Version, err, stderr.String())
	}
	if info.Sum != s.Sum {
		return nil, fmt.Errorf("%s@%s: module hash %s does not match the pinned %s", s.Module, s.Version, info.Sum, s.Sum)
	}
	return os.ReadFile(filepath.Join(info.Dir, filepath.FromSlash(s.File)))
}

// networkLimits is what the VPC CNI table says about one type.
type networkLimits struct {
	ENIs, IPv4PerENI int
	Nitro, BareMetal bool
}

// compute is what the Cluster Autoscaler table says about one type.
type compute struct {
	VCPU, GPU    int
	MemoryMiB    int64
	Architecture string
}

// generate joins both sources and returns the formatted Go file.
func generate(vpcSrc, caSrc []byte) ([]byte, error) {
	network, err := parseVPCCNI(vpcSrc)
	if err != nil {
		return nil, fmt.Errorf("parsing %s %s: %w", vpcCNI.Module, vpcCNI.File, err)
	}
	comp, lastUpdate, err := parseClusterAutoscaler(caSrc)
	if err != nil {
		return nil, fmt.Errorf("parsing %s %s: %w", clusterAutoscaler.Module, clusterAutoscaler.File, err)
	}
	names := make([]string, 0, len(network)+len(comp))
	for n := range network {
		names = append(names, n)
	}
	for n := range comp {
		if _, dup := network[n]; !dup {
			names = append(names, n)
		}
	}
	sort.Strings(names)

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by components/instancetypes/gen; DO NOT EDIT.\n//\n")
	fmt.Fprintf(&b, "// Sources (read as text, not imported):\n")
	fmt.Fprintf(&b, "//   - %s@%s %s (%s)\n", vpcCNI.Module, vpcCNI.Version, vpcCNI.File, vpcCNI.Sum)
	fmt.Fprintf(&b, "//   - %s@%s %s (%s)\n\n", clusterAutoscaler.Module, clusterAutoscaler.Version, clusterAutoscaler.File, clusterAutoscaler.Sum)
	b.WriteString("package instancetypes\n\n")
	fmt.Fprintf(&b, "// VPCCNISource names the module version the ENI and IPv4 limits come from.\nconst VPCCNISource = %q\n\n", vpcCNI.Module+"@"+vpcCNI.Version)
	fmt.Fprintf(&b, "// ClusterAutoscalerSource names the module version vCPU, memory, GPU and architecture come from.\nconst ClusterAutoscalerSource = %q\n\n", clusterAutoscaler.Module+"@"+clusterAutoscaler.Version)
	fmt.Fprintf(&b, "// ClusterAutoscalerListUpdated is the StaticListLastUpdateTime of Cluster Autoscaler's table.\nconst ClusterAutoscalerListUpdated = %q\n\n", lastUpdate)
	b.WriteString("// table holds every instance type of either source, sorted by name for binary search.\n")
	b.WriteString("// A zero ENIs means the VPC CNI table lacks the type; a zero VCPU means Cluster Autoscaler's does.\n")
	b.WriteString("var table = [...]Info{\n")
	for _, n := range names {
		nl := network[n]
		c := comp[n]
		fmt.Fprintf(&b, "\t{Name: %q, VCPU: %d, MemoryMiB: %d, GPU: %d, Architecture: %q, ENIs: %d, IPv4PerENI: %d, Nitro: %t, BareMetal: %t},\n",
			n, c.VCPU, c.MemoryMiB, c.GPU, c.Architecture, nl.ENIs, nl.IPv4PerENI, nl.Nitro, nl.BareMetal)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// mapLiteral finds `var <name> = map[string]...{...}` in src and returns its elements.
func mapLiteral(src []byte, name string) (*ast.File, []ast.Expr, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, err
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != name || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				return nil, nil, fmt.Errorf("var %s is not a composite literal", name)
			}
			return f, lit.Elts, nil
		}
	}
	return nil, nil, fmt.Errorf("var %s not found", name)
}

// fields turns a keyed struct literal into name -> expression.
func fields(e ast.Expr) (map[string]ast.Expr, error) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, errors.New("value is not a struct literal")
	}
	m := make(map[string]ast.Expr, len(lit.Elts))
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, errors.New("struct literal is not keyed")
		}
		id, ok := kv.Key.(*ast.Ident)
		if !ok {
			return nil, errors.New("struct literal key is not an identifier")
		}
		m[id.Name] = kv.Value
	}
	return m, nil
}

func str(e ast.Expr) (string, error) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", errors.New("not a string literal")
	}
	return strconv.Unquote(bl.Value)
}

func integer(e ast.Expr) (int64, error) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.INT {
		return 0, errors.New("not an integer literal")
	}
	return strconv.ParseInt(bl.Value, 0, 64)
}

func boolean(e ast.Expr) (bool, error) {
	id, ok := e.(*ast.Ident)
	if !ok || (id.Name != "true" && id.Name != "false") {
		return false, errors.New("not a boolean literal")
	}
	return id.Name == "true", nil
}

// entry splits one `"name": {...}` element of a map literal.
func entry(el ast.Expr) (string, map[string]ast.Expr, error) {
	kv, ok := el.(*ast.KeyValueExpr)
	if !ok {
		return "", nil, errors.New("map element is not key: value")
	}
	name, err := str(kv.Key)
	if err != nil {
		return "", nil, fmt.Errorf("map key: %w", err)
	}
	f, err := fields(kv.Value)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	return name, f, nil
}

func parseVPCCNI(src []byte) (map[string]networkLimits, error) {
	_, elts, err := mapLiteral(src, "instanceNetworkingLimits")
	if err != nil {
		return nil, err
	}
	out := make(map[string]networkLimits, len(elts))
	for _, el := range elts {
		name, f, err := entry(el)
		if err != nil {
			return nil, err
		}
		var l networkLimits
		var enis, ips int64
		var hyper string
		var errs []error
		get := func(key string, conv func(ast.Expr) error) {
			e, ok := f[key]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: field %s missing", name, key))
				return
			}
			if err := conv(e); err != nil {
				errs = append(errs, fmt.Errorf("%s: field %s: %w", name, key, err))
			}
		}
		get("ENILimit", func(e ast.Expr) (err error) { enis, err = integer(e); return })
		get("IPv4Limit", func(e ast.Expr) (err error) { ips, err = integer(e); return })
		get("HypervisorType", func(e ast.Expr) (err error) { hyper, err = str(e); return })
		get("IsBareMetal", func(e ast.Expr) (err error) { l.BareMetal, err = boolean(e); return })
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if enis <= 0 || ips <= 0 {
			// The VPC CNI lists some types it cannot use; treat them as
			// having no network data rather than inventing a max pods.
			continue
		}
		l.ENIs, l.IPv4PerENI, l.Nitro = int(enis), int(ips), hyper == "nitro"
		out[name] = l
	}
	if len(out) == 0 {
		return nil, errors.New("no instance types found")
	}
	return out, nil
}

func parseClusterAutoscaler(src []byte) (map[string]compute, string, error) {
	f, elts, err := mapLiteral(src, "InstanceTypes")
	if err != nil {
		return nil, "", err
	}
	lastUpdate := ""
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if ok && len(vs.Names) == 1 && vs.Names[0].Name == "StaticListLastUpdateTime" && len(vs.Values) == 1 {
			lastUpdate, _ = str(vs.Values[0])
		}
		return lastUpdate == ""
	})
	out := make(map[string]compute, len(elts))
	for _, el := range elts {
		// Elements are &InstanceType{...} in some versions and {...} in others.
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if u, ok := kv.Value.(*ast.UnaryExpr); ok && u.Op == token.AND {
				kv.Value = u.X
			}
		}
		name, fs, err := entry(el)
		if err != nil {
			return nil, "", err
		}
		var c compute
		var vcpu, gpu int64
		var errs []error
		for _, f := range []struct {
			key string
			dst *int64
		}{{"VCPU", &vcpu}, {"GPU", &gpu}, {"MemoryMb", &c.MemoryMiB}} {
			key, dst := f.key, f.dst
			e, ok := fs[key]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: field %s missing", name, key))
				continue
			}
			v, err := integer(e)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: field %s: %w", name, key, err))
			}
			*dst = v
		}
		arch, err := str(fs["Architecture"])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: field Architecture: %w", name, err))
		}
		// CA speaks Kubernetes (GOARCH) names; we speak EC2's.
		switch arch {
		case "amd64":
			c.Architecture = "x86_64"
		case "arm64":
			c.Architecture = "arm64"
		default:
			errs = append(errs, fmt.Errorf("%s: unexpected architecture %q", name, arch))
		}
		if err := errors.Join(errs...); err != nil {
			return nil, "", err
		}
		if vcpu <= 0 {
			continue
		}
		c.VCPU, c.GPU = int(vcpu), int(gpu)
		out[strings.TrimSpace(name)] = c
	}
	if len(out) == 0 {
		return nil, "", errors.New("no instance types found")
	}
	return out, lastUpdate, nil
}
