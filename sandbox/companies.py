"""The world's companies: `WorldSpec` and `company(spec, i)`, a pure O(1) function of the spec and index."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal

from sandbox.catalog import COUNTRIES, INDUSTRIES, NAME_FIRST, NAME_SECOND, OWNERS, PUBLIC_MAIL_DOMAINS, TLDS
from sandbox.errors import SpecError

__all__ = [
    "MAX_ACCOUNTS",
    "MIN_ACCOUNTS",
    "Company",
    "CrmName",
    "Crms",
    "Lifecycle",
    "WorldSpec",
    "companies",
    "company",
    "default_now",
    "instant",
    "millis",
    "stream",
]

CrmName = Literal["salesforce", "hubspot"]
Crms = Literal["salesforce", "hubspot", "both"]
Lifecycle = Literal["prospect", "customer", "churned"]

MIN_ACCOUNTS: Final = 10
MAX_ACCOUNTS: Final = 1_000_000
_AUTO_START: Final = datetime(1970, 1, 1, tzinfo=UTC)  # sentinel: start = now - 3 years
_MIN_HISTORY: Final = timedelta(days=400)
_MASK: Final = (1 << 64) - 1
_HINTS: Final = dict(NAME_SECOND)
_LIFECYCLES: Final[tuple[Lifecycle, ...]] = ("prospect", "customer", "churned")
# cumulative weights give the same draws as `weights=` without re-summing them on every call
_COUNTRY_CUM: Final = tuple(itertools.accumulate(c.weight for c in COUNTRIES))


def default_now() -> datetime:
    """Today's midnight UTC: the default `WorldSpec.now`."""
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WorldSpec:
    """What world to generate; every record is a pure function of this and an index."""

    seed: int = 7
    accounts: int = 200
    now: datetime = field(default_factory=default_now)
    start: datetime = _AUTO_START  # org epoch; left out, three years before `now`
    both_share: float = 0.35  # companies present in both CRMs
    hubspot_only_share: float = 0.25  # the rest (0.40 by default) are Salesforce-only
    linked_share: float = 0.6  # of 'both' companies, HubSpot record carries the Salesforce Account id
    multi_currency: bool = True  # USD, EUR, GBP, JPY by country; False: everything in USD
    dated_rates: bool = False  # Salesforce advanced currency management: DatedConversionRate by calendar year
    deals_per_account: float = 4.0  # mean over companies that have deals
    duplicate_share: float = 0.02  # duplicates later merged into a survivor
    deleted_share: float = 0.02  # deleted companies (and, at half this share, deleted deals)
    # A planted signal for backtests (sandbox/propensity.py): None, the ordinary world; 0..1, deals driven by a
    # hidden propensity of this strength (0: the same process with no signal).
    signal: float | None = None

    def __post_init__(self) -> None:
        if self.start == _AUTO_START:
            object.__setattr__(self, "start", self.now - timedelta(days=3 * 365))
        for problem in _problems(self):
            raise SpecError("WorldSpec", problem)


def _problems(spec: WorldSpec) -> Iterator[str]:
    if not MIN_ACCOUNTS <= spec.accounts <= MAX_ACCOUNTS:
        yield f"accounts must be in {MIN_ACCOUNTS}..{MAX_ACCOUNTS}, not {spec.accounts}"
    if spec.now.tzinfo is None or spec.now.utcoffset() != timedelta(0):
        yield "now must be an aware UTC datetime"
    if spec.start.tzinfo is None or spec.now - spec.start < _MIN_HISTORY:
        yield "start must be aware and at least 400 days before now"
    shares = (spec.both_share, spec.hubspot_only_share, spec.linked_share, spec.duplicate_share)
    if any(not 0.0 <= s <= 1.0 for s in (*shares, spec.deleted_share)):
        yield "shares must be within 0..1"
    if spec.both_share + spec.hubspot_only_share > 1.0:
        yield "both_share + hubspot_only_share must not exceed 1"
    if not 1.0 <= spec.deals_per_account <= 20.0:
        yield "deals_per_account must be within 1..20"
    if spec.signal is not None and not 0.0 <= spec.signal <= 1.0:
        yield "signal must be within 0..1 (or None)"
    if spec.dated_rates and not spec.multi_currency:
        yield "dated_rates needs multi_currency (a single-currency org has no DatedConversionRate)"


