package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The quickstart finds the day-5 payment outage with the real scorer and
// prints alerts whose drivers name it.
func TestQuickstartFindsTheIncident(t *testing.T) {
	alerts, err := run()
	require.NoError(t, err)
	inc := sample.Script().Incident
	tag := strings.ToLower(inc.Tags[0])
	var buf bytes.Buffer
	found, explained := false, false
	for _, a := range alerts {
		if a.At.Before(inc.Start) || !a.At.Before(inc.PeakStart) {
			continue
		}
		if a.Key == "product:"+inc.Product && a.Kind != surge.KindSilence {
			found = true
		}
		var names []string
		for _, d := range append(a.Drivers.Terms, a.Drivers.Entities...) {
			names = append(names, d.Name)
		}
		if slices.Contains(names, inc.Product) || slices.Contains(names, tag) {
			explained = true
		}
		print(&buf, a)
	}
	out := buf.String()
	t.Log("\n" + out)
	assert.True(t, found, "an alert on %s between the outage's start and its peak", inc.Product)
	assert.True(t, explained, "an alert before the peak names %s or %s among its drivers", inc.Product, tag)
	assert.Contains(t, out, "why: ")
	assert.Contains(t, out, "top posts: ")
}
