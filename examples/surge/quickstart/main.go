// Command quickstart runs Hark's surge detector over the sample week: every
// post is scored (package score), keyed by brand, product, place and
// source, and fed to a surge.Detector on the virtual clock of the posts'
// times. It prints each alert with its drivers; the day-5 payment outage
// is the one to look for.
//
//	go run ./examples/surge/quickstart
//	go run ./examples/surge/quickstart -json   # one alert per line, as JSON
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

func main() {
	asJSON := flag.Bool("json", false, "write the alerts as JSON lines")
	flag.Parse()
	alerts, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		for _, a := range alerts {
			if err := enc.Encode(a); err != nil {
				fmt.Fprintln(os.Stderr, "quickstart:", err)
				os.Exit(1)
			}
		}
		return
	}
	for _, a := range alerts {
		print(os.Stdout, a)
	}
}

// run scores the sample week and returns the alerts of the detector.
func run() ([]surge.Alert, error) {
	facts := sample.Script()
	// what the posts may be about, and the key each name stands for
	keyOf := map[string]string{}
	brand := score.Brand{Name: facts.Brand, Handles: facts.Handles}
	for _, p := range facts.Products {
		brand.Products = append(brand.Products, p.Name)
		brand.Products = append(brand.Products, p.Aliases...)
		keyOf[strings.ToLower(p.Name)] = "product:" + p.Key
		for _, a := range p.Aliases {
			keyOf[strings.ToLower(a)] = "product:" + p.Key
		}
	}
	for _, s := range facts.Stores {
		brand.Places = append(brand.Places, s.City)
		brand.Places = append(brand.Places, s.Aliases...)
		keyOf[strings.ToLower(s.City)] = "place:" + s.Key
		for _, a := range s.Aliases {
			keyOf[strings.ToLower(a)] = "place:" + s.Key
		}
	}
	scorer, err := score.New(score.WithBrand(brand))
	if err != nil {
		return nil, err
	}
	d := surge.New(surge.Config{})
	var alerts []surge.Alert
	own := map[string]bool{} // the brand's posts: not the customers' voice
	for _, p := range sample.Week() {
		if slices.Contains(facts.Handles, p.Author.Handle) || own[p.RepostOf] {
			own[p.ID] = true
			continue
		}
		r := scorer.Score(p)
		if r.Spam >= 0.5 {
			continue
		}
		alerts = append(alerts, d.Observe(observation(p, r, keyOf, strings.ToLower(facts.Brand)))...)
	}
	return append(alerts, d.Advance(facts.End)...), nil
}

// observation keys a scored post by brand, what it is about and source.
func observation(p hark.Post, r score.Result, keyOf map[string]string, brand string) surge.Observation {
	o := surge.Observation{
		Keys:     []string{"brand:" + brand, "source:" + p.Source},
		Time:     p.Created,
		Negative: r.Label == score.LabelNegative,
		Source:   p.Source,
		Terms:    surge.Terms(p.Text, 12),
		PostID:   p.ID,
		Weight:   1 + float64(p.Author.Followers) + 10*float64(p.Metrics.Reposts+p.Metrics.Quotes),
	}
	for _, t := range p.Tags {
		if t = strings.ToLower(t); !slices.Contains(o.Terms, t) {
			o.Terms = append(o.Terms, t)
		}
	}
	for _, e := range r.About {
		k, ok := keyOf[strings.ToLower(e.Name)]
		if !ok || slices.Contains(o.Keys, k) {
			continue
		}
		o.Keys = append(o.Keys, k)
		o.Entities = append(o.Entities, strings.TrimPrefix(strings.TrimPrefix(k, "product:"), "place:"))
	}
	return o
}

// print writes an alert for a person.
func print(w io.Writer, a surge.Alert) {
	kind := string(a.Kind)
	if a.Escalation {
		kind += " (escalating)"
	}
	fmt.Fprintf(w, "%s  %-20s %-24s score %.2f, since %s\n", a.At.Format("Mon 15:04"), a.Key, kind, a.Score, a.Start.Format("Mon 15:04"))
	for _, r := range a.Reasons {
		if !strings.HasPrefix(r.Code, "driver_") {
			fmt.Fprintf(w, "    why: %s\n", r.Span)
		}
	}
	list := func(label string, ds []surge.Driver) {
		if len(ds) == 0 {
			return
		}
		var parts []string
		for _, d := range ds {
			parts = append(parts, fmt.Sprintf("%s (%.0f, %.1f expected)", d.Name, d.Recent, d.Expected))
		}
		fmt.Fprintf(w, "    %s: %s\n", label, strings.Join(parts, ", "))
	}
	list("terms", a.Drivers.Terms)
	list("entities", a.Drivers.Entities)
	list("sources", a.Drivers.Sources)
	if len(a.Drivers.TopPosts) > 0 {
		fmt.Fprintf(w, "    top posts: %s\n", strings.Join(a.Drivers.TopPosts, ", "))
	}
}
