package sample

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/harkhq/hark"
)

// A Label is what the sample knows about one post of [Week]: the labels a
// person gave the text it was made from, and the part it plays in the week.
type Label struct {
	// TextID is the ID of the [Text] the post was made from.
	TextID string `json:"text_id"`
	// Sentiment, Label, Urgency, Intent and Lang are the text's
	// hand-written labels (see [Text]).
	Sentiment float64 `json:"sentiment"`
	Label     string  `json:"label"`
	Urgency   int     `json:"urgency"`
	Intent    string  `json:"intent"`
	Lang      string  `json:"lang"`
	// Kind and Stage are the text's (see [Text]).
	Kind  string `json:"kind"`
	Stage string `json:"stage,omitempty"`
	// Incident reports that the post is about the day-5 payment outage
	// (written by a customer, a journalist or an outlet; the spam that
	// rides on it is not).
	Incident bool `json:"incident,omitempty"`
	// Repost reports a plain repost: its text is the reposted post's.
	Repost bool `json:"repost,omitempty"`
	// Bot reports that a scripted bot wrote the post.
	Bot bool `json:"bot,omitempty"`
	// Products are the keys of the products the post is about: those whose
	// aliases it names, and for incident posts the incident's product.
	Products []string `json:"products,omitempty"`
	// Stores are the keys of the stores the post names.
	Stores []string `json:"stores,omitempty"`
}

// seed is the seed of the week; changing it changes every post.
const seed = 20260302

// data is the generated sample, built once.
type data struct {
	texts  []Text
	posts  []hark.Post
	labels []Label
	facts  Facts
}

// mustData builds the sample on first use. The embedded texts are checked
// by the package's tests, so an error here is a broken build of the
// package itself, not a runtime condition.
var mustData = sync.OnceValue(func() *data {
	d, err := generate(textFiles, seed)
	if err != nil {
		panic("sample: " + err.Error())
	}
	return d
})

// Week returns the posts of the sample week: about 4,400 posts about the
// fictional retailer Kestrel, from Monday 2 March 2026 00:00 UTC to the
// next Monday, sorted by Created and then ID (no two posts share a
// Created). Replies and reposts come after the posts they refer to. Lang
// is set where the source declares a language (bluesky, mastodon, the
// review site), as platforms do; [Labels] has every post's language. The
// slice and the posts in it are a fresh copy each call; the content is
// identical on every call and every machine.
func Week() []hark.Post {
	src := mustData().posts
	out := make([]hark.Post, len(src))
	for i, p := range src {
		p.Mentions = slices.Clone(p.Mentions)
		p.Tags = slices.Clone(p.Tags)
		out[i] = p
	}
	return out
}

// Labels returns the label of every post of [Week], by post ID. The map is
// a fresh copy.
func Labels() map[string]Label {
	d := mustData()
	m := make(map[string]Label, len(d.posts))
	for i, p := range d.posts {
		l := d.labels[i]
		l.Products = slices.Clone(l.Products)
		l.Stores = slices.Clone(l.Stores)
		m[p.ID] = l
	}
	return m
}

// An author is one account of the sample.
type author struct {
	hark.Author
	source string
	lang   string
	role   string // "" for an ordinary customer
	slug   string // the handle without decoration, for URLs
}

// A draft is a post being generated. Indexes refer to gen.drafts.
type draft struct {
	t        time.Time
	author   int
	text     int // index into gen.texts
	body     string
	stores   []string
	parent   int // -1 if none
	root     int // -1 if none
	repostOf int // -1 if none
	repost   bool
	incident bool
}

// wrote is an author and a text they have written.
type wrote struct{ author, text int }

type gen struct {
	r       *rand.Rand
	texts   []Text
	stores  []Store
	prods   []Product
	inc     Incident
	authors []author
	pools   map[string][]int // source+"/"+lang -> ordinary authors; looked up only
	byRole  map[string][]int // role -> authors; looked up only
	handles map[string]bool
	decks   map[string]*deck // looked up only
	answers map[string]*deck // topic+"/"+lang -> answers; looked up only
	drafts  []draft
	seen    map[int]bool   // texts already posted as a root; looked up only
	wrote   map[wrote]bool // texts each author has written; looked up only

	textProducts, textStores [][]string     // by text index
	textIndex                map[string]int // text ID -> index; looked up only
}

// Sources and how authors spread over them.
var (
	socialSources = []string{"bluesky", "mastodon", "reddit", "forum", "reviews"}
	langWeights   = []wlang{{"en", .80}, {"es", .06}, {"fr", .045}, {"de", .045}, {"pt", .025}, {"it", .01}, {"nl", .008}, {"pl", .003}, {"ja", .002}, {"sv", .002}}
	incLangs      = []wlang{{"en", .62}, {"es", .10}, {"fr", .09}, {"de", .09}, {"pt", .05}, {"it", .025}, {"nl", .025}}
)

type wlang struct {
	lang string
	w    float64
}

func generate(fsys fs.FS, seed uint64) (*data, error) {
	texts, err := parseTexts(fsys)
	if err != nil {
		return nil, err
	}
	g := &gen{
		texts:   texts,
		stores:  stores(),
		prods:   products(),
		inc:     incident(),
		pools:   make(map[string][]int),
		byRole:  make(map[string][]int),
		handles: make(map[string]bool),
		decks:   make(map[string]*deck),
		answers: make(map[string]*deck),
		seen:    make(map[int]bool),
		wrote:   make(map[wrote]bool),
	}
	g.textIndex = make(map[string]int, len(texts))
	for i, t := range texts {
		g.textIndex[t.ID] = i
	}
	// Each phase draws from its own stream, so that a change to one phase
	// (one more account, one more bot) leaves the others' draws alone.
	for k, phase := range []func(){g.buildDecks, g.nameTexts, g.people, g.brandPosts, g.ordinary, g.personaPosts, g.botPosts, g.incidentPosts} {
		g.r = rand.New(rand.NewPCG(seed, uint64(k)+1))
		phase()
	}
	g.r = rand.New(rand.NewPCG(seed, 100))
	return g.finish()
}

// ---------------------------------------------------------------- decks

// A deck deals text indexes: first every text once in a shuffled order
// (so every hand-written text appears in the week), then by weighted
// language and urgency, cycling through reshuffled texts.
type deck struct {
	cover   []int
	pos     int
	buckets map[string]*cycle // lang+"/"+urgency; looked up only
	langs   []wlang
	urgW    []float64 // weight by urgency 0..3, nil for uniform
}

type cycle struct {
	idx []int
	pos int
}

