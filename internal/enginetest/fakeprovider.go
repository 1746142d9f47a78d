package enginetest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Attachable is a provider the engine can attach to through
// PULUMI_DEBUG_PROVIDERS=<Package>:<Port>.
type Attachable interface {
	// Package is the Pulumi package name, e.g. "aws".
	Package() string
	// Port is the local TCP port the provider's gRPC server listens on.
	Port() int
}

// ResourceSpec models one resource type of a [FakeProvider].
type ResourceSpec struct {
	// Required lists property paths (e.g. "roleArn", "vpcConfig.subnetIds")
	// that Check reports as missing when absent or null. Unknown values
	// count as present.
	Required []string
	// ForceNew lists property paths whose change makes Diff report a
	// replacement (reported under the top-level property name).
	ForceNew []string
	// AutoName, when set, is a property path (e.g. "name", "metadata.name")
	// that Check fills in with "<resource name>-<AutoNameLen hex digits>"
	// when the program leaves it out, as the real providers do. A value from
	// the old inputs is kept, so names are stable across updates.
	AutoName string
	// AutoNameLen is the length of the random suffix; 0 means 7.
	AutoNameLen int
	// ID returns the ID of a new resource. Nil means IDPrefix followed by
	// 17 hex digits.
	ID func(r *Resource) string
	// IDPrefix is used when ID is nil, e.g. "sg-".
	IDPrefix string
	// Outputs returns the computed outputs a Create or Update adds to the
	// inputs. r.ID is set. During a preview the keys it returns that are
	// not inputs are reported as unknown. Outputs must be deterministic in
	// (r.URN, r.ID, r.Inputs) so that updates are stable.
	Outputs func(r *Resource) resource.PropertyMap
	// Recomputed, when set, returns the computed outputs an Update changes
	// (Terraform's CustomizeDiff ComputedIf): a preview reports them as
	// unknown instead of keeping the old values, so what reads them shows
	// as changing too. Outputs computes their new values (r.Olds has the
	// old ones).
	Recomputed func(r *Resource) []resource.PropertyKey
	// Precondition, when set, runs before a (non-preview) Create or Update
	// and fails it with its error: what the cloud API would refuse at that
	// point, e.g. tagging an Auto Scaling group that does not exist.
	Precondition func(r *Resource) error
	// Facts, when set, replaces Required, ForceNew and AutoName with the
	// rules of the real provider from the generated awsfacts table: Check
	// autonames as pulumi-terraform-bridge does (failing when the name
	// would be too long) and reports every awsfacts.Check failure; Diff
	// replaces on awsfacts.Replaces; Create turns a name prefix into a
	// name as Terraform does and refuses a final name AWS would refuse.
	Facts *awsfacts.Type
	// Unique, when set, runs before a (non-preview) Create with the live
	// resources of the same type (ID → state) and returns the error the
	// cloud API gives when r's name (or other key) is already taken.
	Unique func(r *Resource, live map[string]resource.PropertyMap) error
	// Created and Deleted, when set, run after a (non-preview) Create and
	// after a Delete: side effects of the cloud API, e.g. the access entry
	// EKS creates for a cluster's creator.
	Created func(r *Resource)
	Deleted func(id string, state resource.PropertyMap)
}

// Interceptor runs at the start of every Create, Update and Delete a fake
// provider receives, before anything is changed. A test uses it to hold an
// operation in flight (block until released) or to fail it. ctx is the
// RPC's context: it is cancelled when the engine gives up on the call.
type Interceptor func(ctx context.Context, method, typ string, urn resource.URN, preview bool) error

// Resource is what [ResourceSpec] callbacks get to see.
type Resource struct {
	// URN of the resource.
	URN resource.URN
	// ID is the resource ID; empty when ResourceSpec.ID is being computed.
	ID string
	// Inputs are the checked inputs.
	Inputs resource.PropertyMap
	// Olds is the state before an Update; nil for a Create.
	Olds resource.PropertyMap
	// Config is the configuration of the provider instance that received
	// the call (e.g. "region").
	Config resource.PropertyMap
	// Hex returns n hex digits derived from the URN and the ID, so outputs
	// stay stable across updates. While ResourceSpec.ID runs (ID empty) they
	// come from the URN and a per-create counter instead, so a replacement
	// gets a fresh ID.
	Hex func(n int) string
}

