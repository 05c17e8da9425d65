package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// browserPath finds Chromium. Without one the test is skipped, unless
// HARK_REQUIRE_BROWSER=1, where a missing browser is a failure.
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

// TestBrowser opens a written report from disk in headless Chromium, with
// background networking off, and checks that every chart is drawn with a
// size on the page, that the bars, the line and the alert markers are
// there, and that the page loaded no resource. It writes a screenshot to
// $HARK_ARTIFACTS when set.
func TestBrowser(t *testing.T) {
	path := browserPath(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	f, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, fixture().Write(f))
	require.NoError(t, f.Close())

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
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1100, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")))
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()

	type chart struct {
		ID      string  `json:"id"`
		Width   float64 `json:"width"`
		Height  float64 `json:"height"`
		Rects   int     `json:"rects"`
		Markers int     `json:"markers"`
		Line    float64 `json:"line"`
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate("file://"+file),
		chromedp.WaitVisible(chromedp.CSS(`#authors-chart`)),
	))
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](`Array.from(document.querySelectorAll('svg.chart')).map(s => {
		const r = s.getBoundingClientRect();
		const p = s.querySelector('path.line');
		return {id: s.id, width: r.width, height: r.height,
			rects: s.querySelectorAll('rect').length,
			markers: s.querySelectorAll('line.marker').length,
			line: p ? p.getTotalLength() : 0};
	})`))
	require.NoError(t, err)
	resources, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType('resource').length`))
	require.NoError(t, err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	byID := map[string]chart{}
	for _, c := range charts {
		byID[c.ID] = c
		assert.Greater(t, c.Width, 300.0, "%s is drawn", c.ID)
		assert.Greater(t, c.Height, 10.0, "%s is drawn", c.ID)
	}
	require.Len(t, byID, 6, "%+v", charts)
	assert.Greater(t, byID["volume-chart"].Rects, 10, "volume bars")
	assert.Equal(t, 1, byID["volume-chart"].Markers, "the volume surge marked")
	assert.Equal(t, 1, byID["negative-chart"].Markers, "the negativity surge marked")
	assert.Greater(t, byID["negative-chart"].Line, 100.0, "negative share drawn as a line")
	assert.Equal(t, 4, byID["intent-chart"].Rects, "question, praise, other, complaint")
	assert.Equal(t, 5, byID["priority-chart"].Rects)
	assert.GreaterOrEqual(t, byID["sla-chart"].Rects, 5)
	assert.Equal(t, 15, byID["authors-chart"].Rects)
	assert.Zero(t, resources, "the report loads nothing")
	if dir := os.Getenv("HARK_ARTIFACTS"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "report.png"), shot, 0o644))
	}
}
