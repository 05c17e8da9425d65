package influence

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// scored is a post with the score the tracker is given for it.
type scored struct {
	p hark.Post
	s score.Result
}

// week is a generated week of posts about a brand, "@acme", with scripted
// roles among a crowd, in time order. Its scores are made by hand, as a
// scorer would give them.
type week struct {
	posts                                 []scored
	stars, advocates, detractors, helpers []string
	bots, firstComplainers                []string
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

var (
	topicsOfDay = []string{"battery", "sound", "fit", "app", "firmware", "calls", "verdict"}
	chatter     = []string{"thinking about my acme order", "rain again today", "new week new me", "coffee first", "anyone watching the game"}
	chatter2    = []string{"then work", "love it", "meh", "so tired", "big plans", "who knew", "back later", "send help", "oh well", "fine"}
	praise      = []string{"best purchase this year", "the bass is unreal", "support fixed it in minutes", "still going strong"}
)

// complaint returns the d-th complaint of detractor i; detractor 0 says
// the same thing every time, as people who are not heard do.
func complaint(i, d int) string {
	if i == 0 {
		return "acme charged me twice and support ignores me"
	}
	return []string{"acme charged me twice", "still no refund from acme", "acme support closed my ticket again"}[d]
}

func res(sent float64, intent score.Intent) score.Result {
	l := score.LabelNeutral
	switch {
	case sent >= 0.2:
		l = score.LabelPositive
	case sent <= -0.2:
		l = score.LabelNegative
	}
	return score.Result{Sentiment: sent, Label: l, Confidence: 0.8, Intent: intent, Language: "en"}
}

func author(id string, followers, following int64, created time.Time) hark.Author {
	return hark.Author{ID: id, Handle: "@" + id, Followers: followers, Following: following,
		Posts: 2000, Created: created}
}

// genWeek generates the week with the seed.
func genWeek(seed uint64) week {
	r := rand.New(rand.NewPCG(seed, 1))
	var w week
	old := t0.AddDate(-3, 0, 0)
	id := 0
	var all []scored
	post := func(a hark.Author, at time.Time, text string, s score.Result, f func(*hark.Post)) hark.Post {
		id++
		p := hark.Post{ID: fmt.Sprintf("p%d", id), Source: "bluesky", Text: text, Created: at, Author: a}
		if f != nil {
			f(&p)
		}
		all = append(all, scored{p, s})
		return p
	}
	at := func(day int) time.Time {
		return t0.Add(time.Duration(day)*24*time.Hour + time.Duration(r.IntN(12*3600))*time.Second)
	}
	// The crowd: 300 ordinary people with small audiences.
	crowd := make([]hark.Author, 300)
	for i := range crowd {
		crowd[i] = author(fmt.Sprintf("c%d", i), int64(20+r.IntN(400)), int64(100+r.IntN(400)), old.AddDate(0, r.IntN(30), 0))
	}
	pick := func() hark.Author { return crowd[r.IntN(len(crowd))] }
	var crowdPosts []hark.Post
	for range 600 {
		d := r.IntN(7)
		crowdPosts = append(crowdPosts, post(pick(), at(d), chatter[r.IntN(len(chatter))]+", "+chatter2[r.IntN(len(chatter2))], res(0, score.IntentOther), nil))
	}
	// Stars: large audiences, much reposted, replied to and mentioned.
	for i := range 3 {
		a := author(fmt.Sprintf("star%d", i), int64(11000*(i+1)), 300, old)
		w.stars = append(w.stars, a.Key())
		for d := range 7 {
			p := post(a, at(d), fmt.Sprintf("acme headphones, day %d of testing: %s", d, topicsOfDay[d]), res(0.1, score.IntentOther), func(p *hark.Post) {
				p.Metrics = hark.Engagement{Likes: int64(200 + r.IntN(100)), Reposts: int64(20 + r.IntN(20)), Replies: 10}
			})
			for range 15 {
				c := pick()
				post(c, p.Created.Add(time.Duration(1+r.IntN(600))*time.Second), "RT", res(0, score.IntentOther), func(q *hark.Post) { q.RepostOf = p.ID })
			}
			for range 4 {
				c := pick()
				post(c, p.Created.Add(time.Duration(60+r.IntN(3600))*time.Second), "good point "+a.Handle, res(0.3, score.IntentOther), func(q *hark.Post) {
					q.ParentID = p.ID
					q.Mentions = []string{a.Handle}
				})
			}
		}
	}
	// Advocates: ordinary audiences, praise the brand all week.
	for i := range 4 {
		a := author(fmt.Sprintf("fan%d", i), int64(100+r.IntN(300)), 200, old)
		w.advocates = append(w.advocates, a.Key())
		for d := range 4 {
			post(a, at(d), fmt.Sprintf("love my acme speaker, %s", praise[(i+d)%len(praise)]), res(0.7, score.IntentPraise), func(p *hark.Post) { p.Mentions = []string{"@acme"} })
		}
	}
	// Detractors: complain again and again.
	for i := range 4 {
		a := author(fmt.Sprintf("angry%d", i), int64(100+r.IntN(2000)), 200, old)
		w.detractors = append(w.detractors, a.Key())
		for d := range 3 {
			post(a, at(d*2), complaint(i, d), res(-0.6, score.IntentComplaint), func(p *hark.Post) { p.Mentions = []string{"@acme"} })
		}
	}
	// First-time complainers: one complaint each.
	for i := range 4 {
		a := author(fmt.Sprintf("once%d", i), int64(100+r.IntN(300)), 200, old)
		w.firstComplainers = append(w.firstComplainers, a.Key())
		post(a, at(3), "my acme order arrived broken", res(-0.5, score.IntentComplaint), nil)
	}
	// Helpers answer the crowd's questions.
	var questions []hark.Post
	for range 30 {
		questions = append(questions, post(pick(), at(r.IntN(6)), "does the acme x2 work with android?", res(0, score.IntentQuestion), nil))
	}
	for i := range 3 {
		a := author(fmt.Sprintf("helper%d", i), int64(50+r.IntN(200)), 150, old)
		w.helpers = append(w.helpers, a.Key())
		for j := range 4 {
			q := questions[(i*7+j*3)%len(questions)]
			post(a, q.Created.Add(time.Duration(10+r.IntN(120))*time.Minute), "yes, pair it in settings then update the app", res(0.2, score.IntentOther), func(p *hark.Post) { p.ParentID = q.ID })
		}
	}
	// Bots: young accounts, following thousands, posting one text many
	// times a day, mentioning the stars to be seen.
	for i := range 4 {
		a := author(fmt.Sprintf("bot%d", i), int64(5+r.IntN(40)), 4000, t0.AddDate(0, 0, -5))
		a.Posts = 3000
		w.bots = append(w.bots, a.Key())
		for k := range 60 {
			post(a, t0.Add(time.Duration(k)*17*time.Minute), "WIN a free acme speaker!!! click the link http://x.co/"+fmt.Sprint(k),
				score.Result{Sentiment: 0.5, Label: score.LabelPositive, Confidence: 0.6, Intent: score.IntentSpam, Spam: 0.9},
				func(p *hark.Post) { p.Mentions = []string{w.stars[k%3]} })
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return a.p.Created.Compare(b.p.Created) })
	// Reposts and replies must follow their original in the stream; with
	// positive offsets they do after the sort.
	w.posts = all
	return w
}
