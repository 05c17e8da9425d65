package respondtest

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// fileCase is one case of a test file. Post, scores and author take the
// JSON field names of hark.Post, score.Result and influence.AuthorScore.
type fileCase struct {
	Name   string         `yaml:"name"`
	Post   map[string]any `yaml:"post"`
	Scores map[string]any `yaml:"scores"`
	Author map[string]any `yaml:"author"`
	Thread struct {
		Replies            int  `yaml:"replies"`
		AnsweredByBrand    bool `yaml:"answered_by_brand"`
		AnsweredByCustomer bool `yaml:"answered_by_customer"`
		OptedOut           bool `yaml:"opted_out"`
		PriorContacts      int  `yaml:"prior_contacts"`
	} `yaml:"thread"`
	Surge struct {
		Active bool     `yaml:"active"`
		Keys   []string `yaml:"keys"`
		Score  float64  `yaml:"score"`
	} `yaml:"surge"`
	Now  time.Time `yaml:"now"`
	Want struct {
		Priority   respond.Priority     `yaml:"priority"`
		Team       string               `yaml:"team"`
		Queue      string               `yaml:"queue"`
		NoPriority bool                 `yaml:"no_priority"`
		Rules      []string             `yaml:"rules"`
		Fired      []string             `yaml:"fired"`
		NotFired   []string             `yaml:"not_fired"`
		Actions    []respond.ActionKind `yaml:"actions"`
		NoActions  []respond.ActionKind `yaml:"no_actions"`
		Tags       []string             `yaml:"tags"`
		Alerts     []string             `yaml:"alerts"`
		Reply      string               `yaml:"reply"`
		NoReply    bool                 `yaml:"no_reply"`
		Held       bool                 `yaml:"held"`
		Suppressed bool                 `yaml:"suppressed"`
		Within     string               `yaml:"within"`
	} `yaml:"want"`
}

// LoadCases reads policy test cases from a YAML file, so that the people
// who write a policy can write its tests without Go:
//
//	cases:
//	  - name: fire is P1
//	    post: {id: "1", text: "my charger caught fire", author: {handle: "@ron"}}
//	    scores: {urgency: 3, intent: crisis, language: en}  # leave out to score the post
//	    author: {influence: 80, standing: advocate}         # influence's judgement
//	    thread: {opted_out: false, prior_contacts: 2}
//	    surge: {active: true, keys: ["product:x2"]}
//	    now: 2026-03-02T10:00:00Z
//	    want:
//	      priority: P1
//	      team: comms
//	      fired: [crisis]
//	      alerts: [comms-pager]
//	      held: true
//	      within: 30m
//
// post, scores and author use the JSON field names of hark.Post,
// score.Result and influence.AuthorScore; want has the fields of Want in
// snake case (no_reply, not_fired, ...). A case without scores has its post
// scored by the Tester's scorer when it runs. Each case's name is prefixed
// with its place in the file ("cases.yaml:12").
func LoadCases(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Cases []yaml.Node `yaml:"cases"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]Case, 0, len(doc.Cases))
	for _, n := range doc.Cases {
		var fc fileCase
		at := fmt.Sprintf("%s:%d", path, n.Line)
		if err := n.Decode(&fc); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		c, err := fc.toCase()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		c.Name = at
		if fc.Name != "" {
			c.Name += " " + fc.Name
		}
		out = append(out, c)
	}
	return out, nil
}

// viaJSON decodes m into v by the JSON names of v's fields.
func viaJSON(m map[string]any, v any, what string) error {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (fc fileCase) toCase() (Case, error) {
	var (
		post   hark.Post
		scores score.Result
		author influence.AuthorScore
	)
	if err := viaJSON(fc.Post, &post, "post"); err != nil {
		return Case{}, err
	}
	if err := viaJSON(fc.Scores, &scores, "scores"); err != nil {
		return Case{}, err
	}
	if err := viaJSON(fc.Author, &author, "author"); err != nil {
		return Case{}, err
	}
	if post.ID == "" {
		post.ID = fc.Name
	}
	w := fc.Want
	want := Want{
		Priority: w.Priority, Team: w.Team, Queue: w.Queue, NoPriority: w.NoPriority, Rules: w.Rules,
		Fired: w.Fired, NotFired: w.NotFired, Actions: w.Actions, NoActions: w.NoActions, Tags: w.Tags,
		Alerts: w.Alerts, Reply: w.Reply, NoReply: w.NoReply, Held: w.Held, Suppressed: w.Suppressed,
	}
	if w.Within != "" {
		d, err := time.ParseDuration(w.Within)
		if err != nil {
			return Case{}, fmt.Errorf("want.within: %w", err)
		}
		want.Within = d
	}
	rc := respond.Case{
		Post: post, Scores: scores, Author: author, Now: fc.Now,
		Thread: respond.ThreadState{Replies: fc.Thread.Replies, AnsweredByBrand: fc.Thread.AnsweredByBrand,
			AnsweredByCustomer: fc.Thread.AnsweredByCustomer, OptedOut: fc.Thread.OptedOut, PriorContacts: fc.Thread.PriorContacts},
		Surge: respond.SurgeState{Active: fc.Surge.Active, Keys: fc.Surge.Keys, Score: fc.Surge.Score},
	}
	c := Case{Want: want, Case: rc}
	if fc.Scores == nil {
		c.Case, c.Post = respond.Case{}, post
		c.context = &rc
	}
	return c, nil
}

// RunFile loads the cases of a YAML file (see LoadCases) and runs them.
func (tr *Tester) RunFile(t *testing.T, path string) {
	t.Helper()
	cases, err := LoadCases(path)
	if err != nil {
		t.Fatal(err)
	}
	tr.Run(t, cases)
}
