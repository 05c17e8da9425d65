package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
)

const timeFmt = "Mon 15:04"

func (p *pipeline) report(w io.Writer, top int, took time.Duration) error {
	f := p.facts
	authors, interactions, _ := p.authors.Stats()
	fmt.Fprintf(w, "Hark quickstart: a week of conversation about %s, %s to %s\n",
		f.Brand, f.Start.In(p.loc).Format("Mon 2 Jan"), f.End.Add(-time.Second).In(p.loc).Format("Mon 2 Jan 2006"))
	zone, _ := f.Start.In(p.loc).Zone()
	fmt.Fprintf(w, "%d posts from %d authors on %d sources, in %.1f s. Times are %s's: %s (%s).\n",
		p.posts, authors, len(p.bySource), took.Seconds(), f.Brand, p.loc, zone)

	keys := map[string]bool{}
	for _, a := range p.alerts {
		keys[a.Key] = true
	}
	r := p.replies
	fmt.Fprintln(w, "\nThe pipeline (every part is built and ran):")
	tw := table(w)
	fmt.Fprintf(tw, "  listen\tlisten/replay\tthe embedded week, in time order\t%d posts\n", p.posts)
	fmt.Fprintf(tw, "  score\tscore\tsentiment, urgency, intent, language, reasons\t%d scored\n", p.posts)
	fmt.Fprintf(tw, "  influence\tinfluence\tauthor scores, graph rank, standing\t%d authors, %d interactions\n", authors, interactions)
	fmt.Fprintf(tw, "  surge\trespond/surge\tvolume, negativity, silence per key\t%d alerts on %d keys\n", len(p.alerts), len(keys))
	fmt.Fprintf(tw, "  respond\trespond\tpolicy %q, deadlines, dispatcher\t%d decisions, %d dispatched\n",
		p.policy.Name(), p.posts, sum(p.outbox.byChannel))
	fmt.Fprintf(tw, "  reply\treply, reply/replytest\tapprovals, posting once, stand-in platform\t%d replies posted\n", len(r.srv.Replies()))
	tw.Flush()

	p.reportVolume(w)
	p.reportUrgent(w, top)
	p.reportSurges(w, top)
	if err := p.reportAuthors(w, top); err != nil {
		return err
	}
	p.reportReplies(w, top)
	return nil
}