func (g *gen) newDeck(idx []int, langs []wlang, urgW []float64) *deck {
	d := &deck{cover: slices.Clone(idx), buckets: make(map[string]*cycle), urgW: urgW}
	g.r.Shuffle(len(d.cover), func(i, j int) { d.cover[i], d.cover[j] = d.cover[j], d.cover[i] })
	present := make(map[string]bool)
	for _, i := range idx {
		t := g.texts[i]
		k := fmt.Sprintf("%s/%d", t.Lang, t.Urgency)
		c := d.buckets[k]
		if c == nil {
			c = &cycle{}
			d.buckets[k] = c
		}
		c.idx = append(c.idx, i)
		present[t.Lang] = true
	}
	for _, l := range langs {
		if present[l.lang] {
			d.langs = append(d.langs, l)
		}
	}
	if len(d.langs) == 0 && len(idx) > 0 {
		d.langs = []wlang{{g.texts[idx[0]].Lang, 1}}
	}
	return d
}

// draw deals the next text for which ok is true (any text if none is).
func (g *gen) draw(d *deck, ok func(Text) bool) int {
	if ok == nil {
		ok = func(Text) bool { return true }
	}
	for j := d.pos; j < len(d.cover); j++ {
		if ok(g.texts[d.cover[j]]) {
			d.cover[d.pos], d.cover[j] = d.cover[j], d.cover[d.pos]
			d.pos++
			return d.cover[d.pos-1]
		}
	}
	ws := make([]float64, len(d.langs))
	for i, l := range d.langs {
		ws[i] = l.w
	}
	lang := d.langs[g.pick(ws)].lang
	var keys []string
	var uw []float64
	for u := range 4 {
		k := fmt.Sprintf("%s/%d", lang, u)
		if c := d.buckets[k]; c != nil && slices.ContainsFunc(c.idx, func(i int) bool { return ok(g.texts[i]) }) {
			keys = append(keys, k)
			if d.urgW != nil {
				uw = append(uw, d.urgW[u])
			} else {
				uw = append(uw, float64(len(d.buckets[k].idx)))
			}
		}
	}
	if len(keys) == 0 {
		// Nothing of the language fits: any text of the deck that does.
		var fit []int
		for _, i := range d.cover {
			if ok(g.texts[i]) {
				fit = append(fit, i)
			}
		}
		if len(fit) == 0 {
			return d.cover[g.r.IntN(len(d.cover))]
		}
		return fit[g.r.IntN(len(fit))]
	}
	c := d.buckets[keys[g.pick(uw)]]
	for range 2 * len(c.idx) {
		if c.pos == 0 {
			g.r.Shuffle(len(c.idx), func(i, j int) { c.idx[i], c.idx[j] = c.idx[j], c.idx[i] })
		}
		i := c.idx[c.pos]
		c.pos = (c.pos + 1) % len(c.idx)
		if ok(g.texts[i]) {
			return i
		}
	}
	panic("sample: a bucket with a fitting text dealt none") // unreachable: the cycle visits every text
}

func (g *gen) buildDecks() {
	groups := make(map[string][]int)
	var keys []string
	add := func(k string, i int) {
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	for i, t := range g.texts {
		switch {
		case t.Kind == "incident":
			add("incident/"+t.Stage, i)
		case t.Kind == "spam":
			add("spam/"+t.Role, i)
		case t.Kind == "answer":
			add("answer/"+t.Topic+"/"+t.Lang, i)
		case t.Kind == "brand_reply":
			add("brand_reply/"+t.Role, i)
		default:
			add(t.Kind, i)
		}
	}
	for _, k := range keys {
		langs, urg := langWeights, []float64(nil)
		switch {
		case strings.HasPrefix(k, "incident/"):
			langs = incLangs
		case k == "complaint":
			urg = []float64{0, .72, .22, .06}
		}
		d := g.newDeck(groups[k], langs, urg)
		if strings.HasPrefix(k, "answer/") {
			g.answers[strings.TrimPrefix(k, "answer/")] = d
		} else {
			g.decks[k] = d
		}
	}
}

// ---------------------------------------------------------------- randomness

// pick returns an index with probability proportional to its weight.
func (g *gen) pick(ws []float64) int {
	var sum float64
	for _, w := range ws {
		sum += w
	}
	x := g.r.Float64() * sum
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns an integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// logNormal returns exp(N(mu, sigma)).
func (g *gen) logNormal(mu, sigma float64) float64 { return math.Exp(mu + sigma*g.r.NormFloat64()) }

// Posting rhythm by hour of day (UTC, the customers are in Europe):
// a night lull, a lunchtime bump, an evening peak; weekends start later.
var (
	weekdayHours = []float64{.25, .15, .10, .08, .08, .12, .30, .60, .90, 1.0, 1.0, 1.1, 1.3, 1.2, 1.0, 1.0, 1.05, 1.2, 1.4, 1.6, 1.7, 1.5, 1.1, .6}
	weekendHours = []float64{.45, .30, .20, .10, .08, .08, .12, .20, .40, .70, 1.0, 1.2, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2, 1.3, 1.5, 1.6, 1.4, 1.0, .65}
	dayVolume    = []float64{1.0, .95, 1.0, 1.05, 1.0, 1.15, 1.05} // Monday..Sunday
)

// when returns a random time of day d (0 = Monday) following the rhythm.
func (g *gen) when(d int) time.Time {
	hours := weekdayHours
	if d >= 5 {
		hours = weekendHours
	}
	h := g.pick(hours)
	return weekStart.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
}

// anytime returns a random time of the week following the rhythm.
func (g *gen) anytime() time.Time { return g.when(g.pick(dayVolume)) }

// after returns a time after t, exponentially distributed with the given
// mean, at least 40 seconds later.
func (g *gen) after(t time.Time, mean time.Duration) time.Time {
	d := time.Duration(g.r.ExpFloat64() * float64(mean))
	return t.Add(max(d, 40*time.Second)).Truncate(time.Second)
}

// inWeek reports whether a reply at t still fits in the week.
func inWeek(t time.Time) bool { return t.Before(weekEnd.Add(-time.Minute)) }

// ---------------------------------------------------------------- people

var instances = []string{"mastodon.social", "mas.to", "fosstodon.org", "mastodon.online"}

const b32 = "abcdefghijklmnopqrstuvwxyz234567"

func (g *gen) randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// account fills in the source-specific parts of an author: ID, handle.
func (g *gen) account(a *author) {
	base := a.slug
	for i := 2; ; i++ {
		if !g.handles[a.source+"/"+a.slug] {
			break
		}
		a.slug = fmt.Sprintf("%s%d", base, i)
	}
	g.handles[a.source+"/"+a.slug] = true
	switch a.source {
	case "bluesky":
		a.ID = "did:plc:" + g.randString(b32, 24)
		a.Handle = "@" + a.slug + ".bsky.social"
		if a.role == "brand" {
			a.Handle = "@" + a.slug // the company's own handles, as posts mention them
		}
	case "mastodon":
		a.ID = fmt.Sprintf("%d", 109000000000000000+g.r.Int64N(999999999999999))
		a.Handle = "@" + a.slug + "@" + instances[g.r.IntN(len(instances))]
	case "reddit":
		a.ID = "t2_" + g.randString("abcdefghijklmnopqrstuvwxyz0123456789", 8)
		a.Handle = "u/" + a.slug
	default:
		a.ID = fmt.Sprintf("%s:%s", a.source, a.slug)
		a.Handle = a.slug
	}
}

func (g *gen) addAuthor(a author) int {
	g.account(&a)
	g.authors = append(g.authors, a)
	i := len(g.authors) - 1
	if a.role == "" {
		k := a.source + "/" + a.lang
		g.pools[k] = append(g.pools[k], i)
	} else {
		g.byRole[a.role] = append(g.byRole[a.role], i)
	}
	return i
}

// person makes up an ordinary customer writing in lang on source.
func (g *gen) person(source, lang string) author {
	given, family := givenNames[lang], familyNames[lang]
	first := given[g.r.IntN(len(given))]
	last := family[g.r.IntN(len(family))]
	a := author{source: source, lang: lang}
	fold := func(s string) string { return asciiFold.Replace(strings.ToLower(s)) }
	switch g.r.IntN(5) {
	case 0:
		a.slug = fold(first) + fold(last)
	case 1:
		a.slug = fold(first) + "_" + fold(last)
	case 2:
		a.slug = fold(first) + fmt.Sprint(g.between(1, 99))
	case 3:
		a.slug = fold(first)[:1] + fold(last) + fmt.Sprint(g.between(70, 2005))
	default:
		a.slug = fold(first) + "." + fold(last)
	}
	if source == "reddit" || source == "forum" {
		a.slug = strings.ReplaceAll(a.slug, ".", "_")
	}
	a.Name = first + " " + last
	if source == "reviews" {
		a.Name = first + " " + last[:1] + "."
	}
	created := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.Int64N(int64(16.9 * 365 * 24 * float64(time.Hour)))))
	switch { // no account older than its network
	case source == "bluesky" && created.Before(time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)):
		created = time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.Int64N(int64(2.5 * 365 * 24 * float64(time.Hour)))))
	case source == "mastodon" && created.Year() < 2017:
		created = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.Int64N(int64(8.9 * 365 * 24 * float64(time.Hour)))))
	}
	a.Created = created.Truncate(time.Second)
	// Posts written so far: the account's age in days times a daily rate
	// (a median of about 1.4 a day on social sites, rarely over 10; a post
	// a month or so on a forum or a review site).
	days := weekStart.Sub(a.Created).Hours() / 24
	switch source {
	case "forum", "reviews":
		a.Posts = max(1, int64(days*min(g.logNormal(-3.2, 1), 2)))
	default:
		a.Followers = min(int64(g.logNormal(5, 1.4)), 40000)
		a.Following = min(int64(g.logNormal(5.4, .9)), 7000)
		a.Posts = max(1, int64(days*min(g.logNormal(.3, 1.1), 40)))
	}
	return a
}

