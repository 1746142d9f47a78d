package enginetest

import (
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Call is one RPC a fake provider received.
type Call struct {
	// Method is the RPC name: CheckConfig, DiffConfig, Configure, Check,
	// Diff, Create, Read, Update, Delete or Invoke.
	Method string
	// Type is the resource type token (e.g. aws:eks/cluster:Cluster) or,
	// for Invoke, the function token (e.g. aws:index/getPartition:getPartition).
	Type string
	// URN is the resource URN; empty for Invoke. For the config methods it
	// is the provider resource's URN when the engine sends it.
	URN resource.URN
	// ID is the resource ID for Diff, Read, Update and Delete, and the new
	// ID for Create.
	ID string
	// Preview is true for Create, Update and Invoke calls made during a
	// preview.
	Preview bool
	// Inputs holds the new inputs (Check, Diff, Create, Update, config
	// methods) or the invoke arguments.
	Inputs resource.PropertyMap
	// Olds holds the old inputs for Diff and Update and the state for Read
	// and Delete.
	Olds resource.PropertyMap
	// Outputs holds what the fake returned: state for Create, Read and
	// Update, the result of an Invoke.
	Outputs resource.PropertyMap
	// Failures lists Check failures as "property: reason", or why a Create
	// was refused ("already exists").
	Failures []string
	// Replaces lists the properties a Diff reported as forcing replacement.
	Replaces []string
	// Conn identifies the engine connection (one per provider instance).
	Conn string
}

// Recorder keeps the calls a fake provider received. It is safe for
// concurrent use; the engine calls providers from many goroutines.
type Recorder struct {
	mu    sync.Mutex
	calls []Call
}

func (r *Recorder) record(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

// Calls returns a copy of all calls so far, in arrival order. If methods
// are given, only calls to those methods are returned.
func (r *Recorder) Calls(methods ...string) []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Call
	for _, c := range r.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Types returns the sorted, de-duplicated type or function tokens of the
// calls to method.
func (r *Recorder) Types(method string) []string {
	var out []string
	for _, c := range r.Calls(method) {
		out = append(out, c.Type)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Count returns how many calls to method were made for the type token typ
// (all types when typ is empty).
func (r *Recorder) Count(method, typ string) int {
	n := 0
	for _, c := range r.Calls(method) {
		if typ == "" || c.Type == typ {
			n++
		}
	}
	return n
}

// Reset forgets all recorded calls. The fake's resource store is kept.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}
