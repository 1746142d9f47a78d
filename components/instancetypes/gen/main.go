// Command gen writes the instance type table of package instancetypes.
//
// It joins three tables the upstream projects generate from EC2
// DescribeInstanceTypes, read as text (never imported):
//
//   - github.com/aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go
//     (Go module): ENIs of the default network card, IPv4 addresses per
//     ENI, hypervisor and bare metal. These are the numbers the VPC CNI
//     itself uses, so max pods computed from them agree with what ipamd will
//     hand out.
//   - Karpenter's instance-type reference (aws/karpenter-provider-aws
//     website/content/en/preview/reference/instance-types.md), read from
//     ../shared/upstream/instance-types (see its SOURCES.md): vCPU, memory,
//     architecture and GPUs (count and manufacturer) from each type's
//     "Labels" table, which holds the raw EC2 figures. It is the newest
//     source (1,363 types, 8th and 9th generations included), so it wins
//     where it lists a type.
//   - k8s.io/autoscaler/cluster-autoscaler cloudprovider/aws/ec2_instance_types.go
//     (Go module): vCPU, memory, GPU and architecture of the types the
//     Karpenter page does not list (retired families such as p3, f1, dl1,
//     and Macs). On the types both list the two agree; gen fails if they
//     ever do not, so a disagreement is looked at rather than papered over.
//
// Importing the Go packages is not an option: pkg/vpc starts a file logger
// at init and drags in the AWS SDK, and the autoscaler module is huge.
//
// The modules are fetched with `go mod download -json` (module proxy only),
// and each zip's h1: hash is checked against the pin below. The autoscaler
// publishes no semver tags for its Go module, and the checksum database has
// no record of the pseudo-version the proxy serves, so for that one module
// the pinned hash is the integrity check (GONOSUMDB is set for it alone).
//
// The Karpenter file is checked against its pinned git blob id. It is never
// copied into this repository: only the numbers derived from it are
// committed, in the generated table, with the source named.
//
// Usage (from package instancetypes, via go generate):
//
//	go run ./gen -out zz_generated_instancetypes.go [-upstream ../../../shared/upstream]
//
// Without -upstream, gen looks for shared/upstream next to the module root
// (../shared/upstream from the directory holding go.mod).
package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/eksfleet/eksfleet/internal/shared"
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

// fileSource pins one upstream data file kept in ../shared/upstream.
type fileSource struct {
	Repo   string // GitHub owner/name
	Commit string
	Path   string // path in the repository
	Blob   string // git blob id of the file (git hash-object)
	Local  string // path under the shared upstream directory
	About  string // what the commit is, for the generated comment
}

// karpenter is Karpenter's generated instance-type reference as of its
// v1.14.0 release (see ../shared/upstream/instance-types/SOURCES.md).
var karpenter = fileSource{
	Repo:   "aws/karpenter-provider-aws",
	Commit: "1d927085dd81a9df9301e613f371dac5b4d16bfe",
	Path:   "website/content/en/preview/reference/instance-types.md",
	Blob:   "f22c5c00325d8a37350d7880e3a26efb359d20d7",
	Local:  "instance-types/karpenter-provider-aws/instance-types.md",
	About:  "main 2026-08-21, file written by the v1.14.0 release",
}

func main() {
	out := flag.String("out", "zz_generated_instancetypes.go", "file to write")
	upstream := flag.String("upstream", "", "the shared upstream data directory (default: ../shared/upstream beside the module root)")
	flag.Parse()
	if err := run(*out, *upstream); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, upstream string) error {
	if upstream == "" {
		var err error
		if upstream, err = shared.Upstream(); err != nil {
			return err
		}
	}
	code, stats, err := build(upstream)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "gen:", stats)
	return os.WriteFile(out, code, 0o644)
}

// build reads every source and returns the generated file.
func build(upstream string) ([]byte, string, error) {
	karpSrc, err := readFileSource(upstream, karpenter)
	if err != nil {
		return nil, "", err
	}
	vpcSrc, err := fetch(vpcCNI)
	if err != nil {
		return nil, "", err
	}
	caSrc, err := fetch(clusterAutoscaler)
	if err != nil {
		return nil, "", err
	}
	return generate(vpcSrc, karpSrc, caSrc)
}

// readFileSource reads s from the upstream directory and checks its blob id.
func readFileSource(upstream string, s fileSource) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(upstream, filepath.FromSlash(s.Local)))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w (the shared upstream data is ../shared/upstream beside the module root)", s.Repo, s.Path, err)
	}
	if got := gitBlobID(b); got != s.Blob {
		return nil, fmt.Errorf("%s: git blob %s, not the pinned %s of %s@%s %s", s.Local, got, s.Blob, s.Repo, s.Commit[:12], s.Path)
	}
	return b, nil
}

