package influence

import (
	"context"
	"math"
	"time"
)

// A Kind is what one author did to another: an edge of the interaction
// graph.
type Kind uint8

// Kinds of interaction, edges of the interaction graph.
const (
	KindRepost  Kind = iota // reposted or quoted a post of theirs
	KindReply               // replied to a post of theirs
	KindMention             // mentioned them
	numKinds
)

// String returns the kind's name: "repost", "reply" or "mention".
func (k Kind) String() string {
	switch k {
	case KindRepost:
		return "repost"
	case KindReply:
		return "reply"
	case KindMention:
		return "mention"
	}
	return "unknown"
}

// chunkEdges is the capacity of one chunk of the edge log. Chunks never
// grow past it, so a snapshot of the log stays valid while it grows.
const chunkEdges = 1 << 16

// Graph is the interaction graph: who amplifies, replies to and mentions
// whom, each edge weighted by its kind and decayed by its age. Authors are
// interned to dense uint32 IDs; an edge costs 12 bytes. It is not safe for
// concurrent use; [Tracker] guards it.
type Graph struct {
	ids  map[string]uint32
	keys []string
	// The edge log, in chunks of chunkEdges: from, to, and the log2 of
	// the edge's weight plus its time in half-lives since epoch, so that
	// the decayed weight at time now is 2^(lw - (now-epoch)/halfLife).
	from, to [][]uint32
	lw       [][]float32
	edges    int
	epoch    time.Time
	halfLife time.Duration
	kindLog2 [numKinds]float32
}

// NewGraph returns an empty graph whose edges lose half their weight every
// halfLife (30 days if not positive), weighted by kind as a [Tracker]
// weighs them: repost 1, reply 0.7, mention 0.5.
func NewGraph(halfLife time.Duration) *Graph {
	return newGraph(halfLife, defaultKindWeights)
}

var defaultKindWeights = [numKinds]float64{KindRepost: 1, KindReply: 0.7, KindMention: 0.5}

func newGraph(halfLife time.Duration, weights [numKinds]float64) *Graph {
	if halfLife <= 0 {
		halfLife = 30 * 24 * time.Hour
	}
	g := &Graph{ids: make(map[string]uint32), halfLife: halfLife}
	for k, w := range weights {
		g.kindLog2[k] = float32(math.Log2(w))
	}
	return g
}

// Add records that the author from did k to the author to at time at. Self
// edges are ignored.
func (g *Graph) Add(from, to string, k Kind, at time.Time) {
	if from == to || k >= numKinds {
		return
	}
	g.add(g.node(from), g.node(to), k, at)
}

// Rank returns the PageRank of every author, with the edges decayed to
// now: the i-th value is that of [Graph.Key](i). The values sum to 1.
//
// An author passes their rank along their edges in proportion to the edges'
// weights, but never more than the edges weigh in all: one fresh repost
// (weight 1) passes all of it, one mention half, and an author whose
// interactions have decayed passes only what is left of them. The rest is
// spread evenly over everyone, as the rank of an author who interacted
// with no one is.
func (g *Graph) Rank(ctx context.Context, now time.Time, opts RankOptions) ([]float64, RankStats, error) {
	n, es := g.snapshot(now)
	return pageRank(ctx, n, es, opts)
}

// Key returns the key of the i-th author added to the graph.
func (g *Graph) Key(i int) string { return g.keys[i] }

// node returns the ID of the author with the key, adding it if new.
func (g *Graph) node(key string) uint32 {
	if id, ok := g.ids[key]; ok {
		return id
	}
	id := uint32(len(g.keys))
	g.ids[key] = id
	g.keys = append(g.keys, key)
	return id
}

// lookup returns the ID of the author with the key, if known.
func (g *Graph) lookup(key string) (uint32, bool) {
	id, ok := g.ids[key]
	return id, ok
}

// add appends an edge u -> v of kind k at time t.
func (g *Graph) add(u, v uint32, k Kind, t time.Time) {
	if g.epoch.IsZero() {
		g.epoch = t
	}
	var age float64 // in half-lives since epoch
	if !t.IsZero() && !g.epoch.IsZero() {
		age = float64(t.Sub(g.epoch)) / float64(g.halfLife)
	}
	if g.edges%chunkEdges == 0 {
		g.from = append(g.from, make([]uint32, 0, chunkEdges))
		g.to = append(g.to, make([]uint32, 0, chunkEdges))
		g.lw = append(g.lw, make([]float32, 0, chunkEdges))
	}
	c := len(g.from) - 1
	g.from[c] = append(g.from[c], u)
	g.to[c] = append(g.to[c], v)
	g.lw[c] = append(g.lw[c], g.kindLog2[k]+float32(age))
	g.edges++
}

// Nodes returns the number of authors in the graph.
func (g *Graph) Nodes() int { return len(g.keys) }

// Edges returns the number of interactions in the graph.
func (g *Graph) Edges() int { return g.edges }

// snapshot returns the edges as of now, with their decay. The slices it
// holds are not written again by add (chunks never reallocate), so it may
// be ranked without the lock.
func (g *Graph) snapshot(now time.Time) (int, edgeChunks) {
	es := edgeChunks{mode: weightExp2, minOut: 1}
	for c := range g.from {
		es.from = append(es.from, g.from[c][:len(g.from[c]):len(g.from[c])])
		es.to = append(es.to, g.to[c][:len(g.to[c]):len(g.to[c])])
		es.w = append(es.w, g.lw[c][:len(g.lw[c]):len(g.lw[c])])
	}
	if !g.epoch.IsZero() && !now.IsZero() {
		es.shift = float32(float64(now.Sub(g.epoch)) / float64(g.halfLife))
	}
	return len(g.keys), es
}

// Prune drops the interactions whose weight, decayed to now, has fallen
// below minWeight (a fresh repost weighs 1), and returns how many it
// dropped. Authors stay. A long-running tracker calls it now and then to
// keep the graph to what still counts: at minWeight 0.001, ten half-lives.
func (g *Graph) Prune(now time.Time, minWeight float64) int {
	if g.epoch.IsZero() || now.IsZero() || !(minWeight > 0) {
		return 0
	}
	limit := float32(math.Log2(minWeight) + float64(now.Sub(g.epoch))/float64(g.halfLife))
	from, to, lw := g.from, g.to, g.lw
	g.from, g.to, g.lw, g.edges = nil, nil, nil, 0
	dropped := 0
	for c := range from {
		for i, w := range lw[c] {
			if w < limit {
				dropped++
				continue
			}
			if g.edges%chunkEdges == 0 {
				g.from = append(g.from, make([]uint32, 0, chunkEdges))
				g.to = append(g.to, make([]uint32, 0, chunkEdges))
				g.lw = append(g.lw, make([]float32, 0, chunkEdges))
			}
			k := len(g.from) - 1
			g.from[k] = append(g.from[k], from[c][i])
			g.to[k] = append(g.to[k], to[c][i])
			g.lw[k] = append(g.lw[k], w)
			g.edges++
		}
	}
	return dropped
}
