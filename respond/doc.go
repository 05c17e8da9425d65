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
//
// # Carrying decisions out
//
// A [Dispatcher] carries a [Decision]'s actions out through [Notifier]s
// ([Slack], a signed [Webhook], [Email], or your own) picked by a [Router]
// such as [Routes]. Each action has an idempotency key ([IdempotencyKey]:
// post, rule, action), the same on every retry, restart and worker. A
// [Ledger] reserves keys under a lease and records sends, so a key recorded
// as sent is never sent again; [Claims] give one responder a conversation
// at a time; a [StaleFunc] drops a reply when the thread moved on; a [Pacer]
// budgets replies per brand account, per author per day and per action
// kind, and keeps quiet hours. Failures are retried with capped exponential
// backoff and jitter, honouring Retry-After; what fails for good goes to a
// [DeadLetter] and its key is released, so dispatching again retries it.
//
// Delivery is at-least-once to the notifier, always with the same key, and
// exactly-once in effect where the receiver deduplicates on it (the
// Idempotency-Key header of [Webhook], the Message-ID of [Email]; receivers
// check signatures with [VerifyRequest]). A message goes out twice only when
// a process dies, or the ledger write fails, between the notifier's
// acceptance and the ledger's record, or when a call times out after the
// receiver acted. Slack incoming webhooks do not deduplicate. Dispatching a
// decision again is always safe.
//
// # SLA clocks
//
// A [Calendar] counts business time: hours per weekday in a time zone, less
// holidays. A post at 16:45 on a Friday with a 30-minute target in a 9-17
// week is due on Monday at 09:15. A [BusinessSLA] maps priorities to targets
// and is a [Deadliner] for policies ([WithDeadliner]); a [Tracker] runs the
// clocks (start, pause, resume, stop) over a [TimerStore], reads time from
// an injected [Clock], and delivers a warning at 75 % of the target and a
// breach at its end ([SLANotifier] sends them with stable keys).
//
// Durable state sits behind small interfaces ([Ledger], [Claims],
// [TimerStore], [DeadLetter]) with in-memory implementations; package
// respond/ledgertest checks other implementations against the same
// contracts, and package state provides on-disk and NATS ones.
package respond
