"""Money right (kpis.md section 8), end to end through the CLI: a multi-currency org (JPY, EUR, GBP and USD
accounts, Salesforce corporate currency USD, advanced currency management's dated rates) scored in EUR.

Every expected figure is computed here from the sandbox's own records (admin `get`), converted by hand:
rate(X -> EUR) = ConversionRate(EUR) / ConversionRate(X), each the dated rate of the close date where the org
has one, CurrencyType's otherwise; the config's GBP rate wins over the org's.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from sandbox.server import Sandbox, SandboxConfig
from sandbox.world import WorldSpec
from sync import build_engine, upgrade
from tests.sync.conftest_e2e import E2E, HS, JOB, NOW, SF, config_document, hs_truth, job_config, sf_ids, sf_truth

AS_OF = NOW.date()
OURS = "EUR"
GBP_IN_EUR = Decimal("1.15")  # the config's rate: it wins over the org's CurrencyType
WORLD = WorldSpec(seed=31, accounts=120, now=NOW, both_share=0.0, hubspot_only_share=0.3, duplicate_share=0.0,
                  dated_rates=True)  # fmt: skip
CLOSE = 1e-9


@dataclass(frozen=True)
class Expected:
    """An account's figures as this test computes them."""

    key: str
    arr: float
    wallet: float
    headroom: float


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox for the module: the tests only read it, except the dated-rate test, which runs last."""
    sb = Sandbox(SandboxConfig(world=WORLD)).start()
    yield sb
    sb.stop()


def _rates(sb: Sandbox) -> tuple[dict[str, Decimal], dict[str, list[tuple[date, Decimal]]]]:
    """CurrencyType's and DatedConversionRate's ConversionRate (units per corporate unit) by currency."""
    static = {}
    for record_id in sf_ids(sb, "CurrencyType"):
        row = sb.admin("get", SF, object="CurrencyType", id=record_id)
        static[row["IsoCode"]] = Decimal(str(row["ConversionRate"]))
    dated: dict[str, list[tuple[date, Decimal]]] = {}
    for record_id in sf_ids(sb, "DatedConversionRate"):
        row = sb.admin("get", SF, object="DatedConversionRate", id=record_id)
        dated.setdefault(row["IsoCode"], []).append(
            (date.fromisoformat(row["StartDate"]), Decimal(str(row["ConversionRate"])))
        )
    return static, {code: sorted(ranges) for code, ranges in dated.items()}


class Converter:
    """Hand conversion into EUR from the org's own rate records."""

    def __init__(self, sb: Sandbox) -> None:
        self.static, self.dated = _rates(sb)

    def _conversion_rate(self, code: str, day: date | None) -> Decimal:
        ranges = [rate for start, rate in self.dated.get(code, []) if day is not None and start <= day]
        return ranges[-1] if ranges else self.static[code]

    def rate(self, code: str, day: date | None = None) -> float:
        if code == OURS:
            return 1.0
        if code == "GBP":
            return float(GBP_IN_EUR)
        return float(self._conversion_rate(OURS, day) / self._conversion_rate(code, day))


def _plus_year(day: date) -> date:
    last = calendar.monthrange(day.year + 1, day.month)[1]
    return date(day.year + 1, day.month, min(day.day, last))


def _industries(accounts: dict[str, dict[str, Any]]) -> dict[str, float]:
    """A wallet ratio for every industry the world uses (distinct ratios, so that wallets differ), by its name
    in lower case: industries match whatever their case (HubSpot's MACHINERY is Salesforce's Machinery)."""
    names = sorted({a["industry"].lower() for a in accounts.values() if a["industry"]})
    return {name: round(0.01 + 0.003 * n, 4) for n, name in enumerate(names)}


def _truth(sb: Sandbox) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], str]:
    """Live accounts by key (with their revenue's currency) and live opportunities with their account key."""
    accounts: dict[str, dict[str, Any]] = {}
    for sid, a in sf_truth(sb, "Account").items():
        if not a["deleted"]:
            accounts[f"sf:{sid}"] = a
    portal_currency = str(sb.hs_account.company_currency)  # type: ignore[attr-defined]
    for hid, c in hs_truth(sb, "companies").items():
        if not c["deleted"]:
            accounts[f"hs:{hid}"] = c | {"currency": portal_currency}
    opportunities = [
        o | {"key": f"sf:{o['account']}"} for o in sf_truth(sb, "Opportunity").values() if not o["deleted"]
    ]
    opportunities += [d | {"key": f"hs:{d['account']}"} for d in hs_truth(sb, "deals").values()
                      if not d["deleted"] and d.get("account")]  # fmt: skip
    return accounts, opportunities, portal_currency