func (p *pipeline) reportVolume(w io.Writer) {
	section(w, "Volume by source")
	tw := table(w)
	fmt.Fprintln(tw, "  source\tposts\tshare\tnegative\t")
	for _, src := range slices.Sorted(maps.Keys(p.bySource)) {
		t := p.bySource[src]
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", src, t.posts, pct(t.posts, p.posts), pct(t.negative, t.posts), bar(t.posts, p.posts, 40))
	}
	tw.Flush()

	section(w, "Sentiment, intent and priority")
	cols := [][]string{counts(p.byLabel, p.posts), counts(p.byIntent, p.posts), counts(p.byPrio, p.posts)}
	tw = table(w)
	fmt.Fprintln(tw, "  sentiment\tposts\tshare\t\tintent\tposts\tshare\t\tpriority\tposts\tshare")
	for i := range max(len(cols[0]), len(cols[1]), len(cols[2])) {
		fmt.Fprint(tw, " ")
		for j, col := range cols {
			if j > 0 {
				fmt.Fprint(tw, "\t")
			}
			if i < len(col) {
				fmt.Fprint(tw, " "+col[i])
			} else {
				fmt.Fprint(tw, "\t\t")
			}
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprint(w, wrap("Dispatched: "+list(p.outbox.byChannel)+".", 100, "  "))
}

// reportUrgent lists the most urgent posts. Posts with the same text (a
// copied complaint, a repost) are listed once, with how many there were.
func (p *pipeline) reportUrgent(w io.Writer, top int) {
	section(w, fmt.Sprintf("The %d most urgent posts", top))
	slices.SortStableFunc(p.urgent, func(a, b item) int {
		return cmp.Or(
			cmp.Compare(a.d.Priority, b.d.Priority),
			cmp.Compare(b.s.UrgencyScore, a.s.UrgencyScore),
			a.post.Created.Compare(b.post.Created),
		)
	})
	var shown []item
	same := map[string]int{}
	for _, it := range p.urgent {
		k := strings.ToLower(strings.Join(strings.Fields(it.post.Text), " "))
		if same[k]++; same[k] == 1 && len(shown) < top {
			shown = append(shown, it)
		}
	}
	if len(shown) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for i, it := range shown {
		d, s := it.d, it.s
		more := ""
		if n := same[strings.ToLower(strings.Join(strings.Fields(it.post.Text), " "))] - 1; n > 0 {
			more = fmt.Sprintf("  (and %d more with this text)", n)
		}
		fmt.Fprintf(w, "\n%2d. %s  %s  %s  %s%s\n", i+1, d.Priority, p.at(it.post.Created), it.post.Source, it.post.Author.Handle, more)
		fmt.Fprintf(w, "    %q\n", clip(it.post.Text, 110))
		due := "no deadline"
		if !d.RespondBy.IsZero() {
			due = fmt.Sprintf("respond by %s (%s)", p.at(d.RespondBy), short(d.RespondBy.Sub(it.post.Created)))
		}
		fmt.Fprintf(w, "    team %s · %s · rules %s\n", orNone(d.Team), due, strings.Join(d.Rules, ", "))
		fmt.Fprintf(w, "    scores   urgency %d (%.2f) · %s · sentiment %+.2f %s (confidence %.2f) · %s\n",
			s.Urgency, s.UrgencyScore, s.Intent, s.Sentiment, s.Label, s.Confidence, s.Language)
		fmt.Fprintf(w, "    reasons  %s\n", reasons(s.Reasons, 3, 40))
		if d.Reply != "" {
			label := "reply"
			for _, l := range p.replyFate(it.post.ID, d.RespondBy) {
				fmt.Fprintf(w, "    %-7s  %s\n", label, l)
				label = ""
			}
			fmt.Fprintf(w, "             %q\n", clip(d.Reply, 110))
		}
	}
}

// replyFate says in lines what became of the reply to post id, due by due.
func (p *pipeline) replyFate(id string, due time.Time) []string {
	f := p.replies.byPost[id]
	if f == nil {
		return []string{"drafted, not posted"}
	}
	var lines []string
	if f.held {
		tier := "held for approval"
		if f.required > 1 {
			tier = fmt.Sprintf("held for %d approvals", f.required)
		}
		lines = append(lines, clip(tier+": "+f.reason, 110))
		if it, err := p.replies.queue.Get(context.Background(), f.draft.Key); err == nil && len(it.Approvals) > 0 {
			var by []string
			for _, a := range it.Approvals {
				by = append(by, firstName(a.By)+" "+p.at(a.At))
			}
			lines = append(lines, "approved by "+strings.Join(by, " and "))
		}
	}
	var b strings.Builder
	switch o := f.res.Outcome; {
	case posted(f):
		fmt.Fprintf(&b, "posted %s as status %s", p.at(f.at), f.res.Posted.ID)
		switch {
		case due.IsZero():
		case f.at.After(due):
			fmt.Fprintf(&b, ", %s after the deadline", short(f.at.Sub(due)))
		default:
			b.WriteString(", within the deadline")
		}
	case o == "" && f.held:
		b.WriteString("still waiting for approval")
	case o == reply.OutRejected:
		fmt.Fprintf(&b, "refused by the platform rules: %v", f.res.Err)
	default:
		fmt.Fprintf(&b, "%s", o)
	}
	if len(lines) > 0 {
		lines[len(lines)-1] += "; " + b.String()
	} else {
		lines = append(lines, b.String())
	}
	return lines
}

func (p *pipeline) reportSurges(w io.Writer, top int) {
	section(w, "Surge alerts")
	byKind := map[surge.Kind]int{}
	for _, a := range p.alerts {
		byKind[a.Kind]++
	}
	fmt.Fprintf(w, "  %d alerts in the week: %s.\n", len(p.alerts), list(byKind))

	// The incident first: the script says which posts are about it, and
	// so which alerts its posts drove.
	in := p.facts.Incident
	labels := sample.Labels()
	var firstPost time.Time
	for id, l := range labels {
		if post, ok := p.byID[id]; ok && l.Incident && (firstPost.IsZero() || post.Created.Before(firstPost)) {
			firstPost = post.Created
		}
	}
	incident, surges, silences := groupAlerts(p.alerts, in, func(id string) bool { return labels[id].Incident })
	fmt.Fprint(w, "\n"+wrap("The day-5 incident (from the sample's script): "+in.Summary, 100, "  "))
	fmt.Fprintf(w, "  Outage from %s; its first post %s.\n", p.at(in.Start), p.at(firstPost))
	if len(incident) == 0 {
		fmt.Fprintln(w, "  No alert was raised about it.")
	} else {
		a := incident[0]
		lead := a.At.Sub(firstPost)
		verdict := "within"
		if lead > 30*time.Minute {
			verdict = "later than"
		}
		fmt.Fprintf(w, "\n  FIRST ALERT %s: %s, %s after its first post (%s the 30 min target)\n",
			p.at(a.At), headline(a), short(lead), verdict)
		p.alertDetail(w, a, 3)
		if len(incident) > 1 {
			fmt.Fprintf(w, "\n  As it grew, the incident raised %d more alerts:\n", len(incident)-1)
			tw := table(w)
			for i, a := range incident[1:] {
				if i == top {
					fmt.Fprintf(tw, "    … and %d more\n", len(incident)-1-top)
					break
				}
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", p.at(a.At), headline(a), stats(a), driverLine(a.Drivers, 3))
			}
			tw.Flush()
		}
	}

	// Then the rest, most important first; silences apart.
	n := min(top/2, len(surges))
	fmt.Fprintf(w, "\n  The other %d surges, the %d most important first (score × log2 of posts above the baseline):\n", len(surges), n)
	for _, a := range surges[:n] {
		fmt.Fprintf(w, "\n  %s  %s  %s\n", p.at(a.At), headline(a), stats(a))
		p.alertDetail(w, a, 1)
	}
	if len(surges) > n {
		fmt.Fprintf(w, "\n  %d smaller or less certain surges not listed (%s).\n", len(surges)-n, smallest(surges[n:]))
	}
	if len(silences) > 0 {
		fmt.Fprintf(w, "  %d silences (a key quiet for several times its usual interval):\n", len(silences))
		tw := table(w)
		for _, a := range silences[:min(top, len(silences))] {
			fmt.Fprintf(tw, "    %s\tquiet %s to %s\t%.0f posts expected\n", a.Key, p.at(a.Start), p.at(a.At), a.Expected)
		}
		tw.Flush()
	}
}

// groupAlerts sorts alerts out for a reader: those about the incident
// (raised while it lasted, with a post about it among their top posts), in
// time order; the other surges, most important first; and the silences, in
// time order.
func groupAlerts(alerts []surge.Alert, in sample.Incident, aboutIncident func(postID string) bool) (incident, surges, silences []surge.Alert) {
	alerts = slices.Clone(alerts)
	slices.SortStableFunc(alerts, func(a, b surge.Alert) int { return a.At.Compare(b.At) })
	about := func(a surge.Alert) bool {
		return slices.ContainsFunc(a.Drivers.TopPosts, aboutIncident)
	}
	for _, a := range alerts {
		switch {
		case a.Kind == surge.KindSilence:
			silences = append(silences, a)
		case !a.At.Before(in.Start) && a.At.Before(in.End) && about(a):
			incident = append(incident, a)
		default:
			surges = append(surges, a)
		}
	}
	slices.SortStableFunc(surges, func(a, b surge.Alert) int { return cmp.Compare(importance(b), importance(a)) })
	return incident, surges, silences
}

// alertDetail prints what drove alert a, and its heaviest posts.
func (p *pipeline) alertDetail(w io.Writer, a surge.Alert, posts int) {
	fmt.Fprintf(w, "    drivers    %s\n", driverLine(a.Drivers, 5))
	if len(a.Reasons) > 0 {
		fmt.Fprintf(w, "    why        %s\n", clip(cmp.Or(a.Reasons[0].Span, a.Reasons[0].Code), 100))
	}
	for i, id := range a.Drivers.TopPosts[:min(posts, len(a.Drivers.TopPosts))] {
		label := "top posts"
		if i > 0 {
			label = ""
		}
		if post, ok := p.byID[id]; ok {
			fmt.Fprintf(w, "    %-9s  %s  %s  %s: %q\n", label, p.at(post.Created), post.Source, post.Author.Handle, clip(post.Text, 70))
		}
	}
}

// importance ranks alerts for a reader: how sure the detector is, times how
// many posts the rise is made of (log2 of the excess over the baseline, so
// that forty posts outrank two without drowning every other alert); an
// escalation counts half again.
func importance(a surge.Alert) float64 {
	v := a.Score * math.Log2(1+max(0, a.Observed-a.Expected))
	if a.Escalation {
		v *= 1.5
	}
	return v
}

func headline(a surge.Alert) string {
	s := fmt.Sprintf("%s of %s", a.Kind, a.Key)
	if a.Escalation {
		s += " (escalation)"
	}
	return s
}

func stats(a surge.Alert) string {
	return fmt.Sprintf("score %.2f, %.0f against %.1f expected", a.Score, a.Observed, a.Expected)
}

func smallest(as []surge.Alert) string {
	var obs float64
	for _, a := range as {
		obs = max(obs, a.Observed)
	}
	return fmt.Sprintf("at most %.0f posts each", obs)
}

func driverLine(d surge.Drivers, n int) string {
	var parts []string
	for _, g := range []struct {
		name string
		ds   []surge.Driver
	}{{"terms", d.Terms}, {"entities", d.Entities}, {"sources", d.Sources}} {
		if len(g.ds) == 0 {
			continue
		}
		var xs []string
		for _, x := range g.ds[:min(n, len(g.ds))] {
			xs = append(xs, fmt.Sprintf("%s ×%.1f", x.Name, x.Lift))
		}
		parts = append(parts, g.name+" "+strings.Join(xs, ", "))
	}
	if len(parts) == 0 {
		return "none above the baseline"
	}
	return strings.Join(parts, " · ")
}

func (p *pipeline) reportAuthors(w io.Writer, top int) error {
	section(w, fmt.Sprintf("The %d most influential authors", top))
	best, err := p.authors.Top(top)
	if err != nil {
		return fmt.Errorf("top authors: %w", err)
	}
	tw := table(w)
	fmt.Fprintln(tw, "  #\tauthor\tsource\tscore\tstanding\tbot\twhy")
	for i, a := range best {
		standing := string(a.Standing)
		if a.Helper {
			standing += ", helper"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%.0f\t%s\t%.2f\t%s\n", i+1, clip(cmp.Or(a.Handle, a.Author), 28), a.Source,
			a.Influence, standing, a.Bot, clip(authorWhy(a.Reasons), 96))
	}
	return tw.Flush()
}

// authorWhy says the three strongest reasons of an author's score, each
// by its first clause that counts something ("620000 followers on bluesky",
// "received 7 replies").
func authorWhy(rs []hark.Reason) string {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b hark.Reason) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	var parts []string
	for _, r := range rs[:min(3, len(rs))] {
		parts = append(parts, firstClause(cmp.Or(r.Span, r.Code)))
	}
	return strings.Join(parts, "; ")
}

// firstClause returns the first comma-separated clause of a reason that
// does not count zero of something, keeping a leading verb: "received 0
// reposts, 7 replies" gives "received 7 replies".
func firstClause(span string) string {
	clauses := strings.Split(span, ", ")
	verb := ""
	if v, rest, ok := strings.Cut(clauses[0], " "); ok && startsWithDigit(rest) && !startsWithDigit(v) {
		verb, clauses[0] = v+" ", rest
	}
	for _, c := range clauses {
		if !strings.HasPrefix(c, "0 ") {
			return verb + c
		}
	}
	return span
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func (p *pipeline) reportReplies(w io.Writer, top int) {
	section(w, "Replies on the platform")
	r := p.replies
	got := r.srv.Replies()
	fmt.Fprintf(w, "  A stand-in platform (reply/replytest, Mastodon-shaped) listens on %s for this run and plays\n", r.srv.URL)
	fmt.Fprintln(w, "  every source; the brand replies as @kestrelhelp. Replies are paced per account and per author.")

	var held, high, now, refused, deferred, waiting, expired int
	heldWhy := map[string]int{}
	for _, f := range r.order {
		switch {
		case f.held:
			held++
			if f.required > 1 {
				high++
			}
			heldWhy[strings.SplitN(f.reason, ";", 2)[0]]++
		default:
			now++
		}
		switch f.res.Outcome {
		case reply.OutRejected:
			refused++
		case respond.OutDeferred, respond.OutHeld:
			deferred++
		}
	}
	for _, it := range must(r.queue.List(context.Background(), "")) {
		switch it.State {
		case reply.StatePending:
			waiting++
		case reply.StateExpired:
			expired++
		}
	}
	fmt.Fprintf(w, "\n  %d drafts: %d for posting at once, %d held for approval (%d of them high risk, needing two people).\n",
		len(r.order), now, held, high)
	fmt.Fprintf(w, "  Held because: %s.\n", list(heldWhy))
	fmt.Fprintf(w, "  %s reviewed the queue every %s from %02d:00 to %02d:00 (%d reviews); %s gave the\n",
		lead, short(reviewEvery), shiftStart, shiftEnd, r.reviews, second)
	fmt.Fprintln(w, "  second approval of high-risk drafts. (Simulated: they approve every draft they review.)")
	if ex := r.example(); ex != nil {
		fmt.Fprintf(w, "  For example, the reply to %s's post %s:\n", ex.draft.Post.Author.Handle, ex.draft.Post.ID)
		for _, e := range must(r.queue.Get(context.Background(), ex.draft.Key)).Audit {
			note := ""
			if e.Note != "" {
				note = ": " + clip(e.Note, 70)
			}
			fmt.Fprintf(w, "    %s  %-26s %s%s\n", p.at(e.At), e.By, e.Action, note)
		}
	}
	fmt.Fprintf(w, "\n  The stand-in received %d replies (%d status creations asked). Not posted: %d refused by the platform\n",
		len(got), r.srv.Requests()-r.rerun.requests, refused)
	fmt.Fprintf(w, "  rules, %d deferred by pacing, %d waiting for approval at the week's end, %d expired (not approved within\n",
		deferred, waiting, expired)
	fmt.Fprintln(w, "  a day, or the approval lapsed before the reply could go).")

	// The first reply on each platform, in the order they went out.
	fmt.Fprintln(w, "\n  The first reply to each platform:")
	tw := table(w)
	fmt.Fprintln(tw, "    at\tplatform\tin reply to\tstatus\ttext")
	seen := map[string]bool{}
	for _, rc := range got {
		post, ok := p.byID[rc.InReplyTo]
		if !ok || seen[post.Source] {
			continue
		}
		seen[post.Source] = true
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%q\n", p.at(rc.At), post.Source,
			clip(post.Author.Handle+" ("+post.ID+")", 44), rc.ID, clip(rc.Text, 60))
	}
	tw.Flush()

	a := r.rerun
	fmt.Fprintf(w, "\n  The posting step, run again over the %d replies that went out (as a restarted worker would):\n", a.tried)
	fmt.Fprintf(w, "  %d sent again, %d known to the ledger as sent (%s).\n",
		a.outcomes[respond.OutSent], a.outcomes[respond.OutDuplicate], list(a.outcomes))
	fmt.Fprintf(w, "  The stand-in was asked for %d new statuses and holds %d new replies; posts answered twice: %d.\n",
		a.requests, a.newReplies, a.twice)
}

// example is the first held draft that needed two approvals and went
// out, else the first held draft that went out.
func (r *replies) example() *fate {
	var first *fate
	for _, f := range r.order {
		if f.held && posted(f) {
			if f.required > 1 {
				return f
			}
			if first == nil {
				first = f
			}
		}
	}
	return first
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n%s\n", title, strings.Repeat("-", utf8.RuneCountInString(title)))
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// at formats t in the company's zone.
func (p *pipeline) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(p.loc).Format(timeFmt)
}

func bar(n, total, width int) string {
	if total == 0 {
		return ""
	}
	return strings.Repeat("#", max(1, n*width/total))
}

func pct(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total))
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// sorted returns m's keys, largest count first.
func sorted[K ~string](m map[K]int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return keys
}

