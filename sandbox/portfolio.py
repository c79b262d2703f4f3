"""Each company's deals and product usage: new business, renewals, expansions, churn, open pipeline."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

from sandbox.catalog import FAMILIES, OPEN_STAGES, RATES, STAGE_BY_KEY
from sandbox.companies import Company, CrmName, WorldSpec, instant, millis, stream
from sandbox.propensity import planted_plan

__all__ = ["DEAL_SLOTS", "Deal", "DealType", "LineItem", "deals", "usage"]

DealType = Literal["new_business", "expansion", "renewal", "other"]
Outcome = Literal["won", "lost", "open"]

DEAL_SLOTS: Final = 64  # Deal.index = company.index * DEAL_SLOTS + ordinal: unique, not dense
_DAY: Final = timedelta(days=1)
_CYCLE_DAYS: Final = {
    "new_business": (20, 120),
    "renewal": (30, 90),
    "expansion": (15, 60),
    "other": (10, 45),
}
_LABEL: Final = {
    "new_business": "New Business",
    "renewal": "Renewal",
    "expansion": "Expansion",
    "other": "Services",
}
_WEIGHT: Final = {"Core": 70, "Analytics": 20, "Integrations": 15, "Services": 10}


@dataclass(frozen=True, slots=True)
class LineItem:
    """One product line of a deal (Salesforce OpportunityLineItem; HubSpot line item)."""

    family: str  # one of FAMILIES
    product: str
    quantity: int
    total_price: Decimal  # in the deal's currency


@dataclass(frozen=True, slots=True)
class Deal:
    """One deal of one company, owned by one CRM."""

    index: int
    company: int
    name: str
    amount: Decimal  # in `currency`: the contract's total (annual value x term for new business/renewals)
    currency: str
    stage: str  # a STAGES key
    history: tuple[tuple[str, datetime], ...]  # (stage key, entered at), strictly increasing in time
    close_date: date
    created_at: datetime
    modified_at: datetime  # for deleted deals, the moment of deletion
    type: DealType
    term_months: int
    line_items: tuple[LineItem, ...]
    crm: CrmName
    deleted: bool

    @property
    def is_closed(self) -> bool:
        return STAGE_BY_KEY[self.stage].is_closed

    @property
    def is_won(self) -> bool:
        return STAGE_BY_KEY[self.stage].is_won

    @property
    def probability(self) -> float:
        return STAGE_BY_KEY[self.stage].probability


@dataclass(frozen=True, slots=True)
class _Slot:
    type: DealType
    closes: datetime
    outcome: Outcome
    acv: Decimal  # annual value, USD
    term: int
    families: tuple[str, ...]


def deals(spec: WorldSpec, company: Company) -> list[Deal]:
    """The company's deals in creation-plan order (merged duplicates have none)."""
    if company.merged_into is not None:
        return []
    r = stream(spec, 4, company.index)
    if spec.signal is not None:
        slots = _planted_slots(spec, company, r)
    elif company.lifecycle != "prospect":
        slots = _customer_plan(spec, company, r)
    else:
        slots = _prospect_plan(spec, company, r)
    return [_deal(spec, company, k, slot, r) for k, slot in enumerate(slots[:DEAL_SLOTS])]


def _planted_slots(spec: WorldSpec, company: Company, r: random.Random) -> list[_Slot]:
    """The deals of a world with a planted signal (`sandbox.propensity`), as slots."""
    acv = _acv(company, r)
    return [
        _Slot(kind, closes, outcome, acv if kind != "expansion" else acv * Decimal("0.25"), term, ("Core",))
        for kind, closes, outcome, term in planted_plan(spec, company, r)
    ]


def _budget(spec: WorldSpec, r: random.Random) -> int:
    mean = spec.deals_per_account * 1.35 - 1.0  # renewals and churn push the realised mean below the budget
    extra = r.expovariate(1.0 / mean) if mean > 0 else 0.0
    return min(40, 1 + int(extra))


def _acv(company: Company, r: random.Random) -> Decimal:
    usd = min(max(company.employees * r.uniform(60, 220), 4_000), 900_000)
    return Decimal(round(usd, -2))


def _between(r: random.Random, lo: datetime, hi: datetime) -> datetime:
    return instant(r, min(lo, hi), hi)


