"""Currency rates into the corporate currency: from config, else from the CRM (Salesforce CurrencyType)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import select

from config import Currency
from sync.store import session
from sync.tables import CurrencyRate, utcnow
from sync.upsert import upsert


def store_config_rates(engine: Engine, currency: Currency) -> None:
    """Write the config's rate table (origin `config`) so the store holds every rate scoring uses."""
    now = utcnow()
    rows = [
        {"currency": code, "origin": "config", "rate": rate, "updated_at": now} for code, rate in currency.rates.items()
    ]
    with session(engine) as s, s.begin():
        upsert(s, CurrencyRate, rows, keys=("currency", "origin"))


def effective_rates(engine: Engine, currency: Currency) -> dict[str, Decimal]:
    """Currency -> corporate units per unit: the corporate currency is 1, config wins over the CRM's rates."""
    with session(engine) as s:
        rows = s.exec(select(CurrencyRate)).all()
    rates: dict[str, Decimal] = {}
    if currency.use_crm_rates:
        rates.update({r.currency: r.rate for r in rows if r.origin.startswith("crm:") and r.rate})
    rates.update({code: Decimal(rate) for code, rate in currency.rates.items()})
    rates[currency.corporate] = Decimal(1)
    return rates
