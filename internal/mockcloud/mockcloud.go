// Package mockcloud runs a Pulumi Go program offline against a fake AWS.
//
// It implements the SDK's mock resource monitor, records every resource the
// program registers (type, name, URN, parent, dependencies, ignoreChanges,
// inputs) and answers with realistic provider outputs: IDs and ARNs shaped
// like AWS's, derived deterministically from the URN so the same program
// gives the same plan twice. Remote pulumi-eks components have no children
// under mocks, so the fake fabricates the outputs the program reads from
// them, including the resource references (the cluster's aws:eks Cluster and
// security groups) that the SDK resolves through the monitor.
//
// Every component test and the offline `eksfleet plan` use this one harness.
package mockcloud

import (
	"fmt"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Resource is one resource as the program registered it.
type Resource struct {
	URN           string
	Type          string
	Name          string
	Custom        bool
	Remote        bool
	Parent        string
	Provider      string
	Dependencies  []string
	IgnoreChanges []string
	// Inputs are what the program sent, as the engine would pass them to the
	// provider: unknown values are Computed, secrets are Secret.
	Inputs resource.PropertyMap
	// ID and Outputs are what the fake answered.
	ID      string
	Outputs resource.PropertyMap

	physical string // the name the provider gives it (autoname, prefix or input)
}

// Options configure the fake world.
type Options struct {
	// Project and Stack name the Pulumi stack (URNs are built from them).
	Project, Stack string
	// Region and Account are used for ARNs and invokes.
	Region, Account string
	// SubnetZones answers ec2 getSubnet lookups; subnets not listed get a
	// zone derived from their id. Callers that evaluate a whole stack pass
	// every private subnet (see plan.OfflineZones), so nothing is invented.
	SubnetZones map[string]string
	// VpcID is returned as the VPC of every looked-up subnet.
	VpcID string
	// ExistingClusters are EKS clusters that exist before the run, by
	// name, as on an update of a deployed stack: aws:eks/getCluster finds
	// them (as it finds the clusters the run creates), and their creator's
	// access entry exists.
	ExistingClusters map[string]ExistingCluster
}

// ExistingCluster is an EKS cluster deployed before the run.
type ExistingCluster struct {
	// Tags are the cluster's tags.
	Tags map[string]string
	// Creator is the principal ARN of the access entry EKS made for the
	// cluster's creator ("" for none).
	Creator string
	// Version is the Kubernetes minor it runs ("" for unknown).
	Version string
	// NodeGroups are its running EKS node groups by physical name, and
	// AutoScalingGroups the Auto Scaling groups tagged as its own
	// (kubernetes.io/cluster/<name>: owned), with their scaling.
	NodeGroups, AutoScalingGroups map[string]GroupSize
}

// GroupSize is a running group's scaling.
type GroupSize struct{ Min, Max, Desired int }

// Cloud is a recording fake of the Pulumi engine and AWS for one run.
type Cloud struct {
	opts Options

	mu        sync.Mutex
	ctx       *pulumi.Context
	resources []*Resource
	byURN     map[string]*Resource
	reads     map[string]resource.PropertyMap // pending materialized reads by type::name
	internal  map[string]string               // URNs materialized by the fake → the URN the real child has
	invokes   []string
	names     map[string]string               // AWS uniqueness keys (see claim) → URN of the owner
	clusters  map[string]resource.PropertyMap // EKS clusters created in this run, by name
}

// New returns an empty fake world.
func New(opts Options) *Cloud {
	if opts.Project == "" {
		opts.Project = "eksfleet"
	}
	if opts.Stack == "" {
		opts.Stack = "test"
	}
	if opts.Region == "" {
		opts.Region = "eu-west-1"
	}
	if opts.Account == "" {
		opts.Account = "111122223333"
	}
	c := &Cloud{
		opts:     opts,
		byURN:    map[string]*Resource{},
		reads:    map[string]resource.PropertyMap{},
		internal: map[string]string{},
		names:    map[string]string{},
		clusters: map[string]resource.PropertyMap{},
	}
	for name, ex := range opts.ExistingClusters {
		if ex.Creator != "" {
			c.names[accessEntryKey(name, ex.Creator)] = "EKS (the cluster creator's access entry)"
		}
	}
	return c
}

// RunConfig configures one program evaluation.
type RunConfig struct {
	// Config is the stack config ("eksfleet:network" → JSON text).
	Config map[string]string
	// SecretKeys lists config keys holding secrets.
	SecretKeys []string
	// DryRun evaluates as a preview: outputs the fake does not fabricate are
	// unknown, as they are before a real deployment.
	DryRun bool
}

// Run evaluates program against the fake. It returns the program's error, if
// any, after every registration and apply has finished.
func (c *Cloud) Run(program pulumi.RunFunc, rc RunConfig) error {
	cfg := rc
	return pulumi.RunErr(func(ctx *pulumi.Context) error {
		c.mu.Lock()
		c.ctx = ctx
		c.mu.Unlock()
		return program(ctx)
	}, pulumi.WithMocks(c.opts.Project, c.opts.Stack, c), func(info *pulumi.RunInfo) {
		info.Config = cfg.Config
		info.ConfigSecretKeys = cfg.SecretKeys
		info.DryRun = cfg.DryRun
	})
}

// Resources returns what the program registered, in the order the monitor
// received it. Resources the fake materialized itself are left out.
func (c *Cloud) Resources() []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Resource, 0, len(c.resources))
	for _, r := range c.resources {
		if _, internal := c.internal[r.URN]; internal {
			continue
		}
		cp := *r
		cp.Dependencies = make([]string, len(r.Dependencies))
		for i, d := range r.Dependencies {
			if real, ok := c.internal[d]; ok {
				d = real
			}
			cp.Dependencies[i] = d
		}
		sort.Strings(cp.Dependencies)
		out = append(out, cp)
	}
	return out
}

