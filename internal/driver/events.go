package driver

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// collector reads the engine event stream of one operation and keeps what
// the summary needs: the changed resources, policy violations, error
// diagnostics and the engine's own change counts.
type collector struct {
	// results selects the event that says what happened to a resource.
	// For operations that change the stack (up, refresh, destroy) it is the
	// outputs event, sent when a step has completed: an interrupted or
	// failed update lists only what it really did, and for refresh it
	// carries the result (update, delete, same) where the pre-event only
	// says "refresh". Previews use the pre-event, because a preview with
	// --refresh also emits outputs events for its refresh phase, which
	// compare the state with the cloud, not the program with the cloud.
	results bool

	ch   chan events.EngineEvent
	stop chan struct{}
	done chan struct{}

	mu         sync.Mutex
	order      []string
	changes    map[string]*Change
	violations []Violation
	errors     []string
	summary    *apitype.SummaryEvent
}

func newCollector(results bool) *collector {
	c := &collector{
		results: results,
		ch:      make(chan events.EngineEvent),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		changes: map[string]*Change{},
	}
	go c.loop()
	return c
}

func (c *collector) loop() {
	defer close(c.done)
	for {
		select {
		case ev, ok := <-c.ch:
			if !ok {
				return
			}
			c.handle(ev)
		case <-c.stop:
			// The Automation API closes the channel when the CLI ends its
			// event stream, but not when the CLI fails before opening it.
			// After the operation returned nothing new can start, so drain
			// what is in flight and stop once the channel goes quiet.
			for {
				select {
				case ev, ok := <-c.ch:
					if !ok {
						return
					}
					c.handle(ev)
				case <-time.After(200 * time.Millisecond):
					return
				}
			}
		}
	}
}

// finish waits for the events of the finished operation.
func (c *collector) finish() {
	close(c.stop)
	<-c.done
}

// noChange are operations that leave a resource as it is.
var noChange = map[apitype.OpType]bool{
	apitype.OpSame:        true,
	apitype.OpRead:        true,
	apitype.OpRefresh:     true,
	apitype.OpReadDiscard: true,
}

// replaceOps are the steps of a replacement; a resource with any of them is
// reported once, as replace.
var replaceOps = map[apitype.OpType]bool{
	apitype.OpReplace:           true,
	apitype.OpCreateReplacement: true,
	apitype.OpDeleteReplaced:    true,
	apitype.OpDiscardReplaced:   true,
	apitype.OpReadReplacement:   true,
	apitype.OpImportReplacement: true,
}

func (c *collector) handle(ev events.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.ResourcePreEvent != nil && !c.results:
		c.step(ev.ResourcePreEvent.Metadata)
	case ev.ResOutputsEvent != nil && c.results:
		c.step(ev.ResOutputsEvent.Metadata)
	case ev.PolicyEvent != nil:
		p := ev.PolicyEvent
		level := p.EnforcementLevel
		if level == "warning" {
			level = "advisory"
		}
		c.violations = append(c.violations, Violation{
			PolicyPack:  p.PolicyPackName,
			Policy:      p.PolicyName,
			Enforcement: level,
			URN:         p.ResourceURN,
			Message:     plain(p.Message),
		})
	case ev.DiagnosticEvent != nil && ev.DiagnosticEvent.Severity == "error":
		if msg := plain(ev.DiagnosticEvent.Message); msg != "" {
			c.errors = append(c.errors, msg)
		}
	case ev.SummaryEvent != nil:
		s := *ev.SummaryEvent
		c.summary = &s
	}
}

func (c *collector) step(md apitype.StepEventMetadata) {
	if noChange[md.Op] || isDefaultProvider(md.URN, md.Type) {
		return
	}
	op := string(md.Op)
	if replaceOps[md.Op] {
		op = string(apitype.OpReplace)
	}
	ch, seen := c.changes[md.URN]
	if !seen {
		ch = &Change{URN: md.URN, Type: md.Type}
		c.changes[md.URN] = ch
		c.order = append(c.order, md.URN)
	}
	if ch.Op != string(apitype.OpReplace) {
		ch.Op = op
	}
	for _, d := range md.Diffs {
		if !slices.Contains(ch.Diffs, d) {
			ch.Diffs = append(ch.Diffs, d)
		}
	}
}

// isDefaultProvider reports a provider the engine made for resources that
// name none. The engine leaves them out of its change counts, so the
// resource list does too.
func isDefaultProvider(urn, typ string) bool {
	if !strings.HasPrefix(typ, "pulumi:providers:") {
		return false
	}
	i := strings.LastIndex(urn, "::")
	return i >= 0 && strings.HasPrefix(urn[i+2:], "default")
}

// fill copies what was collected into s.
func (c *collector) fill(s *Summary) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, urn := range c.order {
		s.Resources = append(s.Resources, *c.changes[urn])
	}
	s.PolicyViolations = append(s.PolicyViolations, c.violations...)
	for _, e := range c.errors {
		s.addError(e)
	}
	if c.summary != nil {
		for op, n := range c.summary.ResourceChanges {
			s.Changes[string(op)] = n
		}
	}
}

// list returns the changed resources collected, in engine order.
func (c *collector) list() []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []Change{}
	for _, urn := range c.order {
		out = append(out, *c.changes[urn])
	}
	return out
}

func (c *collector) mandatoryViolation() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.violations {
		if v.Enforcement == "mandatory" {
			return true
		}
	}
	return false
}

// colorDirective matches Pulumi's color markup, e.g. <{%fg 1%}> and <{%reset%}>.
var colorDirective = regexp.MustCompile(`<\{%[^%]*%\}>`)

// ansi matches terminal color escapes.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plain strips color markup and surrounding blank space from a message.
func plain(s string) string {
	s = colorDirective.ReplaceAllString(s, "")
	s = ansi.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}
