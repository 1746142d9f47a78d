package plan

import (
	"container/heap"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
)

// registrationOrder orders resources the way the engine can register them:
// every parent and dependency before the resources that need it. The SDK
// registers from goroutines, so the order the monitor happened to see varies
// between runs; ties are broken by URN so the plan is byte-stable.
func registrationOrder(rs []mockcloud.Resource) []mockcloud.Resource {
	index := make(map[string]int, len(rs))
	for i, r := range rs {
		index[r.URN] = i
	}
	indegree := make([]int, len(rs))
	next := make([][]int, len(rs))
	edge := func(from string, to int) {
		if i, ok := index[from]; ok && i != to {
			next[i] = append(next[i], to)
			indegree[to]++
		}
	}
	for i, r := range rs {
		edge(r.Parent, i)
		for _, d := range r.Dependencies {
			edge(d, i)
		}
	}
	ready := &urnHeap{rs: rs}
	for i := range rs {
		if indegree[i] == 0 {
			ready.idx = append(ready.idx, i)
		}
	}
	heap.Init(ready)
	out := make([]mockcloud.Resource, 0, len(rs))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, rs[i])
		for _, j := range next[i] {
			if indegree[j]--; indegree[j] == 0 {
				heap.Push(ready, j)
			}
		}
	}
	return out
}

type urnHeap struct {
	rs  []mockcloud.Resource
	idx []int
}

func (h urnHeap) Len() int           { return len(h.idx) }
func (h urnHeap) Less(a, b int) bool { return h.rs[h.idx[a]].URN < h.rs[h.idx[b]].URN }
func (h urnHeap) Swap(a, b int)      { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }
func (h *urnHeap) Push(x any)        { h.idx = append(h.idx, x.(int)) }
func (h *urnHeap) Pop() any {
	old := h.idx
	x := old[len(old)-1]
	h.idx = old[:len(old)-1]
	return x
}
