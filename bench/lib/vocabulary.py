"""Word lists for realistic bench data: international names, companies, titles, tags."""

FIRST_NAMES = """
Aaliyah Aaron Abigail Adam Adrian Ahmed Aisha Alejandro Alexander Alice Amara Amelia Ana Andrea
Andrew Anna Antoine Aria Arjun Ava Benjamin Bianca Camila Carlos Caroline Charlotte Chen Chloe
Christopher Clara Daniel David Diego Dmitri Elena Elif Elijah Elizabeth Ella Emily Emma Ethan
Eva Fatima Felix Fernando Freya Gabriel Giulia Grace Hannah Harper Hassan Henry Hiroshi Hugo
Ingrid Isaac Isabella Ivan Jack Jacob James Javier Jessica Jing John Jonas Jose Joshua Julia
Kai Karim Katarzyna Kenji Khalid Laura Layla Leila Leo Liam Lina Lucas Lucia Luis Luka Maria
Mariam Mark Mateo Matthew Maya Mei Mia Michael Mohammed Nadia Natalia Nathan Nina Noah Nora
Olga Oliver Olivia Omar Oscar Pablo Paul Pedro Priya Rafael Rahul Rania Rebecca Ricardo Rosa
Ryan Samuel Sara Sebastian Sofia Sophie Stefan Sven Tariq Thomas Tomas Valentina Victor Wei
William Yara Yasmin Yuki Yusuf Zara Zoe
""".split()

LAST_NAMES = """
Abbott Adams Ahmed Ali Alvarez Andersen Anderson Bailey Baker Becker Bennett Bernard Brown
Bruno Campbell Carter Castillo Chen Clark Collins Cooper Costa Cruz Dubois Diaz Dimitrov Evans
Fernandez Fischer Flores Fontaine Garcia Gomez Gonzalez Gray Green Gupta Hall Hansen Harris
Hernandez Hill Hoffmann Hughes Ivanov Jackson Jansen Jensen Johnson Jones Kaur Khan Kim King
Koch Kowalski Kumar Larsen Lee Lewis Li Lopez Martin Martinez Meyer Miller Mitchell Moore
Moreau Morris Muller Murphy Nakamura Nelson Nguyen Nielsen Novak Okafor Olsen Ortiz Park
Patel Perez Peters Petrov Phillips Ramirez Reyes Richter Rivera Roberts Robinson Rodriguez
Rossi Russo Sanchez Santos Sato Schmidt Schneider Scott Shah Silva Singh Smith Suzuki Tanaka
Taylor Thomas Thompson Torres Turner Walker Wang Watanabe Weber Williams Wilson Wright Wu
Yamamoto Yilmaz Young Zhang Zimmermann
""".split()

COMPANY_PREFIXES = """
Acme Alpine Apex Arcadia Atlas Aurora Azure Beacon Birch Blue Bright Cedar Cobalt Crescent
Crystal Delta Ember Evergreen Falcon Fjord Frontier Golden Granite Harbor Horizon Indigo Iron
Juniper Keystone Lakeside Lumen Maple Meridian Nimbus North Northwind Oak Orion Pacific
Pinnacle Polaris Prairie Quantum Redwood Ridge River Sierra Silver Solstice Spruce Summit
Sterling Terra Titan Trident Union Vertex Vista Willow Zenith
""".split()

COMPANY_NOUNS = """
Analytics Bakery Builders Capital Clinics Consulting Dental Design Digital Dynamics Energy
Engineering Foods Freight Group Health Holdings Hotels Industries Insurance Labs Legal
Logistics Manufacturing Media Motors Partners Pharma Properties Realty Retail Robotics
Software Solutions Studios Systems Technologies Trading Travel Ventures Wellness Works
""".split()

COMPANY_SUFFIXES = ["", "", "", "", " Inc", " LLC", " Ltd", " GmbH", " SA", " BV", " Co"]

BUSINESS_TLDS = ["com", "com", "com", "com", "io", "co", "net", "de", "co.uk", "fr", "nl"]