// OfType returns the registered resources of one type token.
func (c *Cloud) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range c.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Get returns the resource of a type and name.
func (c *Cloud) Get(typ, name string) (Resource, bool) {
	for _, r := range c.Resources() {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// Invokes lists the invoke tokens the program called, in order.
func (c *Cloud) Invokes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.invokes...)
}

// NewResource implements pulumi.MockResourceMonitor.
func (c *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	r := &Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Provider: args.Provider,
		Inputs:   args.Inputs,
	}
	if rpc != nil {
		r.Parent = rpc.GetParent()
		r.Remote = rpc.GetRemote()
		r.Dependencies = append([]string(nil), rpc.GetDependencies()...)
		sort.Strings(r.Dependencies)
		r.IgnoreChanges = append([]string(nil), rpc.GetIgnoreChanges()...)
	} else if rd := args.ReadRPC; rd != nil {
		r.Parent = rd.GetParent()
		r.Dependencies = append([]string(nil), rd.GetDependencies()...)
	}
	r.URN = c.urn(r.Parent, r.Type, r.Name)

	var id string
	var outs resource.PropertyMap
	var err error
	if args.ID != "" {
		// A read: the fake's own materialized references, or a program Get.
		id, outs = args.ID, c.takeRead(r.Type, r.Name)
		if outs == nil {
			_, outs = c.fabricate(r, args.ID)
		}
	} else {
		id, outs, err = c.answer(r)
		if err != nil {
			return "", nil, err
		}
	}
	r.ID, r.Outputs = id, outs
	c.mu.Lock()
	c.resources = append(c.resources, r)
	c.byURN[r.URN] = r
	c.mu.Unlock()
	return id, outs, nil
}

// answer fabricates the outputs of a registration: custom resources get an
// ID and their computed attributes; remote components get the outputs their
// provider would construct.
func (c *Cloud) answer(r *Resource) (string, resource.PropertyMap, error) {
	if r.Remote {
		outs, err := c.construct(r)
		return "", outs, err
	}
	if !r.Custom {
		return "", resource.PropertyMap{}, nil
	}
	prop, name, err := c.physicalName(r)
	if err != nil {
		return "", nil, err
	}
	if err := c.claim(r, name); err != nil {
		return "", nil, err
	}
	r.physical = name
	id, outs := c.fabricate(r, "")
	if prop != "" && name != "" {
		outs[resource.PropertyKey(prop)] = resource.NewStringProperty(name)
	}
	return id, outs, nil
}

// materialize registers a resource the real provider would have created as
// a remote component's child, so that a reference to it resolves through
// the monitor's getResource the way it does against the engine. It blocks
// until the read is recorded.
func (c *Cloud) materialize(component *Resource, typ, name, id string, state resource.PropertyMap) (resource.PropertyValue, error) {
	c.mu.Lock()
	ctx := c.ctx
	c.reads[typ+"::"+name] = state
	c.mu.Unlock()
	if ctx == nil {
		return resource.PropertyValue{}, fmt.Errorf("mockcloud: remote component registered outside Cloud.Run")
	}
	var res readResource
	if err := ctx.ReadResource(typ, name, pulumi.ID(id), nil, &res); err != nil {
		return resource.PropertyValue{}, err
	}
	got, err := internals.UnsafeAwaitOutput(ctx.Context(), res.URN())
	if err != nil {
		return resource.PropertyValue{}, err
	}
	urn := got.Value.(pulumi.URN)
	c.mu.Lock()
	// Dependencies on the child are reported under the URN the child has in
	// a real deployment: parented to the remote component.
	c.internal[string(urn)] = c.urn(component.URN, typ, name)
	c.mu.Unlock()
	return resource.MakeCustomResourceReference(resource.URN(urn), resource.ID(id), ""), nil
}

type readResource struct {
	pulumi.CustomResourceState
}

func (c *Cloud) takeRead(typ, name string) resource.PropertyMap {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := typ + "::" + name
	state, ok := c.reads[key]
	if ok {
		delete(c.reads, key)
	}
	return state
}

func (c *Cloud) urn(parent, typ, name string) string {
	// The same construction as the SDK's mock monitor, so recorded URNs are
	// the ones the program sees.
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(c.opts.Stack), tokens.PackageName(c.opts.Project), parentType, tokens.Type(typ), name))
}

// StackURN is the URN of the root stack resource, the parent of top-level
// resources.
func (c *Cloud) StackURN() string {
	return string(resource.NewURN(tokens.QName(c.opts.Stack), tokens.PackageName(c.opts.Project), "", resource.RootStackType, c.opts.Project+"-"+c.opts.Stack))
}

// Call implements pulumi.MockResourceMonitor: it answers provider invokes.
func (c *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	c.mu.Lock()
	c.invokes = append(c.invokes, args.Token)
	c.mu.Unlock()
	return invoke(c, args.Token, args.Args)
}

// MethodCall implements pulumi.MockResourceMonitorWithMethodCall.
func (c *Cloud) MethodCall(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "eks:index:Cluster/getKubeconfig":
		return resource.PropertyMap{"result": resource.NewProperty(c.kubeconfigJSON("cluster", "https://example.invalid", ""))}, nil
	}
	return nil, fmt.Errorf("mockcloud: no fake for method %s", args.Token)
}
