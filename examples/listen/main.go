// Command listen listens to real sources and prints each post heard with
// its score (sentiment, urgency, intent). Sources are chosen with -sources
// and configured with flags; credentials come from the environment:
//
//	REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT   reddit
//	X_BEARER_TOKEN                                              x
//	YOUTUBE_API_KEY                                             youtube
//	MASTODON_TOKEN (optional; needed for -mastodon-search)      mastodon
//	META_APP_SECRET, META_VERIFY_TOKEN                          webhook
//
// Examples:
//
//	go run ./examples/listen -sources hn,bluesky -query acme
//	go run ./examples/listen -sources rss -rss https://blog.example/feed.xml
//	go run ./examples/listen -sources mastodon -mastodon-instance https://mastodon.social -mastodon-tag acme
//	go run ./examples/listen -demo          # offline, on the recorded fixtures
//
// Cursors are kept in -checkpoints FILE (default: memory only), so a
// restart goes on where it stopped; delivery is at-least-once and the
// dedupe set makes it once. -filter applies a Boolean query (listen.Compile)
// to every post; -json prints {"post", "score"} objects, one per line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/appstore"
	"github.com/harkhq/hark/listen/bluesky"
	"github.com/harkhq/hark/listen/discourse"
	"github.com/harkhq/hark/listen/hn"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/listen/reddit"
	"github.com/harkhq/hark/listen/rss"
	"github.com/harkhq/hark/listen/webhook"
	"github.com/harkhq/hark/listen/x"
	"github.com/harkhq/hark/listen/youtube"
	"github.com/harkhq/hark/score"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type config struct {
	demo                 bool
	sources              string
	query, filter        string
	rss                  multi
	mastodonInstance     string
	mastodonTag          string
	mastodonSearch       bool
	subreddit            string
	discourseURL         string
	appID, countries     string
	youtubeVideo, ytChan string
	webhookAddr          string
	checkpoints          string
	jsonOut              bool
	max                  int
	poll, silence        time.Duration
	verbose              bool
	getenv               func(string) string
	closers              []func()
	webhookServe         func(ctx context.Context) error
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{getenv: getenv}
	fs.BoolVar(&c.demo, "demo", false, "offline: listen to every adapter on the recorded fixtures and exit")
	fs.StringVar(&c.sources, "sources", "hn", "comma-separated: hn,rss,mastodon,reddit,bluesky,discourse,x,youtube,appstore,webhook")
	fs.StringVar(&c.query, "query", "", "what to search for on the platforms that search (hn, reddit, x, discourse, bluesky, youtube)")
	fs.StringVar(&c.filter, "filter", "", `Boolean filter on every post, e.g. 'acme AND (refund OR "never arrived") -#ad'`)
	fs.Var(&c.rss, "rss", "feed URL (repeatable)")
	fs.StringVar(&c.mastodonInstance, "mastodon-instance", "https://mastodon.social", "Mastodon server")
	fs.StringVar(&c.mastodonTag, "mastodon-tag", "", "hashtag to follow (default: -query as a tag)")
	fs.BoolVar(&c.mastodonSearch, "mastodon-search", false, "full-text search for -query instead of a hashtag (needs MASTODON_TOKEN)")
	fs.StringVar(&c.subreddit, "subreddit", "", "restrict the Reddit search to a subreddit (or read its new posts without -query)")
	fs.StringVar(&c.discourseURL, "discourse", "", "Discourse forum URL")
	fs.StringVar(&c.appID, "appstore-id", "", "numeric App Store app ID")
	fs.StringVar(&c.countries, "appstore-countries", "us", "comma-separated storefronts")
	fs.StringVar(&c.youtubeVideo, "youtube-video", "", "YouTube video ID")
	fs.StringVar(&c.ytChan, "youtube-channel", "", "YouTube channel ID (all its videos' comments)")
	fs.StringVar(&c.webhookAddr, "webhook-addr", ":8080", "address the webhook inbox listens on (path /webhook)")
	fs.StringVar(&c.checkpoints, "checkpoints", "", "file to keep cursors in across restarts")
	fs.BoolVar(&c.jsonOut, "json", false, `print {"post", "score"} JSON lines`)
	fs.IntVar(&c.max, "n", 0, "stop after n posts (0: until interrupted)")
	fs.DurationVar(&c.poll, "poll", time.Minute, "wait between polls of a source with nothing new")
	fs.BoolVar(&c.verbose, "v", false, "log fetch errors and retries; print each source's watermark on exit")
	fs.DurationVar(&c.silence, "silence", time.Hour, "warn when a source has delivered nothing for this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var filter *listen.Query
	if c.filter != "" {
		q, err := listen.Compile(c.filter)
		if err != nil {
			fmt.Fprintf(stderr, "listen: -filter: %v\n", err)
			return 2
		}
		filter = q
	}
	scorer, err := score.New()
	if err != nil {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		return 1
	}
	defer func() {
		for _, f := range c.closers {
			f()
		}
	}()
	var srcs []listen.Source
	if c.demo {
		srcs, err = demoSources(c)
	} else {
		srcs, err = liveSources(c)
	}
	if err != nil {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		return 2
	}
	level := slog.LevelError
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var cp listen.Checkpoints = &listen.MemoryCheckpoints{}
	if c.checkpoints != "" {
		cp = listen.NewFileCheckpoints(c.checkpoints)
	}
	wm := &listen.Watermarks{}
	opts := []listen.Option{
		listen.WithCheckpoints(cp),
		listen.WithDedupe(listen.NewDedupe(100_000, 7*24*time.Hour)),
		listen.WithLogger(logger),
		listen.WithPollInterval(c.poll),
		listen.WithWatermarks(wm),
		listen.WithSilence(c.silence, func(s listen.Silence) {
			fmt.Fprintf(stderr, "listen: %s silent for %v (last post %s)\n", s.Source, s.For.Round(time.Second), s.Since.Format(time.RFC3339))
		}),
	}
	if c.demo {
		opts = append(opts, listen.WithPollInterval(10*time.Millisecond), listen.WithBackoff(listen.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if c.webhookServe != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.webhookServe(ctx); err != nil {
				logger.Error("webhook server", "err", err)
			}
		}()
	}
	type heard struct {
		p hark.Post
		r score.Result
	}
	var (
		out   []heard
		count int
	)
	enc := cli.Encoder(stdout)
	print := func(h heard) {
		if c.jsonOut {
			enc.Encode(struct {
				Post  hark.Post    `json:"post"`
				Score score.Result `json:"score"`
			}{h.p, h.r})
			return
		}
		fmt.Fprintln(stdout, line(h.p, h.r))
	}
	err = listen.Run(ctx, srcs, func(_ context.Context, _ string, posts []hark.Post) error {
		for _, p := range posts {
			if filter != nil && !filter.Match(&p) {
				continue
			}
			h := heard{p, scorer.Score(p)}
			if c.demo {
				out = append(out, h) // printed sorted at the end: deterministic
			} else {
				print(h)
			}
			if count++; c.max > 0 && count >= c.max {
				cancel()
				return nil
			}
		}
		return nil
	}, opts...)
	cancel()
	wg.Wait()
	if c.demo {
		slices.SortStableFunc(out, func(a, b heard) int {
			if d := a.p.Created.Compare(b.p.Created); d != 0 {
				return d
			}
			if d := strings.Compare(a.p.Source, b.p.Source); d != 0 {
				return d
			}
			return strings.Compare(a.p.ID, b.p.ID)
		})
		for _, h := range out {
			print(h)
		}
	}
	if c.verbose {
		for _, w := range wm.All() {
			fmt.Fprintf(stderr, "watermark %-40s delivered %-6d duplicates %-5d errors %-4d newest %s cursor %.40q\n",
				w.Source, w.Delivered, w.Duplicates, w.Errors, w.Newest.Format(time.RFC3339), w.Cursor)
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "listen: %v\n", err)
		return 1
	}
	return 0
}

// line is the text form of a scored post.
func line(p hark.Post, r score.Result) string {
	who := p.Author.Handle
	if who == "" {
		who = p.Author.Name
	}
	if who == "" {
		who = "-"
	}
	text := strings.Join(strings.Fields(p.Text), " ")
	if n := 110; len([]rune(text)) > n {
		text = string([]rune(text)[:n-1]) + "…"
	}
	return fmt.Sprintf("%s %-9s %-8s %+.2f u%d %-15s %s: %s",
		p.Created.UTC().Format("2006-01-02T15:04Z"), p.Source, r.Label, r.Sentiment, r.Urgency, r.Intent, who, text)
}

// liveSources builds the sources named by -sources from flags and the
// environment.
func liveSources(c *config) ([]listen.Source, error) {
	var srcs []listen.Source
	need := func(vars ...string) error {
		var missing []string
		for _, v := range vars {
			if c.getenv(v) == "" {
				missing = append(missing, v)
			}
		}
		if missing != nil {
			return fmt.Errorf("set %s in the environment", strings.Join(missing, ", "))
		}
		return nil
	}
	for _, name := range strings.Split(c.sources, ",") {
		name = strings.TrimSpace(name)
		var (
			src listen.Source
			err error
		)
		switch name {
		case "hn":
			src = hn.New(hn.Config{Query: c.query})
		case "rss":
			if len(c.rss) == 0 {
				return nil, errors.New("rss: give at least one -rss URL")
			}
			for _, u := range c.rss {
				srcs = append(srcs, rss.New(rss.Config{URL: u, Source: "blog"}))
			}
			continue
		case "mastodon":
			cfg := mastodon.Config{Instance: c.mastodonInstance, Token: c.getenv("MASTODON_TOKEN")}
			switch {
			case c.mastodonSearch:
				cfg.Query = c.query
			case c.mastodonTag != "":
				cfg.Hashtag = c.mastodonTag
			default:
				cfg.Hashtag = strings.ReplaceAll(c.query, " ", "")
			}
			src, err = mastodon.New(cfg)
		case "reddit":
			if err = need("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT"); err == nil {
				src, err = reddit.New(reddit.Config{ClientID: c.getenv("REDDIT_CLIENT_ID"), ClientSecret: c.getenv("REDDIT_CLIENT_SECRET"),
					UserAgent: c.getenv("REDDIT_USER_AGENT"), Query: c.query, Subreddit: c.subreddit})
			}
		case "bluesky":
			var b *bluesky.Source
			b, err = bluesky.New(bluesky.Config{Query: c.query})
			if err == nil {
				c.closers = append(c.closers, func() { b.Close() })
				src = b
			}
		case "discourse":
			src, err = discourse.New(discourse.Config{Forum: c.discourseURL, Query: c.query})
		case "x":
			if err = need("X_BEARER_TOKEN"); err == nil {
				src, err = x.New(x.Config{BearerToken: c.getenv("X_BEARER_TOKEN"), Query: c.query})
			}
		case "youtube":
			if err = need("YOUTUBE_API_KEY"); err == nil {
				src, err = youtube.New(youtube.Config{APIKey: c.getenv("YOUTUBE_API_KEY"), VideoID: c.youtubeVideo, ChannelID: c.ytChan, SearchTerms: c.query})
			}
		case "appstore":
			src, err = appstore.New(appstore.Config{AppID: c.appID, Countries: strings.Split(c.countries, ",")})
		case "webhook":
			if err = need("META_APP_SECRET"); err == nil {
				var in *webhook.Inbox
				in, err = webhook.New(webhook.Config{Secret: []byte(c.getenv("META_APP_SECRET")), VerifyToken: c.getenv("META_VERIFY_TOKEN")})
				if err == nil {
					src = in
					c.webhookServe = serveWebhook(c.webhookAddr, in)
				}
			}
		default:
			return nil, fmt.Errorf("unknown source %q", name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}

// serveWebhook returns a function serving the inbox on addr until ctx ends.
func serveWebhook(addr string, in *webhook.Inbox) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		mux := http.NewServeMux()
		mux.Handle("/webhook", in)
		srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		errc := make(chan error, 1)
		go func() { errc <- srv.ListenAndServe() }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
			<-errc
			return nil
		}
	}
}