// InvokeSpec models one function (data source) of a [FakeProvider].
type InvokeSpec struct {
	// Required lists argument paths reported as failures when absent.
	Required []string
	// Fn computes the result.
	Fn func(args resource.PropertyMap, config resource.PropertyMap) (resource.PropertyMap, error)
}

// FakeProvider is an in-process Pulumi resource provider serving the
// pulumirpc.ResourceProvider gRPC service on a local port. It implements
// Attach, so the engine can use it through PULUMI_DEBUG_PROVIDERS.
//
// Resource types and functions must be modelled with [FakeProvider.Model]
// and [FakeProvider.ModelInvoke]; anything else fails Check or Invoke, so a
// test never passes silently against a resource the double knows nothing
// about.
type FakeProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	// Recorder holds every call the provider received.
	*Recorder

	pkg     string
	version string
	port    int

	checkConfig func(news resource.PropertyMap) []*pulumirpc.CheckFailure

	mu         sync.Mutex
	intercept  Interceptor
	resources  map[string]ResourceSpec
	invokes    map[string]InvokeSpec
	configs    map[string]resource.PropertyMap // by engine connection
	store      map[string]stored               // by type + "\x00" + id
	engineAddr string
	seq        uint64
}

type stored struct {
	typ     string
	urn     resource.URN
	inputs  resource.PropertyMap
	outputs resource.PropertyMap
}

// NewFakeProvider returns an unstarted fake for package pkg reporting
// version. Model its types, then call [FakeProvider.Start].
func NewFakeProvider(pkg, version string) *FakeProvider {
	return &FakeProvider{
		Recorder:  &Recorder{},
		pkg:       pkg,
		version:   version,
		resources: map[string]ResourceSpec{},
		invokes:   map[string]InvokeSpec{},
		configs:   map[string]resource.PropertyMap{},
		store:     map[string]stored{},
	}
}

// Package implements [Attachable].
func (p *FakeProvider) Package() string { return p.pkg }

// Port implements [Attachable]. It is zero before Start.
func (p *FakeProvider) Port() int { return p.port }

// EngineAddress is the engine address received through Attach, if any.
func (p *FakeProvider) EngineAddress() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.engineAddr
}

// Model adds or replaces the model of resource type typ.
func (p *FakeProvider) Model(typ string, spec ResourceSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resources[typ] = spec
}

// ModelInvoke adds or replaces the model of function tok.
func (p *FakeProvider) ModelInvoke(tok string, spec InvokeSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invokes[tok] = spec
}

// Intercept sets (or, with nil, removes) the provider's [Interceptor].
func (p *FakeProvider) Intercept(fn Interceptor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intercept = fn
}

func (p *FakeProvider) intercepted(ctx context.Context, method, typ, urn string, preview bool) error {
	p.mu.Lock()
	fn := p.intercept
	p.mu.Unlock()
	if fn == nil {
		return nil
	}
	if err := fn(ctx, method, typ, resource.URN(urn), preview); err != nil {
		return status.Errorf(codes.Unknown, "%v", err)
	}
	return nil
}

// ValidateConfig sets the check CheckConfig applies to the provider
// configuration (keys without the package prefix, e.g. "region").
func (p *FakeProvider) ValidateConfig(fn func(news resource.PropertyMap) []*pulumirpc.CheckFailure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkConfig = fn
}

// Seed puts an existing resource into the store, so that reads by ID (for
// example a program's Get) and refreshes find it.
func (p *FakeProvider) Seed(typ, id string, state resource.PropertyMap) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.store[typ+"\x00"+id] = stored{typ: typ, inputs: state.Copy(), outputs: state.Copy()}
}

// Find returns the live state of the resource of type typ with ID id.
func (p *FakeProvider) Find(typ, id string) (resource.PropertyMap, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.store[typ+"\x00"+id]
	if !ok {
		return nil, false
	}
	return s.outputs.Copy(), true
}

