"""Target lists end to end, in both CRMs: a HubSpot MANUAL company list and a Salesforce campaign of accounts kept
from the latest scoring run, through the real SDKs against the sandbox; the list checked in the sandbox's own
memory; only changes sent; a dry run plans what the run sends; a refused account kept as a rejection."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from sync import session
from sync.jobs import run_pipeline
from sync.scores.scoring import score_store
from sync.store.tables import AccountScore, SourceAccount, TargetListMember
from sync.writeback.target_lists import ListPublish, publish_target_lists
from tests.sync.conftest_e2e import E2E, HS, HS_OBJECTS, JOB, SF, SF_OBJECTS, Starter

LIST = "ABM tier A+B"
OBJECTS: dict[str, dict[str, Any]] = {HS: {"sf": None, "hs": HS_OBJECTS}, SF: {"sf": SF_OBJECTS, "hs": None}}


def _short(record_id: str) -> str:
    return record_id[:15] if len(record_id) == 18 else record_id  # a Salesforce id in its 15-character form


def _sandbox_members(e2e: E2E, crm: str) -> set[str]:
    """The list's members as the sandbox holds them (no API call)."""
    with e2e.sandbox.lock(crm):  # type: ignore[arg-type]
        if crm == HS:
            found = e2e.sandbox.hs_account.object_lists.named(LIST)  # type: ignore[attr-defined]
            return set() if found is None else {str(record) for record in found.members}
        org: Any = e2e.sandbox.sf_org
        campaigns, members, accounts = org.table("Campaign"), org.table("CampaignMember"), org.table("Account")
        # The sandbox keeps a reference as the row of the record it names.
        named = {r for r in campaigns.rows(include_deleted=False) if campaigns.get(r, "Name") == LIST}
        return {_short(accounts.id_of(members.get(r, "AccountId"))) for r in members.rows(include_deleted=False)
                if members.get(r, "CampaignId") in named}  # fmt: skip


def _expected(e2e: E2E, crm: str, top: int) -> set[str]:
    """By hand from the store: the `top` best-ranked accounts of tiers A and B, as the CRM's record ids."""
    with session(e2e.engine) as s:
        latest = max(s.exec(select(AccountScore.scoring_run_id)).all())
        scores = s.exec(select(AccountScore.account_key, AccountScore.tier, AccountScore.rank)
                        .where(AccountScore.scoring_run_id == latest)).all()  # fmt: skip
        ranked = sorted((rank, key) for key, tier, rank in scores if tier in ("A", "B"))
        keys = {key for _, key in ranked[:top]}
        rows = s.exec(select(SourceAccount).where(SourceAccount.connection == crm)).all()
    return {
        _short(r.source_id) for r in rows if r.account_key in keys and r.deleted_at is None and r.merged_into is None
    }


def _publish(e2e: E2E, *, dry_run: bool = False) -> ListPublish:
    [done] = publish_target_lists(e2e.engine, e2e.deployment(), JOB, dry_run=dry_run)
    return done


@pytest.mark.parametrize("crm", [HS, SF])
def test_a_list_is_filled_trimmed_left_alone_and_dry_runs_plan_what_runs_send(e2e_starter: Starter, sqlite_url: str,
                                                                            crm: str) -> None:  # fmt: skip
    target = {"name": LIST, "connection": crm, "tiers": ["A", "B"], "top": 6}
    e2e = e2e_starter(sqlite_url, accounts=150, seed=23, target_lists=[target], **OBJECTS[crm])
    assert e2e.sync().status == "succeeded"
    score_store(e2e.engine, e2e.deployment(), as_of=date(2026, 11, 1))
    wanted = _expected(e2e, crm, 6)
    assert len(wanted) >= 3

    planned = _publish(e2e, dry_run=True)
    assert (planned.create, {_short(x) for x in planned.add}, planned.remove) == (True, wanted, ())
    assert _sandbox_members(e2e, crm) == set()  # the dry run wrote nothing
    done = _publish(e2e)
    assert (done.create, done.add, done.remove, done.rejected) == (True, planned.add, (), ())
    assert _sandbox_members(e2e, crm) == wanted

    again = _publish(e2e)
    assert (again.add, again.remove, again.calls) == ((), (), 0)  # unchanged: not a single call

    e2e.write_config(target_lists=[target | {"top": 2}], **OBJECTS[crm])
    trim_plan = _publish(e2e, dry_run=True)
    trim = _publish(e2e)
    assert (trim_plan.add, trim_plan.remove) == (trim.add, trim.remove)
    assert {_short(x) for x in trim.remove} == wanted - _expected(e2e, crm, 2)
    assert trim.add == ()
    assert _sandbox_members(e2e, crm) == _expected(e2e, crm, 2)

    # Through the CLI: an account deleted in the CRM after the pull is refused when it is added back, and kept as
    # a rejection in the store.
    returning = next(x for x in done.add if _short(x) not in _expected(e2e, crm, 2))
    e2e.sandbox.admin("delete", crm, object="companies" if crm == HS else "Account",  # type: ignore[arg-type]
                      ids=[int(returning)] if crm == HS else [returning])  # fmt: skip
    e2e.write_config(target_lists=[target], **OBJECTS[crm])
    proc = e2e.cli("lists", "publish", JOB, "--format", "json")
    assert proc.wait(timeout=120) == 0, e2e.output()
    [shown] = json.loads(e2e.output()[0])
    assert shown["rejected"] == [returning]
    assert _sandbox_members(e2e, crm) == wanted - {_short(returning)}
    with session(e2e.engine) as s:
        refused = s.exec(select(TargetListMember).where(TargetListMember.record_id == returning)).one()
    assert refused.rejected is not None

    # The whole job: pull (the deleted account goes), score again, and the target-list step keeps the list right.
    summary = run_pipeline(e2e.deployment(), JOB, engine=e2e.engine, as_of=date(2026, 11, 1))
    [step] = [step for step in summary.steps if step["name"] == "target_lists"]
    assert step["status"] == "succeeded", step
    assert _sandbox_members(e2e, crm) == _expected(e2e, crm, 6)
