"""End to end: implausible CRM data (an account that is its own parent, negative employees and revenue, a
revenue of 1e300, a won deal's negative amount, close dates 0001-01-01 and 9999-12-31) is stored with those
fields empty and a data-quality warning naming record and field, listed on the run; every record is kept and
every other value is the CRM's."""

from __future__ import annotations

from typer.testing import CliRunner

from accountsync.cli import app
from tests.sync.conftest_e2e import HS, SF, differences, hs_truth, sf_truth, store_view

EMPTIED = {"employees": None, "annual_revenue": None, "parent": None}


def test_implausible_fields_are_stored_empty_with_warnings_and_nothing_else_is_lost(make_e2e) -> None:
    e2e = make_e2e(sf=["Account", "Opportunity"], hs=["companies", "deals"])
    accounts = sorted(i for i, r in sf_truth(e2e.sandbox, "Account").items() if not r["deleted"])
    won = sorted(i for i, r in sf_truth(e2e.sandbox, "Opportunity").items() if r["is_won"] and not r["deleted"])
    companies = sorted(i for i, r in hs_truth(e2e.sandbox, "companies").items() if not r["deleted"])
    bad = {  # (CRM, object, id) -> the implausible values
        (SF, "Account", accounts[0]): {"ParentId": accounts[0], "NumberOfEmployees": -5},
        (SF, "Account", accounts[1]): {"AnnualRevenue": 1e300},
        (SF, "Account", accounts[2]): {"AnnualRevenue": -2_000_000},
        (SF, "Opportunity", won[0]): {"Amount": -4_000},
        (SF, "Opportunity", won[1]): {"CloseDate": "9999-12-31"},
        (SF, "Opportunity", won[2]): {"CloseDate": "0001-01-01"},
        (HS, "companies", companies[0]): {"numberofemployees": "-3"},
    }
    for (crm, obj, record_id), fields in bad.items():
        e2e.sandbox.admin("update", crm, object=obj, id=record_id, fields=fields)

    summary = e2e.sync()

    assert summary.status == "succeeded", (summary.message, summary.errors)  # warnings are not errors
    warned = {(w["record_id"], w["field"]) for w in _warnings(e2e, summary.run_id)}
    assert warned == {(record_id, name) for (_, _, record_id), fields in bad.items() for name in fields}
    checks = {"Account": (SF, sf_truth), "Opportunity": (SF, sf_truth), "companies": (HS, hs_truth)}
    column = {"ParentId": "parent", "NumberOfEmployees": "employees", "AnnualRevenue": "annual_revenue",
              "Amount": "amount", "CloseDate": "close_date", "numberofemployees": "employees"}  # fmt: skip
    for obj, (crm, truth_of) in checks.items():
        truth, stored = truth_of(e2e.sandbox, obj), store_view(e2e.engine, obj, crm)
        for (bad_crm, bad_obj, record_id), fields in bad.items():
            if (bad_crm, bad_obj) != (crm, obj):
                continue
            for name in fields:  # stored empty; the CRM's value is what the rest of the comparison skips
                assert stored[record_id][column[name]] is None, (record_id, name)
                truth[record_id][column[name]] = None
        assert differences(truth, stored) == {}, obj  # every record kept, every other value the CRM's
    shown = CliRunner().invoke(app, ["runs", "show", str(summary.run_id)], env={"DATABASE_URL": e2e.database_url})
    assert f"data-quality warnings: {len(warned)} field(s) stored empty" in shown.output, shown.output
    assert f"{accounts[0]} ParentId:" in shown.output


def _warnings(e2e, run_id: int) -> list[dict[str, str]]:
    from sync import SyncRun, session

    with session(e2e.engine) as s:
        run = s.get(SyncRun, run_id)
        assert run is not None
        return list((run.counts or {}).get("extra", {}).get("warnings") or [])