// gitBlobID is `git hash-object` of content.
func gitBlobID(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
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

// compute is what Karpenter's page or the Cluster Autoscaler table says
// about one type.
type compute struct {
	VCPU, GPU       int
	MemoryMiB       int64
	Architecture    string // EC2 spelling: x86_64 or arm64
	GPUManufacturer string // lower case as Karpenter labels it (nvidia, amd); "" when not known
}

// generate joins the sources and returns the formatted Go file and a
// one-line account of where the data came from.
func generate(vpcSrc, karpSrc, caSrc []byte) ([]byte, string, error) {
	network, err := parseVPCCNI(vpcSrc)
	if err != nil {
		return nil, "", fmt.Errorf("parsing %s %s: %w", vpcCNI.Module, vpcCNI.File, err)
	}
	karp, err := parseKarpenter(karpSrc)
	if err != nil {
		return nil, "", fmt.Errorf("parsing %s %s: %w", karpenter.Repo, karpenter.Path, err)
	}
	ca, lastUpdate, err := parseClusterAutoscaler(caSrc)
	if err != nil {
		return nil, "", fmt.Errorf("parsing %s %s: %w", clusterAutoscaler.Module, clusterAutoscaler.File, err)
	}
	comp, fromCA, err := joinCompute(karp, ca)
	if err != nil {
		return nil, "", err
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
	fmt.Fprintf(&b, "// Sources (read as text, not imported or copied):\n")
	fmt.Fprintf(&b, "//   - %s@%s %s (%s)\n", vpcCNI.Module, vpcCNI.Version, vpcCNI.File, vpcCNI.Sum)
	fmt.Fprintf(&b, "//   - %s@%s %s (git blob %s; %s),\n//     read from ../shared/upstream/%s\n",
		karpenter.Repo, karpenter.Commit, karpenter.Path, karpenter.Blob, karpenter.About, karpenter.Local)
	fmt.Fprintf(&b, "//   - %s@%s %s (%s),\n//     for the %d types the Karpenter page does not list\n\n",
		clusterAutoscaler.Module, clusterAutoscaler.Version, clusterAutoscaler.File, clusterAutoscaler.Sum, fromCA)
	b.WriteString("package instancetypes\n\n")
	fmt.Fprintf(&b, "// VPCCNISource names the module version the ENI and IPv4 limits come from.\nconst VPCCNISource = %q\n\n", vpcCNI.Module+"@"+vpcCNI.Version)
	fmt.Fprintf(&b, "// KarpenterSource names the file vCPU, memory, GPU and architecture come from first.\nconst KarpenterSource = %q\n\n", karpenter.Repo+"@"+karpenter.Commit[:12]+" "+karpenter.Path)
	fmt.Fprintf(&b, "// ClusterAutoscalerSource names the module version vCPU, memory, GPU and architecture come from\n// for the types KarpenterSource does not list.\nconst ClusterAutoscalerSource = %q\n\n", clusterAutoscaler.Module+"@"+clusterAutoscaler.Version)
	fmt.Fprintf(&b, "// ClusterAutoscalerListUpdated is the StaticListLastUpdateTime of Cluster Autoscaler's table.\nconst ClusterAutoscalerListUpdated = %q\n\n", lastUpdate)
	b.WriteString("// table holds every instance type of any source, sorted by name for binary search.\n")
	b.WriteString("// A zero ENIs means the VPC CNI table lacks the type; a zero VCPU means both compute sources do.\n")
	b.WriteString("var table = [...]Info{\n")
	for _, n := range names {
		nl := network[n]
		c := comp[n]
		fmt.Fprintf(&b, "\t{Name: %q, VCPU: %d, MemoryMiB: %d, GPU: %d, GPUManufacturer: %q, Architecture: %q, ENIs: %d, IPv4PerENI: %d, Nitro: %t, BareMetal: %t},\n",
			n, c.VCPU, c.MemoryMiB, c.GPU, c.GPUManufacturer, c.Architecture, nl.ENIs, nl.IPv4PerENI, nl.Nitro, nl.BareMetal)
	}
	b.WriteString("}\n")
	code, err := format.Source(b.Bytes())
	if err != nil {
		return nil, "", err
	}
	stats := fmt.Sprintf("%d types: %d with ENI/IPv4 limits (%s), %d with compute from %s, %d more from %s",
		len(names), len(network), vpcCNI.Module+"@"+vpcCNI.Version, len(comp)-fromCA, karpenter.Repo, fromCA, clusterAutoscaler.Module)
	return code, stats, nil
}

// joinCompute takes each type's compute from Karpenter's page, or from the
// Cluster Autoscaler's table when the page does not list it, and fails
// when both list a type with different figures. fromCA counts the types
// only the autoscaler has.
func joinCompute(karp, ca map[string]compute) (map[string]compute, int, error) {
	out := make(map[string]compute, len(karp)+len(ca))
	var conflicts []string
	for n, c := range karp {
		out[n] = c
		if o, ok := ca[n]; ok && (o.VCPU != c.VCPU || o.MemoryMiB != c.MemoryMiB || o.GPU != c.GPU || o.Architecture != c.Architecture) {
			conflicts = append(conflicts, fmt.Sprintf("%s: Karpenter %d vCPU %d MiB %d GPU %s, Cluster Autoscaler %d vCPU %d MiB %d GPU %s",
				n, c.VCPU, c.MemoryMiB, c.GPU, c.Architecture, o.VCPU, o.MemoryMiB, o.GPU, o.Architecture))
		}
	}
	fromCA := 0
	for n, c := range ca {
		if _, ok := karp[n]; !ok {
			out[n] = c
			fromCA++
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return nil, 0, fmt.Errorf("the compute sources disagree on %d types; check which is right before generating:\n  %s", len(conflicts), strings.Join(conflicts, "\n  "))
	}
	return out, fromCA, nil
}

// Karpenter's page: "### `type`" opens a type; its "#### Labels" table has
// one " |key|value|" row per label, until "#### Resources".
const (
	karpLabelCPU     = "karpenter.k8s.aws/instance-cpu"
	karpLabelMemory  = "karpenter.k8s.aws/instance-memory"
	karpLabelGPU     = "karpenter.k8s.aws/instance-gpu-count"
	karpLabelGPUMfr  = "karpenter.k8s.aws/instance-gpu-manufacturer"
	karpLabelArch    = "kubernetes.io/arch"
	karpLabelType    = "node.kubernetes.io/instance-type"
	karpTypeHeading  = "### `"
	karpLabelsHead   = "#### Labels"
	karpSectionStart = "#### "
)

// parseKarpenter reads vCPU, memory, GPUs and architecture of every type
// from the "Labels" tables of Karpenter's instance-type page (the
// "Resources" tables are Karpenter's allocatable estimates, not capacity,
// and are ignored).
func parseKarpenter(src []byte) (map[string]compute, error) {
	out := map[string]compute{}
	var errs []error
	name := ""
	var labels map[string]string
	inLabels := false
	flush := func() {
		if name == "" {
			return
		}
		c, err := karpenterCompute(name, labels)
		if err != nil {
			errs = append(errs, err)
		} else if _, dup := out[name]; dup {
			errs = append(errs, fmt.Errorf("%s: listed twice", name))
		} else {
			out[name] = c
		}
		name = ""
	}
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, karpTypeHeading):
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(line, karpTypeHeading), "`")
			labels = map[string]string{}
			inLabels = false
		case name != "" && line == karpLabelsHead:
			inLabels = true
		case strings.HasPrefix(line, karpSectionStart) || strings.HasPrefix(line, "## "):
			inLabels = false
		case inLabels && strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if len(cells) == 2 {
				labels[cells[0]] = cells[1]
			}
		}
	}
	flush()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no instance types found")
	}
	return out, nil
}