// persona adds a scripted author with fixed figures.
func (g *gen) persona(role, source, slug, name string, followers, following, posts int64, verified bool, created time.Time) int {
	return g.addAuthor(author{
		Author: hark.Author{Name: name, Followers: followers, Following: following, Posts: posts, Verified: verified, Created: created},
		source: source, lang: "en", role: role, slug: slug,
	})
}

func (g *gen) people() {
	// Ordinary customers: about 1,250 accounts over five sources.
	srcW := []float64{.40, .15, .18, .10, .17}
	ws := make([]float64, len(langWeights))
	for i, l := range langWeights {
		ws[i] = l.w
	}
	for range 1250 {
		src := socialSources[g.pick(srcW)]
		g.addAuthor(g.person(src, langWeights[g.pick(ws)].lang))
	}
	// Every language has at least two accounts on the social sources, so
	// that every text finds an author.
	for _, l := range langWeights {
		for _, src := range []string{"bluesky", "mastodon", "reddit", "forum"} {
			for len(g.pools[src+"/"+l.lang]) < 2 {
				g.addAuthor(g.person(src, l.lang))
			}
		}
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	g.persona("brand", "bluesky", "kestrel", "Kestrel", 182000, 310, 9400, true, d(2023, 5, 2))
	g.persona("brand", "bluesky", "kestrelhelp", "Kestrel Help", 41000, 12, 61000, true, d(2023, 5, 2))
	g.persona("journalist", "bluesky", "mayaokafor", "Maya Okafor", 250000, 1180, 48200, true, d(2023, 6, 14))
	g.persona("youtuber", "bluesky", "techwithdev", "Dev Chandra | TechWithDev", 620000, 410, 7300, true, d(2023, 9, 3))
	g.persona("podcaster", "mastodon", "gadgetpod", "The Gadget Pod", 85000, 900, 15800, false, d(2019, 2, 11))
	g.persona("outlet", "news", "retailwire", "RetailWire", 410000, 150, 122000, true, d(2011, 3, 1))
	// Blogs and smaller outlets.
	g.persona("press", "blog", "gadgetledger", "The Gadget Ledger", 14000, 300, 2100, false, d(2016, 8, 9))
	g.persona("press", "blog", "pocketfuloftech", "Pocketful of Tech", 6200, 800, 950, false, d(2020, 1, 20))
	g.persona("press", "news", "retailinsider", "Retail Insider Weekly", 38000, 220, 8800, true, d(2014, 5, 5))
	g.persona("press", "news", "consumerwatch", "Consumer Watch", 52000, 400, 12400, true, d(2012, 10, 1))
	for _, p := range []struct{ src, slug, name string }{
		{"bluesky", "samlovestech", "Sam Oduya"}, {"bluesky", "hollyhalo", "Holly Brennan"}, {"bluesky", "kestrelfan_rob", "Rob Meyers"},
		{"mastodon", "ellie_gadgets", "Ellie Cho"}, {"forum", "PulseRunner", "Jamie Wood"}, {"reddit", "aero_or_nothing", "Chris Park"},
	} {
		g.persona("advocate", p.src, p.slug, p.name, int64(g.between(800, 9000)), int64(g.between(300, 1500)), int64(g.between(3000, 20000)), false, d(2023, 7, 1))
	}
	for _, p := range []struct{ src, slug, name string }{
		{"bluesky", "neveragainkev", "Kev Doyle"}, {"bluesky", "refundwatch", "Linda Marsh"},
		{"reddit", "burned_by_kestrel", "Paul Grant"}, {"reddit", "still_waiting_2026", "Nadia Rahman"}, {"forum", "BrokenHinge", "Marek Novak"},
	} {
		g.persona("detractor", p.src, p.slug, p.name, int64(g.between(150, 4000)), int64(g.between(200, 900)), int64(g.between(2000, 15000)), false, d(2023, 8, 1))
	}
	for _, p := range []struct{ src, slug, name string }{
		{"forum", "TechTonyUK", "Tony Ashworth"}, {"forum", "HelpfulHelen", "Helen Gray"}, {"forum", "kw_veteran", "Ian Moss"},
		{"reddit", "fixit_felix_", "Felix Adeyemi"}, {"reddit", "settings_wizard", "Rosa Lind"}, {"reddit", "battery_doctor", "Omar Haddad"},
		{"bluesky", "askcarla", "Carla Nunes"}, {"mastodon", "patientpete", "Pete Sowerby"},
	} {
		g.persona("helper", p.src, p.slug, p.name, int64(g.between(100, 3000)), int64(g.between(100, 800)), int64(g.between(4000, 30000)), false, d(2023, 6, 1))
	}
	// Bots: young accounts, following far more than follow them, posting
	// at a high rate.
	botName := []string{"Deal Finder 2026", "Kestrel Offers UK", "Gift Hub", "Tech Bargains", "Daily Deals 🔥", "Promo Alerts",
		"Kestrel Rewards Team", "Gadget Steals", "Free Stuff Daily", "Crypto Gains", "Phone Deals Now", "Best Prices 24/7",
		"Kestrel Support 24", "Outlet Watch", "Win Big Today", "Smart Saver"}
	for i, n := range botName {
		src := "bluesky"
		if i%3 == 2 {
			src = "mastodon"
		}
		slug := fmt.Sprintf("%s%d", asciiFold.Replace(strings.ToLower(strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return r
			}
			return -1
		}, n))), g.between(100, 9999))
		created := day5.AddDate(0, 0, -g.between(8, 50)).Add(time.Duration(g.r.IntN(86400)) * time.Second)
		g.persona("bot", src, slug, n, int64(g.between(2, 60)), int64(g.between(1800, 5000)), int64(g.between(2500, 30000)), false, created)
	}
	for range 8 {
		a := g.person("reviews", "en")
		a.role, a.slug = "bot", fmt.Sprintf("%s%d", a.slug, g.between(10, 99))
		a.Created = day5.AddDate(0, 0, -g.between(3, 25)).Truncate(time.Second)
		a.Posts = int64(g.between(40, 260))
		g.addAuthor(a)
	}
}

