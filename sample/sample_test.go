package sample

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWeekFigures(t *testing.T) {
	posts := Week()
	f := Script()
	require.GreaterOrEqual(t, len(posts), 3000, "posts")

	authors := make(map[string]bool)
	sources := make(map[string]bool)
	days := make(map[int]int)
	for _, p := range posts {
		authors[p.Author.Key()] = true
		sources[p.Source] = true
		assert.False(t, p.Created.Before(f.Start), p.ID)
		assert.True(t, p.Created.Before(f.End), p.ID)
		days[int(p.Created.Sub(f.Start)/(24*time.Hour))]++
	}
	assert.GreaterOrEqual(t, len(authors), 800, "authors")
	assert.GreaterOrEqual(t, len(sources), 5, "sources")
	assert.Len(t, days, 7, "days with posts")
	for d, n := range days {
		assert.Greater(t, n, 250, "posts on day %d", d+1)
	}
	var srcs []string
	for s := range sources {
		srcs = append(srcs, s)
	}
	slices.Sort(srcs)
	assert.Equal(t, f.Sources, srcs)
	assert.Equal(t, 7*24*time.Hour, f.End.Sub(f.Start))
}

func TestDailyRhythm(t *testing.T) {
	// Ordinary posts (not bots, not the incident) follow the day: the
	// evening is busier than the small hours.
	ls := Labels()
	var night, evening int
	for _, p := range Week() {
		l := ls[p.ID]
		if l.Bot || l.Incident {
			continue
		}
		switch h := p.Created.Hour(); {
		case h >= 2 && h < 6:
			night++
		case h >= 18 && h < 22:
			evening++
		}
	}
	assert.Greater(t, evening, 5*night, "evening %d, night %d", evening, night)
}

func TestTexts(t *testing.T) {
	texts := Texts()
	distinct := make(map[string]bool)
	ids := make(map[string]bool)
	langs := make(map[string]int)
	intentsSeen := make(map[string]bool)
	urgencies := make(map[int]int)
	for _, x := range texts {
		distinct[x.Text] = true
		assert.False(t, ids[x.ID], "duplicate id %s", x.ID)
		ids[x.ID] = true
		langs[x.Lang]++
		intentsSeen[x.Intent] = true
		urgencies[x.Urgency]++
		require.NoError(t, checkText(x), x.ID)
		// The labels agree with each other.
		assert.True(t, x.Sentiment >= -1 && x.Sentiment <= 1, x.ID)
		switch x.Label {
		case "positive":
			assert.Greater(t, x.Sentiment, 0.0, "%s: positive label, sentiment %v", x.ID, x.Sentiment)
		case "negative":
			assert.Less(t, x.Sentiment, 0.0, "%s: negative label, sentiment %v", x.ID, x.Sentiment)
		}
		switch x.Intent {
		case "crisis":
			assert.Equal(t, 3, x.Urgency, "%s: a crisis is critical", x.ID)
		case "spam", "praise", "purchase_intent":
			assert.Equal(t, 0, x.Urgency, "%s: %s is not urgent", x.ID, x.Intent)
		case "complaint", "question":
			assert.GreaterOrEqual(t, x.Urgency, 1, "%s: %s wants an answer", x.ID, x.Intent)
		}
		slots := strings.NewReplacer("{city}", "", "{code}", "", "{journalist}", "")
		assert.NotContains(t, slots.Replace(x.Text), "{", x.ID)
	}
	assert.GreaterOrEqual(t, len(distinct), 600, "distinct hand-written texts")
	for _, l := range []string{"en", "es", "fr", "de", "pt", "it", "nl"} {
		assert.Positive(t, langs[l], "texts in %s", l)
	}
	assert.GreaterOrEqual(t, len(langs), 9, "languages")
	assert.Len(t, intentsSeen, len(intents), "every intent")
	for u := range 4 {
		assert.Positive(t, urgencies[u], "texts of urgency %d", u)
	}
}

func TestEveryTextInWeek(t *testing.T) {
	used := make(map[string]bool)
	for _, l := range Labels() {
		used[l.TextID] = true
	}
	for _, x := range Texts() {
		assert.True(t, used[x.ID], "text %s (%s) never posted", x.ID, x.Kind)
	}
}

