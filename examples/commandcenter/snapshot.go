package main

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/harkhq/hark/reply/replytest"
)

// snapshot is everything the page shows, as sent to it (JSON) on load and
// on every update.
type snapshot struct {
	Now      time.Time    `json:"now"`
	Mode     string       `json:"mode"` // "replay" or "live"
	Speed    float64      `json:"speed,omitempty"`
	Done     bool         `json:"done"` // every source ended (a finished replay)
	Posts    int          `json:"posts"`
	Queue    []*item      `json:"queue"`
	Counts   queueCounts  `json:"counts"`
	Surges   []chartView  `json:"surges"`
	Mood     moodView     `json:"mood"`
	Authors  authorsView  `json:"authors"`
	Alerts   []alertView  `json:"alerts"`
	AlertsN  int          `json:"alerts_total"`
	Health   []sourceView `json:"sources"`
	Channels []platView   `json:"platforms"`
	Outbox   []countView  `json:"outbox"`
	Replies  replyCounts  `json:"replies"`
}

type queueCounts struct {
	Open     int `json:"open"`
	P1       int `json:"p1"`
	P2       int `json:"p2"`
	P3       int `json:"p3"`
	Drafts   int `json:"drafts"`
	Held     int `json:"held"`
	Sent     int `json:"sent"`
	Approved int `json:"approved"` // approved, not out yet
	Rejected int `json:"rejected"`
	Overdue  int `json:"overdue"`
	Dropped  int `json:"dropped"`
	Missed   int `json:"missed"`
}

type replyCounts struct {
	Auto         int `json:"auto"`
	AutoDeferred int `json:"auto_deferred"`
	Approved     int `json:"approved"`
	// Published and Recent are what the stand-in platform holds: how many
	// replies, and the latest (newest first).
	Published int                  `json:"published"`
	Recent    []replytest.Received `json:"recent"`
}

type chartView struct {
	Key    string      `json:"key"`
	Start  time.Time   `json:"start"`
	Step   int         `json:"step"` // seconds per bucket
	Counts []int32     `json:"counts"`
	Neg    []int32     `json:"neg"`
	Alerts []alertView `json:"alerts"`
	Active bool        `json:"active"`
	Score  float64     `json:"score"`
}

type moodView struct {
	Start   time.Time `json:"start"`
	Step    int       `json:"step"`
	Labels  []string  `json:"labels"`
	Mood    [][]int32 `json:"mood"`
	Intents []string  `json:"intents"`
	Intent  [][]int32 `json:"intent"`
}

type platView struct {
	Name   string    `json:"name"`
	Total  int       `json:"total"`
	Hourly []int32   `json:"hourly"`
	Last   time.Time `json:"last,omitzero"`
	Silent bool      `json:"silent"`
}

type countView struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// sourceView is the health of one listening stream.
type sourceView struct {
	Name       string    `json:"name"`
	Delivered  int64     `json:"delivered"`
	PerMinute  float64   `json:"per_minute"` // posts a minute of wall time, recently
	LastPost   time.Time `json:"last_post,omitzero"`
	Silent     bool      `json:"silent"`
	Done       bool      `json:"done"`
	Errors     int64     `json:"errors"`
	LastError  string    `json:"last_error,omitempty"`
	RateLimits int64     `json:"rate_limits"`
	Waited     float64   `json:"waited_s"` // seconds asked to wait by rate limits
	PausedTill time.Time `json:"paused_until,omitzero"`
}