// IDOf returns the ID of the live resource the engine created as urn: what
// an operator would look up in the cloud console after an interrupted
// update.
func (p *FakeProvider) IDOf(urn resource.URN) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, s := range p.store {
		if s.urn == urn {
			return strings.SplitN(k, "\x00", 2)[1], true
		}
	}
	return "", false
}

// SetLive changes the stored state of a live resource behind the engine's
// back, as a change made outside Pulumi (in the console, by another tool)
// would: the new values show up in refreshes as both inputs and outputs.
// It fails when the resource does not exist.
func (p *FakeProvider) SetLive(typ, id string, change func(state resource.PropertyMap)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := typ + "\x00" + id
	s, ok := p.store[key]
	if !ok {
		return fmt.Errorf("enginetest: no live %s %q", typ, id)
	}
	ins, outs := s.inputs.Copy(), s.outputs.Copy()
	change(ins)
	change(outs)
	s.inputs, s.outputs = ins, outs
	p.store[key] = s
	return nil
}

// LiveCount returns how many resources are live, of all types. (Live keys
// by ID, so two types sharing an ID, like an SQS queue and its policy, count
// once there.)
func (p *FakeProvider) LiveCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.store)
}

// Live returns the live resources of type typ (all types when empty) by ID
// with their current state.
func (p *FakeProvider) Live(typ string) map[string]resource.PropertyMap {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]resource.PropertyMap{}
	for k, s := range p.store {
		if typ == "" || s.typ == typ {
			out[strings.SplitN(k, "\x00", 2)[1]] = s.outputs.Copy()
		}
	}
	return out
}

// Start serves the provider on 127.0.0.1 with a kernel-chosen port and
// stops it when the test ends.
func (p *FakeProvider) Start(t testing.TB) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("enginetest: fake %s provider: listen: %v", p.pkg, err)
	}
	p.port = lis.Addr().(*net.TCPAddr).Port
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(256<<20), grpc.MaxSendMsgSize(256<<20))
	pulumirpc.RegisterResourceProviderServer(srv, p)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	m, err := plugin.UnmarshalProperties(s, marshalOpts)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "enginetest: unmarshal: %v", err)
	}
	return m, nil
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func connID(ctx context.Context) string {
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		return pr.Addr.String()
	}
	return ""
}

func (p *FakeProvider) config(ctx context.Context) resource.PropertyMap {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.configs[connID(ctx)]; ok {
		return c.Copy()
	}
	return resource.PropertyMap{}
}

func (p *FakeProvider) spec(typ string) (ResourceSpec, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.resources[typ]
	return s, ok
}

func (p *FakeProvider) modelled() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.resources))
	for k := range p.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func typeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	if urn == "" {
		return ""
	}
	return string(resource.URN(urn).Type())
}

// lookup finds the value at a dotted property path, looking through
// secrets and outputs. unknown is true when a computed value hides the rest
// of the path.
func lookup(m resource.PropertyMap, path string) (v resource.PropertyValue, found, unknown bool) {
	pp, err := resource.ParsePropertyPath(path)
	if err != nil {
		return resource.PropertyValue{}, false, false
	}
	v = resource.NewObjectProperty(m)
	for _, k := range pp {
		for {
			switch {
			case v.IsSecret():
				v = v.SecretValue().Element
				continue
			case v.IsOutput():
				if !v.OutputValue().Known {
					return v, true, true
				}
				v = v.OutputValue().Element
				continue
			}
			break
		}
		if v.IsComputed() {
			return v, true, true
		}
		switch key := k.(type) {
		case string:
			if !v.IsObject() {
				return resource.PropertyValue{}, false, false
			}
			nv, ok := v.ObjectValue()[resource.PropertyKey(key)]
			if !ok {
				return resource.PropertyValue{}, false, false
			}
			v = nv
		case int:
			if !v.IsArray() || key < 0 || key >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, false, false
			}
			v = v.ArrayValue()[key]
		}
	}
	if v.IsNull() {
		return v, false, false
	}
	return v, true, v.ContainsUnknowns()
}

