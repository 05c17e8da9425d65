package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
)

// With QUICKSTART_MAIN set, the test binary is the command itself, so that
// TestOffline can run it where there is no network.
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_MAIN") == "1" {
		os.Args = append([]string{os.Args[0]}, strings.Fields(os.Getenv("QUICKSTART_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var week struct {
	once   sync.Once
	p      *pipeline
	report string
	err    error
	dialed atomic.Int64 // dials and lookups outside the loopback interface
}

// theWeek runs the week once for all tests, with the process's default
// HTTP transport and resolver refusing anything but the loopback interface
// (and counting what they refused).
func theWeek(t *testing.T) (*pipeline, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the whole sample week")
	}
	week.once.Do(func() {
		defer guardNetwork(&week.dialed)()
		cfg := config{policy: "../replay/policy.yaml", top: 10, zone: "Europe/London"}
		week.p, week.err = simulate(context.Background(), cfg)
		if week.err != nil {
			return
		}
		defer week.p.replies.close()
		var b bytes.Buffer
		week.err = week.p.report(&b, cfg.top, time.Second)
		week.report = b.String()
	})
	require.NoError(t, week.err)
	return week.p, week.report
}

func guardNetwork(count *atomic.Int64) (restore func()) {
	transport, resolver := http.DefaultTransport, net.DefaultResolver
	dialer := &net.Dialer{}
	refuse := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return dialer.DialContext(ctx, network, addr)
		}
		count.Add(1)
		return nil, errors.New("test: no network beyond the loopback interface")
	}
	http.DefaultTransport = &http.Transport{DialContext: refuse}
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: refuse}
	return func() { http.DefaultTransport, net.DefaultResolver = transport, resolver }
}

func TestReportSections(t *testing.T) {
	_, report := theWeek(t)
	for _, want := range []string{
		"The pipeline", "listen/replay", "reply/replytest",
		"Volume by source", "bluesky",
		"Sentiment, intent and priority", "complaint",
		"The 10 most urgent posts", "respond by", "scores ", "reasons ", "reply ",
		"Surge alerts", "FIRST ALERT", "drivers ", "top posts",
		"The 10 most influential authors", "standing",
		"Replies on the platform", "held for approval", "approve", "The first reply to each platform",
		"The posting step, run again",
	} {
		assert.Contains(t, report, want)
	}
	assert.NotContains(t, report, "No alert was raised about it", "the day-5 incident must raise an alert")
	for line := range strings.Lines(report) {
		assert.LessOrEqual(t, len([]rune(line)), 180, "a line too long to read: %q", line)
	}
}

// The incident's first alert is in the report with what drove it. The
// target is an alert within 30 minutes of the incident's first post; the
// test asserts what the detector does today (an alert before the peak
// hours) and logs the lead.
func TestIncidentAlert(t *testing.T) {
	p, report := theWeek(t)
	facts, labels := sample.Script(), sample.Labels()
	incident, _, _ := groupAlerts(p.alerts, facts.Incident, func(id string) bool { return labels[id].Incident })
	require.NotEmpty(t, incident, "no alert about the incident")
	first := incident[0]
	var firstPost time.Time
	for id, l := range labels {
		if post, ok := p.byID[id]; ok && l.Incident && (firstPost.IsZero() || post.Created.Before(firstPost)) {
			firstPost = post.Created
		}
	}
	t.Logf("first incident alert %s on %s, %s after the first post", first.Kind, first.Key, first.At.Sub(firstPost))
	assert.True(t, first.At.Before(facts.Incident.PeakStart), "the alert must come before the peak, not at it")
	require.NotEmpty(t, first.Drivers.TopPosts, "an alert without drivers explains nothing")

	block := report[strings.Index(report, "FIRST ALERT"):]
	block = block[:strings.Index(block, "\n\n")]
	assert.Contains(t, block, first.Key)
	assert.Contains(t, block, p.at(first.At))
	for _, g := range [][]surge.Driver{first.Drivers.Terms, first.Drivers.Entities, first.Drivers.Sources} {
		if len(g) > 0 {
			assert.Contains(t, block, g[0].Name)
		}
	}
	top := p.byID[first.Drivers.TopPosts[0]]
	assert.Contains(t, block, clip(top.Text, 40)[:20], "the heaviest post is quoted")
	// The incident comes before every other alert in the report.
	assert.Less(t, strings.Index(report, "FIRST ALERT"), strings.Index(report, "The other"))
}

// Other alerts are listed by importance, not in the order they came, and
// silences are kept apart.
func TestGroupAlerts(t *testing.T) {
	in := sample.Script().Incident
	day := in.Start.Truncate(24 * time.Hour)
	small := func(h int, key string) surge.Alert {
		return surge.Alert{Key: key, Kind: surge.KindVolume, At: day.Add(time.Duration(h) * time.Hour), Score: 0.9, Observed: 1, Expected: 0}
	}
	big := surge.Alert{Key: "brand", Kind: surge.KindNegativity, At: day.Add(-24 * time.Hour), Score: 0.6, Observed: 40, Expected: 4}
	silence := surge.Alert{Key: "source:forum", Kind: surge.KindSilence, At: day.Add(-48 * time.Hour), Score: 1, Expected: 20}
	about := surge.Alert{Key: "product:kestrelpay", Kind: surge.KindVolume, At: in.Start.Add(20 * time.Minute), Score: 0.5,
		Observed: 3, Expected: 0.1, Drivers: surge.Drivers{TopPosts: []string{"other", "incident-post"}}}
	during := surge.Alert{Key: "intent:praise", Kind: surge.KindVolume, At: in.Start.Add(time.Hour), Score: 0.7,
		Observed: 3, Expected: 0.1, Drivers: surge.Drivers{TopPosts: []string{"other"}}}
	alerts := []surge.Alert{small(-40, "place:leeds"), small(-30, "place:lyon"), silence, about, during, big, small(-20, "intent:spam")}

	incident, surges, silences := groupAlerts(alerts, in, func(id string) bool { return id == "incident-post" })
	assert.Equal(t, []surge.Alert{about}, incident)
	assert.Equal(t, []surge.Alert{silence}, silences)
	require.Len(t, surges, 5)
	assert.Equal(t, big, surges[0], "forty posts over the baseline come before one")
	assert.Equal(t, during, surges[1], "an alert during the incident that its posts did not drive is ranked with the rest")
	for i := 1; i < len(surges); i++ {
		assert.GreaterOrEqual(t, importance(surges[i-1]), importance(surges[i]))
	}
}

