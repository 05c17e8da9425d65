package main

import (
	"flag"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/respondtest"
	"github.com/harkhq/hark/score"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// scored builds a pre-scored case, so that these tests pin the policy and
// not the scorer.
func scored(id, text string, s score.Result) respond.Case {
	if s.Language == "" {
		s.Language = "en"
	}
	if s.Confidence == 0 {
		s.Confidence = 0.8
	}
	return respond.Case{
		Post:   hark.Post{ID: id, Text: text, Created: now.Add(-3 * time.Minute), Author: hark.Author{Handle: "@user", Name: "Sam"}},
		Scores: s,
		Now:    now,
	}
}

func shippedCases() []respondtest.Case {
	neg := score.LabelNegative
	withAuthor := func(c respond.Case, a influence.AuthorScore) respond.Case { c.Author = a; return c }
	withThread := func(c respond.Case, th respond.ThreadState) respond.Case { c.Thread = th; return c }
	withSurge := func(c respond.Case) respond.Case {
		c.Surge = respond.SurgeState{Active: true, Keys: []string{"product:x2"}, Score: 0.9}
		return c
	}
	return []respondtest.Case{
		{Name: "spam", Case: scored("spam", "FREE followers click bit.ly/x", score.Result{Intent: score.IntentSpam, Spam: 0.95}),
			Want: respondtest.Want{Rules: []string{"default-route", "spam"}, Suppressed: true, NoReply: true, NoPriority: true}},
		{Name: "bot", Case: withAuthor(scored("bot", "great product", score.Result{Intent: score.IntentPraise}), influence.AuthorScore{Bot: 0.95}),
			Want: respondtest.Want{Fired: []string{"spam"}, NoReply: true}},
		{Name: "promotional link", Case: scored("promo", "Claim your FREE x2 now: acme-deals.shop/win", score.Result{Intent: score.IntentOther, Spam: 0.3}),
			Want: respondtest.Want{Fired: []string{"promo-link"}, Team: "trust-safety", Tags: []string{"possible-phishing"}, Suppressed: true, NoReply: true}},
		{Name: "crisis", Case: scored("crisis", "charger caught fire", score.Result{Intent: score.IntentCrisis, Urgency: 3, Label: neg}),
			Want: respondtest.Want{Priority: respond.P1, Team: "comms", Alerts: []string{"comms-pager", "care-leads"}, Held: true, Within: 30 * time.Minute}},
		{Name: "surge", Case: withSurge(scored("surge", "x2 won't turn on, same as everyone", score.Result{Intent: score.IntentComplaint, Urgency: 2, Label: neg})),
			Want: respondtest.Want{Priority: respond.P1, Fired: []string{"crisis"}, Alerts: []string{"comms-pager"}}},
		{Name: "critical billing", Case: scored("crit", "I was charged twice and my rent bounced", score.Result{Intent: score.IntentComplaint, Urgency: 3, Label: neg}),
			Want: respondtest.Want{Priority: respond.P1, Team: "care", Queue: "billing", Fired: []string{"critical"}, Held: true, Reply: "urgent"}},
		{Name: "security", Case: scored("sec", "my account was hacked and orders placed", score.Result{Intent: score.IntentComplaint, Urgency: 3, Label: neg}),
			Want: respondtest.Want{Priority: respond.P1, Team: "trust-safety", Alerts: []string{"trust-safety-alerts", "care-leads"}, Tags: []string{"security", "critical"}}},
		{Name: "opted out", Case: withThread(scored("opt", "still broken", score.Result{Intent: score.IntentComplaint, Urgency: 1, Label: neg}), respond.ThreadState{OptedOut: true}),
			Want: respondtest.Want{Priority: respond.P3, Fired: []string{"do-not-contact", "complaint"}, Tags: []string{"do-not-contact"}, NoReply: true, NoActions: []respond.ActionKind{respond.ActHold}, Suppressed: true}},
		{Name: "opted out but critical", Case: withThread(scored("optcrit", "the heater is sparking", score.Result{Intent: score.IntentComplaint, Urgency: 3, Label: neg}), respond.ThreadState{OptedOut: true}),
			Want: respondtest.Want{Priority: respond.P1, Fired: []string{"do-not-contact", "critical"}, Alerts: []string{"care-leads"}, NoReply: true, NoActions: []respond.ActionKind{respond.ActHold}}},
		{Name: "answered by community", Case: withThread(scored("ans", "how do I reset it?", score.Result{Intent: score.IntentQuestion, Urgency: 1}), respond.ThreadState{AnsweredByCustomer: true}),
			Want: respondtest.Want{Priority: respond.P4, Team: "social", Fired: []string{"answered-by-community"}, NoReply: true}},
		{Name: "influential detractor", Case: withAuthor(scored("infl", "the update ruined it", score.Result{Intent: score.IntentComplaint, Urgency: 1, Label: neg}), influence.AuthorScore{Influence: 85}),
			Want: respondtest.Want{Priority: respond.P2, Team: "care", Queue: "tech", Actions: []respond.ActionKind{respond.ActEscalate}, Held: true, Tags: []string{"high-reach", "influential-detractor"}}},
		{Name: "unknown language", Case: scored("lang", "это не работает", score.Result{Intent: score.IntentComplaint, Urgency: 1, Language: "ru"}),
			Want: respondtest.Want{Priority: respond.P3, Team: "review", NoReply: true}},
		{Name: "low confidence", Case: scored("conf", "well well well", score.Result{Intent: score.IntentOther, Urgency: 1, Confidence: 0.2}),
			Want: respondtest.Want{Priority: respond.P3, Team: "review", Fired: []string{"low-confidence"}, NoReply: true}},
		{Name: "urgent", Case: scored("urg", "locked out of my account before a flight", score.Result{Intent: score.IntentComplaint, Urgency: 2, Label: neg}),
			Want: respondtest.Want{Priority: respond.P2, Team: "care", Fired: []string{"urgent"}, Held: true, Reply: "sorry"}},
		{Name: "repeat contact", Case: withThread(scored("rep", "third time asking", score.Result{Intent: score.IntentComplaint, Urgency: 1, Label: neg}), respond.ThreadState{PriorContacts: 2}),
			Want: respondtest.Want{Priority: respond.P2, Fired: []string{"urgent"}}},
		{Name: "complaint", Case: scored("comp", "my parcel is late", score.Result{Intent: score.IntentComplaint, Urgency: 1, Label: neg}),
			Want: respondtest.Want{Priority: respond.P3, Team: "care", Queue: "orders", Rules: []string{"default-route", "topic-orders", "complaint"}, Reply: "sorry"}},
		{Name: "comparison shopper", Case: scored("cmp", "x2 vs the pro for a small flat?", score.Result{Intent: score.IntentPurchase, Urgency: 1}),
			Want: respondtest.Want{Priority: respond.P3, Team: "sales", Fired: []string{"comparison-shopper"}, Reply: "side-by-side"}},
		{Name: "buyer", Case: scored("buy", "when does the x3 ship?", score.Result{Intent: score.IntentPurchase, Urgency: 1}),
			Want: respondtest.Want{Team: "sales", Fired: []string{"buyer"}}},
		{Name: "question", Case: scored("q", "does it work with a mac?", score.Result{Intent: score.IntentQuestion, Urgency: 1}),
			Want: respondtest.Want{Priority: respond.P3, Fired: []string{"question"}, Reply: "good question"}},
		{Name: "advocate", Case: withAuthor(scored("adv", "still love it after 3 years", score.Result{Intent: score.IntentPraise, Sentiment: 0.3}), influence.AuthorScore{Standing: influence.StandingAdvocate}),
			Want: respondtest.Want{Priority: respond.P4, Team: "social", Fired: []string{"advocate-thanks"}, Alerts: []string{"social-wins"}, Reply: "Thank you so much, Sam"}},
		{Name: "mild praise", Case: scored("pr", "it's fine I guess, works", score.Result{Intent: score.IntentPraise, Sentiment: 0.2}),
			Want: respondtest.Want{Priority: respond.P4, Fired: []string{"praise"}, NoReply: true}},
		{Name: "suggestion", Case: scored("sug", "please add a dark mode", score.Result{Intent: score.IntentSuggestion}),
			Want: respondtest.Want{Priority: respond.P4, Team: "social", Fired: []string{"suggestion"}, Reply: "idea"}},
		{Name: "chatter", Case: scored("chat", "saw an acme van today", score.Result{Intent: score.IntentOther}),
			Want: respondtest.Want{Fired: []string{"chatter"}, Suppressed: true, NoReply: true}},
		{Name: "catch-all", Case: scored("other", "hmm acme", score.Result{Intent: score.IntentOther, Urgency: 1}),
			Want: respondtest.Want{Priority: respond.P4, Team: "care", Queue: "general", Fired: []string{"catch-all"}}},
		{Name: "french reply", Case: scored("fr", "Colis perdu depuis une semaine", score.Result{Intent: score.IntentComplaint, Urgency: 1, Label: neg, Language: "fr"}),
			Want: respondtest.Want{Priority: respond.P3, Reply: "Bonjour Sam"}},
		{Name: "no text for the language", Case: scored("it", "il pacco non è arrivato", score.Result{Intent: score.IntentQuestion, Urgency: 1, Language: "it"}),
			Want: respondtest.Want{Team: "review", NoReply: true}},
	}
}

// TestShippedPolicy pins the shipped policy on pre-scored cases, checks
// that every rule is exercised, and compares all decisions with a golden
// file (go test ./examples/replay -update rewrites it).
func TestShippedPolicy(t *testing.T) {
	p, err := respond.LoadPolicy("policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pt := respondtest.New(p)
	cases := shippedCases()
	pt.Run(t, cases)
	pt.RequireCoverage(t)

	var ds []respond.Decision
	for _, c := range cases {
		ds = append(ds, pt.Decide(t, c.Case))
	}
	respondtest.Golden(t, "testdata/decisions.golden", ds, respondtest.Update(*update))
}
