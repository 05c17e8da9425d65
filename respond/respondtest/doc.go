// Package respondtest helps test response policies: decide on cases or
// posts and check the decisions against expectations, compare decisions
// with golden files, and report the rules no test exercises.
//
// A typical policy test:
//
//	func TestPolicy(t *testing.T) {
//		p, err := respond.LoadPolicy("policy.yaml")
//		if err != nil {
//			t.Fatal(err)
//		}
//		pt := respondtest.New(p, respondtest.WithScorer(scorer))
//		pt.Run(t, []respondtest.Case{
//			{Name: "fire is P1", Post: hark.Post{ID: "1", Text: "my charger caught fire"},
//				Want: respondtest.Want{Priority: respond.P1, Fired: []string{"critical"}}},
//			{Name: "spam gets no reply", Post: hark.Post{ID: "2", Text: "FREE followers, click here"},
//				Want: respondtest.Want{Suppressed: true, NoReply: true}},
//		})
//		pt.RequireCoverage(t) // every rule fired in some case
//	}
//
// Cases can also live in a YAML file that the authors of a policy write
// without Go ([LoadCases], [Tester.RunFile]), and whole sets of decisions
// can be pinned in a golden file ([Golden]).
package respondtest
