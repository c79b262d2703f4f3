"""Standard fields a real org has filled that the neutral world does not model: addresses, phones, contacts.

Each is a picklable callable of a row, computed on read from the row index and stored fields (no memory per
row), deterministic for a given world. Only rows the world built get values (`WorldRows.count`): a record
created later through the API holds what its writer sent, as in a real org.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sandbox.salesforce.derived import probability
from sandbox.salesforce.store import Column

__all__ = [
    "Address",
    "Constant",
    "ContactEmail",
    "FullName",
    "OwnExpectedRevenue",
    "Phone",
    "Picked",
    "Place",
    "Same",
    "StageForecast",
    "Street",
    "WorldRows",
]  # fmt: skip

# (city, state, postal code) per country; the world's countries (sandbox.catalog.COUNTRIES).
PLACES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "United States": (("San Francisco", "CA", "94105"), ("New York", "NY", "10001"), ("Austin", "TX", "78701"),
                      ("Chicago", "IL", "60601"), ("Boston", "MA", "02108"), ("Seattle", "WA", "98101")),
    "United Kingdom": (("London", "England", "EC1A 1BB"), ("Manchester", "England", "M1 1AE"),
                       ("Edinburgh", "Scotland", "EH1 1YZ")),
    "Germany": (("Berlin", "Berlin", "10115"), ("Munich", "Bavaria", "80331"), ("Hamburg", "Hamburg", "20095")),
    "France": (("Paris", "Île-de-France", "75001"), ("Lyon", "Auvergne-Rhône-Alpes", "69001")),
    "Netherlands": (("Amsterdam", "North Holland", "1012 AB"), ("Rotterdam", "South Holland", "3011 AA")),
    "Spain": (("Madrid", "Madrid", "28001"), ("Barcelona", "Catalonia", "08001")),
    "Italy": (("Milan", "Lombardy", "20121"), ("Rome", "Lazio", "00184")),
    "Ireland": (("Dublin", "Leinster", "D02 X285"), ("Cork", "Munster", "T12 W8DR")),
    "Japan": (("Tokyo", "Tokyo", "100-0001"), ("Osaka", "Osaka", "530-0001")),
    "Canada": (("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1")),
    "Australia": (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000")),
}  # fmt: skip
DIALING: Final = {"United States": "1", "Canada": "1", "United Kingdom": "44", "Germany": "49", "France": "33",
                  "Netherlands": "31", "Spain": "34", "Italy": "39", "Ireland": "353", "Japan": "81",
                  "Australia": "61"}  # fmt: skip
STREETS: Final = ("Market Street", "Main Street", "Harbour Road", "Park Avenue", "King Street", "Mill Lane",
                  "Station Road", "Church Street")  # fmt: skip
ADDRESS_PARTS: Final = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude",
                        "GeocodeAccuracy")  # fmt: skip


@dataclass(slots=True)
class WorldRows:
    """How many rows of a table the world built (set once the build ends)."""

    count: int = 0


def _mix(row: int, salt: int) -> int:
    return (row * 2_654_435_761 + salt * 40_503) % 4_294_967_291


@dataclass(frozen=True, slots=True)
class Place:
    """City (0), state (1) or postal code (2) of a place in the row's country."""

    country: Column
    part: int
    world: WorldRows

    def __call__(self, row: int) -> Any:
        places = PLACES.get(self.country.get(row) or "") if row < self.world.count else None
        return places[_mix(row, 1) % len(places)][self.part] if places else None


@dataclass(frozen=True, slots=True)
class Street:
    country: Column
    world: WorldRows

    def __call__(self, row: int) -> Any:
        if row >= self.world.count or self.country.get(row) is None:
            return None
        return f"{1 + _mix(row, 2) % 899} {STREETS[_mix(row, 3) % len(STREETS)]}"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number in the row's country's format: +<code> <area> 555 <line>."""

    country: Column
    world: WorldRows
    salt: int = 4

    def __call__(self, row: int) -> Any:
        code = DIALING.get(self.country.get(row) or "") if row < self.world.count else None
        return None if code is None else f"+{code} {200 + _mix(row, self.salt) % 700} 555 {_mix(row, 5) % 10_000:04d}"


@dataclass(frozen=True, slots=True)
class Picked:
    """One of `choices`, by the row (a contact's first name, title)."""

    choices: tuple[str, ...]
    salt: int
    world: WorldRows

    def __call__(self, row: int) -> Any:
        return self.choices[_mix(row, self.salt) % len(self.choices)] if row < self.world.count else None


@dataclass(frozen=True, slots=True)
class Same:
    """Another field's value (ShippingCountry as BillingCountry)."""

    source: Column

    def __call__(self, row: int) -> Any:
        return self.source.get(row)


@dataclass(frozen=True, slots=True)
class StageForecast:
    """The forecast category a stage maps to (OpportunityStage.ForecastCategoryName)."""

    stage: Column
    names: dict[str, str]  # stage label -> category

    def __call__(self, row: int) -> Any:
        return self.names.get(self.stage.get(row) or "")


@dataclass(frozen=True, slots=True)
class Constant:
    value: Any

    def __call__(self, row: int) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class FullName:
    """First and last name joined, as Contact.Name and User.Name."""

    first: Column
    last: Column

    def __call__(self, row: int) -> Any:
        return " ".join(p for p in (self.first.get(row), self.last.get(row)) if p) or None


@dataclass(frozen=True, slots=True)
class ContactEmail:
    """first.last@ the contact's account's domain (from its Website)."""

    first: Column
    last: Column
    account: Column
    website: Column
    world: WorldRows

    def __call__(self, row: int) -> Any:
        account = self.account.get(row) if row < self.world.count else None
        site = self.website.get(account) if account is not None else None
        if not site:
            return None
        domain = site.split("://")[-1].removeprefix("www.").split("/")[0].lower()
        return f"{self.first.get(row) or ''}.{self.last.get(row) or ''}@{domain}".lower().replace(" ", "")


@dataclass(frozen=True, slots=True)
class OwnExpectedRevenue:
    """Opportunity.ExpectedRevenue: Amount x the stage's probability."""

    amount: Column
    stage: Column

    def __call__(self, row: int) -> Any:
        value, chance = self.amount.get(row), probability(self.stage.get(row))
        return None if value is None or chance is None else value * chance / 100


@dataclass(frozen=True, slots=True)
class Address:
    """A compound address from its components, keys as the REST API writes them (null when all are)."""

    parts: tuple[Column, ...]  # in ADDRESS_PARTS order

    def __call__(self, row: int) -> Any:
        street, city, state, postal, country, lat, lon, accuracy = (c.get(row) for c in self.parts)
        if all(v is None for v in (street, city, state, postal, country, lat, lon)):
            return None
        return {"city": city, "country": country, "geocodeAccuracy": accuracy, "latitude": lat, "longitude": lon,
                "postalCode": postal, "state": state, "street": street}  # fmt: skip