def expected_figures(sb: Sandbox) -> tuple[dict[str, Expected], dict[str, float]]:
    """Every live account's ARR at T, wallet and headroom in EUR, and the wallet ratios the config needs."""
    accounts, opportunities, _ = _truth(sb)
    rates, ratios = Converter(sb), _industries(accounts)
    arr = dict.fromkeys(accounts, 0.0)
    for o in opportunities:
        active = o["is_won"] and o["close_date"] <= AS_OF < _plus_year(o["close_date"])
        if active and o["key"] in arr and o["amount"] is not None:
            arr[o["key"]] += float(o["amount"]) * rates.rate(o["currency"], o["close_date"])
    out = {}
    for key, a in accounts.items():
        wallet = float(a["annual_revenue"]) * rates.rate(a["currency"]) * ratios[a["industry"].lower()]
        out[key] = Expected(key, arr[key], wallet, max(wallet - arr[key], 0.0))
    return out, ratios


def expected_ranks(figures: dict[str, Expected]) -> dict[str, int]:
    """Score = potential alone (the config's weights): headroom's percentile, ties by ARR, then key."""
    ordered = sorted(figures.values(), key=lambda e: (-e.headroom, -e.arr, e.key))
    return {e.key: n for n, e in enumerate(ordered, start=1)}


def write_config(e2e: E2E, ratios: dict[str, float]) -> None:
    document = config_document(e2e.sandbox, job_config()) | {
        "currency": {"corporate": OURS, "rates": {"GBP": str(GBP_IN_EUR)}, "use_crm_rates": True},
        "scoring": {"weights": {"fit": 0, "potential": 1, "momentum": 0, "health": 0}, "wallet_ratios": ratios},
        # industries by their CRM names: this test is about money (the shared vocabulary has its own tests)
        "vocabulary": {"industry_defaults": False},
    }
    e2e.config.write_text(yaml.safe_dump(document, sort_keys=False))


def run_job(e2e: E2E) -> None:
    """`accountsync run JOB --as-of T` as a user runs it: the whole job, whose scoring step stores the scores."""
    proc = e2e.cli("run", JOB, "--as-of", AS_OF.isoformat(), log="run")
    assert proc.wait(timeout=300) == 0, e2e.output("run")


def stored_figures(e2e: E2E) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The last scoring run's figures per account (with rank) and its portfolio KPIs, as the store holds them."""
    with e2e.engine.connect() as conn:
        run_id, portfolio = conn.execute(text("SELECT id, portfolio FROM scoring_run ORDER BY id DESC LIMIT 1")).one()
        rows = conn.execute(text("SELECT account_key, rank, figures FROM account_score WHERE scoring_run_id = :r"),
                            {"r": run_id}).all()  # fmt: skip
    decode = lambda v: v if isinstance(v, dict) else json.loads(v)  # noqa: E731  (JSON text on SQLite)
    return {key: decode(figures) | {"rank": rank} for key, rank, figures in rows}, decode(portfolio)


