package webhook_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/webhook"
)

func Example() {
	secret := []byte("app-secret")
	inbox, err := webhook.New(webhook.Config{Secret: secret, VerifyToken: "my-token", Wait: -1})
	if err != nil {
		panic(err)
	}
	// In production: http.Handle("/hooks/meta", inbox), and Stream(ctx, inbox).
	body := []byte(`{"object":"instagram","entry":[{"id":"1784","time":1771284000,"changes":[
		{"field":"comments","value":{"from":{"id":"23","username":"jetsetjane"},
		 "media":{"id":"1788","media_product_type":"FEED"},"id":"1786","text":"Lost my bag again"}}]}]}`)
	w := httptest.NewRecorder()
	inbox.ServeHTTP(w, listentest.SignedRequest("/hooks/meta", secret, body))
	fmt.Println("delivery:", w.Code)

	b, _ := inbox.Fetch(context.Background(), "")
	for _, p := range b.Posts {
		fmt.Println(p.Source, p.ID, p.Author.Handle, p.Text)
	}
	// Output:
	// delivery: 200
	// instagram 1786 @jetsetjane Lost my bag again
}