FREE_DOMAINS = [
    ("gmail.com", 40),
    ("yahoo.com", 10),
    ("hotmail.com", 9),
    ("outlook.com", 12),
    ("icloud.com", 7),
    ("proton.me", 3),
    ("gmx.net", 3),
    ("aol.com", 2),
    ("live.com", 3),
]

JOB_TITLES = """
CEO|CTO|CFO|COO|Founder|Co-founder|Owner|Managing Director|VP Sales|VP Marketing|
Head of Operations|Head of IT|IT Manager|Procurement Manager|Purchasing Lead|Office Manager|
Marketing Manager|Sales Manager|Operations Manager|Product Manager|Project Manager|
Finance Director|HR Manager|Facilities Manager|Engineering Manager|Consultant|Analyst|
Account Executive|Business Development Manager|Director|Buyer|Administrator
""".replace("\n", "").split("|")

# (calling code, national number length) — normalised E.164 like tenancy.validators.normalize_phone.
PHONE_FORMATS = [
    ("+1", 10, 38),
    ("+44", 10, 14),
    ("+49", 11, 10),
    ("+33", 9, 8),
    ("+34", 9, 5),
    ("+39", 10, 5),
    ("+31", 9, 5),
    ("+91", 10, 7),
    ("+61", 9, 4),
    ("+971", 9, 4),
]

TAGS = [
    # name, weight (how often a tagged lead carries it)
    ("newsletter", 18),
    ("webinar", 12),
    ("trade-show", 8),
    ("inbound", 14),
    ("follow-up", 12),
    ("smb", 10),
    ("enterprise", 6),
    ("vip", 3),
    ("decision-maker", 5),
    ("budget-approved", 4),
    ("partner", 3),
    ("competitor-user", 4),
    ("churn-risk", 2),
    ("high-value", 3),
    ("price-sensitive", 5),
    ("referral-program", 3),
]

NOTES = [
    "Asked for a call back next week.",
    "Interested in the annual plan; needs a quote.",
    "Met at the trade show booth.",
    "Requested a product demo for the team.",
    "Budget is approved for next quarter.",
    "Comparing us with two other vendors.",
    "Prefers email over phone.",
    "Decision expected after the board meeting.",
    "Downloaded the pricing sheet.",
    "Wants references from customers in the same industry.",
    "Left a voicemail, no answer yet.",
    "Needs integration with their accounting system.",
]

TENANT_NAMES = [
    "Atlas Logistics",
    "Brightwave Dental",
    "Cedar & Pine Realty",
    "Delta Freight",
    "Evergreen Wellness",
    "Falcon Motors",
    "Granite Legal",
    "Harbor Hotels",
    "Indigo Studios",
    "Juniper Health",
    "Keystone Insurance",
    "Lumen Software",
    "Maple Bakery",
    "Meridian Travel",
    "Nimbus Analytics",
    "Oakridge Academy",
    "Orion Robotics",
    "Pacific Foods",
    "Pinnacle Fitness",
    "Polaris Energy",
    "Quantum Labs",
    "Redwood Consulting",
    "Sierra Outdoor",
    "Silverline Media",
    "Solstice Beauty",
    "Summit Builders",
    "Terra Farms",
    "Titan Manufacturing",
    "Trident Finance",
    "Union Retail",
    "Vertex Digital",
    "Vista Properties",
    "Willow Clinics",
    "Zenith Pharma",
    "Alpine Ski School",
    "Azure Pools",
    "Beacon Security",
    "Birch Furniture",
    "Cobalt Engineering",
    "Crescent Events",
    "Ember Restaurants",
    "Fjord Shipping",
    "Frontier Telecom",
    "Golden Gate Travel",
    "Horizon Solar",
    "Iron Gym",
    "Lakeside Vets",
    "Northwind Traders",
    "Prairie Nonprofit",
    "Spruce Education",
]

INDUSTRIES = [
    "retail",
    "ecommerce",
    "restaurant",
    "healthcare",
    "education",
    "technology",
    "finance",
    "real_estate",
    "travel",
    "beauty",
    "fitness",
    "automotive",
    "consulting",
    "legal",
    "manufacturing",
    "media",
    "other",
]

TIMEZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Sydney",
]
