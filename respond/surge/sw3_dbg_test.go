package surge

import (
	"fmt"
	"testing"
	"time"

	"github.com/harkhq/hark/sample"
)

func TestDbgSampleKey(t *testing.T) {
	posts := sample.Week()
	labels := sample.Labels()
	inc := sample.Script().Incident.Start
	d := New(Config{})
	for _, p := range posts {
		l := labels[p.ID]
		o := Observation{Keys: []string{"brand:kestrel"}, Time: p.Created, Negative: l.Label == "negative", PostID: p.ID, Terms: Terms(p.Text, 12)}
		for _, pr := range l.Products {
			o.Keys = append(o.Keys, "product:"+pr)
		}
		if p.Created.After(inc.Add(-20*time.Minute)) && p.Created.Before(inc.Add(50*time.Minute)) {
			k := d.keys["product:kestrelpay"]
			b := d.keys["brand:kestrel"]
			fmt.Printf("%s inc=%v neg=%v %v | kp: exp %.3f p %.2f g %.2f cus %.2f od %.2f n %d neg %d | brand exp %.2f p %.2f g %.2f cus %.2f\n", p.Created.Format("15:04"), l.Incident, o.Negative, l.Products,
				k.bucketExp, k.ng.p, k.ng.g, k.ng.cusum, k.ng.od, k.n, k.neg, b.bucketExp, b.ng.p, b.ng.g, b.ng.cusum)
		}
		for _, a := range d.Observe(o) {
			if a.At.After(inc.Add(-time.Hour)) && a.At.Before(inc.Add(2*time.Hour)) {
				fmt.Println("ALERT", a.At.Format("15:04"), a.Key, a.Kind, a.Observed, a.Expected)
			}
		}
	}
}
