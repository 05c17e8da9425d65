package sample

import "strings"

// Given and family names by language, for the sample's made-up authors.
var givenNames = map[string][]string{
	"en": {"Olivia", "Jack", "Amelia", "Harry", "Isla", "Oscar", "Ava", "George", "Mia", "Noah", "Grace", "Leo",
		"Chloe", "Arthur", "Ella", "Freddie", "Sophie", "Alfie", "Lily", "Theo", "Priya", "Aiden", "Zara", "Mohammed",
		"Fatima", "Connor", "Niamh", "Callum", "Siobhan", "Kwame", "Adaeze", "Ravi", "Anika", "Tom", "Beth", "Dan",
		"Kirsty", "Gareth", "Rhys", "Megan", "Liam", "Ciara", "Sam", "Jess", "Marcus", "Hannah", "Owen", "Ruth"},
	"es": {"Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Pablo", "Carmen", "Javier", "Elena", "Diego", "Paula", "Álvaro", "Nuria", "Sergio"},
	"fr": {"Léa", "Lucas", "Chloé", "Hugo", "Manon", "Louis", "Camille", "Jules", "Inès", "Théo", "Sarah", "Antoine"},
	"de": {"Mia", "Ben", "Emma", "Paul", "Hannah", "Leon", "Lea", "Finn", "Anna", "Jonas", "Lena", "Felix", "Jürgen", "Sabine"},
	"pt": {"Beatriz", "João", "Mariana", "Tiago", "Inês", "Rodrigo", "Carolina", "Duarte", "Leonor", "Gonçalo"},
	"it": {"Giulia", "Marco", "Chiara", "Luca", "Francesca", "Matteo", "Sara", "Andrea"},
	"nl": {"Sanne", "Daan", "Emma", "Bram", "Lotte", "Sem", "Fleur", "Jesse"},
	"pl": {"Zofia", "Jakub", "Maja", "Kacper"},
	"ja": {"Yuki", "Haruto", "Aoi", "Ren"},
	"sv": {"Astrid", "Erik", "Elsa", "Oskar"},
}

var familyNames = map[string][]string{
	"en": {"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
		"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Okafor",
		"Murphy", "O'Brien", "Kelly", "Byrne", "Campbell", "MacLeod", "Ahmed", "Singh", "Mensah", "Hughes", "Lewis"},
	"es": {"García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Díaz", "Moreno", "Romero", "Navarro"},
	"fr": {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre"},
	"de": {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch"},
	"pt": {"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa"},
	"it": {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"},
	"nl": {"de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser"},
	"pl": {"Nowak", "Kowalski", "Wiśniewski", "Wójcik"},
	"ja": {"Sato", "Suzuki", "Takahashi", "Tanaka"},
	"sv": {"Andersson", "Johansson", "Karlsson", "Nilsson"},
}

// asciiFold maps the accented letters of the name lists to ASCII, for handles.
var asciiFold = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ã", "a", "ä", "a", "Á", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ï", "i", "ó", "o", "ô", "o", "õ", "o", "ö", "o",
	"ú", "u", "ü", "u", "ç", "c", "ñ", "n", "ś", "s", "ß", "ss",
	"'", "", " ", "", "-", "",
)