// ---------------------------------------------------------------- posting

// fill replaces the slots of text i and returns the body and the stores it
// names.
func (g *gen) fill(i int, incident bool) (string, []string) {
	t := g.texts[i]
	body := t.Text
	var named []string
	if strings.Contains(body, "{city}") {
		var cand []Store
		for _, s := range g.stores {
			if s.Lang == t.Lang && (!incident || slices.Contains(g.inc.Stores, s.Key)) {
				cand = append(cand, s)
			}
		}
		if len(cand) == 0 {
			for _, s := range g.stores {
				if !incident || slices.Contains(g.inc.Stores, s.Key) {
					cand = append(cand, s)
				}
			}
		}
		s := cand[g.r.IntN(len(cand))]
		body = strings.Replace(body, "{city}", s.City, 1)
		named = append(named, s.Key)
	}
	if strings.Contains(body, "{journalist}") {
		body = strings.ReplaceAll(body, "{journalist}", g.authors[g.byRole["journalist"][0]].Handle)
	}
	for strings.Contains(body, "{code}") {
		body = strings.Replace(body, "{code}", g.randString("abcdefghijkmnpqrstuvwxyz23456789", 5), 1)
	}
	return body, named
}

// writerOf picks an ordinary author for text i, preferring source, who has
// not written it before (if one can be found in a few tries).
func (g *gen) writerOf(source string, i int) int {
	a := g.authorFor(source, g.texts[i].Lang)
	for range 8 {
		if !g.wrote[wrote{a, i}] {
			break
		}
		a = g.authorFor(source, g.texts[i].Lang)
	}
	return a
}

// fresh returns a filter of the texts author a has not written.
func (g *gen) fresh(a int, ok func(Text) bool) func(Text) bool {
	return func(t Text) bool {
		return (ok == nil || ok(t)) && !g.wrote[wrote{a, g.textIndex[t.ID]}]
	}
}

// authorFor picks an ordinary author writing in lang, preferring source.
// Busy posters are picked more often than quiet ones.
func (g *gen) authorFor(source, lang string) int {
	order := append([]string{source}, socialSources...)
	for _, s := range order {
		p := g.pools[s+"/"+lang]
		if len(p) > 0 {
			return p[int(float64(len(p))*math.Pow(g.r.Float64(), 1.4))]
		}
	}
	p := g.pools[source+"/en"]
	return p[g.r.IntN(len(p))]
}

// post adds a draft and returns its index.
func (g *gen) post(t time.Time, a, text int, parent, repostOf int, incident bool) int {
	body, named := g.fill(text, incident)
	root := -1
	if parent >= 0 {
		root = g.drafts[parent].root
		if root < 0 {
			root = parent
		}
	}
	g.wrote[wrote{a, text}] = true
	if parent >= 0 && g.authors[a].source == "mastodon" {
		// Mastodon replies start with the handle of the one replied to.
		if h := g.authors[g.drafts[parent].author].Handle; g.drafts[parent].author != a {
			body = h + " " + body
		}
	}
	g.drafts = append(g.drafts, draft{t: t.Truncate(time.Second), author: a, text: text, body: body, stores: named,
		parent: parent, root: root, repostOf: repostOf, incident: incident})
	return len(g.drafts) - 1
}

// repost adds a plain repost of post i by author a at t.
func (g *gen) repost(i, a int, t time.Time) {
	o := g.drafts[i]
	g.drafts = append(g.drafts, draft{t: t, author: a, text: o.text, body: o.body, stores: o.stores,
		parent: -1, root: -1, repostOf: i, repost: true, incident: o.incident})
}

// sameSource picks an ordinary author on the source of post i, other than
// its author, writing in lang ("" for any language).
func (g *gen) sameSource(i int, lang string) int {
	src := g.authors[g.drafts[i].author].source
	for range 20 {
		var a int
		if lang == "" {
			a = g.authorFor(src, langWeights[g.pick([]float64{.85, .04, .03, .03, .02, .01, .01, .0, .0, .0})].lang)
		} else {
			a = g.authorFor(src, lang)
		}
		if a != g.drafts[i].author && g.authors[a].source == src {
			return a
		}
	}
	p := g.pools[src+"/en"]
	return p[g.r.IntN(len(p))]
}

