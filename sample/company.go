package sample

import (
	"slices"
	"time"
)

// Facts is the script of the sample week: what a test of another package
// may rely on being in it. [Script] returns it.
type Facts struct {
	// Brand is the company's name, "Kestrel": a fictional consumer
	// electronics retailer with its own products, an app, a payment card
	// and stores in 17 cities.
	Brand string `json:"brand"`
	// Handles are the company's own handles, as posts mention them
	// ("@kestrel" and its support account "@kestrelhelp"), and its
	// accounts' Author.Handle. Posts by these handles are the company
	// speaking.
	Handles []string `json:"handles"`
	// Accounts are the company's own accounts.
	Accounts []Persona `json:"accounts"`
	// Start and End bound the week: every post has Start <= Created < End.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Sources are the sources posts come from, sorted.
	Sources []string `json:"sources"`
	// Products are the company's products and services.
	Products []Product `json:"products"`
	// Stores are the company's stores.
	Stores []Store `json:"stores"`
	// Incident is the payment outage of day 5.
	Incident Incident `json:"incident"`
	// The scripted personas, by role. Each is one author account.
	HighReach  []Persona `json:"high_reach"` // a tech journalist, a YouTuber, a podcaster, a news outlet
	Advocates  []Persona `json:"advocates"`  // loyal customers who post praise again and again
	Detractors []Persona `json:"detractors"` // customers who post complaints again and again
	Helpers    []Persona `json:"helpers"`    // customers who answer other customers' questions
	Bots       []Persona `json:"bots"`       // spam accounts: young, odd follower ratios, bursts of near-duplicates
}

// A Product is one of the company's products or services.
type Product struct {
	Key      string `json:"key"`      // stable lower-case key, "kestrelpay"
	Name     string `json:"name"`     // as people write it, "KestrelPay"
	Category string `json:"category"` // "phone", "laptop", "payment", ...
	// Aliases are the words (lower case, matched as whole words) by which
	// the sample's labels recognise a mention of the product.
	Aliases []string `json:"aliases"`
}

// A Store is one of the company's stores, one per city.
type Store struct {
	Key     string `json:"key"`     // stable lower-case key, "manchester"
	Name    string `json:"name"`    // "Kestrel Manchester"
	City    string `json:"city"`    // "Manchester"
	Country string `json:"country"` // ISO 3166-1 alpha-2, "GB"
	Lang    string `json:"lang"`    // the language most of its customers write in
	// Aliases are other names of the city (lower case), as in "münchen".
	Aliases []string `json:"aliases,omitempty"`
}

// An Incident is a scripted event many people post about.
type Incident struct {
	// Key is the topic the incident is about, "payment", and Product the
	// key of the product at its centre, "kestrelpay". Tags are the hashtags
	// people use for it.
	Key     string   `json:"key"`
	Product string   `json:"product"`
	Tags    []string `json:"tags"`
	Summary string   `json:"summary"`
	// Start is when the outage begins; the first post follows within
	// minutes. Few posts come in its first half hour, then volume and
	// negativity rise for hours. PeakStart and PeakEnd bound the busiest
	// hours, Restored is when payments work again, and End is when the
	// last post about it is written. The company posts nothing between
	// Start and End.
	Start     time.Time `json:"start"`
	PeakStart time.Time `json:"peak_start"`
	PeakEnd   time.Time `json:"peak_end"`
	Restored  time.Time `json:"restored"`
	End       time.Time `json:"end"`
	// Stores are the keys of the stores where payments failed.
	Stores []string `json:"stores"`
}

// A Persona is a scripted author.
type Persona struct {
	Role      string `json:"role"` // "journalist", "youtuber", "podcaster", "outlet", "advocate", "detractor", "helper", "bot", "brand"
	Source    string `json:"source"`
	AuthorID  string `json:"author_id"` // hark.Author.ID
	Handle    string `json:"handle"`    // hark.Author.Handle
	Name      string `json:"name"`
	Followers int64  `json:"followers"`
}

var (
	weekStart = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	weekEnd   = weekStart.AddDate(0, 0, 7)
	day5      = weekStart.AddDate(0, 0, 4) // Friday
)

// products are the company's products.
func products() []Product {
	return []Product{
		{Key: "aero", Name: "Kestrel Aero 6", Category: "phone", Aliases: []string{"aero", "aero 6", "aeros"}},
		{Key: "kestrelbook", Name: "KestrelBook Air", Category: "laptop", Aliases: []string{"kestrelbook", "kestrel laptop", "kestrel laptops"}},
		{Key: "buds", Name: "Kestrel Buds Pro", Category: "earbuds", Aliases: []string{"buds", "buds pro"}},
		{Key: "halo", Name: "Kestrel Halo", Category: "smart speaker", Aliases: []string{"halo", "halos", "halo max"}},
		{Key: "pulse", Name: "Kestrel Pulse 3", Category: "smartwatch", Aliases: []string{"pulse", "pulse 3"}},
		{Key: "vista", Name: "Kestrel Vista", Category: "tv", Aliases: []string{"vista", "vista 55", "vista 65"}},
		{Key: "app", Name: "Kestrel app", Category: "app", Aliases: []string{"kestrel app", "the app", "new app", "app", "appli", "aplicación"}},
		{Key: "kestrelpay", Name: "KestrelPay", Category: "payment", Aliases: []string{"kestrelpay", "card machine", "card machines", "card reader", "card terminal", "card terminals", "card payments", "terminal", "terminals"}},
		{Key: "care", Name: "Kestrel Care", Category: "repair", Aliases: []string{"kestrel care"}},
		{Key: "plus", Name: "Kestrel Plus", Category: "membership", Aliases: []string{"kestrel plus"}},
	}
}