func TestTextsFile(t *testing.T) {
	// testdata/texts.jsonl is the dev set form of Texts; go generate
	// rewrites it.
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	for _, x := range Texts() {
		require.NoError(t, enc.Encode(x))
	}
	got, err := os.ReadFile("testdata/texts.jsonl")
	require.NoError(t, err)
	assert.Equal(t, want.String(), string(got), "testdata/texts.jsonl is stale: run go generate ./sample")
}

func TestDeterministic(t *testing.T) {
	a, err := generate(textFiles, seed)
	require.NoError(t, err)
	b, err := generate(textFiles, seed)
	require.NoError(t, err)
	assert.Equal(t, a.posts, b.posts)
	assert.Equal(t, a.labels, b.labels)
	assert.Equal(t, a.facts, b.facts)
	assert.Equal(t, mustData().posts, a.posts)

	c, err := generate(textFiles, seed+1)
	require.NoError(t, err)
	assert.NotEqual(t, a.posts, c.posts, "the seed matters")
}

func TestWeekIsACopy(t *testing.T) {
	w := Week()
	w[0].Text = "changed"
	w[0].Mentions = append(w[0].Mentions, "@x")
	w[1].Author.Followers = -1
	fresh := Week()
	assert.NotEqual(t, "changed", fresh[0].Text)
	assert.NotContains(t, fresh[0].Mentions, "@x")
	assert.NotEqual(t, int64(-1), fresh[1].Author.Followers)

	ls := Labels()
	for id := range ls {
		delete(ls, id)
	}
	assert.Len(t, Labels(), len(w))
}

func TestOrderAndValidity(t *testing.T) {
	posts := Week()
	f := Script()
	ids := make(map[string]bool)
	for i, p := range posts {
		require.NoError(t, p.Validate())
		assert.False(t, ids[p.ID], "duplicate id %s", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Source, p.ID)
		assert.True(t, strings.HasPrefix(p.URL, "https://"), p.ID)
		assert.NotEmpty(t, p.Author.ID, p.ID)
		assert.NotEmpty(t, p.Author.Handle, p.ID)
		assert.False(t, p.Author.Created.IsZero(), p.ID)
		assert.True(t, p.Author.Created.Before(p.Created), p.ID)
		if role := f.RoleOf(p.Author.ID); role != "bot" && role != "brand" { // a support desk answers all day
			perDay := float64(p.Author.Posts) / (p.Created.Sub(p.Author.Created).Hours() / 24)
			assert.Less(t, perDay, 50.0, "%s: %s (%s) posts %.0f a day", p.ID, p.Author.Handle, role, perDay)
		}
		switch p.Source {
		case "bluesky":
			assert.False(t, p.Author.Created.Before(time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)), "%s: account older than bluesky", p.ID)
		case "mastodon":
			assert.False(t, p.Author.Created.Before(time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC)), "%s: account older than mastodon", p.ID)
		}
		if i > 0 {
			prev := posts[i-1]
			assert.True(t, prev.Created.Before(p.Created) ||
				(prev.Created.Equal(p.Created) && prev.ID < p.ID), "%s before %s", prev.ID, p.ID)
		}
	}
	assert.True(t, slices.IsSortedFunc(posts, func(a, b hark.Post) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}))
}

func TestReferences(t *testing.T) {
	posts := Week()
	ls := Labels()
	byID := make(map[string]hark.Post)
	var replies, reposts, quotes int
	repliesTo := make(map[string]int64)
	repostsOf := make(map[string]int64)
	for _, p := range posts {
		if p.ParentID != "" {
			replies++
			parent, ok := byID[p.ParentID]
			require.True(t, ok, "%s: parent %s not earlier", p.ID, p.ParentID)
			assert.Equal(t, parent.Source, p.Source, p.ID)
			root, ok := byID[p.ThreadID]
			require.True(t, ok, "%s: thread %s not earlier", p.ID, p.ThreadID)
			assert.Empty(t, root.ParentID, "%s: thread root %s is itself a reply", p.ID, root.ID)
			if parent.ThreadID != "" {
				assert.Equal(t, parent.ThreadID, p.ThreadID, p.ID)
			} else {
				assert.Equal(t, parent.ID, p.ThreadID, p.ID)
			}
			repliesTo[p.ParentID]++
		} else {
			assert.Empty(t, p.ThreadID, "%s: thread without parent", p.ID)
		}
		if p.RepostOf != "" {
			o, ok := byID[p.RepostOf]
			require.True(t, ok, "%s: repost of %s not earlier", p.ID, p.RepostOf)
			assert.NotEqual(t, o.Author.Key(), p.Author.Key(), "%s reposts its own post", p.ID)
			if ls[p.ID].Repost {
				assert.Equal(t, o.Text, p.Text, "%s: a plain repost has the text it reposts", p.ID)
				reposts++
				repostsOf[p.RepostOf]++
			} else {
				quotes++
			}
		}
		byID[p.ID] = p
	}
	assert.Greater(t, replies, 500, "replies")
	assert.Greater(t, reposts, 200, "reposts")
	assert.Positive(t, quotes, "quotes")
	// The metrics count what the sample shows.
	for _, p := range posts {
		assert.Equal(t, repliesTo[p.ID], p.Metrics.Replies, p.ID)
		assert.Equal(t, repostsOf[p.ID], p.Metrics.Reposts, p.ID)
	}
}

