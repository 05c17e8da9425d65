package hark_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/harkhq/hark"
)

func ExampleReader() {
	in := `{"id":"1","text":"love the new app","author":{"handle":"@li"}}
this line is broken
{"id":"2","text":"where is my parcel?"}
`
	r := hark.NewReader(strings.NewReader(in))
	for p, err := range r.All() {
		if err != nil {
			fmt.Println("skipped:", err)
			continue
		}
		fmt.Println(p.ID, p.Author.Handle, p.Text)
	}
	fmt.Println("skipped lines:", r.Skipped())
	// Output:
	// 1 @li love the new app
	// skipped: line 2: not a JSON object
	// 2  where is my parcel?
	// skipped lines: 1
}

func ExampleWriter() {
	w := hark.NewWriter(os.Stdout)
	w.Write(hark.Post{ID: "1", Source: "forum", Text: "is the store open on sunday?"})
	w.Flush()
	// Output:
	// {"id":"1","source":"forum","text":"is the store open on sunday?"}
}