func missing(m resource.PropertyMap, paths []string) []*pulumirpc.CheckFailure {
	var fs []*pulumirpc.CheckFailure
	for _, path := range paths {
		if _, found, _ := lookup(m, path); !found {
			fs = append(fs, &pulumirpc.CheckFailure{
				Property: path,
				Reason:   fmt.Sprintf("Missing required property '%s'", path),
			})
		}
	}
	return fs
}

func failureStrings(fs []*pulumirpc.CheckFailure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Property+": "+f.Reason)
	}
	return out
}

// hexOf returns n hex digits of sha256(parts...).
func hexOf(n int, parts ...[]byte) string {
	h := sha256.New()
	for _, part := range parts {
		h.Write(part)
		h.Write([]byte{0})
	}
	s := hex.EncodeToString(h.Sum(nil))
	for len(s) < n {
		s += s
	}
	return s[:n]
}

// hexer returns a Resource.Hex: from urn and id, or from urn and a fresh
// counter value when id is empty.
func (p *FakeProvider) hexer(urn, id string) func(int) string {
	if id != "" {
		return func(n int) string { return hexOf(n, []byte(urn), []byte(id)) }
	}
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return func(n int) string { return hexOf(n, []byte(urn), b[:]) }
}

// Attach records the engine address. The engine calls it when it dials a
// provider listed in PULUMI_DEBUG_PROVIDERS.
func (p *FakeProvider) Attach(_ context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.engineAddr = req.GetAddress()
	return &emptypb.Empty{}, nil
}

// GetPluginInfo reports the fake's version.
func (p *FakeProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

// Cancel is a no-op.
func (p *FakeProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// CheckConfig validates provider configuration.
func (p *FakeProvider) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	validate := p.checkConfig
	p.mu.Unlock()
	var fs []*pulumirpc.CheckFailure
	if validate != nil {
		fs = validate(news)
	}
	p.record(Call{Method: "CheckConfig", Type: typeOf(req.GetType(), req.GetUrn()), URN: resource.URN(req.GetUrn()),
		Inputs: news, Failures: failureStrings(fs), Conn: connID(ctx)})
	ins, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: ins, Failures: fs}, nil
}

// DiffConfig compares old and new provider configuration. It never asks
// for the provider to be replaced.
func (p *FakeProvider) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	changed, _, detailed := diffKeys(olds, news, nil)
	p.record(Call{Method: "DiffConfig", Type: typeOf(req.GetType(), req.GetUrn()), URN: resource.URN(req.GetUrn()),
		ID: req.GetId(), Inputs: news, Olds: olds, Conn: connID(ctx)})
	return diffResponse(changed, nil, detailed), nil
}

// Configure stores the configuration of the provider instance behind this
// connection.
func (p *FakeProvider) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// The engine sends the configuration both as structured Args and as the
	// deprecated string Variables; Args is enough.
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.configs[connID(ctx)] = args
	p.mu.Unlock()
	p.record(Call{Method: "Configure", Type: typeOf(req.GetType(), req.GetUrn()), URN: resource.URN(req.GetUrn()),
		ID: req.GetId(), Inputs: args, Conn: connID(ctx)})
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true, SupportsPreview: true}, nil
}

