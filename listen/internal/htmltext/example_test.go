package htmltext_test

import (
	"fmt"

	"github.com/harkhq/hark/listen/internal/htmltext"
)

func ExampleText() {
	fmt.Printf("%q\n", htmltext.Text(`<p>It&#x27;s <i>down</i> again.</p><p>See <a href="https://status.test">status</a></p>`))
	// Output: "It's down again.\n\nSee status"
}
