"""The rates scoring uses, from what the store holds: config first, CRM rates rebased onto our corporate
currency, dated rates rebased day by day; rates kept to 18 decimals on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from config import Currency
from sync import CurrencyRate, DatedCurrencyRate, session
from sync.store.currency import DatedRate, effective_rates

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _store(
    engine: Engine, rates: dict[str, tuple[str, ...]], dated: tuple[tuple[str, str, date, str], ...] = ()
) -> Engine:
    """`rates`: origin -> ("CODE=ConversionRate", ...) as Salesforce gives them (units per corporate unit)."""
    with session(engine) as s:
        for origin, pairs in rates.items():
            for pair in pairs:
                code, conversion = pair.split("=")
                s.add(CurrencyRate(currency=code, origin=origin, rate=1 / Decimal(conversion), updated_at=NOW))
        for n, (origin, code, start, conversion) in enumerate(dated):
            s.add(DatedCurrencyRate(origin=origin, source_id=f"04w{n}", currency=code, start_date=start,
                                    rate=1 / Decimal(conversion), updated_at=NOW))  # fmt: skip
        s.commit()
    return engine


def test_crm_rates_are_rebased_onto_our_currency_and_config_rates_win(store: Engine) -> None:
    engine = _store(store, {"crm:sf": ("USD=1", "EUR=0.92", "JPY=151", "GBP=0.79")})
    rates = effective_rates(engine, Currency(corporate="EUR", rates={"GBP": Decimal("1.15")}))
    assert rates.static["EUR"] == 1
    assert rates.static["USD"] == pytest.approx(Decimal("0.92"), rel=Decimal("1e-15"))
    assert rates.static["JPY"] == pytest.approx(Decimal("0.92") / 151, rel=Decimal("1e-15"))
    assert rates.static["GBP"] == Decimal("1.15")
    assert rates.dated == ()


def test_a_crm_with_no_rate_for_our_currency_gives_none(store: Engine) -> None:
    engine = _store(store, {"crm:sf": ("USD=1", "JPY=151")})
    rates = effective_rates(engine, Currency(corporate="EUR"))
    assert dict(rates.static) == {"EUR": 1}


def test_crm_rates_are_left_out_when_the_config_says_so(store: Engine) -> None:
    engine = _store(store, {"crm:sf": ("USD=1", "EUR=0.92")}, (("crm:sf", "EUR", date(1, 1, 1), "0.9"),))
    rates = effective_rates(engine, Currency(corporate="EUR", use_crm_rates=False))
    assert dict(rates.static) == {"EUR": 1}
    assert rates.dated == ()


def test_dated_rates_change_wherever_the_currency_or_ours_changes(store: Engine) -> None:
    dated = (
        ("crm:sf", "EUR", date(1, 1, 1), "0.9"), ("crm:sf", "EUR", date(2026, 1, 1), "0.8"),
        ("crm:sf", "JPY", date(1, 1, 1), "150"), ("crm:sf", "JPY", date(2025, 7, 1), "160"),
    )  # fmt: skip
    engine = _store(store, {"crm:sf": ("USD=1", "EUR=0.92", "JPY=151")}, dated)
    rates = effective_rates(engine, Currency(corporate="EUR"))
    got = {(d.currency, d.start): d.rate for d in rates.dated}
    want = {
        ("JPY", date(1, 1, 1)): Decimal("0.9") / 150,
        ("JPY", date(2025, 7, 1)): Decimal("0.9") / 160,
        ("JPY", date(2026, 1, 1)): Decimal("0.8") / 160,
        ("USD", date(1, 1, 1)): Decimal("0.9"),  # the org's corporate currency moves with ours
        ("USD", date(2026, 1, 1)): Decimal("0.8"),
    }
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k], rel=Decimal("1e-15")) for k in want)
    assert all(isinstance(d, DatedRate) for d in rates.dated)


def test_rates_read_back_to_18_decimals_on_both_stores(store: Engine) -> None:
    engine = _store(store, {"crm:sf": ("USD=1", "JPY=151")})
    with session(engine) as s:
        stored = s.get(CurrencyRate, ("JPY", "crm:sf"))
    assert stored is not None
    assert stored.rate == Decimal("0.006622516556291391")
