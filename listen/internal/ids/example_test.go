package ids_test

import (
	"fmt"

	"github.com/harkhq/hark/listen/internal/ids"
)

func ExampleCompare() {
	fmt.Println(ids.Compare("9", "10"), ids.Compare("113998877665544333", "113998877665544222"))
	// Output: -1 1
}
