"""`accountsync kpis --by owner` names owners from the CRMs' own owner directories when the job pulls no users
or owners (no people streams): the names the account page and the ranked list already show, never an id."""

from __future__ import annotations

import json
from typing import Any

from sandbox.world import OWNERS
from tests.sync.conftest_e2e import NOW


def test_owner_segments_name_owners_from_the_crm_directories_without_people_streams(make_e2e: Any) -> None:
    e2e = make_e2e(accounts=40, seed=4, sf=["Account", "Opportunity"], hs=["companies", "deals"])
    assert e2e.sync().status == "succeeded"
    rows = {}
    for by in ("owner", "industry"):
        proc = e2e.cli("kpis", "--by", by, "--as-of", NOW.date().isoformat(), "--format", "json", log=f"kpis-{by}")
        assert proc.wait(timeout=300) == 0, e2e.output(f"kpis-{by}")
        rows[by] = json.loads(e2e.output(f"kpis-{by}")[0])

    named = {row["owner"] for row in rows["owner"]}
    assert named
    assert named <= {o.name for o in OWNERS}, "every owner by the name its CRM gives (the world's owners)"
    assert sum(row["accounts"] for row in rows["owner"]) == sum(row["accounts"] for row in rows["industry"])
