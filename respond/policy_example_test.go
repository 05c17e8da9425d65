package respond_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

func ExampleParsePolicy() {
	src := `
name: example
sla: {P1: 30m, P3: 8h}
teams: {care: [billing, general], comms: []}
channels: [comms-pager]
templates:
  sorry:
    en: "Hi {{.Name}}, sorry about this{{if .Product}} with your {{.Product}}{{end}}. Could you DM us the details?"
rules:
  - name: billing
    when: post.text_lower.containsAnyWord(["refund*", "charged"])
    route: care/billing
    continue: true
  - name: spam
    when: scores.intent == "spam"
    suppress: spam
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    alert: comms-pager
    reply: sorry
    hold: true
    note: hot; check the draft
  - name: rest
    when: "true"
    priority: P3
    route: care/general
`
	policy, err := respond.ParsePolicy("example.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	d, _ := policy.Decide(context.Background(), respond.Case{
		Post: hark.Post{ID: "p1", Text: "@acme charged twice for my X2 and the app is down #fail",
			Created: now.Add(-10 * time.Minute), Author: hark.Author{Handle: "@maya"}},
		Scores: score.Result{Urgency: 3, Intent: score.IntentComplaint, Language: "en",
			About: []score.Entity{{Kind: "product", Name: "X2"}}},
		Now: now,
	})
	fmt.Println(d.Priority, d.Team+"/"+d.Queue, d.RespondBy.Format(time.Kitchen), d.Rules)
	for _, a := range d.Actions {
		fmt.Println(" ", a.Kind, a.Team+a.Channel+a.Template+a.Reason)
	}
	fmt.Println(d.Reply)
	// Output:
	// P1 care/billing 10:20AM [billing critical]
	//   route care
	//   alert comms-pager
	//   hold hot; check the draft
	//   reply sorry
	// Hi maya, sorry about this with your X2. Could you DM us the details?
}

func ExampleParsePolicy_error() {
	_, err := respond.ParsePolicy("bad.yaml", []byte(`
name: bad
rules:
  - name: urgent
    when: scores.urgncy >= 2
    priority: P1
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:5:17: rule "urgent": when: undeclared reference to 'scores.urgncy' (did you mean 'scores.urgency'?)
}
