package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// The respond benchmarks decide pre-scored customer-care posts with the
// shipped policy (examples/replay/policy.yaml), side by side with the way
// CEL is commonly used in Go: each rule's condition compiled once, then
// evaluated with a map activation built per post, rules tried in order.
// The peer only evaluates conditions (no actions, deadline, reply or
// trace), so it is a lower bound of what a full policy would cost that
// way.

const respondPolicy = "../examples/replay/policy.yaml"

func respondCases(b *testing.B) []respond.Case {
	b.Helper()
	files, err := filepath.Glob("../score/testdata/care/*.jsonl")
	if err != nil || len(files) == 0 {
		b.Skip("no care posts at ../score/testdata/care")
	}
	sc, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var cases []respond.Case
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			var p struct{ ID, Text string }
			if err := json.Unmarshal(s.Bytes(), &p); err != nil {
				b.Fatal(err)
			}
			post := hark.Post{ID: p.ID, Text: p.Text, Created: now.Add(-time.Duration(len(cases)) * time.Second),
				Author: hark.Author{Handle: "@user", Name: "User", Followers: int64(len(cases) * 37 % 90000)}}
			cases = append(cases, respond.Case{Post: post, Scores: sc.Score(post), Now: now})
		}
		fh.Close()
	}
	return cases
}

func BenchmarkRespondPolicy(b *testing.B) {
	cases := respondCases(b)
	p, err := respond.LoadPolicy(respondPolicy)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := p.Decide(ctx, cases[i%len(cases)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportDecisions(b, cpuTime()-cpu0)
}

// reportDecisions reports decisions per second of wall time and per second
// of the process's CPU time (the better measure on a busy shared machine).
func reportDecisions(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "decisions/cpu-s")
	}
}

// naiveRule is a condition compiled with cel-go and evaluated with a map
// activation, as in cel-go's documentation.
type naiveRule struct {
	prg      cel.Program
	terminal bool
}

func naivePolicy(b *testing.B) []naiveRule {
	p, err := respond.LoadPolicy(respondPolicy)
	if err != nil {
		b.Fatal(err)
	}
	spec := p.Spec()
	var opts []cel.EnvOption
	for _, v := range []string{"post", "author", "scores", "thread", "surge"} {
		opts = append(opts, cel.Variable(v, cel.MapType(cel.StringType, cel.DynType)))
	}
	opts = append(opts, cel.Function("containsAnyWord",
		cel.MemberOverload("naive_contains_any_word", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
			cel.BinaryBinding(func(s, l ref.Val) ref.Val {
				text := string(s.(types.String))
				list := l.(traits.Lister)
				for j := range int(list.Size().(types.Int)) {
					word := strings.TrimSuffix(string(list.Get(types.Int(j)).(types.String)), "*")
					if strings.Contains(text, word) {
						return types.True
					}
				}
				return types.False
			}))))
	env, err := cel.NewEnv(opts...)
	if err != nil {
		b.Fatal(err)
	}
	var rules []naiveRule
	for _, r := range spec.Rules {
		ast, iss := env.Compile(r.When)
		if iss.Err() != nil {
			b.Fatalf("%s: %v", r.Name, iss.Err())
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			b.Fatal(err)
		}
		terminal := !r.Continue || r.Suppress != ""
		rules = append(rules, naiveRule{prg: prg, terminal: terminal})
	}
	return rules
}

func activationOf(c respond.Case) map[string]any {
	products := []string{}
	for _, e := range c.Scores.About {
		if e.Kind == "product" {
			products = append(products, e.Name)
		}
	}
	m := c.Post.Metrics
	return map[string]any{
		"post": map[string]any{
			"text": c.Post.Text, "text_lower": strings.ToLower(c.Post.Text), "source": c.Post.Source,
			"engagement": m.Likes + m.Reposts + m.Replies + m.Quotes, "likes": m.Likes,
			"links": naiveLinks(c.Post.Text),
		},
		"author": map[string]any{
			"influence": c.Author.Influence, "followers": c.Post.Author.Followers, "bot": c.Author.Bot,
			"standing": string(c.Author.Standing),
		},
		"scores": map[string]any{
			"sentiment": c.Scores.Sentiment, "label": string(c.Scores.Label), "confidence": c.Scores.Confidence,
			"urgency": int64(c.Scores.Urgency), "intent": string(c.Scores.Intent), "language": c.Scores.Language,
			"spam": c.Scores.Spam, "products": products,
		},
		"thread": map[string]any{
			"opted_out": c.Thread.OptedOut, "answered_by_customer": c.Thread.AnsweredByCustomer,
			"prior_contacts": int64(c.Thread.PriorContacts),
		},
		"surge": map[string]any{"active": c.Surge.Active},
	}
}

// naiveLinks counts the words that look like links, roughly.
func naiveLinks(text string) int64 {
	var n int64
	for _, w := range strings.Fields(text) {
		if strings.Contains(w, "://") || strings.HasPrefix(w, "www.") || strings.Contains(w, ".com") {
			n++
		}
	}
	return n
}

func BenchmarkRespondNaiveCEL(b *testing.B) {
	cases := respondCases(b)
	rules := naivePolicy(b)
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		act := activationOf(cases[i%len(cases)])
		for _, r := range rules {
			v, _, err := r.prg.Eval(act)
			if err != nil {
				b.Fatal(err)
			}
			if v == types.True && r.terminal {
				break
			}
		}
		i++
	}
	reportDecisions(b, cpuTime()-cpu0)
}