// Check validates resource inputs: the type must be modelled and its
// required properties present. It fills in auto-names.
func (p *FakeProvider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	var fs []*pulumirpc.CheckFailure
	spec, ok := p.spec(typ)
	switch {
	case !ok:
		fs = append(fs, &pulumirpc.CheckFailure{Reason: fmt.Sprintf(
			"enginetest: the fake %s provider does not model resource type %s (modelled: %s); add it with FakeProvider.Model",
			p.pkg, typ, p.modelled())})
	case spec.Facts != nil:
		urn := resource.URN(req.GetUrn())
		if err := factsAutoName(spec.Facts, news, olds, urn.Name(), hexOf(7, req.GetRandomSeed(), []byte(urn))); err != nil {
			p.record(Call{Method: "Check", Type: typ, URN: urn, Inputs: news, Olds: olds, Failures: []string{err.Error()}, Conn: connID(ctx)})
			return nil, status.Error(codes.Unknown, err.Error())
		}
		for _, f := range awsfacts.Check(typ, news) {
			fs = append(fs, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
	default:
		fs = missing(news, spec.Required)
		if spec.AutoName != "" {
			if _, found, _ := lookup(news, spec.AutoName); !found {
				name, had, _ := lookup(olds, spec.AutoName)
				if !had {
					n := spec.AutoNameLen
					if n == 0 {
						n = 7
					}
					urn := resource.URN(req.GetUrn())
					name = resource.NewStringProperty(urn.Name() + "-" + hexOf(n, req.GetRandomSeed(), []byte(urn)))
				}
				setPath(news, spec.AutoName, name)
			}
		}
	}
	p.record(Call{Method: "Check", Type: typ, URN: resource.URN(req.GetUrn()), Inputs: news, Olds: olds,
		Failures: failureStrings(fs), Conn: connID(ctx)})
	ins, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: ins, Failures: fs}, nil
}

// diffKeys compares top-level keys (ignoring internal "__" keys) and the
// force-new paths. It returns the changed keys, the keys forcing replacement
// and a detailed diff. factsReplace, when not nil, are the top-level keys
// to replace (from awsfacts.Replaces) instead of those forceNew finds.
func diffKeys(olds, news resource.PropertyMap, forceNew []string, factsReplace ...string) (changed, replaces []string, detailed map[string]*pulumirpc.PropertyDiff) {
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	replaceKeys := map[string]bool{}
	for _, k := range factsReplace {
		replaceKeys[k] = true
	}
	for _, path := range forceNew {
		ov, ofound, _ := lookup(olds, path)
		nv, nfound, nunknown := lookup(news, path)
		if ofound != nfound || nunknown || (ofound && !ov.DeepEquals(nv)) {
			top, _, _ := strings.Cut(path, ".")
			top, _, _ = strings.Cut(top, "[")
			replaceKeys[top] = true
		}
	}
	detailed = map[string]*pulumirpc.PropertyDiff{}
	for k := range keys {
		if strings.HasPrefix(string(k), "__") {
			continue
		}
		ov, oh := olds[k]
		nv, nh := news[k]
		if oh && ov.IsNull() {
			oh = false
		}
		if nh && nv.IsNull() {
			nh = false
		}
		if oh == nh && (!oh || (ov.DeepEquals(nv) && !nv.ContainsUnknowns())) {
			continue
		}
		changed = append(changed, string(k))
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !oh:
			kind = pulumirpc.PropertyDiff_ADD
		case !nh:
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if replaceKeys[string(k)] {
			replaces = append(replaces, string(k))
			// ADD → ADD_REPLACE, DELETE → DELETE_REPLACE, UPDATE → UPDATE_REPLACE.
			kind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
		}
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(changed)
	sort.Strings(replaces)
	return changed, replaces, detailed
}

func diffResponse(changed, replaces []string, detailed map[string]*pulumirpc.PropertyDiff) *pulumirpc.DiffResponse {
	res := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		Diffs:           changed,
		Replaces:        replaces,
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}
	if len(changed) > 0 {
		res.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return res
}

// Diff compares the old inputs with the new inputs.
func (p *FakeProvider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		// Older engines send only the old state.
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	spec, _ := p.spec(typ)
	var changed, replaces []string
	var detailed map[string]*pulumirpc.PropertyDiff
	if spec.Facts != nil {
		changed, replaces, detailed = diffKeys(olds, news, nil, awsfacts.Replaces(typ, olds, news)...)
	} else {
		changed, replaces, detailed = diffKeys(olds, news, spec.ForceNew)
	}
	p.record(Call{Method: "Diff", Type: typ, URN: resource.URN(req.GetUrn()), ID: req.GetId(),
		Inputs: news, Olds: olds, Replaces: replaces, Conn: connID(ctx)})
	return diffResponse(changed, replaces, detailed), nil
}

// outputs merges inputs with the spec's computed outputs. In a preview the
// computed keys that are not inputs are unknown.
func (p *FakeProvider) outputs(spec ResourceSpec, r *Resource, preview bool, old resource.PropertyMap) resource.PropertyMap {
	out := r.Inputs.Copy()
	if spec.Outputs == nil {
		return out
	}
	computed := spec.Outputs(r)
	var recomputed []resource.PropertyKey
	if preview && old != nil && spec.Recomputed != nil {
		recomputed = spec.Recomputed(r)
	}
	for k, v := range computed {
		if _, isInput := r.Inputs[k]; isInput && preview {
			continue
		}
		switch {
		case !preview:
			out[k] = v
		case old != nil && old.HasValue(k) && !slices.Contains(recomputed, k):
			out[k] = old[k]
		default:
			out[k] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	}
	return out
}

// Create invents an ID and computed outputs and stores the resource.
func (p *FakeProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	ins, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	spec, ok := p.spec(typ)
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "enginetest: fake %s provider: unmodelled type %s", p.pkg, typ)
	}
	if !req.GetPreview() && ins.ContainsUnknowns() {
		return nil, status.Errorf(codes.InvalidArgument, "enginetest: fake %s provider: create of %s with unknown inputs", p.pkg, req.GetUrn())
	}
	if err := p.intercepted(ctx, "Create", typ, req.GetUrn(), req.GetPreview()); err != nil {
		return nil, err
	}
	r := &Resource{URN: resource.URN(req.GetUrn()), Inputs: ins, Config: p.config(ctx), Hex: p.hexer(req.GetUrn(), "")}
	if !req.GetPreview() && spec.Facts != nil {
		// Terraform turns a name prefix into the name at create time, and
		// the API validates the result (the schema only checked the prefix).
		named, err := prefixedName(spec.Facts, ins, nil, r.Hex)
		if err != nil {
			p.record(Call{Method: "Create", Type: typ, URN: r.URN, Inputs: ins, Failures: []string{err.Error()}, Conn: connID(ctx)})
			return nil, status.Errorf(codes.InvalidArgument, "creating %s: %v", req.GetUrn(), err)
		}
		r.Inputs = named
	}
	if !req.GetPreview() && spec.Precondition != nil {
		if err := spec.Precondition(r); err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "creating %s: %v", req.GetUrn(), err)
		}
	}
	if !req.GetPreview() && spec.Unique != nil {
		if err := spec.Unique(r, p.Live(typ)); err != nil {
			p.record(Call{Method: "Create", Type: typ, URN: r.URN, Inputs: ins, Failures: []string{err.Error()}, Conn: connID(ctx)})
			return nil, status.Errorf(codes.AlreadyExists, "creating %s: %v", req.GetUrn(), err)
		}
	}
	id := ""
	if !req.GetPreview() {
		if spec.ID != nil {
			id = spec.ID(r)
		} else {
			id = spec.IDPrefix + r.Hex(17)
		}
		r.ID, r.Hex = id, p.hexer(req.GetUrn(), id)
	}
	outs := p.outputs(spec, r, req.GetPreview(), nil)
	if !req.GetPreview() {
		p.mu.Lock()
		_, exists := p.store[typ+"\x00"+id]
		if !exists {
			p.store[typ+"\x00"+id] = stored{typ: typ, urn: r.URN, inputs: ins.Copy(), outputs: outs.Copy()}
		}
		p.mu.Unlock()
		if exists {
			// Cloud APIs refuse a second resource with the same name, e.g. a
			// create repeated after an interrupted update had already made it.
			p.record(Call{Method: "Create", Type: typ, URN: r.URN, ID: id, Inputs: ins,
				Failures: []string{"already exists"}, Conn: connID(ctx)})
			return nil, status.Errorf(codes.AlreadyExists, "creating %s: %s %q already exists", req.GetUrn(), typ, id)
		}
	}
	if !req.GetPreview() && spec.Created != nil {
		spec.Created(r)
	}
	p.record(Call{Method: "Create", Type: typ, URN: r.URN, ID: id, Preview: req.GetPreview(), Inputs: ins,
		Outputs: outs, Conn: connID(ctx)})
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Read returns the stored state of a resource, or an empty ID when it does
// not exist (the engine then treats it as deleted).
func (p *FakeProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	p.mu.Lock()
	s, ok := p.store[typ+"\x00"+req.GetId()]
	p.mu.Unlock()
	call := Call{Method: "Read", Type: typ, URN: resource.URN(req.GetUrn()), ID: req.GetId(), Conn: connID(ctx)}
	if !ok {
		p.record(call)
		return &pulumirpc.ReadResponse{}, nil
	}
	call.Outputs = s.outputs
	p.record(call)
	props, err := marshal(s.outputs)
	if err != nil {
		return nil, err
	}
	ins, err := marshal(s.inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: ins}, nil
}