// sameSourceFor picks an author for text i on the source of post p who has
// not written it before (if one can be found in a few tries).
func (g *gen) sameSourceFor(p, i int) int {
	a := g.sameSource(p, g.texts[i].Lang)
	for range 8 {
		if !g.wrote[wrote{a, i}] {
			break
		}
		a = g.sameSource(p, g.texts[i].Lang)
	}
	return a
}

// roleOn returns an author of role on source, or -1.
func (g *gen) roleOn(role, source string) int {
	var c []int
	for _, a := range g.byRole[role] {
		if g.authors[a].source == source {
			c = append(c, a)
		}
	}
	if len(c) == 0 {
		return -1
	}
	return c[g.r.IntN(len(c))]
}

func (g *gen) kindDeck(k string) *deck { return g.decks[k] }

// inIncident reports whether t falls in the incident window, when the
// company is silent.
func (g *gen) inIncident(t time.Time) bool {
	return !t.Before(g.inc.Start.Add(-time.Hour)) && t.Before(g.inc.End.Add(time.Hour))
}

// reposts adds n plain reposts of post i on bluesky or mastodon.
func (g *gen) reposts(i, n int, mean time.Duration) {
	src := g.authors[g.drafts[i].author].source
	if src != "bluesky" && src != "mastodon" {
		return
	}
	for range n {
		t := g.after(g.drafts[i].t, mean)
		if inWeek(t) {
			g.repost(i, g.sameSource(i, ""), t)
		}
	}
}

// reply adds a short reply of kind k, and of the given role ("" for
// those with none), to post i, by author by or else someone on its source.
func (g *gen) reply(i int, k string, mean time.Duration, by int, role string) int {
	t := g.after(g.drafts[i].t, mean)
	if !inWeek(t) {
		return -1
	}
	if by < 0 {
		by = g.sameSource(i, "en")
	}
	return g.post(t, by, g.draw(g.kindDeck(k), g.fresh(by, func(x Text) bool { return x.Role == role })), i, -1, false)
}

// thread adds the conversation that follows root post i.
func (g *gen) thread(i int) {
	d := g.drafts[i]
	t := g.texts[d.text]
	src := g.authors[d.author].source
	if src == "reviews" || src == "blog" || src == "news" {
		return
	}
	more := 1.0
	if src == "reddit" || src == "forum" {
		more = 1.5
	}
	en := t.Lang == "en"
	first := !g.seen[d.text]
	g.seen[d.text] = true
	// An answer from another customer, where one was written.
	if ad := g.answers[t.Topic+"/"+t.Lang]; t.Topic != "" && ad != nil && (first || g.chance(.65)) {
		by := -1
		if en && g.chance(.8) {
			by = g.roleOn("helper", src)
		}
		if by < 0 {
			by = g.sameSource(i, t.Lang)
		}
		at := g.after(d.t, 35*time.Minute)
		if inWeek(at) {
			a := g.post(at, by, g.draw(ad, g.fresh(by, nil)), i, -1, false)
			if en && g.chance(.35) {
				if tt := g.after(at, 25*time.Minute); inWeek(tt) {
					g.post(tt, d.author, g.draw(g.kindDeck("thanks"), g.fresh(d.author, nil)), a, -1, false)
				}
			}
		}
	}
	switch t.Kind {
	case "question", "research":
		if en && g.chance(.3*more) {
			g.reply(i, "banter", 50*time.Minute, -1, "question")
		}
	case "complaint", "detractor":
		if en {
			n := 0
			switch x := g.r.Float64() / more; {
			case x < .5:
			case x < .75:
				n = 1
			case x < .9:
				n = 2
			default:
				n = g.between(3, 5)
			}
			for range n {
				by := -1
				if g.chance(.25) {
					by = g.roleOn("detractor", src)
				}
				g.reply(i, "agree", time.Hour, by, "")
			}
		}
		if src == "bluesky" && g.chance(.18) {
			at := g.after(d.t, 90*time.Minute)
			if inWeek(at) && !g.inIncident(at) {
				g.post(at, g.byRole["brand"][1], g.draw(g.decks["brand_reply/complaint"], nil), i, -1, false)
			}
		}
		if (src == "bluesky" || src == "mastodon") && g.chance(.06) {
			at := g.after(d.t, 2*time.Hour)
			if inWeek(at) {
				g.post(at, g.sameSource(i, "en"), g.draw(g.kindDeck("quote"), nil), -1, i, false)
			}
		}
		if g.chance(.1) {
			g.reposts(i, g.between(1, 3), 90*time.Minute)
		}
	case "praise", "advocate":
		if en {
			n := 0
			if x := g.r.Float64(); x > .9 {
				n = 2
			} else if x > .65 {
				n = 1
			}
			for range n {
				by := -1
				if g.chance(.3) {
					by = g.roleOn("advocate", src)
				}
				g.reply(i, "cheer", time.Hour, by, "")
			}
		}
		if src == "bluesky" && g.chance(.08) {
			at := g.after(d.t, 2*time.Hour)
			if inWeek(at) && !g.inIncident(at) {
				g.post(at, g.byRole["brand"][0], g.draw(g.decks["brand_reply/praise"], nil), i, -1, false)
			}
		}
		if g.chance(.12) {
			g.reposts(i, g.between(1, 2), 90*time.Minute)
		}
	case "chatter":
		if en && g.chance(.25*more) {
			g.reply(i, "banter", 40*time.Minute, -1, "")
		}
		if g.chance(.05) {
			g.reposts(i, 1, time.Hour)
		}
	case "suggestion":
		if en && g.chance(.2*more) {
			g.reply(i, "cheer", time.Hour, -1, "")
		}
		if en && g.chance(.1) {
			g.reply(i, "banter", time.Hour, -1, "question")
		}
	case "highreach", "brand_post":
		for range g.between(5, 14) {
			k := "react"
			if t.Sentiment < 0 && g.chance(.5) {
				k = "agree"
			}
			g.reply(i, k, 70*time.Minute, -1, "")
		}
		g.reposts(i, g.between(12, 35), time.Hour)
	}
}

// rootKinds are the kinds of ordinary root posts, their share, and where
// they are posted.
var rootKinds = []struct {
	kind string
	w    float64
	src  []float64 // over socialSources
}{
	{"chatter", .22, []float64{.50, .25, .15, .10, 0}},
	{"praise", .18, []float64{.40, .15, .10, .05, .30}},
	{"complaint", .20, []float64{.40, .10, .20, .10, .20}},
	{"question", .12, []float64{.30, .10, .30, .30, 0}},
	{"suggestion", .06, []float64{.30, .15, .25, .30, 0}},
	{"research", .10, []float64{.25, .10, .40, .25, 0}},
	{"review", .05, []float64{0, 0, 0, .15, .85}},
	{"news", .006, nil},
}

