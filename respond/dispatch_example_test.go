package respond_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
)

// A post at 16:45 on a Friday with a 30-minute target, in a 9-17 week, is
// due on Monday at 09:15.
func ExampleCalendar_Add() {
	ny, _ := time.LoadLocation("America/New_York")
	cal := respond.OfficeHours(ny, 9*time.Hour, 17*time.Hour)
	fri := time.Date(2026, 11, 27, 16, 45, 0, 0, ny)
	fmt.Println(cal.Add(fri, 30*time.Minute).Format("Mon 15:04"))
	// Output: Mon 09:15
}

// fakeClock is a clock the example moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func ExampleTracker() {
	ctx := context.Background()
	sla := respond.BusinessSLA{
		Calendar: respond.OfficeHours(time.UTC, 9*time.Hour, 17*time.Hour),
		Targets:  map[respond.Priority]respond.Target{respond.P2: {Within: 2 * time.Hour}},
	}
	clock := &fakeClock{t: time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)} // a Friday
	tr := respond.NewTracker(sla, nil, clock)
	if _, err := tr.Start(ctx, "post-1", respond.P2, time.Time{}); err != nil {
		fmt.Println(err)
		return
	}
	print := func(_ context.Context, e respond.SLAEvent) error {
		fmt.Println(e.Kind, e.Key, e.At.Format("Mon 15:04"))
		return nil
	}
	clock.t = clock.t.AddDate(0, 0, 3) // Monday 16:00
	_ = tr.Check(ctx, print)
	// Output:
	// warn post-1 Mon 09:30
	// breach post-1 Mon 10:00
}

func ExampleDispatcher() {
	ctx := context.Background()
	printer := respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		fmt.Printf("%s -> %s\n", m.Kind, m.Subject)
		return nil
	})
	d := respond.NewDispatcher(respond.Routes{"alert": printer, "reply": printer})
	dec := respond.Decision{
		PostID: "p1", Priority: respond.P2,
		Actions: []respond.Action{
			{Kind: respond.ActAlert, Channel: "#support", Rule: "complaint"},
			{Kind: respond.ActReply, Template: "sorry", Rule: "complaint"},
			{Kind: respond.ActTag, Tag: "billing", Rule: "complaint"},
		},
		Reply: "Sorry to hear that, we are looking into it.",
		Case:  respond.Case{Post: hark.Post{ID: "p1", Source: "bluesky", Text: "charged twice"}},
	}
	for range 2 { // the second time, nothing is sent again
		rep, err := d.Do(ctx, dec)
		if err != nil {
			fmt.Println(err)
		}
		for _, r := range rep.Results {
			fmt.Println(" ", r.Action.Kind, r.Outcome)
		}
	}
	// Output:
	// alert -> [P2] alert #support: post p1 on bluesky
	// reply -> [P2] reply sorry: post p1 on bluesky
	//   alert sent
	//   reply sent
	//   tag skipped
	//   alert duplicate
	//   reply duplicate
	//   tag skipped
}

// A receiver checks a Webhook's signature over the raw body before trusting
// it.
func ExampleVerifySignature() {
	secret := []byte("whsec_example")
	body := []byte(`{"key":"3f2a","kind":"alert"}`)
	sent := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	header := respond.Sign(secret, sent, body) // what Webhook puts in Hark-Signature

	fmt.Println(respond.VerifySignature(secret, header, body, sent.Add(30*time.Second), 0))
	fmt.Println(respond.VerifySignature(secret, header, []byte(`{"key":"3f2a","kind":"reply"}`), sent, 0))
	// Output:
	// <nil>
	// respond: signature does not match
}
