package respondtest_test

import (
	"fmt"
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/respondtest"
	"github.com/harkhq/hark/score"
)

func ExampleTester_Coverage() {
	p, err := respond.ParsePolicy("policy.yaml", []byte(`
name: example
rules:
  - name: spam
    when: scores.intent == "spam"
    suppress: spam
  - name: critical
    when: scores.urgency >= 3
    priority: P1
  - name: rest
    when: "true"
    priority: P4
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	pt := respondtest.New(p)
	t := &testing.T{} // in a test, the test's own t
	for i, urgency := range []int{3, 1, 0} {
		pt.Decide(t, respond.Case{Post: hark.Post{ID: fmt.Sprint(i)}, Scores: score.Result{Urgency: urgency}})
	}
	fmt.Print(pt.Coverage())
	// Output:
	// rule coverage: 2 of 3 rules fired over 3 cases
	// ! spam                             fired     0
	//   critical                         fired     1
	//   rest                             fired     2
}
