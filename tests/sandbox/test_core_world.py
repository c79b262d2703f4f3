"""The synthetic world: deterministic, realistic shares, and invariants every record keeps."""

from __future__ import annotations

import itertools
import pickle
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sandbox.catalog import NAME_FIRST, NAME_SECOND, OPEN_STAGES, STAGES, TLDS
from sandbox.errors import SpecError
from sandbox.world import (
    DEAL_SLOTS,
    OWNERS,
    PUBLIC_MAIL_DOMAINS,
    RATES,
    Company,
    Deal,
    WorldSpec,
    companies,
    company,
    deals,
    default_now,
    to_usd,
    usage,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SPEC = WorldSpec(seed=7, accounts=3000, now=NOW)


@pytest.fixture(scope="module")
def world() -> list[Company]:
    return list(companies(SPEC))


@pytest.fixture(scope="module")
def all_deals(world: list[Company]) -> list[Deal]:
    return [d for c in world for d in deals(SPEC, c)]


def test_same_spec_and_index_give_the_same_records() -> None:
    again = WorldSpec(seed=7, accounts=3000, now=NOW)
    for i in (0, 1, 17, 2999):
        assert company(SPEC, i) == company(again, i)
        assert deals(SPEC, company(SPEC, i)) == deals(again, company(again, i))


def test_a_record_does_not_depend_on_the_world_size() -> None:
    small = WorldSpec(seed=7, accounts=50, now=NOW)
    assert [company(small, i) for i in range(50)] == [company(SPEC, i) for i in range(50)]


def test_another_seed_gives_another_world() -> None:
    other = WorldSpec(seed=8, accounts=3000, now=NOW)
    assert [company(other, i).name for i in range(20)] != [company(SPEC, i).name for i in range(20)]


def test_companies_streams_in_index_order(world: list[Company]) -> None:
    assert [c.index for c in world] == list(range(SPEC.accounts))


def test_crm_shares_follow_the_spec(world: list[Company]) -> None:
    shares = Counter(c.crms for c in world)
    assert shares["both"] / len(world) == pytest.approx(SPEC.both_share, abs=0.03)
    assert shares["hubspot"] / len(world) == pytest.approx(SPEC.hubspot_only_share, abs=0.03)
    linked = [c.linked for c in world if c.crms == "both"]
    assert sum(linked) / len(linked) == pytest.approx(SPEC.linked_share, abs=0.05)
    assert not any(c.linked for c in world if c.crms != "both")


def test_duplicates_and_deletions_are_a_small_share(world: list[Company]) -> None:
    merged = [c for c in world if c.merged_into is not None]
    deleted = [c for c in world if c.deleted]
    assert 0.005 < len(merged) / len(world) < 0.04
    assert 0.005 < len(deleted) / len(world) < 0.04


def test_a_duplicate_is_merged_into_an_earlier_live_survivor_in_the_same_crm(world: list[Company]) -> None:
    for dup in (c for c in world if c.merged_into is not None):
        assert dup.merged_into is not None
        survivor = world[dup.merged_into]
        assert survivor.index < dup.index
        assert survivor.merged_into is None
        assert not survivor.deleted
        assert dup.domain == survivor.domain
        assert dup.crms in ("salesforce", "hubspot")
        assert survivor.crms in (dup.crms, "both")
        assert survivor.created_at <= dup.created_at <= dup.modified_at <= NOW
        assert deals(SPEC, dup) == []


def test_live_domains_are_unique_and_lower_case(world: list[Company]) -> None:
    live = [c.domain for c in world if c.merged_into is None and not c.public_domain]
    assert len(live) == len(set(live))
    assert all(d == d.lower() and "/" not in d and not d.startswith("www.") for d in live)


def test_every_name_part_combination_makes_a_distinct_domain() -> None:
    stems = ["".join(p).lower() for p in itertools.product(NAME_FIRST, (s for s, _ in NAME_SECOND))]
    assert len(stems) == len(set(stems))
    assert len({f"{s}.{t}" for s in stems for t in TLDS}) == len(stems) * len(TLDS)


def test_domains_stay_unique_past_the_name_space() -> None:
    size = len(NAME_FIRST) * len(NAME_SECOND) * len(TLDS)
    big = WorldSpec(seed=7, accounts=size * 3, now=NOW)
    picks = [company(big, i) for i in range(0, size * 3, 97)]
    live = [c.domain for c in picks if c.merged_into is None and not c.public_domain]
    assert len(live) == len(set(live))


def test_some_hubspot_domains_need_normalising_and_public_mail_domains_exist(world: list[Company]) -> None:
    odd = [c for c in world if c.in_hubspot and c.hs_domain != c.domain]
    assert odd
    for c in odd:
        bare = c.hs_domain.lower().removeprefix("https://").removeprefix("www.").rstrip("/")
        assert bare == c.domain
    public = [c for c in world if c.public_domain]
    assert public
    assert all(c.domain in PUBLIC_MAIL_DOMAINS and c.crms != "both" and not c.linked for c in public)


def test_company_fields_are_in_range(world: list[Company]) -> None:
    for c in world:
        assert SPEC.start <= c.created_at <= c.modified_at <= NOW
        assert c.created_at.microsecond % 1000 == 0
        assert 0 <= c.owner < len(OWNERS)
        assert c.employees >= 10
        assert c.annual_revenue > 0
        assert c.currency in RATES
        assert c.lifecycle in ("prospect", "customer", "churned")


def test_a_parent_is_an_earlier_live_company_in_the_same_crm(world: list[Company]) -> None:
    children = [c for c in world if c.parent is not None]
    assert children
    for child in children:
        assert child.parent is not None
        parent = world[child.parent]
        assert parent.index < child.index
        assert parent.crms in (child.crms, "both")
        assert not parent.deleted
        assert parent.merged_into is None


def test_single_currency_world_is_all_usd() -> None:
    spec = WorldSpec(seed=7, accounts=200, now=NOW, multi_currency=False)
    assert {c.currency for c in companies(spec)} == {"USD"}


def test_multi_currency_world_has_the_four_currencies(world: list[Company]) -> None:
    assert {c.currency for c in world} == {"USD", "EUR", "GBP", "JPY"}
    assert to_usd(Decimal("151"), "JPY") == Decimal(1)


def test_deal_count_follows_the_spec(world: list[Company], all_deals: list[Deal]) -> None:
    assert len(all_deals) / len(world) == pytest.approx(SPEC.deals_per_account, rel=0.2)


def test_deal_invariants(all_deals: list[Deal]) -> None:
    for d in all_deals:
        times = [t for _, t in d.history]
        assert times == sorted(times)
        assert len(set(times)) == len(times)
        assert d.created_at == times[0]
        assert d.created_at <= d.modified_at <= NOW
        assert times[-1] <= NOW
        assert d.stage == d.history[-1][0]
        assert d.is_closed == (d.stage in ("closed_won", "closed_lost"))
        assert not d.is_won or d.is_closed
        assert sum(li.total_price for li in d.line_items) == d.amount
        assert d.amount > 0
        assert d.term_months in (12, 24, 36)
        assert 0 <= d.index - d.company * DEAL_SLOTS < DEAL_SLOTS


def test_closed_deals_close_in_the_past_and_open_ones_in_the_future(all_deals: list[Deal]) -> None:
    for d in all_deals:
        if d.is_closed:
            assert d.close_date <= NOW.date()
            assert d.history[-1][1].date() == d.close_date
        else:
            assert d.close_date >= NOW.date()
            assert d.stage in OPEN_STAGES


def test_some_deals_move_back_a_stage(all_deals: list[Deal]) -> None:
    assert any(len({s for s, _ in d.history}) < len(d.history) for d in all_deals)


def test_every_stage_and_type_occurs(all_deals: list[Deal]) -> None:
    assert {d.stage for d in all_deals} == {s.key for s in STAGES}
    assert {d.type for d in all_deals} == {"new_business", "expansion", "renewal", "other"}


def test_portfolios_match_the_lifecycle(world: list[Company]) -> None:
    for c in world[:800]:
        mine = deals(SPEC, c)
        if c.merged_into is not None:
            continue
        won_new = [d for d in mine if d.type == "new_business" and d.is_won]
        lost_renewals = [d for d in mine if d.type == "renewal" and d.is_closed and not d.is_won]
        if c.lifecycle == "prospect":
            assert not won_new
        elif c.lifecycle == "customer":
            assert len(won_new) == 1
            assert not lost_renewals
        else:
            assert len(won_new) == 1
            assert len(lost_renewals) == 1
            assert all(d.close_date <= lost_renewals[0].close_date for d in mine)


def test_deals_live_in_a_crm_of_their_company(world: list[Company]) -> None:
    shares: Counter[str] = Counter()
    for c in world:
        for d in deals(SPEC, c):
            assert d.crm == c.crms or c.crms == "both"
            if c.crms == "both":
                shares[d.crm] += 1
    assert shares["salesforce"] > 3 * shares["hubspot"] > 0


def test_usage_runs_from_the_first_win_to_churn(world: list[Company]) -> None:
    customer = next(c for c in world if c.lifecycle == "customer" and not c.deleted)
    churned = next(c for c in world if c.lifecycle == "churned" and not c.deleted)
    prospect = next(c for c in world if c.lifecycle == "prospect")
    assert usage(SPEC, prospect) == []
    rows = usage(SPEC, customer)
    assert rows[-1][0] == NOW.date().replace(day=1)
    assert all(0 <= active <= seats for _, active, seats in rows)
    lost = max(d.close_date for d in deals(SPEC, churned) if d.type == "renewal")
    assert usage(SPEC, churned)[-1][0] <= lost


@pytest.mark.parametrize(
    "kwargs",
    [
        {"accounts": 5},
        {"accounts": 1_000_001},
        {"both_share": 0.8, "hubspot_only_share": 0.3},
        {"linked_share": 1.5},
        {"now": datetime(2026, 11, 1)},  # naive
        {"start": NOW - timedelta(days=30)},
        {"deals_per_account": 0.0},
    ],
)
def test_an_impossible_spec_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        WorldSpec(**{"now": NOW, **kwargs})  # type: ignore[arg-type]


def test_defaults_are_today_at_midnight_and_three_years_of_history() -> None:
    spec = WorldSpec()
    assert spec.now == default_now()
    assert (spec.now.hour, spec.now.minute, spec.now.second) == (0, 0, 0)
    assert spec.now - spec.start == timedelta(days=3 * 365)


def test_company_outside_the_world_is_an_index_error() -> None:
    with pytest.raises(IndexError):
        company(SPEC, SPEC.accounts)


def test_specs_and_records_pickle() -> None:
    c = company(SPEC, 3)
    assert pickle.loads(pickle.dumps((SPEC, c, deals(SPEC, c)))) == (SPEC, c, deals(SPEC, c))  # noqa: S301