// Every reply that went out is on the stand-in once; held drafts went out
// only with their approvals; running the posting step again sent nothing.
func TestRepliesPostedOnce(t *testing.T) {
	p, _ := theWeek(t)
	r := p.replies
	got := r.srv.Replies()
	require.NotEmpty(t, got)

	perPost := map[string]int{}
	for _, rc := range got {
		if _, ok := p.byID[rc.InReplyTo]; ok { // not a later part of a reply split into a thread
			perPost[rc.InReplyTo]++
		}
	}
	went, held, heldPosted := 0, 0, 0
	for _, f := range r.order {
		n := perPost[f.draft.Post.ID]
		if !posted(f) {
			assert.Zero(t, n, "reply to %s went out though it was %s", f.draft.Post.ID, f.res.Outcome)
			continue
		}
		went++
		assert.Equal(t, 1, n, "replies to %s", f.draft.Post.ID)
		if f.held {
			heldPosted++
			it, err := r.queue.Get(context.Background(), f.draft.Key)
			require.NoError(t, err)
			assert.Equal(t, reply.StatePosted, it.State)
			assert.Len(t, it.Approvals, f.required, "approvals of %s", f.draft.Key)
			for _, a := range it.Approvals {
				assert.False(t, a.At.After(f.at), "approved after it was posted")
			}
		}
	}
	for _, f := range r.order {
		if f.held {
			held++
		}
	}
	assert.Equal(t, went, len(perPost), "one reply on the platform per draft that went out")
	assert.Positive(t, held)
	assert.Positive(t, heldPosted)

	assert.Equal(t, went, r.rerun.tried, "the posting step ran again over every reply that went out")
	assert.Equal(t, map[respond.Outcome]int{respond.OutDuplicate: went}, r.rerun.outcomes)
	assert.Zero(t, r.rerun.requests, "status creations on the second run")
	assert.Zero(t, r.rerun.newReplies)
	assert.Zero(t, r.rerun.twice)
}

// The quickstart runs offline: in this process nothing dialed or looked up
// anything beyond the loopback interface, the stand-in listens there, and
// the command itself runs in a network namespace with only a loopback
// interface, where that is allowed.
func TestOffline(t *testing.T) {
	p, _ := theWeek(t)
	assert.Zero(t, week.dialed.Load(), "dials or lookups beyond the loopback interface")
	u, err := url.Parse(p.replies.srv.URL)
	require.NoError(t, err)
	assert.True(t, net.ParseIP(u.Hostname()).IsLoopback(), "stand-in at %s", u.Host)

	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare(1) to take the network away")
	}
	if err := exec.Command("unshare", "-rn", "ip", "link", "set", "lo", "up").Run(); err != nil {
		t.Skipf("cannot make a network namespace here: %v", err)
	}
	cmd := exec.Command("unshare", "-rn", "sh", "-c", `ip link set lo up && exec "$0"`, os.Args[0])
	cmd.Env = append(os.Environ(), "QUICKSTART_MAIN=1", "QUICKSTART_ARGS=-policy ../replay/policy.yaml -top 3")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "Replies on the platform")
	assert.Contains(t, string(out), "FIRST ALERT")
}

func TestNoLeak(t *testing.T) {
	theWeek(t) // closed its stand-in
	goleak.VerifyNone(t)
}

func TestBadPolicy(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{policy: "testdata/does-not-exist.yaml", top: 5, zone: "UTC"})
	require.Error(t, err)
}

func TestBadZone(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{policy: "../replay/policy.yaml", top: 5, zone: "Mars/Olympus_Mons"})
	require.Error(t, err)
}

func TestText(t *testing.T) {
	assert.Equal(t, "short", clip("short", 10))
	assert.Equal(t, "a long…", clip("a long   text\nhere", 8), "cut at n runes with an ellipsis, on one line")
	assert.Equal(t, "héé…", clip("héééé", 4))
	assert.Equal(t, "received 7 replies", firstClause("received 0 reposts and quotes, 7 replies, 0 mentions"))
	assert.Equal(t, "620000 followers on bluesky", firstClause("620000 followers on bluesky, as 701794 on the reference scale"))
	assert.Equal(t, "one of the brand's own accounts", firstClause("one of the brand's own accounts"))
	assert.Equal(t, "  a b\n  c\n", wrap("a b c", 3, "  "))
	assert.Equal(t, "30m", short(30*time.Minute))
	assert.Equal(t, "1h9m", short(69*time.Minute+20*time.Second))
	assert.Equal(t, "2h", short(2*time.Hour))
}