// karpenterCompute turns one type's labels into compute.
func karpenterCompute(name string, labels map[string]string) (compute, error) {
	var c compute
	var errs []error
	if t := labels[karpLabelType]; t != name {
		errs = append(errs, fmt.Errorf("%s: label %s is %q", name, karpLabelType, t))
	}
	num := func(key string, required bool) int64 {
		v, ok := labels[key]
		if !ok {
			if required {
				errs = append(errs, fmt.Errorf("%s: label %s missing", name, key))
			}
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: label %s: %q is not a count", name, key, v))
		}
		return n
	}
	c.VCPU = int(num(karpLabelCPU, true))
	c.MemoryMiB = num(karpLabelMemory, true)
	c.GPU = int(num(karpLabelGPU, false))
	if c.GPU > 0 {
		c.GPUManufacturer = labels[karpLabelGPUMfr]
	}
	switch a := labels[karpLabelArch]; a {
	case "amd64":
		c.Architecture = "x86_64"
	case "arm64":
		c.Architecture = "arm64"
	default:
		errs = append(errs, fmt.Errorf("%s: unexpected architecture %q", name, a))
	}
	if c.VCPU == 0 || c.MemoryMiB == 0 {
		errs = append(errs, fmt.Errorf("%s: no vCPU or memory", name))
	}
	return c, errors.Join(errs...)
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