// counts formats m as table cells "name\tn\tp%", largest first.
func counts[K ~string](m map[K]int, total int) []string {
	var rows []string
	for _, k := range sorted(m) {
		rows = append(rows, fmt.Sprintf("%s\t%d\t%s", cmp.Or(string(k), "none"), m[k], pct(m[k], total)))
	}
	return rows
}

// list formats m as "name n, name n", largest first.
func list[K ~string](m map[K]int) string {
	var parts []string
	for _, k := range sorted(m) {
		parts = append(parts, fmt.Sprintf("%s %d", cmp.Or(string(k), "none"), m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// reasons formats the first n of rs, their spans clipped to width runes.
func reasons(rs []hark.Reason, n, width int) string {
	var parts []string
	for _, r := range rs[:min(n, len(rs))] {
		if r.Span != "" {
			parts = append(parts, fmt.Sprintf("%s %q %+.2f", r.Code, clip(r.Span, width), r.Weight))
		} else {
			parts = append(parts, fmt.Sprintf("%s %+.2f", r.Code, r.Weight))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// clip shortens s to n runes, ending with an ellipsis when cut, and puts it
// on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// wrap breaks s into lines of at most width runes at spaces, each starting
// with indent.
func wrap(s string, width int, indent string) string {
	var b, line strings.Builder
	for _, word := range strings.Fields(s) {
		if line.Len() > 0 && utf8.RuneCountInString(line.String())+1+utf8.RuneCountInString(word) > width {
			b.WriteString(indent + line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(word)
	}
	if line.Len() > 0 {
		b.WriteString(indent + line.String() + "\n")
	}
	return b.String()
}

// short formats a duration without its zero parts: "30m", "1h14m".
func short(d time.Duration) string {
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return cmp.Or(s, "0m")
}

func firstName(who string) string {
	name, _, _ := strings.Cut(who, " ")
	return name
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// must is for reads of in-memory stores, which do not fail.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
