package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReport runs the whole week through the pipeline and checks that the
// report has each of its parts with real content in it.
func TestReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole sample week")
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "../replay/policy.yaml", 5))
	report := out.String()
	for _, want := range []string{
		"Volume by source", "bluesky", "Sentiment and intent", "complaint",
		"The 5 most urgent posts", "respond by", "reasons:", "draft reply:",
		"Surge alerts", "First alert during it",
		"The 5 most influential authors", "influence",
	} {
		assert.Contains(t, report, want)
	}
	assert.NotContains(t, report, "No alert was raised during it", "the day-5 incident must raise an alert")
}

func TestBadPolicy(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, "testdata/does-not-exist.yaml", 5)
	require.Error(t, err)
}