// Update applies new inputs to a stored resource.
func (p *FakeProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	spec, ok := p.spec(typ)
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "enginetest: fake %s provider: unmodelled type %s", p.pkg, typ)
	}
	if err := p.intercepted(ctx, "Update", typ, req.GetUrn(), req.GetPreview()); err != nil {
		return nil, err
	}
	key := typ + "\x00" + req.GetId()
	if !req.GetPreview() {
		p.mu.Lock()
		_, exists := p.store[key]
		p.mu.Unlock()
		if !exists {
			return nil, status.Errorf(codes.NotFound, "enginetest: fake %s provider: %s %q does not exist", p.pkg, typ, req.GetId())
		}
	}
	r := &Resource{URN: resource.URN(req.GetUrn()), ID: req.GetId(), Inputs: news, Olds: olds, Config: p.config(ctx), Hex: p.hexer(req.GetUrn(), req.GetId())}
	if spec.Facts != nil {
		// A name made from a prefix stays what it was made as.
		if named, err := prefixedName(spec.Facts, news, olds, r.Hex); err == nil {
			r.Inputs = named
		}
	}
	if !req.GetPreview() && spec.Precondition != nil {
		if err := spec.Precondition(r); err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "updating %s: %v", req.GetUrn(), err)
		}
	}
	outs := p.outputs(spec, r, req.GetPreview(), olds)
	if !req.GetPreview() {
		p.mu.Lock()
		p.store[key] = stored{typ: typ, urn: r.URN, inputs: news.Copy(), outputs: outs.Copy()}
		p.mu.Unlock()
	}
	p.record(Call{Method: "Update", Type: typ, URN: r.URN, ID: req.GetId(), Preview: req.GetPreview(),
		Inputs: news, Olds: olds, Outputs: outs, Conn: connID(ctx)})
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Delete removes a resource from the store. Deleting a missing resource
// succeeds, as real providers treat "not found" on delete.
func (p *FakeProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if err := p.intercepted(ctx, "Delete", typ, req.GetUrn(), false); err != nil {
		return nil, err
	}
	p.mu.Lock()
	delete(p.store, typ+"\x00"+req.GetId())
	p.mu.Unlock()
	if spec, ok := p.spec(typ); ok && spec.Deleted != nil {
		spec.Deleted(req.GetId(), olds)
	}
	p.record(Call{Method: "Delete", Type: typ, URN: resource.URN(req.GetUrn()), ID: req.GetId(), Olds: olds, Conn: connID(ctx)})
	return &emptypb.Empty{}, nil
}

