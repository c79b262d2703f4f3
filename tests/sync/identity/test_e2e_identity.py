"""End to end: the same company in both CRMs is one account; merges follow the survivor; precedence decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from sandbox.catalog import INDUSTRIES
from sandbox.hubspot.default_properties import INDUSTRY_VALUES
from sandbox.hubspot.seeding import company_id
from sandbox.salesforce.ids import make_id
from sandbox.world import companies
from sync import Account, Opportunity, SourceAccount, session
from tests.sync.conftest_e2e import HS, SF, hs_truth, sf_truth, stamp_text

Ref = tuple[str, str]


def record_keys(engine) -> dict[Ref, str | None]:
    with session(engine) as s:
        rows = s.exec(select(SourceAccount.connection, SourceAccount.source_id, SourceAccount.account_key)).all()
    return {(c, i): k for c, i, k in rows}


def opportunity_keys(engine) -> dict[Ref, str | None]:
    with session(engine) as s:
        rows = s.exec(select(Opportunity.connection, Opportunity.source_id, Opportunity.account_key)).all()
    return {(c, i): k for c, i, k in rows}


def accounts(engine) -> dict[str, Account]:
    with session(engine) as s:
        return {a.key: a for a in s.exec(select(Account)).all()}


def world_companies(e2e) -> list[Any]:
    return list(companies(e2e.sandbox.config.world))


def test_a_company_in_both_crms_is_one_account_by_link_field_and_by_domain(make_e2e) -> None:
    e2e = make_e2e(accounts=120, sf=["Account"], hs=["companies"])
    e2e.sync()
    keys = record_keys(e2e.engine)
    shared = [c for c in world_companies(e2e) if c.crms == "both" and not c.deleted and c.merged_into is None]
    linked = [c for c in shared if c.linked]
    by_domain = [c for c in shared if not c.linked]
    assert linked, "the world should link some companies explicitly"
    assert by_domain, "and leave others to the domain"
    for c in shared:
        sf_key, hs_key = keys[(SF, make_id("001", c.index))], keys[(HS, str(company_id(c.index)))]
        assert sf_key == hs_key == f"sf:{make_id('001', c.index)}", (c.index, c.linked, c.domain, c.hs_domain)
    alone = [c for c in world_companies(e2e) if c.crms == "hubspot" and not c.deleted and c.merged_into is None]
    assert all(keys[(HS, str(company_id(c.index)))] == f"hs:{company_id(c.index)}" for c in alone)
    live = [k for k, a in accounts(e2e.engine).items() if a.deleted_at is None]
    live_records = [(SF, i) for i, r in sf_truth(e2e.sandbox, "Account").items() if not r["deleted"]]
    live_records += [(HS, i) for i, r in hs_truth(e2e.sandbox, "companies").items() if not r["deleted"]]
    assert len(live) == len({keys[ref] for ref in live_records}) == len(live_records) - len(shared)


def test_a_salesforce_merge_moves_the_victims_opportunities_to_the_survivors_account(make_e2e) -> None:
    e2e = make_e2e(sf=["Account", "Opportunity"], hs=["companies"])
    e2e.sync()
    opps = sf_truth(e2e.sandbox, "Opportunity")
    owners = [c for c in world_companies(e2e) if c.crms == "salesforce" and not c.deleted and c.merged_into is None]
    holders = {o["account"] for o in opps.values() if not o["deleted"]}
    with_deals = [make_id("001", c.index) for c in owners if make_id("001", c.index) in holders]
    survivor, victim = with_deals[0], with_deals[1]
    moved = [i for i, o in opps.items() if o["account"] == victim and not o["deleted"]]
    e2e.sandbox.admin("merge", SF, object="Account", survivor=survivor, victim=victim)

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    keys, opp_keys = record_keys(e2e.engine), opportunity_keys(e2e.engine)
    assert keys[(SF, victim)] == keys[(SF, survivor)] == f"sf:{survivor}"
    assert {opp_keys[(SF, i)] for i in moved} == {f"sf:{survivor}"}
    with session(e2e.engine) as s:
        row = s.exec(select(SourceAccount).where(SourceAccount.source_id == victim)).one()
    assert row.merged_into == survivor
    assert row.deleted_at is not None
    assert accounts(e2e.engine)[f"sf:{victim}"].deleted_at is not None, "the victim's account is retired"


def test_a_hubspot_merge_moves_the_victims_deals_to_the_survivors_account(make_e2e) -> None:
    e2e = make_e2e(sf=None, hs=["companies", "deals"])
    e2e.sync()
    deals = hs_truth(e2e.sandbox, "deals")
    alone = [str(company_id(c.index)) for c in world_companies(e2e)
             if c.crms == "hubspot" and not c.deleted and c.merged_into is None]  # fmt: skip
    with_deals = [c for c in alone if any(d.get("account") == c for d in deals.values())]
    survivor, victim = with_deals[0], with_deals[1]
    moved = [i for i, d in deals.items() if d.get("account") == victim]
    e2e.sandbox.admin("merge", HS, object="companies", survivor=survivor, victim=victim)

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    keys, opp_keys = record_keys(e2e.engine), opportunity_keys(e2e.engine)
    assert keys[(HS, victim)] == keys[(HS, survivor)] == f"hs:{survivor}"
    assert {opp_keys[(HS, i)] for i in moved} == {f"hs:{survivor}"}
    assert accounts(e2e.engine)[f"hs:{victim}"].deleted_at is not None, "the victim's account is retired"


def test_precedence_rules_decide_the_values_two_crms_disagree_on(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])  # name: salesforce, industry: most_recent, employees: hubspot
    e2e.sync()
    pair = next(c for c in world_companies(e2e) if c.crms == "both" and c.linked and not c.deleted)
    sf_id, hs_id, key = make_id("001", pair.index), company_id(pair.index), f"sf:{make_id('001', pair.index)}"
    # a HubSpot code other than the one the company holds now (the pair's industry, in HubSpot's spelling)
    hs_industry = next(code for code, _ in INDUSTRY_VALUES.values() if code != INDUSTRY_VALUES[pair.industry][0])
    sf_industry = next(i for i in INDUSTRIES if i != pair.industry)
    now = datetime.now(UTC)
    e2e.sandbox.admin(
        "update",
        SF,
        object="Account",
        id=sf_id,
        stamp=stamp_text(now - timedelta(seconds=2)),
        fields={"Name": "Orbital SF", "NumberOfEmployees": 111, "AnnualRevenue": 5_000_000, "Industry": sf_industry},
    )
    e2e.sandbox.admin(
        "update",
        HS,
        object="companies",
        id=hs_id,
        stamp=stamp_text(now - timedelta(seconds=1)),
        fields={"name": "Orbital HS", "numberofemployees": "222", "annualrevenue": "7000000", "industry": hs_industry},
    )

    e2e.sync()

    account = accounts(e2e.engine)[key]
    assert (account.name, account.employees, account.industry) == ("Orbital SF", 222, hs_industry)
    assert account.annual_revenue == 5_000_000, "unlisted fields follow the default precedence (salesforce)"

    e2e.sandbox.admin("update", SF, object="Account", id=sf_id, fields={"Industry": pair.industry},
                      stamp=stamp_text(now))  # fmt: skip
    e2e.sync()

    assert accounts(e2e.engine)[key].industry == pair.industry, "now Salesforce holds the most recent value"


def test_an_unchanged_account_is_not_rewritten_by_the_next_run(make_e2e) -> None:
    e2e = make_e2e(sf=["Account"], hs=["companies"])
    e2e.sync()
    before = {a.key: a.updated_at for a in accounts(e2e.engine).values()}
    pair = next(c for c in world_companies(e2e) if c.crms == "both" and c.linked and not c.deleted)
    key = f"sf:{make_id('001', pair.index)}"
    e2e.sandbox.admin("update", SF, object="Account", id=make_id("001", pair.index), fields={"Name": "Renamed Co"})

    e2e.sync()

    after = {a.key: a.updated_at for a in accounts(e2e.engine).values()}
    assert accounts(e2e.engine)[key].name == "Renamed Co"
    assert [k for k in after if after[k] != before.get(k)] == [key], "only the changed account was rewritten"
