package main

import (
	"bytes"
	"testing"

	"github.com/harkhq/hark/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The quickstart finds the day-5 payment outage with the real scorer and
// prints its alert with drivers.
func TestQuickstartFindsTheIncident(t *testing.T) {
	alerts, err := run()
	require.NoError(t, err)
	inc := sample.Script().Incident
	var buf bytes.Buffer
	found := false
	for _, a := range alerts {
		if a.Key == "product:"+inc.Product && !a.At.Before(inc.Start) && a.At.Before(inc.PeakStart) {
			print(&buf, a)
			found = true
		}
	}
	require.True(t, found, "an alert on %s between the outage's start and its peak", inc.Product)
	out := buf.String()
	t.Log("\n" + out)
	assert.Contains(t, out, "why: ")
	assert.Contains(t, out, "top posts: ")
	assert.Contains(t, out, "terms: ", "some alert of the outage names the terms that rose")
}