@dataclass(frozen=True, slots=True)
class Company:
    """One company of the world, before any CRM has its say on field names."""

    index: int
    name: str
    domain: str  # canonical: lower-case, no scheme, no www; unique except merged duplicates and public mail
    website: str  # as typed into Salesforce's Account.Website
    hs_domain: str  # as stored in HubSpot's `domain` (a few with www./scheme/capitals to normalise)
    industry: str
    employees: int
    annual_revenue: Decimal  # USD
    country: str
    owner: int  # index into OWNERS
    parent: int | None  # index of the parent company (same CRM(s)), None for none
    currency: str
    created_at: datetime
    modified_at: datetime  # <= now; for deleted/merged records the moment of deletion/merge
    lifecycle: Lifecycle
    crms: Crms
    linked: bool  # 'both' companies whose HubSpot record carries the Salesforce Account id
    merged_into: int | None  # a duplicate merged into this survivor (same CRM)
    deleted: bool
    public_domain: bool  # domain is a public mail domain: must never be used to match

    @property
    def in_salesforce(self) -> bool:
        return self.crms != "hubspot"

    @property
    def in_hubspot(self) -> bool:
        return self.crms != "salesforce"


def _mix(*parts: int) -> int:
    """splitmix64 over the parts: independent, well-spread seeds per (seed, stream, index)."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (p & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 31
    return h


def stream(spec: WorldSpec, tag: int, index: int) -> random.Random:
    """The RNG for one record; `tag` separates independent streams (company core, details, deals...)."""
    return random.Random(_mix(spec.seed, tag, index))


def instant(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    """A uniformly random instant in [lo, hi] at millisecond precision (hi if the span is empty)."""
    span = max(0, int((hi - lo) / timedelta(milliseconds=1)))
    return lo + timedelta(milliseconds=rng.randint(0, span))


@dataclass(frozen=True, slots=True)
class _Core:
    crms: Crms
    duplicate: bool
    deleted: bool
    subsidiary: bool
    public: bool


def _core(spec: WorldSpec, i: int) -> _Core:
    r = stream(spec, 1, i)
    u, dup, dele, sub, pub, side = (r.random() for _ in range(6))
    crms: Crms = "both" if u < spec.both_share else "hubspot"
    if u >= spec.both_share + spec.hubspot_only_share:
        crms = "salesforce"
    public = pub < 0.01
    if public and crms == "both":
        crms = "salesforce" if side < 0.5 else "hubspot"
    duplicate = i > 0 and not public and dup < spec.duplicate_share
    return _Core(crms, duplicate, not duplicate and dele < spec.deleted_share, sub < 0.06, public)


@lru_cache(maxsize=64)
def _permutation(seed: int) -> tuple[int, int]:
    n = len(NAME_FIRST) * len(NAME_SECOND) * len(TLDS)
    mul = (_mix(seed, 99) % n) | 1
    while math.gcd(mul, n) != 1:
        mul += 2
    return mul, _mix(seed, 98) % n


def _identity(spec: WorldSpec, i: int) -> tuple[str, str, str]:
    """(name stem, domain, second word) for index i: a bijection, so domains are unique."""
    n = len(NAME_FIRST) * len(NAME_SECOND) * len(TLDS)
    mul, add = _permutation(spec.seed)
    rnd, p = divmod(i, n)
    a, rest = divmod((p * mul + add) % n, len(NAME_SECOND) * len(TLDS))
    b, t = divmod(rest, len(TLDS))
    first, (second, _) = NAME_FIRST[a], NAME_SECOND[b]
    number = str(rnd + 1) if rnd else ""
    return f"{first} {second}", f"{first}{second}{number}.{TLDS[t]}".lower(), second


def _survivor(spec: WorldSpec, i: int) -> tuple[int, _Core] | None:
    for j in range(i - 1, max(-1, i - 64), -1):
        c = _core(spec, j)
        if not (c.duplicate or c.deleted or c.public):
            return j, c
    return None


def _parent(spec: WorldSpec, i: int, crms: Crms, r: random.Random) -> int | None:
    for _ in range(8):
        j = r.randrange(max(0, i - 500), i) if i else None
        if j is None:
            return None
        c = _core(spec, j)
        if not (c.duplicate or c.deleted or c.public) and c.crms in (crms, "both"):
            return j
    return None


def company(spec: WorldSpec, i: int) -> Company:
    """Company `i` of the world (0 <= i < spec.accounts)."""
    if not 0 <= i < spec.accounts:
        raise IndexError(f"company {i} outside 0..{spec.accounts - 1}")
    core = _core(spec, i)
    found = _survivor(spec, i) if core.duplicate else None
    if found is not None:
        return _duplicate(spec, i, found[0], found[1])
    return _original(spec, i, core)


def _original(spec: WorldSpec, i: int, core: _Core) -> Company:
    r = stream(spec, 2, i)
    stem, domain, second = _identity(spec, i)
    country = r.choices(COUNTRIES, cum_weights=_COUNTRY_CUM)[0]
    name = f"{stem} {r.choice(country.suffixes)}" if r.random() < 0.5 else stem
    hinted = _HINTS[second]
    industry = hinted if hinted and r.random() < 0.8 else r.choice(INDUSTRIES)
    if core.public:
        domain = r.choice(PUBLIC_MAIL_DOMAINS)
    employees = _employees(r)
    lifecycle = r.choices(_LIFECYCLES, cum_weights=(40, 85, 100))[0]
    created = _created(spec, r, lifecycle)
    modified = spec.now - (spec.now - created) * r.random() ** 3
    if core.deleted:
        modified = max(created, instant(r, spec.now - timedelta(days=60), spec.now))
    return Company(
        index=i, name=name, domain=domain, website=_website(r, domain),
        hs_domain=domain if core.public else _hs_domain(r, domain), industry=industry,
        employees=employees, annual_revenue=Decimal(employees * r.randint(80, 300) * 1000),
        country=country.name, owner=r.randrange(len(OWNERS)),
        parent=_parent(spec, i, core.crms, r) if core.subsidiary and not core.public else None,
        currency=country.currency if spec.multi_currency else "USD",
        created_at=created, modified_at=millis(modified), lifecycle=lifecycle, crms=core.crms,
        linked=core.crms == "both" and r.random() < spec.linked_share,
        merged_into=None, deleted=core.deleted, public_domain=core.public,
    )  # fmt: skip


def _duplicate(spec: WorldSpec, i: int, j: int, survivor: _Core) -> Company:
    """A second record of company j, created later by someone else, merged into j since."""
    r = stream(spec, 3, i)
    base = _original(spec, j, survivor)
    crms: Crms = survivor.crms
    if crms == "both":
        crms = "salesforce" if r.random() < 0.5 else "hubspot"
    created = instant(r, base.created_at, spec.now - timedelta(days=2))
    merged = instant(r, created, spec.now)
    name = r.choice((base.name.upper(), f"{base.name} (old)", base.name.replace(" ", "  ", 1), base.name))
    return Company(
        index=i, name=name, domain=base.domain, website=_website(r, base.domain),
        hs_domain=_hs_domain(r, base.domain), industry=base.industry, employees=base.employees,
        annual_revenue=base.annual_revenue, country=base.country, owner=r.randrange(len(OWNERS)),
        parent=None, currency=base.currency, created_at=created, modified_at=merged, lifecycle="prospect",
        crms=crms, linked=False, merged_into=j, deleted=False, public_domain=False,
    )  # fmt: skip


def _employees(r: random.Random) -> int:
    lo, hi = r.choices(((10, 200), (200, 2_000), (2_000, 50_000)), cum_weights=(55, 85, 100))[0]
    return int(math.exp(r.uniform(math.log(lo), math.log(hi))))


def _created(spec: WorldSpec, r: random.Random, lifecycle: str) -> datetime:
    latest = {"churned": _MIN_HISTORY, "customer": timedelta(days=45), "prospect": timedelta(days=1)}
    return instant(r, spec.start, spec.now - latest[lifecycle])


def _website(r: random.Random, domain: str) -> str:
    form = r.choices(("https://www.{}", "www.{}", "{}", "http://{}/"), cum_weights=(40, 70, 85, 100))[0]
    return form.format(domain)


def _hs_domain(r: random.Random, domain: str) -> str:
    if r.random() >= 0.06:
        return domain
    form = r.choice(("www.{}", "https://{}", "https://www.{}/", "{}"))
    return form.format(domain.capitalize() if r.random() < 0.5 else domain.upper())


def millis(dt: datetime) -> datetime:
    """`dt` truncated to milliseconds, the precision both CRMs keep."""
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def companies(spec: WorldSpec) -> Iterator[Company]:
    """Every company of the world, in index order, one at a time."""
    for i in range(spec.accounts):
        yield company(spec, i)
