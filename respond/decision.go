package respond

import (
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/score"
)

// A Case is everything a policy may look at to decide about one post.
type Case struct {
	Post   hark.Post
	Scores score.Result
	Author influence.AuthorScore
	// Thread is what is known of the conversation the post belongs to.
	Thread ThreadState
	// Surge is the surge state of the keys the post falls under.
	Surge SurgeState
	// Now is the time of the decision; the zero value means time.Now().
	Now time.Time
}

// ThreadState is what is known of a post's conversation.
type ThreadState struct {
	// Replies is how many replies the thread had when the case was made.
	Replies int
	// AnsweredByBrand reports that the brand already replied in the thread.
	AnsweredByBrand bool
	// AnsweredByCustomer reports that another customer already answered.
	AnsweredByCustomer bool
	// OptedOut reports that the author asked not to be contacted.
	OptedOut bool
	// PriorContacts counts earlier posts by the same author about the same
	// problem that are still open.
	PriorContacts int
}

// SurgeState is the surge state of the keys a post falls under.
type SurgeState struct {
	// Active reports that a surge alert is open for one of the post's keys.
	Active bool
	// Keys are the keys with an open surge alert.
	Keys []string
	// Score is the highest surge score, 0..1, among the post's keys.
	Score float64
}

// Priority is a decision's priority: P1 is the most urgent; "" means none.
type Priority string

// Priorities.
const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
)

// ActionKind names what an action does.
type ActionKind string

// Action kinds.
const (
	ActRoute    ActionKind = "route"    // hand to Team
	ActAlert    ActionKind = "alert"    // notify Channel
	ActReply    ActionKind = "reply"    // draft a reply from Template
	ActHold     ActionKind = "hold"     // hold the reply for approval
	ActEscalate ActionKind = "escalate" // hand up to Team
	ActTag      ActionKind = "tag"      // add Tag
	ActSuppress ActionKind = "suppress" // do nothing further, for Reason
)

// An Action is one thing a decision asks to be done.
type Action struct {
	Kind ActionKind `json:"kind"`
	Team string     `json:"team,omitempty"`
	// Queue is the queue within Team, for route, if the rule names one.
	Queue    string `json:"queue,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Template string `json:"template,omitempty"`
	Tag      string `json:"tag,omitempty"`
	// Reason says why, for suppress and escalate.
	Reason string `json:"reason,omitempty"`
	// Rule is the name of the rule that asked for the action.
	Rule string `json:"rule"`
}

// A Decision is what a policy decided about one post.
type Decision struct {
	PostID   string   `json:"id"`
	Priority Priority `json:"priority"`
	Team     string   `json:"team"`
	// Queue is the queue within Team, if the routing rule names one.
	Queue string `json:"queue,omitempty"`
	// RespondBy is the first-response deadline; zero if there is none.
	RespondBy time.Time `json:"respond_by,omitzero"`
	Actions   []Action  `json:"actions"`
	// Reply is the drafted reply, if a reply action fired.
	Reply string `json:"reply,omitempty"`
	// Rules are the names of the rules that fired, in order.
	Rules []string `json:"rules"`
	// Trace says which rules matched and why: from Policy.Decide, the rules
	// whose condition matched (or failed to evaluate), in order; from
	// Policy.Explain, every rule tried, with the values its condition read.
	Trace []RuleTrace `json:"trace,omitempty"`
	// Case is the case decided on, for dispatch.
	Case Case `json:"-"`
}

// A RuleTrace records one rule's evaluation in a decision.
type RuleTrace struct {
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	// Why is the condition's text, or the error that stopped it.
	Why string `json:"why,omitempty"`
}

// A Deadliner computes first-response deadlines. A policy uses one to set
// Decision.RespondBy from the decision's priority: by default the fixed
// per-priority durations the policy declares (see Spec.SLA); an SLA clock
// with business hours can replace it with PolicyOptions.
type Deadliner interface {
	// Due returns the deadline of a first response to a case of priority p
	// opened at start, or the zero time if p has none.
	Due(start time.Time, p Priority) time.Time
}
