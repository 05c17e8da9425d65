package sample

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed texts/*.txt
var textFiles embed.FS

// A Text is one hand-written text of the sample with the labels a person
// gave it. The week is made of these texts: each post of [Week] is one of
// them, with its slots filled in (see [Text.Text]).
//
// The labels follow the scorer's contract: Sentiment from -1 to 1, Label
// "positive", "neutral" or "negative", Urgency 0 (none) to 3 (critical),
// Intent one of "complaint", "question", "praise", "suggestion",
// "purchase_intent", "crisis", "spam", "other". Together they are a
// development set for a scorer (see testdata/texts.jsonl).
type Text struct {
	// ID is stable: the name of the file the text is written in, without
	// its number, and the text's position in it ("chatter-12", "es-3").
	ID string `json:"id"`
	// Text may hold slots the week fills in: {city} (the city of a store
	// that fits the text's language), {code} (a short random code, so
	// that spam posts are near-duplicates) and {journalist} (the handle of
	// the scripted journalist). On mastodon, a reply starts with the handle
	// of the author it replies to, as mastodon writes it.
	Text      string  `json:"text"`
	Sentiment float64 `json:"sentiment"`
	Label     string  `json:"label"`
	Urgency   int     `json:"urgency"`
	Intent    string  `json:"intent"`
	// Lang is the BCP 47 tag of the language the text is written in.
	Lang string `json:"lang"`
	// Kind is what the week uses the text for: "chatter", "praise",
	// "complaint", "question", "suggestion", "research", "review", "news",
	// "spam", "answer", "agree", "cheer", "banter", "quote", "thanks",
	// "react", "brand_post", "brand_reply", "advocate", "detractor",
	// "highreach" or "incident".
	Kind string `json:"kind"`
	// Stage is the phase of the incident an incident text belongs to:
	// "early", "spread", "peak", "reach", "reply", "quote", "recover".
	Stage string `json:"stage,omitempty"`
	// Topic pairs a question with the answers that answer it.
	Topic string `json:"topic,omitempty"`
	// Role narrows Kind: the persona who writes a high-reach text
	// ("journalist", "youtuber", "podcaster", "outlet"), the kind of post a
	// brand reply answers ("complaint", "praise"), "question" for banter
	// that replies to a question, or "fakereview" for spam posted as a
	// review.
	Role string `json:"role,omitempty"`
	// After is how many hours into the incident the text can first be
	// written ("four hours and still nothing"); 0 for any time.
	After float64 `json:"after,omitempty"`
}

// Texts returns the hand-written texts in a stable order (by file, then by
// position in the file). The slice is a fresh copy.
func Texts() []Text {
	return slices.Clone(mustData().texts)
}

var (
	intents = []string{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"}
	labels  = []string{"positive", "neutral", "negative"}
	kinds   = []string{"chatter", "praise", "complaint", "question", "suggestion", "research", "review", "news",
		"spam", "answer", "agree", "cheer", "banter", "quote", "thanks", "react", "brand_post", "brand_reply",
		"advocate", "detractor", "highreach", "incident"}
	stages = []string{"early", "spread", "peak", "reach", "reply", "quote", "recover"}
)

// parseTexts reads every embedded text file in name order.
//
// A file holds comment lines ("// ..."), header lines ("== key=value ...")
// that set the defaults of the lines after them, and text lines:
//
//	<sentiment> [key=value ...] | <text>
//
// Keys: kind, stage, intent, urgency (or u), lang, label, t (topic), role,
// after. Without a label, it follows the sentiment: >= 0.2 positive, <= -0.2
// negative, else neutral.
func parseTexts(fsys fs.FS) ([]Text, error) {
	names, err := fs.Glob(fsys, "texts/*.txt")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []Text
	seen := make(map[string]string)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		stem := strings.TrimSuffix(path.Base(name), ".txt")
		if i := strings.IndexByte(stem, '_'); i >= 0 {
			stem = stem[i+1:]
		}
		ts, err := parseFile(stem, string(b))
		if err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		for _, t := range ts {
			if prev, dup := seen[t.Text]; dup {
				return nil, fmt.Errorf("%s: text %s repeats %s", name, t.ID, prev)
			}
			seen[t.Text] = t.ID
		}
		out = append(out, ts...)
	}
	return out, nil
}

func parseFile(stem, data string) ([]Text, error) {
	var out []Text
	var defaults map[string]string
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "//"):
			continue
		case strings.HasPrefix(l, "=="):
			kv, err := parseKeys(strings.Fields(strings.TrimPrefix(l, "==")))
			if err != nil {
				return nil, fmt.Errorf("%d: %w", line, err)
			}
			defaults = kv
			continue
		}
		if defaults == nil {
			return nil, fmt.Errorf("%d: text before any == header", line)
		}
		head, text, ok := strings.Cut(l, " | ")
		if !ok || strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("%d: want \"<sentiment> [key=value ...] | <text>\"", line)
		}
		fields := strings.Fields(head)
		s, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || s < -1 || s > 1 {
			return nil, fmt.Errorf("%d: sentiment %q not a number in [-1, 1]", line, fields[0])
		}
		own, err := parseKeys(fields[1:])
		if err != nil {
			return nil, fmt.Errorf("%d: %w", line, err)
		}
		kv := make(map[string]string, len(defaults)+len(own))
		for k, v := range defaults {
			kv[k] = v
		}
		for k, v := range own {
			kv[k] = v
		}
		t := Text{
			ID:        fmt.Sprintf("%s-%d", stem, len(out)+1),
			Text:      strings.TrimSpace(text),
			Sentiment: s,
			Label:     kv["label"],
			Intent:    kv["intent"],
			Lang:      kv["lang"],
			Kind:      kv["kind"],
			Stage:     kv["stage"],
			Topic:     kv["t"],
			Role:      kv["role"],
		}
		if t.Label == "" {
			t.Label = labelOf(s)
		}
		if t.Urgency, err = strconv.Atoi(kv["urgency"]); err != nil || t.Urgency < 0 || t.Urgency > 3 {
			return nil, fmt.Errorf("%d: urgency %q not in 0..3", line, kv["urgency"])
		}
		if a := kv["after"]; a != "" {
			if t.After, err = strconv.ParseFloat(a, 64); err != nil || t.After < 0 {
				return nil, fmt.Errorf("%d: after %q not a number of hours", line, a)
			}
		}
		if err := checkText(t); err != nil {
			return nil, fmt.Errorf("%d: %w", line, err)
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

func parseKeys(fields []string) (map[string]string, error) {
	kv := make(map[string]string, len(fields))
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("bad key=value %q", f)
		}
		switch k {
		case "u":
			k = "urgency"
		case "kind", "stage", "intent", "urgency", "lang", "label", "t", "role", "after":
		default:
			return nil, fmt.Errorf("unknown key %q", k)
		}
		kv[k] = v
	}
	return kv, nil
}

func checkText(t Text) error {
	switch {
	case !slices.Contains(kinds, t.Kind):
		return fmt.Errorf("unknown kind %q", t.Kind)
	case !slices.Contains(intents, t.Intent):
		return fmt.Errorf("unknown intent %q", t.Intent)
	case !slices.Contains(labels, t.Label):
		return fmt.Errorf("unknown label %q", t.Label)
	case t.Lang == "":
		return fmt.Errorf("no lang")
	case t.Kind == "incident" && !slices.Contains(stages, t.Stage):
		return fmt.Errorf("incident text with stage %q", t.Stage)
	case t.Kind != "incident" && t.Stage != "":
		return fmt.Errorf("stage %q outside the incident", t.Stage)
	}
	return nil
}

// labelOf is the default label of a sentiment.
func labelOf(s float64) string {
	switch {
	case s >= 0.2:
		return "positive"
	case s <= -0.2:
		return "negative"
	}
	return "neutral"
}
