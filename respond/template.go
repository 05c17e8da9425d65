package respond

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/harkhq/hark"
)

// ReplyData is what a reply template may use. What comes from a post or
// its author (Name, Handle, Product, Place, Quote) is only available
// through methods that pass it through [EscapeText]: a template cannot echo
// a post's text, a handle or a link as it was written, so a reply can never
// mention, tag or link anyone the template's author did not write in. The
// methods compute their value when a template asks for it.
type ReplyData struct {
	// Source is where the post was heard ("bluesky", "forum", ...).
	Source string
	// Intent and Language are the scorer's.
	Intent   string
	Language string
	// Priority, Team and RespondBy are the decision's.
	Priority  Priority
	Team      string
	RespondBy time.Time

	c *Case
}

// Name is the author's display name, or their handle when there is none,
// escaped, at most 40 characters.
func (d *ReplyData) Name() string {
	if n := EscapeText(d.c.Post.Author.Name, maxNameChars); n != "" {
		return n
	}
	return d.Handle()
}

// Handle is the author's handle without its "@" and without any server
// part ("maya" for "@maya@mastodon.social"), escaped, at most 40
// characters.
func (d *ReplyData) Handle() string {
	handle := strings.TrimLeft(d.c.Post.Author.Handle, "@＠﹫")
	if i := strings.IndexAny(handle, "@＠﹫"); i >= 0 {
		handle = handle[:i]
	}
	return EscapeText(handle, maxNameChars)
}

// Product is the first product the post is about, if any, escaped.
func (d *ReplyData) Product() string { return d.about("product") }

// Place is the first place the post is about, if any, escaped.
func (d *ReplyData) Place() string { return d.about("place") }

func (d *ReplyData) about(kind string) string {
	for _, e := range d.c.Scores.About {
		if e.Kind == kind {
			return EscapeText(e.Name, maxAboutChars)
		}
	}
	return ""
}

// Quote is the start of the post's text, escaped, at most 80 characters.
func (d *ReplyData) Quote() string { return EscapeText(d.c.Post.Text, maxQuoteChars) }

// Limits of the untrusted fields of ReplyData, in characters.
const (
	maxNameChars  = 40
	maxQuoteChars = 80
	maxAboutChars = 60
)

type replyTemplate struct {
	name  string
	texts map[string]*template.Template // by key: "en", "question/en", "default", ...
	fast  map[*template.Template]*fastText
}

var templateLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:(\d+):)? ?(.*)$`)

func (b *policyBuilder) template(ts TemplateSpec, at string) *replyTemplate {
	rt := &replyTemplate{name: ts.Name, texts: map[string]*template.Template{}, fast: map[*template.Template]*fastText{}}
	if len(ts.Text) == 0 {
		b.errorf(b.pos.at(at), "", "empty-template", "template %q has no text", ts.Name)
	}
	for _, key := range sortedKeys(ts.Text) {
		text := ts.Text[key]
		path := at + ".text." + key
		if err := validTemplateKey(key); err != nil {
			b.errorf(b.pos.at(path), "", "bad-template-key", "template %q: %v", ts.Name, err)
			continue
		}
		t, err := template.New(ts.Name + "/" + key).Option("missingkey=error").Parse(text)
		if err != nil {
			b.errs = append(b.errs, templateFinding(b.pos, path, text, ts.Name, key, err))
			continue
		}
		// Execute once on sample data, so that a misspelt field fails
		// when the policy loads rather than on a customer's post.
		if err := t.Execute(&strings.Builder{}, sampleReplyData()); err != nil {
			b.errs = append(b.errs, templateFinding(b.pos, path, text, ts.Name, key, err))
			continue
		}
		rt.texts[key] = t
		if f := compileFast(t); f != nil {
			rt.fast[t] = f
		}
	}
	return rt
}

func templateFinding(ps *positions, path, text, name, key string, err error) Finding {
	msg := err.Error()
	line := 1
	if m := templateLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[3]
	}
	msg = strings.TrimPrefix(msg, "template: "+name+"/"+key+": ")
	return Finding{Pos: ps.expr(path, text, line, 0), Severity: SeverityError, Code: "template",
		Msg: fmt.Sprintf("template %q (%s): %s", name, key, msg)}
}

func validTemplateKey(key string) error {
	intent, lang, ok := strings.Cut(key, "/")
	if !ok {
		intent, lang = "", key
	}
	if ok && !slices.Contains(intents, intent) {
		return fmt.Errorf("key %q: unknown intent %q (known: %s)", key, intent, strings.Join(intents, ", "))
	}
	if lang != "default" && !validLang(lang) {
		return fmt.Errorf("key %q: %q is not a language code (en, pt-BR, ...) or default", key, lang)
	}
	return nil
}

func validLang(s string) bool {
	base, region, _ := strings.Cut(s, "-")
	if len(base) < 2 || len(base) > 3 || len(region) > 8 {
		return false
	}
	for _, r := range base {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func sampleReplyData() *ReplyData {
	c := &Case{Post: hark.Post{Text: "sample", Author: hark.Author{Handle: "@maya", Name: "Maya"}}}
	return &ReplyData{Source: "bluesky", Intent: "question", Language: "en", Priority: P2, Team: "care",
		RespondBy: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), c: c}
}

// errNoText is the reason a reply was not drafted for want of a text.
var errNoText = errors.New("no text")

// pick returns the template's text for an intent and a language.
func (rt *replyTemplate) pick(intent, lang string) *template.Template {
	base, _, _ := strings.Cut(lang, "-")
	for _, k := range [...]string{intent + "/" + lang, lang, intent + "/" + base, base, intent + "/default", "default"} {
		if t := rt.texts[k]; t != nil {
			return t
		}
	}
	return nil
}

// render drafts the reply of a decision from the template.
func (rt *replyTemplate) render(c *Case, d *Decision) (string, error) {
	lang := c.Scores.Language
	if lang == "" {
		lang = c.Post.Lang
	}
	intent := string(c.Scores.Intent)
	t := rt.pick(intent, lang)
	if t == nil {
		return "", fmt.Errorf("reply template %q has no text for language %q: %w", rt.name, lang, errNoText)
	}
	data := replyData(c, d)
	var sb strings.Builder
	if f := rt.fast[t]; f != nil {
		f.render(&sb, &data)
		return strings.TrimSpace(sb.String()), nil
	}
	if err := t.Execute(&sb, &data); err != nil {
		return "", fmt.Errorf("reply template %q: %w", rt.name, err)
	}
	return strings.TrimSpace(sb.String()), nil
}

func replyData(c *Case, d *Decision) ReplyData {
	return ReplyData{
		Source:    EscapeText(c.Post.Source, 20),
		Intent:    string(c.Scores.Intent),
		Language:  c.Scores.Language,
		Priority:  d.Priority,
		Team:      d.Team,
		RespondBy: d.RespondBy,
		c:         c,
	}
}

// EscapeText makes untrusted text (a post's text, an author's name or
// handle) safe to put in a plain-text social reply, and cuts it to at most
// maxChars characters (an ellipsis marks a cut; maxChars <= 0 means no
// limit). Plain text is not HTML: what is dangerous in a reply is what the
// platform turns into an action or a link. The result:
//
//   - mentions no one: every "@" (and its full-width and small forms) is
//     removed, so "@acme" becomes "acme" and an address "a@b.com" is not
//     left behind (see links);
//   - tags nothing: "#" (and its full-width and small forms) directly before
//     a letter, digit or "_", and "$" directly before a letter, are removed,
//     so "#boycott" becomes "boycott" and "$ACME" "ACME" ("$5" stays);
//   - links nowhere: a word that is a URL ("https://...", "www.x", a domain
//     such as "evil.example.com/path") or an e-mail address becomes "[link]";
//   - carries no markup: "<" and ">" become "‹" and "›", so no HTML tag,
//     Slack control sequence ("<!channel>") or autolink survives;
//   - hides nothing: control characters and invisible format characters
//     (zero-width joiners and spaces, bidirectional overrides, byte order
//     marks) are removed, line breaks and other spacing become single
//     spaces, and invalid UTF-8 becomes U+FFFD.
//
// EscapeText is idempotent: escaping escaped text changes nothing.
func EscapeText(s string, maxChars int) string {
	if isPlainSafe(s) {
		return cutChars(s, maxChars)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var sb strings.Builder
	n := 0 // characters written
	for w := range strings.FieldsFuncSeq(s, unicode.IsSpace) {
		w = stripInvisible(w)
		// A link is judged both before and after mentions and tags are
		// taken out, so that neither "a@b.co" nor "x.c#a" (x.ca) gets by.
		switch {
		case isLink(w):
			w = "[link]"
		default:
			w = neutralise(w)
			if isLink(w) {
				w = "[link]"
			}
		}
		if w == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
			n++
		}
		sb.WriteString(w)
		n += utf8.RuneCountInString(w)
		if maxChars > 0 && n > maxChars {
			break // the rest would be cut
		}
	}
	return cutChars(sb.String(), maxChars)
}

// stripInvisible removes control and format characters.
func stripInvisible(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 0x20 || c >= 0x7f {
			return strings.Map(func(r rune) rune {
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					return -1
				}
				return r
			}, w)
		}
	}
	return w
}

// isPlainSafe reports whether s holds only characters that need no
// escaping: printable ASCII letters, digits, single spaces and common
// punctuation, with no '.' or ':' (which could make a link).
func isPlainSafe(s string) bool {
	prev := byte(' ')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ':
			if prev == ' ' {
				return false // leading or double space
			}
		case c == ',' || c == '!' || c == '?' || c == '\'' || c == '-' || c == '(' || c == ')' || c == ';' || c == '"' || c == '&' || c == '*' || c == '+' || c == '=' || c == '%':
		default:
			return false
		}
		prev = c
	}
	return prev != ' ' || len(s) == 0
}

func neutralise(w string) string {
	if !strings.ContainsAny(w, "@＠﹫#＃﹟$<>") {
		return w
	}
	// Mentions first, so that no tag sign is left next to a word by them.
	w = strings.Map(func(r rune) rune {
		if r == '@' || r == '＠' || r == '﹫' {
			return -1
		}
		return r
	}, w)
	var sb strings.Builder
	rs := []rune(w)
	for i, r := range rs {
		switch r {
		case '#', '＃', '﹟', '$':
			// A run of tag signs before a word goes whole ("##x" too);
			// "$" only before a letter (a cashtag, not an amount).
			j := i + 1
			for j < len(rs) && isTagSign(rs[j]) {
				j++
			}
			if j < len(rs) && (isWordRune(rs[j]) && r != '$' || unicode.IsLetter(rs[j])) {
				continue
			}
		case '<':
			r = '‹'
		case '>':
			r = '›'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func isTagSign(r rune) bool { return r == '#' || r == '＃' || r == '﹟' || r == '$' }

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// tlds are the generic top-level domains a bare domain is recognised by;
// any two-letter ending is taken for a country domain.
var tlds = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "app": true, "dev": true,
	"xyz": true, "shop": true, "store": true, "online": true, "site": true, "top": true, "club": true,
	"link": true, "page": true, "live": true, "news": true, "blog": true, "tech": true, "cloud": true,
	"email": true, "click": true, "website": true, "space": true, "fun": true, "art": true,
	"edu": true, "gov": true, "mil": true, "int": true, "io": true, "ai": true, "co": true,
	"me": true, "tv": true, "ly": true, "gg": true, "social": true, "zone": true, "world": true,
	"pro": true, "mobi": true, "name": true, "asia": true, "win": true, "bid": true, "icu": true,
}

// isLink reports whether a word is, or contains, a URL, a domain or an
// e-mail address (whose domain part is a domain; so is a fediverse
// handle's server).
func isLink(w string) bool {
	if !strings.ContainsAny(w, ".:@。．｡＠﹫") {
		return false
	}
	if strings.Contains(w, "://") || containsFold(w, "www.") || hasPrefixFold(w, "mailto:") {
		return true
	}
	// A domain: labels of letters, digits and '-' separated by '.' (or a
	// look-alike dot), the last a known or two-letter top-level domain.
	// Labels are tracked as byte ranges of w, so nothing is allocated.
	labelStart, labels := -1, 0
	lastStart, lastEnd := 0, 0
	dot := false
	closeLabel := func(i int) {
		if labelStart >= 0 {
			lastStart, lastEnd = labelStart, i
			labels++
			labelStart = -1
		}
	}
	endRun := func(i int) bool {
		closeLabel(i)
		ok := dot && labels >= 2 && isTLD(w[lastStart:lastEnd])
		labels, dot = 0, false
		return ok
	}
	for i, r := range w {
		switch {
		case r == '.' || r == '。' || r == '．' || r == '｡':
			closeLabel(i)
			dot = true
		case r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && unicode.IsLetter(r):
			if labelStart < 0 {
				labelStart = i
			}
		default:
			if endRun(i) {
				return true
			}
		}
	}
	return endRun(len(w))
}

func isTLD(s string) bool {
	s = strings.Trim(s, "-")
	if len(s) == 2 {
		return isASCIILetterPair(s)
	}
	if len(s) > 8 {
		return false
	}
	var buf [8]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return tlds[string(buf[:len(s)])]
}

func isASCIILetterPair(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// cut shortens s to at most n characters, ending in "…" if cut.
func cutChars(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	i, k := 0, 0
	for j := range s {
		if k == n-1 {
			i = j
			break
		}
		k++
	}
	return strings.TrimRight(s[:i], " ") + "…"
}
