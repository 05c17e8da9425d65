package listen

// Capabilities say what an adapter can give beyond ID and text, so a user
// knows what to expect (an influence score needs author metrics) before
// wiring a source in.
type Capabilities struct {
	// AuthorMetrics: posts carry the author's followers, following and
	// post counts.
	AuthorMetrics bool `json:"author_metrics"`
	// Engagement: posts carry likes, reposts, replies or views.
	Engagement bool `json:"engagement"`
	// Backfill: the source can read posts written before it was started
	// (search by date, listings), not only new ones.
	Backfill bool `json:"backfill"`
	// Streaming: the source is fed by a push connection (websocket,
	// webhook) rather than by polling an API.
	Streaming bool `json:"streaming"`
	// Replies: posts carry ThreadID and ParentID, so conversations can be
	// followed.
	Replies bool `json:"replies"`
}

// A Describer is a [Source] that declares its [Capabilities]. Every adapter
// of Hark is one.
type Describer interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns what src declares, or the zero Capabilities if it
// declares nothing.
func CapabilitiesOf(src Source) Capabilities {
	if d, ok := src.(Describer); ok {
		return d.Capabilities()
	}
	return Capabilities{}
}