def _customer_plan(spec: WorldSpec, company: Company, r: random.Random) -> list[_Slot]:
    now, churned = spec.now, company.lifecycle == "churned"
    term = r.choices((12, 24, 36), cum_weights=(60, 85, 100))[0]
    if churned and company.created_at + timedelta(days=term * 31 + 40) > now:
        term = 12
    latest = now - timedelta(days=term * 31 + 5) if churned else now - 20 * _DAY
    t0 = _between(r, company.created_at + 14 * _DAY, min(company.created_at + 150 * _DAY, latest))
    acv = _acv(company, r)
    families = ("Core", *(f for f, p in (("Analytics", 0.4), ("Integrations", 0.3)) if r.random() < p))
    plan = [_Slot("new_business", t0, "won", acv, term, (*families, "Services") if r.random() < 0.5 else families)]
    due = list(_renewals(t0, term, now))
    past = [t for t in due if t <= now]
    lost_at = r.randint(1, len(past)) if churned and past else 0
    for k, t in enumerate(past, start=1):
        acv = Decimal(round(acv * Decimal(r.uniform(1.0, 1.08)), -2))
        plan.append(_Slot("renewal", t, "lost" if k == lost_at else "won", acv, term, families))
        if k == lost_at:
            break
    end = plan[-1].closes if churned else now
    upcoming = due[len(past)] if len(past) < len(due) else None
    if not churned and upcoming is not None and upcoming - now <= timedelta(days=120):
        plan.append(_Slot("renewal", upcoming, "open", acv, term, families))
    for _ in range(max(0, _budget(spec, r) - len(plan))):
        plan.append(_expansion(r, t0, end, acv, open_allowed=not churned, now=now))
    return plan


def _renewals(t0: datetime, term: int, now: datetime) -> Iterator[datetime]:
    """Renewal dates every `term` months after t0: all those due by `now`, then the next one."""
    for k in range(1, 40):
        due = t0 + timedelta(days=round(k * term * 365 / 12))
        yield due
        if due > now:
            return


def _expansion(r: random.Random, t0: datetime, end: datetime, acv: Decimal, *, open_allowed: bool,
               now: datetime) -> _Slot:  # fmt: skip
    outcome: Outcome = r.choices(("won", "lost", "open"), cum_weights=(55, 85, 100 if open_allowed else 85))[0]
    closes = now + timedelta(days=r.uniform(10, 120)) if outcome == "open" else _between(r, t0 + 30 * _DAY, end)
    share = Decimal(round(r.uniform(0.1, 0.4), 2))
    if r.random() < 0.1:
        return _Slot("other", closes, outcome, acv * share / 2, 12, ("Services",))
    return _Slot("expansion", closes, outcome, acv * share, 12, (r.choice(("Core", "Analytics", "Integrations")),))


def _prospect_plan(spec: WorldSpec, company: Company, r: random.Random) -> list[_Slot]:
    acv, n = _acv(company, r), max(1, round(_budget(spec, r) * 0.7))
    plan: list[_Slot] = []
    for k in range(n):
        outcome: Outcome = "open" if k == n - 1 and r.random() < 0.7 else "lost"
        closes = (
            spec.now + timedelta(days=r.uniform(5, 150))
            if outcome == "open"
            else _between(r, company.created_at + 10 * _DAY, spec.now - _DAY)
        )
        plan.append(_Slot("new_business", closes, outcome, acv, r.choice((12, 12, 24, 36)), ("Core",)))
    return plan


def _deal(spec: WorldSpec, company: Company, k: int, slot: _Slot, r: random.Random) -> Deal:
    now, lo_days, hi_days = spec.now, *_CYCLE_DAYS[slot.type]
    end = now if slot.outcome == "open" else slot.closes
    created = millis(max(company.created_at, end - timedelta(days=r.uniform(lo_days, hi_days))))
    path = _full_path(r, slot) if spec.signal is not None else _path(r, slot)
    history = _history(r, path, created, end, closed=slot.outcome != "open")
    modified = _between(r, history[-1][1], min(history[-1][1] + 30 * _DAY, now))
    deleted = r.random() < spec.deleted_share / 2
    if deleted:
        modified = max(modified, _between(r, now - 60 * _DAY, now))
    years = Decimal(slot.term) / 12 if slot.type in ("new_business", "renewal") else Decimal(1)
    amount = _money(slot.acv * RATES[company.currency] * years, company.currency)
    stem = company.name
    return Deal(
        index=company.index * DEAL_SLOTS + k, company=company.index,
        name=f"{stem} - {_LABEL[slot.type]} {slot.closes.year}", amount=amount, currency=company.currency,
        stage=history[-1][0], history=history, close_date=slot.closes.date(), created_at=created,
        modified_at=modified, type=slot.type, term_months=slot.term,
        line_items=_line_items(slot.families, amount, company.currency),
        crm=_owning_crm(company, r), deleted=deleted,
    )  # fmt: skip


