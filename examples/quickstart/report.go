package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
)

const timeFmt = "Mon 15:04"

func (p *pipeline) report(w io.Writer, facts sample.Facts, top int, took time.Duration) error {
	authors, interactions, _ := p.authors.Stats()
	fmt.Fprintf(w, "Hark quickstart: a week of conversation about %s (%s to %s)\n",
		facts.Brand, facts.Start.Format("Mon 2 Jan"), facts.End.Add(-time.Second).Format("Mon 2 Jan 2006"))
	fmt.Fprintf(w, "%d posts from %d authors (%d interactions) on %d sources, judged and decided in %s.\n",
		p.posts, authors, interactions, len(p.bySource), took.Round(time.Millisecond))

	section(w, "Volume by source")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, src := range slices.Sorted(maps.Keys(p.bySource)) {
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", src, p.bySource[src], bar(p.bySource[src], p.posts, 40))
	}
	tw.Flush()

	section(w, "Sentiment and intent")
	fmt.Fprintf(w, "  sentiment: %s\n", shares(p.byLabel, p.posts))
	fmt.Fprintf(w, "  intent:    %s\n", shares(p.byIntent, p.posts))
	fmt.Fprintf(w, "  priority:  %s\n", shares(p.byPrio, p.posts))
	fmt.Fprintf(w, "  dispatched: %s; %d reply drafts\n", shares(p.outbox.byChannel, 0), p.outbox.replies)

	p.reportUrgent(w, top)
	p.reportSurges(w, facts, top)
	return p.reportAuthors(w, top)
}

func (p *pipeline) reportUrgent(w io.Writer, top int) {
	section(w, fmt.Sprintf("The %d most urgent posts", top))
	slices.SortStableFunc(p.urgent, func(a, b item) int {
		return cmp.Or(
			cmp.Compare(a.d.Priority, b.d.Priority),
			cmp.Compare(b.s.UrgencyScore, a.s.UrgencyScore),
			a.post.Created.Compare(b.post.Created),
		)
	})
	for i, it := range p.urgent[:min(top, len(p.urgent))] {
		d, s := it.d, it.s
		fmt.Fprintf(w, "\n%2d. %s  %s  %s on %s: %q\n", i+1, d.Priority, it.post.Created.Format(timeFmt),
			it.post.Author.Handle, it.post.Source, clip(it.post.Text, 150))
		due := "none"
		if !d.RespondBy.IsZero() {
			due = fmt.Sprintf("%s (%s)", d.RespondBy.Format(timeFmt), d.RespondBy.Sub(it.post.Created))
		}
		fmt.Fprintf(w, "    team %s, respond by %s, rules %s\n", orNone(d.Team), due, strings.Join(d.Rules, ", "))
		fmt.Fprintf(w, "    urgency %d (%.2f), intent %s, sentiment %+.2f %s (confidence %.2f), language %s\n",
			s.Urgency, s.UrgencyScore, s.Intent, s.Sentiment, s.Label, s.Confidence, s.Language)
		fmt.Fprintf(w, "    reasons: %s\n", reasons(s.Reasons, 4))
		if d.Reply != "" {
			fmt.Fprintf(w, "    draft reply: %q\n", clip(d.Reply, 200))
		}
	}
	if len(p.urgent) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
}

func (p *pipeline) reportSurges(w io.Writer, facts sample.Facts, top int) {
	section(w, "Surge alerts")
	in := facts.Incident
	fmt.Fprintf(w, "  The script's incident: %s, from %s.\n", in.Summary, in.Start.Format(timeFmt))
	var first *surge.Alert
	for i, a := range p.alerts {
		if !a.At.Before(in.Start) && a.At.Before(in.End) && a.Kind != "silence" {
			first = &p.alerts[i]
			break
		}
	}
	if first != nil {
		fmt.Fprintf(w, "  First alert during it: %s on %s, %s after the outage began.\n",
			first.Kind, first.Key, first.At.Sub(in.Start).Round(time.Minute))
	} else {
		fmt.Fprintln(w, "  No alert was raised during it.")
	}
	fmt.Fprintf(w, "  %d alerts in the week; the first %d:\n", len(p.alerts), min(top, len(p.alerts)))
	for _, a := range p.alerts[:min(top, len(p.alerts))] {
		esc := ""
		if a.Escalation {
			esc = " (escalation)"
		}
		fmt.Fprintf(w, "\n  %s  %s surge of %s%s: score %.2f, %.0f observed against %.1f expected, rising since %s\n",
			a.At.Format(timeFmt), a.Kind, a.Key, esc, a.Score, a.Observed, a.Expected, a.Start.Format(timeFmt))
		if d := a.Drivers; len(d.Terms)+len(d.Entities)+len(d.Sources) > 0 {
			fmt.Fprintf(w, "    drivers: terms %s; entities %s; sources %s\n",
				drivers(d.Terms), drivers(d.Entities), drivers(d.Sources))
		}
		if len(a.Drivers.TopPosts) > 0 {
			fmt.Fprintf(w, "    top posts: %s\n", strings.Join(a.Drivers.TopPosts, ", "))
		}
	}
}

func (p *pipeline) reportAuthors(w io.Writer, top int) error {
	section(w, fmt.Sprintf("The %d most influential authors", top))
	best, err := p.authors.Top(top)
	if err != nil {
		return fmt.Errorf("top authors: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  rank\tauthor\tinfluence\tstanding\tbot\treasons")
	for i, a := range best {
		standing := string(a.Standing)
		if a.Helper {
			standing += ", helper"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%.0f\t%s\t%.2f\t%s\n", i+1, a.Author, a.Influence, standing, a.Bot, reasons(a.Reasons, 3))
	}
	return tw.Flush()
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n%s\n", title, strings.Repeat("-", utf8.RuneCountInString(title)))
}

func bar(n, total, width int) string {
	if total == 0 {
		return ""
	}
	return strings.Repeat("#", max(1, n*width/total))
}

// shares formats counts as "name n (p%)", largest first; total 0 omits the
// percentages.
func shares[K ~string](m map[K]int, total int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	var parts []string
	for _, k := range keys {
		name := string(k)
		if name == "" {
			name = "none"
		}
		if total > 0 {
			parts = append(parts, fmt.Sprintf("%s %d (%.0f%%)", name, m[k], 100*float64(m[k])/float64(total)))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func reasons(rs []hark.Reason, n int) string {
	var parts []string
	for _, r := range rs[:min(n, len(rs))] {
		if r.Span != "" {
			parts = append(parts, fmt.Sprintf("%s %q %+.2f", r.Code, clip(r.Span, 40), r.Weight))
		} else {
			parts = append(parts, fmt.Sprintf("%s %+.2f", r.Code, r.Weight))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func drivers(ds []surge.Driver) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s ×%.1f", d.Name, d.Lift))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
