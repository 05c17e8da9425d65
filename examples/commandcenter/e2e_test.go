package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/sample"
)

// browserPath finds Chromium. Without one the browser test is skipped, unless
// HARK_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HARK_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found (HARK_REQUIRE_BROWSER=1): install the chromium package")
	}
	t.Skip("no Chromium found; install the chromium package (HARK_REQUIRE_BROWSER=1 makes this a failure)")
	return ""
}

func newBrowser(t *testing.T, path string) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1100),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	return ctx, func() { cancelCtx(); cancelAlloc() }
}

// waitSent waits until the page shows queue item id sent.
func waitSent(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := chromedp.Run(wctx, chromedp.Poll[bool](`(() => {
		const r = document.querySelector('#queue article[data-id="`+id+`"]');
		return !!r && r.dataset.state === "sent";
	})()`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		seen, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			const r = document.querySelector('#queue article[data-id="`+id+`"]');
			const st = await fetch("/api/state").then((x) => x.json());
			const it = (st.queue || []).find((x) => x.id === '`+id+`');
			return (r ? "row in state " + r.dataset.state + ", busy " + r.dataset.busy : "no row") +
				", rows " + document.querySelectorAll('#queue article[data-id="`+id+`"]').length +
				", errors " + JSON.stringify(window.__errs || []) +
				"; page clock " + document.getElementById("clock").textContent + ", " + document.getElementById("conn").textContent +
				"; server snapshot: " + (it ? it.state : "not in the queue") + " at " + st.now +
				"; row sig " + JSON.stringify(r ? r.dataset.sig : "") + " item " + JSON.stringify(it);
		})()`, chromedp.EvalAwaitPromise))
		t.Fatalf("the page does not show %s sent: %v (%s)", id, err, seen)
	}
}

// TestBrowser drives headless Chromium against the command center on
// loopback: the page loads and its queue fills, approving a draft (by a
// double click, and by concurrent requests) sends it once to the stand-in
// platform and the row shows it sent with the platform's reply ID, a
// high-risk draft waits for a second person, hostile post text stays text,
// and the day-5 payment outage raises an alert on its surge chart. It logs the page weight and the time to the first queue row,
// and writes a screenshot (to $HARK_ARTIFACTS if set).
func TestBrowser(t *testing.T) {
	path := browserPath(t)
	checkLeaks(t)
	facts := sample.Script()
	// The week up to Friday 11:00 is handled at once; from there the replay
	// runs at half an hour a second, so the outage (from 11:50) snowballs within
	// seconds.
	from := facts.Incident.Start.Add(-50 * time.Minute)
	srv := startServer(t, config{Speed: 1800, From: from,
		Tick: 250 * time.Millisecond, RankEvery: time.Second})

	bctx, cancel := newBrowser(t, path)
	defer cancel()
	// The first Run starts the browser; it must not carry the timeout.
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	ctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	defer cancelT()

	// The page loads and the queue fills.
	start := time.Now()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#queue article.qi`)),
	))
	t.Logf("queue filled %s after navigation began", time.Since(start).Round(time.Millisecond))
	// Script errors on the page are collected, for the diagnostics of a
	// failure.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.__errs = [];
		window.addEventListener("error", (e) => window.__errs.push(String(e.message)));
		return true;
	})()`))
	require.NoError(t, err)

	type perfT struct {
		FirstRow float64 `json:"firstRow"`
		DCL      float64 `json:"dcl"`
		Bytes    float64 `json:"bytes"`
		Assets   int     `json:"assets"`
	}
	perf, err := chromedp.Run(ctx, chromedp.Evaluate[perfT](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const mark = performance.getEntriesByName("hark-first-queue-row")[0];
		let bytes = nav.decodedBodySize, assets = 0;
		for (const r of performance.getEntriesByType("resource")) {
			if (r.name.endsWith("/events")) continue;
			bytes += r.decodedBodySize; assets++;
		}
		return {firstRow: mark ? mark.startTime : -1, dcl: nav.domContentLoadedEventEnd, bytes, assets};
	})()`))
	require.NoError(t, err)
	t.Logf("first queue row rendered %.0f ms after navigation start (DOMContentLoaded %.0f ms)", perf.FirstRow, perf.DCL)
	t.Logf("page weight %.1f KB (page and %d assets, uncompressed)", perf.Bytes/1024, perf.Assets)
	assert.Positive(t, perf.FirstRow, "the first queue row is marked")
	assert.Equal(t, 2, perf.Assets, "the page loads its stylesheet and script, nothing else")
	assert.Less(t, perf.Bytes, 300.0*1024, "page weight")

	// Hostile text comes in through the pipeline and stays text. It is
	// written once the paced replay runs, so that its deadline is not long
	// past when the clock reaches Friday.
	require.Eventually(t, func() bool { return !srv.app.clock.now().Before(from) }, 2*time.Minute, 50*time.Millisecond)
	hostileID := "bluesky-hostile-1"
	// Written five hours ago, it is overdue and near the top of the queue.
	require.NoError(t, srv.app.ingest(ctx, hostilePost(hostileID, srv.app.clock.now().Add(-5*time.Hour))))
	sel := `#queue article[data-id="` + hostileID + `"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(sel))))
	type xssT struct {
		Pwned      bool   `json:"pwned"`
		Scripts    int    `json:"scripts"`
		JSLinks    int    `json:"jsLinks"`
		Images     int    `json:"images"`
		RowText    string `json:"rowText"`
		Draft      string `json:"draft"`
		LinkHidden bool   `json:"linkHidden"`
	}
	xss, err := chromedp.Run(ctx, chromedp.Evaluate[xssT](`(() => {
		const row = document.querySelector('`+sel+`');
		let scripts = 0;
		for (const s of document.querySelectorAll("script")) {
			if (!(s.src && s.src.endsWith("/static/app.js")) && !(s.id === "boot" && s.type === "application/json")) scripts++;
		}
		let jsLinks = 0;
		for (const a of document.querySelectorAll("a[href]")) {
			if (/^\s*javascript:/i.test(a.getAttribute("href"))) jsLinks++;
		}
		return {pwned: window.__pwned !== undefined, scripts, jsLinks,
			images: document.querySelectorAll("img").length,
			rowText: row.querySelector(".text").textContent,
			draft: row.querySelector(".draft-text").textContent,
			linkHidden: row.querySelector("a.open").hidden};
	})()`))
	require.NoError(t, err)
	assert.False(t, xss.Pwned, "no hostile script ran")
	assert.Zero(t, xss.Scripts, "no script element but the page's own")
	assert.Zero(t, xss.JSLinks, "no javascript: link")
	assert.Zero(t, xss.Images, "no image element from post text")
	assert.Contains(t, xss.RowText, "<script>window.__pwned='script'</script>", "markup shown as text")
	assert.True(t, xss.LinkHidden, "a javascript: URL is not a link")

	// Approving a draft by a double click sends it once. The queue moves
	// fast at this speed, so the row taken is the first draft that is not
	// about to leave it (more than six virtual hours from being missed).
	id, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`(() => {
		for (const r of document.querySelectorAll('#queue article[data-state="draft"][data-required="1"]')) {
			if (Number(r.dataset.due) > %d && !r.querySelector("button.approve").disabled) return r.dataset.id;
		}
		return false;
	})()`, srv.app.clock.now().Add(-missedAfter/2).UnixMilli()), chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err)
	row := `#queue article[data-id="` + id + `"]`
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	for range 3 {
		// The row may move between finding the button and clicking it
		// (the protocol then no longer knows the node): look again,
		// unless the first click got through.
		err = chromedp.Do(cctx, chromedp.DoubleClick(chromedp.CSS(row+` button.approve`)))
		if err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
		clicked, _ := chromedp.Run(cctx, chromedp.Evaluate[bool](
			`(() => { const r = document.querySelector('`+row+`'); return !!r && (r.dataset.busy === "1" || r.dataset.state === "sent"); })()`))
		if clicked {
			err = nil
			break
		}
	}
	require.NoError(t, err, "approving %s", id)
	waitSent(t, ctx, id)
	assert.Equal(t, 1, srv.app.plat.Sent(id), "a double click sends once")
	// The row shows the reply as the stand-in platform holds it, and so
	// does the platform's panel.
	posted := srv.app.plat.srv.RepliesTo(id)
	require.Len(t, posted, 1)
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	require.NoError(t, chromedp.Do(sctx, chromedp.WaitReady(chromedp.CSS(
		`#platform-replies li[data-id="`+posted[0].ID+`"][data-in-reply-to="`+id+`"]`))))
	type sentT struct {
		State, Info, Panel string
	}
	sent, err := chromedp.Run(sctx, chromedp.Poll[sentT](`(() => {
		const r = document.querySelector('`+row+`');
		const info = r.querySelector(".sentinfo");
		if (info.hidden || r.dataset.replyId === "") return false;
		const li = document.querySelector('#platform-replies li[data-in-reply-to="`+id+`"]');
		return {state: r.querySelector(".state").textContent, info: info.textContent, panel: li.textContent};
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err)
	assert.Contains(t, sent.State, "sent")
	assert.Contains(t, sent.Info, posted[0].ID, "the row shows the platform's reply ID")
	assert.Contains(t, sent.Panel, posted[0].Text, "the platform panel shows the reply")

	// Approvals racing from the page (past the button's own guard) also
	// send once: the ledger decides. The draft due last is taken, so that
	// it is not dropped as missed meanwhile.
	id2, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		let best = "", due = 0;
		for (const r of document.querySelectorAll('#queue article[data-state="draft"][data-required="1"]')) {
			if (Number(r.dataset.due) > due) { best = r.dataset.id; due = Number(r.dataset.due); }
		}
		return best;
	})()`))
	require.NoError(t, err)
	require.NotEmpty(t, id2)
	states, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const tok = document.querySelector('meta[name="csrf-token"]').content;
		const one = () => fetch("/api/approve", {method: "POST", headers: {"X-CSRF-Token": tok},
			body: new URLSearchParams({id: '`+id2+`'})}).then(r => r.json()).then(j => j.state);
		return Promise.all([one(), one(), one()]);
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	for _, st := range states {
		// Sent, or approved and going out: the request that won the key
		// may be the server's own retry loop's.
		assert.Contains(t, []string{stSent, stApproved}, st)
	}
	waitSent(t, ctx, id2)
	assert.Equal(t, 1, srv.app.plat.Sent(id2), "concurrent approvals send once")

	// A high-risk draft (an author with a large audience) needs a second
	// person: approved on the page, it waits, says so, and goes out when
	// another session approves it. The post is written now, so that it is
	// not missed (and dropped) while a loaded machine works through this.
	id3 := "bluesky-risky-1"
	require.NoError(t, srv.app.ingest(ctx, riskyPost(id3, srv.app.clock.now())))
	row3 := `#queue article[data-id="` + id3 + `"]`
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const r = document.querySelector('`+row3+`[data-state="draft"][data-required="2"]');
		return !!r && !r.querySelector("button.approve").disabled;
	})()`, chromedp.WithPollingTimeout(time.Minute)))
	require.NoError(t, err, "the high-risk draft on the page")
	tctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	defer tcancel()
	// Clicked from the page's script: the row may move under a pointer.
	clicked, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => {
		const b = document.querySelector('`+row3+` button.approve');
		if (!b || b.disabled) return false;
		b.click();
		return true;
	})()`))
	require.NoError(t, err)
	require.True(t, clicked, "the approve button of %s", id3)
	tier, err := chromedp.Run(tctx, chromedp.Poll[string](`(() => {
		const r = document.querySelector('`+row3+`');
		if (!r || r.dataset.approvals !== "1" || r.dataset.busy === "1" || !r.querySelector("button.approve").disabled) return false;
		return r.querySelector(".state").textContent + " | " + r.querySelector(".tier").textContent;
	})()`, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err)
	t.Logf("high-risk draft after one approval: %s", tier)
	assert.Contains(t, tier, "1 of 2 approvals")
	assert.Contains(t, tier, "waiting for a second approver")
	assert.Zero(t, srv.app.plat.Sent(id3), "one approval of two sends nothing")
	second := newClient(t, srv.url)
	code, res := approve(t, second, id3)
	require.Equal(t, 200, code, res.Error)
	// sent, or approved and going out: the pacer may hold a reply a moment
	assert.Contains(t, []string{stSent, stApproved}, res.State, "the second approval sends it")
	waitSent(t, ctx, id3)
	assert.Equal(t, 1, srv.app.plat.Sent(id3), "two approvals send once")

	// The hostile post's reply (its draft names the hostile author) goes
	// out too, by two people if it must; the page still runs no script of
	// it, in the queue or in the platform's panel.
	if srv.app.board.stateOf(hostileID) == stDraft {
		for _, c := range []*client{newClient(t, srv.url), second} {
			code, res := approve(t, c, hostileID)
			require.Equal(t, 200, code, res.Error)
		}
	}
	if srv.app.plat.Sent(hostileID) == 1 { // unless it left the queue, missed
		hctx, hcancel := context.WithTimeout(ctx, 30*time.Second)
		defer hcancel()
		require.NoError(t, chromedp.Do(hctx, chromedp.WaitReady(chromedp.CSS(`#platform-replies li[data-in-reply-to="`+hostileID+`"]`))))
		after, err := chromedp.Run(hctx, chromedp.Evaluate[xssT](`(() => {
			let scripts = 0;
			for (const s of document.querySelectorAll("script")) {
				if (!(s.src && s.src.endsWith("/static/app.js")) && !(s.id === "boot" && s.type === "application/json")) scripts++;
			}
			return {pwned: window.__pwned !== undefined, scripts, images: document.querySelectorAll("img").length,
				rowText: document.querySelector('#platform-replies li[data-in-reply-to="`+hostileID+`"]').textContent};
		})()`))
		require.NoError(t, err)
		assert.False(t, after.Pwned, "no hostile script ran")
		assert.Zero(t, after.Scripts)
		assert.Zero(t, after.Images)
		assert.NotContains(t, after.RowText, "<", "the platform got the reply with markup neutralised")
		t.Logf("reply to the hostile post on the platform: %q", after.RowText)
	}

	// The day-5 surge appears on its chart.
	inc := facts.Incident
	key, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		for (const g of document.querySelectorAll("#surges figure.surge g.alert-mark")) {
			const at = Date.parse(g.dataset.at);
			if (at >= Date.parse('`+inc.Start.Format(time.RFC3339)+`') && at < Date.parse('`+inc.End.Format(time.RFC3339)+`'))
				return g.closest("figure").dataset.key;
		}
		return false;
	})()`, chromedp.WithPollingTimeout(time.Minute), chromedp.WithPollingInterval(200*time.Millisecond)))
	require.NoError(t, err, "a surge alert during the outage on a chart")
	t.Logf("day-5 surge alert on the chart of %q", key)

	// A screenshot, as a test artifact.
	require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(time.Second)))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := os.Getenv("HARK_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out := filepath.Join(dir, "commandcenter.png")
	require.NoError(t, os.WriteFile(out, png, 0o644))
	t.Logf("screenshot: %s (%d KB)", out, len(png)/1024)
}
