// Command commandcenter is a social-media listening command center in the
// browser: the triage queue with its SLA countdowns, reasons and draft
// replies to approve, edit or hold; surge charts per key with their alerts
// and drivers; sentiment and intent over time; the influencer board
// (advocates, detractors, helpers); the alert log; and the health of the
// sources (ingestion rate, silence, rate-limit waits). The page updates live
// over server-sent events. The same server answers GET /healthz (the health
// of each source and of the dispatcher) and GET /metrics (Hark's
// OpenTelemetry metrics in the Prometheus format).
//
//	go run ./examples/commandcenter            # then open http://127.0.0.1:8080
//
// By default it replays the embedded sample week at a day a minute, so the
// page is alive on a fresh machine with no network: the payment outage of
// Friday (day 5) snowballs on the charts and fills the queue. -speed changes
// the pace (0: as fast as possible) and -from starts the paced replay later
// in the week, the earlier days handled at once ("-from 'fri 11:00'").
// Live sources replace the replay: -hn QUERY, -mastodon https://host#tag,
// -rss URL (repeatable), -bluesky QUERY, -jsonl FILE.
//
// Everything the page needs is in the binary (html/template, a stylesheet
// and a small script drawing the charts as SVG); nothing is fetched from
// the Internet. The server listens on loopback by default and then refuses
// other Host names. Approve, hold and edit are POSTs that need the session's
// CSRF token (a SameSite=Strict cookie and a token in the page); post text is
// only ever put in the page as text, and a post's URL becomes a link only if
// it is http or https. Replies go out to a stand-in platform started on
// loopback (package reply/replytest), never to a real one: drafts wait in a
// reply.Queue for approval (two people for a high-risk reply) and are posted
// by a reply.Poster over the dispatcher's ledger and pacer, so approving
// twice posts once. Replies the policy does not hold (a thank-you for
// praise) go out on their own; the embedded policy (policy.yaml, -policy to
// replace it) holds every other draft for a person.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/harkhq/hark/sample"
)

func main() {
	var cfg config
	var from string
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	flag.Float64Var(&cfg.Speed, "speed", 1440, "replay speed, times real time (1440: a day a minute; 0: as fast as possible)")
	flag.StringVar(&from, "from", "", `start the paced replay at this time of the week, handling earlier posts at once ("fri 11:00" or RFC 3339)`)
	flag.StringVar(&cfg.PolicyPath, "policy", "", "response policy file (YAML); default: the embedded one")
	flag.StringVar(&cfg.Live.hn, "hn", "", "listen live to Hacker News for this query")
	flag.StringVar(&cfg.Live.mastodon, "mastodon", "", "listen live to a Mastodon hashtag: https://instance#tag")
	flag.Var(&cfg.Live.rss, "rss", "listen live to an RSS or Atom feed (repeatable)")
	flag.StringVar(&cfg.Live.bluesky, "bluesky", "", "listen live to Bluesky (Jetstream) for this query")
	flag.StringVar(&cfg.Live.jsonl, "jsonl", "", "replay a JSONL file of posts (at -speed) instead of the sample week")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.Logger = log
	t, err := parseFrom(from, sample.Script().Start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "commandcenter:", err)
		os.Exit(2)
	}
	cfg.From = t
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, cfg, log); err != nil {
		fmt.Fprintln(os.Stderr, "commandcenter:", err)
		os.Exit(1)
	}
}

// serve runs the command center on addr until ctx is done.
func serve(ctx context.Context, addr string, cfg config, log *slog.Logger) error {
	a, err := newApp(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	loopback := isLoopbackAddr(ln.Addr())
	if !loopback {
		log.Warn("listening beyond loopback: anyone who can reach this address can approve replies", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: a.handler(loopback), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan struct{})
	go func() { defer close(ran); a.Run(runCtx) }()
	log.Info("command center", "url", "http://"+ln.Addr().String()+"/", "mode", a.mode)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	<-ran // ends the event streams
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func isLoopbackAddr(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