// Invoke answers a modelled function.
func (p *FakeProvider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	spec, ok := p.invokes[req.GetTok()]
	p.mu.Unlock()
	call := Call{Method: "Invoke", Type: req.GetTok(), Preview: req.GetPreview(), Inputs: args, Conn: connID(ctx)}
	if !ok {
		p.record(call)
		return nil, status.Errorf(codes.Unimplemented, "enginetest: the fake %s provider does not model function %s; add it with FakeProvider.ModelInvoke", p.pkg, req.GetTok())
	}
	if fs := missing(args, spec.Required); len(fs) > 0 {
		call.Failures = failureStrings(fs)
		p.record(call)
		return &pulumirpc.InvokeResponse{Failures: fs}, nil
	}
	res, err := spec.Fn(args, p.config(ctx))
	if err != nil {
		p.record(call)
		return nil, err
	}
	call.Outputs = res
	p.record(call)
	ret, err := marshal(res)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

// setPath sets the value at a dotted path of plain objects, creating missing
// objects on the way. It gives up on computed or non-object values.
func setPath(m resource.PropertyMap, path string, v resource.PropertyValue) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[resource.PropertyKey(k)]
		switch {
		case !ok || next.IsNull():
			obj := resource.PropertyMap{}
			m[resource.PropertyKey(k)] = resource.NewObjectProperty(obj)
			m = obj
		case next.IsObject():
			obj := next.ObjectValue().Copy()
			m[resource.PropertyKey(k)] = resource.NewObjectProperty(obj)
			m = obj
		default:
			return
		}
	}
	m[resource.PropertyKey(keys[len(keys)-1])] = v
}

