package respond_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/score"
)

// A reply drafted for a hostile post and author echoes none of their
// mentions, tags, links or markup, on the fast path of a plain template
// and through text/template alike.
func TestReplyTemplateEscapesHostilePost(t *testing.T) {
	for name, tmpl := range map[string]string{
		"fast":          `"Hi {{.Name}} ({{.Handle}}), about {{.Product}} in {{.Place}}: {{.Quote}}"`,
		"text/template": `"{{if .Name}}Hi {{.Name}}{{end}} ({{printf \"%s\" .Handle}}), about {{.Product}} in {{.Place}}: {{.Quote}}"`,
	} {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, `
name: t
sla: {P2: 2h}
teams: [care]
templates:
  all:
    default: `+tmpl+`
rules: [{name: r, when: "true", reply: all, priority: P2, route: care}]
`)
			c := mkCase("1", "@everyone <script>alert(1)</script> #boycott see https://evil.example/x or evil.com, mail bob@evil.org \u202e", 2, score.IntentComplaint, "en")
			c.Post.Author.Name = "<img src=x onerror=alert(1)> @here"
			c.Post.Author.Handle = "@mallory@evil.social"
			c.Scores.About = []score.Entity{{Kind: "product", Name: "<b>X2</b> @all"}, {Kind: "place", Name: "www.evil.com #fr"}}
			d, err := p.Decide(context.Background(), c)
			require.NoError(t, err)
			require.NotEmpty(t, d.Reply)
			for _, bad := range []string{"<", ">", "@", "#", "evil.example", "evil.com", "evil.org", "evil.social", "\u202e"} {
				assert.NotContains(t, d.Reply, bad)
			}
			assert.Contains(t, d.Reply, "[link]", "links are named, not echoed")
			assert.Contains(t, d.Reply, "mallory")
		})
	}
}