// view builds the board's part of a snapshot.
func (b *board) view(now time.Time) snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := snapshot{Now: now, Posts: b.posts, AlertsN: b.alertsAll,
		Replies: replyCounts{Auto: b.auto, AutoDeferred: b.autoDeferred, Approved: b.nApproved}}

	all := make([]*item, 0, len(b.items))
	for id, it := range b.items {
		if (it.State == stDraft || it.State == stOpen || it.State == stApproved) && !it.Due.IsZero() && it.Due.Before(now.Add(-missedAfter)) {
			delete(b.items, id)
			b.missed++
			continue
		}
		all = append(all, it)
		switch it.State {
		case stDraft, stOpen, stApproved:
			s.Counts.Open++
			switch it.Priority {
			case "P1":
				s.Counts.P1++
			case "P2":
				s.Counts.P2++
			case "P3":
				s.Counts.P3++
			}
			switch it.State {
			case stDraft:
				s.Counts.Drafts++
			case stApproved:
				s.Counts.Approved++
			}
			if !it.Due.IsZero() && it.Due.Before(now) {
				s.Counts.Overdue++
			}
		case stHeld:
			s.Counts.Held++
		case stSent:
			s.Counts.Sent++
		case stRejected:
			s.Counts.Rejected++
		}
	}
	s.Counts.Dropped, s.Counts.Missed = b.dropped, b.missed
	slices.SortFunc(all, rankItems)
	var handled []*item
	for _, it := range all {
		switch {
		case it.State == stDraft || it.State == stOpen || it.State == stApproved:
			if len(s.Queue) < queueShown {
				c := *it
				s.Queue = append(s.Queue, &c)
			}
		case it.handled > 0:
			handled = append(handled, it)
		}
	}
	slices.SortFunc(handled, func(x, y *item) int { return cmp.Compare(y.handled, x.handled) })
	for _, it := range handled[:min(handledShown, len(handled))] {
		c := *it
		s.Queue = append(s.Queue, &c)
	}

	s.Surges = b.charts(now)

	start, mood := b.mood.window(now, moodHours)
	_, intent := b.intent.window(now, moodHours)
	s.Mood = moodView{Start: start, Step: 3600, Mood: mood, Intent: intent}
	for _, l := range labels {
		s.Mood.Labels = append(s.Mood.Labels, string(l))
	}
	for _, in := range intents {
		s.Mood.Intents = append(s.Mood.Intents, string(in))
	}

	s.Authors = b.authors
	for i := len(b.alerts) - 1; i >= 0 && len(s.Alerts) < alertsShown; i-- {
		s.Alerts = append(s.Alerts, b.alerts[i])
	}
	for _, name := range sortedKeys(b.platforms) {
		ps := b.platforms[name]
		_, h := ps.hourly.window(now, platformHours)
		pv := platView{Name: name, Total: ps.total, Last: ps.last, Silent: ps.silent}
		for _, r := range h {
			pv.Hourly = append(pv.Hourly, r[0])
		}
		s.Channels = append(s.Channels, pv)
	}
	for _, k := range sortedKeys(b.outbox) {
		s.Outbox = append(s.Outbox, countView{k, b.outbox[k]})
	}
	slices.SortStableFunc(s.Outbox, func(x, y countView) int { return cmp.Compare(y.Count, x.Count) })
	return s
}

// charts picks the surge charts to show: the brand as a whole, then the keys
// with a surge alert in the last day, open episodes first, latest first.
func (b *board) charts(now time.Time) []chartView {
	type cand struct {
		key    string
		ks     *keySeries
		latest time.Time
	}
	var cs []cand
	since := now.Add(-keyBucket * keyBuckets)
	for k, ks := range b.series {
		if k == "brand" {
			continue
		}
		var latest time.Time
		for _, a := range ks.alerts {
			if a.Kind != "silence" && a.At.After(since) && a.At.After(latest) {
				latest = a.At
			}
		}
		if !latest.IsZero() {
			cs = append(cs, cand{k, ks, latest})
		}
	}
	slices.SortFunc(cs, func(x, y cand) int {
		return cmp.Or(-cmp.Compare(boolN(x.ks.active), boolN(y.ks.active)),
			y.latest.Compare(x.latest), cmp.Compare(x.key, y.key))
	})
	if ks := b.series["brand"]; ks != nil {
		cs = append([]cand{{key: "brand", ks: ks}}, cs...)
	}
	if len(cs) < chartsShown {
		// Fill the wall with the busiest products and places of the day.
		type busy struct {
			key string
			ks  *keySeries
			n   int32
		}
		var bs []busy
		for k, ks := range b.series {
			if !strings.HasPrefix(k, "product:") && !strings.HasPrefix(k, "place:") ||
				slices.ContainsFunc(cs, func(c cand) bool { return c.key == k }) {
				continue
			}
			_, rows := ks.counts.window(now, keyBuckets)
			var n int32
			for _, r := range rows {
				n += r[0]
			}
			if n > 0 {
				bs = append(bs, busy{k, ks, n})
			}
		}
		slices.SortFunc(bs, func(x, y busy) int { return cmp.Or(cmp.Compare(y.n, x.n), cmp.Compare(x.key, y.key)) })
		for _, x := range bs[:min(chartsShown-len(cs), len(bs))] {
			cs = append(cs, cand{key: x.key, ks: x.ks})
		}
	}
	var out []chartView
	for _, c := range cs[:min(chartsShown, len(cs))] {
		start, rows := c.ks.counts.window(now, keyBuckets)
		cv := chartView{Key: c.key, Start: start, Step: int(keyBucket / time.Second),
			Active: c.ks.active, Score: c.ks.score}
		for _, r := range rows {
			cv.Counts = append(cv.Counts, r[0])
			cv.Neg = append(cv.Neg, r[1])
		}
		for _, a := range c.ks.alerts {
			if a.At.After(since) && a.Kind != "silence" {
				cv.Alerts = append(cv.Alerts, a)
			}
		}
		out = append(out, cv)
	}
	return out
}

func boolN(v bool) int {
	if v {
		return 1
	}
	return 0
}
