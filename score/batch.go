package score

import "github.com/harkhq/hark"

// batchSize is how many posts ScoreAll takes through each stage together:
// enough that a stage's code and tables are reused while still in the
// caches, few enough that the posts' working memory stays in them too.
// (On the care posts, 16 rather than 8 halves the instruction-cache misses
// for two more second-level data misses a post; 32 adds sixteen.)
const batchSize = 16

// A batch is the working memory of ScoreAll, pooled.
type batch struct {
	sc [batchSize]scratch
	a  [batchSize]analysis
}

// ScoreAll judges each post of posts into the Result of out at the same
// index, out[i] being what Score(posts[i]) returns. It panics if out is
// shorter than posts.
//
// ScoreAll is faster than a call to Score per post: it takes a few posts at
// a time through each stage of scoring (reading words, detecting the
// language, the rules, the learned layer), so that each stage's code and
// tables are still in the processor's caches for the next post, and the
// Reasons and About of those posts share one allocation (each with its own
// length and capacity: appending to one never writes to another's). Like
// Score, it is safe for concurrent use, given each call its own out.
func (s *Scorer) ScoreAll(posts []hark.Post, out []Result) {
	if len(out) < len(posts) {
		panic("score: ScoreAll: out is shorter than posts")
	}
	b := s.batches.Get().(*batch)
	for len(posts) > 0 {
		n := min(len(posts), batchSize)
		ps, as := posts[:n], b.a[:n]
		for k := range as {
			as[k] = analysis{}
			s.readWords(&b.sc[k], &ps[k], &as[k])
		}
		for k := range as {
			s.language(&b.sc[k], &ps[k], &as[k])
		}
		for k := range as {
			s.rules(&b.sc[k], &ps[k], &as[k])
		}
		// the Results' reasons and entities in one allocation each
		nr, ne := 0, 0
		for k := range as {
			out[k] = s.decide(&b.sc[k], &as[k], &ps[k])
			nr += len(out[k].Reasons)
			ne += len(out[k].About)
		}
		reasons := make([]hark.Reason, nr)
		var about []Entity
		if ne > 0 {
			about = make([]Entity, ne)
		}
		for k := range as {
			r := &out[k]
			nr, ne := len(r.Reasons), len(r.About)
			r.own(reasons[:nr:nr], about[:ne:ne])
			reasons, about = reasons[nr:], about[ne:]
		}
		posts, out = posts[n:], out[n:]
	}
	s.batches.Put(b)
}