def _store(world: Sandbox, database_url: str, folder: Path) -> tuple[E2E, dict[str, Expected]]:
    engine = build_engine(database_url)
    upgrade(engine)
    e2e = E2E(world, database_url, engine, folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures, ratios = expected_figures(world)
    write_config(e2e, ratios)
    return e2e, figures


def _close(got: float | None, want: float) -> bool:
    return got is not None and abs(got - want) <= CLOSE * max(abs(want), 1.0)


def test_the_world_has_the_currencies_the_tests_need(world: Sandbox) -> None:
    accounts, opportunities, portal = _truth(world)
    assert {"JPY", "EUR", "GBP"} <= {a["currency"] for a in accounts.values()}
    assert portal == "USD"
    static, dated = _rates(world)
    assert static["USD"] == 1  # the org's corporate currency...
    assert static[OURS] != 1  # ...is not ours
    assert set(dated) == {"EUR", "GBP", "JPY"}
    assert any(o["is_won"] and o["currency"] == "JPY" for o in opportunities)


def test_wallet_headroom_arr_and_rank_equal_the_hand_conversion(
    world: Sandbox, database_url: str, tmp_path: Path
) -> None:
    e2e, expected = _store(world, database_url, tmp_path / "store")
    run_job(e2e)
    stored, portfolio = stored_figures(e2e)
    assert set(stored) == set(expected)
    names = ("arr", "wallet", "headroom")
    wrong = {key: (want, {k: stored[key].get(k) for k in names}) for key, want in expected.items()
             if not all(_close(stored[key].get(k), getattr(want, k)) for k in names)}  # fmt: skip
    assert wrong == {}
    ranks = expected_ranks(expected)
    assert {key: row["rank"] for key, row in stored.items()} == ranks
    assert _close(portfolio["arr"], sum(e.arr for e in expected.values()))
    assert portfolio["currency"] == OURS
    e2e.engine.dispose()


def test_sqlite_and_postgresql_give_the_same_figures(
    world: Sandbox, sqlite_url: str, pg_url: str, tmp_path: Path
) -> None:
    results = []
    for name, url in (("sqlite", sqlite_url), ("postgresql", pg_url)):
        e2e, _ = _store(world, url, tmp_path / name)
        run_job(e2e)
        results.append(stored_figures(e2e))
        e2e.engine.dispose()
    (lite, lite_kpis), (pg, pg_kpis) = results
    assert set(lite) == set(pg)
    differ = {key: name for key in lite for name, value in lite[key].items()
              if isinstance(value, float) and not _close(pg[key].get(name), value)}  # fmt: skip
    assert differ == {}
    assert {k: r["rank"] for k, r in lite.items()} == {k: r["rank"] for k, r in pg.items()}
    kpis = {name for name, value in lite_kpis.items() if isinstance(value, float)}
    assert {"arr", "arpa", "nrr", "grr"} <= kpis
    assert {name for name in kpis if not _close(pg_kpis.get(name), lite_kpis[name])} == set()


def _jpy_contract(world: Sandbox) -> dict[str, Any]:
    """A won JPY opportunity active at T, closed this year (so the year's dated rate applies)."""
    _, opportunities, _ = _truth(world)
    found = [o for o in opportunities if o["currency"] == "JPY" and o["is_won"] and o["close_date"].year == AS_OF.year
             and o["close_date"] <= AS_OF and o["key"].startswith("sf:")]  # fmt: skip
    assert found, "the world has no JPY contract closed this year"
    return min(found, key=lambda o: o["close_date"])


def _dated_rate_id(world: Sandbox, code: str, start: date) -> str:
    for record_id in sf_ids(world, "DatedConversionRate"):
        row = world.admin("get", SF, object="DatedConversionRate", id=record_id)
        if row["IsoCode"] == code and row["StartDate"] == start.isoformat():
            return record_id
    raise AssertionError(f"no dated rate for {code} from {start}")


def test_an_opportunity_takes_the_dated_rate_of_its_close_date(world: Sandbox, sqlite_url: str, tmp_path: Path) -> None:
    contract = _jpy_contract(world)
    e2e, expected = _store(world, sqlite_url, tmp_path / "store")
    run_job(e2e)
    before, _ = stored_figures(e2e)
    converter = Converter(world)
    year = date(AS_OF.year, 1, 1)
    dated = converter.rate("JPY", contract["close_date"])
    assert dated != pytest.approx(
        float(converter.static[OURS] / converter.static["JPY"]), rel=1e-6
    )  # not CurrencyType's
    assert _close(before[contract["key"]]["arr"], expected[contract["key"]].arr)

    # The org revalues JPY for this year only: the contract's ARR follows, read incrementally.
    old = next(rate for start, rate in converter.dated["JPY"] if start == year)
    world.admin("update", SF, object="DatedConversionRate", id=_dated_rate_id(world, "JPY", year),
                fields={"ConversionRate": float(old * 2)})  # fmt: skip
    after_expected, _ = expected_figures(world)
    run_job(e2e)
    after, _ = stored_figures(e2e)
    # The contract (and any other JPY contract of the account closed this year) now counts at half the rate.
    assert after_expected[contract["key"]].arr <= expected[contract["key"]].arr - float(contract["amount"]) * dated / 2
    assert _close(after[contract["key"]]["arr"], after_expected[contract["key"]].arr)
    # Exactly the accounts holding a JPY contract closed this year (active at T) moved; the rest kept their ARR.
    revalued = {o["key"] for o in _truth(world)[1] if o["currency"] == "JPY" and o["is_won"]
                and year <= o["close_date"] <= AS_OF < _plus_year(o["close_date"])}  # fmt: skip
    assert {k for k in before if not _close(after[k]["arr"], before[k]["arr"])} == revalued
    assert all(_close(after[k]["arr"], e.arr) for k, e in after_expected.items())
    e2e.engine.dispose()


def test_a_portal_that_will_not_say_its_currency_makes_the_run_partial_not_failed(
    e2e_starter: Any, sqlite_url: str
) -> None:
    e2e = e2e_starter(sqlite_url, accounts=40)
    e2e.sandbox.add_fault(crm=HS, kind="status", code=403, path="/account-info/v3/details")
    summary = e2e.sync()
    assert summary.status == "partial"
    assert [e["kind"] for e in summary.errors] == ["currency"]
    assert "hubspot" in summary.errors[0]["message"]
    assert summary.streams["hubspot.deals"]["inserted"] > 0
    with e2e.engine.connect() as conn:
        known = dict(conn.execute(text("SELECT connection, currency FROM crm_currency")).all())
    assert known == {SF: "USD"}  # the org said; the portal did not