def _owning_crm(company: Company, r: random.Random) -> CrmName:
    draw = r.random()
    if company.crms == "both":
        return "salesforce" if draw < 0.85 else "hubspot"
    return company.crms


def _path(r: random.Random, slot: _Slot) -> list[str]:
    starts = OPEN_STAGES[2:] if slot.type == "renewal" else OPEN_STAGES[:2]
    first = OPEN_STAGES.index(r.choice(starts))
    stop = r.randint(first, len(OPEN_STAGES) - 1)
    if slot.outcome == "won":
        stop = len(OPEN_STAGES) - 1
    path = list(OPEN_STAGES[first : stop + 1])
    if slot.outcome == "won" and len(path) > 2 and r.random() < 0.2:
        path.pop()  # straight from proposal to closed won
    if len(path) >= 2 and r.random() < 0.1:
        back = r.randint(1, len(path) - 1)
        path[back + 1 : back + 1] = [path[back - 1], path[back]]  # moved back a stage, then on again
    if slot.outcome != "open":
        path.append("closed_won" if slot.outcome == "won" else "closed_lost")
    return path


def _full_path(r: random.Random, slot: _Slot) -> list[str]:
    """Every open stage in order, then the closed one: the stage before the close tells nothing of the outcome."""
    if slot.outcome == "open":
        return list(OPEN_STAGES[: r.randint(1, len(OPEN_STAGES))])
    return [*OPEN_STAGES, "closed_won" if slot.outcome == "won" else "closed_lost"]


def _history(
    r: random.Random, path: list[str], created: datetime, end: datetime, *, closed: bool
) -> tuple[tuple[str, datetime], ...]:
    """Stage entries from `created` on; a closed deal enters its final stage exactly at `end`."""
    inner = len(path) - 1 - (1 if closed else 0)
    created = min(created, end - timedelta(milliseconds=inner + 2))
    span = int((end - created) / timedelta(milliseconds=1))
    offsets = sorted(r.sample(range(1, span), inner)) if inner > 0 else []
    times = [created] + [created + timedelta(milliseconds=o) for o in offsets]
    if closed:
        times.append(end)
    return tuple(zip(path, times, strict=True))


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1) if currency == "JPY" else Decimal("0.01"))


def _line_items(families: tuple[str, ...], amount: Decimal, currency: str) -> tuple[LineItem, ...]:
    total_weight = sum(_WEIGHT[f] for f in families)
    items, left = [], amount
    for n, family in enumerate(families):
        part = left if n == len(families) - 1 else _money(amount * _WEIGHT[family] / total_weight, currency)
        left -= part
        items.append(LineItem(family, FAMILIES[family], 1, part))
    return tuple(items)


def usage(spec: WorldSpec, company: Company) -> list[tuple[date, int, int]]:
    """Monthly (month, active users, licensed seats) from the first won deal to churn or `now`."""
    history = deals(spec, company)
    won = sorted(d.close_date for d in history if d.is_won and d.type == "new_business")
    if not won:
        return []
    churn = min((d.close_date for d in history if d.type == "renewal" and d.is_closed and not d.is_won),
                default=spec.now.date())  # fmt: skip
    growth = sorted(d.close_date for d in history if d.is_won and d.type == "expansion")
    r = stream(spec, 5, company.index)
    seats, util = max(5, company.employees // r.randint(3, 8)), r.uniform(0.55, 0.9)
    month, rows = won[0].replace(day=1), []
    while month <= churn:
        seats += sum(max(1, seats // 5) for g in growth if month <= g < _next_month(month))
        declining = company.lifecycle == "churned" and (churn - month).days < 180
        util = min(1.0, max(0.05, util + r.gauss(-0.06 if declining else 0.0, 0.04)))
        rows.append((month, round(seats * util), seats))
        month = _next_month(month)
    return rows


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
