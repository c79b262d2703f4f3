"""Target lists end to end: a HubSpot company list kept from the latest scoring run through the real SDK against
the sandbox; the list checked in the sandbox's own memory; only changes sent; dry run equal; rejections kept."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlmodel import select

from sync import session
from sync.scoring_store import score_store
from sync.tables import AccountScore, SourceAccount, TargetListMember
from sync.target_lists import ListPublish, publish_target_lists

from .conftest_e2e import E2E, HS, HS_OBJECTS, JOB, Starter

LIST = "ABM tier A+B"


def _sandbox_members(e2e: E2E) -> set[str]:
    """The list's members as the sandbox holds them (no API call)."""
    with e2e.sandbox.lock(HS):
        lists: Any = e2e.sandbox.hs_account.object_lists  # type: ignore[attr-defined]
        found = lists.named(LIST)
        return set() if found is None else {str(record) for record in found.members}


def _expected(e2e: E2E, top: int) -> set[str]:
    """By hand from the store: the `top` best-ranked accounts of tiers A and B, as their HubSpot company ids."""
    with session(e2e.engine) as s:
        scores = s.exec(select(AccountScore.account_key, AccountScore.tier, AccountScore.rank)).all()
        ranked = sorted((rank, key) for key, tier, rank in scores if tier in ("A", "B"))
        keys = {key for _, key in ranked[:top]}
        rows = s.exec(select(SourceAccount.source_id, SourceAccount.account_key, SourceAccount.connection)).all()
    return {source for source, key, connection in rows if key in keys and connection == HS}


def _publish(e2e: E2E, *, dry_run: bool = False) -> ListPublish:
    [done] = publish_target_lists(e2e.engine, e2e.deployment(), JOB, dry_run=dry_run)
    return done


def test_a_list_is_filled_trimmed_left_alone_and_dry_runs_plan_what_runs_send(e2e_starter: Starter,
                                                                            sqlite_url: str) -> None:  # fmt: skip
    target = {"name": LIST, "connection": HS, "tiers": ["A", "B"], "top": 6}
    e2e = e2e_starter(sqlite_url, accounts=150, seed=23, sf=None, hs=HS_OBJECTS, target_lists=[target])
    assert e2e.sync().status == "succeeded"
    score_store(e2e.engine, e2e.deployment(), as_of=date(2026, 11, 1))
    wanted = _expected(e2e, 6)
    assert len(wanted) >= 3

    planned = _publish(e2e, dry_run=True)
    assert (planned.create, set(planned.add), planned.remove) == (True, wanted, ())
    assert _sandbox_members(e2e) == set()  # the dry run wrote nothing
    done = _publish(e2e)
    assert (done.create, done.add, done.remove, done.rejected) == (True, planned.add, (), ())
    assert _sandbox_members(e2e) == wanted

    again = _publish(e2e)
    assert (again.add, again.remove, again.calls) == ((), (), 0)  # unchanged: not a single call

    e2e.write_config(sf=None, hs=HS_OBJECTS, target_lists=[target | {"top": 2}])
    trim_plan = _publish(e2e, dry_run=True)
    trim = _publish(e2e)
    assert (trim_plan.add, trim_plan.remove) == (trim.add, trim.remove)
    assert set(trim.remove) == wanted - _expected(e2e, 2)
    assert trim.add == ()
    assert _sandbox_members(e2e) == _expected(e2e, 2)

    # Through the CLI: a company archived in HubSpot after the pull is refused when it is added back, and kept
    # as a rejection in the store.
    returning = sorted(wanted - _expected(e2e, 2), key=int)[0]
    e2e.sandbox.admin("delete", HS, object="companies", ids=[int(returning)])
    e2e.write_config(sf=None, hs=HS_OBJECTS, target_lists=[target])
    proc = e2e.cli("lists", "publish", JOB, "--format", "json")
    assert proc.wait(timeout=120) == 0, e2e.output()
    [shown] = json.loads(e2e.output()[0])
    assert shown["rejected"] == [returning]
    assert _sandbox_members(e2e) == wanted - {returning}
    with session(e2e.engine) as s:
        refused = s.exec(select(TargetListMember).where(TargetListMember.record_id == returning)).one()
    assert refused.rejected is not None