// ordinary adds the customers' root posts of the week and their threads.
func (g *gen) ordinary() {
	ws := make([]float64, len(rootKinds))
	for i, k := range rootKinds {
		ws[i] = k.w
	}
	for day, f := range dayVolume {
		n := int(265 * f)
		for range n {
			k := rootKinds[g.pick(ws)]
			t := g.when(day)
			i := g.draw(g.decks[k.kind], nil)
			var a int
			if k.src == nil {
				press := g.byRole["press"]
				a = press[g.r.IntN(len(press))]
				for _, b := range press {
					if g.wrote[wrote{a, i}] {
						a = b
					}
				}
			} else {
				a = g.writerOf(socialSources[g.pick(k.src)], i)
			}
			g.thread(g.post(t, a, i, -1, -1, false))
		}
	}
}

// brandPosts adds the company's own announcements, all outside the
// incident.
func (g *gen) brandPosts() {
	at := []time.Duration{ // by position in the brand_post texts
		4*24*time.Hour + 9*time.Hour + 30*time.Minute, // Fri 09:30, the earbuds ad
		1*24*time.Hour + 12*time.Hour,                 // Tue 12:00
		2*24*time.Hour + 10*time.Hour,                 // Wed 10:00
		3*24*time.Hour + 15*time.Hour,                 // Thu 15:00
		11 * time.Hour,                                // Mon 11:00
		1*24*time.Hour + 17*time.Hour,                 // Tue 17:00
	}
	var texts []int
	for i, t := range g.texts {
		if t.Kind == "brand_post" {
			texts = append(texts, i)
		}
	}
	for j, i := range texts {
		t := weekStart.Add(at[j%len(at)]).Add(time.Duration(g.r.IntN(600)) * time.Second)
		if j >= len(at) {
			t = g.anytime()
		}
		g.thread(g.post(t, g.byRole["brand"][0], i, -1, -1, false))
	}
}

// personaPosts adds the repeated posts of advocates, detractors, helpers
// and the high-reach authors' ordinary posts.
func (g *gen) personaPosts() {
	for _, a := range g.byRole["advocate"] {
		for range g.between(4, 7) {
			k := "advocate"
			if g.chance(.4) {
				k = "praise"
			}
			i := g.draw(g.decks[k], g.fresh(a, func(t Text) bool { return t.Lang == "en" }))
			g.thread(g.post(g.anytime(), a, i, -1, -1, false))
		}
	}
	for _, a := range g.byRole["detractor"] {
		for range g.between(5, 8) {
			k := "detractor"
			if g.chance(.35) {
				k = "complaint"
			}
			i := g.draw(g.decks[k], g.fresh(a, func(t Text) bool { return t.Lang == "en" }))
			g.thread(g.post(g.anytime(), a, i, -1, -1, false))
		}
	}
	for _, a := range g.byRole["helper"] {
		for range g.between(1, 2) {
			k := []string{"praise", "chatter", "suggestion"}[g.r.IntN(3)]
			i := g.draw(g.decks[k], g.fresh(a, func(t Text) bool { return t.Lang == "en" }))
			g.thread(g.post(g.anytime(), a, i, -1, -1, false))
		}
	}
	for i, t := range g.texts {
		if t.Kind != "highreach" {
			continue
		}
		a := g.byRole[t.Role][0]
		day := g.r.IntN(7)
		if day == 4 { // keep day 5 for the incident
			day = 3
		}
		at := weekStart.AddDate(0, 0, day).Add(time.Duration(g.between(8*3600, 21*3600)) * time.Second)
		g.thread(g.post(at, a, i, -1, -1, false))
	}
}

// botPosts adds spam: bursts of near-duplicate promotions by the bots,
// fake reviews, and a phishing wave riding on the incident.
func (g *gen) botPosts() {
	var promo, fake []int
	for i, t := range g.texts {
		switch {
		case t.Kind == "spam" && t.Role == "fakereview":
			fake = append(fake, i)
		case t.Kind == "spam":
			promo = append(promo, i)
		}
	}
	var phishing int
	for _, i := range promo {
		if strings.Contains(g.texts[i].Text, "SUSPENDED") {
			phishing = i
		}
	}
	nSocial, nReview := 0, 0
	for _, b := range g.byRole["bot"] {
		if g.authors[b].source == "reviews" {
			favs := []int{fake[nReview%len(fake)]}
			nReview++
			for range g.between(2, 3) {
				t := g.anytime()
				for range g.between(3, 5) {
					g.post(t, b, favs[0], -1, -1, false)
					t = t.Add(time.Duration(g.between(120, 600)) * time.Second)
				}
			}
			continue
		}
		favs := []int{promo[nSocial%len(promo)], promo[(nSocial+5)%len(promo)]}
		nSocial++
		for range g.between(2, 4) {
			// Bots do not sleep: bursts start at any hour.
			t := weekStart.Add(time.Duration(g.r.Int64N(int64(7*24*time.Hour - 2*time.Hour)))).Truncate(time.Second)
			for range g.between(5, 10) {
				g.post(t, b, favs[g.r.IntN(len(favs))], -1, -1, false)
				t = t.Add(time.Duration(g.between(40, 240)) * time.Second)
			}
		}
	}
	// Phishing on the back of the outage.
	for j, b := range g.byRole["bot"] {
		if g.authors[b].source != "bluesky" || j >= 8 || j%2 == 1 {
			continue
		}
		t := g.inc.PeakStart.Add(30*time.Minute + time.Duration(g.r.IntN(3600))*time.Second)
		for range g.between(4, 6) {
			g.post(t, b, phishing, -1, -1, false)
			t = t.Add(time.Duration(g.between(60, 300)) * time.Second)
		}
	}
}