// stores are the company's stores. The first ones of each language are
// the ones a {city} slot of a text in that language is filled with.
func stores() []Store {
	return []Store{
		{Key: "london", Name: "Kestrel London", City: "London", Country: "GB", Lang: "en"},
		{Key: "manchester", Name: "Kestrel Manchester", City: "Manchester", Country: "GB", Lang: "en"},
		{Key: "leeds", Name: "Kestrel Leeds", City: "Leeds", Country: "GB", Lang: "en"},
		{Key: "bristol", Name: "Kestrel Bristol", City: "Bristol", Country: "GB", Lang: "en"},
		{Key: "birmingham", Name: "Kestrel Birmingham", City: "Birmingham", Country: "GB", Lang: "en"},
		{Key: "glasgow", Name: "Kestrel Glasgow", City: "Glasgow", Country: "GB", Lang: "en"},
		{Key: "dublin", Name: "Kestrel Dublin", City: "Dublin", Country: "IE", Lang: "en"},
		{Key: "madrid", Name: "Kestrel Madrid", City: "Madrid", Country: "ES", Lang: "es"},
		{Key: "barcelona", Name: "Kestrel Barcelona", City: "Barcelona", Country: "ES", Lang: "es"},
		{Key: "paris", Name: "Kestrel Paris", City: "Paris", Country: "FR", Lang: "fr"},
		{Key: "lyon", Name: "Kestrel Lyon", City: "Lyon", Country: "FR", Lang: "fr"},
		{Key: "berlin", Name: "Kestrel Berlin", City: "Berlin", Country: "DE", Lang: "de"},
		{Key: "munich", Name: "Kestrel Munich", City: "Munich", Country: "DE", Lang: "de", Aliases: []string{"münchen"}},
		{Key: "lisbon", Name: "Kestrel Lisbon", City: "Lisbon", Country: "PT", Lang: "pt", Aliases: []string{"lisboa"}},
		{Key: "porto", Name: "Kestrel Porto", City: "Porto", Country: "PT", Lang: "pt"},
		{Key: "amsterdam", Name: "Kestrel Amsterdam", City: "Amsterdam", Country: "NL", Lang: "nl"},
		{Key: "milan", Name: "Kestrel Milan", City: "Milan", Country: "IT", Lang: "it", Aliases: []string{"milano"}},
	}
}

// incident is the script of the day-5 payment outage.
func incident() Incident {
	at := func(h, m int) time.Time { return day5.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	return Incident{
		Key:     "payment",
		Product: "kestrelpay",
		Tags:    []string{"#KestrelDown"},
		Summary: "Card terminals and KestrelPay cards fail at checkout in most Kestrel stores for about eight hours; " +
			"some customers are charged for failed payments; the company says nothing.",
		Start:     at(11, 50),
		PeakStart: at(16, 0),
		PeakEnd:   at(19, 0),
		Restored:  at(19, 40),
		End:       at(21, 30),
		Stores: []string{"london", "manchester", "leeds", "bristol", "glasgow", "madrid", "barcelona",
			"paris", "lyon", "berlin", "munich", "lisbon", "porto", "amsterdam", "milan"},
	}
}

// Script returns the facts of the sample week. It is a fresh copy.
func Script() Facts {
	f := mustData().facts
	f.Handles = slices.Clone(f.Handles)
	f.Accounts = slices.Clone(f.Accounts)
	f.Sources = slices.Clone(f.Sources)
	f.Products = products()
	f.Stores = stores()
	f.Incident.Tags = slices.Clone(f.Incident.Tags)
	f.Incident.Stores = slices.Clone(f.Incident.Stores)
	f.HighReach = slices.Clone(f.HighReach)
	f.Advocates = slices.Clone(f.Advocates)
	f.Detractors = slices.Clone(f.Detractors)
	f.Helpers = slices.Clone(f.Helpers)
	f.Bots = slices.Clone(f.Bots)
	return f
}

// RoleOf returns the scripted role of the author with the given
// hark.Author.ID ("brand", "journalist", "youtuber", "podcaster",
// "outlet", "advocate", "detractor", "helper" or "bot"), or "" for an
// ordinary customer.
func (f Facts) RoleOf(authorID string) string {
	for _, ps := range [][]Persona{f.Accounts, f.HighReach, f.Advocates, f.Detractors, f.Helpers, f.Bots} {
		for _, p := range ps {
			if p.AuthorID == authorID {
				return p.Role
			}
		}
	}
	return ""
}
