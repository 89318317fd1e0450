"""Word lists for the custom-field data set's text fields, and which list or shape each known
text field draws from (others: a short free note)."""

from bench.lib.vocabulary import FIRST_NAMES, JOB_TITLES

CITIES = """Berlin Hamburg Munich Cologne Frankfurt Stuttgart Dusseldorf Leipzig Dortmund Essen
Bremen Dresden Hanover Nuremberg Duisburg Bochum Wuppertal Bielefeld Bonn Munster Mannheim
Karlsruhe Augsburg Wiesbaden Aachen Kiel Freiburg Lubeck Erfurt Rostock Mainz Kassel Potsdam
London Manchester Birmingham Leeds Glasgow Liverpool Bristol Edinburgh Cardiff Belfast Paris
Lyon Marseille Toulouse Nice Nantes Strasbourg Bordeaux Lille Rennes Madrid Barcelona Valencia
Seville Bilbao Malaga Rome Milan Naples Turin Florence Bologna Venice Amsterdam Rotterdam Utrecht
Eindhoven Brussels Antwerp Ghent Vienna Graz Linz Zurich Geneva Basel Bern Lausanne Copenhagen
Aarhus Stockholm Gothenburg Malmo Oslo Bergen Helsinki Tampere Warsaw Krakow Wroclaw Gdansk Poznan
Prague Brno Budapest Debrecen Lisbon Porto Dublin Cork Athens Thessaloniki Bucharest Cluj Sofia
Zagreb Ljubljana Bratislava Vilnius Riga Tallinn Istanbul Ankara Izmir Dubai AbuDhabi Doha
Riyadh Cairo Casablanca Lagos Nairobi Johannesburg CapeTown Mumbai Delhi Bangalore Chennai
Hyderabad Pune Singapore KualaLumpur Bangkok Jakarta Manila Tokyo Osaka Seoul Busan Shanghai
Beijing Shenzhen HongKong Taipei Sydney Melbourne Brisbane Perth Auckland Toronto Montreal
Vancouver Calgary NewYork Chicago Boston Seattle Austin Denver Miami Atlanta Dallas Houston
Phoenix SanDiego SanFrancisco LosAngeles Portland Minneapolis Detroit MexicoCity SaoPaulo
BuenosAires Santiago Lima Bogota""".split()
COUNTRIES = """Germany UnitedKingdom France Spain Italy Netherlands Belgium Austria Switzerland
Denmark Sweden Norway Finland Poland Czechia Hungary Portugal Ireland Greece Romania Bulgaria
Croatia Slovenia Slovakia Lithuania Latvia Estonia Turkey UAE Qatar SaudiArabia Egypt Morocco
Nigeria Kenya SouthAfrica India Singapore Malaysia Thailand Indonesia Philippines Japan
SouthKorea China Taiwan Australia NewZealand Canada USA Mexico Brazil Argentina Chile Peru
Colombia""".split()
TEXT_LISTS = {
    "crops": "Wheat Barley Maize Rapeseed Potatoes SugarBeet Soy Oats Rye Sunflower Grapes Apples "
    "Hops Vegetables Dairy Beef Poultry Pork".split(),
    "sectors": "Banking Insurance Retail Logistics Healthcare Pharma Energy Telecom Automotive "
    "PublicSector Education Media Hospitality RealEstate Manufacturing Software Agriculture "
    "Construction Chemicals Aerospace".split(),
    "cars": "Golf Polo Passat Tiguan Corolla Yaris RAV4 Civic CR-V Model3 ModelY Focus Fiesta "
    "Kuga Clio Megane 208 308 3008 Octavia Fabia Superb i30 Tucson Sportage Ceed Qashqai Juke "
    "A3 A4 Q5 320i X3 C-Class GLC Fiat500 Panda Leaf Zoe".split(),
    "dishes": "Margherita Carbonara Lasagne Risotto Ramen Sushi PadThai Curry Burger Steak Tacos "
    "Falafel Hummus Paella Schnitzel Goulash CaesarSalad FishAndChips Pho Bibimbap".split(),
    "allergens": "None Peanuts TreeNuts Milk Eggs Wheat Soy Fish Shellfish Sesame Pollen Latex "
    "Penicillin Dust".split(),
    "topics": "Politics Business Technology Science Sport Culture Travel Food Health Finance "
    "Fashion Motoring Property Education Environment".split(),
    "referrals": "Google Friend Instagram Facebook Newspaper Radio Event Flyer Podcast TikTok "
    "LinkedIn YouTube Billboard Other".split(),
    "conditions": "None Asthma Diabetes Hypertension Arthritis Migraine Eczema Allergy Thyroid "
    "Depression COPD HeartDisease".split(),
    "languages_text": "English German French Spanish Italian Dutch Polish Turkish Arabic".split(),
}

# Which word list or shape each known text field draws from (others: a short free note).
TEXT_KIND = {
    "city": ("zipf", CITIES),
    "preferred_area": ("zipf", CITIES),
    "preferred_destination": ("zipf", CITIES),
    "region": ("zipf", COUNTRIES),
    "shipping_country": ("zipf", COUNTRIES),
    "country": ("zipf", COUNTRIES),
    "main_crop": ("zipf", TEXT_LISTS["crops"]),
    "industry_sector": ("zipf", TEXT_LISTS["sectors"]),
    "vehicle_model": ("zipf", TEXT_LISTS["cars"]),
    "favorite_dish": ("zipf", TEXT_LISTS["dishes"]),
    "allergies": ("zipf", TEXT_LISTS["allergens"]),
    "topics_of_interest": ("zipf", TEXT_LISTS["topics"]),
    "referral_source": ("zipf", TEXT_LISTS["referrals"]),
    "chronic_conditions": ("zipf", TEXT_LISTS["conditions"]),
    "preferred_stylist": ("zipf", FIRST_NAMES[:40]),
    "occupation": ("zipf", JOB_TITLES),
    "referred_by": ("name", None),
    "medical_id": ("code", "ID"),
    "student_id": ("code", "S"),
    "frequent_flyer_number": ("code", "FF"),
    "license_plate": ("plate", None),
    "case_number": ("code", "CASE-"),
    "account_number": ("code", "AC"),
    "customer_code": ("code", "C-"),
}
NOTE_PARTS = (
    "Prefers morning appointments|Call before visiting|Pays by invoice|Speaks Spanish|"
    "Asked about the new range|Price sensitive|Regular since 2019|Moved recently|"
    "Wants paper receipts|Referred two friends|Complained about delivery|Very satisfied|"
    "Interested in upgrades|Seasonal buyer|Corporate account contact"
).split("|")