func TestLabels(t *testing.T) {
	posts := Week()
	ls := Labels()
	require.Len(t, ls, len(posts))
	texts := make(map[string]Text)
	for _, x := range Texts() {
		texts[x.ID] = x
	}
	byID := make(map[string]hark.Post)
	f := Script()
	for _, p := range posts {
		byID[p.ID] = p
		l, ok := ls[p.ID]
		require.True(t, ok, p.ID)
		x, ok := texts[l.TextID]
		require.True(t, ok, "%s: text %s", p.ID, l.TextID)
		assert.Equal(t, x.Intent, l.Intent, p.ID)
		assert.Equal(t, x.Urgency, l.Urgency, p.ID)
		if p.Lang != "" {
			assert.Equal(t, l.Lang, p.Lang, p.ID)
		}
		if l.Repost {
			assert.Equal(t, byID[p.RepostOf].Text, p.Text, p.ID)
		}
		for _, k := range l.Stores {
			assert.True(t, slices.ContainsFunc(f.Stores, func(s Store) bool { return s.Key == k }), "%s: store %s", p.ID, k)
		}
		for _, k := range l.Products {
			assert.True(t, slices.ContainsFunc(f.Products, func(pr Product) bool { return pr.Key == k }), "%s: product %s", p.ID, k)
		}
		if l.Incident {
			assert.Contains(t, l.Products, f.Incident.Product, p.ID)
		}
		// The text, with its slots filled, is the post's.
		re := strings.NewReplacer("{city}", "\x00", "{code}", "\x00", "{journalist}", "\x00")
		for _, part := range strings.Split(re.Replace(x.Text), "\x00") {
			assert.Contains(t, p.Text, part, p.ID)
		}
	}
	stores, products := make(map[string]int), make(map[string]int)
	for _, l := range ls {
		for _, s := range l.Stores {
			stores[s]++
		}
		for _, pr := range l.Products {
			products[pr]++
		}
	}
	for _, s := range f.Stores {
		assert.Positive(t, stores[s.Key], "posts naming store %s", s.Key)
	}
	for _, pr := range f.Products {
		assert.Positive(t, products[pr.Key], "posts about %s", pr.Key)
	}
}

