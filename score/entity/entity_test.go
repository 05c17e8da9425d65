package entity

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAbout(t *testing.T) {
	x := New()
	ents, err := x.About("Our flight from Chicago to Denver was cancelled and John Smith at the desk refused to help.")
	require.NoError(t, err)
	kinds := map[string]bool{}
	for _, e := range ents {
		kinds[e.Kind] = true
		assert.NotEmpty(t, e.Name)
	}
	assert.True(t, kinds["place"] || kinds["person"], "%+v", ents)
	// long and odd input is handled
	_, err = x.About(strings.Repeat("é Paris ", 4000))
	assert.NoError(t, err)
	// concurrent use
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := x.About("Maria flew to Lisbon.")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

func ExampleExtractor_About() {
	x := New()
	ents, err := x.About("Our flight from Chicago to Denver was cancelled and John Smith at the desk refused to help.")
	if err != nil {
		panic(err)
	}
	fmt.Println(ents)
	// Output:
	// [{place Chicago} {place Denver} {person John Smith}]
}
