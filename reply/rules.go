package reply

import (
	"cmp"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harkhq/hark/respond"
)

// Rules are a platform's rules for a reply, and the policy's on links.
type Rules struct {
	// Platform names the platform in errors ("mastodon").
	Platform string
	// MaxChars is the longest reply, as Count counts; 0 means no limit.
	// A longer draft is refused ([ErrTooLong]), never cut: a cut reply
	// says something else; unless Thread is set.
	MaxChars int
	// Thread says the platform threads a reply's own replies under it
	// naturally (Mastodon, Bluesky, X): a draft over MaxChars is split at
	// spaces into a thread of numbered parts ("1/3"), each within
	// MaxChars, rather than refused. See [Rules.Parts].
	Thread bool
	// Count counts a reply's length as the platform does; nil counts
	// Unicode code points (never fewer than the graphemes Bluesky counts).
	Count func(string) int
	// MentionAuthor puts the author's handle first when the draft does not
	// mention them: on Mastodon a reply notifies only whom it mentions.
	MentionAuthor bool
	// LinkDomains are the domains (and their subdomains) a reply may link
	// to; a link anywhere else refuses the draft ([ErrLink]). Empty: no
	// links at all. Set by the policy, see [WithLinkDomains].
	LinkDomains []string
	// Detect, if set, tells the language of a reply's text (ISO 639-1, ""
	// or "und" when unsure); a reply that reads as another language than
	// the post's is refused ([ErrLanguage]). See [DetectWith] and
	// [WithLanguageDetector].
	Detect func(text string) string
	// AnyLanguage skips the language check.
	AnyLanguage bool
}

// Prepare returns the text that goes out for d under r, or a *RuleError.
// It:
//
//   - removes control and invisible format characters (line breaks stay);
//   - replies to the author only: an @mention (or a Reddit u/name) of
//     anyone but the post's author is neutralised (its sign removed, as
//     [respond.EscapeText] does), so nobody else is pinged; markup ("<",
//     ">") is escaped the same way;
//   - with MentionAuthor, puts the author's handle first if missing;
//   - refuses a link to a domain the policy does not allow ([ErrLink]);
//   - with Detect, refuses a reply that reads as another language than
//     the post's (Draft.Lang, else Post.Lang) when both are known
//     ([ErrLanguage]), comparing primary subtags ("pt-BR" ~ "pt");
//   - refuses a reply over MaxChars ([ErrTooLong]) or one left empty
//     ([ErrEmpty]).
//
// Prepare is deterministic and idempotent: preparing prepared text changes
// nothing.
func (r Rules) Prepare(d Draft) (string, error) {
	fail := func(err error, detail string) (string, error) {
		return "", &RuleError{Key: d.Key, Err: err, Detail: detail}
	}
	text := strings.ToValidUTF8(d.Text, "\uFFFD")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	author := authorNames(d)
	mentioned := false
	for i, line := range lines {
		words := strings.FieldsFunc(line, func(c rune) bool { return c != '\n' && unicode.IsSpace(c) })
		out := words[:0]
		for _, w := range words {
			w = stripInvisible(w)
			if w == "" {
				continue
			}
			lead, core, trail := splitPunct(w)
			switch {
			case core == "":
			case isMention(core):
				if author[strings.ToLower(strings.TrimLeft(core, "@＠﹫"))] {
					mentioned = true
					break
				}
				core = respond.EscapeText(core, 0)
				if core == "[link]" {
					return fail(ErrLink, "an e-mail address")
				}
			case isRedditUser(core):
				name := strings.TrimPrefix(strings.TrimPrefix(core, "/"), "u/")
				if author["u/"+strings.ToLower(name)] {
					mentioned = true
					break
				}
				core = name
			case respond.EscapeText(core, 0) == "[link]":
				if !r.linkAllowed(core) {
					return fail(ErrLink, core)
				}
			case strings.ContainsAny(core, "<>"):
				core = respond.EscapeText(core, 0)
			}
			if w = lead + core + trail; w != "" {
				out = append(out, w)
			}
		}
		lines[i] = strings.Join(out, " ")
	}
	text = strings.TrimSpace(strings.Join(lines, "\n"))
	if text == "" {
		return fail(ErrEmpty, "")
	}
	if want := cmp.Or(d.Lang, d.Post.Lang); r.Detect != nil && !r.AnyLanguage && want != "" && want != "und" {
		if got := r.Detect(text); got != "" && got != "und" && !sameLanguage(got, want) {
			return fail(ErrLanguage, "the reply reads as "+got+", the post is "+want)
		}
	}
	if r.MentionAuthor && !mentioned {
		if h := d.Post.Author.Handle; strings.HasPrefix(h, "@") && !strings.ContainsAny(h, " \t\n") {
			text = h + " " + text
		}
	}
	if r.MaxChars > 0 {
		n := r.count(text)
		if n > r.MaxChars {
			return fail(ErrTooLong, strconv.Itoa(n)+" > "+strconv.Itoa(r.MaxChars)+" on "+r.Platform)
		}
	}
	return text, nil
}

// maxParts bounds the parts of a thread.
const maxParts = 20

