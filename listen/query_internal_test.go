package listen

import (
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/sample"
)

var pathQueries = []string{
	`(kestrel OR @kestrel OR @kestrelhelp OR kestrelpay) AND (refund* OR "double charged" OR broken OR crash*) -#ad`,
	`"customer service" OR wi-fi OR #kestrel OR @kestrelhelp OR re?und OR *ing`,
	`NOT (kestrel OR phone) OR "mid year"`,
}

// matchBothPaths evaluates q on p with the ASCII fast path (when the text
// is ASCII) and with the normalised path, and reports both answers.
func matchBothPaths(q *Query, p *hark.Post) (fast, slow bool, ascii bool) {
	var a, b matchState
	a.raw, b.raw = p.Text, p.Text
	ascii = a.bloom.fillASCII(p.Text)
	a.ascii = ascii
	b.bloom.fill(b.normalized())
	if !ascii {
		return false, q.eval(q.root, p, &b), false
	}
	return q.eval(q.root, p, &a), q.eval(q.root, p, &b), true
}

func TestASCIIPathAgreesWithNormalised(t *testing.T) {
	posts := sample.Week()
	for _, src := range pathQueries {
		q := MustCompile(src)
		n := 0
		for i := range posts {
			fast, slow, ascii := matchBothPaths(q, &posts[i])
			if !ascii {
				continue
			}
			n++
			if fast != slow {
				t.Errorf("%s: %q: fast %v, normalised %v", src, posts[i].Text, fast, slow)
			}
		}
		if n < 1000 {
			t.Fatalf("only %d ASCII posts checked", n)
		}
	}
}

func TestASCIIPathCases(t *testing.T) {
	tests := []struct {
		text, query string
		want        bool
	}{
		{"Kestrel@kestrelhelp refund", "kestrelhelp", true},
		{"Kestrel@kestrelhelp refund", "@kestrelhelp", true},
		{"xkestrel kestrelx", "kestrel", false},
		{"_kestrel", "kestrel", false},
		{"(KESTREL)", "kestrel", true},
		{"#Kestrel rocks", "#kestrel", true},
		{"kestrel", "#kestrel", false},
		{"a@kestrel", "@kestrel", true},
		{"PHONE!kestrel", "phone AND kestrel", true},
		{"pho ne", "phone", false},
	}
	for _, tt := range tests {
		q := MustCompile(tt.query)
		p := hark.Post{Text: tt.text}
		fast, slow, ascii := matchBothPaths(q, &p)
		if !ascii || fast != tt.want || slow != tt.want {
			t.Errorf("%q on %q: fast %v, normalised %v, want %v", tt.query, tt.text, fast, slow, tt.want)
		}
	}
}

func FuzzASCIIPath(f *testing.F) {
	for _, s := range []string{"if I cancel kestrel plus mid-year", "@KestrelHelp refund??", "Wi-Fi down #Kestrel", "  --double   CHARGED--  ",
		"Kestrel@kestrelhelp", "xkestrel kestrelx KESTREL", "_kestrel kestrel_ k3strel", "#kestrel#kestrel", "phone", "PHONE!kestrel"} {
		f.Add(s)
	}
	qs := make([]*Query, len(pathQueries))
	for i, s := range pathQueries {
		qs[i] = MustCompile(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := hark.Post{Text: text}
		for _, q := range qs {
			if fast, slow, ascii := matchBothPaths(q, &p); ascii && fast != slow {
				t.Fatalf("%s: %q: fast %v, normalised %v", q, text, fast, slow)
			}
		}
	})
}