// str is shorthand for a string property value.
func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

// strs is shorthand for an array of string property values.
func strs(ss ...string) resource.PropertyValue {
	vs := make([]resource.PropertyValue, 0, len(ss))
	for _, s := range ss {
		vs = append(vs, resource.NewStringProperty(s))
	}
	return resource.NewArrayProperty(vs)
}

// getString returns the string at path, or def when absent or not a known
// string.
func getString(m resource.PropertyMap, path, def string) string {
	v, found, unknown := lookup(m, path)
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !found || unknown || !v.IsString() {
		return def
	}
	return v.StringValue()
}

// getNumber returns the number at path as an int, 0 when absent or not a
// known number.
func getNumber(m resource.PropertyMap, path string) int {
	v, found, unknown := lookup(m, path)
	if !found || unknown || !v.IsNumber() {
		return 0
	}
	return int(v.NumberValue())
}

// getStrings returns the known strings of the array at path.
func getStrings(m resource.PropertyMap, path string) []string {
	v, found, unknown := lookup(m, path)
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !found || unknown || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		for e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// factsAutoName fills in the autonamed property of t as
// pulumi-terraform-bridge does: the prior value on updates, otherwise
// <URN name>-<7 random characters>, unless the property or a conflicting
// peer (namePrefix) is set. It returns the bridge's error when the name
// would be longer than the autoname maximum (the bridge fails; it never
// truncates: facts.json autoName, SOURCES.md "pulumi-aws and bridge
// sources").
func factsAutoName(t *awsfacts.Type, news, olds resource.PropertyMap, urnName, suffix string) error {
	if !awsfacts.NeedsAutoName(t.Token, news) {
		return nil
	}
	prop := t.AutoName.Property
	if old, had, _ := lookup(olds, prop); had {
		setPath(news, prop, old)
		return nil
	}
	name, err := awsfacts.AutoNameInputs(t.Token, news, urnName, suffix)
	if err != nil {
		return err
	}
	setPath(news, prop, resource.NewStringProperty(name))
	return nil
}

// prefixedName returns ins with the name Terraform makes from a name prefix
// (create.Name: prefix + 26 unique characters) when only the prefix is
// set; the name already made (in olds) is kept. The final name must pass
// the name validator, as the AWS API checks it. ins is returned unchanged
// when there is nothing to make.
func prefixedName(t *awsfacts.Type, ins, olds resource.PropertyMap, hex func(int) string) (resource.PropertyMap, error) {
	prefixProp := t.PrefixProperty()
	if prefixProp == "" {
		return ins, nil
	}
	nameProp := t.NameValidation.Property
	if _, found, _ := lookup(ins, nameProp); found {
		return ins, nil
	}
	prefix := getString(ins, prefixProp, "")
	if prefix == "" {
		return ins, nil
	}
	out := ins.Copy()
	if old := getString(olds, nameProp, ""); old != "" {
		out[resource.PropertyKey(nameProp)] = resource.NewStringProperty(old)
		return out, nil
	}
	name := prefix + hexToDigits(hex(18)) + hex(8)
	if t.Token == "aws:sqs/queue:Queue" && getBool(ins, "fifoQueue") {
		name += ".fifo"
	}
	if err := awsfacts.CheckName(t.Token, nameProp, name, getBool(ins, "fifoQueue")); err != nil {
		return nil, err
	}
	out[resource.PropertyKey(nameProp)] = resource.NewStringProperty(name)
	return out, nil
}

// getBool reports whether the value at path is a known true.
func getBool(m resource.PropertyMap, path string) bool {
	v, found, unknown := lookup(m, path)
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return found && !unknown && v.IsBool() && v.BoolValue()
}