// Parts returns the texts that go out for d: one, as [Rules.Prepare] makes
// it, when it fits; when it does not and the platform threads (Thread),
// the prepared text split at spaces into numbered parts ("… (1/3)"), each
// prepared again (the author's handle first where MentionAuthor says) and
// within MaxChars. A word too long for a part, or more than 20 parts,
// refuse the draft ([ErrTooLong]).
func (r Rules) Parts(d Draft) ([]string, error) {
	text, err := r.Prepare(d)
	if err == nil || !r.Thread || r.MaxChars <= 0 || !errors.Is(err, ErrTooLong) {
		if err != nil {
			return nil, err
		}
		return []string{text}, nil
	}
	loose := r
	loose.MaxChars, loose.MentionAuthor = 0, false
	body, err := loose.Prepare(d)
	if err != nil {
		return nil, err
	}
	tooLong := func(detail string) ([]string, error) {
		return nil, &RuleError{Key: d.Key, Err: ErrTooLong, Detail: detail + " on " + r.Platform}
	}
	// fits reports whether chunk, numbered as part i of n, fits.
	part := func(chunk string, i, n int) (string, bool) {
		pd := d
		pd.Text = chunk + " (" + strconv.Itoa(i) + "/" + strconv.Itoa(n) + ")"
		out, err := r.Prepare(pd)
		return out, err == nil
	}
	words := strings.Split(body, " ")
	// Fill greedily with the widest numbering, then number for real.
	var chunks []string
	for start := 0; start < len(words); {
		end := start + 1
		if _, ok := part(strings.Join(words[start:end], " "), maxParts, maxParts); !ok {
			return tooLong("a word longer than a part")
		}
		for end < len(words) {
			if _, ok := part(strings.Join(words[start:end+1], " "), maxParts, maxParts); !ok {
				break
			}
			end++
		}
		chunks = append(chunks, strings.Join(words[start:end], " "))
		if len(chunks) > maxParts {
			return tooLong("more than " + strconv.Itoa(maxParts) + " parts")
		}
		start = end
	}
	out := make([]string, len(chunks))
	for i, c := range chunks {
		p, ok := part(c, i+1, len(chunks))
		if !ok {
			return tooLong("a part")
		}
		out[i] = p
	}
	return out, nil
}

func (r Rules) count(s string) int {
	if r.Count != nil {
		return r.Count(s)
	}
	return utf8.RuneCountInString(s)
}

// linkAllowed reports whether link w points into one of r.LinkDomains.
func (r Rules) linkAllowed(w string) bool {
	host := strings.ToLower(w)
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		return false // userinfo or an address: never
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	for _, d := range r.LinkDomains {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// authorNames returns the lower-cased names the post's author goes by:
// handle without "@", the handle's local part, the ID, and "u/name".
func authorNames(d Draft) map[string]bool {
	m := map[string]bool{}
	a := d.Post.Author
	for _, s := range []string{a.Handle, a.ID} {
		s = strings.ToLower(strings.TrimLeft(s, "@"))
		if s == "" {
			continue
		}
		m[s] = true
		if strings.HasPrefix(s, "u/") {
			m[s] = true
			continue
		}
		// "@bob@example.social" may be written "@bob" on its own instance.
		if local, _, ok := strings.Cut(s, "@"); ok && local != "" {
			m[local] = true
		}
	}
	return m
}

func isMention(w string) bool { return strings.ContainsAny(w, "@＠﹫") }

func isRedditUser(w string) bool {
	w = strings.TrimPrefix(w, "/")
	return len(w) > 2 && (w[:2] == "u/" || w[:2] == "U/")
}

// splitPunct splits the punctuation around a word off it.
func splitPunct(w string) (lead, core, trail string) {
	i := 0
	for i < len(w) && strings.IndexByte("([{\"'", w[i]) >= 0 {
		i++
	}
	j := len(w)
	for j > i && strings.IndexByte(".,!?:;)]}\"'", w[j-1]) >= 0 {
		j--
	}
	return w[:i], w[i:j], w[j:]
}

// stripInvisible removes control and format characters.
func stripInvisible(w string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, w)
}

// sameLanguage compares the primary subtags of two BCP 47 tags.
func sameLanguage(a, b string) bool {
	p := func(s string) string {
		s, _, _ = strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
		return strings.ToLower(s)
	}
	return p(a) == p(b)
}

// CountX counts text as X does: most scripts' characters weigh 1, others
// (CJK, emoji) 2, and a link 23 whatever its length. Compare with
// MaxChars 280.
func CountX(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, unicode.IsSpace) {
		if strings.Contains(w, "://") || strings.HasPrefix(strings.ToLower(w), "www.") {
			n += 23
			continue
		}
		for _, r := range w {
			n += xWeight(r)
		}
	}
	// Spaces weigh 1 each.
	for _, r := range s {
		if unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// xWeight is the weight of one code point under X's counting: the ranges
// of Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari and the like, and
// some punctuation, weigh 1; everything else 2.
func xWeight(r rune) int {
	switch {
	case r <= 0x10FF, r >= 0x2000 && r <= 0x200D, r >= 0x2010 && r <= 0x201F, r >= 0x2032 && r <= 0x2037:
		return 1
	}
	return 2
}