func TestContent(t *testing.T) {
	// What the real world holds: every kind, intent and urgency, in many
	// languages, with the voices the scorer must cope with.
	ls := Labels()
	posts := Week()
	intentsSeen := make(map[string]int)
	urg := make(map[int]int)
	langs := make(map[string]int)
	for _, l := range ls {
		intentsSeen[l.Intent]++
		urg[l.Urgency]++
		langs[l.Lang]++
	}
	for _, in := range intents {
		assert.Greater(t, intentsSeen[in], 20, "posts of intent %s", in)
	}
	for u := range 4 {
		assert.Greater(t, urg[u], 20, "posts of urgency %d", u)
	}
	for _, l := range []string{"es", "fr", "de", "pt"} {
		assert.Greater(t, langs[l], 40, "posts in %s", l)
	}
	var caps, zwj, skin, hashtag, brand, others, long int
	for _, p := range posts {
		letters := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				return r
			}
			return -1
		}, p.Text)
		if len(letters) > 15 && strings.ToUpper(letters) == letters {
			caps++
		}
		if strings.ContainsRune(p.Text, '\u200d') {
			zwj++
		}
		if strings.ContainsAny(p.Text, "\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF") {
			skin++
		}
		if len(p.Tags) > 0 {
			hashtag++
		}
		if slices.Contains(p.Mentions, "@kestrel") || slices.Contains(p.Mentions, "@kestrelhelp") {
			brand++
		}
		if slices.ContainsFunc(p.Mentions, func(m string) bool { return m != "@kestrel" && m != "@kestrelhelp" }) {
			others++
		}
		if len(p.Text) > 280 {
			long++
		}
	}
	assert.Positive(t, caps, "all-caps posts")
	assert.Positive(t, zwj, "emoji ZWJ sequences")
	assert.Positive(t, skin, "skin-tone emoji")
	assert.Greater(t, hashtag, 50, "posts with hashtags")
	assert.Greater(t, brand, 100, "posts mentioning the brand")
	assert.Greater(t, others, 100, "posts mentioning someone other than the brand")
	f := Script()
	journalist := 0
	for _, p := range posts {
		if slices.Contains(p.Mentions, f.HighReach[0].Handle) {
			journalist++
		}
	}
	assert.Positive(t, journalist, "posts mentioning the journalist")
	assert.Greater(t, long, 20, "long posts")
}

func TestIncident(t *testing.T) {
	f := Script()
	inc := f.Incident
	ls := Labels()
	posts := Week()
	hourly := make(map[int]int)
	var first30, reach, reposts, peakN int
	var firstSent, peakSent float64
	var firstPost time.Time
	highReach := make(map[string]bool)
	for _, p := range f.HighReach {
		highReach[p.AuthorID] = true
		assert.GreaterOrEqual(t, p.Followers, int64(50000), p.Handle)
	}
	brandPosts := 0
	for _, p := range posts {
		l := ls[p.ID]
		if slices.Contains(f.Handles, p.Author.Handle) {
			brandPosts++
			assert.False(t, !p.Created.Before(inc.Start) && p.Created.Before(inc.End),
				"the company posts %s during the incident", p.ID)
		}
		if !l.Incident {
			continue
		}
		require.False(t, p.Created.Before(inc.Start), p.ID)
		require.True(t, p.Created.Before(inc.End), p.ID)
		if firstPost.IsZero() {
			firstPost = p.Created
		}
		if p.Created.Before(inc.Start.Add(30 * time.Minute)) {
			first30++
			firstSent += l.Sentiment
		}
		if !p.Created.Before(inc.PeakStart) && p.Created.Before(inc.PeakEnd) {
			peakN++
			peakSent += l.Sentiment
		}
		h := int(p.Created.Sub(inc.Start).Hours())
		hourly[h]++
		if highReach[p.Author.ID] && !l.Repost {
			reach++
		}
		if l.Repost {
			reposts++
		}
		assert.Contains(t, l.Products, "kestrelpay")
	}
	assert.Greater(t, brandPosts, 20, "the company posts, outside the incident")
	assert.True(t, firstPost.After(inc.Start) && firstPost.Before(inc.Start.Add(15*time.Minute)), "first post %v", firstPost)
	assert.True(t, first30 >= 2 && first30 <= 8, "a handful of posts in the first half hour, got %d", first30)
	peak := 0
	for h := int(inc.PeakStart.Sub(inc.Start).Hours()); h < int(inc.PeakEnd.Sub(inc.Start).Hours()); h++ {
		peak = max(peak, hourly[h])
	}
	assert.GreaterOrEqual(t, peak, 60, "posts in the busiest hour")
	assert.Greater(t, peak, 5*hourly[0])
	first, peakMean := firstSent/float64(first30), peakSent/float64(peakN)
	assert.Less(t, peakMean, first-0.2, "negativity rises: first half hour %.2f, peak %.2f", first, peakMean)
	assert.GreaterOrEqual(t, reach, 5, "posts by high-reach authors")
	assert.Greater(t, reposts, 50, "reposts of incident posts")
	assert.Len(t, inc.Stores, 15)
	assert.True(t, inc.Start.Before(inc.PeakStart) && inc.PeakStart.Before(inc.PeakEnd) &&
		inc.PeakEnd.Before(inc.Restored) && inc.Restored.Before(inc.End))
	assert.Equal(t, 4, int(inc.Start.Sub(f.Start).Hours())/24, "day 5")
}

