"""Reference data of the demo: the personas and their logins, and the names, countries,
currencies, products and partner profiles that the generated data is drawn from."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "portal-demo"  # noqa: S105 - the documented demo login, not a secret
HISTORY_MONTHS = 24
ACME = "Acme Growth Agency"
GLOBEX = "Globex Digital"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_LOGINS = (
    DemoLogin("admin@example.com", "program admin (Django admin)"),
    DemoLogin("alice@acme.example", f"super admin of {ACME}"),
    DemoLogin("bob@acme.example", f"user of {ACME}"),
    DemoLogin("carol@globex.example", f"super admin of {GLOBEX}"),
)


CURRENCY_OF = {
    "US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "DE": "EUR", "FR": "EUR", "NL": "EUR",
    "ES": "EUR", "IE": "EUR", "IT": "EUR", "AT": "EUR", "BE": "EUR", "SG": "SGD", "JP": "JPY",
    "ZA": "ZAR", "CO": "COP",
}  # fmt: skip

LEGAL_SUFFIX = {
    "US": ("Inc.", "LLC", "Co."), "GB": ("Ltd",), "CA": ("Inc.", "Ltd"), "AU": ("Pty Ltd",),
    "DE": ("GmbH",), "AT": ("GmbH",), "FR": ("SAS",), "NL": ("B.V.",), "BE": ("BV",),
    "ES": ("S.L.",), "IT": ("S.r.l.",), "IE": ("Ltd",), "SG": ("Pte Ltd",), "JP": ("K.K.",),
    "ZA": ("(Pty) Ltd",), "BR": ("Ltda.",), "MX": ("S.A. de C.V.",), "CO": ("S.A.S.",),
    "AR": ("S.R.L.",), "CL": ("SpA",), "PE": ("S.A.C.",), "IN": ("Pvt Ltd",),
    "PH": ("Inc.",), "ID": ("PT",), "VN": ("JSC",), "NZ": ("Ltd",), "MY": ("Sdn Bhd",),
}  # fmt: skip

TLD = {
    "US": ".com", "GB": ".co.uk", "CA": ".ca", "AU": ".com.au", "DE": ".de", "AT": ".at",
    "FR": ".fr", "NL": ".nl", "BE": ".be", "ES": ".es", "IT": ".it", "IE": ".ie", "SG": ".sg",
    "JP": ".jp", "ZA": ".co.za", "BR": ".com.br", "MX": ".mx", "CO": ".co", "AR": ".com.ar",
    "CL": ".cl", "PE": ".pe", "IN": ".in", "PH": ".ph", "ID": ".co.id", "VN": ".vn",
    "NZ": ".co.nz", "MY": ".my",
}  # fmt: skip

ADJECTIVES = (
    "Blue", "Summit", "Bright", "Cedar", "Golden", "Iron", "Lakeside", "Maple", "North", "Oak",
    "Pioneer", "Quartz", "Red", "Silver", "Stone", "True", "Urban", "Vista", "West", "Willow",
    "Crimson", "Harbor", "Highland", "Liberty", "Meridian", "Nova", "Orchid", "Prairie", "Rapid",
    "Sterling", "Coastal", "Evergreen", "Granite", "Juniper", "Keystone", "Lumen", "Mosaic",
    "Pacific", "Riverbend", "Sunrise",
)  # fmt: skip
NOUNS = (
    "Analytics", "Bakery", "Bikes", "Builders", "Capital", "Clinic", "Coffee", "Dental",
    "Energy", "Fitness", "Foods", "Freight", "Furniture", "Health", "Homes", "Insurance",
    "Labs", "Legal", "Logistics", "Media", "Motors", "Outdoor", "Pharma", "Print", "Realty",
    "Robotics", "Software", "Solar", "Studios", "Supply", "Systems", "Textiles", "Tours",
    "Travel", "Ventures", "Wellness", "Wines", "Apparel", "Learning", "Security",
)  # fmt: skip

HUBS = (
    "Marketing Hub", "Sales Hub", "Service Hub", "Content Hub", "Operations Hub",
    "Commerce Hub",
)  # fmt: skip
EDITIONS = ("Starter", "Pro", "Enterprise")

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sofia", "Mateo", "Mia", "Arjun", "Priya",
    "Kenji", "Yuki", "Lena", "Jonas", "Chloe", "Hugo", "Camila", "Diego", "Aisha", "Omar",
    "Grace", "Ethan", "Isla", "Finn", "Zara", "Ravi", "Ana", "Tomás", "Maya", "Leo", "Nina",
    "Samuel", "Elena", "Daniel", "Hannah", "Marco", "Julia", "Kai", "Rosa",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Brown", "García", "Martínez", "Silva", "Santos", "Müller", "Schmidt",
    "Dubois", "Rossi", "Tanaka", "Sato", "Patel", "Sharma", "Nguyen", "Kim", "Reyes", "Walker",
    "O'Brien", "Murphy", "Cohen", "Novak", "Jansen", "de Vries", "Okafor", "Mensah", "López",
    "Fernández", "Khan",
)  # fmt: skip
RENEWAL_MANAGERS = (
    "Jordan Ellis", "Sam Whitaker", "Priscila Moura", "Hana Kobayashi", "Tobias Lindqvist",
    "Fatima Haddad",
)  # fmt: skip

PDMS = (
    (
        "Dana Whitfield",
        "dana.whitfield@vendor.example",
        "Dana has looked after North American agencies for six years. She runs the quarterly "
        "business reviews, helps partners plan their path to the next tier and connects them with "
        "the vendor's sales teams for shared-selling opportunities. Ask her about co-marketing "
        "funds, certification tracks and introductions to enterprise prospects.",
    ),
    (
        "Rafael Okafor",
        "rafael.okafor@vendor.example",
        "Rafael supports partners across Latin America and the growth markets. A former agency "
        "owner, he coaches teams on packaging onboarding and managed services, on pricing in "
        "local currencies and on using the growth-market multiplier to reach the next tier "
        "sooner. He speaks English, Spanish and Portuguese.",
    ),
    (
        "Mei Tanaka",
        "mei.tanaka@vendor.example",
        "Mei covers partners in Europe and Asia-Pacific. She focuses on retention: renewal "
        "planning, customer health reviews and keeping managed clients growing. She also "
        "organises the regional partner meet-ups and the certification study groups.",
    ),
)

# Generated agencies: name, country. The first ones cover every tier even for a small --partners.
AGENCIES = (
    ("Brightwave Digital", "US"), ("Harbour & Pine Marketing", "GB"),
    ("Tres Picos Agencia", "MX"), ("Southern Cross Digital", "AU"),
    ("Nordlicht Marketing", "DE"), ("Lumen Inbound", "CA"), ("Savannah Growth Partners", "ZA"),
    ("Café Digital Bogotá", "CO"), ("Mumbai Metrics", "IN"), ("Lion City Growth", "SG"),
    ("Sakura Funnel Works", "JP"), ("Atelier Numérique", "FR"), ("Grachten Digital", "NL"),
    ("Pampa Growth Studio", "AR"), ("Manila Bay Digital", "PH"), ("Redwood Revenue Co.", "US"),
    ("Thistle & Thorn Marketing", "GB"), ("Iberia Inbound", "ES"), ("Cobalt Loop Agency", "US"),
    ("Sertão Digital", "BR"), ("Andes Growth Lab", "PE"), ("Shamrock Demand Gen", "IE"),
    ("Maple & Moose Media", "CA"), ("Kookaburra Content", "AU"), ("Jakarta Funnel Co.", "ID"),
    ("Saigon Pixel", "VN"), ("Ruta Norte Marketing", "CL"), ("Greenfield Pipeline", "US"),
    ("Kiwi Conversion Studio", "NZ"), ("Bavarian Growth Works", "DE"),
)  # fmt: skip
AGENCY_PREFIXES = (
    "Atlas", "Beacon", "Copper", "Driftwood", "Ember", "Foxglove", "Glacier", "Horizon", "Indigo",
    "Jetstream", "Kestrel", "Lantern", "Magnolia", "Nimbus", "Orbit", "Peregrine",
)  # fmt: skip
AGENCY_SUFFIXES = (
    "Digital", "Inbound", "Growth Co.", "Marketing", "Media", "Partners", "Labs", "Studio",
)  # fmt: skip
ALL_COUNTRIES = tuple(TLD)

# target tier, (sold floor, managed floor) at both today and the last review, clients, size
PROFILES: dict[str, tuple[int, int, tuple[int, int], float]] = {
    "untiered": (40, 90, (5, 18), 0.5),
    "gold": (150, 420, (15, 45), 0.8),
    "platinum": (560, 1700, (40, 90), 1.3),
    "diamond": (1450, 4900, (80, 120), 2.5),
}
TARGET_CYCLE = (
    "platinum", "gold", "untiered", "diamond", "gold", "platinum", "gold", "untiered",
    "diamond", "platinum", "gold", "untiered",
)  # fmt: skip