// incidentPosts writes the day-5 outage: a handful of posts in its first
// half hour, then rising volume and anger, high-reach authors joining,
// reposts, and a tail once payments are restored.
func (g *gen) incidentPosts() {
	inc := g.inc
	type seg struct {
		from, to time.Duration // after Start
		n        int           // events in the segment
	}
	h := func(x float64) time.Duration { return time.Duration(x * float64(time.Hour)) }
	segs := []seg{
		{h(0), h(.5), 5},
		{h(.5), h(1.67), 16},
		{h(1.67), h(3.17), 48},
		{h(3.17), h(4.17), 58},
		{h(4.17), h(7.17), 260},
		{h(7.17), h(7.83), 36},
		{h(7.83), h(8.67), 25},
		{h(8.67), h(9.6), 12}, // ends a few minutes before End
	}
	// The first post follows the start by a few minutes.
	times := []time.Time{inc.Start.Add(2*time.Minute + time.Duration(g.r.IntN(240))*time.Second)}
	for k, s := range segs {
		n := s.n
		if k == 0 {
			n--
		}
		for range n {
			off := s.from + time.Duration(g.r.Int64N(int64(s.to-s.from)))
			if k == 0 {
				off = max(off, 6*time.Minute)
			}
			times = append(times, inc.Start.Add(off).Truncate(time.Second))
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })

	// The high-reach posts, at fixed times.
	reachAt := map[string][]time.Duration{ // role -> offsets, in text order
		"journalist": {h(2.75), h(3.4)},
		"youtuber":   {h(4.83)},
		"outlet":     {h(4.25), h(7.08)},
		"podcaster":  {h(6.1)},
	}
	var reach []int // drafts of reach posts
	used := make(map[string]int)
	var firstJournalist = -1
	for i, t := range g.texts {
		if t.Kind != "incident" || t.Stage != "reach" {
			continue
		}
		offs := reachAt[t.Role]
		off := offs[used[t.Role]%len(offs)]
		used[t.Role]++
		a := g.byRole[t.Role][0]
		parent := -1
		if t.Role == "journalist" && firstJournalist >= 0 {
			parent = firstJournalist // the journalist's thread
		}
		d := g.post(inc.Start.Add(off), a, i, parent, -1, true)
		if t.Role == "journalist" && firstJournalist < 0 {
			firstJournalist = d
		}
		reach = append(reach, d)
	}

	var roots []int // incident posts others can reply to or repost
	roots = append(roots, reach...)
	srcW := []float64{.55, .15, .20, .10, 0}
	stage := func(off time.Duration) string {
		either := func(p float64, a, b string) string {
			if g.chance(p) {
				return a
			}
			return b
		}
		switch {
		case off < h(.5):
			return "early"
		case off < h(1.67):
			if d := g.decks["incident/early"]; d.pos < len(d.cover) {
				return "early" // every early text is written early
			}
			return either(.4, "early", "spread")
		case off < h(3.17):
			return either(.75, "spread", "peak")
		case off < h(7.83):
			return either(.7, "peak", "spread")
		case off < h(8.67):
			return either(.75, "recover", "peak")
		}
		return "recover"
	}
	// recent picks an incident post written before t, favouring the
	// high-reach ones, on a source where reposts exist when social is set.
	recent := func(t time.Time, social bool) int {
		var c []int
		var w []float64
		for _, i := range roots {
			d := g.drafts[i]
			src := g.authors[d.author].source
			if !d.t.Before(t.Add(-40*time.Second)) || d.t.Before(t.Add(-3*time.Hour)) {
				continue
			}
			if social && src != "bluesky" && src != "mastodon" {
				continue
			}
			if src == "news" || src == "blog" {
				continue
			}
			c = append(c, i)
			if slices.Contains(reach, i) {
				w = append(w, 12)
			} else {
				w = append(w, 1)
			}
		}
		if len(c) == 0 {
			return -1
		}
		return c[g.pick(w)]
	}
	hours := func(t time.Time) float64 { return t.Sub(inc.Start).Hours() }
	for _, t := range times {
		off := t.Sub(inc.Start)
		x := g.r.Float64()
		kind := "root"
		switch {
		case off < h(1.67):
			if x > .85 {
				kind = "reply"
			}
		case off < h(3.17):
			kind = []string{"root", "reply", "repost", "quote"}[g.pick([]float64{.6, .25, .1, .05})]
		case off < h(7.83):
			kind = []string{"root", "reply", "repost", "quote"}[g.pick([]float64{.45, .25, .22, .08})]
		default:
			kind = []string{"root", "reply", "repost"}[g.pick([]float64{.7, .15, .15})]
		}
		ok := func(tx Text) bool { return tx.After <= hours(t) }
		switch kind {
		case "reply":
			p := recent(t, false)
			if p < 0 {
				break
			}
			i := g.draw(g.decks["incident/reply"], ok)
			g.post(t, g.sameSourceFor(p, i), i, p, -1, true)
			continue
		case "repost":
			p := recent(t, true)
			if p < 0 {
				break
			}
			g.repost(p, g.sameSource(p, ""), t)
			continue
		case "quote":
			p := recent(t, true)
			if p < 0 {
				break
			}
			quoted := g.texts[g.drafts[p].text].Text
			i := g.draw(g.decks["incident/quote"], func(tx Text) bool { return ok(tx) && tx.Text != quoted })
			roots = append(roots, g.post(t, g.sameSourceFor(p, i), i, -1, p, true))
			continue
		}
		st := stage(off)
		i := g.draw(g.decks["incident/"+st], ok)
		src := socialSources[g.pick(srcW)]
		a := g.writerOf(src, i)
		if st == "peak" && g.texts[i].Lang == "en" && g.chance(.08) {
			if d := g.roleOn("detractor", src); d >= 0 {
				a = d
			}
		}
		roots = append(roots, g.post(t, a, i, -1, -1, true))
	}
}

// ---------------------------------------------------------------- finish

