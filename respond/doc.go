// Package respond decides what to do about a post, and does it.
//
// A [Policy] turns a [Case] (a post, the scorer's judgement of it, its
// author's standing and reach, what is known of its thread, the surge
// state, the time) into a [Decision]: a priority P1 to P4, the team and
// queue that own it, a first-response deadline, alerts, tags, an
// escalation, a drafted reply (held for approval or not), or suppression,
// with a trace of which rules matched and why. A [Dispatcher] then carries
// a decision out once (ledger, claims, pacing) through [Notifier]s; an SLA
// [Tracker] keeps the deadlines over business hours. Surges are detected by
// package respond/surge.
//
// # Policies
//
// A policy is a YAML file ([LoadPolicy], [ParsePolicy]) or a [Spec] built in
// Go ([NewPolicy]); both give the same policy. Rules have a name, a when
// condition in CEL (cel.dev/cel-go) and actions, and are tried in order:
// with match: first, the first rule that matches decides (a rule with
// continue: true adds its actions and lets the next be tried); with
// match: all, every rule that matches adds its actions (stop: true ends the
// evaluation). A rule that suppresses (spam, already answered, asked not to
// be contacted) means no reply is drafted whatever else fires; it ends the
// evaluation unless it has continue: true.
//
//	name: acme-care
//	match: first
//	sla: {P1: 30m, P2: 2h, P3: 8h, P4: 2d}
//	teams: {care: [billing, general], comms: []}
//	channels: [comms-pager]
//	templates:
//	  sorry: {en: "Hi {{.Name}}, sorry about this. Could you DM us the details?"}
//	rules:
//	  - name: spam
//	    when: scores.intent == "spam" || scores.spam >= 0.8
//	    suppress: spam
//	  - name: critical
//	    when: scores.urgency >= 3
//	    priority: P1
//	    alert: comms-pager
//	    reply: sorry
//	    hold: true
//
// Conditions are type-checked when the policy loads, against these
// variables (CEL types in brackets):
//
//	post.id, post.source, post.url, post.text, post.text_lower, post.lang [string]
//	post.created [timestamp], post.age [duration], post.is_reply, post.is_repost [bool]
//	post.mentions, post.tags [list(string)], post.links [int: link-like words in the text]
//	post.likes, post.reposts, post.replies, post.quotes, post.views, post.engagement [int]
//	author.id, author.handle, author.standing [string: advocate, detractor, neutral or ""]
//	author.followers, author.following, author.rank [int], author.verified, author.helper [bool]
//	author.influence [double 0..100], author.reach [double], author.bot [double 0..1], author.age [duration]
//	scores.sentiment [double -1..1], scores.label, scores.intent, scores.language [string]
//	scores.confidence, scores.urgency_score, scores.spam [double 0..1], scores.urgency [int 0..3]
//	scores.products, scores.places, scores.about, scores.reasons [list(string)]
//	thread.replies, thread.prior_contacts [int]
//	thread.answered_by_brand, thread.answered_by_customer, thread.opted_out [bool]
//	surge.active [bool], surge.keys [list(string)], surge.score [double 0..1]
//	now [timestamp]
//
// Besides CEL's standard functions, a condition may use
// s.containsAny(list) (s contains one of the strings) and
// s.containsAnyWord(list) (one of them as whole words; "refund*" matches
// any word that starts with refund).
//
// Every condition's cost is bounded: its worst case is estimated when the
// policy loads (lists are cut to 256 elements, text to hark.MaxTextBytes),
// and a condition that cannot be proved within the limit
// ([WithCostLimit], [DefaultCostLimit]) runs metered and stops at it.
// Conditions in the common subset (comparisons with constants, &&, ||, !,
// in, size, containsAny and containsAnyWord over constant lists) run as
// compiled Go closures that read the case without boxing it, with every word
// list of the policy matched in one pass over the text; others run on the
// CEL interpreter. Both give the same results.
//
// # Replies
//
// A reply is drafted from a text/template, chosen by intent and language
// ([TemplateSpec]); a case in a language the template has no text for is
// held for a person instead. A template sees the post only through
// [ReplyData], whose untrusted fields are passed through [EscapeText]: no
// mention, hashtag, link or markup from a post or its author can reach a
// reply.
//
// # Errors and lint
//
// A policy that does not load fails with a [*PolicyError] whose findings
// each give file:line:column and what is wrong, CEL errors included (mapped
// through the YAML's quoting, folding and indentation to the character in
// the file). [Policy.Lint] reports what does not stop loading: rules that
// can never fire because an earlier rule that stops the evaluation matches
// every case they match, conditions always true or always false (over the
// known ranges of the variables and constant folding), comparisons with
// values a variable never takes, and declarations nothing uses.
//
// Package respond/respondtest helps test a policy: expectations on
// decisions, golden files, and the rules no test exercises.
package respond
