"""Currency rates into our corporate currency: from config, else from the CRM (Salesforce CurrencyType and
DatedConversionRate), rebased when the CRM's own corporate currency is not ours; each CRM's own currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Engine, case, func, literal
from sqlmodel import select

from config import Currency
from sync.store.engine import session
from sync.store.tables import CrmCurrency, CurrencyRate, DatedCurrencyRate, utcnow
from sync.store.upsert import upsert

__all__ = [
    "DatedRate",
    "Rates",
    "crm_currencies",
    "currency_of",
    "effective_rates",
    "store_config_rates",
    "store_crm_currency",
]


@dataclass(frozen=True, slots=True)
class DatedRate:
    """Units of our corporate currency per unit of `currency` for opportunities closed on or after `start`
    (until the currency's next dated rate)."""

    currency: str
    start: date
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Rates:
    """Every rate scoring uses: one per currency (ours is 1), and the dated ones opportunities take by close
    date when the CRM has them."""

    static: Mapping[str, Decimal]
    dated: tuple[DatedRate, ...] = ()

    def frame(self) -> pl.DataFrame:
        """The rates as scoring takes them (`scoring.RATES`)."""
        return pl.DataFrame(
            {"currency": list(self.static), "rate_to_corporate": [float(r) for r in self.static.values()]},
            schema={"currency": pl.String(), "rate_to_corporate": pl.Float64()},
        )

    def dated_frame(self) -> pl.DataFrame:
        """The dated rates as scoring takes them (`scoring.DATED_RATES`)."""
        return pl.DataFrame(
            {"currency": [d.currency for d in self.dated], "valid_from": [d.start for d in self.dated],
             "rate_to_corporate": [float(d.rate) for d in self.dated]},
            schema={"currency": pl.String(), "valid_from": pl.Date(), "rate_to_corporate": pl.Float64()},
        )  # fmt: skip


def store_config_rates(engine: Engine, currency: Currency) -> None:
    """Write the config's rate table (origin `config`) so the store holds every rate scoring uses."""
    now = utcnow()
    rows = [
        {"currency": code, "origin": "config", "rate": rate, "updated_at": now} for code, rate in currency.rates.items()
    ]
    with session(engine) as s, s.begin():
        upsert(s, CurrencyRate, rows, keys=("currency", "origin"))


def store_crm_currency(engine: Engine, connection: str, code: str | None) -> None:
    """Keep the connection's own corporate currency (nothing when the CRM did not say)."""
    if not code:
        return
    row = {"connection": connection, "currency": code.upper()[:3], "updated_at": utcnow()}
    with session(engine) as s, s.begin():
        upsert(s, CrmCurrency, [row], keys=("connection",))


def crm_currencies(engine: Engine) -> dict[str, str]:
    """Connection -> its CRM's corporate currency, as last read."""
    with session(engine) as s:
        return {row.connection: row.currency for row in s.exec(select(CrmCurrency)).all()}


def currency_of(
    currency: ColumnElement[Any], connection: ColumnElement[Any] | None, ours: str, own: Mapping[str, str]
) -> ColumnElement[Any]:
    """SQL for the currency a record's money is in: the record's, else its CRM's corporate currency (`own`, by
    `connection`), else ours (a CRM that does not say; an account's annual revenue from an enrichment source)."""
    if connection is None or not own:
        return func.coalesce(currency, literal(ours))
    return func.coalesce(currency, case(dict(own), value=connection, else_=None), literal(ours))


def effective_rates(engine: Engine, currency: Currency) -> Rates:
    """Rates into our corporate currency: config wins, then each CRM's (origins in name order) rebased.

    A CRM's rates are relative to its own corporate currency: rate(X -> ours) = rate(X -> CRM's) /
    rate(ours -> CRM's). A CRM that has no rate for our currency gives none (nothing to rebase through).
    Dated rates are rebased the same way, with our currency's dated rate of the same day where it has one.
    """
    with session(engine) as s:
        rows = s.exec(select(CurrencyRate)).all()
        dated_rows = s.exec(select(DatedCurrencyRate)).all() if currency.use_crm_rates else []
    ours = currency.corporate
    static: dict[str, Decimal] = {}
    dated: list[DatedRate] = []
    if currency.use_crm_rates:
        by_origin: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for r in rows:
            if r.origin.startswith("crm:") and r.rate:
                by_origin[r.origin][r.currency] = r.rate
        dated_by_origin: dict[str, dict[str, list[tuple[date, Decimal]]]] = defaultdict(lambda: defaultdict(list))
        for d in dated_rows:
            if d.rate:
                dated_by_origin[d.origin][d.currency].append((d.start_date, d.rate))
        for origin in sorted(by_origin, reverse=True):  # the first origin by name is applied last: it wins
            crm = by_origin[origin]
            if ours not in crm:
                continue
            static.update({code: _divide(rate, crm[ours]) for code, rate in crm.items()})
            dated = [d for d in dated if d.currency not in crm and d.currency not in dated_by_origin[origin]]
            dated += _rebased(dated_by_origin[origin], crm, ours)
    static.update({code: Decimal(rate) for code, rate in currency.rates.items()})
    static[ours] = Decimal(1)
    configured = set(currency.rates) | {ours}
    return Rates(static, tuple(d for d in dated if d.currency not in configured))


def _rebased(
    ranges: Mapping[str, list[tuple[date, Decimal]]], crm: Mapping[str, Decimal], ours: str
) -> list[DatedRate]:
    """Each currency's rate to ours by date, where the CRM's dated rates make it vary: a range starts wherever
    the currency's or ours starts; a currency without dated rates of its own (the CRM's corporate one) keeps
    its CurrencyType rate and varies with ours."""
    ours_ranges = sorted(ranges.get(ours, []))
    out: list[DatedRate] = []
    for code in sorted(set(ranges) | set(crm)):
        own = sorted(ranges.get(code, []))
        if code == ours or not (own or ours_ranges):
            continue
        for start in sorted({start for start, _ in own} | {start for start, _ in ours_ranges}):
            rate = _at(own, start) or crm.get(code)
            if rate is not None:
                out.append(DatedRate(code, start, _divide(rate, _at(ours_ranges, start) or crm[ours])))
    return out


def _at(ranges: list[tuple[date, Decimal]], day: date) -> Decimal | None:
    """The rate of the latest range starting on or before `day` (ranges sorted by start)."""
    found = None
    for start, rate in ranges:
        if start > day:
            break
        found = rate
    return found


def _divide(rate: Decimal, by: Decimal) -> Decimal:
    with localcontext() as exact:
        exact.prec = 40
        return rate / by
