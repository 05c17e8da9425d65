package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/sample"
)

// benchSource serves pages of fresh posts forever: IDs are unique for the
// first len(ids) posts, then repeat (by then the dedupe set, smaller, has
// forgotten them). Its own cost is a slice header per page.
type benchSource struct {
	posts []hark.Post
	page  int
	off   int
}

func (s *benchSource) Name() string { return "bench" }

func (s *benchSource) Fetch(_ context.Context, _ string) (listen.Batch, error) {
	if s.off+s.page > len(s.posts) {
		s.off = 0
	}
	b := listen.Batch{Posts: s.posts[s.off : s.off+s.page : s.off+s.page], Cursor: strconv.Itoa(s.off)}
	s.off += s.page
	return b, nil
}

func benchPosts(n int) []hark.Post {
	posts := make([]hark.Post, n)
	for i := range posts {
		posts[i] = hark.Post{ID: "p" + strconv.Itoa(i), Text: "text", Created: time.Unix(int64(i), 0)}
	}
	return posts
}

// BenchmarkStreamOverhead measures what Stream adds per post: dedupe (a
// bounded set of 100k or 1M keys with a TTL), the cursor checkpoint per batch
// (memory), watermarks, UTF-8 repair. Target: at least 1M posts/s.
func BenchmarkStreamOverhead(b *testing.B) {
	posts := benchPosts(2_000_000)
	for _, c := range []struct{ page, dedupe int }{{100, 100_000}, {1000, 100_000}, {1000, 1_000_000}} {
		b.Run(fmt.Sprintf("page=%d/dedupe=%d", c.page, c.dedupe), func(b *testing.B) {
			src := &benchSource{posts: posts, page: c.page}
			opts := []listen.Option{
				listen.WithCheckpoints(&listen.MemoryCheckpoints{}),
				listen.WithDedupe(listen.NewDedupe(c.dedupe, time.Hour)),
				listen.WithWatermarks(&listen.Watermarks{}),
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			n := 0
			for posts, err := range listen.Stream(context.Background(), src, opts...) {
				if err != nil {
					b.Fatal(err)
				}
				n += len(posts)
				if n >= b.N {
					break
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "posts/cpu-s")
		})
	}
}

// query20 has 20 terms: words, phrases, wildcards, a mention, a tag, a
// field, under AND, OR, NOT and parentheses.
const query20 = `(refund OR refunds OR chargeback OR "money back") AND (late OR delayed OR never OR lost OR missing)
 OR (@acmeair OR #acmefail OR "customer service") AND (cancel* OR outage OR down OR broken OR crash*)
 NOT (giveaway OR promo OR lang:ja)`

func benchTexts(n int) []hark.Post {
	words := strings.Fields(`the a my flight bag refund late never service customer app crashed again
		today why is this so hard thanks great love hate waiting hours support agent phone called twice
		money back delayed lost missing outage down broken cancelled booking seat gate crew food wifi
		@acmeair #acmefail #travel seriously please help what happened`)
	r := rand.New(rand.NewPCG(7, 7))
	posts := make([]hark.Post, n)
	for i := range posts {
		var sb strings.Builder
		for j := range 12 + r.IntN(20) {
			if j > 0 {
				sb.WriteByte(' ')
			}
			w := words[r.IntN(len(words))]
			if r.IntN(10) == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			sb.WriteString(w)
		}
		sb.WriteString("!")
		posts[i] = hark.Post{ID: strconv.Itoa(i), Text: sb.String(), Lang: "en"}
	}
	return posts
}

// BenchmarkQueryMatch measures the Boolean filter on a 20-term query over
// posts of 12 to 31 words (about 100 to 200 bytes). Target: 2M posts/s.
func BenchmarkQueryMatch(b *testing.B) {
	q := listen.MustCompile(query20)
	posts := benchTexts(4096)
	matched := 0
	b.ReportAllocs()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		if q.Match(&posts[i&4095]) {
			matched++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "posts/cpu-s")
	b.ReportMetric(float64(matched)/float64(b.N), "match-rate")
}

// query20Kestrel is a 20-term query a comms team would write for the
// sample week's company.
const query20Kestrel = `(kestrel OR @kestrel OR @kestrelhelp OR kestrelpay OR kestrelbook) AND
 (refund* OR charged OR "double charged" OR broken OR crash* OR outage OR down OR declined OR scam OR lawyer)
 NOT (giveaway OR promo* OR #ad OR lang:ja OR source:news)`

// BenchmarkQueryMatchSampleWeek runs the 20-term query over the 4,400
// posts of the embedded sample week (real lengths, mixed languages, most
// posts not matching).
func BenchmarkQueryMatchSampleWeek(b *testing.B) {
	q := listen.MustCompile(query20Kestrel)
	posts := sample.Week()
	matched := 0
	b.ReportAllocs()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		if q.Match(&posts[i%len(posts)]) {
			matched++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "posts/cpu-s")
	b.ReportMetric(float64(matched)/float64(b.N), "match-rate")
}