// marks returns the words of body that start with mark ('@' or '#') and
// follow no word character, in order, without repeats. A mention is made
// of ASCII letters, digits, '_', inner dots and at most one inner '@' (as
// in "@user@instance"); a hashtag of letters, digits and '_'.
func marks(body string, mark byte) []string {
	var out []string
	for i := 0; i < len(body); i++ {
		if body[i] != mark {
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(body[:i]); i > 0 && (isWordRune(prev) || prev == '@' || prev == '#') {
			continue
		}
		j := i + 1
		domain := false // past the second '@' of a mastodon handle
		for j < len(body) {
			r, n := utf8.DecodeRuneInString(body[j:])
			ok := isWordRune(r)
			if mark == '@' {
				ok = r < utf8.RuneSelf && (ok || r == '.' || r == '@' && !domain && j > i+1)
				domain = domain || r == '@'
			}
			if !ok {
				break
			}
			j += n
		}
		w := strings.TrimRight(body[i:j], ".@")
		if len(w) > 1 && !slices.Contains(out, w) {
			out = append(out, w)
		}
		i = j - 1
	}
	return out
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

var srcHosts = map[string]string{
	"reviews": "https://reviews.example.com/kestrel/",
	"forum":   "https://community.kestrel.example/t/",
}

// finish orders the drafts in time and turns them into posts and labels.
func (g *gen) finish() (*data, error) {
	order := make([]int, len(g.drafts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return g.drafts[a].t.Compare(g.drafts[b].t) })
	// No two posts share a time, so that "by Created, then ID" is also
	// "by Created": a post that ties with the one before moves on a second.
	for k := 1; k < len(order); k++ {
		prev, cur := &g.drafts[order[k-1]], &g.drafts[order[k]]
		if !cur.t.After(prev.t) {
			cur.t = prev.t.Add(time.Second)
		}
	}
	newIdx := make([]int, len(g.drafts))
	for k, i := range order {
		newIdx[i] = k
	}
	ids := make([]string, len(order))
	for k, i := range order {
		ids[k] = fmt.Sprintf("%s-%05d", g.authors[g.drafts[i].author].source, k+1)
	}
	// Engagement the sample itself shows.
	replies := make([]int64, len(g.drafts))
	reposts := make([]int64, len(g.drafts))
	quotes := make([]int64, len(g.drafts))
	for _, d := range g.drafts {
		switch {
		case d.parent >= 0:
			replies[d.parent]++
		case d.repostOf >= 0 && d.repost:
			reposts[d.repostOf]++
		case d.repostOf >= 0:
			quotes[d.repostOf]++
		}
	}
	out := &data{texts: g.texts, posts: make([]hark.Post, len(order)), labels: make([]Label, len(order))}
	srcSet := make(map[string]bool)
	for k, i := range order {
		d := g.drafts[i]
		a := g.authors[d.author]
		if !d.t.Before(weekEnd) || d.t.Before(weekStart) {
			return nil, fmt.Errorf("post %d at %v outside the week", k, d.t)
		}
		t := g.texts[d.text]
		p := hark.Post{
			ID:      ids[k],
			Source:  a.source,
			Text:    d.body,
			Created: d.t,
			Author:  a.Author,
		}
		switch a.source {
		case "bluesky", "mastodon", "reviews":
			p.Lang = t.Lang // these sources declare a language
		}
		if d.parent >= 0 {
			p.ParentID = ids[newIdx[d.parent]]
			p.ThreadID = ids[newIdx[d.root]]
		}
		if d.repostOf >= 0 {
			p.RepostOf = ids[newIdx[d.repostOf]]
		}
		p.URL = g.url(a, p, d)
		if !d.repost {
			foll := float64(a.Followers)
			likes := int64(g.r.ExpFloat64()*(1.5+math.Sqrt(foll)*.25)) + 3*reposts[i] + replies[i]
			if t.Kind == "spam" {
				likes = int64(g.r.IntN(3))
			}
			p.Metrics = hark.Engagement{Likes: likes, Reposts: reposts[i], Replies: replies[i], Quotes: quotes[i]}
			if a.source == "news" || a.source == "blog" {
				p.Metrics.Views = int64(foll*(.05+.2*g.r.Float64())) + likes*20
			}
		}
		p.Mentions = marks(d.body, '@')
		p.Tags = marks(d.body, '#')
		if err := p.Validate(); err != nil {
			return nil, err
		}
		out.posts[k] = p
		out.labels[k] = Label{
			TextID: t.ID, Sentiment: t.Sentiment, Label: t.Label, Urgency: t.Urgency, Intent: t.Intent, Lang: t.Lang,
			Kind: t.Kind, Stage: t.Stage, Incident: d.incident, Repost: d.repost, Bot: a.role == "bot",
			Products: g.productsOf(d.text, d.incident), Stores: g.storesOf(d.text, d.stores),
		}
		srcSet[a.source] = true
	}
	f := Facts{Brand: "Kestrel", Handles: []string{"@kestrel", "@kestrelhelp"}, Start: weekStart, End: weekEnd, Incident: g.inc}
	for _, s := range []string{"blog", "bluesky", "forum", "mastodon", "news", "reddit", "reviews"} {
		if srcSet[s] {
			f.Sources = append(f.Sources, s)
		}
	}
	for _, role := range []string{"journalist", "youtuber", "podcaster", "outlet"} {
		f.HighReach = append(f.HighReach, g.personas(role)...)
	}
	f.Accounts = g.personas("brand")
	f.Advocates = g.personas("advocate")
	f.Detractors = g.personas("detractor")
	f.Helpers = g.personas("helper")
	f.Bots = g.personas("bot")
	out.facts = f
	return out, nil
}

func (g *gen) personas(role string) []Persona {
	var ps []Persona
	for _, i := range g.byRole[role] {
		a := g.authors[i]
		ps = append(ps, Persona{Role: role, Source: a.source, AuthorID: a.ID, Handle: a.Handle, Name: a.Name, Followers: a.Followers})
	}
	return ps
}

func (g *gen) url(a author, p hark.Post, d draft) string {
	switch a.source {
	case "bluesky":
		return "https://bsky.app/profile/" + strings.TrimPrefix(a.Handle, "@") + "/post/" + p.ID
	case "mastodon":
		_, inst, _ := strings.Cut(strings.TrimPrefix(a.Handle, "@"), "@")
		return "https://" + inst + "/@" + a.slug + "/" + p.ID
	case "reddit":
		root := p.ID
		if p.ThreadID != "" {
			root = p.ThreadID
		}
		return "https://www.reddit.com/r/KestrelTech/comments/" + root + "/_/" + p.ID
	case "forum":
		root := p.ID
		if p.ThreadID != "" {
			root = p.ThreadID
		}
		return srcHosts["forum"] + root + "#" + p.ID
	case "reviews":
		return srcHosts["reviews"] + p.ID
	}
	return "https://" + a.slug + ".example.com/2026/03/" + p.ID
}

// productsOf returns the keys of the products text i names, in the order
// of the product list, with the incident's product for an incident post.
// Slots never name a product, so the text's own words decide.
func (g *gen) productsOf(i int, incident bool) []string {
	names := g.textProducts[i]
	if incident && !slices.Contains(names, g.inc.Product) {
		names = append(slices.Clone(names), g.inc.Product)
		slices.SortFunc(names, func(a, b string) int {
			return slices.IndexFunc(g.prods, func(p Product) bool { return p.Key == a }) -
				slices.IndexFunc(g.prods, func(p Product) bool { return p.Key == b })
		})
	}
	return slices.Clone(names)
}

// storesOf returns the keys of the stores a post of text i names: the
// slot's first, then the cities the text itself names.
func (g *gen) storesOf(i int, slot []string) []string {
	out := slices.Clone(slot)
	for _, k := range g.textStores[i] {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// nameTexts finds the products and stores each text names.
func (g *gen) nameTexts() {
	g.textProducts = make([][]string, len(g.texts))
	g.textStores = make([][]string, len(g.texts))
	for i, t := range g.texts {
		low := strings.ToLower(t.Text)
		for _, p := range g.prods {
			if slices.ContainsFunc(p.Aliases, func(a string) bool { return hasWord(low, a) }) {
				g.textProducts[i] = append(g.textProducts[i], p.Key)
			}
		}
		for _, s := range g.stores {
			if hasWord(low, strings.ToLower(s.City)) || slices.ContainsFunc(s.Aliases, func(a string) bool { return hasWord(low, a) }) {
				g.textStores[i] = append(g.textStores[i], s.Key)
			}
		}
	}
}

// hasWord reports whether w occurs in s with no letter or digit on either
// side.
func hasWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		isWord := func(r rune) bool { return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
		if !isWord(before) && !isWord(after) {
			return true
		}
		off = i + 1
	}
}