func TestPersonas(t *testing.T) {
	f := Script()
	ls := Labels()
	posts := Week()
	byAuthor := make(map[string][]hark.Post)
	byID := make(map[string]hark.Post)
	for _, p := range posts {
		byAuthor[p.Author.ID] = append(byAuthor[p.Author.ID], p)
		byID[p.ID] = p
	}
	meanSentiment := func(id string) (float64, int) {
		var s float64
		n := 0
		for _, p := range byAuthor[id] {
			if l := ls[p.ID]; p.ParentID == "" && !l.Repost {
				s += l.Sentiment
				n++
			}
		}
		return s / float64(max(n, 1)), n
	}
	require.NotEmpty(t, f.Advocates)
	for _, a := range f.Advocates {
		m, n := meanSentiment(a.AuthorID)
		assert.GreaterOrEqual(t, n, 3, "advocate %s posts", a.Handle)
		assert.Greater(t, m, 0.4, "advocate %s sentiment", a.Handle)
	}
	require.NotEmpty(t, f.Detractors)
	for _, a := range f.Detractors {
		m, n := meanSentiment(a.AuthorID)
		assert.GreaterOrEqual(t, n, 3, "detractor %s posts", a.Handle)
		assert.Less(t, m, -0.4, "detractor %s sentiment", a.Handle)
	}
	require.NotEmpty(t, f.Helpers)
	for _, a := range f.Helpers {
		answers := 0
		for _, p := range byAuthor[a.AuthorID] {
			if ls[p.ID].Kind == "answer" {
				parent := byID[p.ParentID]
				assert.NotEqual(t, a.AuthorID, parent.Author.ID)
				assert.NotEmpty(t, Texts()[0].ID)
				answers++
			}
		}
		assert.GreaterOrEqual(t, answers, 2, "helper %s answers", a.Handle)
	}
	assert.Equal(t, "journalist", f.RoleOf(f.HighReach[0].AuthorID))
	assert.Equal(t, "bot", f.RoleOf(f.Bots[3].AuthorID))
	assert.Equal(t, "helper", f.RoleOf(f.Helpers[1].AuthorID))
	assert.Equal(t, "brand", f.RoleOf(f.Accounts[0].AuthorID))
	assert.Empty(t, f.RoleOf("nobody"))
	require.Len(t, f.Accounts, 2)
	for i, a := range f.Accounts {
		assert.Equal(t, f.Handles[i], a.Handle)
		assert.NotEmpty(t, byAuthor[a.AuthorID], a.Handle)
	}
	require.Len(t, f.HighReach, 4)
	for _, a := range f.HighReach {
		assert.NotEmpty(t, byAuthor[a.AuthorID], a.Handle)
	}
	require.GreaterOrEqual(t, len(f.Bots), 10)
	for _, b := range f.Bots {
		ps := byAuthor[b.AuthorID]
		require.GreaterOrEqual(t, len(ps), 6, "bot %s posts", b.Handle)
		a := ps[0].Author
		assert.True(t, a.Created.After(f.Start.AddDate(0, -3, 0)), "bot %s is a young account", b.Handle)
		if b.Source != "reviews" {
			assert.Greater(t, a.Following, 20*max(a.Followers, 1), "bot %s follows far more than follow it", b.Handle)
		}
		// Near-duplicates in bursts: posts minutes apart, sharing a text.
		texts := make(map[string]int)
		burst := 0
		for i, p := range ps {
			texts[ls[p.ID].TextID]++
			assert.True(t, ls[p.ID].Bot)
			assert.Equal(t, "spam", ls[p.ID].Intent)
			if i > 0 && p.Created.Sub(ps[i-1].Created) < 15*time.Minute {
				burst++
			}
		}
		assert.LessOrEqual(t, len(texts), 3, "bot %s repeats itself", b.Handle)
		assert.GreaterOrEqual(t, burst, len(ps)/2, "bot %s posts in bursts", b.Handle)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	posts := Week()
	var buf bytes.Buffer
	w := hark.NewWriter(&buf)
	for _, p := range posts {
		require.NoError(t, w.Write(p))
	}
	require.NoError(t, w.Flush())
	r := hark.NewReader(&buf)
	var back []hark.Post
	for {
		p, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		back = append(back, p)
	}
	assert.Zero(t, r.Skipped())
	require.Len(t, back, len(posts))
	for i := range posts {
		assert.True(t, posts[i].Created.Equal(back[i].Created))
		assert.True(t, posts[i].Author.Created.Equal(back[i].Author.Created))
		back[i].Created, back[i].Author.Created = posts[i].Created, posts[i].Author.Created
	}
	assert.Equal(t, posts, back)
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no header", "0.1 | hi", "before any == header"},
		{"no bar", "== kind=chatter intent=other urgency=0 lang=en\n0.1 hi", "want"},
		{"empty text", "== kind=chatter intent=other urgency=0 lang=en\n0.1 |  ", "want"},
		{"bad sentiment", "== kind=chatter intent=other urgency=0 lang=en\nx | hi", "sentiment"},
		{"sentiment out of range", "== kind=chatter intent=other urgency=0 lang=en\n1.5 | hi", "sentiment"},
		{"bad urgency", "== kind=chatter intent=other urgency=4 lang=en\n0 | hi", "urgency"},
		{"unknown key", "== kind=chatter intent=other urgency=0 lang=en\n0 x=1 | hi", "unknown key"},
		{"unknown intent", "== kind=chatter intent=rant urgency=0 lang=en\n0 | hi", "intent"},
		{"unknown kind", "== kind=rant intent=other urgency=0 lang=en\n0 | hi", "kind"},
		{"unknown label", "== kind=chatter intent=other urgency=0 lang=en\n0 label=meh | hi", "label"},
		{"incident without stage", "== kind=incident intent=crisis urgency=3 lang=en\n-1 | down", "stage"},
		{"bad after", "== kind=incident stage=peak intent=crisis urgency=3 lang=en\n-1 after=x | down", "after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFile("x", tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	ts, err := parseFile("x", "// c\n== kind=chatter intent=other urgency=0 lang=en\n\n0.3 | hi\n-0.5 u=2 intent=complaint kind=complaint | no\n")
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, Text{ID: "x-1", Text: "hi", Sentiment: 0.3, Label: "positive", Intent: "other", Lang: "en", Kind: "chatter"}, ts[0])
	assert.Equal(t, Text{ID: "x-2", Text: "no", Sentiment: -0.5, Label: "negative", Urgency: 2, Intent: "complaint", Lang: "en", Kind: "complaint"}, ts[1])
}

func TestMarks(t *testing.T) {
	tests := []struct {
		in         string
		at, hashes []string
	}{
		{"hi @kestrel and @kestrelhelp.", []string{"@kestrel", "@kestrelhelp"}, nil},
		{"mail me a@b.com @x.bsky.social #KestrelDown #NeverAgain!", []string{"@x.bsky.social"}, []string{"#KestrelDown", "#NeverAgain"}},
		{"#a#b ##c #über @", nil, []string{"#a", "#über"}},
		{"@kestrel @kestrel", []string{"@kestrel"}, nil},
		{"@pete@mastodon.online thanks! @a@b@c @x@", []string{"@pete@mastodon.online", "@a@b", "@x"}, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.at, marks(tt.in, '@'), tt.in)
		assert.Equal(t, tt.hashes, marks(tt.in, '#'), tt.in)
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add("== kind=chatter intent=other urgency=0 lang=en\n0.1 | hi {city}\n")
	f.Add("== kind=incident stage=peak intent=crisis urgency=3 lang=en\n-0.9 after=4 u=3 | DOWN #KestrelDown\n")
	f.Add("0.1 | before header")
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := parseFile("f", in)
		if err != nil {
			return
		}
		for _, x := range ts {
			if err := checkText(x); err != nil {
				t.Fatalf("parsed an invalid text %+v: %v", x, err)
			}
			if x.Text == "" || x.Urgency < 0 || x.Urgency > 3 || x.Sentiment < -1 || x.Sentiment > 1 {
				t.Fatalf("bad text %+v", x)
			}
		}
		for _, m := range marks(in, '@') {
			if len(m) < 2 || m[0] != '@' {
				t.Fatalf("bad mention %q", m)
			}
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := generate(textFiles, seed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWeek(b *testing.B) {
	Week()
	for b.Loop() {
		Week()
	}
}
