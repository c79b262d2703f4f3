"""Fixed reference data of the synthetic org: owners, currencies, stages, industries, products, name parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "FAMILIES",
    "FIRST_DATED_START",
    "INDUSTRIES",
    "OPEN_STAGES",
    "OWNERS",
    "PUBLIC_MAIL_DOMAINS",
    "RATES",
    "STAGES",
    "STAGE_BY_KEY",
    "Country",
    "Owner",
    "Stage",
    "dated_rates",
    "to_usd",
]


@dataclass(frozen=True, slots=True)
class Owner:
    """A sales rep who owns accounts (a Salesforce User `005...`, a HubSpot owner)."""

    index: int
    first_name: str
    last_name: str
    email: str
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _owners() -> tuple[Owner, ...]:
    people = (
        ("Maya", "Chen"), ("Liam", "O'Brien"), ("Sofia", "Rossi"), ("Noah", "Patel"), ("Emma", "Schmidt"),
        ("Lucas", "Martin"), ("Aisha", "Khan"), ("Ethan", "Nakamura"), ("Olivia", "Garcia"),
        ("James", "Walker"), ("Chloe", "Dubois"), ("Daniel", "Kowalski"), ("Priya", "Raman"),
        ("Hugo", "Lefevre"), ("Grace", "Thompson"), ("Mateo", "Silva"), ("Hannah", "Becker"),
        ("Kenji", "Sato"), ("Isabel", "Moreno"), ("Owen", "Hughes"),
    )  # fmt: skip
    return tuple(
        Owner(i, first, last, f"{first.lower()}.{last.lower().replace(chr(39), '')}@orbitaldevices.example",
              active=i != 19)
        for i, (first, last) in enumerate(people)
    )  # fmt: skip


OWNERS: Final = _owners()

CURRENCIES: Final = ("USD", "EUR", "GBP", "JPY")
# Salesforce's ConversionRate with USD as the corporate currency: units of the currency per 1 USD.
RATES: Final = MappingProxyType(
    {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "JPY": Decimal("151.0")}
)


# The first dated range of every currency starts here (a Salesforce org's "beginning of time"): CurrencyType's rate.
FIRST_DATED_START: Final = date(1, 1, 1)
# Each calendar year of a dated-rates world moves every rate by one of these steps (by year and currency).
_DATED_STEPS: Final = (Decimal("-0.04"), Decimal("0.02"), Decimal("0.05"), Decimal("-0.01"))


def dated_rates(first_year: int, last_year: int) -> list[tuple[str, date, Decimal]]:
    """Salesforce DatedConversionRate rows (IsoCode, StartDate, ConversionRate) with USD as the corporate
    currency: one range from `FIRST_DATED_START` at the `RATES` value, then one from each January 1st of
    `first_year..last_year`, each a few percent off `RATES` (six significant digits, as the field keeps)."""
    rows = []
    for n, code in enumerate(c for c in CURRENCIES if c != "USD"):
        rows.append((code, FIRST_DATED_START, RATES[code]))
        for year in range(first_year, last_year + 1):
            step = _DATED_STEPS[(year + n) % len(_DATED_STEPS)]
            rows.append((code, date(year, 1, 1), (RATES[code] * (1 + step)).quantize(Decimal("0.000001"))))
    return rows


def to_usd(amount: Decimal, currency: str) -> Decimal:
    """Convert an amount in `currency` to USD with the fixed rates (Salesforce's convention)."""
    return amount / RATES[currency]


@dataclass(frozen=True, slots=True)
class Stage:
    """A neutral deal stage; each CRM half maps `key` to its own stage names/ids."""

    key: str
    label: str
    probability: float
    is_closed: bool
    is_won: bool
    order: int


STAGES: Final = (
    Stage("prospecting", "Prospecting", 0.1, False, False, 0),
    Stage("qualification", "Qualification", 0.2, False, False, 1),
    Stage("proposal", "Proposal/Price Quote", 0.5, False, False, 2),
    Stage("negotiation", "Negotiation/Review", 0.8, False, False, 3),
    Stage("closed_won", "Closed Won", 1.0, True, True, 4),
    Stage("closed_lost", "Closed Lost", 0.0, True, False, 5),
)
STAGE_BY_KEY: Final = MappingProxyType({s.key: s for s in STAGES})
OPEN_STAGES: Final = tuple(s.key for s in STAGES if not s.is_closed)

# Salesforce's standard Industry picklist labels; the HubSpot half maps them to its enumeration.
INDUSTRIES: Final = (
    "Technology", "Finance", "Healthcare", "Manufacturing", "Retail", "Education", "Media", "Energy",
    "Transportation", "Hospitality", "Telecommunications", "Insurance",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    currency: str
    suffixes: tuple[str, ...]
    weight: int


COUNTRIES: Final = (
    Country("United States", "USD", ("Inc.", "LLC", "Corp."), 44),
    Country("United Kingdom", "GBP", ("Ltd", "plc"), 10),
    Country("Germany", "EUR", ("GmbH", "AG"), 8),
    Country("France", "EUR", ("SAS", "SA"), 6),
    Country("Netherlands", "EUR", ("B.V.",), 4),
    Country("Spain", "EUR", ("S.L.",), 3),
    Country("Italy", "EUR", ("S.p.A.", "S.r.l."), 3),
    Country("Ireland", "EUR", ("Ltd",), 2),
    Country("Japan", "JPY", ("K.K.",), 7),
    Country("Canada", "USD", ("Inc.", "Ltd"), 7),
    Country("Australia", "USD", ("Pty Ltd",), 6),
)

# Product families on line items (Product2.Family in Salesforce) and the product sold in each.
FAMILIES: Final = MappingProxyType(
    {
        "Core": "Core Platform",
        "Analytics": "Analytics Suite",
        "Integrations": "Integration Hub",
        "Services": "Professional Services",
    }
)

PUBLIC_MAIL_DOMAINS: Final = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com")

# Company names are "<first> <second>" with a domain "<first><second>.<tld>"; every (first, second, tld)
# concatenation is distinct (tests check it), so domains are unique without a lookup table.
NAME_FIRST: Final = (
    "Blue", "North", "Silver", "Summit", "Cedar", "Harbor", "Atlas", "Bright", "Crystal", "Delta", "Eagle",
    "Falcon", "Granite", "Horizon", "Iron", "Juniper", "Keystone", "Lakeside", "Maple", "Nova", "Oak",
    "Pioneer", "Quantum", "River", "Sterling", "Titan", "Union", "Vertex", "Willow", "Zenith", "Apex",
    "Beacon", "Cobalt", "Evergreen", "Frontier", "Golden", "Highland", "Liberty", "Meridian", "Orion",
    "Pacific", "Redwood", "Sapphire", "Trident", "Vanguard", "Westfield", "Crescent", "Ember", "Fjord",
    "Glacier", "Hudson", "Indigo", "Jasper", "Kestrel", "Lumen", "Mosaic", "Nimbus", "Onyx", "Prairie",
    "Quarry", "Riverside", "Sequoia", "Tundra", "Umber", "Velvet", "Wren", "Yarrow", "Alder", "Birch",
    "Copper",
)  # fmt: skip
# (second word, the industry it suggests or "" for any)
NAME_SECOND: Final = (
    ("Analytics", "Technology"), ("Systems", "Technology"), ("Logistics", "Transportation"),
    ("Health", "Healthcare"), ("Labs", "Technology"), ("Foods", "Retail"), ("Energy", "Energy"),
    ("Capital", "Finance"), ("Media", "Media"), ("Works", "Manufacturing"),
    ("Networks", "Telecommunications"),
    ("Dynamics", ""), ("Solutions", ""), ("Partners", ""), ("Robotics", "Manufacturing"),
    ("Software", "Technology"), ("Biotech", "Healthcare"), ("Freight", "Transportation"), ("Holdings", ""),
    ("Industries", "Manufacturing"), ("Retail", "Retail"), ("Learning", "Education"),
    ("Telecom", "Telecommunications"), ("Foundry", "Manufacturing"), ("Studios", "Media"),
    ("Motors", "Manufacturing"), ("Pharma", "Healthcare"), ("Insurance", "Insurance"), ("Markets", "Retail"),
    ("Devices", "Technology"), ("Data", "Technology"), ("Cloud", "Technology"), ("Security", "Technology"),
    ("Materials", "Manufacturing"), ("Outfitters", "Retail"), ("Hotels", "Hospitality"),
    ("Properties", "Finance"), ("Airways", "Transportation"), ("Textiles", "Manufacturing"),
    ("Brewing", "Hospitality"), ("Academy", "Education"), ("Power", "Energy"), ("Bank", "Finance"),
    ("Clinics", "Healthcare"), ("Broadcasting", "Media"), ("Mutual", "Insurance"), ("Resorts", "Hospitality"),
    ("Wireless", "Telecommunications"), ("Consulting", ""), ("Group", ""),
)  # fmt: skip
TLDS: Final = ("com", "io", "co", "net", "ai")
